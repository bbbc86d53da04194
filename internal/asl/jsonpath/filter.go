package jsonpath

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// expr is a filter expression, the part inside [?( and )].
type expr interface {
	match(ev *evaluator, item any) bool
}

type orExpr struct{ l, r expr }
type andExpr struct{ l, r expr }
type notExpr struct{ x expr }

// existsExpr is a bare path: true when the path has a value (even null).
type existsExpr struct {
	path *subPath
	want bool // false for "!@.x"
}

// relExpr compares two operands: literal, *regexLit or *subPath.
type relExpr struct {
	l  any
	op string
	r  any
}

// literal is a constant operand: string, json.Number, bool, nil, []any or
// map[string]any.
type literal struct{ v any }

type regexLit struct {
	re    *regexp.Regexp
	src   string // between the slashes, as written
	flags string
}

// subPath is a path inside a filter, relative to the current item ('@') or
// the document ('$').
type subPath struct {
	root     byte
	segs     []segment
	definite bool
}

func (x orExpr) match(ev *evaluator, item any) bool {
	return x.l.match(ev, item) || x.r.match(ev, item)
}
func (x andExpr) match(ev *evaluator, item any) bool {
	return x.l.match(ev, item) && x.r.match(ev, item)
}
func (x notExpr) match(ev *evaluator, item any) bool { return !x.x.match(ev, item) }

func (x existsExpr) match(ev *evaluator, item any) bool {
	v := ev.operand(x.path, item)
	if l, ok := v.([]any); ok && !x.path.definite {
		return (len(l) > 0) == x.want
	}
	return (v != undefined) == x.want
}

// undefinedT marks a path operand that matched nothing. Every comparison
// with it is false, so "!=" is true, as in Jayway.
type undefinedT struct{}

var undefined any = undefinedT{}

// operand evaluates a filter operand against the current item.
func (ev *evaluator) operand(o any, item any) any {
	switch o := o.(type) {
	case *literal:
		return o.v
	case *regexLit:
		return o
	case *subPath:
		start := item
		if o.root == '$' {
			start = ev.root
		}
		if o.definite {
			v, _, ok := lookup(o.segs, start)
			if !ok {
				return undefined
			}
			return v
		}
		sub := evaluator{segs: o.segs, root: ev.root}
		sub.walk(0, start)
		if sub.out == nil {
			return []any{}
		}
		return sub.out
	}
	return undefined
}

func (x relExpr) match(ev *evaluator, item any) bool {
	l := ev.operand(x.l, item)
	r := ev.operand(x.r, item)
	switch x.op {
	case "==":
		return looseEqual(l, r)
	case "!=":
		return !looseEqual(l, r)
	case "===":
		return kindOf(l) == kindOf(r) && looseEqual(l, r)
	case "!==":
		return !(kindOf(l) == kindOf(r) && looseEqual(l, r))
	case "<":
		c, ok := order(l, r)
		return ok && c < 0
	case "<=":
		c, ok := order(l, r)
		return ok && c <= 0
	case ">":
		c, ok := order(l, r)
		return ok && c > 0
	case ">=":
		c, ok := order(l, r)
		return ok && c >= 0
	case "=~":
		return regexMatch(l, r)
	case "in":
		list, ok := r.([]any)
		return ok && containsLoose(list, l)
	case "nin":
		list, ok := r.([]any)
		return !ok || !containsLoose(list, l)
	case "contains":
		if ls, ok := l.(string); ok {
			rs, ok := r.(string)
			return ok && strings.Contains(ls, rs)
		}
		list, ok := l.([]any)
		return ok && containsLoose(list, r)
	case "subsetof", "anyof", "noneof":
		ll, ok1 := l.([]any)
		rl, ok2 := r.([]any)
		if !ok1 || !ok2 {
			return false
		}
		n := 0
		for _, v := range ll {
			if containsLoose(rl, v) {
				n++
			}
		}
		switch x.op {
		case "subsetof":
			return n == len(ll)
		case "anyof":
			return n > 0
		}
		return n == 0
	case "size":
		t, ok := NumberText(r)
		if !ok {
			return false
		}
		want, ok := decimalInt(t)
		if !ok {
			return false
		}
		switch l := l.(type) {
		case string:
			return int64(utf16Len(l)) == want
		case []any:
			return int64(len(l)) == want
		}
		return false
	case "empty":
		want, ok := r.(bool)
		if !ok {
			return false
		}
		switch l := l.(type) {
		case string:
			return (l == "") == want
		case []any:
			return (len(l) == 0) == want
		case map[string]any:
			return (len(l) == 0) == want
		}
		return false
	}
	return false
}

