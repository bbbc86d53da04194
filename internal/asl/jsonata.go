package asl

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/jsonata"
)

// jsonataNode is a compiled "{% expression %}".
type jsonataNode struct {
	src  string // the expression between the delimiters
	expr *jsonata.Expr
	// context reports whether the expression may read $states.context, so
	// evaluations that cannot skip building the context object.
	context bool
}

// compileJSONata compiles the body of a "{% %}" string.
func compileJSONata(src string) (*jsonataNode, error) {
	e, err := jsonata.Compile(src)
	if err != nil {
		return nil, err
	}
	return &jsonataNode{src: src, expr: e, context: readsContext(src)}, nil
}

// readsContext reports whether src may read $states.context: it names it, or
// uses $states other than through .input, .result or .errorOutput.
func readsContext(src string) bool {
	rest := src
	for {
		i := strings.Index(rest, "$states")
		if i < 0 {
			return false
		}
		rest = rest[i+len("$states"):]
		ok := false
		for _, m := range []string{".input", ".result", ".errorOutput"} {
			if strings.HasPrefix(rest, m) && (len(rest) == len(m) || !isIdentChar(rest[len(m)])) {
				ok = true
				break
			}
		}
		if !ok {
			return true
		}
	}
}

// jsonataSyntaxDiag says why an expression did not compile: the parser's
// message, as AWS reports it, then JSONata's code and the position in the
// expression.
func jsonataSyntaxDiag(err error) string {
	var je *jsonata.Error
	if errors.As(err, &je) {
		return fmt.Sprintf("%s (JSONata %s at position %d)", je.Message, je.Code, je.Position)
	}
	return err.Error()
}

// unsupportedJSONata returns why Step Functions refuses the compiled
// expression e: one message per name read at the top level, in source
// order, then one for $eval; nil when it does not.
//
// Step Functions evaluates every JSONata expression without an input
// document: data comes only from variables ($states, Assign variables,
// functions). The States Language therefore says (JSONata Restrictions) that
// an expression MUST NOT reference "$" or unqualified field names at the top
// level, where they would refer to the input document, but MAY where they
// are nested and refer to the contextual value at that point; and MUST NOT
// reference "$$", which always refers to the input document. AWS refuses
// such a definition with UNSUPPORTED_JSONATA_EXPRESSION: "Reference to
// 'phone' at the top level is not supported."
//
// The rule, on the syntax tree (jsonata.Expr.InputReferences): a reference
// is at the top level when it is evaluated against the input document: the
// whole expression ("foo", "$", "$.foo", "input.foo", "*", "**"), the first
// step of a path, either operand of an operator, the condition and branches
// of "? :", each expression of a block, the value bound by ":=", the
// function called and its arguments ("$sum(price)"), and the items of array
// and the keys and values of object constructors written at the top level
// ("{'a': foo}"). It is nested, and allowed, in the steps of a path after
// the first and in what they apply to ("$states.input.items[price >
// 10].name", "$x.{'n': name}", "$x^(price)", "$x{k: v}"), in the pattern and
// update of a transform, and in the body of a function ("function($v){
// name }"), which is evaluated only when called. "$$" is refused anywhere.
//
// AWS implements JSONata 2.0.6 with one built-in function missing: $eval
// ("use $parse instead"). Any read of the variable $eval is refused too,
// with the same code, even if the expression or an Assign binds its own
// $eval; evaluations do not offer the built-in either (newJSONataScope).
func unsupportedJSONata(e *jsonata.Expr) []string {
	var msgs []string
	seen := map[string]bool{}
	for _, r := range e.InputReferences() {
		switch {
		case seen[r.Name]:
		case r.Name == "$$":
			msgs = append(msgs, "Reference to '$$' is not supported.")
		case !r.Deferred:
			msgs = append(msgs, fmt.Sprintf("Reference to '%s' at the top level is not supported.", r.Name))
		default:
			continue
		}
		seen[r.Name] = true
	}
	for _, r := range e.Variables() {
		if r.Name == "eval" {
			msgs = append(msgs, "The function '$eval' is not supported. Use '$parse' instead.")
			break
		}
	}
	return msgs
}

