package payment_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/idgen"
	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paytest"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/psptest"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/dbtest"
)

// env is a Service on a real store and the in-process sandbox PSP, whose
// mutating calls' idempotency keys are recorded.
type env struct {
	*paytest.Env
	keys *keyRecorder
}

// keyRecorder records the idempotency key of every mutating call.
type keyRecorder struct {
	psp.Provider
	mu   sync.Mutex
	keys []string
}

func (k *keyRecorder) add(op, key string) {
	k.mu.Lock()
	k.keys = append(k.keys, op+" "+key)
	k.mu.Unlock()
}

func (k *keyRecorder) Create(ctx context.Context, p psp.CreateParams) (*psp.Intent, error) {
	k.add("create", p.IdempotencyKey)
	return k.Provider.Create(ctx, p)
}

func (k *keyRecorder) Confirm(ctx context.Context, p psp.ConfirmParams) (*psp.Intent, error) {
	k.add("confirm", p.IdempotencyKey)
	return k.Provider.Confirm(ctx, p)
}

func (k *keyRecorder) Capture(ctx context.Context, p psp.CaptureParams) (*psp.Intent, error) {
	k.add("capture", p.IdempotencyKey)
	return k.Provider.Capture(ctx, p)
}

func (k *keyRecorder) Refund(ctx context.Context, p psp.RefundParams) (*psp.Refund, error) {
	k.add("refund", p.IdempotencyKey)
	return k.Provider.Refund(ctx, p)
}

func (k *keyRecorder) Keys() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.keys...)
}

func newEnv(t *testing.T, st store.PaymentStore, wrap func(psp.Provider) psp.Provider) *env {
	t.Helper()
	e := &env{}
	e.Env = paytest.NewEnv(t, st, paytest.EnvOptions{Wrap: func(p psp.Provider) psp.Provider {
		e.keys = &keyRecorder{Provider: p}
		if wrap != nil {
			return wrap(e.keys)
		}
		return e.keys
	}})
	return e
}

func (e *env) create(t *testing.T, capture payment.CaptureMethod) *payment.Payment {
	t.Helper()
	p, err := e.Service.Create(t.Context(), payment.CreateParams{Amount: money.New(1050, "EUR"), Customer: "cus_ada", Description: "tea", Metadata: map[string]string{"order": "42"}, CaptureMethod: capture})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return p
}

// deliver applies the event the PSP would send about p's intent now, as the
// webhook intake does after verifying it.
func (e *env) deliver(t *testing.T, p *payment.Payment, typ psp.EventType, id string) (*payment.Payment, bool, error) {
	t.Helper()
	return e.Apply(t, e.Event(t, p, typ, id))
}

func logOf(t *testing.T, svc *payment.Service, id string) []string {
	t.Helper()
	log, err := svc.Log(t.Context(), id)
	if err != nil {
		t.Fatalf("Log: %v", err)
	}
	var out []string
	for _, e := range log {
		out = append(out, fmt.Sprintf("%s→%s %s%s", e.From, e.To, e.Cause.Kind, prefixed(" ", e.Cause.EventID)))
	}
	return out
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

func wantLog(t *testing.T, svc *payment.Service, id string, want ...string) {
	t.Helper()
	got := logOf(t, svc, id)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("log of %s = %q, want %q", id, got, want)
	}
}

