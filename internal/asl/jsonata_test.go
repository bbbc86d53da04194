package asl_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/asl"
)

// loadJSONataPass loads a one-state JSONata machine whose Pass state has the
// given fields.
func loadJSONataPass(t testing.TB, fields string) *asl.State {
	t.Helper()
	def := `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", ` + fields + `, "End": true}}}`
	sm, err := asl.Load([]byte(def), asl.LoadOptions{})
	if err != nil {
		t.Fatalf("Load(%s): %v", def, err)
	}
	return sm.States["P"]
}

func jsonataEnv(t testing.TB, input string) *asl.Env {
	env := testEnv(t, input)
	env.Field = "Output"
	env.Vars = func() map[string]any {
		return map[string]any{"v": decode(t, `{"x": [1, 2]}`), "n": json.Number("7")}
	}
	env.Now = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	env.UUID = func() string { return "6f1d2a3b-0000-4000-8000-000000000001" }
	env.Rand = func(lo, hi int64) int64 { return lo + (hi-lo+1)/4 }
	return env
}

func TestJSONataEval(t *testing.T) {
	t.Parallel()
	const input = `{"amount": 12.5, "items": [1, 2, 3], "s": "{\"a\": [1, 2.0]}", "name": "Ada"}`
	for _, tc := range []struct {
		output, want, err string
	}{
		{output: `"{% $states.input.amount * 100 %}"`, want: `1250`},
		{output: `"{% $states.input.amount / 100 %}"`, want: `0.125`},
		{output: `{"total": "{% $sum($states.input.items) %}", "lit": [1, "x"], "n": "{% $n %}"}`, want: `{"lit":[1,"x"],"n":7,"total":6}`},
		{output: `"{% $v.x[1] %}"`, want: `2`},
		{output: `"{% $states.context.Execution.Id %}"`, want: `"exec-1"`},
		{output: `"{% $lookup($states, 'context').Map.Item.Index %}"`, want: `0`},
		{output: `"{% $exists($states.result) %}"`, want: `false`},
		{output: `"{% $partition($states.input.items, 2) %}"`, want: `[[1,2],[3]]`},
		{output: `"{% $partition([], 2) %}"`, want: `[]`},
		{output: `"{% $range(0, 10, 5) %}"`, want: `[0,5,10]`},
		{output: `"{% $range(3, 3, 1) %}"`, want: `3`},
		{output: `"{% $range(9, 1, -4) %}"`, want: `[9,5,1]`},
		{output: `"{% $hash('input data', 'SHA-256') %}"`, want: `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{output: `"{% $hash('a', 'MD5') %}"`, want: `"0cc175b9c0f1b6a831c399e269772661"`},
		{output: `"{% $hash('input data', 'SHA-1') %}"`, want: `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{output: `"{% $uuid() %}"`, want: `"6f1d2a3b-0000-4000-8000-000000000001"`},
		{output: `"{% $random() %}"`, want: `0.25`},
		{output: `"{% $random(7) = $random(7) %}"`, want: `true`},
		{output: `"{% $random(7) < 1 and $random(7) >= 0 %}"`, want: `true`},
		{output: `"{% $parse($states.input.s) %}"`, want: `{"a":[1,2]}`},
		{output: `"{% $parse('-0') %}"`, want: `0`},
		{output: `"{% $now() %}"`, want: `"2030-01-02T03:04:05.000Z"`},
		{output: `"{% $doesNotExist %}"`, err: "States.QueryEvaluationError: The JSONata expression '$doesNotExist' specified for the field 'Output' returned nothing (undefined)."},
		{output: `{"result": "{% $doesNotExist %}"}`, err: "States.QueryEvaluationError: The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined)."},
		{output: `["{% 1 %}", "{% $nope %}"]`, err: "States.QueryEvaluationError: The JSONata expression '$nope' specified for the field 'Output[1]' returned nothing (undefined)."},
		{output: `"{% $states.input.missing %}"`, err: "States.QueryEvaluationError: The JSONata expression '$states.input.missing' specified for the field 'Output' returned nothing (undefined)."},
		{output: `"{% $states.input.items[$ > 1] %}"`, want: `[2,3]`},
		{output: `"{% $map($states.input.items, function($i){ $i * 10 }) %}"`, want: `[10,20,30]`},
		{output: `"{% function($x){$x} %}"`, err: "States.QueryEvaluationError: The JSONata expression 'function($x){$x}' specified for the field 'Output' returned an unsupported result type."},
		{output: `"{% 1 + 'a' %}"`, err: `States.QueryEvaluationError: The JSONata expression '1 + 'a'' specified for the field 'Output' threw an error during evaluation. T2002: The right side of the "+" operator must evaluate to a number`},
		{output: `"{% $hash('a', 'SHA-3') %}"`, err: `States.QueryEvaluationError: The JSONata expression '$hash('a', 'SHA-3')' specified for the field 'Output' threw an error during evaluation. the hash algorithm "SHA-3" is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512`},
		{output: `"{% $partition([1], 0) %}"`, err: "States.QueryEvaluationError: The JSONata expression '$partition([1], 0)' specified for the field 'Output' threw an error during evaluation. the chunk size of $partition must be a positive integer, but was 0"},
		{output: `"{% $parse('{') %}"`, err: "States.QueryEvaluationError: The JSONata expression '$parse('{')' specified for the field 'Output' threw an error during evaluation. $parse: the argument is not valid JSON: {"},
	} {
		t.Run(tc.output, func(t *testing.T) {
			t.Parallel()
			st := loadJSONataPass(t, `"Output": `+tc.output)
			got, err := st.Output.Eval(jsonataEnv(t, input))
			if tc.err != "" {
				if evalErr(err) != tc.err {
					t.Errorf("Eval(%s) error = %s, want %s", tc.output, evalErr(err), tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Eval(%s): %s", tc.output, evalErr(err))
			}
			if s := string(mustJSON(t, got)); s != tc.want {
				t.Errorf("Eval(%s) = %s, want %s", tc.output, s, tc.want)
			}
		})
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJSONataResultAndErrorOutput(t *testing.T) {
	t.Parallel()
	st := loadJSONataPass(t, `"Output": {"r": "{% $states.result.id %}", "e": "{% $states.errorOutput.Error %}", "i": "{% $states.input.a %}"}`)
	env := jsonataEnv(t, `{"a": 1}`)
	env.Result, env.HasResult = decode(t, `{"id": "ch_1"}`), true
	env.ErrorOutput = map[string]any{"Error": "E", "Cause": "c"}
	got, err := st.Output.Eval(env)
	if err != nil {
		t.Fatal(evalErr(err))
	}
	if s, want := string(mustJSON(t, got)), `{"e":"E","i":1,"r":"ch_1"}`; s != want {
		t.Errorf("Eval = %s, want %s", s, want)
	}
}

func TestJSONataCondition(t *testing.T) {
	t.Parallel()
	def := `{"QueryLanguage": "JSONata", "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
		{"Condition": "{% $states.input.n > 1 %}", "Next": "D"}, {"Condition": "{% $states.input.n %}", "Next": "D"}]},
		"D": {"Type": "Succeed"}}}`
	sm, err := asl.Load([]byte(def), asl.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rules := sm.States["C"].Choices
	env := jsonataEnv(t, `{"n": 2}`)
	if ok, err := rules[0].Match(env); err != nil || !ok {
		t.Errorf("Match = %v, %v; want true", ok, err)
	}
	_, err = rules[1].Match(env)
	want := "States.QueryEvaluationError: The JSONata expression '$states.input.n' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was 'number' for value: 2"
	if evalErr(err) != want {
		t.Errorf("Match error = %s, want %s", evalErr(err), want)
	}
}

// jsonataPass is a one-state JSONata machine whose Pass state has fields.
func jsonataPass(fields string) string {
	return `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", ` + fields + `, "End": true}}}`
}

func TestJSONataValidation(t *testing.T) {
	t.Parallel()
	const (
		invalid     = asl.CodeInvalidJSONata
		unsupported = asl.CodeUnsupportedJSONata
	)
	topLevel := func(name string) string { return "Reference to '" + name + "' at the top level is not supported." }
	const evalMsg = "The function '$eval' is not supported. Use '$parse' instead."
	for _, tc := range []struct {
		name, def string
		want      []asl.Diagnostic // nil: the definition is valid
	}{
		// Syntax errors.
		{"end of expression", jsonataPass(`"Output": "{% $states.input. %}"`),
			[]asl.Diagnostic{diag(invalid, "/States/P/Output", "Unexpected end of expression (JSONata S0207 at position 14)")}},
		{"nested syntax", jsonataPass(`"Output": {"a": "{% [1, %}"}`),
			[]asl.Diagnostic{diag(invalid, "/States/P/Output/a", `Expected "]" before end of expression (JSONata S0203 at position 3)`)}},
		{"bad token", jsonataPass(`"Output": ["{% 1 %}", "{% a[1,2) %}"]`),
			[]asl.Diagnostic{diag(invalid, "/States/P/Output[1]", `Expected "]", got "," (JSONata S0202 at position 3)`)}},
		// References to the input document at the top level.
		{"field", jsonataPass(`"Output": "{% foo %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", topLevel("foo"))}},
		{"field path", jsonataPass(`"Output": "{% input.foo %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", topLevel("input"))}},
		{"context value", jsonataPass(`"Output": "{% $ %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", topLevel("$"))}},
		{"context path", jsonataPass(`"Output": "{% $.foo %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", topLevel("$"))}},
		{"root", jsonataPass(`"Output": "{% $$ %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", "Reference to '$$' is not supported.")}},
		{"root nested", jsonataPass(`"Output": "{% $states.input.items[$$.x = 1] %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", "Reference to '$$' is not supported.")}},
		{"wildcard", jsonataPass(`"Output": "{% * %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", topLevel("*"))}},
		{"operand", jsonataPass(`"Output": "{% $states.input.a + b %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", topLevel("b"))}},
		{"argument", jsonataPass(`"Output": "{% $sum(price) %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", topLevel("price"))}},
		{"condition", jsonataPass(`"Output": "{% $exists(x) ? 1 : 2 %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", topLevel("x"))}},
		{"block", jsonataPass(`"Output": "{% ($v := total; $v * 2) %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", topLevel("total"))}},
		{"object constructor", jsonataPass(`"Output": "{% {'a': foo} %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", topLevel("foo"))}},
		{"array constructor", jsonataPass(`"Output": "{% [1, bar] %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", topLevel("bar"))}},
		{"one per name", jsonataPass(`"Output": "{% a + a + b %}"`), []asl.Diagnostic{
			diag(unsupported, "/States/P/Output", topLevel("a")), diag(unsupported, "/States/P/Output", topLevel("b"))}},
		{"assign", jsonataPass(`"Assign": {"v": "{% foo %}"}`), []asl.Diagnostic{diag(unsupported, "/States/P/Assign/v", topLevel("foo"))}},
		{"condition field", `{"QueryLanguage": "JSONata", "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Condition": "{% flag %}", "Next": "S"}], "Default": "S"}, "S": {"Type": "Succeed"}}}`,
			[]asl.Diagnostic{diag(unsupported, "/States/C/Choices[0]/Condition", topLevel("flag"))}},
		// $eval.
		{"eval", jsonataPass(`"Output": "{% $eval('1') %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", evalMsg)}},
		{"eval value", jsonataPass(`"Output": "{% ($f := $eval; $f('[1]')) %}"`), []asl.Diagnostic{diag(unsupported, "/States/P/Output", evalMsg)}},
		{"eval and field", jsonataPass(`"Output": "{% $eval(s) %}"`), []asl.Diagnostic{
			diag(unsupported, "/States/P/Output", topLevel("s")), diag(unsupported, "/States/P/Output", evalMsg)}},
		// Near misses that AWS runs.
		{"predicate", jsonataPass(`"Output": "{% $states.input.items[price > 10].name %}"`), nil},
		{"context in predicate", jsonataPass(`"Output": "{% $states.input.items[$.total > 10] %}"`), nil},
		{"object step", jsonataPass(`"Output": "{% $states.input.items.{'n': name} %}"`), nil},
		{"sort", jsonataPass(`"Output": "{% $states.input.items^(>price).name %}"`), nil},
		{"group", jsonataPass(`"Output": "{% $states.input.items{category: $sum(price)} %}"`), nil},
		{"lambda", jsonataPass(`"Output": "{% $map($states.input.items, function($i){ $i.price * rate }) %}"`), nil},
		{"transform", jsonataPass(`"Output": "{% $states.input ~> | a | {'b': c} | %}"`), nil},
		{"bind", jsonataPass(`"Output": "{% $variable := 1 %}"`), nil},
		{"variable", jsonataPass(`"Output": "{% $state.input %}"`), nil},
		{"function", jsonataPass(`"Output": "{% $count($states.input.items) + $n %}"`), nil},
		{"literals", jsonataPass(`"Output": "{% 'foo' & \"bar\" & 1 & null %}"`), nil},
		{"parse", jsonataPass(`"Output": "{% $parse('[1]') %}"`), nil},
		{"eval prefix", jsonataPass(`"Output": "{% $evaluate %}"`), nil},
		{"not an expression", jsonataPass(`"Output": "{ foo %}"`), nil},
		{"JSONPath", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "{% foo %}", "End": true}}}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := asl.Validate([]byte(tc.def), asl.LoadOptions{})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate(%s) (-want +got):\n%s", tc.def, diff)
			}
			_, err := asl.Load([]byte(tc.def), asl.LoadOptions{})
			if (err == nil) != (tc.want == nil) {
				t.Errorf("Load(%s) error = %v, want one: %v", tc.def, err, tc.want != nil)
			}
		})
	}
}

func BenchmarkJSONataTemplateEval(b *testing.B) {
	st := loadJSONataPass(b, `"Output": "{% $states.input.amount * 100 %}"`)
	env := jsonataEnv(b, `{"amount": 12.5}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Output.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}