type valueKind uint8

const (
	kindUndefined valueKind = iota
	kindNull
	kindBool
	kindNumber
	kindString
	kindJSON
	kindRegex
)

func kindOf(v any) valueKind {
	switch v.(type) {
	case nil:
		return kindNull
	case bool:
		return kindBool
	case string:
		return kindString
	case map[string]any, []any:
		return kindJSON
	case *regexLit:
		return kindRegex
	case undefinedT:
		return kindUndefined
	}
	if _, ok := NumberText(v); ok {
		return kindNumber
	}
	return kindUndefined
}

// looseEqual is Jayway's "==": a number equals a string holding the same
// decimal value, a string equals a number written the same way, objects and
// arrays compare deeply, and nothing equals an undefined operand.
func looseEqual(l, r any) bool {
	switch kindOf(l) {
	case kindNumber:
		lt, _ := NumberText(l)
		switch kindOf(r) {
		case kindNumber:
			rt, _ := NumberText(r)
			return compareNumbers(lt, rt) == 0
		case kindString:
			_, ok := parseDecimal(r.(string))
			return ok && compareNumbers(lt, r.(string)) == 0
		}
	case kindString:
		switch kindOf(r) {
		case kindString:
			return l.(string) == r.(string)
		case kindNumber:
			rt, _ := NumberText(r)
			return l.(string) == rt
		}
	case kindBool:
		rb, ok := r.(bool)
		return ok && l.(bool) == rb
	case kindNull:
		return r == nil
	case kindJSON:
		return kindOf(r) == kindJSON && Equal(l, r)
	case kindRegex:
		rr, ok := r.(*regexLit)
		return ok && rr.src == l.(*regexLit).src && rr.flags == l.(*regexLit).flags
	}
	return false
}

func containsLoose(list []any, v any) bool {
	for _, e := range list {
		if looseEqual(v, e) {
			return true
		}
	}
	return false
}

// order compares two numbers or two strings (by UTF-16 code units, as Java
// does). ok is false for any other pair.
func order(l, r any) (int, bool) {
	lk, rk := kindOf(l), kindOf(r)
	switch {
	case lk == kindNumber && rk == kindNumber:
		lt, _ := NumberText(l)
		rt, _ := NumberText(r)
		return compareNumbers(lt, rt), true
	case lk == kindString && rk == kindString:
		return compareUTF16(l.(string), r.(string)), true
	}
	return 0, false
}

func regexMatch(l, r any) bool {
	lr, lok := l.(*regexLit)
	rr, rok := r.(*regexLit)
	if lok == rok {
		return false
	}
	re, in := lr, r
	if rok {
		re, in = rr, l
	}
	var s string
	switch v := in.(type) {
	case string:
		s = v
	case bool:
		if v {
			s = "true"
		} else {
			s = "false"
		}
	default:
		s, _ = NumberText(v)
	}
	return re.re.MatchString(s)
}

// utf16Len is Java's String.length().
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

// compareUTF16 orders strings as Java's String.compareTo does.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, la := utf16Units(ra)
			ub, lb := utf16Units(rb)
			if ua != ub {
				return cmpInt(int(ua), int(ub))
			}
			return cmpInt(int(la), int(lb))
		}
		a, b = a[na:], b[nb:]
	}
	return cmpInt(len(a), len(b))
}

