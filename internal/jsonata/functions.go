package jsonata

import (
	"encoding/base64"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file ports the built-in functions of jsonata-js src/functions.js.

// builtinFrame is the static frame holding the built-in functions. It is
// never written to after init, so evaluations may share it.
var builtinFrame = newFrame(nil)

func define(name, sig string, arity, nparams int, fn func(ev *evaluator, c call, args []any) (any, error)) {
	builtinFrame.bind(name, &native{name: name, sig: mustSignature(sig), arity: arity, nparams: nparams, fn: fn})
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

func argArray(args []any, i int) (*array, bool) {
	a, ok := arg(args, i).(*array)
	return a, ok
}

func argString(args []any, i int) (string, bool) {
	s, ok := arg(args, i).(string)
	return s, ok
}

func argNumber(args []any, i int) (float64, bool) {
	f, ok := arg(args, i).(float64)
	return f, ok
}

func badArg(args []any, i int) error {
	return &Error{Code: "T0410", Value: arg(args, i), index: i + 1}
}

func init() {
	define("sum", "<a<n>:n>", 1, 1, fnSum)
	define("count", "<a:n>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		a, ok := argArray(args, 0)
		if !ok {
			return 0.0, nil
		}
		return float64(len(a.items)), nil
	})
	define("max", "<a<n>:n>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		return extreme(args, 1)
	})
	define("min", "<a<n>:n>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		return extreme(args, -1)
	})
	define("average", "<a<n>:n>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		a, ok := argArray(args, 0)
		if !ok || len(a.items) == 0 {
			return nil, nil
		}
		s, err := fnSum(ev, c, args)
		if err != nil {
			return nil, err
		}
		return s.(float64) / float64(len(a.items)), nil
	})
	define("string", "<x-b?:s>", 1, 2, func(ev *evaluator, c call, args []any) (any, error) {
		v := arg(args, 0)
		if v == nil {
			return nil, nil
		}
		pretty, _ := arg(args, 1).(bool)
		return fnString(v, pretty)
	})
	define("substring", "<s-nn?:s>", 3, 3, fnSubstring)
	define("substringBefore", "<s-s:s>", 2, 2, func(ev *evaluator, c call, args []any) (any, error) {
		s, ok := argString(args, 0)
		if !ok {
			return nil, nil
		}
		chars, _ := argString(args, 1)
		if i := strings.Index(s, chars); i > -1 {
			return s[:i], nil
		}
		return s, nil
	})
	define("substringAfter", "<s-s:s>", 2, 2, func(ev *evaluator, c call, args []any) (any, error) {
		s, ok := argString(args, 0)
		if !ok {
			return nil, nil
		}
		chars, _ := argString(args, 1)
		if i := strings.Index(s, chars); i > -1 {
			return s[i+len(chars):], nil
		}
		return s, nil
	})
	define("lowercase", "<s-:s>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		s, ok := argString(args, 0)
		if !ok {
			return nil, nil
		}
		return strings.ToLower(s), nil
	})
	define("uppercase", "<s-:s>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		s, ok := argString(args, 0)
		if !ok {
			return nil, nil
		}
		return strings.ToUpper(s), nil
	})
	define("length", "<s-:n>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		s, ok := argString(args, 0)
		if !ok {
			return nil, nil
		}
		return float64(utf8.RuneCountInString(s)), nil
	})
	define("trim", "<s-:s>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		s, ok := argString(args, 0)
		if !ok {
			return nil, nil
		}
		return fnTrim(s), nil
	})
	define("pad", "<s-ns?:s>", 3, 3, fnPad)
	define("match", "<s-f<s:o>n?:a<o>>", 3, 3, fnMatch)
	define("contains", "<s-(sf):b>", 2, 2, fnContains)
	define("replace", "<s-(sf)(sf)n?:s>", 4, 4, fnReplace)
	define("split", "<s-(sf)n?:a<s>>", 3, 3, fnSplit)
	define("join", "<a<s>s?:s>", 2, 2, func(ev *evaluator, c call, args []any) (any, error) {
		a, ok := argArray(args, 0)
		if !ok {
			return nil, nil
		}
		sep, _ := argString(args, 1)
		parts := make([]string, len(a.items))
		for i, it := range a.items {
			parts[i], _ = it.(string)
		}
		return strings.Join(parts, sep), nil
	})
	define("formatNumber", "<n-so?:s>", 3, 3, fnFormatNumber)
	define("formatBase", "<n-n?:s>", 2, 2, fnFormatBase)
	define("formatInteger", "<n-s:s>", 2, 2, fnFormatInteger)
	define("parseInteger", "<s-s:n>", 2, 2, fnParseInteger)
	define("number", "<(nsb)-:n>", 1, 1, fnNumber)
	define("floor", "<n-:n>", 1, 1, mathFunc(math.Floor))
	define("ceil", "<n-:n>", 1, 1, mathFunc(math.Ceil))
	define("round", "<n-n?:n>", 2, 2, fnRound)
	define("abs", "<n-:n>", 1, 1, mathFunc(math.Abs))
	define("sqrt", "<n-:n>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		f, ok := argNumber(args, 0)
		if !ok {
			return nil, nil
		}
		if f < 0 {
			return nil, &Error{Code: "D3060", Value: f, index: 1}
		}
		return math.Sqrt(f), nil
	})
	define("power", "<n-n:n>", 2, 2, func(ev *evaluator, c call, args []any) (any, error) {
		f, ok := argNumber(args, 0)
		if !ok {
			return nil, nil
		}
		e, ok := argNumber(args, 1)
		if !ok {
			e = math.NaN()
		}
		r := jsPow(f, e)
		if math.IsInf(r, 0) || math.IsNaN(r) {
			return nil, &Error{Code: "D3061", Value: f, exp: e, index: 1}
		}
		return r, nil
	})
	define("random", "<:n>", 0, 0, func(ev *evaluator, c call, args []any) (any, error) {
		return ev.rand(), nil
	})
	define("boolean", "<x-:b>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		v := arg(args, 0)
		if v == nil {
			return nil, nil
		}
		return toBoolean(v)
	})
	define("not", "<x-:b>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		v := arg(args, 0)
		if v == nil {
			return nil, nil
		}
		b, err := toBoolean(v)
		return !b, err
	})
	define("map", "<af>", 2, 2, fnMap)
	define("zip", "<a+>", 0, 0, fnZip)
	define("filter", "<af>", 2, 2, fnFilter)
	define("single", "<af?>", 2, 2, fnSingle)
	define("reduce", "<afj?:j>", 3, 3, fnReduce)
	define("sift", "<o-f?:o>", 2, 2, fnSift)
	define("keys", "<x-:a<s>>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		return fnKeys(arg(args, 0)), nil
	})
	define("lookup", "<x-s:x>", 2, 2, func(ev *evaluator, c call, args []any) (any, error) {
		k, _ := argString(args, 1)
		return lookupField(arg(args, 0), k), nil
	})
	define("append", "<xx:a>", 2, 2, func(ev *evaluator, c call, args []any) (any, error) {
		return fnAppend(arg(args, 0), arg(args, 1)), nil
	})
	define("exists", "<x:b>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		return arg(args, 0) != nil, nil
	})
	define("spread", "<x-:a<o>>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		return fnSpread(arg(args, 0)), nil
	})
	define("merge", "<a<o>:o>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		a, ok := argArray(args, 0)
		if !ok {
			return nil, nil
		}
		result := newObject(4)
		for _, it := range a.items {
			if o, ok := it.(*object); ok {
				for _, k := range o.keys {
					result.set(k, o.vals[k])
				}
			}
		}
		return result, nil
	})
	define("reverse", "<a:a>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		a, ok := argArray(args, 0)
		if !ok {
			return nil, nil
		}
		if len(a.items) <= 1 {
			return a, nil
		}
		out := make([]any, len(a.items))
		for i, it := range a.items {
			out[len(out)-1-i] = it
		}
		return newArray(out), nil
	})
	define("each", "<o-f:a>", 2, 2, fnEach)
	define("error", "<s?:x>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		msg, _ := argString(args, 0)
		if msg == "" {
			msg = "$error() function evaluated"
		}
		return nil, &Error{Code: "D3137", Message: msg}
	})
	define("assert", "<bs?:x>", 2, 2, func(ev *evaluator, c call, args []any) (any, error) {
		cond, _ := arg(args, 0).(bool)
		if !cond {
			msg, _ := argString(args, 1)
			if msg == "" {
				msg = "$assert() statement failed"
			}
			return nil, &Error{Code: "D3141", Message: msg}
		}
		return nil, nil
	})
	define("type", "<x:s>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		v := arg(args, 0)
		if v == nil {
			return nil, nil
		}
		return typeName(v), nil
	})
	define("sort", "<af?:a>", 2, 2, fnSort)
	define("shuffle", "<a:a>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		a, ok := argArray(args, 0)
		if !ok {
			return nil, nil
		}
		if len(a.items) <= 1 {
			return a, nil
		}
		out := make([]any, len(a.items))
		for i := range a.items {
			j := int(math.Floor(ev.rand() * float64(i+1)))
			if i != j {
				out[i] = out[j]
			}
			out[j] = a.items[i]
		}
		return newArray(out), nil
	})
	define("distinct", "<x:x>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		v := arg(args, 0)
		a, ok := v.(*array)
		if !ok || len(a.items) <= 1 {
			return v, nil
		}
		out := &array{sequence: a.sequence}
		for _, it := range a.items {
			if err := ev.tick(); err != nil {
				return nil, err
			}
			found := false
			for _, r := range out.items {
				if deepEqual(it, r) {
					found = true
					break
				}
			}
			if !found {
				out.items = append(out.items, it)
			}
		}
		return out, nil
	})
	define("base64encode", "<s-:s>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		s, ok := argString(args, 0)
		if !ok {
			return nil, nil
		}
		units := toUTF16(s)
		b := make([]byte, len(units))
		for i, u := range units {
			b[i] = byte(u)
		}
		return base64.StdEncoding.EncodeToString(b), nil
	})
	define("base64decode", "<s-:s>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		s, ok := argString(args, 0)
		if !ok {
			return nil, nil
		}
		var clean []byte
		for i := 0; i < len(s); i++ {
			ch := s[i]
			if ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '+' || ch == '/' {
				clean = append(clean, ch)
			} else if ch == '-' {
				clean = append(clean, '+')
			} else if ch == '_' {
				clean = append(clean, '/')
			} else if ch == '=' {
				break
			}
		}
		if len(clean)%4 == 1 {
			clean = clean[:len(clean)-1]
		}
		b, err := base64.RawStdEncoding.DecodeString(string(clean))
		if err != nil {
			return "", nil
		}
		var sb strings.Builder
		for _, c := range b {
			sb.WriteRune(rune(c))
		}
		return sb.String(), nil
	})
	define("encodeUrlComponent", "<s-:s>", 1, 1, urlFunc("encodeUrlComponent", func(s string) (string, bool) {
		return encodeURI(s, uriUnreservedComponent)
	}))
	define("encodeUrl", "<s-:s>", 1, 1, urlFunc("encodeUrl", func(s string) (string, bool) {
		return encodeURI(s, uriUnreservedFull)
	}))
	define("decodeUrlComponent", "<s-:s>", 1, 1, urlFunc("decodeUrlComponent", func(s string) (string, bool) {
		return decodeURI(s, "")
	}))
	define("decodeUrl", "<s-:s>", 1, 1, urlFunc("decodeUrl", func(s string) (string, bool) {
		return decodeURI(s, ";/?:@&=+$,#")
	}))
	define("eval", "<sx?:x>", 2, 2, fnEval)
	define("toMillis", "<s-s?:n>", 2, 2, fnToMillis)
	define("fromMillis", "<n-s?s?:s>", 3, 3, fnFromMillis)
	define("clone", "<(oa)-:o>", 1, 1, func(ev *evaluator, c call, args []any) (any, error) {
		v := arg(args, 0)
		if v == nil {
			return nil, nil
		}
		s, err := fnString(v, false)
		if err != nil {
			return nil, err
		}
		return decodeJSON([]byte(s))
	})
	define("now", "<s?s?:s>", 2, 2, func(ev *evaluator, c call, args []any) (any, error) {
		return fromMillis(float64(ev.now.UnixMilli()), arg(args, 0), arg(args, 1))
	})
	define("millis", "<:n>", 0, 0, func(ev *evaluator, c call, args []any) (any, error) {
		return float64(ev.now.UnixMilli()), nil
	})
}

