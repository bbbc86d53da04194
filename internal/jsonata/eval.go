package jsonata

import (
	"context"
	"math"
	"strconv"
	"time"
)

// This file ports the evaluator of jsonata-js src/jsonata.js.

// frame is a scope of variable bindings.
type frame struct {
	vars   map[string]any
	parent *frame
}

func newFrame(parent *frame) *frame {
	return &frame{parent: parent}
}

func (f *frame) bind(name string, v any) {
	if f.vars == nil {
		f.vars = make(map[string]any, 4)
	}
	f.vars[name] = v
}

func (f *frame) lookup(name string) (any, bool) {
	for fr := f; fr != nil; fr = fr.parent {
		if v, ok := fr.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func frameFromTuple(env *frame, t tuple) *frame {
	fr := &frame{parent: env, vars: make(map[string]any, len(t))}
	for k, v := range t {
		fr.vars[k] = v
	}
	return fr
}

// lambda is a user-defined function (closure), a tail-call thunk, or the
// result of partially applying a function.
type lambda struct {
	params     []string
	body       *node
	sig        *signature
	input      any
	env        *frame
	thunk      bool
	nativeBody *native // partial application of a native function
}

// native is a function implemented in Go: a built-in, a transformer, a regex
// matcher, or a caller-registered *Function.
type native struct {
	name    string
	sig     *signature
	arity   int // JavaScript's Function.length: used by higher-order functions
	nparams int // declared parameters: used by partial application
	fn      func(ev *evaluator, c call, args []any) (any, error)
}

// call is the focus jsonata-js passes as `this` to a native function.
type call struct {
	input any
	env   *frame
}

func funcArity(f any) int {
	switch fn := f.(type) {
	case *lambda:
		return len(fn.params)
	case *native:
		return fn.arity
	}
	return 0
}

type evaluator struct {
	ctx         context.Context
	depth       int
	maxDepth    int
	start       time.Time
	timeLimit   time.Duration
	hasDeadline bool
	ticks       uint32
	now         time.Time
	rand        func() float64
}

func (ev *evaluator) limitError() error {
	return &Error{Code: "U1001"}
}

func (ev *evaluator) eval(expr *node, input any, env *frame) (any, error) {
	ev.depth++
	if ev.depth > ev.maxDepth {
		ev.depth--
		return nil, &Error{Code: "U1001", Position: expr.pos, hasPos: true, Message: "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive."}
	}
	ev.ticks++
	if ev.ticks&255 == 0 {
		if err := ev.checkTime(); err != nil {
			ev.depth--
			return nil, err
		}
	}
	result, err := ev.evalNode(expr, input, env)
	if err == nil && expr.predicate != nil {
		for _, st := range expr.predicate {
			if result, err = ev.evalFilter(st.expr, result, env); err != nil {
				break
			}
		}
	}
	if err == nil && expr.typ != nPath && expr.group != nil {
		result, err = ev.evalGroup(expr.group, result, env)
	}
	ev.depth--
	if err != nil {
		return nil, err
	}
	if arr, ok := result.(*array); ok && arr.sequence && !arr.tupleStream {
		if expr.keepArray {
			arr.keepSingle = true
		}
		switch len(arr.items) {
		case 0:
			return nil, nil
		case 1:
			if !arr.keepSingle {
				return arr.items[0], nil
			}
		}
	}
	return result, nil
}

// tick is called in long-running loops of native functions: every 256 calls
// it checks the time limit and the context.
func (ev *evaluator) tick() error {
	ev.ticks++
	if ev.ticks&255 == 0 {
		return ev.checkTime()
	}
	return nil
}

func (ev *evaluator) checkTime() error {
	if ev.ctx != nil {
		if err := ev.ctx.Err(); err != nil {
			return err
		}
	}
	if ev.hasDeadline && time.Since(ev.start) > ev.timeLimit {
		return &Error{Code: "U1001", Message: "Expression evaluation timeout: Check for infinite loop"}
	}
	return nil
}

func (ev *evaluator) evalNode(expr *node, input any, env *frame) (any, error) {
	switch expr.typ {
	case nPath:
		return ev.evalPath(expr, input, env)
	case nBinary:
		return ev.evalBinary(expr, input, env)
	case nUnary:
		return ev.evalUnary(expr, input, env)
	case nName:
		return lookupField(input, expr.str), nil
	case nString:
		return expr.str, nil
	case nNumber:
		return expr.num, nil
	case nValue:
		return expr.val, nil
	case nWildcard:
		return ev.evalWildcard(input), nil
	case nDescendant:
		return evalDescendants(input), nil
	case nParent:
		v, _ := env.lookup(expr.slot.label)
		return v, nil
	case nCondition:
		cond, err := ev.eval(expr.condition, input, env)
		if err != nil {
			return nil, err
		}
		b, err := toBoolean(cond)
		if err != nil {
			return nil, err
		}
		if b {
			return ev.eval(expr.then, input, env)
		} else if expr.els != nil {
			return ev.eval(expr.els, input, env)
		}
		return nil, nil
	case nBlock:
		fr := newFrame(env)
		var result any
		for _, e := range expr.expressions {
			var err error
			if result, err = ev.eval(e, input, fr); err != nil {
				return nil, err
			}
		}
		return result, nil
	case nBind:
		v, err := ev.eval(expr.rhs, input, env)
		if err != nil {
			return nil, err
		}
		env.bind(expr.lhs.str, v)
		return v, nil
	case nRegex:
		return regexMatcher(expr.re, expr.pos), nil
	case nFunction:
		return ev.evalFunction(expr, input, env, nil, false)
	case nVariable:
		if expr.str == "" {
			if arr, ok := input.(*array); ok && arr.outerWrapper {
				if len(arr.items) > 0 {
					return arr.items[0], nil
				}
				return nil, nil
			}
			return input, nil
		}
		v, _ := env.lookup(expr.str)
		return v, nil
	case nLambda:
		params := make([]string, len(expr.arguments))
		for i, a := range expr.arguments {
			params[i] = a.str
		}
		return &lambda{params: params, body: expr.body, sig: expr.signature, input: input, env: env, thunk: expr.thunk}, nil
	case nPartial:
		return ev.evalPartial(expr, input, env)
	case nApply:
		return ev.evalApply(expr, input, env)
	case nTransform:
		return ev.transformer(expr, env), nil
	case nSort:
		arr, ok := input.(*array)
		if !ok {
			arr = newSequence(input)
		}
		return ev.evalSort(expr, arr, env)
	}
	return nil, &Error{Code: "S0206", Position: expr.pos, Token: expr.typ.String(), hasToken: true}
}

func asSeq(v any) *array {
	if a, ok := v.(*array); ok {
		return a
	}
	return newSequence(v)
}

func (ev *evaluator) evalPath(expr *node, input any, env *frame) (any, error) {
	var inputSeq *array
	if arr, ok := input.(*array); ok && expr.steps[0].typ != nVariable {
		inputSeq = arr
	} else {
		inputSeq = newSequence(input)
	}
	var resultSeq any
	isTupleStream := false
	var tupleBindings *array
	last := len(expr.steps) - 1
	for ii, step := range expr.steps {
		if step.tuple {
			isTupleStream = true
		}
		var err error
		if ii == 0 && step.consarray {
			resultSeq, err = ev.eval(step, inputSeq, env)
		} else if isTupleStream {
			tupleBindings, err = ev.evalTupleStep(step, inputSeq, tupleBindings, env)
		} else {
			resultSeq, err = ev.evalStep(step, inputSeq, env, ii == last)
		}
		if err != nil {
			return nil, err
		}
		if !isTupleStream {
			if resultSeq == nil {
				break
			}
			if a, ok := resultSeq.(*array); ok && len(a.items) == 0 {
				break
			}
		}
		if !step.hasFocus {
			if !isTupleStream {
				inputSeq = asSeq(resultSeq)
			}
		}
	}
	if isTupleStream {
		if expr.tuple {
			resultSeq = tupleBindings
		} else {
			out := newSequence()
			if tupleBindings != nil {
				out.items = make([]any, len(tupleBindings.items))
				for i, t := range tupleBindings.items {
					if tp, ok := t.(tuple); ok {
						out.items[i] = tp["@"]
					} else {
						out.items[i] = t
					}
				}
			}
			resultSeq = out
		}
	}
	if expr.keepSingletonArray {
		if arr, ok := resultSeq.(*array); ok && arr.cons && !arr.sequence {
			resultSeq = newSequence(arr)
		}
		if arr, ok := resultSeq.(*array); ok && !arr.keepSingle {
			// copy rather than flag in place: arr may belong to the input,
			// which evaluations share
			c := *arr
			c.keepSingle = true
			resultSeq = &c
		}
	}
	if expr.group != nil {
		var in any = resultSeq
		if isTupleStream {
			in = tupleBindings
		}
		return ev.evalGroup(expr.group, in, env)
	}
	return resultSeq, nil
}

func (ev *evaluator) evalStep(expr *node, input *array, env *frame, lastStep bool) (any, error) {
	if expr.typ == nSort {
		result, err := ev.evalSort(expr, input, env)
		if err != nil {
			return nil, err
		}
		if expr.stages != nil {
			return ev.evalStages(expr.stages, result, env)
		}
		return result, nil
	}
	results := make([]any, 0, len(input.items))
	for _, item := range input.items {
		res, err := ev.eval(expr, item, env)
		if err != nil {
			return nil, err
		}
		for _, st := range expr.stages {
			if res, err = ev.evalFilter(st.expr, res, env); err != nil {
				return nil, err
			}
		}
		if res != nil {
			results = append(results, res)
		}
	}
	if lastStep && len(results) == 1 {
		if a, ok := results[0].(*array); ok && !a.sequence {
			return a, nil
		}
	}
	out := &array{sequence: true, items: make([]any, 0, len(results))}
	for _, res := range results {
		if a, ok := res.(*array); ok && !a.cons {
			out.items = append(out.items, a.items...)
		} else {
			out.items = append(out.items, res)
		}
	}
	return out, nil
}

func (ev *evaluator) evalStages(stages []*stage, input any, env *frame) (any, error) {
	result := input
	for _, st := range stages {
		switch st.typ {
		case stageFilter:
			var err error
			if result, err = ev.evalFilter(st.expr, result, env); err != nil {
				return nil, err
			}
		case stageIndex:
			if arr, ok := result.(*array); ok {
				for i, t := range arr.items {
					if tp, ok := t.(tuple); ok {
						tp[st.value] = float64(i)
					}
				}
			}
		}
	}
	return result, nil
}

func (ev *evaluator) evalTupleStep(expr *node, input *array, tupleBindings *array, env *frame) (*array, error) {
	if expr.typ == nSort {
		var result *array
		if tupleBindings != nil {
			r, err := ev.evalSort(expr, tupleBindings, env)
			if err != nil {
				return nil, err
			}
			result = asSeq(r)
		} else {
			sorted, err := ev.evalSort(expr, input, env)
			if err != nil {
				return nil, err
			}
			result = &array{sequence: true, tupleStream: true}
			for i, v := range asSeq(sorted).items {
				t := tuple{"@": v}
				if expr.hasIndex {
					t[expr.index] = float64(i)
				}
				result.items = append(result.items, t)
			}
		}
		if expr.stages != nil {
			r, err := ev.evalStages(expr.stages, result, env)
			if err != nil {
				return nil, err
			}
			result = asSeq(r)
		}
		return result, nil
	}
	result := &array{sequence: true, tupleStream: true}
	var bindings []any
	if tupleBindings == nil {
		bindings = make([]any, len(input.items))
		for i, item := range input.items {
			bindings[i] = tuple{"@": item}
		}
	} else {
		bindings = tupleBindings.items
	}
	for _, b := range bindings {
		tb, ok := b.(tuple)
		if !ok {
			tb = tuple{"@": b}
		}
		stepEnv := frameFromTuple(env, tb)
		res, err := ev.eval(expr, tb["@"], stepEnv)
		if err != nil {
			return nil, err
		}
		if res == nil {
			continue
		}
		resArr, ok := res.(*array)
		if !ok {
			resArr = newArray([]any{res})
		}
		for bb, r := range resArr.items {
			t := make(tuple, len(tb)+2)
			for k, v := range tb {
				t[k] = v
			}
			if resArr.tupleStream {
				if rt, ok := r.(tuple); ok {
					for k, v := range rt {
						t[k] = v
					}
				}
			} else {
				if expr.focus != "" {
					t[expr.focus] = r
					t["@"] = tb["@"]
				} else {
					t["@"] = r
				}
				if expr.index != "" {
					t[expr.index] = float64(bb)
				}
				if expr.ancestor != nil {
					t[expr.ancestor.label] = tb["@"]
				}
			}
			result.items = append(result.items, t)
		}
	}
	if expr.stages != nil {
		r, err := ev.evalStages(expr.stages, result, env)
		if err != nil {
			return nil, err
		}
		return asSeq(r), nil
	}
	return result, nil
}

func (ev *evaluator) evalFilter(predicate *node, input any, env *frame) (any, error) {
	results := newSequence()
	inArr, ok := input.(*array)
	if ok && inArr.tupleStream {
		results.tupleStream = true
	}
	if !ok {
		inArr = newSequence(input)
	}
	if predicate.typ == nNumber {
		index := int(math.Floor(predicate.num))
		if index < 0 {
			index += len(inArr.items)
		}
		if index >= 0 && index < len(inArr.items) {
			item := inArr.items[index]
			if item != nil {
				if a, ok := item.(*array); ok {
					return a, nil
				}
				results.items = append(results.items, item)
			}
		}
		return results, nil
	}
	for index, item := range inArr.items {
		context := item
		fenv := env
		if inArr.tupleStream {
			if t, ok := item.(tuple); ok {
				context = t["@"]
				fenv = frameFromTuple(env, t)
			}
		}
		res, err := ev.eval(predicate, context, fenv)
		if err != nil {
			return nil, err
		}
		num, err := isNumeric(res)
		if err != nil {
			return nil, err
		}
		if num {
			res = newArray([]any{res})
		}
		nums, err := isArrayOfNumbers(res)
		if err != nil {
			return nil, err
		}
		if nums {
			for _, ires := range res.(*array).items {
				ii := int(math.Floor(ires.(float64)))
				if ii < 0 {
					ii += len(inArr.items)
				}
				if ii == index {
					results.items = append(results.items, item)
				}
			}
		} else {
			b, err := toBoolean(res)
			if err != nil {
				return nil, err
			}
			if b {
				results.items = append(results.items, item)
			}
		}
	}
	return results, nil
}

func withPosToken(err error, pos int, token string) error {
	if e, ok := err.(*Error); ok {
		e.Position = pos
		e.hasPos = true
		e.Token = token
		e.hasToken = true
	}
	return err
}

func (ev *evaluator) evalBinary(expr *node, input any, env *frame) (any, error) {
	if expr.id == "^" {
		// order-by outside a path is converted to a path by the parser
		return nil, &Error{Code: "S0201", Position: expr.pos}
	}
	lhs, err := ev.eval(expr.lhs, input, env)
	if err != nil {
		return nil, err
	}
	op := expr.str
	if op == "and" || op == "or" {
		lb, err := toBoolean(lhs)
		if err != nil {
			return nil, withPosToken(err, expr.pos, op)
		}
		if op == "and" && !lb {
			return false, nil
		}
		if op == "or" && lb {
			return true, nil
		}
		rhs, err := ev.eval(expr.rhs, input, env)
		if err != nil {
			return nil, err
		}
		rb, err := toBoolean(rhs)
		if err != nil {
			return nil, withPosToken(err, expr.pos, op)
		}
		return rb, nil
	}
	rhs, err := ev.eval(expr.rhs, input, env)
	if err != nil {
		return nil, err
	}
	var result any
	switch op {
	case "+", "-", "*", "/", "%":
		result, err = numericOp(lhs, rhs, op)
	case "=", "!=":
		if lhs == nil || rhs == nil {
			return false, nil
		}
		eq := deepEqual(lhs, rhs)
		if op == "=" {
			return eq, nil
		}
		return !eq, nil
	case "<", "<=", ">", ">=":
		result, err = comparisonOp(lhs, rhs, op)
	case "&":
		var ls, rs string
		if lhs != nil {
			if ls, err = fnString(lhs, false); err != nil {
				break
			}
		}
		if rhs != nil {
			if rs, err = fnString(rhs, false); err != nil {
				break
			}
		}
		result = ls + rs
	case "..":
		result, err = rangeOp(lhs, rhs)
	case "in":
		if lhs == nil || rhs == nil {
			return false, nil
		}
		items := []any{rhs}
		if a, ok := rhs.(*array); ok {
			items = a.items
		}
		for _, it := range items {
			if strictEqual(it, lhs) {
				return true, nil
			}
		}
		return false, nil
	default:
		return nil, &Error{Code: "S0201", Position: expr.pos, Token: op, hasToken: true}
	}
	if err != nil {
		return nil, withPosToken(err, expr.pos, op)
	}
	return result, nil
}

// strictEqual is JavaScript's ===.
func strictEqual(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nullType:
		_, ok := b.(nullType)
		return ok
	case nil:
		return b == nil
	case *object:
		y, ok := b.(*object)
		return ok && x == y
	case *array:
		y, ok := b.(*array)
		return ok && x == y
	case *lambda:
		y, ok := b.(*lambda)
		return ok && x == y
	case *native:
		y, ok := b.(*native)
		return ok && x == y
	}
	return false
}

func numericOp(lhs, rhs any, op string) (any, error) {
	if lhs != nil {
		n, err := isNumeric(lhs)
		if err != nil {
			return nil, err
		}
		if !n {
			return nil, &Error{Code: "T2001", Value: lhs}
		}
	}
	if rhs != nil {
		n, err := isNumeric(rhs)
		if err != nil {
			return nil, err
		}
		if !n {
			return nil, &Error{Code: "T2002", Value: rhs}
		}
	}
	if lhs == nil || rhs == nil {
		return nil, nil
	}
	l, r := lhs.(float64), rhs.(float64)
	switch op {
	case "+":
		return l + r, nil
	case "-":
		return l - r, nil
	case "*":
		return l * r, nil
	case "/":
		return l / r, nil
	default:
		return math.Mod(l, r), nil
	}
}

func comparisonOp(lhs, rhs any, op string) (any, error) {
	comparable := func(v any) bool {
		switch v.(type) {
		case nil, string, float64:
			return true
		}
		return false
	}
	if !comparable(lhs) || !comparable(rhs) {
		var v any = rhs
		switch lhs.(type) {
		case string, float64:
		default:
			v = lhs
		}
		return nil, &Error{Code: "T2010", Value: v}
	}
	if lhs == nil || rhs == nil {
		return nil, nil
	}
	switch l := lhs.(type) {
	case float64:
		r, ok := rhs.(float64)
		if !ok {
			return nil, &Error{Code: "T2009", Value: lhs, value2: rhs}
		}
		switch op {
		case "<":
			return l < r, nil
		case "<=":
			return l <= r, nil
		case ">":
			return l > r, nil
		default:
			return l >= r, nil
		}
	case string:
		r, ok := rhs.(string)
		if !ok {
			return nil, &Error{Code: "T2009", Value: lhs, value2: rhs}
		}
		c := compareJSStrings(l, r)
		switch op {
		case "<":
			return c < 0, nil
		case "<=":
			return c <= 0, nil
		case ">":
			return c > 0, nil
		default:
			return c >= 0, nil
		}
	}
	return nil, nil
}

// compareJSStrings compares strings by UTF-16 code units, as JavaScript does.
func compareJSStrings(a, b string) int {
	if isASCII(a) && isASCII(b) {
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	}
	ua, ub := toUTF16(a), toUTF16(b)
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			if ua[i] < ub[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(ua) < len(ub):
		return -1
	case len(ua) > len(ub):
		return 1
	}
	return 0
}

func rangeOp(lhs, rhs any) (any, error) {
	if lhs != nil {
		if f, ok := lhs.(float64); !ok || !isInteger(f) {
			return nil, &Error{Code: "T2003", Value: lhs}
		}
	}
	if rhs != nil {
		if f, ok := rhs.(float64); !ok || !isInteger(f) {
			return nil, &Error{Code: "T2004", Value: rhs}
		}
	}
	if lhs == nil || rhs == nil {
		return nil, nil
	}
	l, r := lhs.(float64), rhs.(float64)
	if l > r {
		return nil, nil
	}
	size := r - l + 1
	if size > 1e7 {
		return nil, &Error{Code: "D2014", Value: size}
	}
	items := make([]any, int(size))
	for i := range items {
		items[i] = l + float64(i)
	}
	return &array{items: items, sequence: true}, nil
}

func (ev *evaluator) evalUnary(expr *node, input any, env *frame) (any, error) {
	switch expr.id {
	case "-":
		v, err := ev.eval(expr.expression, input, env)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		n, err := isNumeric(v)
		if err != nil {
			return nil, err
		}
		if n {
			return -v.(float64), nil
		}
		return nil, &Error{Code: "D1002", Position: expr.pos, hasPos: true, Token: "-", hasToken: true, Value: v}
	case "[":
		result := &array{items: make([]any, 0, len(expr.expressions))}
		for _, item := range expr.expressions {
			v, err := ev.eval(item, input, env)
			if err != nil {
				return nil, err
			}
			if v == nil {
				continue
			}
			if item.typ == nUnary && item.id == "[" {
				result.items = append(result.items, v)
			} else if a, ok := v.(*array); ok {
				result.items = append(result.items, a.items...)
			} else {
				result.items = append(result.items, v)
			}
		}
		if expr.consarray {
			result.cons = true
		}
		return result, nil
	case "{":
		return ev.evalGroup(&groupExpr{pairs: expr.pairs, pos: expr.pos}, input, env)
	}
	return nil, &Error{Code: "S0201", Position: expr.pos}
}

// lookupField mirrors fn.lookup.
func lookupField(input any, key string) any {
	switch v := input.(type) {
	case *object:
		r, _ := v.get(key)
		return r
	case *array:
		result := &array{sequence: true}
		for _, it := range v.items {
			res := lookupField(it, key)
			if res == nil {
				continue
			}
			if a, ok := res.(*array); ok {
				result.items = append(result.items, a.items...)
			} else {
				result.items = append(result.items, res)
			}
		}
		return result
	case tuple:
		return v[key]
	}
	return nil
}

func (ev *evaluator) evalWildcard(input any) any {
	results := &array{sequence: true}
	if a, ok := input.(*array); ok && a.outerWrapper && len(a.items) > 0 {
		input = a.items[0]
	}
	add := func(value any) {
		if a, ok := value.(*array); ok {
			flat := flatten(a, nil)
			items := make([]any, 0, len(results.items)+len(flat))
			items = append(items, results.items...)
			items = append(items, flat...)
			results = &array{items: items}
		} else {
			results.items = append(results.items, value)
		}
	}
	switch v := input.(type) {
	case *object:
		for _, k := range v.keys {
			add(v.vals[k])
		}
	case *array:
		for _, it := range v.items {
			add(it)
		}
	}
	return results
}

func flatten(v any, out []any) []any {
	if a, ok := v.(*array); ok {
		for _, it := range a.items {
			out = flatten(it, out)
		}
		return out
	}
	return append(out, v)
}

func evalDescendants(input any) any {
	if input == nil {
		return nil
	}
	results := &array{sequence: true}
	recurseDescendants(input, results)
	if len(results.items) == 1 {
		return results.items[0]
	}
	return results
}

func recurseDescendants(input any, results *array) {
	switch v := input.(type) {
	case *array:
		for _, it := range v.items {
			recurseDescendants(it, results)
		}
	case *object:
		results.items = append(results.items, v)
		for _, k := range v.keys {
			recurseDescendants(v.vals[k], results)
		}
	default:
		results.items = append(results.items, input)
	}
}

type groupEntry struct {
	data      any
	owned     []any // once a second item joins: the items fnAppend would build
	isOwned   bool
	exprIndex int
}

// add appends item as fnAppend(data, item) would, in place.
func (g *groupEntry) add(item any) {
	if !g.isOwned {
		if a, ok := g.data.(*array); ok {
			g.owned = append([]any(nil), a.items...)
		} else {
			g.owned = []any{g.data}
		}
		g.isOwned = true
	}
	if a, ok := item.(*array); ok {
		g.owned = append(g.owned, a.items...)
	} else {
		g.owned = append(g.owned, item)
	}
}

func (g *groupEntry) value() any {
	if g.isOwned {
		return &array{items: g.owned}
	}
	return g.data
}

func (ev *evaluator) evalGroup(expr *groupExpr, input any, env *frame) (any, error) {
	result := newObject(len(expr.pairs))
	groups := newObject(len(expr.pairs))
	inArr, ok := input.(*array)
	reduce := ok && inArr.tupleStream
	if !ok {
		inArr = newSequence(input)
	}
	items := inArr.items
	if len(items) == 0 && !reduce {
		items = []any{nil}
	}
	for _, item := range items {
		genv := env
		context := item
		if reduce {
			if t, ok := item.(tuple); ok {
				genv = frameFromTuple(env, t)
				context = t["@"]
			}
		}
		for pairIndex, pair := range expr.pairs {
			key, err := ev.eval(pair[0], context, genv)
			if err != nil {
				return nil, err
			}
			if key == nil {
				continue
			}
			ks, ok := key.(string)
			if !ok {
				return nil, &Error{Code: "T1003", Position: expr.pos, hasPos: true, Value: key}
			}
			if existing, ok := groups.get(ks); ok {
				entry := existing.(*groupEntry)
				if entry.exprIndex != pairIndex {
					return nil, &Error{Code: "D1009", Position: expr.pos, hasPos: true, Value: ks}
				}
				if item != nil {
					entry.add(item)
				}
			} else {
				groups.set(ks, &groupEntry{data: item, exprIndex: pairIndex})
			}
		}
	}
	for _, key := range groups.keys {
		g, _ := groups.get(key)
		entry := g.(*groupEntry)
		context := entry.value()
		genv := env
		if reduce {
			t := reduceTupleStream(context)
			context = t["@"]
			delete(t, "@")
			genv = frameFromTuple(env, t)
		}
		v, err := ev.eval(expr.pairs[entry.exprIndex][1], context, genv)
		if err != nil {
			return nil, err
		}
		if v != nil {
			result.set(key, v)
		}
	}
	return result, nil
}

func reduceTupleStream(data any) tuple {
	switch v := data.(type) {
	case tuple:
		t := make(tuple, len(v))
		for k, val := range v {
			t[k] = val
		}
		return t
	case *array:
		result := tuple{}
		if len(v.items) == 0 {
			return result
		}
		entries := map[string]*groupEntry{}
		if first, ok := v.items[0].(tuple); ok {
			for k, val := range first {
				entries[k] = &groupEntry{data: val}
			}
		}
		for _, it := range v.items[1:] {
			t, ok := it.(tuple)
			if !ok {
				continue
			}
			for k, val := range t {
				if val == nil {
					continue
				}
				if e, ok := entries[k]; ok && e.data != nil {
					e.add(val)
				} else {
					entries[k] = &groupEntry{data: val}
				}
			}
		}
		for k, e := range entries {
			result[k] = e.value()
		}
		return result
	}
	return tuple{"@": data}
}

// fnAppend mirrors fn.append: the result of joining two values is a plain
// array (Array.prototype.concat drops the sequence flag).
func fnAppend(arg1, arg2 any) any {
	if arg1 == nil {
		return arg2
	}
	if arg2 == nil {
		return arg1
	}
	var items []any
	if a, ok := arg1.(*array); ok {
		items = make([]any, 0, len(a.items)+1)
		items = append(items, a.items...)
	} else {
		items = []any{arg1}
	}
	if b, ok := arg2.(*array); ok {
		items = append(items, b.items...)
	} else {
		items = append(items, arg2)
	}
	return &array{items: items}
}

func (ev *evaluator) evalSort(expr *node, input *array, env *frame) (any, error) {
	isTupleSort := input.tupleStream
	comparator := func(a, b any) (bool, error) {
		comp := 0
		for index := 0; comp == 0 && index < len(expr.terms); index++ {
			term := expr.terms[index]
			ctxA, envA := a, env
			if isTupleSort {
				if t, ok := a.(tuple); ok {
					ctxA = t["@"]
					envA = frameFromTuple(env, t)
				}
			}
			aa, err := ev.eval(term.expr, ctxA, envA)
			if err != nil {
				return false, err
			}
			ctxB, envB := b, env
			if isTupleSort {
				if t, ok := b.(tuple); ok {
					ctxB = t["@"]
					envB = frameFromTuple(env, t)
				}
			}
			bb, err := ev.eval(term.expr, ctxB, envB)
			if err != nil {
				return false, err
			}
			if aa == nil {
				if bb == nil {
					comp = 0
				} else {
					comp = 1
				}
				continue
			}
			if bb == nil {
				comp = -1
				continue
			}
			_, aNum := aa.(float64)
			_, aStr := aa.(string)
			_, bNum := bb.(float64)
			_, bStr := bb.(string)
			if !(aNum || aStr) || !(bNum || bStr) {
				v := bb
				if !(aNum || aStr) {
					v = aa
				}
				return false, &Error{Code: "T2008", Position: expr.pos, hasPos: true, Value: v}
			}
			if aNum != bNum {
				return false, &Error{Code: "T2007", Position: expr.pos, hasPos: true, Value: aa, value2: bb}
			}
			if aNum {
				x, y := aa.(float64), bb.(float64)
				switch {
				case x == y:
					continue
				case x < y:
					comp = -1
				default:
					comp = 1
				}
			} else {
				c := compareJSStrings(aa.(string), bb.(string))
				if c == 0 {
					continue
				}
				comp = c
			}
			if term.descending {
				comp = -comp
			}
		}
		return comp == 1, nil
	}
	return mergeSort(input, comparator)
}

// mergeSort mirrors fn.sort's stable merge sort: swap(a, b) reports whether b
// must come before a.
func mergeSort(arr *array, swap func(a, b any) (bool, error)) (any, error) {
	if len(arr.items) <= 1 {
		return arr, nil
	}
	var msort func(items []any) ([]any, error)
	msort = func(items []any) ([]any, error) {
		if len(items) <= 1 {
			return items, nil
		}
		mid := len(items) / 2
		left, err := msort(items[:mid])
		if err != nil {
			return nil, err
		}
		right, err := msort(items[mid:])
		if err != nil {
			return nil, err
		}
		merged := make([]any, 0, len(items))
		i, j := 0, 0
		for i < len(left) && j < len(right) {
			s, err := swap(left[i], right[j])
			if err != nil {
				return nil, err
			}
			if s {
				merged = append(merged, right[j])
				j++
			} else {
				merged = append(merged, left[i])
				i++
			}
		}
		merged = append(merged, left[i:]...)
		merged = append(merged, right[j:]...)
		return merged, nil
	}
	items := make([]any, len(arr.items))
	copy(items, arr.items)
	sorted, err := msort(items)
	if err != nil {
		return nil, err
	}
	return &array{items: sorted}, nil
}

var chainAST *node

func init() {
	var err error
	chainAST, err = parse("function($f, $g) { function($x){ $g($f($x)) } }")
	if err != nil {
		panic(err)
	}
}

func (ev *evaluator) evalApply(expr *node, input any, env *frame) (any, error) {
	lhs, err := ev.eval(expr.lhs, input, env)
	if err != nil {
		return nil, err
	}
	if expr.rhs.typ == nFunction {
		return ev.evalFunction(expr.rhs, input, env, lhs, true)
	}
	fn, err := ev.eval(expr.rhs, input, env)
	if err != nil {
		return nil, err
	}
	if !isFunction(fn) {
		return nil, &Error{Code: "T2006", Position: expr.pos, hasPos: true, Value: fn}
	}
	if isFunction(lhs) {
		chain, err := ev.eval(chainAST, nil, env)
		if err != nil {
			return nil, err
		}
		return ev.apply(chain, []any{lhs, fn}, nil, env, "", 0)
	}
	return ev.apply(fn, []any{lhs}, nil, env, "", 0)
}

func procName(p *node) string {
	if p.typ == nPath && len(p.steps) > 0 {
		return p.steps[0].str
	}
	return p.str
}

func (ev *evaluator) evalFunction(expr *node, input any, env *frame, applyto any, hasApplyto bool) (any, error) {
	proc, err := ev.eval(expr.procedure, input, env)
	if err != nil {
		return nil, err
	}
	if proc == nil && expr.procedure.typ == nPath && len(expr.procedure.steps) > 0 {
		if v, ok := env.lookup(expr.procedure.steps[0].str); ok && jsTruthy(v) {
			return nil, &Error{Code: "T1005", Position: expr.pos, hasPos: true, Token: expr.procedure.steps[0].str, hasToken: true}
		}
	}
	args := make([]any, 0, len(expr.arguments)+1)
	if hasApplyto {
		args = append(args, applyto)
	}
	for _, a := range expr.arguments {
		v, err := ev.eval(a, input, env)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	name := procName(expr.procedure)
	result, err := ev.apply(proc, args, input, env, name, expr.pos)
	if err != nil {
		if e, ok := err.(*Error); ok {
			if !e.hasPos {
				e.Position = expr.pos
				e.hasPos = true
			}
			if !e.hasToken {
				e.Token = name
				e.hasToken = true
			}
		}
		return nil, err
	}
	return result, nil
}

// apply invokes a function, running the trampoline for tail calls.
func (ev *evaluator) apply(proc any, args []any, input any, env *frame, token string, pos int) (any, error) {
	result, err := ev.applyInner(proc, args, input, env, token, pos)
	if err != nil {
		return nil, err
	}
	for {
		l, ok := result.(*lambda)
		if !ok || !l.thunk {
			return result, nil
		}
		body := l.body
		next, err := ev.eval(body.procedure, l.input, l.env)
		if err != nil {
			return nil, err
		}
		tok := ""
		if body.procedure.typ == nVariable {
			tok = body.procedure.str
		}
		evaluated := make([]any, 0, len(body.arguments))
		for _, a := range body.arguments {
			v, err := ev.eval(a, l.input, l.env)
			if err != nil {
				return nil, err
			}
			evaluated = append(evaluated, v)
		}
		if result, err = ev.applyInner(next, evaluated, input, env, tok, body.procedure.pos); err != nil {
			return nil, err
		}
	}
}

func (ev *evaluator) applyInner(proc any, args []any, input any, env *frame, token string, pos int) (result any, err error) {
	switch fn := proc.(type) {
	case *lambda:
		validated := args
		if fn.sig != nil {
			if validated, err = fn.sig.validate(args, input); err != nil {
				break
			}
		}
		result, err = ev.applyProcedure(fn, validated)
	case *native:
		validated := args
		if fn.sig != nil {
			if validated, err = fn.sig.validate(args, input); err != nil {
				break
			}
		}
		result, err = fn.fn(ev, call{input: input, env: env}, validated)
	default:
		err = &Error{Code: "T1006"}
	}
	if err != nil {
		if e, ok := err.(*Error); ok && proc != nil && token != "" {
			if !e.hasToken {
				e.Token = token
				e.hasToken = true
			}
		}
		return nil, err
	}
	return result, nil
}

func (ev *evaluator) applyProcedure(proc *lambda, args []any) (any, error) {
	env := newFrame(proc.env)
	for i, p := range proc.params {
		var v any
		if i < len(args) {
			v = args[i]
		}
		env.bind(p, v)
	}
	if proc.nativeBody != nil {
		nb := proc.nativeBody
		nargs := make([]any, nb.nparams)
		for i := range nargs {
			nargs[i], _ = env.lookup(nativeParamName(i))
		}
		// trailing undefined arguments are not passed
		for len(nargs) > 0 && nargs[len(nargs)-1] == nil {
			nargs = nargs[:len(nargs)-1]
		}
		validated := nargs
		if nb.sig != nil {
			var err error
			if validated, err = nb.sig.validate(nargs, nil); err != nil {
				return nil, err
			}
		}
		return nb.fn(ev, call{env: env}, validated)
	}
	return ev.eval(proc.body, proc.input, env)
}

func nativeParamName(i int) string {
	return " " + strconv.Itoa(i)
}

type placeholder struct{}

func (ev *evaluator) evalPartial(expr *node, input any, env *frame) (any, error) {
	args := make([]any, len(expr.arguments))
	for i, a := range expr.arguments {
		if a.typ == nOperator && a.str == "?" {
			args[i] = placeholder{}
			continue
		}
		v, err := ev.eval(a, input, env)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	proc, err := ev.eval(expr.procedure, input, env)
	if err != nil {
		return nil, err
	}
	if proc == nil && expr.procedure.typ == nPath && len(expr.procedure.steps) > 0 {
		if v, ok := env.lookup(expr.procedure.steps[0].str); ok && jsTruthy(v) {
			return nil, &Error{Code: "T1007", Position: expr.pos, hasPos: true, Token: expr.procedure.steps[0].str, hasToken: true}
		}
	}
	switch fn := proc.(type) {
	case *lambda:
		return partialApplyProcedure(fn, args, env), nil
	case *native:
		params := make([]string, fn.nparams)
		for i := range params {
			params[i] = nativeParamName(i)
		}
		l := &lambda{params: params, nativeBody: fn}
		return partialApplyProcedure(l, args, env), nil
	}
	return nil, &Error{Code: "T1008", Position: expr.pos, hasPos: true, Token: procName(expr.procedure), hasToken: true}
}

func partialApplyProcedure(proc *lambda, args []any, env *frame) *lambda {
	penv := proc.env
	if penv == nil {
		penv = env
	}
	fr := newFrame(penv)
	var unbound []string
	for i, p := range proc.params {
		var arg any
		if i < len(args) {
			arg = args[i]
		}
		if _, ok := arg.(placeholder); ok {
			unbound = append(unbound, p)
		} else {
			fr.bind(p, arg)
		}
	}
	return &lambda{params: unbound, body: proc.body, input: proc.input, env: fr, nativeBody: proc.nativeBody}
}

// transformer implements the transform operator | pattern | update, delete |.
func (ev *evaluator) transformer(expr *node, env *frame) *native {
	return &native{name: "transform", sig: transformSig, arity: 1, nparams: 1,
		fn: func(ev *evaluator, c call, args []any) (any, error) {
			if len(args) == 0 || args[0] == nil {
				return nil, nil
			}
			obj := args[0]
			cloneFn, _ := env.lookup("clone")
			if !isFunction(cloneFn) {
				return nil, &Error{Code: "T2013", Position: expr.pos, hasPos: true}
			}
			result, err := ev.apply(cloneFn, []any{obj}, nil, env, "clone", expr.pos)
			if err != nil {
				return nil, err
			}
			matches, err := ev.eval(expr.pattern, result, env)
			if err != nil {
				return nil, err
			}
			if matches == nil {
				return result, nil
			}
			list := []any{matches}
			if a, ok := matches.(*array); ok {
				list = a.items
			}
			for _, match := range list {
				update, err := ev.eval(expr.update, match, env)
				if err != nil {
					return nil, err
				}
				if update != nil {
					uo, ok := update.(*object)
					if !ok {
						return nil, &Error{Code: "T2011", Position: expr.update.pos, hasPos: true, Value: update}
					}
					if mo, ok := match.(*object); ok {
						for _, k := range uo.keys {
							v := uo.vals[k]
							if containsRef(v, mo, 0) {
								// jsonata-js would build a circular structure
								// here; keep a snapshot instead
								v = deepCopy(v, 0)
							}
							mo.set(k, v)
						}
					}
				}
				if expr.del != nil {
					deletions, err := ev.eval(expr.del, match, env)
					if err != nil {
						return nil, err
					}
					if deletions != nil {
						val := deletions
						da, ok := deletions.(*array)
						if !ok {
							da = newArray([]any{deletions})
						}
						if !isArrayOfStrings(da) {
							return nil, &Error{Code: "T2012", Position: expr.del.pos, hasPos: true, Value: val}
						}
						if mo, ok := match.(*object); ok {
							for _, d := range da.items {
								mo.del(d.(string))
							}
						}
					}
				}
			}
			return result, nil
		}}
}

var transformSig = mustSignature("<(oa):o>")

func mustSignature(s string) *signature {
	sig, err := parseSignature(s)
	if err != nil {
		panic(err)
	}
	return sig
}

// jsTruthy is JavaScript's truthiness.
func jsTruthy(v any) bool {
	switch x := v.(type) {
	case nil, nullType:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	}
	return true
}

// toBoolean mirrors fn.boolean (undefined is false here).
func toBoolean(v any) (bool, error) {
	switch x := v.(type) {
	case nil, nullType:
		return false, nil
	case *array:
		if len(x.items) == 1 {
			return toBoolean(x.items[0])
		}
		for _, it := range x.items {
			b, err := toBoolean(it)
			if err != nil {
				return false, err
			}
			if b {
				return true, nil
			}
		}
		return false, nil
	case string:
		return x != "", nil
	case float64:
		n, err := isNumeric(x)
		if err != nil {
			return false, err
		}
		return n && x != 0, nil
	case bool:
		return x, nil
	case *object:
		return x.len() > 0, nil
	case tuple:
		return len(x) > 0, nil
	}
	return false, nil
}
