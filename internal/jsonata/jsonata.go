// Package jsonata implements the JSONata 2.x query and transformation
// language (https://jsonata.org), following the reference implementation
// jsonata-js 2.2: the same parser, sequence semantics, operators, built-in
// functions and error codes.
//
// Compile an expression once and evaluate it as often as needed, also
// concurrently:
//
//	e, err := jsonata.Compile(`$sum(items.price) * 100`)
//	v, err := e.Evaluate(ctx, input, nil)
//
// Inputs and outputs are the values encoding/json produces and consumes
// (map[string]any, []any, string, float64 or json.Number, bool and nil for
// null). A result that JSONata calls undefined is returned as Undefined.
// Objects built by an expression are returned as Go maps, which do not keep
// key order; EvaluateJSON works on JSON text instead and keeps the key order
// of both its input and its result, as jsonata-js does.
package jsonata

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// DefaultMaxDepth bounds the nesting of evaluation (each sub-expression and
// each non-tail function call adds to it) when Env.MaxDepth is zero.
const DefaultMaxDepth = 10000

type undefinedType struct{}

func (undefinedType) String() string { return "undefined" }

// Undefined is the result of an expression that has no value (for example a
// path that matches nothing). It is distinct from nil, which is JSON null.
var Undefined any = undefinedType{}

type functionResultType struct{}

func (functionResultType) String() string { return "function" }

// FunctionResult is what Evaluate returns when the expression's value is a
// function, which is not a JSON value. (A function nested in an object or
// an array becomes "", as jsonata-js serialises it.)
var FunctionResult any = functionResultType{}

// Env configures one evaluation. A nil *Env means no bindings and defaults.
type Env struct {
	// Bindings holds variables: Bindings["x"] is $x. Values are JSON values
	// or *Function. A binding shadows the built-in function of its name;
	// binding Undefined leaves the name without a value, so
	// Bindings["eval"] = Undefined takes $eval away from the expression.
	Bindings map[string]any
	// Now is the clock for $now() and $millis(), read once per evaluation.
	// Defaults to time.Now.
	Now func() time.Time
	// Rand returns numbers in [0, 1) for $random() and $shuffle(). Defaults
	// to math/rand/v2.
	Rand func() float64
	// TimeLimit bounds the evaluation time; exceeding it is error U1001.
	// Zero means no limit.
	TimeLimit time.Duration
	// MaxDepth bounds the evaluation depth; exceeding it is error U1001.
	// Zero means DefaultMaxDepth.
	MaxDepth int
}

// Function is a function implemented in Go that expressions can call once
// it is bound in Env.Bindings.
type Function struct {
	// Signature is a JSONata function signature such as "<s-n?:s>" used to
	// validate (and coerce) the arguments; empty means no validation.
	Signature string
	// Fn receives the arguments as plain JSON values (Undefined for a missing
	// value) and returns a JSON value, Undefined, or an error.
	Fn func(ctx context.Context, args []any) (any, error)
}

var signatureCache sync.Map // string → *signature or error

func (f *Function) native() *native {
	n := &native{name: "function", arity: 1, nparams: 1}
	if f.Signature != "" {
		var sig *signature
		if cached, ok := signatureCache.Load(f.Signature); ok {
			sig, _ = cached.(*signature)
		} else {
			s, err := parseSignature(f.Signature)
			if err == nil {
				sig = s
				signatureCache.Store(f.Signature, s)
			}
		}
		if sig != nil {
			n.sig = sig
			n.arity = len(sig.params)
			n.nparams = len(sig.params)
		}
	}
	fn := f.Fn
	n.fn = func(ev *evaluator, c call, args []any) (any, error) {
		if fn == nil {
			return nil, nil
		}
		goArgs := make([]any, len(args))
		for i, a := range args {
			v, err := toGo(a)
			if err != nil {
				return nil, err
			}
			goArgs[i] = v
		}
		ctx := ev.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		res, err := fn(ctx, goArgs)
		if err != nil {
			return nil, err
		}
		return fromGo(res)
	}
	return n
}

// Value is a JSON value converted once into the form the evaluator works on,
// for inputs and bindings used by many evaluations (Evaluate converts plain
// Go values on every call). Values are immutable and safe for concurrent use.
// JSON text parsed with ParseJSON keeps its object key order.
type Value struct{ v any }

