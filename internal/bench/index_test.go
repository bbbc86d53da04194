package bench

import "testing"

func TestIndexFindsTheExecution(t *testing.T) {
	t.Parallel()
	l := &level{execs: make([]execution, 20), idPrefix: "pay_run_c4_"}
	for _, tc := range []struct {
		input string
		want  int
		ok    bool
	}{
		{`{"payment_id":"pay_run_c4_00000012","amount":1}`, 12, true},
		{`{"amount": 1, "payment_id": "pay_run_c4_7"}`, 7, true}, // spaced: decoded
		{`{"validation":{"valid":true},"payment_id":"pay_run_c4_00000000"}`, 0, true},
		{`{"payment_id":"pay_run_c4_00000020"}`, 0, false}, // out of range
		{`{"payment_id":"pay_other_c4_00000001"}`, 0, false},
		{`{"payment_id":"pay_run_c4_x"}`, 0, false},
		{`{"amount":1}`, 0, false},
		{`not json`, 0, false},
	} {
		if got, ok := l.index(tc.input); got != tc.want || ok != tc.ok {
			t.Errorf("index(%s) = %d, %v; want %d, %v", tc.input, got, ok, tc.want, tc.ok)
		}
	}
}
