package jsonata

import (
	"math"
	"strconv"
)

// Internal value model. The evaluator works on:
//
//	nil        undefined (no value)
//	jnull      JSON null
//	float64    numbers
//	string, bool
//	*object    JSON objects, keys kept in JavaScript's property order
//	*array     JSON arrays and JSONata sequences (with jsonata-js's array flags)
//	*lambda, *native  functions
//	tuple      an element of a tuple stream (never escapes a path evaluation)
//
// Conversion to and from the plain Go values of encoding/json happens at the
// API boundary (see convert.go).

type nullType struct{}

// jnull is the internal representation of JSON null.
var jnull = nullType{}

// object is a JSON object that iterates its keys in the order JavaScript's
// Object.keys does: integer-like keys ascending first, then the other keys in
// insertion order.
type object struct {
	keys []string
	vals map[string]any
	nIdx int // number of leading integer-like keys in keys
}

func newObject(capacity int) *object {
	return &object{vals: make(map[string]any, capacity), keys: make([]string, 0, capacity)}
}

func (o *object) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

func (o *object) set(k string, v any) {
	if _, ok := o.vals[k]; ok {
		o.vals[k] = v
		return
	}
	o.vals[k] = v
	if idx, ok := arrayIndex(k); ok {
		// insert among the leading integer keys, ascending
		pos := 0
		for pos < o.nIdx {
			other, _ := arrayIndex(o.keys[pos])
			if other > idx {
				break
			}
			pos++
		}
		o.keys = append(o.keys, "")
		copy(o.keys[pos+1:], o.keys[pos:])
		o.keys[pos] = k
		o.nIdx++
		return
	}
	o.keys = append(o.keys, k)
}

func (o *object) del(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, key := range o.keys {
		if key == k {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			if i < o.nIdx {
				o.nIdx--
			}
			break
		}
	}
}

func (o *object) len() int { return len(o.keys) }

// arrayIndex reports whether k is a canonical array index as JavaScript
// defines it (property keys that Object.keys lists first, ascending).
func arrayIndex(k string) (uint64, bool) {
	if k == "" || len(k) > 10 {
		return 0, false
	}
	if k[0] == '0' && len(k) > 1 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n >= 1<<32-1 {
		return 0, false
	}
	return n, true
}

// array is a JSON array or a JSONata sequence, with the flags jsonata-js
// attaches to its arrays.
type array struct {
	items        []any
	sequence     bool // a sequence: singletons collapse to their only item
	keepSingle   bool // keepSingleton: the [] modifier was applied
	cons         bool // built by an array constructor; not flattened by paths
	outerWrapper bool // wraps an input array so it is treated as one value
	tupleStream  bool // items are tuples
}

func newSequence(items ...any) *array {
	return &array{items: items, sequence: true}
}

func newArray(items []any) *array {
	return &array{items: items}
}

// tuple is one element of a tuple stream: '@' holds the context value; the
// other keys are focus, index and ancestor variable bindings.
type tuple map[string]any

func isArray(v any) bool {
	_, ok := v.(*array)
	return ok
}

func isSequence(v any) bool {
	a, ok := v.(*array)
	return ok && a.sequence
}

func isFunction(v any) bool {
	switch v.(type) {
	case *lambda, *native:
		return true
	}
	return false
}

// isNumeric mirrors utils.isNumeric: non-finite numbers are an error D1001.
func isNumeric(v any) (bool, error) {
	f, ok := v.(float64)
	if !ok {
		return false, nil
	}
	if math.IsNaN(f) {
		return false, nil
	}
	if math.IsInf(f, 0) {
		return false, &Error{Code: "D1001", Value: f}
	}
	return true, nil
}

func isArrayOfStrings(v any) bool {
	a, ok := v.(*array)
	if !ok {
		return false
	}
	for _, it := range a.items {
		if _, ok := it.(string); !ok {
			return false
		}
	}
	return true
}

