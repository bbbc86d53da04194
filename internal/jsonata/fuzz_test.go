package jsonata

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

var fuzzSeeds = []string{
	`$states.input.amount * 100`,
	`Account.Order.Product[Price > 30].SKU`,
	`Account.Order#$i.Product.{ "i": $i, "p": %.OrderID }`,
	`$sum(Account.Order.Product.(Price * Quantity))`,
	`{ "a": [1..5], "b": $map([1,2,3], function($v, $i) { $v * $i }) }`,
	`$reduce([1,2,3], λ($a, $b) { $a + $b }, 10)`,
	`( $f := function($n) { $n <= 1 ? 1 : $n * $f($n - 1) }; $f(5) )`,
	`$ ~> | Account.Order | { "x": 1 }, ["OrderID"] |`,
	`Phone^(>number).{ type: number }`,
	`$replace("abc", /b(c)?/i, "[$1]")`,
	`$split("a,b,,c", /,/, 2) ~> $join("-")`,
	`foo ?: bar ?? "baz"`,
	`**.Price[$ > 10]@$p.$string($p)`,
	`$string({"a": 1.23456789012345678, "b": [true, null]}, true)`,
	`$formatNumber(1234.5, "#,##0.00")`,
	`$fromMillis(0, "[Y0001]-[M01]-[D01]")`,
	`$eval("1 + $x", {"x": 2})`,
	`"a" & 1 & true & null & [1] & {"k": "v"}`,
	`[1, [2, [3]]][0][]`,
	`$sort([3, 1, 2], function($a, $b) { $a < $b })`,
	`$substring("hello", -3, 2)`,
	`/* comment */ $count($keys({"a": 1}))`,
	`$partial := $substring(?, 1, ?)`,
	`a.b.c[0].d{ $string(e): f }`,
	`($x ~> | a | {"b": c}, ["d"] |; $$.e ?? f ?: function($v){ $v[g] })`,
}

func FuzzCompile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Compile(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Compile(%q) error %T %v, want *Error", src, err, err)
			}
			return
		}
		// compiling the same source again must succeed too
		if _, err := Compile(e.String()); err != nil {
			t.Fatalf("Compile(%q) second time: %v", src, err)
		}
		// inspecting any compiled expression works
		for _, r := range append(e.InputReferences(), e.Variables()...) {
			if r.Position < 0 {
				t.Fatalf("Compile(%q): reference %+v has a negative position", src, r)
			}
		}
	})
}

func FuzzEvaluate(f *testing.F) {
	const data = `{"states":{"input":{"amount":12.5}},"Account":{"Order":[{"OrderID":"o1","Product":[{"SKU":"a","Price":34.45,"Quantity":2}]},{"OrderID":"o2","Product":[{"SKU":"b","Price":21.67,"Quantity":1}]}]},"Phone":[{"type":"home","number":"0203 544 1234"}],"foo":null,"a":{"b":{"c":[{"d":{"e":1,"f":2}}]}}}`
	for _, s := range fuzzSeeds {
		f.Add(s, data)
	}
	f.Add(`$`, `[1, 2, [3, {"a": 4}]]`)
	f.Add(`*.**`, `"text"`)
	f.Fuzz(func(t *testing.T, src, input string) {
		e, err := Compile(src)
		if err != nil {
			return
		}
		in, err := decodeJSON([]byte(input))
		if err != nil {
			return
		}
		timer := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("Eval(%q) on %q did not finish in 10s", src, input)) })
		defer timer.Stop()
		env := &Env{TimeLimit: 200 * time.Millisecond, MaxDepth: 500, Bindings: map[string]any{"x": 1.0}}
		v, err := e.eval(context.Background(), in, env)
		if err != nil {
			je, ok := err.(*Error)
			if !ok {
				t.Fatalf("Eval(%q) error %T %v, want *Error", src, err, err)
			}
			if je.Code == "U1002" {
				t.Fatalf("Eval(%q) on %s panicked: %v", src, input, err)
			}
			return
		}
		_, _ = toGo(v)
		_, _ = stringify(v, true)
	})
}

// FuzzDecodeJSON checks the JSON decoder: no panics, and decode → encode →
// decode is stable.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[true,null,"x\u00e9\ud83d\ude00"],"10":-1.5e-7}`, `[]`, `"\ud800"`, `0`, `{"a":{"b":{}}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		v, err := decodeJSON([]byte(text))
		if err != nil {
			return
		}
		var b strings.Builder
		if _, err := writeJSONExact(&b, v); err != nil {
			t.Fatalf("encode %q: %v", text, err)
		}
		w, err := decodeJSON([]byte(b.String()))
		if err != nil {
			t.Fatalf("decode %q (from %q): %v", b.String(), text, err)
		}
		if !deepEqual(v, w) {
			t.Fatalf("decode(encode(decode(%q))) = %s, want %s", text, show(w), show(v))
		}
	})
}
