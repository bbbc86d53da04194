package payment_test

import (
	"errors"
	"testing"

	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paytest"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/psptest"
	"github.com/paystep/paystep/internal/store"
)

// TestCreateWithIDOnce creates one payment however often a Create with its
// ID is repeated, also after the PSP's answer to the first was lost.
func TestCreateWithIDOnce(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		var lossy *psptest.UnknownAfterSendProvider
		e := newEnv(t, st, func(p psp.Provider) psp.Provider { lossy = psptest.UnknownAfterSend(p, 1); return lossy })
		in := payment.CreateParams{ID: "pay_task1", Amount: money.New(700, "EUR"), Customer: "cus_ada"}
		first, err := e.Service.Create(t.Context(), in)
		if err != nil || first.ID != "pay_task1" || first.Pending != payment.OpCreate {
			t.Fatalf("Create with a lost answer = %+v, %v; want pay_task1 pending create", first, err)
		}
		again, err := e.Service.Create(t.Context(), in)
		if err != nil || again.ID != "pay_task1" || again.Pending != "" || again.PSPReference == "" {
			t.Fatalf("Create again = %+v, %v; want the same payment created at the PSP", again, err)
		}
		third, err := e.Service.Create(t.Context(), in)
		if err != nil || third.PSPReference != again.PSPReference || third.Version != again.Version {
			t.Errorf("third Create = %+v, %v; want the stored payment unchanged", third, err)
		}
		if n := e.Count.Calls("create"); n != 2 {
			t.Errorf("PSP create calls = %d, want 2 (the lost one and its repeat)", n)
		}
		if keys := e.keys.Keys(); len(keys) != 2 || keys[0] != keys[1] {
			t.Errorf("PSP create keys = %q, want the same key twice", keys)
		}
		if n := len(e.Fake.Sandbox.Events()); n != 1 {
			t.Errorf("the PSP emitted %d events, want 1 (one intent created)", n)
		}
		in.Amount = money.New(800, "EUR")
		if _, err := e.Service.Create(t.Context(), in); !errors.As(err, new(*payment.InvalidError)) {
			t.Errorf("Create of the ID with another amount = %v, want an InvalidError", err)
		}
		if _, err := e.Service.Create(t.Context(), payment.CreateParams{ID: "order_1", Amount: in.Amount}); !errors.As(err, new(*payment.InvalidError)) {
			t.Errorf("Create with ID order_1 = %v, want an InvalidError", err)
		}
	})
}

func TestRefundWithIDOnce(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		p := e.create(t, "")
		p, err := e.Service.Confirm(t.Context(), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.deliver(t, p, psp.EventPaymentSucceeded, "evt_1"); err != nil {
			t.Fatal(err)
		}
		in := payment.RefundParams{ID: "re_task1", PaymentID: p.ID, Amount: 300}
		r1, err := e.Service.Refund(t.Context(), in)
		if err != nil {
			t.Fatalf("Refund: %v", err)
		}
		r2, err := e.Service.Refund(t.Context(), in)
		if err != nil || r2.ID != r1.ID || r2.PSPReference != r1.PSPReference {
			t.Fatalf("Refund again = %+v, %v; want %+v", r2, err, r1)
		}
		if n := e.Count.Calls("refund"); n != 1 {
			t.Errorf("PSP refund calls = %d, want 1", n)
		}
		if got, _ := e.Service.Get(t.Context(), p.ID); got.AmountRefunded+got.AmountRefundPending != 300 {
			t.Errorf("refunded %d + pending %d, want 300 in all", got.AmountRefunded, got.AmountRefundPending)
		}
		in.PaymentID = "pay_other"
		if _, err := e.Service.Refund(t.Context(), in); !errors.As(err, new(*payment.InvalidError)) {
			t.Errorf("Refund of the ID for another payment = %v, want an InvalidError", err)
		}
	})
}