func TestPayAndSucceedOnEvent(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		p := e.create(t, "")
		if p.ID != "pay_000001" || p.Status != payment.Created || p.PSPReference == "" || p.Pending != "" {
			t.Fatalf("Create = %+v; want pay_000001 created at the PSP", p)
		}
		p, err := e.Service.Confirm(t.Context(), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"})
		if err != nil {
			t.Fatalf("Confirm: %v", err)
		}
		// The PSP charged at once, but its answer does not end the payment.
		if p.Status != payment.Processing || p.PaymentMethod.Brand != "visa" || p.PaymentMethod.Last4 != "4242" {
			t.Errorf("after Confirm: %+v; want processing with the card's summary", p)
		}
		if _, err := e.Service.Confirm(t.Context(), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"}); !errors.As(err, new(*payment.StateError)) {
			t.Errorf("second Confirm = %v, want a StateError", err)
		}
		p, changed, err := e.deliver(t, p, psp.EventPaymentSucceeded, "evt_1")
		if err != nil || !changed || p.Status != payment.Succeeded || p.AmountCaptured != 1050 {
			t.Fatalf("payment.succeeded event = %+v, %v, %v; want succeeded, 10.50 captured", p, changed, err)
		}
		if _, changed, err := e.deliver(t, p, psp.EventPaymentSucceeded, "evt_2"); err != nil || changed {
			t.Errorf("second success event = %v, %v; want no change", changed, err)
		}
		wantLog(t, e.Service, p.ID, "→created api", "created→processing psp_response", "processing→succeeded webhook evt_1")
		if fmt.Sprint(e.keys.Keys()) != "[create pay_000001:create:1 confirm pay_000001:confirm:1]" {
			t.Errorf("PSP keys = %q", e.keys.Keys())
		}
		evs, _, err := e.Store.DomainEventList(t.Context(), store.DomainEventFilter{ObjectID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, ev := range evs {
			types = append(types, ev.Type)
		}
		if fmt.Sprint(types) != "[payment.succeeded payment.processing payment.created]" {
			t.Errorf("outbox = %v", types)
		}
	})
}

func TestDeclineFailsOnEvent(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		p := e.create(t, "")
		_, err := e.Service.Confirm(t.Context(), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa_chargeDeclinedInsufficientFunds"})
		if !errors.Is(err, psp.ErrDeclined) {
			t.Fatalf("Confirm(declining card) = %v, want a decline", err)
		}
		p, err = e.Service.Get(t.Context(), p.ID)
		if err != nil || p.Status != payment.Created || p.Failure.DeclineCode != "insufficient_funds" || p.Pending != "" {
			t.Fatalf("after the decline: %+v, %v; want created with the decline recorded", p, err)
		}
		p, _, err = e.deliver(t, p, psp.EventPaymentFailed, "evt_f")
		if err != nil || p.Status != payment.Failed {
			t.Fatalf("payment.failed event = %+v, %v", p, err)
		}
		wantLog(t, e.Service, p.ID, "→created api", "created→failed webhook evt_f")
		if _, err := e.Service.Refund(t.Context(), payment.RefundParams{PaymentID: p.ID}); !errors.As(err, new(*payment.RefundError)) {
			t.Errorf("Refund(failed payment) = %v, want a RefundError", err)
		}
	})
}

// TestLostAnswerSettledWithoutSecondCharge loses the PSP's answer to a
// confirmation that took effect, as a crash between the call and our
// commit would: settling repeats the same key, so the PSP charges once,
// and a status read ends the payment.
func TestLostAnswerSettledWithoutSecondCharge(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		p := e.create(t, "")
		// A second node whose confirmation answer is lost.
		lossy, err := payment.NewService(st, []psp.Provider{psptest.UnknownAfterSend(e.keys, 1)}, payment.Config{Clock: e.Clock, IDs: &idgen.Sequential{}})
		if err != nil {
			t.Fatal(err)
		}
		p, err = lossy.Confirm(t.Context(), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"})
		if err != nil || p.Pending != payment.OpConfirm || p.Status != payment.Created {
			t.Fatalf("Confirm with a lost answer = %+v, %v; want created with the confirmation pending", p, err)
		}
		in, err := e.Fake.Retrieve(t.Context(), p.PSPReference)
		if err != nil || in.Status != psp.StatusSucceeded || in.AmountReceived != 1050 {
			t.Fatalf("at the PSP: %+v, %v; want the charge made", in, err)
		}
		if n, err := e.Service.SettlePending(t.Context(), 10); err != nil || n != 0 {
			t.Errorf("SettlePending before SettleAfter = %d, %v; want nothing yet", n, err)
		}
		e.Clock.Advance(2 * time.Minute)
		if n, err := e.Service.SettlePending(t.Context(), 10); err != nil || n != 1 {
			t.Fatalf("SettlePending = %d, %v; want 1", n, err)
		}
		p, err = e.Service.Get(t.Context(), p.ID)
		if err != nil || p.Status != payment.Succeeded || p.Pending != "" || p.AmountCaptured != 1050 {
			t.Fatalf("after settling: %+v, %v; want succeeded", p, err)
		}
		in, err = e.Fake.Retrieve(t.Context(), p.PSPReference)
		if err != nil || in.AmountReceived != 1050 {
			t.Errorf("at the PSP after settling: received %d, %v; want 1050 once", in.AmountReceived, err)
		}
		keys := e.keys.Keys()
		if fmt.Sprint(keys) != "[create pay_000001:create:1 confirm pay_000001:confirm:1 confirm pay_000001:confirm:1]" {
			t.Errorf("PSP keys = %q; want the confirmation repeated with its key", keys)
		}
		wantLog(t, e.Service, p.ID, "→created api", "created→processing psp_response", "processing→succeeded psp_status")
	})
}