// jsonataScope is what the JSONata parts of one Template.Eval share.
type jsonataScope struct {
	env      *jsonata.Env
	bindings map[string]any
	states   map[string]any
	context  bool
}

func newJSONataScope(env *Env) *jsonataScope {
	states := map[string]any{"input": env.Input}
	if env.Result != nil || env.HasResult {
		states["result"] = env.Result
	}
	if env.ErrorOutput != nil {
		states["errorOutput"] = env.ErrorOutput
	}
	// $eval is the one JSONata built-in Step Functions leaves out.
	b := map[string]any{"eval": jsonata.Undefined}
	if env.Vars != nil {
		for k, v := range env.Vars() {
			b[k] = v
		}
	}
	addAWSFunctions(b, env)
	b["states"] = states
	je := &jsonata.Env{Bindings: b}
	now := env.Now
	je.Now = func() time.Time { return now }
	if env.Rand != nil {
		rnd := env.Rand
		je.Rand = func() float64 { return float64(rnd(0, 1<<53-1)) / (1 << 53) }
	}
	return &jsonataScope{env: je, bindings: b, states: states}
}

// evalJSONata evaluates n for field (e.g. "Output" or "Output/result").
func (n *jsonataNode) eval(env *Env, sc *jsonataScope, field string) (any, error) {
	if n.context && !sc.context {
		sc.states["context"] = env.ContextObject()
		sc.context = true
	}
	v, err := n.expr.Evaluate(context.Background(), nil, sc.env)
	if err != nil {
		detail := err.Error()
		var je *jsonata.Error
		if errors.As(err, &je) {
			detail = je.Code + ": " + je.Message
		}
		return nil, &EvalError{Name: ErrorQueryEvaluationError, Field: field, Cause: fmt.Sprintf(
			"The JSONata expression '%s' specified for the field '%s' threw an error during evaluation. %s", n.src, field, detail)}
	}
	if v == jsonata.Undefined {
		return nil, &EvalError{Name: ErrorQueryEvaluationError, Field: field, Cause: fmt.Sprintf(
			"The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", n.src, field)}
	}
	if v == jsonata.FunctionResult {
		return nil, &EvalError{Name: ErrorQueryEvaluationError, Field: field, Cause: fmt.Sprintf(
			"The JSONata expression '%s' specified for the field '%s' returned an unsupported result type.", n.src, field)}
	}
	return toJSONNumbers(v), nil
}

// toJSONNumbers replaces float64 numbers by json.Number, integers written
// without a fraction, as the rest of the package expects.
func toJSONNumbers(v any) any {
	switch x := v.(type) {
	case float64:
		return floatNumber(x)
	case map[string]any:
		for k, e := range x {
			x[k] = toJSONNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = toJSONNumbers(e)
		}
	}
	return v
}

// floatNumber writes f the way JavaScript's JSON.stringify does.
func floatNumber(f float64) json.Number {
	switch {
	case f == 0:
		return "0"
	case math.IsInf(f, 0) || math.IsNaN(f):
		return "null"
	}
	a := math.Abs(f)
	if a >= 1e21 || a < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes 1e+21 and 1e-07; JavaScript 1e+21 and 1e-7.
		if i := strings.IndexAny(s, "e"); i >= 0 {
			mant, exp := s[:i], s[i+1:]
			sign := exp[0]
			digits := strings.TrimLeft(exp[1:], "0")
			s = mant + "e" + string(sign) + digits
		}
		return json.Number(s)
	}
	return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
}

// Functions Step Functions adds to JSONata that need nothing from Env.
var (
	funcPartition = &jsonata.Function{Signature: "<an:a>", Fn: fnPartition}
	funcRange     = &jsonata.Function{Signature: "<nnn:a>", Fn: fnRange}
	funcHash      = &jsonata.Function{Signature: "<s-s:s>", Fn: fnHash}
	funcParse     = &jsonata.Function{Signature: "<s-:x>", Fn: fnParse}
)

