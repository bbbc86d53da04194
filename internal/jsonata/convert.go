package jsonata

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fromGo converts a Go value (as produced by encoding/json, or a *Function)
// into the internal value model.
func fromGo(v any) (any, error) {
	return fromGoDepth(v, 0)
}

func fromGoDepth(v any, depth int) (any, error) {
	if depth > maxNesting {
		return nil, nestingError()
	}
	switch x := v.(type) {
	case nil:
		return jnull, nil
	case undefinedType:
		return nil, nil
	case nullType:
		return jnull, nil
	case string, bool:
		return v, nil // reuse the interface: no new allocation
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, &Error{Code: "D1001", Value: x}
		}
		return v, nil
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, &Error{Code: "D1001", Value: string(x)}
		}
		return f, nil
	case float32:
		return fromGoDepth(float64(x), depth)
	case int:
		return float64(x), nil
	case int8:
		return float64(x), nil
	case int16:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint:
		return float64(x), nil
	case uint8:
		return float64(x), nil
	case uint16:
		return float64(x), nil
	case uint32:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		if len(keys) > 1 {
			sort.Strings(keys)
		}
		o := newObject(len(keys))
		for _, k := range keys {
			cv, err := fromGoDepth(x[k], depth+1)
			if err != nil {
				return nil, err
			}
			if cv != nil {
				o.set(k, cv)
			}
		}
		return o, nil
	case []any:
		items := make([]any, 0, len(x))
		for _, it := range x {
			cv, err := fromGoDepth(it, depth+1)
			if err != nil {
				return nil, err
			}
			if cv != nil {
				items = append(items, cv)
			}
		}
		return newArray(items), nil
	case json.RawMessage:
		return decodeJSON(x)
	case *Function:
		return x.native(), nil
	case Value:
		return x.v, nil
	case *Value:
		if x == nil {
			return jnull, nil
		}
		return x.v, nil
	case *object, *array, *lambda, *native:
		return x, nil
	}
	// Anything else: round-trip through encoding/json.
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Func {
		return nil, fmt.Errorf("jsonata: cannot bind a Go func of type %T; use *jsonata.Function", v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("jsonata: convert %T: %w", v, err)
	}
	return decodeJSON(b)
}

// toGo converts an internal value to plain JSON values: map[string]any,
// []any, string, float64, bool and nil. Undefined becomes Undefined at the
// top level and is dropped inside arrays and objects.
func toGo(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return Undefined, nil
	case nullType:
		return nil, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, &Error{Code: "D1001", Value: x}
		}
		if x == 0 {
			return 0.0, nil // no negative zero
		}
		return v, nil
	case string, bool:
		return v, nil
	case *object:
		m := make(map[string]any, x.len())
		for _, k := range x.keys {
			val := x.vals[k]
			if val == nil {
				continue
			}
			gv, err := toGo(val)
			if err != nil {
				return nil, err
			}
			m[k] = gv
		}
		return m, nil
	case *array:
		out := make([]any, 0, len(x.items))
		for _, it := range x.items {
			if it == nil {
				continue
			}
			gv, err := toGo(it)
			if err != nil {
				return nil, err
			}
			out = append(out, gv)
		}
		return out, nil
	case *lambda, *native:
		// A function is not a JSON value; jsonata-js serialises it as "".
		return "", nil
	case tuple:
		return toGo(x["@"])
	}
	return nil, fmt.Errorf("jsonata: unexpected value of type %T", v)
}

// stringify mirrors JSON.stringify with the replacer fn.string uses: numbers
// are rounded to 15 significant digits and functions become "".
func stringify(v any, pretty bool) (string, error) {
	var b strings.Builder
	ok, err := writeJSON(&b, v, pretty, "", false)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", nil
	}
	return b.String(), nil
}

// writeJSON writes v and reports whether anything was written (undefined
// writes nothing).
func writeJSON(b *strings.Builder, v any, pretty bool, indent string, exact bool) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case nullType:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case float64:
		if math.IsInf(x, 0) {
			return false, &Error{Code: "D1001", Value: x}
		}
		if math.IsNaN(x) {
			if exact {
				return false, &Error{Code: "D1001", Value: x}
			}
			b.WriteString("null")
			break
		}
		if !exact && !isInteger(x) {
			x = toPrecision15(x)
		}
		b.WriteString(formatJSNumber(x))
	case string:
		writeJSONString(b, x)
	case *lambda, *native:
		b.WriteString(`""`)
	case tuple:
		return writeJSON(b, x["@"], pretty, indent, exact)
	case *array:
		if len(x.items) == 0 {
			b.WriteString("[]")
			break
		}
		inner := indent + "  "
		b.WriteByte('[')
		for i, it := range x.items {
			if i > 0 {
				b.WriteByte(',')
			}
			if pretty {
				b.WriteByte('\n')
				b.WriteString(inner)
			}
			ok, err := writeJSON(b, it, pretty, inner, exact)
			if err != nil {
				return false, err
			}
			if !ok {
				b.WriteString("null")
			}
		}
		if pretty {
			b.WriteByte('\n')
			b.WriteString(indent)
		}
		b.WriteByte(']')
	case *object:
		inner := indent + "  "
		b.WriteByte('{')
		first := true
		for _, k := range x.keys {
			val := x.vals[k]
			if val == nil {
				continue
			}
			var vb strings.Builder
			ok, err := writeJSON(&vb, val, pretty, inner, exact)
			if err != nil {
				return false, err
			}
			if !ok {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			if pretty {
				b.WriteByte('\n')
				b.WriteString(inner)
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			if pretty {
				b.WriteByte(' ')
			}
			b.WriteString(vb.String())
		}
		if pretty && !first {
			b.WriteByte('\n')
			b.WriteString(indent)
		}
		b.WriteByte('}')
	default:
		return false, fmt.Errorf("jsonata: cannot serialise %T", v)
	}
	return true, nil
}

const hexDigits = "0123456789abcdef"

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				b.WriteString(`\"`)
			case '\\':
				b.WriteString(`\\`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				if c < 0x20 {
					b.WriteString(`\u00`)
					b.WriteByte(hexDigits[c>>4])
					b.WriteByte(hexDigits[c&0xf])
				} else {
					b.WriteByte(c)
				}
			}
			i++
			continue
		}
		if c == 0xED && i+2 < len(s) && s[i+1] >= 0xA0 && s[i+1] <= 0xBF && s[i+2] >= 0x80 && s[i+2] <= 0xBF {
			// a lone surrogate (WTF-8): JSON.stringify escapes it
			r := rune(0xD000) | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
			b.WriteString(`\u`)
			b.WriteString(strconv.FormatInt(int64(r), 16))
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\ufffd`)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}

// writeJSONExact writes a result as JSON text with numbers at full
// precision; non-finite numbers are error D1001.
func writeJSONExact(b *strings.Builder, v any) (bool, error) {
	return writeJSON(b, v, false, "", true)
}
