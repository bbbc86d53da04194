package payment_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paytest"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/psptest"
	"github.com/paystep/paystep/internal/store"
)

// calls returns the counts of st.Calls, checking that each kind's
// histogram holds all its calls.
func calls(t *testing.T, st payment.Stats) map[payment.Call]uint64 {
	t.Helper()
	out := map[payment.Call]uint64{}
	for c, cs := range st.Calls {
		out[c] = cs.Count
		if len(cs.Buckets) != len(payment.CallBuckets) || cs.Buckets[len(cs.Buckets)-1] != cs.Count {
			t.Errorf("%+v: buckets %v, want %d of them ending with all %d calls", c, cs.Buckets, len(payment.CallBuckets), cs.Count)
		}
	}
	return out
}

// TestStats follows a payment whose creation answer is lost through its
// settlement, payment, refund and a webhook whose transaction fails: Stats
// counts every PSP call by outcome, and only the moves that committed.
func TestStats(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		fail := errors.New("ended: boom")
		failing := true
		e := paytest.NewEnv(t, st, paytest.EnvOptions{
			Wrap: func(p psp.Provider) psp.Provider { return psptest.UnknownAfterSend(p, 1) },
			EndedFunc: func(context.Context, store.PaymentTx, *payment.Payment) error {
				if failing {
					return fail
				}
				return nil
			},
		})
		ctx := t.Context()
		p, err := e.Service.Create(ctx, payment.CreateParams{Amount: money.New(1050, "EUR")})
		if err != nil || p.Pending != payment.OpCreate {
			t.Fatalf("Create with a lost answer = %+v, %v", p, err)
		}
		e.Clock.Advance(2 * time.Minute)
		if n, err := e.Service.SettlePending(ctx, 10); err != nil || n != 1 {
			t.Fatalf("SettlePending = %d, %v", n, err)
		}
		if p, err = e.Service.Confirm(ctx, p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"}); err != nil {
			t.Fatal(err)
		}
		ev := e.Event(t, p, psp.EventPaymentSucceeded, "evt_1")
		if _, _, err := e.Apply(t, ev); !errors.Is(err, fail) {
			t.Fatalf("event with a failing EndedFunc = %v, want %v", err, fail)
		}
		failing = false
		if _, _, err := e.Apply(t, ev); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Service.Refund(ctx, payment.RefundParams{PaymentID: p.ID, Amount: 300}); err != nil {
			t.Fatal(err)
		}

		got := e.Service.Stats()
		wantMoves := map[payment.Move]uint64{
			{PSP: "sandbox", To: payment.Created}:                             1,
			{PSP: "sandbox", From: payment.Created, To: payment.Processing}:   1,
			{PSP: "sandbox", From: payment.Processing, To: payment.Succeeded}: 1, // once: the failed transaction is not counted
		}
		if fmt.Sprint(got.Moves) != fmt.Sprint(wantMoves) {
			t.Errorf("Moves = %v, want %v", got.Moves, wantMoves)
		}
		wantCalls := map[payment.Call]uint64{
			{PSP: "sandbox", Op: "create", Outcome: psp.Unknown}:               1,
			{PSP: "sandbox", Op: "create", Outcome: psp.Succeeded}:             1,
			{PSP: "sandbox", Op: payment.CallRetrieve, Outcome: psp.Succeeded}: 1,
			{PSP: "sandbox", Op: "confirm", Outcome: psp.Succeeded}:            1,
			{PSP: "sandbox", Op: "refund", Outcome: psp.Succeeded}:             1,
		}
		if c := calls(t, got); fmt.Sprint(c) != fmt.Sprint(wantCalls) {
			t.Errorf("Calls = %v, want %v", c, wantCalls)
		}
		// The sandbox settles a refund at once, in its answer.
		wantRefunds := map[payment.RefundSettled]uint64{{PSP: "sandbox", Status: payment.RefundSucceeded}: 1}
		if fmt.Sprint(got.Refunds) != fmt.Sprint(wantRefunds) {
			t.Errorf("Refunds = %v, want %v", got.Refunds, wantRefunds)
		}
		// Stats is a copy.
		got.Moves[payment.Move{PSP: "x"}] = 1
		if _, ok := e.Service.Stats().Moves[payment.Move{PSP: "x"}]; ok {
			t.Error("changing the result of Stats changed the service's counts")
		}
	})
}
