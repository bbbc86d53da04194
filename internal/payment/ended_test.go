package payment_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/paystep/paystep/internal/idgen"
	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paytest"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/psptest"
	"github.com/paystep/paystep/internal/store"
)

// endedRecorder records the payments Config.EndedFunc saw, failing while
// fail is set.
type endedRecorder struct {
	mu   sync.Mutex
	seen []string
	fail error
}

func (r *endedRecorder) ended(_ context.Context, q store.PaymentTx, p *payment.Payment) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.seen = append(r.seen, p.ID+" "+string(p.Status))
	return nil
}

func TestEndedFuncRunsInTheEndingTransaction(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		rec := &endedRecorder{}
		svc, err := payment.NewService(e.Store, []psp.Provider{e.keys}, payment.Config{Clock: e.Clock, IDs: &idgen.Sequential{}, EndedFunc: rec.ended})
		if err != nil {
			t.Fatal(err)
		}
		e.Service = svc
		p := e.create(t, "")
		if p, err = e.Service.Confirm(t.Context(), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"}); err != nil {
			t.Fatalf("Confirm: %v", err)
		}
		if len(rec.seen) != 0 {
			t.Fatalf("EndedFunc saw %v before the payment ended", rec.seen)
		}

		rec.fail = errors.New("boom")
		if _, _, err := e.deliver(t, p, psp.EventPaymentSucceeded, "evt_1"); !errors.Is(err, rec.fail) {
			t.Fatalf("event with a failing EndedFunc = %v, want boom", err)
		}
		if got, _ := e.Service.Get(t.Context(), p.ID); got.Status != payment.Processing {
			t.Fatalf("after a failing EndedFunc the payment is %s, want processing (rolled back)", got.Status)
		}

		rec.fail = nil
		if _, changed, err := e.deliver(t, p, psp.EventPaymentSucceeded, "evt_1"); err != nil || !changed {
			t.Fatalf("event = %v, %v", changed, err)
		}
		if _, _, err := e.deliver(t, p, psp.EventPaymentSucceeded, "evt_2"); err != nil {
			t.Fatal(err)
		}
		if want := []string{p.ID + " succeeded"}; len(rec.seen) != 1 || rec.seen[0] != want[0] {
			t.Errorf("EndedFunc saw %v, want %v", rec.seen, want)
		}

	})
}

func TestEndedFuncOnCancelBeforeThePSP(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		rec := &endedRecorder{}
		svc, err := payment.NewService(e.Store, []psp.Provider{psptest.Unreachable{}}, payment.Config{Clock: e.Clock, IDs: &idgen.Sequential{}, EndedFunc: rec.ended})
		if err != nil {
			t.Fatal(err)
		}
		p, err := svc.Create(t.Context(), payment.CreateParams{Amount: money.New(500, "EUR")})
		if err == nil {
			t.Fatalf("Create on an unreachable PSP = %+v, want an error", p)
		}
		if p, err = svc.Cancel(t.Context(), "pay_000001"); err != nil || p.Status != payment.Canceled {
			t.Fatalf("Cancel = %+v, %v; want canceled", p, err)
		}
		if len(rec.seen) != 1 || rec.seen[0] != "pay_000001 canceled" {
			t.Errorf("EndedFunc saw %v, want the cancel", rec.seen)
		}
	})
}

func TestHoldSeesTheEnd(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		p := e.create(t, "")
		if _, err := e.Service.Hold(t.Context(), "pay_missing", func(context.Context, store.PaymentTx, *payment.Payment) error { return nil }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Hold(missing) = %v, want ErrNotFound", err)
		}
		var seen payment.Status
		held, err := e.Service.Hold(t.Context(), p.ID, func(ctx context.Context, q store.PaymentTx, p *payment.Payment) error {
			seen = p.Status
			return q.PaymentTaskAdd(ctx, &store.PaymentTask{PaymentID: p.ID, TaskToken: "tok", CreatedAt: p.CreatedAt})
		})
		if err != nil || seen != payment.Created || held.Version != p.Version+1 {
			t.Fatalf("Hold = %+v, %v; saw %s; want the payment written back (version %d)", held, err, seen, p.Version+1)
		}
		tasks, err := e.Store.PaymentTaskList(t.Context(), p.ID)
		if err != nil || len(tasks) != 1 {
			t.Errorf("PaymentTaskList after Hold = %v, %v; want the token bound", tasks, err)
		}
		got, err := e.Service.Get(t.Context(), p.ID)
		if err != nil || got.Status != p.Status || !got.UpdatedAt.Equal(p.UpdatedAt) {
			t.Errorf("after Hold: %+v, %v; want the payment unchanged", got, err)
		}
	})
}
