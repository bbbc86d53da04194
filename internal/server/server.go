// Package server puts paystep's HTTP surfaces behind one handler: the Step
// Functions API at POST /, /healthz, /readyz and /metrics. Other surfaces
// (paystep's own API, webhooks, the console) mount on it with Handle.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Config configures a Server.
type Config struct {
	// API answers POST / (the Step Functions API). Required.
	API http.Handler
	// Ready reports whether the server can do its work: /readyz answers
	// 503 when it returns an error (the database does not answer). nil
	// means always ready.
	Ready func(ctx context.Context) error
	// ReadyTimeout bounds Ready. Defaults to 2s.
	ReadyTimeout time.Duration
	// Metrics are served at /metrics; nil serves none.
	Metrics *Metrics
	Logger  *slog.Logger // Defaults to discarding.
}

// Server is the HTTP handler of a paystep process.
type Server struct {
	mux *http.ServeMux
	cfg Config
}

// New returns the handler.
func New(cfg Config) *Server {
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{mux: http.NewServeMux(), cfg: cfg}
	s.mux.Handle("/{$}", cfg.API) // AWS JSON 1.0 posts to /; the API answers other methods itself
	s.mux.HandleFunc("GET /healthz", healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	if cfg.Metrics != nil {
		s.mux.Handle("GET /metrics", cfg.Metrics.Handler())
	}
	return s
}

// Handle mounts h at pattern (http.ServeMux's patterns).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// healthz says the process is up and serving.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

// readyz says whether the database answers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadyTimeout)
		err := s.cfg.Ready(ctx)
		cancel()
		if err != nil {
			s.cfg.Logger.WarnContext(r.Context(), "not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready: the database does not answer\n"))
			return
		}
	}
	w.Write([]byte("ready\n"))
}
