package jsonpath

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decode parses JSON the way the engine does, keeping numbers as json.Number.
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

// store is the example document of Jayway JsonPath's README.
const store = `{
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "expensive": 10
}`

func TestGet(t *testing.T) {
	t.Parallel()
	const misc = `{
  "foo": 123, "bar": ["a", "b", "c"], "car": {"cdr": true},
  "big": 12345678901234567890, "dec": 1.10, "nul": null,
  "my key": {"it's": 1, "a.b": 2, "x]y": 3}, "foo-bar": "dash", "a$b": "dollar",
  "nums": [0, 1, 2, 3, 4, 5],
  "users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}, {"status": "0"}, {"name": "x"}],
  "nested": [[1, 2], [3, 4]],
  "tags": [{"t": ["a", "b"], "s": "abc"}, {"t": [], "s": ""}, {"t": ["c"], "s": "héllo"}],
  "obj": {"a": 1, "b": {"c": 2}},
  "items": [{"itemValue": 1}, {"itemValue": 2}, {"other": 3}]
}`
	for _, tc := range []struct {
		doc, path, want string
	}{
		// Jayway's README examples (object members in sorted key order).
		{store, "$.store.book[*].author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{store, "$..author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{store, "$.store.*", `[{"color":"red","price":19.95},[{"author":"Nigel Rees","category":"reference","price":8.95,"title":"Sayings of the Century"},{"author":"Evelyn Waugh","category":"fiction","price":12.99,"title":"Sword of Honour"},{"author":"Herman Melville","category":"fiction","isbn":"0-553-21311-3","price":8.99,"title":"Moby Dick"},{"author":"J. R. R. Tolkien","category":"fiction","isbn":"0-395-19395-8","price":22.99,"title":"The Lord of the Rings"}]]`},
		{store, "$.store..price", `[19.95,8.95,12.99,8.99,22.99]`},
		{store, "$..book[2].title", `["Moby Dick"]`},
		{store, "$..book[-2].title", `["Moby Dick"]`},
		{store, "$..book[0,1].title", `["Sayings of the Century","Sword of Honour"]`},
		{store, "$..book[:2].title", `["Sayings of the Century","Sword of Honour"]`},
		{store, "$..book[1:2].title", `["Sword of Honour"]`},
		{store, "$..book[-2:].title", `["Moby Dick","The Lord of the Rings"]`},
		{store, "$..book[2:].title", `["Moby Dick","The Lord of the Rings"]`},
		{store, "$..book[?(@.isbn)].title", `["Moby Dick","The Lord of the Rings"]`},
		{store, "$.store.book[?(@.price < 10)].title", `["Sayings of the Century","Moby Dick"]`},
		{store, "$..book[?(@.price <= $['expensive'])].title", `["Sayings of the Century","Moby Dick"]`},
		{store, "$..book[?(@.author =~ /.*REES/i)].title", `["Sayings of the Century"]`},
		{store, "$..book[?(@.author =~ /.*REES/)].title", `[]`},
		{store, "$.store.book[?(@.category == 'fiction' && @.price > 20 || @.price < 9)].price", `[8.95,8.99,22.99]`},
		{store, "$.store.book[?(@.category == 'fiction' && (@.price > 20 || @.price < 9))].price", `[8.99,22.99]`},
		{store, "$.store.book[?(!(@.isbn))].title", `["Sayings of the Century","Sword of Honour"]`},
		{store, "$.store.book[?(!@.isbn)].title", `["Sayings of the Century","Sword of Honour"]`},
		{store, "$.store.book[?(@.category != 'fiction')].title", `["Sayings of the Century"]`},
		{store, "$.store.book[?(@.isbn != '0-553-21311-3')].title", `["Sayings of the Century","Sword of Honour","The Lord of the Rings"]`},
		{store, "$.store.book[?(@.category in ['reference', 'poetry'])].title", `["Sayings of the Century"]`},
		{store, "$.store.book[?(@.category nin ['reference'])].price", `[12.99,8.99,22.99]`},
		{store, "$.store.book[?(@.title size 9)].title", `["Moby Dick"]`},
		{store, "$.store.bicycle[?(@.color == 'red')].price", `[19.95]`},
		{store, "$..[?(@.color)].price", `[19.95]`},
		// AWS "Reference Paths" examples.
		{misc, "$.foo", `123`},
		{misc, "$.bar", `["a","b","c"]`},
		{misc, "$.car.cdr", `true`},
		{misc, "$", ``},
		// Names.
		{misc, "$['foo']", `123`},
		{misc, `$["foo"]`, `123`},
		{misc, "$.['foo']", `123`},
		{misc, "$['my key']['it\\'s']", `1`},
		{misc, "$['my key']['a.b']", `2`},
		{misc, "$['my key']['x]y']", `3`},
		{misc, "$.foo-bar", `"dash"`},
		{misc, "$.a$b", `"dollar"`},
		{misc, "$['foo','car']", `{"car":{"cdr":true},"foo":123}`},
		{misc, "$['foo','missing']", `{"foo":123}`},
		{misc, "$[ 'foo' , 'bar' ][1]", `["b"]`},
		{misc, "  $.foo  ", `123`},
		// Numbers keep their text.
		{misc, "$.big", `12345678901234567890`},
		{misc, "$.dec", `1.10`},
		{misc, "$.nul", `null`},
		// Indexes and slices.
		{misc, "$.bar[0]", `"a"`},
		{misc, "$.bar[-1]", `"c"`},
		{misc, "$.bar[ 1 ]", `"b"`},
		{misc, "$.nums[0,2,-1]", `[0,2,5]`},
		{misc, "$.nums[0,9]", `[0]`},
		{misc, "$.nums[1:3]", `[1,2]`},
		{misc, "$.nums[:2]", `[0,1]`},
		{misc, "$.nums[-2:]", `[4,5]`},
		{misc, "$.nums[:-4]", `[0,1]`},
		{misc, "$.nums[4:10]", `[4,5]`},
		{misc, "$.nums[3:1]", `[]`},
		{misc, "$.nums[1:-1]", `[]`},          // Jayway: an explicit end is not wrapped
		{misc, "$.nums[-3:-1]", `[3,4]`},      // negative bounds step through wrapped indexes
		{misc, "$.nums[-2:2]", `[4,5,0,1]`},   // ... which Jayway lets run past zero
		{misc, "$.nums[::2]", `[0,2,4]`},      // steps are an extension (Python rules)
		{misc, "$.nums[1::2]", `[1,3,5]`},     //
		{misc, "$.nums[::-2]", `[5,3,1]`},     //
		{misc, "$.nums[1:-1:1]", `[1,2,3,4]`}, //
		{misc, "$.nested[*][0]", `[1,3]`},
		{misc, "$.nested[1][1]", `4`},
		// Wildcards.
		{misc, "$.obj.*", `[1,{"c":2}]`},
		{misc, "$.obj[*]", `[1,{"c":2}]`},
		{misc, "$.bar.*", `["a","b","c"]`},
		{misc, "$.foo.*", `[]`},
		{misc, "$.nested[*][*]", `[1,2,3,4]`},
		// Deep scan.
		{misc, "$.obj..c", `[2]`},
		{misc, "$.obj..*", `[1,{"c":2},2]`},
		{misc, "$.nested..[0]", `[[1,2],1,3]`},
		{misc, "$.obj..['a','c']", `[]`},
		{misc, "$.nothing..x", `[]`},
		// Indefinite paths skip what is missing.
		{misc, "$.items[*].itemValue", `[1,2]`},
		{misc, "$.items[1:].itemValue", `[2]`},
		{`{}`, "$.item.items[*]", `[]`},
		{`{}`, "$.item.items[1:5]", `[]`},
		{`{}`, "$.items[*].itemValue", `[]`},
		{misc, "$.foo[*]", `[]`},
		{misc, "$.foo[0:1]", `[]`},
		// Filters.
		{misc, "$.users[?(@.status == 0)].year", `[1997]`},
		{misc, "$.users[?(@.status == 0)]", `[{"status":0,"year":1997},{"status":"0"}]`}, // "0" == 0 in Jayway
		{misc, "$.users[?(@.status === 0)].year", `[1997]`},
		{misc, "$.users[?(@.status !== 0)]", `[{"status":1,"year":1998},{"status":"0"},{"name":"x"}]`},
		{misc, "$.users[?(@.status != 1)].year", `[1997]`},
		{misc, "$.users[?(@.year > 1997)].year", `[1998]`},
		{misc, "$.users[?(@.year >= 1997.0)].year", `[1997,1998]`},
		{misc, "$.users[?(@.year<1998)].year", `[1997]`},
		{misc, "$.users[?(@.year <= -1)]", `[]`},
		{misc, "$.users[?(@.year == 1.997e3)].year", `[1997]`},
		{misc, "$.users[?(@.name)]", `[{"name":"x"}]`},
		{misc, "$.users[?(@.year && @.status)].year", `[1997,1998]`},
		{misc, "$.users[?(@.status in [1, 2])].year", `[1998]`},
		{misc, "$.users[?(@.name nin ['y'])].name", `["x"]`},
		{misc, "$.nums[?(@ > 3)]", `[4,5]`},
		{misc, "$.nums[?(@ == '3')]", `[3]`},
		{misc, "$.nums[?(@ in $.nums[1:3])]", `[1,2]`},
		{misc, "$.tags[?(@.t contains 'b')].s", `["abc"]`},
		{misc, "$.tags[?(@.s contains 'llo')].s", `["héllo"]`},
		{misc, "$.tags[?(@.t empty true)].s", `[""]`},
		{misc, "$.tags[?(@.s empty false)].s", `["abc","héllo"]`},
		{misc, "$.tags[?(@.t size 2)].s", `["abc"]`},
		{misc, "$.tags[?(@.s size 5)].s", `["héllo"]`},
		{misc, "$.tags[?(@.t subsetof ['a', 'b', 'x'])].s", `["abc",""]`},
		{misc, "$.tags[?(@.t anyof ['c', 'x'])].s", `["héllo"]`},
		{misc, "$.tags[?(@.t noneof ['a'])].s", `["","héllo"]`},
		{misc, "$.tags[?(@.t == ['a','b'])].s", `["abc"]`},
		{misc, "$.tags[?(@.s =~ /h.llo/)].s", `["héllo"]`},
		{misc, "$.tags[?(@.s > 'abc')].s", `["héllo"]`},
		{misc, "$.obj[?(@.a == 1)]", `[{"a":1,"b":{"c":2}}]`}, // a filter on an object tests the object
		{misc, "$.obj.b[?(@.c)].c", `[2]`},
		{misc, "$.obj[?(@.b.c == 2 && @.a)].a", `[1]`},
		{misc, "$[?(@.foo == 123)].foo", `[123]`},
		{misc, "$.foo[?(@ == 123)]", `[]`},
		// Context and variable roots address the document they are given.
		{`{"Execution": {"Input": {"foo": 1}}}`, "$$.Execution.Input.foo", `1`},
		{`{"field": [10, 20]}`, "$myVar.field[0]", `10`},
		{`"whole"`, "$myVar", `"whole"`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tc.path)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tc.path, err)
			}
			doc := decode(t, tc.doc)
			got, err := p.Get(doc)
			if err != nil {
				t.Fatalf("Get(%q) = %v", tc.path, err)
			}
			want := tc.want
			if want == "" {
				want = encode(t, doc)
			}
			if diff := cmp.Diff(encode(t, decode(t, want)), encode(t, got)); diff != "" {
				t.Errorf("Get(%q) mismatch (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}

func TestGetNoMatch(t *testing.T) {
	t.Parallel()
	doc := `{"a": {"b": "str"}, "arr": [1, 2], "n": null, "big": 1e400}`
	for _, tc := range []struct{ path, msg string }{
		{"$.missing", `path $.missing: $ has no field "missing"`},
		{"$.a.c", `path $.a.c: $.a has no field "c"`},
		{"$.a.b.c", `path $.a.b.c: $.a.b is a string, not an object`},
		{"$.n.x", `path $.n.x: $.n is null, not an object`},
		{"$.arr[2]", `path $.arr[2]: index 2 is out of range for $.arr of length 2`},
		{"$.arr[-3]", `path $.arr[-3]: index -3 is out of range for $.arr of length 2`},
		{"$.a[0]", `path $.a[0]: $.a is an object, not an array`},
		{"$.arr.x", `path $.arr.x: $.arr is an array, not an object`},
		{"$.arr[0].x", `path $.arr[0].x: $.arr[0] is a number, not an object`},
		{"$['my key']", `path $['my key']: $ has no field "my key"`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			got, err := MustCompile(tc.path).Get(decode(t, doc))
			if !errors.Is(err, ErrNoMatch) {
				t.Fatalf("Get(%q) = %v, %v; want ErrNoMatch", tc.path, got, err)
			}
			if want := tc.msg + ": " + ErrNoMatch.Error(); err.Error() != want {
				t.Errorf("Get(%q) error = %q, want %q", tc.path, err, want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path string
		pos  int
		msg  string
	}{
		{"", 0, "a path must start with '$'"},
		{"foo", 0, "a path must start with '$'"},
		{"@.a", 0, "a path must start with '$'"},
		{"$.", 1, "a path must not end with '.'"},
		{"$..", 1, "a path must not end with '..'"},
		{"$.a.", 3, "a path must not end with '.'"},
		{"$...a", 3, "unexpected '.'"},
		{"$.a b", 3, "use bracket notation ['my name'] for a name with blanks"},
		{"$.length()", 8, "functions such as length() are not supported"},
		{"$[", 1, "unclosed '['"},
		{"$[0", 1, "unclosed '['"},
		{"$['a", 2, "unterminated string"},
		{"$['a'", 5, "expected ']' but the path ended"},
		{"$['a' 'b']", 6, `expected ']' but found "'b']"`},
		{"$[a]", 2, "expected a quoted name, an index, a slice, '*' or a filter '?(' after '['"},
		{"$[1a]", 3, `unexpected 'a' in an index or slice`},
		{"$[1,]", 2, `invalid index ""`},
		{"$[1:2:3:4]", 2, `invalid slice "1:2:3:4"`},
		{"$[::0]", 2, "slice step must not be 0"},
		{"$[99999999999999999999]", 2, `invalid index "99999999999999999999"`},
		{"$[*", 3, "expected ']' but the path ended"},
		{"$[?(@.a ==)]", 10, `expected a value but found ")]"`},
		{"$[?(@.a == 1]", 12, "expected ')' but found \"]\""},
		{"$[?(@.a == 1)", 13, "expected ']' but the path ended"},
		{"$[?(1)]", 4, "expected a path or a comparison"},
		{"$[?(@.a all [1])]", 8, `the operator "all" is not supported`},
		{"$[?(!@.a == 1)]", 4, "'!' before a path is only allowed in an existence check; write !(...) to negate a comparison"},
		{"$[?(@.a =~ /[/)]", 11, "invalid regular expression: error parsing regexp: missing closing ]: `[)$`"},
		{"$[?(@.a =~ /x/x)]", 14, `unsupported regular expression flag 'x'`},
		{"$[?(@.a == 1-2)]", 11, `invalid number "1-2"`},
		{"$[?(@.a == [1,)]", 14, `expected a value but found ")]"`},
		{"$x-y", 2, `expected '.' or '[' but found "-y"`},
		{"$.a]", 3, ``}, // Jayway reads "a]" as a name; checked below
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tc.path)
			if tc.msg == "" {
				if err != nil {
					t.Errorf("Compile(%q) = %v, want success", tc.path, err)
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) = %v, want *SyntaxError", tc.path, err)
			}
			if se.Pos != tc.pos || se.Msg != tc.msg || se.Path != tc.path {
				t.Errorf("Compile(%q) = %+v, want pos %d msg %q", tc.path, *se, tc.pos, tc.msg)
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not mention the path", err)
			}
		})
	}
}

func TestRootAndDefinite(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path      string
		root      Root
		variable  string
		definite  bool
		canonical string
	}{
		{"$", RootInput, "", true, "$"},
		{"$$", RootContext, "", true, "$$"},
		{"$$.Map.Item.Value", RootContext, "", true, "$$.Map.Item.Value"},
		{"$myVar", RootVariable, "myVar", true, "$myVar"},
		{"$my_var2.field[0]", RootVariable, "my_var2", true, "$my_var2.field[0]"},
		{"$_x['a b']", RootVariable, "_x", true, "$_x['a b']"},
		{"$ünï.x", RootVariable, "ünï", true, "$ünï.x"},
		{"$.a.b[0][-1]", RootInput, "", true, "$.a.b[0][-1]"},
		{"$['a']['b c']", RootInput, "", true, "$.a['b c']"},
		{"$.a['b','c']", RootInput, "", true, "$.a['b','c']"},
		{"$['b','c'].a", RootInput, "", false, "$['b','c'].a"},
		{"$.a[0,1]", RootInput, "", false, "$.a[0,1]"},
		{"$.a[1:]", RootInput, "", false, "$.a[1:]"},
		{"$.a[ : -1 ]", RootInput, "", false, "$.a[:-1]"},
		{"$.a[::2]", RootInput, "", false, "$.a[::2]"},
		{"$.a.*", RootInput, "", false, "$.a.*"},
		{"$.a[ * ]", RootInput, "", false, "$.a.*"},
		{"$..a", RootInput, "", false, "$..a"},
		{"$..*", RootInput, "", false, "$..*"},
		{"$..[0]", RootInput, "", false, "$..[0]"},
		{"$..['a b']", RootInput, "", false, "$..['a b']"},
		{"$.a[?(@.b)]", RootInput, "", false, "$.a[?(@.b)]"},
		{`$[?(@.a=="x"&&@.b>1||!(@.c))]`, RootInput, "", false, "$[?((@.a == 'x' && @.b > 1) || !(@.c))]"},
		{`$[?(@['a b'] IN ['x', "y"])]`, RootInput, "", false, "$[?(@['a b'] in ['x','y'])]"},
		{`$[?(@.a =~ /a\/b/i && $.x[0] != null)]`, RootInput, "", false, `$[?(@.a =~ /a\/b/i && $.x[0] != null)]`},
		{`$[?(@.a == {'k': [1, true]})]`, RootInput, "", false, `$[?(@.a == {'k':[1,true]})]`},
		{`$[?(@.a == 'it\'s')]`, RootInput, "", false, `$[?(@.a == 'it\'s')]`},
		{`$['\u0041']`, RootInput, "", true, `$.A`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tc.path)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tc.path, err)
			}
			if p.Root() != tc.root || p.Variable() != tc.variable || p.Definite() != tc.definite || p.String() != tc.path {
				t.Errorf("Compile(%q) = root %v var %q definite %v string %q; want %v %q %v",
					tc.path, p.Root(), p.Variable(), p.Definite(), p.String(), tc.root, tc.variable, tc.definite)
			}
			if got := p.canonical(); got != tc.canonical {
				t.Errorf("canonical(%q) = %q, want %q", tc.path, got, tc.canonical)
			}
		})
	}
}

