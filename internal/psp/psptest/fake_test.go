package psptest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/sandbox"
)

func TestFakeConforms(t *testing.T) {
	t.Parallel()
	Run(t, func(t *testing.T) *Harness {
		f := NewFake(sandbox.Config{})
		return &Harness{
			Provider:     f,
			Authenticate: func(t *testing.T, in *psp.Intent, approve bool) { authenticate(t, f, in, approve) },
		}
	})
}

func TestFakeWithProcessingDelayConforms(t *testing.T) {
	t.Parallel()
	Run(t, func(t *testing.T) *Harness {
		f := NewFake(sandbox.Config{ProcessingDelay: 3 * time.Second})
		return &Harness{
			Provider:     f,
			Authenticate: func(t *testing.T, in *psp.Intent, approve bool) { authenticate(t, f, in, approve) },
			Settle:       func(*testing.T) { f.Settle(context.Background(), 3*time.Second) },
		}
	})
}

func authenticate(t *testing.T, f *Fake, in *psp.Intent, approve bool) {
	t.Helper()
	if err := f.Authenticate(in.Ref, approve); err != nil {
		t.Fatalf("Authenticate(%s, %v) = %v", in.Ref, approve, err)
	}
}

func create(t *testing.T, p psp.Provider, key string) *psp.Intent {
	t.Helper()
	in, err := p.Create(context.Background(), psp.CreateParams{IdempotencyKey: key, Amount: 100, Currency: "EUR"})
	if err != nil {
		t.Fatalf("Create = %v", err)
	}
	return in
}

func TestAlwaysApprovesAndDeclines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ok := AlwaysApproves()
	in := create(t, ok, "k1")
	got, err := ok.Confirm(ctx, psp.ConfirmParams{IdempotencyKey: "k2", Ref: in.Ref, PaymentMethod: "pm_card_visa_chargeDeclined"})
	if err != nil || got.Status != psp.StatusSucceeded {
		t.Errorf("AlwaysApproves Confirm = %+v, %v; want succeeded", got, err)
	}
	no := AlwaysDeclines("lost_card")
	in = create(t, no, "k1")
	_, err = no.Confirm(ctx, psp.ConfirmParams{IdempotencyKey: "k2", Ref: in.Ref, PaymentMethod: "pm_card_visa"})
	if d, ok := psp.DeclineOf(err); !ok || d.DeclineCode != "lost_card" {
		t.Errorf("AlwaysDeclines Confirm = %v; want a lost_card decline", err)
	}
}

func TestUnknownAfterSendTakesEffectAndSettlesWithTheSameKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := NewFake(sandbox.Config{})
	inner := Counting(fake)
	p := UnknownAfterSend(inner, 1)
	params := psp.CreateParams{IdempotencyKey: "create-1", Amount: 100, Currency: "EUR"}
	_, err := p.Create(ctx, params)
	if psp.OutcomeOf(err) != psp.Unknown || !errors.Is(err, ErrSimulatedReset) || !errors.Is(err, psp.ErrUnknown) {
		t.Fatalf("first Create = %v; want Unknown from a simulated reset", err)
	}
	in, err := p.Create(ctx, params)
	if err != nil {
		t.Fatalf("retried Create = %v", err)
	}
	if inner.Calls("create") != 2 {
		t.Errorf("calls that reached the provider = %d, want 2", inner.Calls("create"))
	}
	created := 0
	for _, ev := range fake.Sandbox.Events() {
		if ev.Type == "payment_intent.created" {
			created++
		}
	}
	if created != 1 || in.Ref == "" {
		t.Errorf("intents created = %d (ref %q); want exactly 1: the retry replayed the first", created, in.Ref)
	}
}

func TestUnreachableFailsCertainly(t *testing.T) {
	t.Parallel()
	_, err := Unreachable{}.Confirm(context.Background(), psp.ConfirmParams{IdempotencyKey: "k", Ref: "pi_1"})
	if psp.OutcomeOf(err) != psp.Failed || !errors.Is(err, psp.ErrFailed) {
		t.Errorf("Unreachable Confirm = %v; want Failed", err)
	}
}

func TestFakeSignedEventsVerify(t *testing.T) {
	t.Parallel()
	f := NewFake(sandbox.Config{})
	if _, err := f.Create(context.Background(), psp.CreateParams{IdempotencyKey: "k", Amount: 100, Currency: "EUR",
		PaymentMethod: "pm_card_visa", Confirm: true, Metadata: map[string]string{psp.MetadataPaymentID: "pay_1"}}); err != nil {
		t.Fatal(err)
	}
	evs := f.SignedEvents()
	if len(evs) != 2 {
		t.Fatalf("SignedEvents = %d events, want 2", len(evs))
	}
	ev, err := f.VerifyEvent(evs[1].Header, evs[1].Body)
	if err != nil || ev.Type != psp.EventPaymentSucceeded || ev.PaymentID != "pay_1" || ev.ID != evs[1].ID {
		t.Errorf("VerifyEvent(signed event) = %+v, %v", ev, err)
	}
	f.Clock.Advance(10 * time.Minute)
	if _, err := f.VerifyEvent(evs[1].Header, evs[1].Body); err == nil {
		t.Errorf("VerifyEvent accepted an event signed 10 minutes ago")
	}
}
