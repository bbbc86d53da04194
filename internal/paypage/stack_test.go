package paypage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// stack is paystep's payment side assembled in-process and served over
// real HTTP on 127.0.0.1, mounted as paystep serve mounts it: the API at
// /v1/, the sandbox PSP at /sandbox/, its webhooks at /webhooks/sandbox,
// the pay page at /pay/, with security headers and rate limits on the
// public endpoints. The payments, and the raw webhook events the intake
// keeps, live in a real SQLite file.
type stack struct {
	t      *testing.T
	srv    *httptest.Server
	url    string
	st     store.PaymentStore
	dbPath string
	sb     *sandbox.Sandbox
	svc    *payment.Service
	sk, pk string
	logs   *logBuffer // every log line of the stack, and every request reaching paystep's side
}

type stackOptions struct {
	runSandbox   bool          // run the sandbox's delivery loop; otherwise tests call deliver
	pollInterval time.Duration // the page's; defaults to the page's default
}

const webhookSecret stripesig.Secret = "whsec_paypage_test"

func newStack(t *testing.T, opts stackOptions) *stack {
	t.Helper()
	s := &stack{t: t, logs: &logBuffer{}}
	s.dbPath = dbtest.SQLitePath(t)
	s.st = dbtest.SQLite(t, s.dbPath)
	logger := slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	s.srv = httptest.NewUnstartedServer(nil)
	s.url = "http://" + s.srv.Listener.Addr().String()
	s.sb = sandbox.New(sandbox.Config{
		Logger: logger.With("component", "sandbox"), BaseURL: s.url + "/sandbox",
		WebhookURL: s.url + "/webhooks/sandbox", WebhookSecret: webhookSecret,
		RetryBase: 100 * time.Millisecond, RetryMax: time.Second, PollInterval: 50 * time.Millisecond,
	})
	client := sandbox.NewClient(sandbox.ClientConfig{BaseURL: s.url + "/sandbox", WebhookSecrets: []stripesig.Secret{webhookSecret}})
	svc, err := payment.NewService(s.st, []psp.Provider{client}, payment.Config{Logger: logger.With("component", "payment")})
	if err != nil {
		t.Fatal(err)
	}
	s.svc = svc
	sk, pk, created, err := api.DevelopmentKeys(t.Context(), s.st, idgen.Random{}, time.Now())
	if err != nil || !created {
		t.Fatalf("DevelopmentKeys = %v, %v", created, err)
	}
	s.sk, s.pk = string(sk), string(pk)
	page, err := paypage.New(svc, paypage.Config{PublishableKey: s.pk, SandboxBaseURL: "/sandbox",
		PollInterval: opts.pollInterval, Logger: logger.With("component", "paypage")})
	if err != nil {
		t.Fatal(err)
	}

	// The public endpoints' headers and limits, as paystep serve mounts
	// them, with the default limits: the tests stay within them.
	pub := httpsec.NewPublic(httpsec.PublicConfig{Logger: logger.With("component", "httpsec")})
	mux := http.NewServeMux()
	mux.Handle("/v1/", pub.API(api.New(svc, s.st, api.Config{Logger: logger.With("component", "api")})))
	sb := http.StripPrefix("/sandbox", s.sb)
	mux.Handle("/sandbox/", pub.Headers(sb))
	mux.Handle("POST /sandbox/v1/payment_methods", pub.Tokenize(sb))
	mux.Handle("/webhooks/", pub.Headers(webhook.New(s.st, svc, map[string]psp.EventVerifier{sandbox.Name: client},
		webhook.Config{Logger: logger.With("component", "webhook")})))
	mux.Handle("/pay/", pub.Page(page))
	s.srv.Config.Handler = wiretap(logger, mux)
	s.srv.Start()
	t.Cleanup(s.srv.Close)

	if opts.runSandbox {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.sb.Run(ctx)
		}()
		t.Cleanup(func() {
			cancel()
			<-done
		})
	}
	return s
}

// wiretap logs every request that reaches paystep's side (all but the
// sandbox PSP, which is another party even in process): its URL and body.
// The card scan reads these lines, so a card number sent to paystep's API
// or page in a URL or a body would be found.
func wiretap(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/sandbox/") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		logger.InfoContext(r.Context(), "wiretap", "method", r.Method, "url", r.URL.String(), "body", string(body),
			"authorization_present", r.Header.Get("Authorization") != "")
		next.ServeHTTP(w, r)
	})
}

// logBuffer collects log lines from many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// deliver performs the sandbox's due work (webhooks) now.
func (s *stack) deliver() {
	s.t.Helper()
	s.sb.RunDue(s.t.Context())
	if n, _ := s.sb.Pending(); n != 0 {
		s.t.Fatalf("%d webhook deliveries still pending after RunDue; logs:\n%s", n, s.logs.Bytes())
	}
}

type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("reply %d %s: %v", r.Status, r.Body, err)
	}
	return m
}

// do makes a request to the stack; header holds name, value pairs.
func (s *stack) do(method, path, body string, header ...string) reply {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(s.t.Context(), method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// createPayment makes a payment as a merchant's server would, with the
// secret key.
func (s *stack) createPayment(amount int64, currency, description string) string {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"amount": amount, "currency": currency, "description": description})
	r := s.do("POST", "/v1/payments", string(body), "Authorization", "Bearer "+s.sk)
	if r.Status != 200 {
		s.t.Fatalf("POST /v1/payments = %d %s", r.Status, r.Body)
	}
	return r.json(s.t)["id"].(string)
}

// payment reads a payment and its transition log from the service.
func (s *stack) payment(id string) (*payment.Payment, []payment.Entry) {
	s.t.Helper()
	p, err := s.svc.Get(s.t.Context(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	log, err := s.svc.Log(s.t.Context(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return p, log
}

// endedByWebhook checks that payment id ended in want, moved there by a
// verified webhook event.
func (s *stack) endedByWebhook(id string, want payment.Status) *payment.Payment {
	s.t.Helper()
	p, log := s.payment(id)
	if p.Status != want {
		s.t.Fatalf("payment %s is %s, want %s; log %+v", id, p.Status, want, log)
	}
	last := log[len(log)-1]
	if last.To != want || last.Cause.Kind != payment.CauseWebhook || last.Cause.EventID == "" {
		s.t.Errorf("payment %s entered %s by %+v, want a webhook event", id, want, last)
	}
	return p
}