func TestSet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		doc, path, value, want string
	}{
		{`{"a": 1}`, "$", `{"x": 2}`, `{"x": 2}`},
		{`{"a": 1}`, "$.b", `2`, `{"a": 1, "b": 2}`},
		{`{"a": 1}`, "$.a", `[1]`, `{"a": [1]}`},
		{`{"a": 1}`, "$.x.y.z", `true`, `{"a": 1, "x": {"y": {"z": true}}}`},
		{`{"a": {"b": 1}}`, "$.a.c", `null`, `{"a": {"b": 1, "c": null}}`},
		{`{"a": {"b": 1}}`, "$['a']['my key']", `"v"`, `{"a": {"b": 1, "my key": "v"}}`},
		{`{"arr": [{"v": 1}, {"v": 2}]}`, "$.arr[1].v", `3`, `{"arr": [{"v": 1}, {"v": 3}]}`},
		{`{"arr": [1, 2]}`, "$.arr[0]", `{"n": 1}`, `{"arr": [{"n": 1}, 2]}`},
		{`"scalar"`, "$", `1`, `1`},
		{`{"n": 12345678901234567890}`, "$.m", `0.10`, `{"n": 12345678901234567890, "m": 0.10}`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			p, err := CompileReference(tc.path)
			if err != nil {
				t.Fatalf("CompileReference(%q): %v", tc.path, err)
			}
			doc := decode(t, tc.doc)
			before := encode(t, doc)
			got, err := p.Set(doc, decode(t, tc.value))
			if err != nil {
				t.Fatalf("Set(%q) = %v", tc.path, err)
			}
			if diff := cmp.Diff(encode(t, decode(t, tc.want)), encode(t, got)); diff != "" {
				t.Errorf("Set(%q) mismatch (-want +got):\n%s", tc.path, diff)
			}
			if after := encode(t, doc); after != before {
				t.Errorf("Set(%q) modified its input: %s, was %s", tc.path, after, before)
			}
		})
	}
}

func TestSetErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ doc, path, msg string }{
		{`{"a": "str"}`, "$.a.b", `path $.a.b: cannot set field "b": $.a is a string, not an object`},
		{`{"a": null}`, "$.a.b", `path $.a.b: cannot set field "b": $.a is null, not an object`},
		{`[1]`, "$.a", `path $.a: cannot set field "a": $ is an array, not an object`},
		{`"s"`, "$.a", `path $.a: cannot set field "a": $ is a string, not an object`},
		{`{"a": [1]}`, "$.a[1]", `path $.a[1]: cannot set index 1: $.a has length 1`},
		{`{"a": {}}`, "$.a[0]", `path $.a[0]: cannot set index 0: $.a is an object, not an array`},
		{`{}`, "$.a[0]", `path $.a[0]: cannot set index 0: $.a does not exist`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			_, err := MustCompile(tc.path).Set(decode(t, tc.doc), "v")
			if err == nil || err.Error() != tc.msg {
				t.Errorf("Set(%q) = %v, want %q", tc.path, err, tc.msg)
			}
		})
	}
	if _, err := MustCompile("$.a[*]").Set(map[string]any{}, 1); err == nil {
		t.Error("Set through a wildcard succeeded")
	}
}

func TestCompileReference(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"$", "$.a", "$['a b'].c[0]", "$$.Execution.Input", "$var.x[2]"} {
		if _, err := CompileReference(path); err != nil {
			t.Errorf("CompileReference(%q) = %v", path, err)
		}
	}
	for _, path := range []string{"$.a[*]", "$..a", "$.a[-1]", "$.a[0,1]", "$.a[1:]", "$['a','b']", "$.a[?(@.b)]", "$.a.*"} {
		_, err := CompileReference(path)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("CompileReference(%q) = %v, want *SyntaxError", path, err)
		}
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{`1`, `1.0`, true},
		{`1e2`, `100`, true},
		{`-0`, `0.0`, true},
		{`12345678901234567890`, `12345678901234567891`, false},
		{`0.1`, `0.10`, true},
		{`"1"`, `1`, false},
		{`{"a": [1, {"b": null}]}`, `{"a": [1.0, {"b": null}]}`, true},
		{`{"a": 1}`, `{"a": 1, "b": 2}`, false},
		{`[1, 2]`, `[2, 1]`, false},
		{`true`, `true`, true},
		{`null`, `false`, false},
	} {
		if got := Equal(decode(t, tc.a), decode(t, tc.b)); got != tc.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	if !Equal(json.Number("2"), 2.0) || !Equal(int64(3), json.Number("3.0")) {
		t.Error("Equal does not compare Go numbers by value")
	}
}

