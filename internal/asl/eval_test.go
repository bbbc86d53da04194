package asl_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/asl"
)

// decode parses JSON the way the engine does, numbers as json.Number.
func decode(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// loadPass loads a one-state machine whose Pass state has the given fields.
func loadPass(t testing.TB, fields string) *asl.State {
	t.Helper()
	def := `{"StartAt": "P", "States": {"P": {"Type": "Pass", ` + fields + `, "End": true}}}`
	sm, err := asl.Load([]byte(def), asl.LoadOptions{})
	if err != nil {
		t.Fatalf("Load(%s): %v", def, err)
	}
	return sm.States["P"]
}

func testEnv(t testing.TB, input string) *asl.Env {
	vars := map[string]any{"v": decode(t, `{"x": [1, 2]}`), "n": json.Number("7")}
	return &asl.Env{
		Input:   decode(t, input),
		Context: decode(t, `{"Execution": {"Id": "exec-1", "Input": {"a": 1}}, "Map": {"Item": {"Index": 0}}}`),
		Var: func(name string) (any, bool) {
			v, ok := vars[name]
			return v, ok
		},
	}
}

func evalErr(err error) string {
	var e *asl.EvalError
	if errors.As(err, &e) {
		return e.Name + ": " + e.Cause
	}
	return fmt.Sprint(err)
}

func TestPathEval(t *testing.T) {
	t.Parallel()
	const input = `{"a": {"b": "c"}, "list": [{"id": 1}, {"id": 2}], "s": "x"}`
	for _, tc := range []struct {
		path, field, want, err string
	}{
		{path: "$", want: `{"a":{"b":"c"},"list":[{"id":1},{"id":2}],"s":"x"}`},
		{path: "$.a.b", want: `"c"`},
		{path: "$['a']['b']", want: `"c"`},
		{path: "$.list[1].id", want: `2`},
		{path: "$.list[-1].id", want: `2`},
		{path: "$.list[*].id", want: `[1,2]`},
		{path: "$.list[?(@.id > 1)].id", want: `[2]`},
		{path: "$..b", want: `["c"]`},
		{path: "$$.Execution.Id", want: `"exec-1"`},
		{path: "$$", want: `{"Execution":{"Id":"exec-1","Input":{"a":1}},"Map":{"Item":{"Index":0}}}`},
		{path: "$v.x[0]", want: `1`},
		{path: "$n", want: `7`},
		{path: "$.missing", field: "InputPath", err: `States.Runtime: Invalid path '$.missing' : No results for path: $['missing']`},
		{path: "$.a.b.c", field: "OutputPath", err: `States.Runtime: Invalid path '$.a.b.c' : No results for path: $['a']['b']['c']`},
		{path: "$.NoSuchCausePath", field: "CausePath", err: `States.Runtime: The JSONPath '$.NoSuchCausePath' specified for the field 'CausePath' could not be found in the input '{"a":{"b":"c"},"list":[{"id":1},{"id":2}],"s":"x"}'`},
		{path: "$nope.x", field: "InputPath", err: `States.Runtime: Invalid path '$nope.x': The variable '$nope' is not defined.`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			st := loadPass(t, fmt.Sprintf(`"InputPath": %q`, tc.path))
			env := testEnv(t, input)
			env.Field = tc.field
			got, err := st.InputPath.Eval(env)
			if tc.err != "" {
				if evalErr(err) != tc.err {
					t.Errorf("Eval(%q) error = %s, want %s", tc.path, evalErr(err), tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Eval(%q): %v", tc.path, err)
			}
			if s := compact(t, got); s != tc.want {
				t.Errorf("Eval(%q) = %s, want %s", tc.path, s, tc.want)
			}
		})
	}
}

func compact(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPathSet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path, doc, value, want, err string
	}{
		{path: "$", doc: `{"a": 1}`, value: `"r"`, want: `"r"`},
		{path: "$.r", doc: `{"a": 1}`, value: `{"x": 1}`, want: `{"a":1,"r":{"x":1}}`},
		{path: "$.a", doc: `{"a": 1}`, value: `2`, want: `{"a":2}`},
		{path: "$.x.y.z", doc: `{"a": 1}`, value: `true`, want: `{"a":1,"x":{"y":{"z":true}}}`},
		{path: "$.l[1]", doc: `{"l": [1, 2]}`, value: `3`, want: `{"l":[1,3]}`},
		{path: "$.a.b", doc: `{"a": "s"}`, value: `1`, err: `States.ResultPathMatchFailure: Unable to apply ReferencePath $.a.b to input {"a":"s"}`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			st := loadPass(t, fmt.Sprintf(`"ResultPath": %q`, tc.path))
			doc := decode(t, tc.doc)
			before := compact(t, doc)
			got, err := st.ResultPath.Set(doc, decode(t, tc.value))
			if tc.err != "" {
				if evalErr(err) != tc.err {
					t.Errorf("Set(%q) error = %s, want %s", tc.path, evalErr(err), tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Set(%q): %v", tc.path, err)
			}
			if s := compact(t, got); s != tc.want {
				t.Errorf("Set(%q) = %s, want %s", tc.path, s, tc.want)
			}
			if after := compact(t, doc); after != before {
				t.Errorf("Set(%q) modified its input: %s, was %s", tc.path, after, before)
			}
		})
	}
}

func TestTemplateEval(t *testing.T) {
	t.Parallel()
	const input = `{"foo": "bar", "n": 1.50, "list": [1, 2]}`
	for _, tc := range []struct {
		name, params, want, err string
	}{
		{name: "literal", params: `{"a": 1, "b": [true, null], "c": {"d": "e.$"}}`, want: `{"a":1,"b":[true,null],"c":{"d":"e.$"}}`},
		{name: "path", params: `{"x.$": "$.foo", "y": "$.foo"}`, want: `{"x":"bar","y":"$.foo"}`},
		{name: "number kept", params: `{"n.$": "$.n"}`, want: `{"n":1.50}`},
		{name: "nested", params: `{"o": {"p.$": "$.list", "q": [{"r.$": "$.list[0]"}, 3]}}`, want: `{"o":{"p":[1,2],"q":[{"r":1},3]}}`},
		{name: "context", params: `{"id.$": "$$.Execution.Id", "all.$": "$"}`, want: `{"all":{"foo":"bar","list":[1,2],"n":1.50},"id":"exec-1"}`},
		{name: "variable", params: `{"v.$": "$v.x"}`, want: `{"v":[1,2]}`},
		{name: "missing", params: `{"value.$": "$.no_such_jsonpath"}`,
			err: `States.Runtime: The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"foo":"bar","list":[1,2],"n":1.50}'`},
		{name: "missing nested", params: `{"a": {"inner.$": "$.nope"}}`,
			err: `States.Runtime: The JSONPath '$.nope' specified for the field 'inner.$' could not be found in the input '{"foo":"bar","list":[1,2],"n":1.50}'`},
		{name: "missing context", params: `{"value.$": "$$.Execution.Input.no_such_jsonpath"}`,
			err: `States.Runtime: The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"Execution":{"Id":"exec-1","Input":{"a":1}},"Map":{"Item":{"Index":0}}}'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := loadPass(t, `"Parameters": `+tc.params)
			env := testEnv(t, input)
			env.Field = "Parameters"
			got, err := st.Parameters.Eval(env)
			if tc.err != "" {
				if evalErr(err) != tc.err {
					t.Errorf("Eval(%s) error = %s\nwant %s", tc.params, evalErr(err), tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Eval(%s): %v", tc.params, err)
			}
			if s := compact(t, got); s != tc.want {
				t.Errorf("Eval(%s) = %s, want %s", tc.params, s, tc.want)
			}
		})
	}
}

func TestTemplateEvalNil(t *testing.T) {
	t.Parallel()
	var tmpl *asl.Template
	if v, err := tmpl.Eval(&asl.Env{}); v != nil || err != nil {
		t.Errorf("nil Template Eval = %v, %v", v, err)
	}
}

func TestAssignVars(t *testing.T) {
	t.Parallel()
	st := loadPass(t, `"Assign": {"a": 1, "b.$": "$.foo", "c": {"d.$": "$.n"}}`)
	got, err := st.Assign.AssignVars(testEnv(t, `{"foo": "bar", "n": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": json.Number("1"), "b": "bar", "c": map[string]any{"d": json.Number("2")}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AssignVars (-want +got):\n%s", diff)
	}

	big := strings.Repeat("x", 256<<10)
	st = loadPass(t, `"Assign": {"big.$": "$.big"}`)
	_, err = st.Assign.AssignVars(&asl.Env{Input: map[string]any{"big": big}})
	if !strings.HasPrefix(evalErr(err), "States.Runtime: The variable 'big' has a size of") {
		t.Errorf("AssignVars(big) error = %s", evalErr(err))
	}
	st = loadPass(t, `"Assign": {"a.$": "$.half", "b.$": "$.half"}`)
	_, err = st.Assign.AssignVars(&asl.Env{Input: map[string]any{"half": big[:200<<10]}})
	if !strings.HasPrefix(evalErr(err), "States.Runtime: The variables assigned have a total size of") {
		t.Errorf("AssignVars(two halves) error = %s", evalErr(err))
	}
}

func TestMatchError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		equals []string
		name   string
		want   bool
	}{
		{[]string{"States.ALL"}, "Custom", true},
		{[]string{"States.ALL"}, "States.Timeout", true},
		{[]string{"States.ALL"}, "States.TaskFailed", true},
		{[]string{"States.ALL"}, "States.Runtime", false},
		{[]string{"States.ALL"}, "States.DataLimitExceeded", false},
		{[]string{"States.TaskFailed"}, "Lambda.Unknown", true},
		{[]string{"States.TaskFailed"}, "States.HeartbeatTimeout", true},
		{[]string{"States.TaskFailed"}, "States.Timeout", false},
		{[]string{"States.TaskFailed"}, "States.Runtime", false},
		{[]string{"States.Timeout"}, "States.Timeout", true},
		{[]string{"A", "B"}, "B", true},
		{[]string{"A", "B"}, "C", false},
		{[]string{"a"}, "A", false},
		{[]string{"States.DataLimitExceeded"}, "States.DataLimitExceeded", true},
		{nil, "A", false},
	} {
		if got := asl.MatchError(tc.equals, tc.name); got != tc.want {
			t.Errorf("MatchError(%q, %q) = %v, want %v", tc.equals, tc.name, got, tc.want)
		}
	}
}
