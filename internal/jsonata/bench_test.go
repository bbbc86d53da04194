package jsonata

import (
	"context"
	"fmt"
	"testing"
)

// Typical States Language expressions.
const (
	benchBinding = `$states.input.amount * 100`
	benchFilter  = `$states.input.items[price > 50 and status = "open"].id`
	benchObject  = `{"id": $states.input.id, "total": $sum($states.input.items.price), "currency": "EUR", "count": $count($states.input.items)}`
)

func benchEnv() *Env {
	items := make([]any, 100)
	for i := range items {
		status := "open"
		if i%3 == 0 {
			status = "closed"
		}
		items[i] = map[string]any{"id": fmt.Sprintf("item-%d", i), "price": float64(i), "status": status}
	}
	return &Env{Bindings: map[string]any{"states": map[string]any{
		"input": map[string]any{"id": "order-1", "amount": 12.5, "items": items},
	}}}
}

func BenchmarkCompile(b *testing.B) {
	for _, src := range []string{benchBinding, benchFilter, benchObject} {
		b.Run(src[:min(len(src), 30)], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compile(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEvaluate(b *testing.B) {
	ctx := context.Background()
	for _, tc := range []struct{ name, src string }{
		{"binding", benchBinding},
		{"filter100", benchFilter},
		{"object", benchObject},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := MustCompile(tc.src)
			env := benchEnv()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Evaluate(ctx, Undefined, env); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/prepared", func(b *testing.B) {
			e := MustCompile(tc.src)
			env := benchEnv()
			states, err := NewValue(env.Bindings["states"])
			if err != nil {
				b.Fatal(err)
			}
			env.Bindings["states"] = states
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Evaluate(ctx, Undefined, env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