func fnSum(ev *evaluator, c call, args []any) (any, error) {
	a, ok := argArray(args, 0)
	if !ok {
		return nil, nil
	}
	total := 0.0
	for _, it := range a.items {
		f, _ := it.(float64)
		total += f
	}
	return total, nil
}

func extreme(args []any, sign float64) (any, error) {
	a, ok := argArray(args, 0)
	if !ok || len(a.items) == 0 {
		return nil, nil
	}
	best := math.Inf(-int(sign))
	for _, it := range a.items {
		f, _ := it.(float64)
		if math.IsNaN(f) {
			return math.NaN(), nil
		}
		if sign > 0 && f > best || sign < 0 && f < best {
			best = f
		}
	}
	return best, nil
}

// fnString mirrors fn.string.
func fnString(v any, pretty bool) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case *lambda, *native:
		return "", nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return "", &Error{Code: "D3001", Value: x}
		}
		if !isInteger(x) {
			x = toPrecision15(x)
		}
		return formatJSNumber(x), nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case nullType:
		return "null", nil
	case *array:
		if x.outerWrapper && len(x.items) > 0 {
			v = x.items[0]
		}
	}
	return stringify(v, pretty)
}

// jsSlice mirrors Array.prototype.slice index handling.
func jsSliceIndex(i float64, n int) int {
	if math.IsNaN(i) {
		return 0
	}
	i = math.Trunc(i)
	if i < 0 {
		i += float64(n)
		if i < 0 {
			return 0
		}
		return int(i)
	}
	if i > float64(n) {
		return n
	}
	return int(i)
}

