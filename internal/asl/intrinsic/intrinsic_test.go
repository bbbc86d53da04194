package intrinsic

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/asl/jsonpath"
)

func decode(t testing.TB, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func encode(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encode %#v: %v", v, err)
	}
	return strings.TrimSpace(buf.String())
}

// testEnv has an input with one field per kind of value, a context object,
// two variables and fixed UUID and random sources.
func testEnv(t testing.TB) Env {
	input := decode(t, `{
  "name": "Ada", "place": "LocalStack", "template": "Hello, {}!", "empty": "", "blank": " ",
  "int": 1, "dec": 1.1, "neg": -9, "big": 12345678901234567890, "t": true, "f": false, "nul": null,
  "arr": [1, 2, 3, 4, 5, 6], "dups": [1, 2, 2, 3, 3, 4, 1.0, {"a": 1}, {"a": 1.0}, [1], [1], "1"],
  "obj": {"Arg1": 1, "Arg2": []}, "json1": {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3},
  "json2": {"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4},
  "jsonString": "{\"key\":\"value\"}", "csv": "a,b,c,d,e", "html": "<a href=\"x\">&</a>",
  "users": [{"id": 1, "ok": true}, {"id": 2, "ok": false}, {"id": 3, "ok": true}],
  "hashInput": "input data", "b64": "RGF0YSB0byBlbmNvZGU=",
  "lines": "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n",
  "vals": {"fst": 1.49, "snd": 1.5}
}`)
	ctx := decode(t, `{"StateMachine": {"Name": "my-state-machine-name"}, "Map": {"Item": {"Value": "Pikachu", "Index": 2}}}`)
	vars := map[string]any{"greeting": "It's {}!", "list": decode(t, `["x", "y"]`)}
	return Env{
		Input:   input,
		Context: ctx,
		Var:     func(name string) (any, bool) { v, ok := vars[name]; return v, ok },
		UUID:    func() string { return "11111111-2222-4333-8444-555555555555" },
		Rand:    func(lo, hi int64) int64 { return lo + (hi-lo)/2 },
	}
}

