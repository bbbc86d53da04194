package jsonata

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// refNames lists the names of refs, with a "~" before Deferred ones.
func refNames(refs []Reference) []string {
	out := []string{}
	for _, r := range refs {
		s := r.Name
		if r.Deferred {
			s = "~" + s
		}
		out = append(out, s)
	}
	return out
}

func TestInputReferences(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		expr string
		want []string
	}{
		// Read the input.
		{`foo`, []string{"foo"}},
		{"`a b`.c", []string{"a b"}},
		{`"a".b`, []string{"a"}},
		{`input.foo`, []string{"input"}},
		{`$`, []string{"$"}},
		{`$.foo`, []string{"$"}},
		{`$$`, []string{"$$"}},
		{`$$.foo`, []string{"$$"}},
		{`*`, []string{"*"}},
		{`**.v`, []string{"**"}},
		{`a + b * c`, []string{"a", "b", "c"}},
		{`a + a`, []string{"a", "a"}},
		{`-a`, []string{"a"}},
		{`$not(a)`, []string{"a"}},
		{`not(a)`, []string{"not", "a"}},
		{`a ? b : c`, []string{"a", "b", "c"}},
		{`a ?: b`, []string{"a", "b"}},
		{`a ?? b`, []string{"a", "b"}},
		{`($x := a; $x + b)`, []string{"a", "b"}},
		{`$sum(price)`, []string{"price"}},
		{`$count($states.input.items) + $count(items)`, []string{"items"}},
		{`[a, 1, b]`, []string{"a", "b"}},
		{`[1..n]`, []string{"n"}},
		{`{"k": v, key: 1}`, []string{"v", "key"}},
		{`a ~> $uppercase()`, []string{"a"}},
		{`(a).b`, []string{"a"}},
		{`$f(?, a)`, []string{"a"}},
		{`a.$b`, []string{"a"}},
		{`function($x){ $x + y }`, []string{"~y"}},
		{`$map([1], function($v){ $v + $ })`, []string{"~$"}},
		{`$x[$$.a > 1]`, []string{"$$"}},
		{`$x.(function(){ $$ })`, []string{"~$$"}},
		// Read something else.
		{`$states.input.items[price > 10].name`, nil},
		{`$x[$.total > 10]`, nil},
		{`$x.$`, nil},
		{`$x.{ "n": name }`, nil},
		{`$x^(>price).name`, nil},
		{`$x{ category: $sum(price) }`, nil},
		{`$x.items#$i[$i > 0].name`, nil},
		{`$x@$it.tags@$t.{ 'item': $it.name }`, nil},
		{`$x.orders.lines.{ 'order': %.id }`, nil},
		{`$x ~> | a | {"b": c} |`, nil},
		{`$f := function($x){ $x.y }`, nil},
		{`$x[0].foo`, nil},
		{`$sum($x.price)`, nil},
		{`"text" & 1 & true & null & /re/`, nil},
		{`$x.(y)`, nil},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == nil {
				want = []string{}
			}
			if diff := cmp.Diff(want, refNames(e.InputReferences())); diff != "" {
				t.Errorf("Compile(%q).InputReferences() (-want +got):\n%s", tc.expr, diff)
			}
		})
	}
}

func TestInputReferencePositions(t *testing.T) {
	t.Parallel()
	e := MustCompile(`1 + foo + $states.input.bar + $`)
	want := []Reference{{Name: "foo", Position: 4}, {Name: "$", Position: 30}}
	if diff := cmp.Diff(want, e.InputReferences()); diff != "" {
		t.Errorf("InputReferences (-want +got):\n%s", diff)
	}
}

func TestVariables(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`$eval("1")`, []string{"eval"}},
		{`$states.input.a + $n`, []string{"states", "n"}},
		{`($f := $eval; $f("1"))`, []string{"eval", "f"}},
		{`function($x){ $x + $y }`, []string{"x", "y"}},
		{`$x ?? 1`, []string{"exists", "x"}},
		{`$a[$b > 1]{ $c: $d }^($e)`, []string{"a", "b", "c", "d", "e"}},
		{`$a#$i.b@$v`, []string{"a"}},
		{`$a ~> | b | {"c": $d} |`, []string{"a", "d"}},
		{`$ + $$`, []string{}},
		{`foo`, []string{}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, r := range MustCompile(tc.expr).Variables() {
				got = append(got, r.Name)
			}
			if got == nil {
				got = []string{}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Compile(%q).Variables() (-want +got):\n%s", tc.expr, diff)
			}
		})
	}
}

func TestBindingUndefinedHidesBuiltin(t *testing.T) {
	t.Parallel()
	env := &Env{Bindings: map[string]any{"eval": Undefined}}
	for _, tc := range []struct{ expr, want, code string }{
		{`$eval("1 + 1")`, "", "T1006"},
		{`$exists($eval)`, "false", ""},
		{`$string(1)`, `"1"`, ""},
	} {
		got, err := MustCompile(tc.expr).EvaluateJSON(context.Background(), nil, env)
		if tc.code != "" {
			if je, ok := err.(*Error); !ok || je.Code != tc.code {
				t.Errorf("Evaluate(%q) error = %v, want %s", tc.expr, err, tc.code)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("Evaluate(%q) = %s, %v; want %s", tc.expr, got, err, tc.want)
		}
	}
	// Without the binding $eval is the built-in.
	if got, err := MustCompile(`$eval("1 + 1")`).EvaluateJSON(context.Background(), nil, nil); err != nil || string(got) != "2" {
		t.Errorf(`Evaluate("$eval(...)") = %s, %v; want 2`, got, err)
	}
}