func fnSubstring(ev *evaluator, c call, args []any) (any, error) {
	s, ok := argString(args, 0)
	if !ok {
		return nil, nil
	}
	start, _ := argNumber(args, 1)
	rs := []rune(s)
	n := len(rs)
	if float64(n)+start < 0 {
		start = 0
	}
	if length, ok := argNumber(args, 2); ok {
		if length <= 0 {
			return "", nil
		}
		var end float64
		if start >= 0 {
			end = start + length
		} else {
			end = float64(n) + start + length
		}
		b, e := jsSliceIndex(start, n), jsSliceIndex(end, n)
		if e <= b {
			return "", nil
		}
		return string(rs[b:e]), nil
	}
	return string(rs[jsSliceIndex(start, n):]), nil
}

var trimRe = regexp.MustCompile(`[ \t\n\r]+`)

func fnTrim(s string) string {
	r := trimRe.ReplaceAllString(s, " ")
	r = strings.TrimPrefix(r, " ")
	r = strings.TrimSuffix(r, " ")
	return r
}

func fnPad(ev *evaluator, c call, args []any) (any, error) {
	s, ok := argString(args, 0)
	if !ok {
		return nil, nil
	}
	width, _ := argNumber(args, 1)
	ch, ok := argString(args, 2)
	if !ok || ch == "" {
		ch = " "
	}
	width = math.Trunc(width)
	if math.Abs(width) > maxPadding {
		return nil, &Error{Code: "D3137", Message: "$pad() width is too large", Value: width}
	}
	padLen := int(math.Abs(width)) - utf8.RuneCountInString(s)
	if padLen <= 0 {
		return s, nil
	}
	padding := strings.Repeat(ch, padLen)
	if utf16Len(ch) > 1 {
		rs := []rune(padding)
		if len(rs) > padLen {
			rs = rs[:padLen]
		}
		padding = string(rs)
	}
	if width > 0 {
		return s + padding, nil
	}
	return padding + s, nil
}