func TestEval(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	for _, tc := range []struct{ expr, want string }{
		// States.Format (AWS renders null as null, numbers as written).
		{"States.Format('Hello, {}', $.name)", `"Hello, Ada"`},
		{"States.Format('Hello {}, welcome to {}!', $.name, $.place)", `"Hello Ada, welcome to LocalStack!"`},
		{"States.Format($.template, $.name)", `"Hello, Ada!"`},
		{"States.Format('Formatting argument {}.', $.nul)", `"Formatting argument null."`},
		{"States.Format('Formatting argument {}.', $.dec)", `"Formatting argument 1.1."`},
		{"States.Format('{} {} {}', $.int, $.t, $.big)", `"1 true 12345678901234567890"`},
		{"States.Format('{}', $.obj)", `"{Arg1=1, Arg2=[]}"`},
		{"States.Format('{}', $.users[0])", `"{id=1, ok=true}"`},
		{"States.Format('{}', $.arr)", `"[1, 2, 3, 4, 5, 6]"`},
		{"States.Format('{}', States.Array('a', 'b'))", `"[a, b]"`},
		{`States.Format('\{\} is {}, it\'s a \\ too', $.name)`, `"{} is Ada, it's a \\ too"`},
		{"States.Format('no placeholders')", `"no placeholders"`},
		{"States.Format('{}{}', '', 1.50)", `"1.50"`},
		{"States.Format($greeting, $$.Map.Item.Value)", `"It's Pikachu!"`},
		{"States.Format('Format Func {}', $.name)", `"Format Func Ada"`},
		// States.StringToJson.
		{"States.StringToJson($.jsonString)", `{"key":"value"}`},
		{"States.StringToJson('1')", `1`},
		{"States.StringToJson('1.1')", `1.1`},
		{`States.StringToJson('"HelloWorld"')`, `"HelloWorld"`},
		{`States.StringToJson('[1, 2, "HelloWorld"]')`, `[1,2,"HelloWorld"]`},
		{"States.StringToJson('12345678901234567890')", `12345678901234567890`},
		{"States.StringToJson($.empty)", `null`},
		{"States.StringToJson($.blank)", `null`},
		// States.JsonToString: compact, no HTML escaping, numbers as written.
		{"States.JsonToString($.nul)", `"null"`},
		{"States.JsonToString($.t)", `"true"`},
		{"States.JsonToString(States.Array(1, 2, 'HelloWorld'))", `"[1,2,\"HelloWorld\"]"`},
		{"States.JsonToString($.obj)", `"{\"Arg1\":1,\"Arg2\":[]}"`},
		{"States.JsonToString($.html)", `"\"<a href=\\\"x\\\">&</a>\""`},
		{"States.JsonToString($.big)", `"12345678901234567890"`},
		{"States.JsonToString($.dec)", `"1.1"`},
		// States.Array.
		{"States.Array()", `[]`},
		{"States.Array('a', 'b', 'c')", `["a","b","c"]`},
		{"States.Array($.int, $.int)", `[1,1]`},
		{"States.Array($.obj, $.obj)", `[{"Arg1":1,"Arg2":[]},{"Arg1":1,"Arg2":[]}]`},
		{"States.Array($.empty, $.blank)", `[""," "]`},
		{"States.Array(1, -2.5, 1e3, true, false, null)", `[1,-2.5,1e3,true,false,null]`},
		{"States.Array($.users[?(@.ok == true)].id)", `[[1,3]]`},
		{"States.Array($list[0], $.users[1]['id'])", `["x",2]`},
		// States.ArrayPartition.
		{"States.ArrayPartition($.arr, 2)", `[[1,2],[3,4],[5,6]]`},
		{"States.ArrayPartition($.arr, 4)", `[[1,2,3,4],[5,6]]`},
		{"States.ArrayPartition($.arr, 10)", `[[1,2,3,4,5,6]]`},
		{"States.ArrayPartition(States.Array(), 1)", `[]`},
		{"States.ArrayPartition(States.Array(0, 1), 1)", `[[0],[1]]`},
		{"States.ArrayPartition(States.Array(0, 1, 2, 3), 2)", `[[0,1],[2,3]]`},
		{"States.ArrayPartition(States.Array(0, 1, 2), 1.5)", `[[0,1],[2]]`},
		// States.ArrayContains.
		{"States.ArrayContains($.arr, 5)", `true`},
		{"States.ArrayContains($.arr, 7)", `false`},
		{"States.ArrayContains(States.Array(), null)", `false`},
		{"States.ArrayContains(States.Array(States.Array(1, 2, 3), 2), States.Array(1, 2, 3))", `true`},
		{"States.ArrayContains(States.Array($.obj), States.Array())", `false`},
		{"States.ArrayContains(States.Array($.obj), $.obj)", `true`},
		{"States.ArrayContains($.arr, '1')", `false`},
		// States.ArrayRange.
		{"States.ArrayRange(1, 10, 2)", `[1,3,5,7,9]`},
		{"States.ArrayRange(0, 10, 3)", `[0,3,6,9]`},
		{"States.ArrayRange(0, 3, 1)", `[0,1,2,3]`},
		{"States.ArrayRange(5, 5, 1)", `[5]`},
		{"States.ArrayRange(5, 1, 1)", `[]`},
		{"States.ArrayRange(-2, 2, 2)", `[-2,0,2]`},
		{"States.ArrayRange(1, 1000, 1)", ``}, // 1000 elements: the limit
		// States.ArrayGetItem.
		{"States.ArrayGetItem($.arr, 2)", `3`},
		{"States.ArrayGetItem($.arr, 0)", `1`},
		{"States.ArrayGetItem($.arr, 5)", `6`},
		{"States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))", `"name"`},
		// States.ArrayLength.
		{"States.ArrayLength($.arr)", `6`},
		{"States.ArrayLength(States.Array())", `0`},
		// States.ArrayUnique (numbers compare by value).
		{"States.ArrayUnique(States.Array(1, 2, 2, 3, 3, 4))", `[1,2,3,4]`},
		{"States.ArrayUnique($.dups)", `[1,2,3,4,{"a":1},[1],"1"]`},
		{"States.ArrayUnique(States.Array())", `[]`},
		// States.Base64Encode and States.Base64Decode.
		{"States.Base64Encode('Hello World')", `"SGVsbG8gV29ybGQ="`},
		{"States.Base64Encode('Data to encode')", `"RGF0YSB0byBlbmNvZGU="`},
		{"States.Base64Encode('héllo ✓')", `"aMOpbGxvIOKckw=="`},
		{"States.Base64Encode($.empty)", `""`},
		{"States.Base64Decode($.b64)", `"Data to encode"`},
		{"States.Base64Decode('SGVsbG8gV29ybGQ=')", `"Hello World"`},
		{"States.Base64Decode('SGVsbG8gV29ybGQ')", `"Hello World"`},
		{"States.Base64Decode('aMOpbGxvIOKckw==')", `"héllo ✓"`},
		{"States.Base64Decode(States.Base64Encode($.lines))", ``}, // checked below: round trip
		// States.Hash.
		{"States.Hash($.hashInput, 'MD5')", `"812f45842bc6d66ee14572ce20db8e86"`},
		{"States.Hash($.hashInput, 'SHA-1')", `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{"States.Hash($.hashInput, 'SHA-256')", `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{"States.Hash($.hashInput, 'SHA-384')", `"d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"`},
		{"States.Hash($.hashInput, 'SHA-512')", `"6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"`},
		{"States.Hash('Hash this string', 'SHA-256')", `"1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e"`},
		{"States.Hash('héllo', 'SHA-256')", `"3c48591d8d098a4538f5e013dfcf406e948eac4d3277b10bf614e295d6068179"`},
		// States.JsonMerge (shallow: nested objects are replaced, not merged).
		{"States.JsonMerge($.json1, $.json2, false)", `{"a":{"a3":1,"a4":2},"b":2,"c":3,"d":4}`},
		{`States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), $.obj, false)`, `{"Arg1":1,"Arg2":[],"constant_in_literal":"false"}`},
		// States.MathRandom.
		{"States.MathRandom(1, 999)", `500`},
		{"States.MathRandom(12.5, 44.51)", `29`}, // rounded to 13 and 45
		{"States.MathRandom(7, 7)", `7`},
		{"States.MathRandom(0, 9, 42)", `0`}, // new java.util.Random(42).nextInt(10)
		// States.MathAdd: each argument is rounded half up first (AWS: 1.49 + 1.5 = 3, -0.5 + 0.5 = 1).
		{"States.MathAdd(111, -1)", `110`},
		{"States.MathAdd($.neg, 3)", `-6`},
		{"States.MathAdd($.vals.fst, $.vals.snd)", `3`},
		{"States.MathAdd(-1.5, 0)", `-1`},
		{"States.MathAdd(-1.51, 0)", `-2`},
		{"States.MathAdd(0.5, 0)", `1`},
		{"States.MathAdd(1.5, 0)", `2`},
		{"States.MathAdd(2.5, 0)", `3`},
		{"States.MathAdd(-0.5, 0.5)", `1`},
		{"States.MathAdd(-2.5, 0)", `-2`},
		{"States.MathAdd(-3.5, 0)", `-3`},
		{"States.MathAdd(1.49, 0)", `1`},
		{"States.MathAdd(1.49, -1.49)", `0`},
		{"States.MathAdd(-1.49, 0)", `-1`},
		{"States.MathAdd(9007199254740993, 0)", `9007199254740993`},
		// States.StringSplit: every delimiter character splits, empty pieces are dropped.
		{"States.StringSplit($.csv, ',')", `["a","b","c","d","e"]`},
		{"States.StringSplit(' ', ',')", `[" "]`},
		{"States.StringSplit(' , ', ',')", `[" "," "]`},
		{"States.StringSplit(', , ,', ',')", `[" "," "]`},
		{"States.StringSplit(',,,,', ',')", `[]`},
		{"States.StringSplit('This.is+a,test=string', '.+,=')", `["This","is","a","test","string"]`},
		{"States.StringSplit($.lines, ',')", `["Value1","Value2","Value3\nValue4","Value5","Value6\n","\ntrue","1","'HelloWorld'\nNull","None","\n   \n"]`},
		{"States.StringSplit('abc', '')", `["abc"]`},
		{"States.StringSplit('', ',')", `[]`},
		// States.UUID.
		{"States.UUID()", `"11111111-2222-4333-8444-555555555555"`},
		// Layout.
		{"  States.Array ( 1 ,'a' , $.int )  ", `[1,"a",1]`},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			c, err := Parse(tc.expr)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.expr, err)
			}
			got, err := c.Eval(env)
			if err != nil {
				t.Fatalf("Eval(%q) = %v", tc.expr, err)
			}
			if tc.want == "" {
				return
			}
			if diff := cmp.Diff(tc.want, encode(t, got)); diff != "" {
				t.Errorf("Eval(%q) mismatch (-want +got):\n%s", tc.expr, diff)
			}
		})
	}
}