// TestConcurrentConfirmsOneCall confirms one payment from many goroutines:
// one PSP call is made, the others are told the payment is busy or moved.
func TestConcurrentConfirmsOneCall(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		p := e.create(t, "")
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for range 50 {
			wg.Go(func() {
				_, err := e.Service.Confirm(t.Context(), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, payment.ErrBusy), errors.As(err, new(*payment.StateError)):
			default:
				t.Errorf("Confirm = %v", err)
			}
		}
		if n := e.Count.Calls("confirm"); n != 1 || ok < 1 {
			t.Errorf("%d PSP confirmations, %d successful Confirms; want 1 call", n, ok)
		}
	})
}

func TestManualCapture(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		p := e.create(t, payment.CaptureManual)
		if _, err := e.Service.Capture(t.Context(), p.ID, 0); !errors.As(err, new(*payment.StateError)) {
			t.Errorf("Capture(created) = %v, want a StateError", err)
		}
		p, err := e.Service.Confirm(t.Context(), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"})
		if err != nil || p.Status != payment.RequiresCapture {
			t.Fatalf("Confirm = %+v, %v; want requires_capture", p, err)
		}
		if _, err := e.Service.Capture(t.Context(), p.ID, 2000); !errors.As(err, new(*payment.InvalidError)) {
			t.Errorf("Capture(more than authorised) = %v, want an InvalidError", err)
		}
		p, err = e.Service.Capture(t.Context(), p.ID, 800)
		if err != nil || p.Status != payment.RequiresCapture || p.Pending != "" {
			t.Fatalf("Capture = %+v, %v; want requires_capture until the event", p, err)
		}
		p, _, err = e.deliver(t, p, psp.EventPaymentSucceeded, "evt_c")
		if err != nil || p.Status != payment.Succeeded || p.AmountCaptured != 800 {
			t.Fatalf("after the event: %+v, %v; want succeeded with 8.00 captured", p, err)
		}
		wantLog(t, e.Service, p.ID, "→created api", "created→requires_capture psp_response", "requires_capture→succeeded webhook evt_c")
	})
}