// matcher results: an object with match, start, end, groups and next.
type matchResult struct {
	match      string
	start, end int // UTF-16 offsets
	groups     []any
	next       any
}

func (ev *evaluator) evaluateMatcher(c call, matcher any, str any) (*object, error) {
	res, err := ev.apply(matcher, []any{str}, nil, c.env, "", 0)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, nil
	}
	o, ok := res.(*object)
	if !ok {
		if !jsTruthy(res) {
			return nil, nil
		}
		return nil, &Error{Code: "T1010"}
	}
	_, startNum := o.vals["start"].(float64)
	_, groupsArr := o.vals["groups"].(*array)
	if !(startNum || groupsArr || isFunction(o.vals["next"])) {
		return nil, &Error{Code: "T1010"}
	}
	return o, nil
}

// regexMatcher returns the function a regex literal evaluates to.
func regexMatcher(re *jsRegex, pos int) *native {
	return &native{name: "regex", arity: 2, nparams: 2, fn: func(ev *evaluator, c call, args []any) (any, error) {
		s, ok := arg(args, 0).(string)
		if !ok {
			return nil, nil
		}
		m := &regexMatches{re: re, str: s, pos: pos}
		return m.at(0)
	}}
}

type regexMatches struct {
	re   *jsRegex
	str  string
	pos  int
	all  [][]int
	done bool
}

// at returns the first match starting at or after byte offset from.
func (m *regexMatches) at(from int) (any, error) {
	if !m.done {
		m.all = m.re.re.FindAllStringSubmatchIndex(m.str, -1)
		m.done = true
	}
	for _, loc := range m.all {
		if loc[0] < from {
			continue
		}
		o := newObject(5)
		o.set("match", m.str[loc[0]:loc[1]])
		o.set("start", float64(utf16Offset(m.str, loc[0])))
		o.set("end", float64(utf16Offset(m.str, loc[1])))
		groups := &array{}
		for g := 1; g*2 < len(loc); g++ {
			if loc[2*g] < 0 {
				groups.items = append(groups.items, "")
				continue
			}
			groups.items = append(groups.items, m.str[loc[2*g]:loc[2*g+1]])
		}
		o.set("groups", groups)
		end := loc[1]
		o.set("next", &native{name: "next", fn: func(ev *evaluator, c call, args []any) (any, error) {
			if end >= len(m.str) {
				return nil, nil
			}
			next, err := m.at(end)
			if err != nil {
				return nil, err
			}
			if no, ok := next.(*object); ok {
				if s, _ := no.vals["match"].(string); s == "" {
					return nil, &Error{Code: "D1004", Position: m.pos, hasPos: true, Value: m.re.source}
				}
			}
			return next, nil
		}})
		return o, nil
	}
	return nil, nil
}

func fnContains(ev *evaluator, c call, args []any) (any, error) {
	s, ok := argString(args, 0)
	tok := arg(args, 1)
	if !ok || tok == nil {
		return nil, nil
	}
	if t, ok := tok.(string); ok {
		return strings.Contains(s, t), nil
	}
	m, err := ev.evaluateMatcher(c, tok, s)
	if err != nil {
		return nil, err
	}
	return m != nil, nil
}

