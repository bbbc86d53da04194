package paytest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/api"
	"github.com/paystep/paystep/internal/httpsec"
	"github.com/paystep/paystep/internal/idgen"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paypage"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/sandbox"
	"github.com/paystep/paystep/internal/psp/stripesig"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/dbtest"
	"github.com/paystep/paystep/internal/webhook"
)

// Stack is paystep's payment side assembled in-process and served over
// real HTTP on 127.0.0.1, mounted as paystep serve mounts it: the API at
// /v1/, the sandbox PSP at /sandbox/, its webhooks at /webhooks/sandbox,
// the pay page at /pay/, with security headers and rate limits on the
// public endpoints. It runs on the system clock: the sandbox signs and
// delivers its webhooks to the stack over HTTP.
type Stack struct {
	t       testing.TB
	URL     string // "http://127.0.0.1:port"
	Store   store.PaymentStore
	DBPath  string // the SQLite file, unless StackOptions.Store was given
	Sandbox *sandbox.Sandbox
	Service *payment.Service
	API     *api.Handler
	Intake  *webhook.Intake
	Logger  *slog.Logger
	// Mux serves the stack; a test may add routes (metrics) to it.
	Mux *http.ServeMux
	// The development key pair.
	SecretKey, PublishableKey string
	logs                      *Buffer
}

// StackOptions adjust a Stack; the zero value is the plain stack.
type StackOptions struct {
	// Store defaults to a new SQLite file in t's temporary directory.
	Store store.PaymentStore
	// Logs, when set, collects every log line of the stack (JSON, from
	// debug up); Deliver's failures show them. nil discards them.
	Logs *Buffer
	// Middleware, when set, wraps the stack's handler, with the stack's
	// logger (a wiretap).
	Middleware func(logger *slog.Logger, next http.Handler) http.Handler
	// RunSandbox runs the sandbox's delivery loop while the test runs, as
	// serve does; otherwise the test delivers webhooks with Deliver.
	RunSandbox bool
	// PagePollInterval is the pay page's; defaults to the page's default.
	PagePollInterval time.Duration
	// EndedFunc is the service's payment.Config.EndedFunc.
	EndedFunc func(ctx context.Context, q store.PaymentTx, p *payment.Payment) error
	// CommittedFunc is the intake's webhook.Config.CommittedFunc.
	CommittedFunc func()
}

// WebhookSecret signs the sandbox's webhooks in a Stack.
const WebhookSecret stripesig.Secret = "whsec_paytest"

// NewStack builds and starts the stack; it stops when t ends.
func NewStack(t testing.TB, opts StackOptions) *Stack {
	t.Helper()
	s := &Stack{t: t, Store: opts.Store, logs: opts.Logs}
	if s.Store == nil {
		s.DBPath = dbtest.SQLitePath(t)
		s.Store = dbtest.SQLite(t, s.DBPath)
	}
	if opts.Logs != nil {
		s.Logger = slog.New(slog.NewJSONHandler(opts.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	logger := s.Logger

	srv := httptest.NewUnstartedServer(nil)
	s.URL = "http://" + srv.Listener.Addr().String()
	s.Sandbox = sandbox.New(sandbox.Config{
		Logger: logger.With("component", "sandbox"), BaseURL: s.URL + "/sandbox",
		WebhookURL: s.URL + "/webhooks/sandbox", WebhookSecret: WebhookSecret,
		RetryBase: 100 * time.Millisecond, RetryMax: time.Second, PollInterval: 50 * time.Millisecond,
	})
	client := sandbox.NewClient(sandbox.ClientConfig{BaseURL: s.URL + "/sandbox", WebhookSecrets: []stripesig.Secret{WebhookSecret}})
	svc, err := payment.NewService(s.Store, []psp.Provider{client}, payment.Config{Logger: logger.With("component", "payment"),
		EndedFunc: opts.EndedFunc})
	if err != nil {
		t.Fatal(err)
	}
	s.Service = svc
	sk, pk, created, err := api.DevelopmentKeys(t.Context(), s.Store, idgen.Random{}, time.Now())
	if err != nil || !created {
		t.Fatalf("DevelopmentKeys = %v, %v", created, err)
	}
	s.SecretKey, s.PublishableKey = string(sk), string(pk)
	page, err := paypage.New(svc, paypage.Config{PublishableKey: s.PublishableKey, SandboxBaseURL: "/sandbox",
		PollInterval: opts.PagePollInterval, Logger: logger.With("component", "paypage")})
	if err != nil {
		t.Fatal(err)
	}
	s.API = api.New(svc, s.Store, api.Config{Logger: logger.With("component", "api")})
	s.Intake = webhook.New(svc, map[string]psp.EventVerifier{sandbox.Name: client},
		webhook.Config{Logger: logger.With("component", "webhook"), CommittedFunc: opts.CommittedFunc})

	// The public endpoints' headers and limits, as paystep serve mounts
	// them, with the default limits: tests stay within them.
	pub := httpsec.NewPublic(httpsec.PublicConfig{Logger: logger.With("component", "httpsec")})
	s.Mux = http.NewServeMux()
	s.Mux.Handle("/v1/", pub.API(s.API))
	sb := http.StripPrefix("/sandbox", s.Sandbox)
	s.Mux.Handle("/sandbox/", pub.Headers(sb))
	s.Mux.Handle("POST /sandbox/v1/payment_methods", pub.Tokenize(sb))
	s.Mux.Handle("/webhooks/", pub.Headers(s.Intake))
	s.Mux.Handle("/pay/", pub.Page(page))
	srv.Config.Handler = s.Mux
	if opts.Middleware != nil {
		srv.Config.Handler = opts.Middleware(logger, s.Mux)
	}
	srv.Start()
	t.Cleanup(srv.Close)

	if opts.RunSandbox {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.Sandbox.Run(ctx)
		}()
		t.Cleanup(func() {
			cancel()
			<-done
		})
	}
	return s
}

// Do makes a request to the stack; header holds name, value pairs.
func (s *Stack) Do(method, path, body string, header ...string) Response {
	s.t.Helper()
	return Do(s.t, method, s.URL+path, body, header...)
}

// CreatePayment makes a payment through the API as a merchant's server
// would, with the secret key, and returns its ID.
func (s *Stack) CreatePayment(amount int64, currency, description string) string {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"amount": amount, "currency": currency, "description": description})
	r := s.Do("POST", "/v1/payments", string(body), "Authorization", "Bearer "+s.SecretKey)
	if r.Status != 200 {
		s.t.Fatalf("POST /v1/payments = %d %s", r.Status, r.Body)
	}
	return r.JSON(s.t)["id"].(string)
}

// Deliver performs the sandbox's due work (its webhooks) now.
func (s *Stack) Deliver() {
	s.t.Helper()
	s.Sandbox.RunDue(s.t.Context())
	if n, _ := s.Sandbox.Pending(); n != 0 {
		logs := "(not kept)"
		if s.logs != nil {
			logs = s.logs.String()
		}
		s.t.Fatalf("%d webhook deliveries still pending after RunDue; logs:\n%s", n, logs)
	}
}