func utf16Units(r rune) (hi, lo uint16) {
	if r < 0x10000 {
		return uint16(r), 0
	}
	r -= 0x10000
	return uint16(0xD800 + r>>10), uint16(0xDC00 + r&0x3FF)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Filter parsing.

func (p *parser) parseOr(end int) (expr, error) {
	x, err := p.parseAnd(end)
	if err != nil {
		return nil, err
	}
	for {
		p.skipBlanks(end)
		if !strings.HasPrefix(p.src[p.pos:end], "||") {
			return x, nil
		}
		p.pos += 2
		y, err := p.parseAnd(end)
		if err != nil {
			return nil, err
		}
		x = orExpr{x, y}
	}
}

func (p *parser) parseAnd(end int) (expr, error) {
	x, err := p.parseUnary(end)
	if err != nil {
		return nil, err
	}
	for {
		p.skipBlanks(end)
		if !strings.HasPrefix(p.src[p.pos:end], "&&") {
			return x, nil
		}
		p.pos += 2
		y, err := p.parseUnary(end)
		if err != nil {
			return nil, err
		}
		x = andExpr{x, y}
	}
}

func (p *parser) parseUnary(end int) (expr, error) {
	p.skipBlanks(end)
	if p.pos >= end {
		return nil, p.errorf(p.pos, "the filter expression ended early")
	}
	switch p.src[p.pos] {
	case '!':
		bang := p.pos
		p.pos++
		p.skipBlanks(end)
		if p.pos < end && (p.src[p.pos] == '@' || p.src[p.pos] == '$') {
			path, err := p.parseSubPath(end)
			if err != nil {
				return nil, err
			}
			save := p.pos
			p.skipBlanks(end)
			if op, _ := p.peekOperator(end); op != "" {
				return nil, p.errorf(bang, "'!' before a path is only allowed in an existence check; write !(...) to negate a comparison")
			}
			p.pos = save
			return existsExpr{path: path, want: false}, nil
		}
		x, err := p.parseUnary(end)
		if err != nil {
			return nil, err
		}
		return notExpr{x}, nil
	case '(':
		p.pos++
		x, err := p.parseOr(end)
		if err != nil {
			return nil, err
		}
		if err := p.expect(end, ')'); err != nil {
			return nil, err
		}
		return x, nil
	}
	return p.parseRelation(end)
}

func (p *parser) parseRelation(end int) (expr, error) {
	start := p.pos
	l, err := p.parseOperand(end)
	if err != nil {
		return nil, err
	}
	save := p.pos
	p.skipBlanks(end)
	op, n := p.peekOperator(end)
	if op == "" {
		sp, ok := l.(*subPath)
		if !ok {
			return nil, p.errorf(start, "expected a path or a comparison")
		}
		p.pos = save
		return existsExpr{path: sp, want: true}, nil
	}
	opPos := p.pos
	p.pos += n
	switch op {
	case "all", "type", "matches", "exists":
		return nil, p.errorf(opPos, "the operator %q is not supported", op)
	}
	r, err := p.parseOperand(end)
	if err != nil {
		return nil, err
	}
	return relExpr{l: l, op: op, r: r}, nil
}

var symbolicOps = []string{"===", "!==", "==", "!=", "<=", ">=", "=~", "<", ">"}

// peekOperator returns the relational operator at p.pos and its length, or "".
func (p *parser) peekOperator(end int) (string, int) {
	s := p.src[p.pos:end]
	for _, op := range symbolicOps {
		if strings.HasPrefix(s, op) {
			return op, len(op)
		}
	}
	n := 0
	for n < len(s) && (s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z') {
		n++
	}
	switch w := strings.ToLower(s[:n]); w {
	case "in", "nin", "subsetof", "anyof", "noneof", "contains", "size", "empty",
		"all", "type", "matches", "exists":
		return w, n
	}
	return "", 0
}

func (p *parser) parseSubPath(end int) (*subPath, error) {
	sp := &subPath{root: p.src[p.pos]}
	p.pos++
	segs, err := p.parseSegments(end, true)
	if err != nil {
		return nil, err
	}
	sp.segs = segs
	sp.definite = isDefinite(segs)
	return sp, nil
}

// parseOperand parses a path, a regular expression or a literal.
func (p *parser) parseOperand(end int) (any, error) {
	p.skipBlanks(end)
	if p.pos >= end {
		return nil, p.errorf(p.pos, "expected an operand but the path ended")
	}
	switch p.src[p.pos] {
	case '@', '$':
		return p.parseSubPath(end)
	case '/':
		return p.parseRegex(end)
	}
	v, err := p.parseLiteral(end)
	if err != nil {
		return nil, err
	}
	return &literal{v: v}, nil
}

func (p *parser) parseRegex(end int) (*regexLit, error) {
	start := p.pos
	p.pos++
	for p.pos < end && p.src[p.pos] != '/' {
		if p.src[p.pos] == '\\' {
			p.pos++
		}
		p.pos++
	}
	if p.pos >= end {
		return nil, p.errorf(start, "unterminated regular expression")
	}
	src := p.src[start+1 : p.pos]
	p.pos++
	fs := p.pos
	for p.pos < end && (p.src[p.pos] >= 'a' && p.src[p.pos] <= 'z' || p.src[p.pos] >= 'A' && p.src[p.pos] <= 'Z') {
		p.pos++
	}
	flags := p.src[fs:p.pos]
	var goFlags strings.Builder
	for _, f := range flags {
		switch f {
		case 'i', 'm', 's':
			if !strings.ContainsRune(goFlags.String(), f) {
				goFlags.WriteRune(f)
			}
		case 'd', 'u', 'U':
			// Line-terminator and Unicode flags: RE2 is Unicode-aware already.
		default:
			return nil, p.errorf(fs, "unsupported regular expression flag %q", f)
		}
	}
	pat := "^(?:" + src + ")$"
	if goFlags.Len() > 0 {
		pat = "(?" + goFlags.String() + ")" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, p.errorf(start, "invalid regular expression: %v", err)
	}
	return &regexLit{re: re, src: src, flags: flags}, nil
}

// parseLiteral parses a string, number, true, false, null, or a JSON array or
// object whose strings may use single quotes.
func (p *parser) parseLiteral(end int) (any, error) {
	p.skipBlanks(end)
	if p.pos >= end {
		return nil, p.errorf(p.pos, "expected a value but the path ended")
	}
	start := p.pos
	switch c := p.src[p.pos]; {
	case c == '\'' || c == '"':
		return p.parseQuoted(end)
	case c == '-' || c >= '0' && c <= '9':
		for p.pos < end && isNumberChar(p.src[p.pos]) {
			p.pos++
		}
		text := p.src[start:p.pos]
		if !validNumber(text) {
			return nil, p.errorf(start, "invalid number %q", text)
		}
		return jsonNumber(text), nil
	case c == '[':
		p.pos++
		list := []any{}
		p.skipBlanks(end)
		if p.pos < end && p.src[p.pos] == ']' {
			p.pos++
			return list, nil
		}
		for {
			v, err := p.parseLiteral(end)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
			p.skipBlanks(end)
			if p.pos < end && p.src[p.pos] == ',' {
				p.pos++
				continue
			}
			if err := p.expect(end, ']'); err != nil {
				return nil, err
			}
			return list, nil
		}
	case c == '{':
		p.pos++
		obj := map[string]any{}
		p.skipBlanks(end)
		if p.pos < end && p.src[p.pos] == '}' {
			p.pos++
			return obj, nil
		}
		for {
			p.skipBlanks(end)
			if p.pos >= end || p.src[p.pos] != '\'' && p.src[p.pos] != '"' {
				return nil, p.errorf(p.pos, "expected a quoted key")
			}
			k, err := p.parseQuoted(end)
			if err != nil {
				return nil, err
			}
			if err := p.expect(end, ':'); err != nil {
				return nil, err
			}
			v, err := p.parseLiteral(end)
			if err != nil {
				return nil, err
			}
			obj[k] = v
			p.skipBlanks(end)
			if p.pos < end && p.src[p.pos] == ',' {
				p.pos++
				continue
			}
			if err := p.expect(end, '}'); err != nil {
				return nil, err
			}
			return obj, nil
		}
	}
	for p.pos < end && (p.src[p.pos] >= 'a' && p.src[p.pos] <= 'z' || p.src[p.pos] >= 'A' && p.src[p.pos] <= 'Z') {
		p.pos++
	}
	switch p.src[start:p.pos] {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	p.pos = start
	return nil, p.errorf(start, "expected a value but found %q", p.rest(end))
}

func isNumberChar(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}
