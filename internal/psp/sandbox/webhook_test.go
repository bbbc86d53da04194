package sandbox_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/sandbox"
	"github.com/paystep/paystep/internal/psp/stripesig"
)

// receiver is a webhook endpoint on 127.0.0.1 that verifies what it gets
// with the sandbox client, as paystep's /webhooks/sandbox will.
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	verify   func(http.Header, []byte) (*psp.Event, error)
	events   []*psp.Event
	rejected []error
	fail     int // answer 500 to this many requests first
	got      chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: make(chan struct{}, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.fail > 0 {
			r.fail--
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		ev, err := r.verify(req.Header, body)
		if err != nil {
			r.rejected = append(r.rejected, err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.events = append(r.events, ev)
		r.got <- struct{}{}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.events {
		out = append(out, ev.ProviderType)
	}
	return out
}

func (r *receiver) received() []*psp.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*psp.Event(nil), r.events...)
}

func newWebhookEnv(t *testing.T, cfg sandbox.Config) (*env, *receiver) {
	t.Helper()
	r := newReceiver(t)
	cfg.WebhookURL = r.srv.URL + "/webhooks/sandbox"
	e := newEnv(t, cfg)
	r.verify = e.client.VerifyEvent
	return e, r
}

func pay(t *testing.T, e *env, pm string, capture psp.CaptureMethod) *psp.Intent {
	t.Helper()
	in, err := e.client.Create(context.Background(), psp.CreateParams{IdempotencyKey: "create-" + pm, Amount: 2599, Currency: "EUR",
		CaptureMethod: capture, PaymentMethod: pm, Confirm: true, Metadata: map[string]string{psp.MetadataPaymentID: "pay_123"}})
	if err != nil && psp.OutcomeOf(err) != psp.Failed {
		t.Fatalf("Create = %v", err)
	}
	return in
}

func TestWebhooksAreSignedDeliveredAndNormalised(t *testing.T) {
	t.Parallel()
	e, r := newWebhookEnv(t, sandbox.Config{})
	in := pay(t, e, "pm_card_visa", "")
	if n := e.sb.RunDue(context.Background()); n != 2 {
		t.Fatalf("RunDue delivered %d, want 2", n)
	}
	if got := strings.Join(r.types(), " "); got != "payment_intent.created payment_intent.succeeded" {
		t.Fatalf("received %s", got)
	}
	ev := r.received()[1]
	if ev.Provider != "sandbox" || !strings.HasPrefix(ev.ID, "evt_") || ev.Type != psp.EventPaymentSucceeded ||
		ev.IntentRef != in.Ref || ev.PaymentID != "pay_123" || ev.Status != psp.StatusSucceeded || ev.Amount != 2599 ||
		ev.Currency != "EUR" || ev.AmountReceived != 2599 || !ev.Created.Equal(start) || len(ev.Raw) == 0 {
		t.Errorf("succeeded event = %+v", ev)
	}
	if d, j := e.sb.Pending(); d != 0 || j != 0 {
		t.Errorf("pending after delivery: %d deliveries, %d jobs", d, j)
	}
}

func TestDeclineEventCarriesTheDecline(t *testing.T) {
	t.Parallel()
	e, r := newWebhookEnv(t, sandbox.Config{})
	pay(t, e, "pm_card_visa_chargeDeclinedInsufficientFunds", "")
	e.sb.RunDue(context.Background())
	evs := r.received()
	if len(evs) != 2 {
		t.Fatalf("received %v", r.types())
	}
	ev := evs[1]
	if ev.Type != psp.EventPaymentFailed || ev.FailureCode != "card_declined" || ev.DeclineCode != "insufficient_funds" ||
		ev.Status != psp.StatusRequiresPaymentMethod || ev.PaymentMethod == nil || ev.PaymentMethod.Last4 != "9995" {
		t.Errorf("failed event = %+v (method %+v)", ev, ev.PaymentMethod)
	}
}

func TestAsyncProcessingAndRefundFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, r := newWebhookEnv(t, sandbox.Config{ProcessingDelay: 5 * time.Second})
	in := pay(t, e, "pm_card_refundFail", "")
	if in.Status != psp.StatusProcessing {
		t.Fatalf("Create = %s, want processing", in.Status)
	}
	e.sb.RunDue(ctx)
	e.clk.Advance(4 * time.Second)
	e.sb.RunDue(ctx)
	if got := strings.Join(r.types(), " "); got != "payment_intent.created payment_intent.processing" {
		t.Fatalf("before the delay: %s", got)
	}
	e.clk.Advance(time.Second)
	e.sb.RunDue(ctx)
	re, err := e.client.Refund(ctx, psp.RefundParams{IdempotencyKey: "refund", Ref: in.Ref, Amount: 1000})
	if err != nil || re.Status != psp.RefundPending {
		t.Fatalf("Refund = %+v, %v; want pending", re, err)
	}
	e.clk.Advance(5 * time.Second)
	e.sb.RunDue(ctx)
	e.clk.Advance(6 * time.Second)
	e.sb.RunDue(ctx)
	want := "payment_intent.created payment_intent.processing payment_intent.succeeded refund.created charge.refunded refund.updated refund.failed"
	if got := strings.Join(r.types(), " "); got != want {
		t.Fatalf("events: %s\nwant %s", got, want)
	}
	evs := r.received()
	if last := evs[len(evs)-1]; last.Type != psp.EventRefundFailed || last.RefundRef != re.Ref || last.FailureCode != "expired_or_canceled_card" {
		t.Errorf("refund.failed = %+v", last)
	}
	if upd := evs[len(evs)-2]; upd.Type != psp.EventRefundSucceeded || upd.RefundStatus != psp.RefundSucceeded {
		t.Errorf("refund.updated = %+v; want normalised to refund succeeded", upd)
	}
	got, err := e.client.Retrieve(ctx, in.Ref)
	if err != nil || got.AmountRefunded != 0 {
		t.Errorf("after the refund failed: refunded %d, %v; want 0", got.AmountRefunded, err)
	}
}