func isArrayOfNumbers(v any) (bool, error) {
	a, ok := v.(*array)
	if !ok {
		return false, nil
	}
	for _, it := range a.items {
		n, err := isNumeric(it)
		if err != nil {
			return false, err
		}
		if !n {
			return false, nil
		}
	}
	return true, nil
}

func isInteger(f float64) bool {
	return !math.IsInf(f, 0) && !math.IsNaN(f) && f == math.Trunc(f)
}

// deepEqual mirrors utils.isDeepEqual.
func deepEqual(l, r any) bool {
	switch lv := l.(type) {
	case nil:
		return r == nil
	case float64:
		rv, ok := r.(float64)
		return ok && lv == rv
	case string:
		rv, ok := r.(string)
		return ok && lv == rv
	case bool:
		rv, ok := r.(bool)
		return ok && lv == rv
	case nullType:
		_, ok := r.(nullType)
		return ok
	case *array:
		rv, ok := r.(*array)
		if !ok {
			if _, isObj := r.(*object); isObj {
				return false
			}
			return false
		}
		if lv == rv {
			return true
		}
		if len(lv.items) != len(rv.items) {
			return false
		}
		for i := range lv.items {
			if !deepEqual(lv.items[i], rv.items[i]) {
				return false
			}
		}
		return true
	case *object:
		rv, ok := r.(*object)
		if !ok {
			return false
		}
		if lv == rv {
			return true
		}
		if lv.len() != rv.len() {
			return false
		}
		for _, k := range lv.keys {
			rval, ok := rv.vals[k]
			if !ok || !deepEqual(lv.vals[k], rval) {
				return false
			}
		}
		return true
	case *lambda:
		rv, ok := r.(*lambda)
		return ok && lv == rv
	case *native:
		rv, ok := r.(*native)
		return ok && lv == rv
	}
	return false
}

// typeName mirrors $type.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return ""
	case nullType:
		return "null"
	case float64:
		return "number"
	case string:
		return "string"
	case bool:
		return "boolean"
	case *array:
		return "array"
	case *lambda, *native:
		return "function"
	}
	return "object"
}

// formatJSNumber formats f as JavaScript's Number.prototype.toString does.
func formatJSNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	case f == math.Trunc(f) && math.Abs(f) < 1<<53:
		return strconv.FormatInt(int64(f), 10)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
	}
	epos := 0
	for epos < len(s) && s[epos] != 'e' {
		epos++
	}
	mant := s[:epos]
	exp, _ := strconv.Atoi(s[epos+1:])
	digits := make([]byte, 0, len(mant))
	for i := 0; i < len(mant); i++ {
		if mant[i] != '.' {
			digits = append(digits, mant[i])
		}
	}
	k := len(digits)
	n := exp + 1
	var out []byte
	if neg {
		out = append(out, '-')
	}
	switch {
	case k <= n && n <= 21:
		out = append(out, digits...)
		for i := 0; i < n-k; i++ {
			out = append(out, '0')
		}
	case 0 < n && n <= 21:
		out = append(out, digits[:n]...)
		out = append(out, '.')
		out = append(out, digits[n:]...)
	case -6 < n && n <= 0:
		out = append(out, '0', '.')
		for i := 0; i < -n; i++ {
			out = append(out, '0')
		}
		out = append(out, digits...)
	default:
		out = append(out, digits[0])
		if k > 1 {
			out = append(out, '.')
			out = append(out, digits[1:]...)
		}
		out = append(out, 'e')
		e := n - 1
		if e >= 0 {
			out = append(out, '+')
		}
		out = strconv.AppendInt(out, int64(e), 10)
	}
	return string(out)
}

// toPrecision15 mirrors Number(val.toPrecision(15)).
func toPrecision15(f float64) float64 {
	s := strconv.FormatFloat(f, 'e', 14, 64)
	r, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return f
	}
	return r
}