func TestEvalSpecial(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	eval := func(expr string) any {
		t.Helper()
		got, err := mustParse(t, expr).Eval(env)
		if err != nil {
			t.Fatalf("Eval(%q) = %v", expr, err)
		}
		return got
	}
	if got := eval("States.ArrayRange(1, 1000, 1)").([]any); len(got) != 1000 || got[999] != json.Number("1000") {
		t.Errorf("States.ArrayRange(1, 1000, 1) has %d elements ending %v", len(got), got[len(got)-1])
	}
	if got, want := eval("States.Base64Decode(States.Base64Encode($.lines))"), env.Input.(map[string]any)["lines"]; got != want {
		t.Errorf("Base64 round trip = %q, want %q", got, want)
	}
	// States.Array builds a new array: changing it leaves the input alone.
	got := eval("States.Array($.arr, 2)").([]any)
	got[0] = "changed"
	if arr := env.Input.(map[string]any)["arr"].([]any); arr[0] != json.Number("1") {
		t.Fatalf("input changed: %v", arr)
	}
	// States.Format applies escapes only in a template written in place.
	if got := eval(`States.Format($.template, '\{\}')`); got != "Hello, {}!" {
		t.Errorf("Format = %q", got)
	}
}

func mustParse(t testing.TB, expr string) *Call {
	t.Helper()
	c, err := Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	return c
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	for _, tc := range []struct{ expr, msg string }{
		{"States.Format('{} {}', $.name)", "States.Format: the template has 2 placeholder(s) but 1 value(s) were given"},
		{"States.Format('{}', $.name, $.name)", "States.Format: the template has 1 placeholder(s) but 2 value(s) were given"},
		{"States.Format($.int)", "States.Format: the first argument must be a string, got a number"},
		{"States.Format('\\n')", `States.Format: the string literal has an invalid escape sequence \n`},
		{"States.StringToJson($.int)", "States.StringToJson: the first argument must be a string, got a number"},
		{"States.StringToJson('{')", "States.StringToJson: the argument is not valid JSON: unexpected EOF"},
		{"States.StringToJson('1 2')", "States.StringToJson: the argument is not valid JSON: unexpected data after the value"},
		{"States.ArrayPartition($.obj, 2)", "States.ArrayPartition: the first argument must be an array, got an object"},
		{"States.ArrayPartition($.arr, 0)", "States.ArrayPartition: the chunk size must be a positive integer, got 0"},
		{"States.ArrayPartition($.arr, -1)", "States.ArrayPartition: the chunk size must be a positive integer, got -1"},
		{"States.ArrayPartition($.arr, 'x')", "States.ArrayPartition: the second argument must be a number, got a string"},
		{"States.ArrayContains($.name, 1)", "States.ArrayContains: the first argument must be an array, got a string"},
		{"States.ArrayRange(1, 1001, 1)", "States.ArrayRange: the range has more elements than the limit of 1000"},
		{"States.ArrayRange(0, 10, 0)", "States.ArrayRange: the step must be a positive integer, got 0"},
		{"States.ArrayRange(0, 10, -1)", "States.ArrayRange: the step must be a positive integer, got -1"},
		{"States.ArrayRange(-9223372036854775808, 9223372036854775807, 1)", "States.ArrayRange: the range has more elements than the limit of 1000"},
		{"States.ArrayRange(0, 'a', 1)", "States.ArrayRange: the second argument must be a number, got a string"},
		{"States.ArrayGetItem($.arr, 6)", "States.ArrayGetItem: the index 6 is out of bounds for an array of length 6"},
		{"States.ArrayGetItem($.arr, -1)", "States.ArrayGetItem: the index -1 is out of bounds for an array of length 6"},
		{"States.ArrayGetItem($.arr, 1.5)", "States.ArrayGetItem: the second argument must be an integer, got 1.5"},
		{"States.ArrayGetItem($.arr, 1e400)", "States.ArrayGetItem: the second argument 1e400 is out of range"},
		{"States.ArrayLength($.nul)", "States.ArrayLength: the first argument must be an array, got null"},
		{"States.ArrayUnique($.t)", "States.ArrayUnique: the first argument must be an array, got a boolean"},
		{"States.Base64Encode($.arr)", "States.Base64Encode: the first argument must be a string, got an array"},
		{"States.Base64Decode('!!!')", "States.Base64Decode: the input is not valid Base64: illegal base64 data at input byte 0"},
		{"States.Hash($.hashInput, 'SHA-2')", `States.Hash: the algorithm "SHA-2" is not one of MD5, SHA-1, SHA-256, SHA-384 and SHA-512`},
		{"States.Hash($.hashInput, 'sha-256')", `States.Hash: the algorithm "sha-256" is not one of MD5, SHA-1, SHA-256, SHA-384 and SHA-512`},
		{"States.Hash($.int, 'MD5')", "States.Hash: the first argument must be a string, got a number"},
		{"States.JsonMerge($.json1, $.json2, true)", "States.JsonMerge: only shallow merging is supported, so the third argument must be false"},
		{"States.JsonMerge($.json1, $.json2, 'false')", "States.JsonMerge: the third argument must be a boolean, got a string"},
		{"States.JsonMerge($.json1, $.arr, false)", "States.JsonMerge: the second argument must be an object, got an array"},
		{"States.MathRandom(10, 1)", "States.MathRandom: the start 10 is greater than the end 1"},
		{"States.MathRandom('1', 10)", "States.MathRandom: the first argument must be a number, got a string"},
		{"States.MathAdd(9223372036854775807, 1)", "States.MathAdd: 9223372036854775807 + 1 overflows"},
		{"States.MathAdd($.name, 1)", "States.MathAdd: the first argument must be a number, got a string"},
		{"States.StringSplit($.arr, ',')", "States.StringSplit: the first argument must be a string, got an array"},
		{"States.StringSplit($.csv, 1)", "States.StringSplit: the second argument must be a string, got a number"},
		{"States.Format('{}', $.missing)", "States.Format: the path $.missing could not be found"},
		{"States.Format('{}', $$.missing)", "States.Format: the path $$.missing could not be found"},
		{"States.Format('{}', $nope)", "States.Format: the variable $nope is not defined"},
		{"States.Array(States.ArrayGetItem($.arr, 9))", "States.ArrayGetItem: the index 9 is out of bounds for an array of length 6"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			got, err := mustParse(t, tc.expr).Eval(env)
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("Eval(%q) = %v, %v; want *Error", tc.expr, got, err)
			}
			if err.Error() != tc.msg {
				t.Errorf("Eval(%q) error = %q, want %q", tc.expr, err, tc.msg)
			}
		})
	}
	_, err := mustParse(t, "States.Format('{}', $.missing)").Eval(env)
	if !errors.Is(err, jsonpath.ErrNoMatch) {
		t.Errorf("a missing path's error %v does not wrap jsonpath.ErrNoMatch", err)
	}
	for _, expr := range []string{"States.UUID()", "States.MathRandom(1, 2)"} {
		if _, err := mustParse(t, expr).Eval(Env{}); err == nil {
			t.Errorf("Eval(%q) without a source succeeded", expr)
		}
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 10000)
	env := Env{Input: map[string]any{"ok": long, "long": long + "b", "wide": strings.Repeat("😀", 5001)}}
	for _, tc := range []struct {
		expr string
		ok   bool
	}{
		{"States.Base64Encode($.ok)", true},
		{"States.Base64Encode($.long)", false},
		{"States.Base64Encode($.wide)", false}, // 10,002 UTF-16 units
		{"States.Hash($.ok, 'MD5')", true},
		{"States.Hash($.long, 'MD5')", false},
		{"States.Base64Decode($.long)", false},
	} {
		_, err := mustParse(t, tc.expr).Eval(env)
		if (err == nil) != tc.ok {
			t.Errorf("Eval(%q) = %v, want ok %v", tc.expr, err, tc.ok)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	nested := strings.Repeat("States.Array(", 10) + strings.Repeat(")", 10)
	tooDeep := strings.Repeat("States.Array(", 11) + strings.Repeat(")", 11)
	if _, err := Parse(nested); err != nil {
		t.Errorf("Parse of 10 nested calls = %v", err)
	}
	for _, tc := range []struct {
		expr string
		pos  int
		msg  string
	}{
		{tooDeep, 130, "intrinsic functions nest more than 10 deep"},
		{"", 0, "expected an intrinsic function such as States.Format"},
		{"$.a", 0, "expected an intrinsic function such as States.Format"},
		{"States.Nope()", 0, "unknown intrinsic function States.Nope"},
		{"States.format('x')", 0, "unknown intrinsic function States.format"},
		{"States.Format", 13, "expected '(' after States.Format"},
		{"States.Format(", 14, "expected an argument but the expression ended"},
		{"States.Format('a'", 17, "expected ',' or ')' but the expression ended"},
		{"States.Format('a' 'b')", 18, `expected ',' or ')' but found "'b')"`},
		{"States.Format('a)", 14, "unterminated string"},
		{"States.Format('a',)", 18, `expected a string, number, boolean, null, path or intrinsic function but found ")"`},
		{"States.Format('a') x", 19, `unexpected "x" after the function call`},
		{"States.Format()", 0, "States.Format takes at least 1 argument, got 0"},
		{"States.UUID(1)", 0, "States.UUID takes 0 arguments, got 1"},
		{"States.ArrayLength()", 0, "States.ArrayLength takes 1 argument, got 0"},
		{"States.MathRandom(1)", 0, "States.MathRandom takes 2 to 3 arguments, got 1"},
		{"States.JsonMerge($.a, $.b)", 0, "States.JsonMerge takes 3 arguments, got 2"},
		{"States.Array(1, States.UUID(2))", 16, "States.UUID takes 0 arguments, got 1"},
		{"States.Array(01)", 13, `invalid number "01"`},
		{"States.Array(1.)", 13, `invalid number "1."`},
		{"States.Array(True)", 13, `expected a string, number, boolean, null, path or intrinsic function but found "True)"`},
		{"States.Array($.a b)", 17, `expected ',' or ')' but found "b)"`},
		{"States.Array($.)", 14, `invalid path "$.": a path must not end with '.'`},
		{"States.Array($[?(@.a ==)])", 23, `invalid path "$[?(@.a ==)]": expected a value but found ")]"`},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.expr)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, want *SyntaxError", tc.expr, err)
			}
			if se.Pos != tc.pos || se.Msg != tc.msg || se.Expr != tc.expr {
				t.Errorf("Parse(%q) = %+v, want pos %d msg %q", tc.expr, *se, tc.pos, tc.msg)
			}
		})
	}
}

