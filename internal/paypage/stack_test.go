package paypage_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paytest"
)

// stack is the payment stack of paytest, served over real HTTP on
// 127.0.0.1 as paystep serve mounts it, behind a wiretap. The payments,
// and the raw webhook events the intake keeps, live in a real SQLite file.
type stack struct {
	*paytest.Stack
	t    *testing.T
	logs *paytest.Buffer // every log line of the stack, and every request reaching paystep's side
}

type stackOptions struct {
	runSandbox   bool          // run the sandbox's delivery loop; otherwise tests call Deliver
	pollInterval time.Duration // the page's; defaults to the page's default
}

func newStack(t *testing.T, opts stackOptions) *stack {
	t.Helper()
	s := &stack{t: t, logs: &paytest.Buffer{}}
	s.Stack = paytest.NewStack(t, paytest.StackOptions{Logs: s.logs, Middleware: wiretap,
		RunSandbox: opts.runSandbox, PagePollInterval: opts.pollInterval})
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

// payment reads a payment and its transition log from the service.
func (s *stack) payment(id string) (*payment.Payment, []payment.Entry) {
	s.t.Helper()
	p, err := s.Service.Get(s.t.Context(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	log, err := s.Service.Log(s.t.Context(), id)
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