// addAWSFunctions binds the functions Step Functions adds to JSONata.
func addAWSFunctions(b map[string]any, env *Env) {
	b["partition"] = funcPartition
	b["range"] = funcRange
	b["hash"] = funcHash
	b["parse"] = funcParse
	b["random"] = &jsonata.Function{Signature: "<n?:n>", Fn: func(_ context.Context, args []any) (any, error) {
		return fnRandom(env, args)
	}}
	b["uuid"] = &jsonata.Function{Signature: "<:s>", Fn: func(context.Context, []any) (any, error) {
		if env.UUID == nil {
			return nil, errors.New("$uuid is not available")
		}
		return env.UUID(), nil
	}}
}

func argFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func fnPartition(_ context.Context, args []any) (any, error) {
	if len(args) < 2 || args[0] == jsonata.Undefined || args[1] == jsonata.Undefined {
		return jsonata.Undefined, nil
	}
	arr, ok := args[0].([]any)
	if !ok {
		arr = []any{args[0]}
	}
	size, ok := argFloat(args[1])
	if !ok || size != math.Trunc(size) || size < 1 {
		return nil, fmt.Errorf("the chunk size of $partition must be a positive integer, but was %s", compactJSON(args[1]))
	}
	n := int(math.Min(size, float64(len(arr)+1)))
	out := []any{}
	for i := 0; i < len(arr); i += n {
		out = append(out, arr[i:min(i+n, len(arr))])
	}
	return out, nil
}

// maxRange bounds the length of a $range result.
const maxRange = 1_000_000

func fnRange(_ context.Context, args []any) (any, error) {
	if len(args) < 3 {
		return jsonata.Undefined, nil
	}
	var v [3]int64
	for i := range v {
		if args[i] == jsonata.Undefined {
			return jsonata.Undefined, nil
		}
		f, ok := argFloat(args[i])
		if !ok || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1<<53 {
			return nil, fmt.Errorf("argument %d of $range must be a finite number", i+1)
		}
		v[i] = int64(f)
	}
	start, end, step := v[0], v[1], v[2]
	if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
		return jsonata.Undefined, nil
	}
	count := (end-start)/step + 1
	if count > maxRange {
		return nil, fmt.Errorf("$range would return %d numbers, more than the maximum of %d", count, maxRange)
	}
	if count == 1 {
		return json.Number(strconv.FormatInt(start, 10)), nil
	}
	out := make([]any, count)
	for i := range out {
		out[i] = json.Number(strconv.FormatInt(start+int64(i)*step, 10))
	}
	return out, nil
}

func fnHash(_ context.Context, args []any) (any, error) {
	if len(args) < 2 || args[0] == jsonata.Undefined || args[1] == jsonata.Undefined {
		return jsonata.Undefined, nil
	}
	data, _ := args[0].(string)
	alg, _ := args[1].(string)
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("the hash algorithm %q is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", alg)
	}
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fnRandom(env *Env, args []any) (any, error) {
	if len(args) > 0 && args[0] != jsonata.Undefined {
		f, ok := argFloat(args[0])
		if !ok || f != math.Trunc(f) {
			return nil, fmt.Errorf("the seed of $random must be an integer, but was %s", compactJSON(args[0]))
		}
		seed := uint64(int64(f))
		return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)).Float64(), nil
	}
	if env.Rand == nil {
		return 0.5, nil
	}
	return float64(env.Rand(0, 1<<53-1)) / (1 << 53), nil
}

func fnParse(_ context.Context, args []any) (any, error) {
	if len(args) == 0 || args[0] == jsonata.Undefined {
		return jsonata.Undefined, nil
	}
	s, _ := args[0].(string)
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("$parse: the argument is not valid JSON: %s", s)
	}
	if dec.More() {
		return nil, fmt.Errorf("$parse: the argument is not valid JSON: %s", s)
	}
	return normaliseNumbers(v), nil
}

// normaliseNumbers rewrites decoded json.Numbers such as "-0" or "1.0" the
// way JavaScript would print them.
func normaliseNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return floatNumber(f)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = normaliseNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normaliseNumbers(e)
		}
	}
	return v
}
