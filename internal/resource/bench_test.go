package resource

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/paystep/paystep/internal/engine"
)

// The runner asks Activity for every task and calls Invoke for the ones it
// does not hand to workers: both sit on the engine's hot path.

const benchBindings = `{
	"arn:aws:states:us-east-1:000000000000:activity:bench-validate": {"builtin": "bench.validate"},
	"ARN_OF_POSTPAYMENTS": {"result": {"Status": "PAID"}},
	"ARN_OF_CHARGE": {"activity": "charge"}
}`

func BenchmarkActivity(b *testing.B) {
	r := New(Config{}, mustTable(b, benchBindings))
	for _, res := range []string{
		"arn:aws:states:us-east-1:000000000000:activity:bench-charge",
		"arn:aws:states:us-east-1:000000000000:activity:bench-validate",
		"ARN_OF_CHARGE",
	} {
		b.Run(res, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = r.Activity(res)
			}
		})
	}
}

func BenchmarkInvoke(b *testing.B) {
	r := New(Config{}, mustTable(b, benchBindings))
	r.Register("bench.validate", HandlerFunc(func(context.Context, *Call) (json.RawMessage, error) {
		return json.RawMessage(`{"valid":true}`), nil
	}))
	for _, res := range []string{"arn:aws:states:us-east-1:000000000000:activity:bench-validate", "ARN_OF_POSTPAYMENTS"} {
		t := &engine.Task{Resource: res, Input: json.RawMessage(`{"payment_id":"p1"}`), Token: "tok"}
		b.Run(res, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Invoke(context.Background(), t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
