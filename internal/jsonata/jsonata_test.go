package jsonata

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func decodeGo(t *testing.T, s string) any {
	t.Helper()
	if s == "" {
		return Undefined
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// TestEvaluate pins tricky semantics against the results of jsonata-js 2.2.2.
// want is the JSON result ("" for undefined); code an expected error code.
func TestEvaluate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ expr, input, want, code string }{
		{`a.b`, `{"a":[{"b":1},{"b":[2,3]},{"c":4}]}`, `[1,2,3]`, ""},
		{`a.b[]`, `{"a":{"b":1}}`, `[1]`, ""},
		{`a[0].b`, `{"a":[{"b":1},{"b":2}]}`, `1`, ""},
		{`a.b[0]`, `{"a":[{"b":[1,2]},{"b":[3,4]}]}`, `[1,3]`, ""},
		{`(a.b)[0]`, `{"a":[{"b":[1,2]},{"b":[3,4]}]}`, `1`, ""},
		{`$[1]`, `[10,20,30]`, `20`, ""},
		{`$[-1]`, `[10,20,30]`, `30`, ""},
		{`[1,2,3][[0,2]]`, ``, `[1,3]`, ""},
		{`x[$ > 1]`, `{"x":[1,2,3]}`, `[2,3]`, ""},
		{`items#$i[$i > 0].name`, `{"items":[{"name":"a"},{"name":"b"},{"name":"c"}]}`, `["b","c"]`, ""},
		{`items@$it.tags@$t.{ 'item': $it.name, 'tag': $t }`, `{"items":[{"name":"a","tags":["x","y"]},{"name":"b","tags":["z"]}]}`, ``, ""},
		{`orders.lines.{ 'order': %.id, 'sku': sku }`, `{"orders":[{"id":1,"lines":[{"sku":"p"},{"sku":"q"}]},{"id":2,"lines":[{"sku":"r"}]}]}`, `[{"order":1,"sku":"p"},{"order":1,"sku":"q"},{"order":2,"sku":"r"}]`, ""},
		{`items{ category: $sum(price) }`, `{"items":[{"category":"a","price":1},{"category":"b","price":2},{"category":"a","price":3}]}`, `{"a":4,"b":2}`, ""},
		{`items^(>price, name).name`, `{"items":[{"name":"b","price":1},{"name":"a","price":1},{"name":"c","price":5}]}`, `["c","a","b"]`, ""},
		{`**.v`, `{"a":{"v":1,"b":[{"v":2},{"c":{"v":3}}]}}`, `[1,2,3]`, ""},
		{`*`, `{"a":1,"b":[2,3],"c":{"d":4}}`, `[1,2,3,{"d":4}]`, ""},
		{`$count([1..5]) & '-' & $join(['a','b'], ',')`, ``, `"5-a,b"`, ""},
		{`1 + '1'`, ``, ``, "T2002"},
		{`'a' < 1`, ``, ``, "T2009"},
		{`[1,2] = [1,2]`, ``, `true`, ""},
		{`{'a':1} = {'a':1}`, ``, `true`, ""},
		{`3 in [1,2,3]`, ``, `true`, ""},
		{`missing ?: 'default'`, `{}`, `"default"`, ""},
		{`0 ?: 'default'`, `{}`, `"default"`, ""},
		{`missing ?? 'default'`, `{}`, `"default"`, ""},
		{`0 ?? 'default'`, `{}`, `0`, ""},
		{`$x := 5; $x * 2`, ``, ``, "S0201"},
		{`( $f := function($n) { $n <= 1 ? 1 : $n * $f($n - 1) }; $f(10) )`, ``, `3628800`, ""},
		{`$map([1,2,3], function($v, $i, $a) { $v * $i + $count($a) })`, ``, `[3,5,9]`, ""},
		{`$reduce([1,2,3,4], function($acc, $v) { $acc + $v }, 10)`, ``, `20`, ""},
		{`$filter([1,2,3,4], function($v) { $v % 2 = 0 })`, ``, `[2,4]`, ""},
		{`$single([1,2,3], function($v) { $v = 2 })`, ``, `2`, ""},
		{`$sift({'a':1,'b':2,'c':3}, function($v, $k) { $v > 1 })`, ``, `{"b":2,"c":3}`, ""},
		{`$each({'a':1,'b':2}, function($v, $k) { $k & '=' & $v })`, ``, `["a=1","b=2"]`, ""},
		{`$keys({'b':1, 'a':2, '10':3, '2':4})`, ``, `["2","10","b","a"]`, ""},
		{`$string({'b':1, 'a':[1.5, 0.1+0.2, 1e21, 1e-7]})`, ``, `"{\"b\":1,\"a\":[1.5,0.3,1e+21,1e-7]}"`, ""},
		{`$string({'a':1}, true)`, ``, `"{\n  \"a\": 1\n}"`, ""},
		{`$substring('hello world', -5, 3)`, ``, `"wor"`, ""},
		{`$pad('x', -5, '#')`, ``, `"####x"`, ""},
		{`$replace('John Smith', /(\w+)\s(\w+)/, '$2, $1')`, ``, `"Smith, John"`, ""},
		{`$split('a1b2c3', /\d/)`, ``, `["a","b","c",""]`, ""},
		{`$match('ab12cd345', /\d+/)`, ``, `[{"match":"12","index":2,"groups":[]},{"match":"345","index":6,"groups":[]}]`, ""},
		{`$contains('abc', /B/i)`, ``, `true`, ""},
		{`$uppercase('ab') ~> $substring(1)`, ``, `"B"`, ""},
		{`($inc := function($x){$x+1}; $dbl := function($x){$x*2}; ($inc ~> $dbl)(3))`, ``, `8`, ""},
		{`$add := function($x, $y){$x+$y}; $add2 := $add(?, 2); $add2(5)`, ``, ``, "S0201"},
		{`$sum := function($a)<a<n>:n>{ $reduce($a, function($x,$y){$x+$y}) }; $sum([1,2,3])`, ``, ``, "S0201"},
		{`$ ~> |items|{'qty': qty * 2}, ['tmp']|`, `{"items":[{"qty":1,"tmp":true},{"qty":2}]}`, `{"items":[{"qty":2},{"qty":4}]}`, ""},
		{`$round(2.5) & ' ' & $round(3.5) & ' ' & $round(1.255, 2)`, ``, `"2 4 1.26"`, ""},
		{`$number('0x1F') + $number('1e3')`, ``, `1031`, ""},
		{`$formatBase(255, 16)`, ``, `"ff"`, ""},
		{`$boolean([0, false, ''])`, ``, `false`, ""},
		{`$not('x')`, ``, `false`, ""},
		{`$type(function(){1})`, ``, `"function"`, ""},
		{`$distinct([1,'1',1,[1],[1]])`, ``, `[1,"1",[1]]`, ""},
		{`$merge([{'a':1},{'b':2},{'a':3}])`, ``, `{"a":3,"b":2}`, ""},
		{`$spread({'a':1,'b':2})`, ``, `[{"a":1},{"b":2}]`, ""},
		{`$zip([1,2,3],['a','b'])`, ``, `[[1,"a"],[2,"b"]]`, ""},
		{`$append([1], 2)`, ``, `[1,2]`, ""},
		{`$lookup({'a':{'b':1}}, 'a')`, ``, `{"b":1}`, ""},
		{`$exists(nothing)`, ``, `false`, ""},
		{`$average([1,2,3,4])`, ``, `2.5`, ""},
		{`$max([]) `, ``, ``, ""},
		{`$sort(['b','a','C'])`, ``, `["C","a","b"]`, ""},
		{`$eval('$ + 1', 41)`, ``, `42`, ""},
		{`$encodeUrlComponent('a b&c') & ' ' & $decodeUrl('a%20b')`, ``, `"a%20b%26c a b"`, ""},
		{`$base64encode('hello') & ' ' & $base64decode('aGVsbG8=')`, ``, `"aGVsbG8= hello"`, ""},
		{`[1..3].($ * $)`, ``, `[1,4,9]`, ""},
		{`[[1,2],[3]].$`, ``, `[1,2,3]`, ""},
		{`[[1,2],[3]][0]`, ``, `[1,2]`, ""},
		{`$.[a, b]`, `{"a":1,"b":[2,3]}`, `[1,2,3]`, ""},
		{`{'k': [1][]}`, ``, `{"k":[1]}`, ""},
		{`a.(b + c)`, `{"a":[{"b":1,"c":2},{"b":3,"c":4}]}`, `[3,7]`, ""},
		{`$formatNumber(1234.5678, '#,##0.00')`, ``, `"1,234.57"`, ""},
		{`$fromMillis(1510067557121, '[Y0001]-[M01]-[D01] [H01]:[m01]')`, ``, `"2017-11-07 15:12"`, ""},
		{`$toMillis('2017-11-07T15:12:37.121Z')`, ``, `1510067557121`, ""},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tc.expr)
			var got any
			if err == nil {
				got, err = e.Evaluate(context.Background(), decodeGo(t, tc.input), nil)
			}
			if tc.code != "" {
				var je *Error
				if !errors.As(err, &je) || je.Code != tc.code {
					t.Errorf("Eval(%q) = %v, %v; want error %s", tc.expr, got, err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("Eval(%q): %v", tc.expr, err)
			}
			want := decodeGo(t, tc.want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Eval(%q) mismatch (-want +got):\n%s", tc.expr, diff)
			}
		})
	}
}

func TestEvaluateAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fixed := time.Date(2030, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	double := &Function{Signature: "<n:n>", Fn: func(ctx context.Context, args []any) (any, error) {
		return args[0].(float64) * 2, nil
	}}
	for _, tc := range []struct {
		name  string
		expr  string
		input any
		env   *Env
		want  any
		code  string
	}{
		{"binding", `$states.input.amount * 100`, Undefined,
			&Env{Bindings: map[string]any{"states": map[string]any{"input": map[string]any{"amount": 12.5}}}}, 1250.0, ""},
		{"json.Number input", `a + 1`, map[string]any{"a": json.Number("41")}, nil, 42.0, ""},
		{"undefined result", `nothing`, map[string]any{}, nil, Undefined, ""},
		{"null is not undefined", `a`, map[string]any{"a": nil}, nil, nil, ""},
		{"Go function", `$double(21)`, Undefined, &Env{Bindings: map[string]any{"double": double}}, 42.0, ""},
		{"Go function signature", `$double("x")`, Undefined, &Env{Bindings: map[string]any{"double": double}}, nil, "T0410"},
		{"Go function in $map", `$map([1, 2], $double)`, Undefined, &Env{Bindings: map[string]any{"double": double}}, []any{2.0, 4.0}, ""},
		{"now", `$now()`, Undefined, &Env{Now: func() time.Time { return fixed }}, "2030-01-02T03:04:05.006Z", ""},
		{"millis", `$millis()`, Undefined, &Env{Now: func() time.Time { return fixed }}, float64(fixed.UnixMilli()), ""},
		{"random", `$random()`, Undefined, &Env{Rand: func() float64 { return 0.25 }}, 0.25, ""},
		{"infinity is an error", `1e308 * 10`, Undefined, nil, nil, "D1001"},
		{"depth limit", `($f := function($n) { $n + $f($n) }; $f(1))`, Undefined, &Env{MaxDepth: 100}, nil, "U1001"},
		{"time limit", `($f := function() { $f() }; $f())`, Undefined, &Env{TimeLimit: 20 * time.Millisecond}, nil, "U1001"},
		{"negative zero", `-0 * 1`, Undefined, nil, 0.0, ""},
		{"array input", `$[0] + $count($)`, []any{1.0, 2.0}, nil, 3.0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Evaluate(ctx, tc.input, tc.env)
			if tc.code != "" {
				var je *Error
				if !errors.As(err, &je) || je.Code != tc.code {
					t.Errorf("Eval(%q) = %v, %v; want error %s", tc.expr, got, err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("Eval(%q): %v", tc.expr, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Eval(%q) mismatch (-want +got):\n%s", tc.expr, diff)
			}
			if f, ok := got.(float64); ok && math.Signbit(f) && f == 0 {
				t.Errorf("Eval(%q) = -0", tc.expr)
			}
		})
	}
}

func TestEvaluateJSONKeepsKeyOrder(t *testing.T) {
	t.Parallel()
	e := MustCompile(`{"z": $.z, "a": $keys($), "m": $.m ~> |$|{"b": 1, "a": 2}|}`)
	got, err := e.EvaluateJSON(context.Background(), []byte(`{"z":1,"b":2,"m":{"y":0},"a":3}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"z":1,"a":["z","b","m","a"],"m":{"y":0,"b":1,"a":2}}`
	if string(got) != want {
		t.Errorf("EvaluateJSON = %s, want %s", got, want)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ expr, code string }{
		{`"unterminated`, "S0101"},
		{`1 +`, "S0207"},
		{`(1; 2`, "S0203"},
		{`foo bar`, "S0201"},
		{`$x := 1 := 2`, "S0212"},
		{`function($x, y){1}`, "S0208"},
		{`/*`, "S0106"},
		{`%.a`, "S0217"},
		{`a@b`, "S0214"},
		{`function($x)<n-x:z{1}`, "S0202"},
		{strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000), "S0220"},
	} {
		t.Run(tc.expr[:min(len(tc.expr), 20)], func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tc.expr)
			var je *Error
			if !errors.As(err, &je) || je.Code != tc.code {
				t.Errorf("Compile(%q) error %v, want %s", tc.expr, err, tc.code)
			}
			if je != nil && je.Message == "" {
				t.Errorf("Compile(%q) error has no message", tc.expr)
			}
		})
	}
}

func TestEvaluateConcurrently(t *testing.T) {
	t.Parallel()
	e := MustCompile(`items[price > 10]{ category: $sum(price) } ~> $each(function($v, $k) { $k & $v })`)
	input := map[string]any{"items": []any{
		map[string]any{"category": "a", "price": 11.0},
		map[string]any{"category": "b", "price": 20.0},
		map[string]any{"category": "a", "price": 12.0},
	}}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				got, err := e.Evaluate(context.Background(), input, nil)
				if err != nil {
					t.Error(err)
					return
				}
				if diff := cmp.Diff([]any{"a23", "b20"}, got); diff != "" {
					t.Error(diff)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestEvaluateCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := MustCompile(`[1..100000].($ * 2) ~> $sum()`).Evaluate(ctx, Undefined, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Evaluate with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestValueSharedAcrossEvaluations(t *testing.T) {
	t.Parallel()
	in, err := ParseJSON([]byte(`{"b": [1], "a": [[1, 2]], "c": {"z": 1, "y": 2}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ expr, want string }{
		{`b[]`, `[1]`},
		{`b`, `[1]`},
		{`a[0]`, `[1,2]`},
		{`$keys(c)`, `["z","y"]`},
		{`$ ~> |c|{"x": 3}|`, `{"b":[1],"a":[[1,2]],"c":{"z":1,"y":2,"x":3}}`},
		{`c`, `{"z":1,"y":2}`},
	} {
		for range 2 {
			v, err := MustCompile(tc.expr).Evaluate(context.Background(), in, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(v)
			if diff := cmp.Diff(decodeGo(t, tc.want), decodeGo(t, string(b))); diff != "" {
				t.Errorf("Eval(%q) mismatch (-want +got):\n%s", tc.expr, diff)
			}
		}
	}
}

func TestFunctionResult(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]any{
		`$sum`:                         FunctionResult,
		`function($x) { $x }`:          FunctionResult,
		`{"f": $sum, "n": 1}`:          map[string]any{"f": "", "n": 1.0},
		`$string($sum)`:                "",
		`$type($sum) = "function"`:     true,
		`(1; function($x) { $x * 2 })`: FunctionResult,
	} {
		e, err := Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got, err := e.Evaluate(context.Background(), nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if !cmp.Equal(got, want) {
			t.Errorf("%s = %#v, want %#v", src, got, want)
		}
	}
}
