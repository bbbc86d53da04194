package asl

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
)

// operandType is what a comparator compares.
type operandType uint8

const (
	opString operandType = iota
	opNumeric
	opBoolean
	opTimestamp
	opMatches // StringMatches
	opIs      // IsNull, IsPresent, IsNumeric, ...
)

// comparators maps each base comparator to its operand type; each has a
// "...Path" variant except StringMatches and the Is* tests.
var comparators = map[string]operandType{
	"StringEquals": opString, "StringLessThan": opString, "StringGreaterThan": opString,
	"StringLessThanEquals": opString, "StringGreaterThanEquals": opString,
	"StringMatches": opMatches,
	"NumericEquals": opNumeric, "NumericLessThan": opNumeric, "NumericGreaterThan": opNumeric,
	"NumericLessThanEquals": opNumeric, "NumericGreaterThanEquals": opNumeric,
	"BooleanEquals":   opBoolean,
	"TimestampEquals": opTimestamp, "TimestampLessThan": opTimestamp, "TimestampGreaterThan": opTimestamp,
	"TimestampLessThanEquals": opTimestamp, "TimestampGreaterThanEquals": opTimestamp,
	"IsNull": opIs, "IsPresent": opIs, "IsNumeric": opIs, "IsString": opIs, "IsBoolean": opIs, "IsTimestamp": opIs,
}

// comparator splits an operator name into its base and whether it is a
// "...Path" variant; ok is false for unknown names.
func comparator(name string) (base string, path bool, t operandType, ok bool) {
	if t, ok := comparators[name]; ok {
		return name, false, t, true
	}
	if b, found := strings.CutSuffix(name, "Path"); found {
		if t, ok := comparators[b]; ok && t != opIs && t != opMatches {
			return b, true, t, true
		}
	}
	return "", false, 0, false
}

func (l *loader) choiceState(st *State, n *node, ptr string) {
	c := n.get("Choices")
	cp := ptr + "/Choices"
	switch {
	case c == nil:
		l.schema(ptr, "These fields are required: [Choices]")
	case c.kind != kindArray:
		l.schema(cp, "Expected value of type Array")
	default:
		if len(c.elems) == 0 {
			l.schema(cp, "Array must contain at least 1 element")
		}
		for i, e := range c.elems {
			if r := l.choiceRule(e, fmt.Sprintf("%s[%d]", cp, i), st.QueryLanguage, true); r != nil {
				st.Choices = append(st.Choices, r)
			}
		}
	}
	st.Default = l.optString(n, ptr, "Default")
}

func (l *loader) choiceRule(n *node, ptr string, ql QueryLanguage, top bool) *ChoiceRule {
	if n.kind != kindObject {
		l.schema(ptr, "Expected value of type Object")
		return nil
	}
	r := &ChoiceRule{}
	if ql == JSONata {
		allowed := []string{"Condition", "Next", "Comment", "Assign", "Output"}
		l.unknownFields(n, ptr, allowed)
		if n.get("Condition") == nil {
			l.schema(ptr, "These fields are required: [Condition]")
		} else {
			r.Condition = l.template(n.get("Condition"), ptr+"/Condition", "Condition", ql)
		}
		r.Output = l.optTemplate(n, ptr, "Output", ql)
	} else {
		var ops []string
		for _, k := range n.keys {
			switch k {
			case "Variable", "Next", "Comment", "Assign", "And", "Or", "Not":
			default:
				if _, _, _, ok := comparator(k); ok {
					ops = append(ops, k)
				} else if k == "Condition" || k == "Output" {
					l.schema(ptr, "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage", k)
				} else {
					l.schema(ptr, "Field '%s' is not supported", k)
				}
			}
		}
		for _, k := range []string{"And", "Or", "Not"} {
			if n.get(k) != nil {
				ops = append(ops, k)
			}
		}
		if len(ops) != 1 {
			l.schema(ptr, "A choice rule must have exactly one comparison operator or one of [And, Or, Not]")
		}
		if len(ops) > 0 {
			l.comparison(r, n, ptr, ops[0], ql)
		}
	}
	if top {
		if n.get("Next") == nil {
			l.schema(ptr, "These fields are required: [Next]")
		}
		r.Next = l.optString(n, ptr, "Next")
		r.Assign = l.assign(n, ptr, ql)
	} else {
		for _, k := range []string{"Next", "Assign", "Output"} {
			if n.get(k) != nil {
				l.schema(ptr, "Field '%s' is not supported", k)
			}
		}
	}
	r.Comment = l.optString(n, ptr, "Comment")
	return r
}

