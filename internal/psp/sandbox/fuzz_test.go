package sandbox_test

import (
	"testing"

	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/psptest"
	"github.com/paystep/paystep/internal/psp/sandbox"
)

func FuzzParseEvent(f *testing.F) {
	fake := psptest.NewFake(sandbox.Config{})
	ctx := f.Context()
	in, _ := fake.Create(ctx, psp.CreateParams{IdempotencyKey: "a", Amount: 100, Currency: "EUR", PaymentMethod: "pm_card_visa", Confirm: true})
	fake.Refund(ctx, psp.RefundParams{IdempotencyKey: "b", Ref: in.Ref, Amount: 10})
	fake.Create(ctx, psp.CreateParams{IdempotencyKey: "c", Amount: 100, Currency: "EUR", PaymentMethod: "pm_card_visa_chargeDeclined", Confirm: true})
	for _, ev := range fake.Sandbox.Events() {
		f.Add(ev.Body)
	}
	f.Add([]byte(`{"id":"evt_1","object":"event","type":"x","data":{"object":{"object":"payment_intent","payment_method":{"id":1}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := sandbox.ParseEvent("sandbox", body)
		if err != nil {
			return
		}
		if ev.ID == "" || ev.ProviderType == "" || ev.Type == "" || string(ev.Raw) != string(body) {
			t.Fatalf("ParseEvent(%q) = %+v: accepted without an ID, a type or the raw body", body, ev)
		}
	})
}