func fnMatch(ev *evaluator, c call, args []any) (any, error) {
	s, ok := argString(args, 0)
	if !ok {
		return nil, nil
	}
	limit, hasLimit := argNumber(args, 2)
	if hasLimit && limit < 0 {
		return nil, &Error{Code: "D3040", Value: limit, index: 3}
	}
	result := newSequence()
	if !hasLimit || limit > 0 {
		count := 0.0
		m, err := ev.evaluateMatcher(c, arg(args, 1), s)
		if err != nil {
			return nil, err
		}
		for m != nil && (!hasLimit || count < limit) {
			o := newObject(3)
			o.set("match", m.vals["match"])
			o.set("index", m.vals["start"])
			o.set("groups", m.vals["groups"])
			result.items = append(result.items, o)
			if m, err = ev.evaluateMatcher(c, m.vals["next"], nil); err != nil {
				return nil, err
			}
			count++
		}
	}
	return result, nil
}

func matchField(m *object, key string) int {
	f, _ := m.vals[key].(float64)
	return int(f)
}

func fnReplace(ev *evaluator, c call, args []any) (any, error) {
	s, ok := argString(args, 0)
	if !ok {
		return nil, nil
	}
	pattern := arg(args, 1)
	replacement := arg(args, 2)
	if p, ok := pattern.(string); ok && p == "" {
		return nil, &Error{Code: "D3010", Value: p, index: 2}
	}
	limit, hasLimit := argNumber(args, 3)
	if hasLimit && limit < 0 {
		return nil, &Error{Code: "D3011", Value: limit, index: 4}
	}
	if hasLimit && limit == 0 {
		return s, nil
	}
	var replacer func(m *object) (any, error)
	if rs, ok := replacement.(string); ok {
		replacer = func(m *object) (any, error) {
			return substituteGroups(rs, m), nil
		}
	} else {
		replacer = func(m *object) (any, error) {
			return ev.apply(replacement, []any{m}, nil, c.env, "", 0)
		}
	}
	var b strings.Builder
	count := 0.0
	if p, ok := pattern.(string); ok {
		rs, _ := replacement.(string)
		pos := 0
		for {
			i := strings.Index(s[pos:], p)
			if i < 0 || (hasLimit && count >= limit) {
				break
			}
			b.WriteString(s[pos : pos+i])
			b.WriteString(rs)
			pos += i + len(p)
			count++
		}
		b.WriteString(s[pos:])
		return b.String(), nil
	}
	m, err := ev.evaluateMatcher(c, pattern, s)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return s, nil
	}
	pos := 0
	for m != nil && (!hasLimit || count < limit) {
		start := byteOffset(s, matchField(m, "start"))
		if start < pos {
			start = pos
		}
		b.WriteString(s[pos:start])
		rep, err := replacer(m)
		if err != nil {
			return nil, err
		}
		rstr, ok := rep.(string)
		if !ok {
			return nil, &Error{Code: "D3012", Value: rep}
		}
		b.WriteString(rstr)
		ms, _ := m.vals["match"].(string)
		pos = start + len(ms)
		if pos > len(s) {
			pos = len(s)
		}
		count++
		if m, err = ev.evaluateMatcher(c, m.vals["next"], nil); err != nil {
			return nil, err
		}
	}
	b.WriteString(s[pos:])
	return b.String(), nil
}

// substituteGroups expands $0, $1... in a replacement string.
func substituteGroups(replacement string, m *object) string {
	var groups []any
	if g, ok := m.vals["groups"].(*array); ok {
		groups = g.items
	}
	matchStr, _ := m.vals["match"].(string)
	var b strings.Builder
	position := 0
	index := strings.IndexByte(replacement, '$')
	for index != -1 && position < len(replacement) {
		b.WriteString(replacement[position:index])
		position = index + 1
		var dollarVal byte
		if position < len(replacement) {
			dollarVal = replacement[position]
		}
		switch {
		case dollarVal == '$':
			b.WriteByte('$')
			position++
		case dollarVal == '0':
			b.WriteString(matchStr)
			position++
		default:
			maxDigits := 1
			if len(groups) > 0 {
				maxDigits = int(math.Floor(math.Log10(float64(len(groups))))) + 1
			}
			idx, ok := parseLeadingInt(replacement[position:min(position+maxDigits, len(replacement))])
			if maxDigits > 1 && idx > len(groups) {
				idx, ok = parseLeadingInt(replacement[position:min(position+maxDigits-1, len(replacement))])
			}
			if ok {
				if len(groups) > 0 && idx >= 1 && idx-1 < len(groups) {
					if s, ok := groups[idx-1].(string); ok {
						b.WriteString(s)
					}
				}
				position += len(strconv.Itoa(idx))
			} else {
				b.WriteByte('$')
			}
		}
		next := strings.IndexByte(replacement[min(position, len(replacement)):], '$')
		if next == -1 {
			index = -1
		} else {
			index = position + next
		}
	}
	if position < len(replacement) {
		b.WriteString(replacement[position:])
	}
	return b.String()
}

// parseLeadingInt mirrors parseInt(s, 10) for non-negative digit prefixes.
func parseLeadingInt(s string) (int, bool) {
	n := 0
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	return n, i > 0
}