func (l *loader) comparison(r *ChoiceRule, n *node, ptr, op string, ql QueryLanguage) {
	switch op {
	case "And", "Or":
		v := n.get(op)
		vp := ptr + "/" + op
		if v.kind != kindArray {
			l.schema(vp, "Expected value of type Array")
			return
		}
		if len(v.elems) == 0 {
			l.schema(vp, "Array must contain at least 1 element")
		}
		var rules []*ChoiceRule
		for i, e := range v.elems {
			if c := l.choiceRule(e, fmt.Sprintf("%s[%d]", vp, i), ql, false); c != nil {
				rules = append(rules, c)
			}
		}
		if op == "And" {
			r.And = rules
		} else {
			r.Or = rules
		}
		if n.get("Variable") != nil {
			l.schema(ptr, "Field 'Variable' is not supported")
		}
		return
	case "Not":
		r.Not = l.choiceRule(n.get(op), ptr+"/Not", ql, false)
		if n.get("Variable") != nil {
			l.schema(ptr, "Field 'Variable' is not supported")
		}
		return
	}
	r.Operator = op
	if n.get("Variable") == nil {
		l.schema(ptr, "These fields are required: [Variable]")
	} else {
		r.Variable = l.pathValue(n.get("Variable"), ptr+"/Variable", "Variable", pathAny)
	}
	v := n.get(op)
	vp := ptr + "/" + op
	_, isPath, t, _ := comparator(op)
	if isPath {
		r.OperandPath = l.pathValue(v, vp, op, pathAny)
		return
	}
	switch t {
	case opString, opMatches:
		if v.kind != kindString {
			l.schema(vp, "Expected value of type String")
			return
		}
	case opTimestamp:
		if v.kind != kindString {
			l.schema(vp, "Expected value of type String")
			return
		}
		if _, err := ParseTimestamp(v.str); err != nil {
			l.schema(vp, "String does not match RFC3339 timestamp")
			return
		}
	case opNumeric:
		if v.kind != kindNumber {
			l.schema(vp, "Expected value of type Number")
			return
		}
	case opBoolean, opIs:
		if v.kind != kindBool {
			l.schema(vp, "Expected value of type Boolean")
			return
		}
	}
	r.Operand = v.value()
}

