package server_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/paytask"
	"github.com/paystep/paystep/internal/paytest"
	"github.com/paystep/paystep/internal/server"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/dbtest"
)

// sender takes the dispatcher's resumptions in place of the engine.
type sender struct {
	mu     sync.Mutex
	tokens []string
}

func (s *sender) SendTaskSuccess(_ context.Context, token, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = append(s.tokens, token)
	return nil
}

func (s *sender) SendTaskFailure(_ context.Context, token, _, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = append(s.tokens, token)
	return nil
}

// TestPaymentMetrics drives payments through the payment stack, the API
// and the sandbox's webhooks over HTTP, with the metrics wired as paystep
// serve wires them, and reads the payment series from /metrics.
func TestPaymentMetrics(t *testing.T) {
	t.Parallel()
	st := dbtest.SQLite(t, dbtest.SQLitePath(t))
	tasks := paytask.New(st, paytask.Config{})
	s := paytest.NewStack(t, paytest.StackOptions{Store: st, EndedFunc: tasks.Ended})
	sent := &sender{}
	disp := paytask.NewDispatcher(st, sent, paytask.DispatcherConfig{})
	m := server.NewMetrics(server.MetricsConfig{NoProcess: true,
		Payments: s.Service.Stats, Webhooks: s.Intake.Stats, PaymentsAPI: s.API.Stats,
		Resumptions: disp.Stats, ResumptionsPending: st.TaskResumptionCountUndelivered})
	s.Mux.Handle("GET /metrics", m.Handler())
	scrape := func() string {
		t.Helper()
		r := s.Do("GET", "/metrics", "")
		if r.Status != 200 {
			t.Fatalf("GET /metrics = %d %s", r.Status, r.Body)
		}
		return string(r.Body)
	}
	want := func(body string, lines ...string) {
		t.Helper()
		for _, l := range lines {
			if !strings.Contains(body, "\n"+l+"\n") {
				t.Errorf("/metrics lacks %q", l)
			}
		}
		if t.Failed() {
			t.Fatalf("/metrics:\n%s", body)
		}
	}
	want(scrape(), "paystep_task_resumptions_pending 0", `paystep_idempotency_requests_total{outcome="replayed"} 0`,
		`paystep_task_resumptions_total{result="delivered"} 0`)

	// A payment made with an Idempotency-Key, repeated, then reused with
	// other parameters; a task token waits on it.
	auth := []string{"Authorization", "Bearer " + s.SecretKey, "Idempotency-Key", "order-1"}
	var id string
	for range 2 {
		r := s.Do("POST", "/v1/payments", `{"amount":1050,"currency":"eur"}`, auth...)
		if r.Status != 200 {
			t.Fatalf("POST /v1/payments = %d %s", r.Status, r.Body)
		}
		id = r.JSON(t)["id"].(string)
	}
	if r := s.Do("POST", "/v1/payments", `{"amount":2000,"currency":"eur"}`, auth...); r.Status != 400 {
		t.Fatalf("POST /v1/payments with a reused key = %d %s, want 400", r.Status, r.Body)
	}
	if err := st.PaymentTaskAdd(t.Context(), &store.PaymentTask{PaymentID: id, TaskToken: "token-1", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// It is paid; another is declined.
	if r := s.Do("POST", "/v1/payments/"+id+"/confirm", `{"payment_method":"pm_card_visa"}`, "Authorization", "Bearer "+s.PublishableKey); r.Status != 200 {
		t.Fatalf("confirm = %d %s", r.Status, r.Body)
	}
	declined := s.CreatePayment(500, "eur", "")
	if r := s.Do("POST", "/v1/payments/"+declined+"/confirm", `{"payment_method":"pm_card_visa_chargeDeclined"}`, "Authorization", "Bearer "+s.PublishableKey); r.Status != 402 {
		t.Fatalf("confirm with a declined card = %d %s, want 402", r.Status, r.Body)
	}
	s.Deliver()
	if r := s.Do("POST", "/webhooks/sandbox", `{"id":"evt_forged"}`, "Stripe-Signature", "t=1,v1=00"); r.Status != 400 {
		t.Fatalf("a forged webhook = %d %s, want 400", r.Status, r.Body)
	}
	body := scrape()
	want(body,
		`paystep_payment_transitions_total{from="none",psp="sandbox",to="created"} 2`,
		`paystep_payment_transitions_total{from="created",psp="sandbox",to="processing"} 1`,
		`paystep_payment_transitions_total{from="processing",psp="sandbox",to="succeeded"} 1`,
		`paystep_payment_transitions_total{from="created",psp="sandbox",to="failed"} 1`,
		`paystep_psp_call_duration_seconds_count{operation="create",outcome="succeeded",psp="sandbox"} 2`,
		`paystep_psp_call_duration_seconds_count{operation="confirm",outcome="succeeded",psp="sandbox"} 1`,
		`paystep_psp_call_duration_seconds_count{operation="confirm",outcome="failed",psp="sandbox"} 1`,
		`paystep_psp_call_duration_seconds_bucket{operation="confirm",outcome="failed",psp="sandbox",le="+Inf"} 1`,
		`paystep_webhooks_total{outcome="applied",provider="sandbox"} 2`,
		`paystep_webhooks_total{outcome="bad_signature",provider="sandbox"} 1`,
		`paystep_idempotency_requests_total{outcome="stored"} 1`,
		`paystep_idempotency_requests_total{outcome="replayed"} 1`,
		`paystep_idempotency_requests_total{outcome="mismatch"} 1`,
		`paystep_task_resumptions_pending 1`,
		`paystep_task_resumptions_count_up 1`,
		`paystep_task_resumptions_total{result="delivered"} 0`,
	)
	if strings.Contains(body, id) || strings.Contains(body, declined) {
		t.Errorf("/metrics names a payment ID:\n%s", body)
	}

	if n, err := disp.RunDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("RunDue = %d, %v; want the one resumption", n, err)
	}
	want(scrape(), "paystep_task_resumptions_pending 0", `paystep_task_resumptions_total{result="delivered"} 1`)
	if len(sent.tokens) != 1 || sent.tokens[0] != "token-1" {
		t.Errorf("resumed tokens %q, want token-1", sent.tokens)
	}
}