func TestParsePaths(t *testing.T) {
	t.Parallel()
	env := Env{Input: decode(t, `{"a, b": 1, "l": [{"x": "p,q)"}, {"x": "r"}], "m": {"k": [5]}}`)}
	for _, tc := range []struct{ expr, want string }{
		{"States.Array($['a, b'])", `[1]`},
		{"States.Array($.l[?(@.x == 'p,q)')].x)", `[["p,q)"]]`},
		{`States.Array($.l[?(@.x == "r")].x, $.m.k[0])`, `[["r"],5]`},
		{"States.Array($.m['k'][-1])", `[5]`},
		{"States.Array($)", `[{"a, b":1,"l":[{"x":"p,q)"},{"x":"r"}],"m":{"k":[5]}}]`},
	} {
		got, err := mustParse(t, tc.expr).Eval(env)
		if err != nil {
			t.Errorf("Eval(%q) = %v", tc.expr, err)
			continue
		}
		if g := encode(t, got); g != tc.want {
			t.Errorf("Eval(%q) = %s, want %s", tc.expr, g, tc.want)
		}
	}
}

func TestIsIntrinsic(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"States.Format('x')", true},
		{"  States.UUID ()", true},
		{"States.Anything(", true}, // a cheap check: Parse rejects it
		{"States.", false},
		{"States.Format", false},
		{"States.Format.x()", false},
		{"$.States.Format()", false},
		{"$", false},
		{"states.Format()", false},
	} {
		if got := IsIntrinsic(tc.s); got != tc.want {
			t.Errorf("IsIntrinsic(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestCall(t *testing.T) {
	t.Parallel()
	c := mustParse(t, " States.Format('{}', States.UUID()) ")
	if c.Name() != "States.Format" || c.String() != "States.Format('{}', States.UUID())" {
		t.Errorf("Name, String = %q, %q", c.Name(), c.String())
	}
	if inner := c.args[1].(*Call); inner.String() != "States.UUID()" {
		t.Errorf("inner String = %q", inner.String())
	}
}

func TestJavaRandom(t *testing.T) {
	t.Parallel()
	// Values of java.util.Random, which are specified exactly by its documentation.
	r := javaRandom{seed: (42 ^ 0x5DEECE66D) & (1<<48 - 1)}
	if got := r.next(32); got != -1170105035 {
		t.Errorf("new Random(42).nextInt() = %d, want -1170105035", got)
	}
	if got := seededInt(42, 0, 9); got != 0 {
		t.Errorf("new Random(42).nextInt(10) = %d, want 0", got)
	}
	for seed := range int64(50) {
		if v := seededInt(seed, -5, 5); v < -5 || v > 5 {
			t.Fatalf("seededInt(%d, -5, 5) = %d", seed, v)
		}
		if v := seededInt(seed, 0, 1<<40); v < 0 || v > 1<<40 {
			t.Fatalf("seededInt(%d, 0, 2^40) = %d", seed, v)
		}
	}
	if a, b := seededInt(7, 0, 999), seededInt(7, 0, 999); a != b {
		t.Errorf("seeded results differ: %d, %d", a, b)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"States.Format('Hello, {}', $.name)", `States.Format('\{\} {}', $$.Map.Item.Value)`, "States.Array()",
		"States.ArrayRange(1, 9, 2)", "States.MathAdd(-1.5, 2e3)", "States.StringSplit($.a, ',')",
		"States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
		"States.JsonMerge($.a, $b.c[0], false)", "States.Array($.l[?(@.x == 'p,q)')].x, null, true)", "States.UUID()",
		"States.Hash($.x, 'SHA-256')", "States.MathRandom(1, 10, 3)", "States.Base64Decode(States.Base64Encode('x'))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) returned %T, want *SyntaxError", s, err)
			}
			if se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("Parse(%q) error position %d out of range", s, se.Pos)
			}
			return
		}
		if !IsIntrinsic(s) {
			t.Fatalf("Parse(%q) succeeded but IsIntrinsic is false", s)
		}
		c2, err := Parse(c.String())
		if err != nil || c2.Name() != c.Name() || len(c2.args) != len(c.args) {
			t.Fatalf("Parse(String()) of %q = %v", s, err)
		}
		env := Env{
			Input:   map[string]any{"a": []any{json.Number("1")}, "x": "y"},
			Context: map[string]any{},
			UUID:    func() string { return "u" },
			Rand:    func(lo, hi int64) int64 { return lo },
		}
		if _, err := c.Eval(env); err != nil {
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("Eval(%q) returned %T, want *Error", s, err)
			}
		}
	})
}

func BenchmarkFormat(b *testing.B) {
	c, err := Parse("States.Format('Hello {}, welcome to {}! You have {} items.', $.name, $.place, $.count)")
	if err != nil {
		b.Fatal(err)
	}
	env := Env{Input: decode(b, `{"name": "Ada", "place": "paystep", "count": 3}`)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("States.Format('Hello {}, welcome to {}!', $.name, States.ArrayGetItem($.places, 0))"); err != nil {
			b.Fatal(err)
		}
	}
}