// Match reports whether the rule matches env. A comparison whose value has
// the wrong type is false; a Variable that matches nothing is an error for
// every comparator but IsPresent. Errors are *EvalError (States.Runtime).
func (r *ChoiceRule) Match(env *Env) (bool, error) {
	switch {
	case r.Condition != nil:
		sub := *env
		sub.Field = "Condition"
		v, err := r.Condition.Eval(&sub)
		if err != nil {
			return false, err
		}
		b, ok := v.(bool)
		if !ok {
			return false, &EvalError{Name: ErrorQueryEvaluationError, Field: "Condition", Cause: fmt.Sprintf("The JSONata expression '%s' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '%s' for value: %s", r.Condition.Expression(), jsonTypeName(v), compactJSON(v))}
		}
		return b, nil
	case r.And != nil:
		for _, c := range r.And {
			if ok, err := c.Match(env); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.Or != nil:
		for _, c := range r.Or {
			if ok, err := c.Match(env); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case r.Not != nil:
		ok, err := r.Not.Match(env)
		return !ok && err == nil, err
	}
	if r.Variable == nil {
		return false, &EvalError{Name: ErrorRuntime, Cause: "The choice rule has no Variable"}
	}
	v, present := r.Variable.lookup(env)
	if r.Operator == "IsPresent" {
		want, _ := r.Operand.(bool)
		return present == want, nil
	}
	if !present {
		return false, invalidChoicePath(r.Variable.Source)
	}
	base, isPath, t, _ := comparator(r.Operator)
	operand := r.Operand
	if isPath {
		if r.OperandPath == nil {
			return false, invalidChoicePath("")
		}
		o, ok := r.OperandPath.lookup(env)
		if !ok {
			return false, invalidChoicePath(r.OperandPath.Source)
		}
		operand = o
	}
	return compare(base, t, v, operand), nil
}

func invalidChoicePath(src string) error {
	return &EvalError{Name: ErrorRuntime, Cause: fmt.Sprintf("Invalid path '%s': The choice state's condition path references an invalid value.", src)}
}

// compare applies a base comparator; mismatched types compare false.
func compare(base string, t operandType, v, operand any) bool {
	switch t {
	case opIs:
		want, _ := operand.(bool)
		var got bool
		switch base {
		case "IsNull":
			got = v == nil
		case "IsNumeric":
			_, got = toRat(v)
		case "IsString":
			_, got = v.(string)
		case "IsBoolean":
			_, got = v.(bool)
		case "IsTimestamp":
			s, ok := v.(string)
			if ok {
				_, err := ParseTimestamp(s)
				got = err == nil
			}
		}
		return got == want
	case opString:
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(base, "String", compareUTF16(a, b))
	case opMatches:
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && matchWildcard(b, a)
	case opNumeric:
		a, ok1 := toRat(v)
		b, ok2 := toRat(operand)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(base, "Numeric", a.Cmp(b))
	case opBoolean:
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case opTimestamp:
		as, ok1 := v.(string)
		bs, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		a, err1 := ParseTimestamp(as)
		b, err2 := ParseTimestamp(bs)
		if err1 != nil || err2 != nil {
			return false
		}
		return ordered(base, "Timestamp", compareTime(a, b))
	}
	return false
}

func compareTime(a, b time.Time) int { return a.Compare(b) }

// ordered interprets c (the sign of a comparison) for base = prefix+relation.
func ordered(base, prefix string, c int) bool {
	switch strings.TrimPrefix(base, prefix) {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

// compareUTF16 orders strings by UTF-16 code units, as Java does.
func compareUTF16(a, b string) int {
	if a == b {
		return 0
	}
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	return slices.Compare(ua, ub)
}

// toRat converts a JSON number (json.Number or a Go numeric type) to an
// exact rational.
func toRat(v any) (*big.Rat, bool) {
	r := new(big.Rat)
	switch n := v.(type) {
	case json.Number:
		if _, ok := r.SetString(n.String()); !ok {
			return nil, false
		}
		return r, true
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, false
		}
		return r.SetFloat64(n), true
	case float32:
		return r.SetFloat64(float64(n)), true
	case int:
		return r.SetInt64(int64(n)), true
	case int64:
		return r.SetInt64(n), true
	case int32:
		return r.SetInt64(int64(n)), true
	case uint64:
		return r.SetUint64(n), true
	}
	return nil, false
}

// matchWildcard matches s against a StringMatches pattern: "*" matches any
// run of characters, "\*" a literal star and "\\" a literal backslash.
func matchWildcard(pattern, s string) bool {
	type tok struct {
		star bool
		r    rune
	}
	var toks []tok
	pr := []rune(pattern)
	for i := 0; i < len(pr); i++ {
		switch {
		case pr[i] == '\\' && i+1 < len(pr) && (pr[i+1] == '*' || pr[i+1] == '\\'):
			toks = append(toks, tok{r: pr[i+1]})
			i++
		case pr[i] == '*':
			toks = append(toks, tok{star: true})
		default:
			toks = append(toks, tok{r: pr[i]})
		}
	}
	sr := []rune(s)
	// Greedy matching with backtracking to the last star.
	ti, si := 0, 0
	starT, starS := -1, 0
	for si < len(sr) {
		switch {
		case ti < len(toks) && !toks[ti].star && toks[ti].r == sr[si]:
			ti++
			si++
		case ti < len(toks) && toks[ti].star:
			starT, starS = ti, si
			ti++
		case starT >= 0:
			ti = starT + 1
			starS++
			si = starS
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].star {
		ti++
	}
	return ti == len(toks)
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	if _, ok := toRat(v); ok {
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

// MatchError reports whether an error named name is matched by a Retrier's or
// Catcher's ErrorEquals. States.ALL matches every error but
// States.DataLimitExceeded and States.Runtime; States.TaskFailed matches every
// error but States.Timeout (and those two); other names match exactly.
func MatchError(errorEquals []string, name string) bool {
	for _, e := range errorEquals {
		switch e {
		case name:
			return true
		case ErrorALL:
			if name != ErrorDataLimitExceeded && name != ErrorRuntime {
				return true
			}
		case ErrorTaskFailed:
			if name != ErrorTimeout && name != ErrorDataLimitExceeded && name != ErrorRuntime {
				return true
			}
		}
	}
	return false
}