func TestCompareNumbers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1", "2", -1},
		{"-1", "-2", 1},
		{"0.5", "0.25", 1},
		{"1e3", "999", 1},
		{"-1e-3", "0", -1},
		{"12345678901234567890", "12345678901234567891", -1},
		{"1.000", "1", 0},
		{"1e999999999999999999999", "1e999999999999999999998", 0}, // clamped exponents
	} {
		if got := compareNumbers(tc.a, tc.b); got != tc.want {
			t.Errorf("compareNumbers(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCompareNumbersMatchesBigRat(t *testing.T) {
	t.Parallel()
	nums := []string{"0", "-0", "0.0", "007", "7", "7.0", "70e-1", "0.0012", "1.2e-3", "12E-4", "100", "1e2", "1E+2",
		"10.5", "1.05e1", "105e-1", "1.50", "1.5", "-1.5", "-1.49", "12.34", "12.340001", "-12.34", "99.99", "100.001",
		"12345678901234567890", "12345678901234567891", "1.2345678901234567890123e19", "+3", ".5", "5.", "0.5"}
	for _, a := range nums {
		for _, b := range nums {
			ra, _ := new(big.Rat).SetString(strings.TrimSuffix(a, "."))
			rb, _ := new(big.Rat).SetString(strings.TrimSuffix(b, "."))
			if got, want := compareNumbers(a, b), ra.Cmp(rb); got != want {
				t.Errorf("compareNumbers(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
	for _, tc := range []struct {
		s    string
		want int64
		ok   bool
	}{
		{"2", 2, true}, {"2.0", 2, true}, {"1.0e2", 100, true}, {"-3e0", -3, true}, {"0.0", 0, true},
		{"1.5", 0, false}, {"1e19", 0, false}, {"9.223372036854775807e18", 9223372036854775807, true},
	} {
		if got, ok := decimalInt(tc.s); got != tc.want || ok != tc.ok {
			t.Errorf("decimalInt(%s) = %d, %v; want %d, %v", tc.s, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCompareUTF16(t *testing.T) {
	t.Parallel()
	// U+FF5E sorts after U+1F600 in UTF-16 (0xFF5E > 0xD83D) but before it in UTF-8.
	if got := compareUTF16("\uFF5E", "\U0001F600"); got != 1 {
		t.Errorf("compareUTF16 = %d, want 1", got)
	}
	if got := compareUTF16("ab", "abc"); got != -1 {
		t.Errorf("compareUTF16 = %d, want -1", got)
	}
}

func TestGetConcurrent(t *testing.T) {
	t.Parallel()
	p := MustCompile("$.store.book[?(@.price < 10)].title")
	doc := decode(t, store)
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				if _, err := p.Get(doc); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"$", "$$", "$$.Execution.Input", "$var.a[0]", "$.a.b", "$['a b']['c\\'d']", "$.a[0,1]", "$.a[1:3]",
		"$.a[::-1]", "$..a", "$..*", "$.*", "$[*]", "$.a[?(@.b < 10)]", "$[?(@.a == 'x' && @.b > 1 || !(@.c))]",
		"$[?(@.a =~ /x.*/i)]", "$[?(@.a in [1, 'b', {'c': null}])]", "$[?(!@.a)]", "$.a['b','c']", "$.foo-bar",
		"$[?(@.t size 2 && @.u empty false)]", `$[?(@.a == "q\"")]`, "$[?($.x[0] != null)]",
	} {
		f.Add(s)
	}
	doc := decode(f, store)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Compile(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) returned %T, want *SyntaxError", s, err)
			}
			return
		}
		c := p.canonical()
		p2, err := Compile(c)
		if err != nil {
			t.Fatalf("Compile(%q) ok but its canonical form %q fails: %v", s, c, err)
		}
		if c2 := p2.canonical(); c2 != c {
			t.Fatalf("canonical form unstable: %q -> %q -> %q", s, c, c2)
		}
		if p2.Root() != p.Root() || p2.Variable() != p.Variable() || p2.Definite() != p.Definite() {
			t.Fatalf("canonical form %q of %q changed root, variable or definiteness", c, s)
		}
		v1, err1 := p.Get(doc)
		v2, err2 := p2.Get(doc)
		if (err1 == nil) != (err2 == nil) || !Equal(v1, v2) {
			t.Fatalf("Get differs: %q = %v, %v; %q = %v, %v", s, v1, err1, c, v2, err2)
		}
		if err1 != nil && !errors.Is(err1, ErrNoMatch) {
			t.Fatalf("Get(%q) = %v, want ErrNoMatch", s, err1)
		}
		if rp, err := CompileReference(s); err == nil {
			// Whatever Set writes, Get reads back.
			if out, err := rp.Set(doc, "x"); err == nil {
				if got, err := rp.Get(out); err != nil || got != "x" {
					t.Fatalf("Get(%q) after Set = %v, %v; want x", s, got, err)
				}
			}
		}
	})
}

func BenchmarkGetDefinite(b *testing.B) {
	p := MustCompile("$.store.book[2].title")
	doc := decode(b, store)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Get(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetFilter(b *testing.B) {
	p := MustCompile("$.store.book[?(@.price < 10 && @.category == 'fiction')].title")
	doc := decode(b, store)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Get(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile("$.store.book[?(@.price < 10 && @.category == 'fiction')].title"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSet(b *testing.B) {
	p := MustCompile("$.store.bicycle.owner")
	doc := decode(b, store)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Set(doc, "Ada"); err != nil {
			b.Fatal(err)
		}
	}
}