func TestCancel(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		// A payment the PSP never saw is canceled at once.
		down, err := payment.NewService(st, []psp.Provider{psptest.Unreachable{}}, payment.Config{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := down.Create(t.Context(), payment.CreateParams{Amount: money.New(500, "JPY")})
		if !errors.Is(err, psp.ErrFailed) || p == nil || p.PSPReference != "" || p.Pending != "" {
			t.Fatalf("Create on an unreachable PSP = %+v, %v; want the payment without a PSP reference and the failure", p, err)
		}
		p, err = down.Cancel(t.Context(), p.ID)
		if err != nil || p.Status != payment.Canceled {
			t.Fatalf("Cancel = %+v, %v; want canceled", p, err)
		}
		if _, err := down.Cancel(t.Context(), p.ID); !errors.As(err, new(*payment.StateError)) {
			t.Errorf("Cancel(canceled) = %v, want a StateError", err)
		}

		// One the PSP has is canceled there, and ends on its event.
		e := newEnv(t, st, nil)
		q := e.create(t, payment.CaptureManual)
		q, err = e.Service.Confirm(t.Context(), q.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"})
		if err != nil {
			t.Fatal(err)
		}
		q, err = e.Service.Cancel(t.Context(), q.ID)
		if err != nil || q.Status != payment.RequiresCapture {
			t.Fatalf("Cancel = %+v, %v; want requires_capture until the event", q, err)
		}
		q, _, err = e.deliver(t, q, psp.EventPaymentCanceled, "evt_x")
		if err != nil || q.Status != payment.Canceled {
			t.Fatalf("after the event: %+v, %v; want canceled", q, err)
		}
		// A stale event never moves it back, a contradicting one is refused.
		if _, changed, err := e.deliver(t, q, psp.EventPaymentProcessing, "evt_old"); err != nil || changed {
			t.Errorf("stale event = %v, %v; want no change", changed, err)
		}
	})
}

func TestRefunds(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		p := e.create(t, "")
		if _, err := e.Service.Confirm(t.Context(), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Service.Refund(t.Context(), payment.RefundParams{PaymentID: p.ID, Amount: 100}); !errors.As(err, new(*payment.RefundError)) {
			t.Errorf("Refund(processing) = %v, want a RefundError", err)
		}
		if _, _, err := e.deliver(t, p, psp.EventPaymentSucceeded, "evt_1"); err != nil {
			t.Fatal(err)
		}
		// Concurrent refunds of 3.00 each: at most three fit in 10.50.
		var wg sync.WaitGroup
		results := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				_, err := e.Service.Refund(t.Context(), payment.RefundParams{PaymentID: p.ID, Amount: 300, Reason: "requested_by_customer"})
				results <- err
			})
		}
		wg.Wait()
		close(results)
		ok := 0
		for err := range results {
			switch {
			case err == nil:
				ok++
			case errors.As(err, new(*payment.RefundError)):
			default:
				t.Errorf("Refund = %v", err)
			}
		}
		p, err := e.Service.Get(t.Context(), p.ID)
		if err != nil || ok != 3 || p.AmountRefunded != 900 || p.AmountRefundPending != 0 {
			t.Fatalf("%d refunds succeeded, payment %+v, %v; want 3 and 9.00 refunded", ok, p, err)
		}
		r, err := e.Service.Refund(t.Context(), payment.RefundParams{PaymentID: p.ID})
		if err != nil || r.Amount.Minor != 150 || r.Status != payment.RefundSucceeded || r.PSPReference == "" {
			t.Fatalf("Refund(rest) = %+v, %v; want 1.50 succeeded", r, err)
		}
		if _, err := e.Service.Refund(t.Context(), payment.RefundParams{PaymentID: p.ID, Amount: 1}); !errors.As(err, new(*payment.RefundError)) {
			t.Errorf("Refund beyond captured = %v, want a RefundError", err)
		}
		rs, err := e.Service.Refunds(t.Context(), p.ID)
		if err != nil || len(rs) != 4 {
			t.Errorf("Refunds = %d, %v; want 4", len(rs), err)
		}
		in, err := e.Fake.Retrieve(t.Context(), p.PSPReference)
		if err != nil || in.AmountRefunded != 1050 {
			t.Errorf("refunded at the PSP = %d, %v; want 1050", in.AmountRefunded, err)
		}
	})
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.Open(t, "sqlite").(store.PaymentStore), nil)
	long := string(make([]byte, payment.MaxText+1))
	for _, tc := range []struct {
		in    payment.CreateParams
		param string
	}{
		{payment.CreateParams{Amount: money.New(0, "EUR")}, "amount"},
		{payment.CreateParams{Amount: money.New(-5, "EUR")}, "amount"},
		{payment.CreateParams{Amount: money.New(5, "XYZ")}, "currency"},
		{payment.CreateParams{Amount: money.New(5, "EUR"), CaptureMethod: "later"}, "capture_method"},
		{payment.CreateParams{Amount: money.New(5, "EUR"), PSP: "paypal"}, "psp"},
		{payment.CreateParams{Amount: money.New(5, "EUR"), Description: long}, "description"},
		{payment.CreateParams{Amount: money.New(5, "EUR"), Metadata: map[string]string{"": "x"}}, "metadata"},
	} {
		_, err := e.Service.Create(t.Context(), tc.in)
		var ie *payment.InvalidError
		if !errors.As(err, &ie) || ie.Param != tc.param {
			t.Errorf("Create(%+v) = %v, want an InvalidError for %s", tc.in.Amount, err, tc.param)
		}
	}
	if n := e.Count.Calls("create"); n != 0 {
		t.Errorf("invalid payments made %d PSP calls", n)
	}
}
