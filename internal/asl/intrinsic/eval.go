package intrinsic

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paystep/paystep/internal/asl/jsonpath"
)

// Env is what a call is evaluated against.
type Env struct {
	Input   any                           // resolves $... paths
	Context any                           // resolves $$... paths
	Var     func(name string) (any, bool) // resolves $name... variables; nil = none
	UUID    func() string                 // States.UUID
	Rand    func(lo, hi int64) int64      // States.MathRandom without a seed: an integer in [lo, hi]
}

// Error is a failure to evaluate an intrinsic function; the interpreter
// reports it as States.IntrinsicFailure.
type Error struct {
	Func    string // the function that failed, e.g. "States.ArrayGetItem"
	Message string // what went wrong, readable as an error cause
	Err     error  // the underlying error, if any (e.g. wrapping jsonpath.ErrNoMatch)
}

func (e *Error) Error() string { return e.Func + ": " + e.Message }

func (e *Error) Unwrap() error { return e.Err }

func failf(fn, format string, args ...any) *Error {
	return &Error{Func: fn, Message: fmt.Sprintf(format, args...)}
}

// Eval evaluates the call. Every failure is an *Error.
func (c *Call) Eval(env Env) (any, error) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		v, err := evalArg(c.name, a, env)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	return funcs[c.name](c, env, args)
}

func evalArg(fn string, a arg, env Env) (any, error) {
	switch a := a.(type) {
	case *stringArg:
		if a.badEscape != "" {
			return nil, failf(fn, "the string literal has an invalid escape sequence %s", a.badEscape)
		}
		return a.value, nil
	case *jsonpath.Path:
		var doc any
		switch a.Root() {
		case jsonpath.RootInput:
			doc = env.Input
		case jsonpath.RootContext:
			doc = env.Context
		case jsonpath.RootVariable:
			var ok bool
			if env.Var != nil {
				doc, ok = env.Var(a.Variable())
			}
			if !ok {
				return nil, failf(fn, "the variable $%s is not defined", a.Variable())
			}
		}
		v, err := a.Get(doc)
		if err != nil {
			msg := fmt.Sprintf("the path %s could not be found", a)
			if !errors.Is(err, jsonpath.ErrNoMatch) {
				msg = fmt.Sprintf("the path %s could not be evaluated: %v", a, err)
			}
			return nil, &Error{Func: fn, Message: msg, Err: err}
		}
		return v, nil
	case *Call:
		return a.Eval(env)
	}
	return a, nil // json.Number, bool, nil
}

var ordinals = [...]string{"first", "second", "third"}

func ordinal(i int) string {
	if i < len(ordinals) {
		return ordinals[i]
	}
	return strconv.Itoa(i+1) + "th"
}

func stringArgAt(c *Call, args []any, i int) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", failf(c.name, "the %s argument must be a string, got %s", ordinal(i), jsonpath.Describe(args[i]))
	}
	return s, nil
}

func arrayArgAt(c *Call, args []any, i int) ([]any, error) {
	l, ok := args[i].([]any)
	if !ok {
		return nil, failf(c.name, "the %s argument must be an array, got %s", ordinal(i), jsonpath.Describe(args[i]))
	}
	return l, nil
}

func objectArgAt(c *Call, args []any, i int) (map[string]any, error) {
	m, ok := args[i].(map[string]any)
	if !ok {
		return nil, failf(c.name, "the %s argument must be an object, got %s", ordinal(i), jsonpath.Describe(args[i]))
	}
	return m, nil
}

// intArgAt returns an integer argument. With round set, a non-integer is
// rounded half up as Java's Math.round does (AWS rounds the arguments of
// States.MathAdd this way: 1.5 is 2, -1.5 is -1, -1.51 is -2); otherwise a
// non-integer is an error.
func intArgAt(c *Call, args []any, i int, round bool) (int64, error) {
	text, ok := jsonpath.NumberText(args[i])
	if !ok {
		return 0, failf(c.name, "the %s argument must be a number, got %s", ordinal(i), jsonpath.Describe(args[i]))
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, failf(c.name, "the %s argument %s is not a number", ordinal(i), text)
	}
	r := math.Floor(f)
	if f-r >= 0.5 {
		r++
	}
	if r != f && !round {
		return 0, failf(c.name, "the %s argument must be an integer, got %s", ordinal(i), text)
	}
	if r < -(1<<63) || r >= 1<<63 || math.IsNaN(r) {
		return 0, failf(c.name, "the %s argument %s is out of range", ordinal(i), text)
	}
	return int64(r), nil
}

// utf16Len is Java's String.length(), the measure of AWS's input limits.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// formatValue renders a value for States.Format as AWS does: strings as they
// are, numbers as written, null as "null", arrays and objects in Java's
// List/Map toString style ("[a, 1]", "{k=v, n=1}"); object members come in
// sorted key order.
func formatValue(b *strings.Builder, v any) {
	switch v := v.(type) {
	case string:
		b.WriteString(v)
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			formatValue(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			formatValue(b, v[k])
		}
		b.WriteByte('}')
	default:
		if t, ok := jsonpath.NumberText(v); ok {
			b.WriteString(t)
		} else {
			fmt.Fprint(b, v)
		}
	}
}