func TestRetriesBackOffExponentially(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, r := newWebhookEnv(t, sandbox.Config{RetryBase: 10 * time.Second, RetryMax: 25 * time.Second})
	r.fail = 5
	in, err := e.client.Create(ctx, psp.CreateParams{IdempotencyKey: "k", Amount: 100, Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	// Attempts at 0s, 10s, 30s (10+20), 55s (+25, capped), 80s, 105s.
	for i, step := range []struct {
		advance time.Duration
		tried   int
	}{
		{0, 1}, {9 * time.Second, 0}, {time.Second, 1}, {19 * time.Second, 0}, {time.Second, 1},
		{24 * time.Second, 0}, {time.Second, 1}, {25 * time.Second, 1}, {25 * time.Second, 1},
	} {
		e.clk.Advance(step.advance)
		if n := e.sb.RunDue(ctx); n != step.tried {
			t.Fatalf("step %d (+%s): RunDue tried %d, want %d", i, step.advance, n, step.tried)
		}
	}
	evs := r.received()
	if len(evs) != 1 || evs[0].IntentRef != in.Ref {
		t.Fatalf("received %v; want the one created event after 5 failures", r.types())
	}
	if !strings.Contains(e.logs.String(), "sandbox webhook failed") || !strings.Contains(e.logs.String(), "attempt=5") {
		t.Errorf("failures not logged:\n%s", e.logs)
	}
}

func TestDeliveryGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, r := newWebhookEnv(t, sandbox.Config{RetryBase: time.Second, MaxAttempts: 3})
	r.fail = 100
	if _, err := e.client.Create(ctx, psp.CreateParams{IdempotencyKey: "k", Amount: 100, Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		e.sb.RunDue(ctx)
		e.clk.Advance(time.Minute)
	}
	if d, _ := e.sb.Pending(); d != 0 {
		t.Errorf("%d deliveries still queued after MaxAttempts", d)
	}
	if !strings.Contains(e.logs.String(), "level=ERROR msg=\"sandbox webhook dropped\"") {
		t.Errorf("the drop was not logged as an error:\n%s", e.logs)
	}
}

func TestTestModesDuplicateAndReorder(t *testing.T) {
	t.Parallel()
	e, r := newWebhookEnv(t, sandbox.Config{DuplicateEvents: true, ReorderEvents: true})
	pay(t, e, "pm_card_visa", "")
	e.sb.RunDue(context.Background())
	got := strings.Join(r.types(), " ")
	want := "payment_intent.succeeded payment_intent.succeeded payment_intent.created payment_intent.created"
	if got != want {
		t.Fatalf("received %s\nwant %s", got, want)
	}
	evs := r.received()
	if evs[0].ID != evs[1].ID || evs[2].ID != evs[3].ID || evs[0].ID == evs[2].ID {
		t.Errorf("duplicates must share their event ID: %s %s %s %s", evs[0].ID, evs[1].ID, evs[2].ID, evs[3].ID)
	}
}

func TestVerifyEventRejectsForgeriesAndStaleEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Config{})
	pay(t, e, "pm_card_visa", "")
	body := e.sb.Events()[1].Body
	h := http.Header{}
	h.Set(stripesig.HeaderName, stripesig.Sign(start, body, secret))
	if ev, err := e.client.VerifyEvent(h, body); err != nil || ev.Type != psp.EventPaymentSucceeded {
		t.Fatalf("VerifyEvent(genuine) = %+v, %v", ev, err)
	}
	h.Set(stripesig.HeaderName, stripesig.Sign(start, body, "whsec_other"))
	if _, err := e.client.VerifyEvent(h, body); err == nil || !strings.Contains(err.Error(), "no v1 signature matches") {
		t.Errorf("VerifyEvent(other secret) = %v", err)
	}
	h.Set(stripesig.HeaderName, stripesig.Sign(start.Add(-6*time.Minute), body, secret))
	if _, err := e.client.VerifyEvent(h, body); err == nil || !strings.Contains(err.Error(), "outside the 5m0s tolerance") {
		t.Errorf("VerifyEvent(stale) = %v", err)
	}
	if _, err := e.client.VerifyEvent(http.Header{}, body); err == nil || !strings.Contains(err.Error(), "no Stripe-Signature header") {
		t.Errorf("VerifyEvent(unsigned) = %v", err)
	}
}

func TestRunDeliversWithoutBeingAsked(t *testing.T) {
	t.Parallel()
	e, r := newWebhookEnv(t, sandbox.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- e.sb.Run(ctx) }()
	pay(t, e, "pm_card_visa", "")
	for range 2 {
		select {
		case <-r.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("Run delivered only %v", r.types())
		}
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
}

func TestOnlyTheLatestEventsAreKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Config{KeepEvents: 3})
	pay(t, e, "pm_card_visa", "")                               // created, succeeded
	pay(t, e, "pm_card_visa_chargeDeclined", psp.CaptureManual) // created, payment_failed
	var types []string
	for _, ev := range e.sb.Events() {
		types = append(types, ev.Type)
	}
	if got := strings.Join(types, " "); got != "payment_intent.succeeded payment_intent.created payment_intent.payment_failed" {
		t.Errorf("kept %s", got)
	}
}