func fnSplit(ev *evaluator, c call, args []any) (any, error) {
	s, ok := argString(args, 0)
	if !ok {
		return nil, nil
	}
	limit, hasLimit := argNumber(args, 2)
	if hasLimit && limit < 0 {
		return nil, &Error{Code: "D3020", Value: limit, index: 3}
	}
	result := newArray([]any{})
	if hasLimit && limit == 0 {
		return result, nil
	}
	sep := arg(args, 1)
	if p, ok := sep.(string); ok {
		limit = math.Trunc(limit)
		var parts []string
		if p == "" {
			for _, r := range s {
				parts = append(parts, string(r))
			}
		} else {
			parts = strings.Split(s, p)
		}
		for _, part := range parts {
			if hasLimit && float64(len(result.items)) >= limit {
				break
			}
			result.items = append(result.items, part)
		}
		return result, nil
	}
	m, err := ev.evaluateMatcher(c, sep, s)
	if err != nil {
		return nil, err
	}
	if m == nil {
		result.items = append(result.items, s)
		return result, nil
	}
	start := 0
	count := 0.0
	for m != nil && (!hasLimit || count < limit) {
		ms := byteOffset(s, matchField(m, "start"))
		if ms < start {
			ms = start
		}
		result.items = append(result.items, s[start:ms])
		start = byteOffset(s, matchField(m, "end"))
		if m, err = ev.evaluateMatcher(c, m.vals["next"], nil); err != nil {
			return nil, err
		}
		count++
	}
	if !hasLimit || count < limit {
		if start > len(s) {
			start = len(s)
		}
		result.items = append(result.items, s[start:])
	}
	return result, nil
}

func fnFormatBase(ev *evaluator, c call, args []any) (any, error) {
	v, ok := argNumber(args, 0)
	if !ok {
		return nil, nil
	}
	v = roundHalfEven(v, 0)
	radix := 10.0
	if r, ok := argNumber(args, 1); ok {
		radix = roundHalfEven(r, 0)
	}
	if radix < 2 || radix > 36 {
		return nil, &Error{Code: "D3100", Value: radix}
	}
	if math.Abs(v) < 1<<62 {
		return strconv.FormatInt(int64(v), int(radix)), nil
	}
	return formatJSNumber(v), nil
}