// NewValue converts a Go JSON value (as encoding/json produces) into a Value.
func NewValue(v any) (Value, error) {
	c, err := fromGo(v)
	if err != nil {
		return Value{}, err
	}
	return Value{v: c}, nil
}

// ParseJSON parses JSON text into a Value, keeping object key order.
func ParseJSON(data []byte) (Value, error) {
	c, err := decodeJSON(data)
	if err != nil {
		return Value{}, err
	}
	return Value{v: c}, nil
}

// Interface returns the value as plain Go JSON values.
func (v Value) Interface() (any, error) {
	if v.v == nil {
		return nil, nil
	}
	return toGo(v.v)
}

// Expr is a compiled expression. It is immutable and safe for concurrent use.
type Expr struct {
	src string
	ast *node
}

// Compile parses an expression. Syntax errors are *Error values with codes
// S0101 to S0402.
func Compile(src string) (e *Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{Code: "S0500", Message: fmt.Sprintf("internal error compiling expression: %v", r)}
		}
	}()
	ast, err := parse(src)
	if err != nil {
		if je, ok := err.(*Error); ok {
			je.populate()
		}
		return nil, err
	}
	return &Expr{src: src, ast: ast}, nil
}

// MustCompile is like Compile but panics if the expression is invalid. It
// is meant for expressions that are constants of the program.
func MustCompile(src string) *Expr {
	e, err := Compile(src)
	if err != nil {
		panic(err)
	}
	return e
}

// String returns the source of the expression.
func (e *Expr) String() string { return e.src }

// Evaluate evaluates the expression against input (a JSON value, or
// Undefined for no input). It returns Undefined when the result is
// undefined. Errors are *Error values, or the context's error when ctx is
// done first.
func (e *Expr) Evaluate(ctx context.Context, input any, env *Env) (result any, err error) {
	in, err := fromGo(input)
	if err != nil {
		return nil, err
	}
	v, err := e.eval(ctx, in, env)
	if err != nil {
		return nil, err
	}
	switch v.(type) {
	case *lambda, *native:
		return FunctionResult, nil
	}
	return toGo(v)
}

// EvaluateJSON is Evaluate on JSON text: it decodes input (empty means no
// input), evaluates, and encodes the result, keeping object keys in the order
// jsonata-js would. An undefined result is returned as nil.
func (e *Expr) EvaluateJSON(ctx context.Context, input []byte, env *Env) ([]byte, error) {
	var in any
	if len(strings.TrimSpace(string(input))) > 0 {
		var err error
		if in, err = decodeJSON(input); err != nil {
			return nil, err
		}
	}
	v, err := e.eval(ctx, in, env)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	var b strings.Builder
	if _, err := writeJSONExact(&b, v); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

func (e *Expr) eval(ctx context.Context, in any, env *Env) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			result = nil
			err = &Error{Code: "U1002", Message: fmt.Sprintf("internal error evaluating expression: %v", r)}
		}
	}()
	if env == nil {
		env = &Env{}
	}
	now := time.Now
	if env.Now != nil {
		now = env.Now
	}
	rnd := rand.Float64
	if env.Rand != nil {
		rnd = env.Rand
	}
	ev := &evaluator{
		ctx:         ctx,
		maxDepth:    env.MaxDepth,
		start:       time.Now(),
		timeLimit:   env.TimeLimit,
		hasDeadline: env.TimeLimit > 0,
		now:         now(),
		rand:        rnd,
	}
	if ev.maxDepth <= 0 {
		ev.maxDepth = DefaultMaxDepth
	}
	execEnv := newFrame(builtinFrame)
	for name, v := range env.Bindings {
		cv, err := fromGo(v)
		if err != nil {
			return nil, fmt.Errorf("binding $%s: %w", name, err)
		}
		execEnv.bind(name, cv)
	}
	execEnv.bind("$", in)
	if a, ok := in.(*array); ok && !a.sequence {
		in = &array{items: []any{a}, sequence: true, outerWrapper: true}
	}
	if ctx != nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	result, err = ev.eval(e.ast, in, execEnv)
	if err != nil {
		var je *Error
		if errors.As(err, &je) {
			je.populate()
		}
		return nil, err
	}
	return result, nil
}
