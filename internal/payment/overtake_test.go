package payment_test

import (
	"context"
	"testing"

	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paytest"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/store"
)

// overtaking answers Confirm only after before has run: the PSP's webhook
// arriving while its answer to the confirmation is still on the way.
type overtaking struct {
	psp.Provider
	before func(in *psp.Intent)
}

func (o overtaking) Confirm(ctx context.Context, p psp.ConfirmParams) (*psp.Intent, error) {
	in, err := o.Provider.Confirm(ctx, p)
	if err == nil {
		o.before(in)
	}
	return in, err
}

func TestConfirmAnswerOvertakenByTheEventKeepsTheCard(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		var e *env
		e = newEnv(t, st, func(p psp.Provider) psp.Provider {
			return overtaking{Provider: p, before: func(in *psp.Intent) {
				// The event names the method by its token only, as
				// Stripe's thin events and the sandbox's do.
				ev := &psp.Event{Provider: "sandbox", ID: "evt_1", Type: psp.EventPaymentSucceeded, Created: e.Clock.Now(),
					IntentRef: in.Ref, PaymentID: in.Metadata[psp.MetadataPaymentID], Status: in.Status, Amount: in.Amount,
					Currency: in.Currency, AmountReceived: in.AmountReceived, PaymentMethod: &psp.PaymentMethod{Token: in.PaymentMethod.Token}}
				err := e.Store.PaymentInTx(t.Context(), func(q store.PaymentTx) error {
					_, _, err := e.Service.ApplyEvent(t.Context(), q, ev)
					return err
				})
				if err != nil {
					t.Errorf("event before the answer: %v", err)
				}
			}}
		})
		p := e.create(t, "")
		p, err := e.Service.Confirm(t.Context(), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"})
		if err != nil {
			t.Fatalf("Confirm: %v", err)
		}
		want := payment.Method{Token: p.PaymentMethod.Token, Brand: "visa", Last4: "4242", ExpMonth: p.PaymentMethod.ExpMonth, ExpYear: p.PaymentMethod.ExpYear}
		if p.Status != payment.Succeeded || p.PaymentMethod != want || p.PaymentMethod.ExpYear == 0 {
			t.Errorf("Confirm after the event = %s %+v; want succeeded with visa 4242 and its expiry", p.Status, p.PaymentMethod)
		}
		stored, err := e.Service.Get(t.Context(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Status != payment.Succeeded || stored.PaymentMethod != p.PaymentMethod || stored.Pending != "" {
			t.Errorf("stored = %s %+v pending %q; want succeeded with %+v", stored.Status, stored.PaymentMethod, stored.Pending, p.PaymentMethod)
		}
		// The stale answer moved nothing: the event ended the payment.
		wantLog(t, e.Service, p.ID, "→created api", "created→succeeded webhook evt_1")
		if n := e.Count.Calls("retrieve"); n != 0 {
			t.Errorf("%d status reads; the answer carried the summary", n)
		}
	})
}
