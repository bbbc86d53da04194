package asl

import (
	"context"
	"errors"
	"testing"

	"github.com/paystep/paystep/internal/jsonata"
)

// TestJSONataScopeWithoutEval checks that evaluations do not offer $eval,
// which Step Functions leaves out of JSONata, whatever got past Load.
func TestJSONataScopeWithoutEval(t *testing.T) {
	t.Parallel()
	sc := newJSONataScope(&Env{Input: map[string]any{}})
	for _, tc := range []struct {
		expr string
		want any
	}{
		{`$exists($eval)`, false},
		{`$exists($parse) and $exists($string) and $exists($partition)`, true},
	} {
		got, err := jsonata.MustCompile(tc.expr).Evaluate(context.Background(), nil, sc.env)
		if err != nil || got != tc.want {
			t.Errorf("Evaluate(%q) = %v, %v; want %v", tc.expr, got, err, tc.want)
		}
	}
	_, err := jsonata.MustCompile(`$eval('1')`).Evaluate(context.Background(), nil, sc.env)
	if je := (*jsonata.Error)(nil); !errors.As(err, &je) || je.Code != "T1006" {
		t.Errorf(`Evaluate("$eval('1')") error = %v, want T1006 (not a function)`, err)
	}
	// An Assign variable of that name is still visible.
	sc = newJSONataScope(&Env{Input: map[string]any{}, Vars: func() map[string]any { return map[string]any{"eval": "mine"} }})
	if got, err := jsonata.MustCompile(`$eval`).Evaluate(context.Background(), nil, sc.env); err != nil || got != "mine" {
		t.Errorf(`Evaluate("$eval") with a variable = %v, %v; want "mine"`, got, err)
	}
}