var numberRe = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$`)
var radixNumberRe = regexp.MustCompile(`^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$`)

func fnNumber(ev *evaluator, c call, args []any) (any, error) {
	v := arg(args, 0)
	switch x := v.(type) {
	case nil:
		return nil, nil
	case float64:
		return x, nil
	case bool:
		if x {
			return 1.0, nil
		}
		return 0.0, nil
	case string:
		if numberRe.MatchString(x) {
			f, err := strconv.ParseFloat(x, 64)
			if err == nil && !math.IsInf(f, 0) {
				return f, nil
			}
		} else if radixNumberRe.MatchString(x) {
			if len(x) > 2 {
				base := 16
				switch x[1] {
				case 'o', 'O':
					base = 8
				case 'b', 'B':
					base = 2
				}
				if n, err := strconv.ParseUint(x[2:], base, 64); err == nil {
					return float64(n), nil
				}
			}
			return math.NaN(), nil
		}
	}
	return nil, &Error{Code: "D3030", Value: v, index: 1}
}

func mathFunc(f func(float64) float64) func(ev *evaluator, c call, args []any) (any, error) {
	return func(ev *evaluator, c call, args []any) (any, error) {
		x, ok := argNumber(args, 0)
		if !ok {
			return nil, nil
		}
		r := f(x)
		if r == 0 {
			r = 0 // no negative zero
		}
		return r, nil
	}
}

// jsRound is JavaScript's Math.round: ties round towards +Infinity.
func jsRound(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	f := math.Floor(x)
	if x-f >= 0.5 {
		return f + 1
	}
	return f
}

// roundHalfEven mirrors fn.round.
func roundHalfEven(arg float64, precision float64) float64 {
	if precision != 0 {
		arg = shiftExponent(arg, precision)
	}
	result := jsRound(arg)
	diff := result - arg
	if math.Abs(diff) == 0.5 && math.Abs(math.Mod(result, 2)) == 1 {
		result--
	}
	if precision != 0 {
		result = shiftExponent(result, -precision)
	}
	if result == 0 {
		result = 0
	}
	return result
}

// shiftExponent computes +(mantissa + 'e' + (exponent + shift)) on the
// JavaScript string form of v, as fn.round does.
func shiftExponent(v, shift float64) float64 {
	s := formatJSNumber(v)
	mant, exp := s, 0.0
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		mant = s[:i]
		e, _ := strconv.ParseFloat(s[i+1:], 64)
		exp = e
	}
	r, err := strconv.ParseFloat(mant+"e"+formatJSNumber(exp+shift), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return r
		}
		return math.NaN()
	}
	return r
}

func fnRound(ev *evaluator, c call, args []any) (any, error) {
	x, ok := argNumber(args, 0)
	if !ok {
		return nil, nil
	}
	p, _ := argNumber(args, 1)
	return roundHalfEven(x, p), nil
}

// jsPow is Math.pow.
func jsPow(x, y float64) float64 {
	if math.IsNaN(y) {
		return math.NaN()
	}
	if (x == 1 || x == -1) && math.IsInf(y, 0) {
		return math.NaN()
	}
	return math.Pow(x, y)
}

func hofArgs(fn any, a1, a2, a3 any) []any {
	args := []any{a1}
	n := funcArity(fn)
	if n >= 2 {
		args = append(args, a2)
	}
	if n >= 3 {
		args = append(args, a3)
	}
	return args
}

func fnMap(ev *evaluator, c call, args []any) (any, error) {
	a, ok := argArray(args, 0)
	if !ok {
		return nil, nil
	}
	fn := arg(args, 1)
	result := newSequence()
	for i, it := range a.items {
		res, err := ev.apply(fn, hofArgs(fn, it, float64(i), a), nil, c.env, "", 0)
		if err != nil {
			return nil, err
		}
		if res != nil {
			result.items = append(result.items, res)
		}
	}
	return result, nil
}

func fnFilter(ev *evaluator, c call, args []any) (any, error) {
	a, ok := argArray(args, 0)
	if !ok {
		return nil, nil
	}
	fn := arg(args, 1)
	result := newSequence()
	for i, it := range a.items {
		res, err := ev.apply(fn, hofArgs(fn, it, float64(i), a), nil, c.env, "", 0)
		if err != nil {
			return nil, err
		}
		b, err := toBoolean(res)
		if err != nil {
			return nil, err
		}
		if b {
			result.items = append(result.items, it)
		}
	}
	return result, nil
}

func fnSingle(ev *evaluator, c call, args []any) (any, error) {
	a, ok := argArray(args, 0)
	if !ok {
		return nil, nil
	}
	fn := arg(args, 1)
	found := false
	var result any
	for i, it := range a.items {
		positive := true
		if fn != nil {
			res, err := ev.apply(fn, hofArgs(fn, it, float64(i), a), nil, c.env, "", 0)
			if err != nil {
				return nil, err
			}
			if positive, err = toBoolean(res); err != nil {
				return nil, err
			}
		}
		if positive {
			if found {
				return nil, &Error{Code: "D3138", index: i}
			}
			result = it
			found = true
		}
	}
	if !found {
		return nil, &Error{Code: "D3139"}
	}
	return result, nil
}

func fnZip(ev *evaluator, c call, args []any) (any, error) {
	length := math.MaxInt
	for _, a := range args {
		if arr, ok := a.(*array); ok {
			length = min(length, len(arr.items))
		} else {
			length = 0
		}
	}
	if len(args) == 0 {
		length = 0
	}
	result := newArray(make([]any, 0, length))
	for i := 0; i < length; i++ {
		t := make([]any, len(args))
		for j, a := range args {
			t[j] = a.(*array).items[i]
		}
		result.items = append(result.items, newArray(t))
	}
	return result, nil
}

func fnReduce(ev *evaluator, c call, args []any) (any, error) {
	a, ok := argArray(args, 0)
	if !ok {
		return nil, nil
	}
	fn := arg(args, 1)
	arity := funcArity(fn)
	if arity < 2 {
		return nil, &Error{Code: "D3050", index: 1}
	}
	init := arg(args, 2)
	var result any
	index := 0
	if init == nil && len(a.items) > 0 {
		result = a.items[0]
		index = 1
	} else {
		result = init
	}
	for ; index < len(a.items); index++ {
		fargs := []any{result, a.items[index]}
		if arity >= 3 {
			fargs = append(fargs, float64(index))
		}
		if arity >= 4 {
			fargs = append(fargs, a)
		}
		var err error
		if result, err = ev.apply(fn, fargs, nil, c.env, "", 0); err != nil {
			return nil, err
		}
	}
	return result, nil
}

func fnKeys(v any) any {
	result := newSequence()
	switch x := v.(type) {
	case *array:
		merged := newObject(4)
		for _, it := range x.items {
			if ks, ok := fnKeys(it).(*array); ok {
				for _, k := range ks.items {
					merged.set(k.(string), true)
				}
			}
		}
		return fnKeys(merged)
	case *object:
		for _, k := range x.keys {
			result.items = append(result.items, k)
		}
	}
	return result
}

func fnSpread(v any) any {
	switch x := v.(type) {
	case *array:
		var result any = newSequence()
		for _, it := range x.items {
			result = fnAppend(result, fnSpread(it))
		}
		return result
	case *object:
		result := newSequence()
		for _, k := range x.keys {
			o := newObject(1)
			o.set(k, x.vals[k])
			result.items = append(result.items, o)
		}
		return result
	}
	return v
}

func fnEach(ev *evaluator, c call, args []any) (any, error) {
	result := newSequence()
	o, ok := arg(args, 0).(*object)
	if !ok {
		return result, nil
	}
	fn := arg(args, 1)
	for _, k := range append([]string(nil), o.keys...) {
		val, err := ev.apply(fn, hofArgs(fn, o.vals[k], k, o), nil, c.env, "", 0)
		if err != nil {
			return nil, err
		}
		if val != nil {
			result.items = append(result.items, val)
		}
	}
	return result, nil
}

func fnSift(ev *evaluator, c call, args []any) (any, error) {
	o, ok := arg(args, 0).(*object)
	result := newObject(4)
	if ok {
		fn := arg(args, 1)
		for _, k := range append([]string(nil), o.keys...) {
			entry := o.vals[k]
			res, err := ev.apply(fn, hofArgs(fn, entry, k, o), nil, c.env, "", 0)
			if err != nil {
				return nil, err
			}
			b, err := toBoolean(res)
			if err != nil {
				return nil, err
			}
			if b {
				result.set(k, entry)
			}
		}
	}
	if result.len() == 0 {
		return nil, nil
	}
	return result, nil
}

func fnSort(ev *evaluator, c call, args []any) (any, error) {
	a, ok := argArray(args, 0)
	if !ok {
		return nil, nil
	}
	if len(a.items) <= 1 {
		return a, nil
	}
	comparator := arg(args, 1)
	if comparator == nil {
		nums, err := isArrayOfNumbers(a)
		if err != nil {
			return nil, err
		}
		strs := isArrayOfStrings(a)
		if !nums && !strs {
			return nil, &Error{Code: "D3070", index: 1}
		}
		return mergeSort(a, func(x, y any) (bool, error) {
			if err := ev.tick(); err != nil {
				return false, err
			}
			if nums {
				return x.(float64) > y.(float64), nil
			}
			return compareJSStrings(x.(string), y.(string)) > 0, nil
		})
	}
	return mergeSort(a, func(x, y any) (bool, error) {
		r, err := ev.apply(comparator, []any{x, y}, nil, c.env, "", 0)
		if err != nil {
			return false, err
		}
		return jsTruthy(r), nil
	})
}

func fnEval(ev *evaluator, c call, args []any) (any, error) {
	src, ok := argString(args, 0)
	if !ok {
		return nil, nil
	}
	input := c.input
	if len(args) > 1 && args[1] != nil {
		input = args[1]
		if a, ok := input.(*array); ok && !a.sequence {
			input = &array{items: []any{a}, sequence: true, outerWrapper: true}
		}
	}
	ast, err := parse(src)
	if err != nil {
		msg := err.Error()
		if e, ok := err.(*Error); ok {
			e.populate()
			msg = e.Message
		}
		return nil, &Error{Code: "D3120", Value: msg}
	}
	env := c.env
	if env == nil {
		env = builtinFrame
	}
	result, err := ev.eval(ast, input, env)
	if err != nil {
		if e, ok := err.(*Error); ok {
			if e.Code == "U1001" {
				return nil, err
			}
			e.populate()
			return nil, &Error{Code: "D3121", Value: e.Message}
		}
		return nil, err
	}
	return result, nil
}

func urlFunc(name string, f func(string) (string, bool)) func(ev *evaluator, c call, args []any) (any, error) {
	return func(ev *evaluator, c call, args []any) (any, error) {
		s, ok := argString(args, 0)
		if !ok {
			return nil, nil
		}
		r, ok := f(s)
		if !ok {
			return nil, &Error{Code: "D3140", Value: s, funcName: name}
		}
		return r, nil
	}
}

const uriUnreservedComponent = "-_.!~*'()"
const uriUnreservedFull = "-_.!~*'();/?:@&=+$,#"

func encodeURI(s string, keep string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String(), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func decodeURI(s string, reserved string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '%' {
			b.WriteByte(s[i])
			i++
			continue
		}
		// decode a run of %XX escapes making up one UTF-8 sequence
		if i+2 >= len(s) {
			return "", false
		}
		h, ok1 := unhex(s[i+1])
		l, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		first := h<<4 | l
		if first < 0x80 {
			if strings.IndexByte(reserved, first) >= 0 {
				b.WriteString(s[i : i+3])
			} else {
				b.WriteByte(first)
			}
			i += 3
			continue
		}
		n := 0
		switch {
		case first&0xE0 == 0xC0:
			n = 2
		case first&0xF0 == 0xE0:
			n = 3
		case first&0xF8 == 0xF0:
			n = 4
		default:
			return "", false
		}
		buf := []byte{first}
		j := i + 3
		for k := 1; k < n; k++ {
			if j+2 >= len(s)+0 || s[j] != '%' {
				return "", false
			}
			h, ok1 := unhex(s[j+1])
			l, ok2 := unhex(s[j+2])
			if !ok1 || !ok2 {
				return "", false
			}
			buf = append(buf, h<<4|l)
			j += 3
		}
		r, size := utf8.DecodeRune(buf)
		if r == utf8.RuneError || size != n {
			return "", false
		}
		b.Write(buf)
		i = j
	}
	return b.String(), true
}

func toUTF16(s string) []uint16 {
	return utf16.Encode([]rune(s))
}
