package asl_test

import (
	"testing"
)

func TestTemplateIntrinsics(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ params, want, err string }{
		{`{"s.$": "States.Format('Hello, {}', $.name)"}`, `{"s":"Hello, Ada"}`, ""},
		{`{"n.$": "States.ArrayLength($.items)"}`, `{"n":3}`, ""},
		{`{"v.$": "States.ArrayGetItem($.items, 5)"}`, "", "States.IntrinsicFailure"},
	} {
		st := loadPass(t, `"Parameters": `+tc.params)
		got, err := st.Parameters.Eval(testEnv(t, `{"name": "Ada", "items": [1, 2, 3]}`))
		if tc.err != "" {
			if e := evalErr(err); len(e) < len(tc.err) || e[:len(tc.err)] != tc.err {
				t.Errorf("Eval(%s) error = %s, want %s", tc.params, e, tc.err)
			}
			continue
		}
		if err != nil || compact(t, got) != tc.want {
			t.Errorf("Eval(%s) = %s, %v; want %s", tc.params, compact(t, got), err, tc.want)
		}
	}
}
