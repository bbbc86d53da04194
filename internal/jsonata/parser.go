package jsonata

import (
	"strconv"
	"strings"
	"unicode/utf16"
)

// This file ports jsonata-js src/parser.js: a tokenizer, a Pratt parser and
// the post-parse stage (processAST) that turns location paths into steps.

type nodeType uint8

const (
	nInvalid nodeType = iota
	nPath
	nBinary
	nUnary
	nName
	nString
	nNumber
	nValue
	nWildcard
	nDescendant
	nParent
	nCondition
	nBlock
	nBind
	nRegex
	nFunction
	nVariable
	nLambda
	nPartial
	nApply
	nTransform
	nSort
	nOperator
	nEnd
)

var nodeTypeNames = [...]string{
	nInvalid: "", nPath: "path", nBinary: "binary", nUnary: "unary", nName: "name", nString: "string",
	nNumber: "number", nValue: "value", nWildcard: "wildcard", nDescendant: "descendant", nParent: "parent",
	nCondition: "condition", nBlock: "block", nBind: "bind", nRegex: "regex", nFunction: "function",
	nVariable: "variable", nLambda: "lambda", nPartial: "partial", nApply: "apply", nTransform: "transform",
	nSort: "sort", nOperator: "operator", nEnd: "(end)",
}

func (t nodeType) String() string { return nodeTypeNames[t] }

type stageType uint8

const (
	stageFilter stageType = iota
	stageIndex
)

type stage struct {
	typ   stageType
	expr  *node
	value string // index variable name for stageIndex
	pos   int
}

type slot struct {
	label string
	level int
	index int
}

type sortTerm struct {
	descending bool
	expr       *node
}

type groupExpr struct {
	pairs [][2]*node
	pos   int
}

type node struct {
	typ nodeType
	id  string // parser symbol id
	pos int

	str string  // name, variable, string literal or operator
	num float64 // number literal
	val any     // literal value for nValue (true, false, null)
	re  *jsRegex

	lhs, rhs    *node
	expression  *node
	expressions []*node
	pairs       [][2]*node // object constructor (unary) or grouping (binary)
	terms       []sortTerm

	// function call, partial application, lambda
	procedure *node
	arguments []*node
	body      *node
	signature *signature
	thunk     bool

	condition, then, els *node

	pattern, update, del *node

	// post-parse annotations
	steps              []*node
	keepArray          bool
	keepSingletonArray bool
	consarray          bool
	predicate          []*stage
	stages             []*stage
	group              *groupExpr
	focus              string
	hasFocus           bool
	index              string
	hasIndex           bool
	tuple              bool
	ancestor           *slot
	slot               *slot
	seekingParent      []*slot
}

// value returns the token value as jsonata-js would hold it.
func (n *node) value() any {
	switch n.typ {
	case nNumber:
		return n.num
	case nValue:
		return n.val
	case nRegex:
		if n.re != nil {
			return n.re.source
		}
	}
	return n.str
}

// text returns the token value as a string (for signatures and errors).
func (n *node) text() string {
	switch n.typ {
	case nNumber:
		return formatJSNumber(n.num)
	case nValue:
		switch v := n.val.(type) {
		case bool:
			return strconv.FormatBool(v)
		default:
			return "null"
		}
	case nRegex:
		if n.re != nil {
			return n.re.source
		}
	}
	return n.str
}

type tokKind uint8

const (
	tName tokKind = iota
	tVariable
	tOperator
	tString
	tNumber
	tValue
	tRegex
)

type token struct {
	kind tokKind
	str  string
	num  float64
	val  any
	re   *jsRegex
	pos  int
}

var operatorChars = map[rune]bool{
	'.': true, '[': true, ']': true, '{': true, '}': true, '(': true, ')': true, ',': true,
	'@': true, '#': true, ';': true, ':': true, '?': true, '+': true, '-': true, '*': true,
	'/': true, '%': true, '|': true, '=': true, '<': true, '>': true, '^': true, '&': true,
	'!': true, '~': true,
}

// binding powers (lbp) of the symbols the parser defines
var symbolLBP = map[string]int{
	".": 75, "[": 80, "{": 70, "(": 80, "@": 80, "#": 80, "?": 20,
	"+": 50, "-": 50, "*": 60, "/": 60, "%": 60, "=": 40, "<": 40, ">": 40, "^": 40,
	"!=": 40, "<=": 40, ">=": 40, "~>": 40, "??": 40, "?:": 40, "and": 30, "or": 25, "in": 40, "&": 50,
	":=": 10,
	"]":  0, "}": 0, ")": 0, ",": 0, ";": 0, ":": 0, "..": 0, "|": 0, "**": 0,
}

const maxParseDepth = 1000

type parser struct {
	src   []rune
	pos   int
	node  *node
	depth int

	// post-parse state
	ancestorLabel int
	ancestorIndex int
	ancestry      []*node
}

func isSpace(c rune) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
}

func (p *parser) at(i int) rune {
	if i < 0 || i >= len(p.src) {
		return 0
	}
	return p.src[i]
}

func (p *parser) scanRegex() (*jsRegex, error) {
	start := p.pos
	depth := 0
	isClosingSlash := func(pos int) bool {
		if p.at(pos) == '/' && depth == 0 {
			backslashes := 0
			for p.at(pos-(backslashes+1)) == '\\' {
				backslashes++
			}
			return backslashes%2 == 0
		}
		return false
	}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if isClosingSlash(p.pos) {
			pattern := string(p.src[start:p.pos])
			if pattern == "" {
				return nil, &Error{Code: "S0301", Position: p.pos}
			}
			p.pos++
			fstart := p.pos
			for p.at(p.pos) == 'i' || p.at(p.pos) == 'm' {
				p.pos++
			}
			flags := string(p.src[fstart:p.pos])
			re, err := compileJSRegex(pattern, flags)
			if err != nil {
				return nil, &Error{Code: "S0303", Position: start, Value: pattern}
			}
			return re, nil
		}
		if (c == '(' || c == '[' || c == '{') && p.at(p.pos-1) != '\\' {
			depth++
		}
		if (c == ')' || c == ']' || c == '}') && p.at(p.pos-1) != '\\' {
			depth--
		}
		p.pos++
	}
	return nil, &Error{Code: "S0302", Position: p.pos}
}

// next returns the next token, or nil at the end of the source.
func (p *parser) next(prefix bool) (*token, error) {
	for {
		if p.pos >= len(p.src) {
			return nil, nil
		}
		for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
			p.pos++
		}
		if p.at(p.pos) == '/' && p.at(p.pos+1) == '*' {
			commentStart := p.pos
			p.pos += 2
			for !(p.at(p.pos) == '*' && p.at(p.pos+1) == '/') {
				p.pos++
				if p.pos >= len(p.src) {
					return nil, &Error{Code: "S0106", Position: commentStart}
				}
			}
			p.pos += 2
			continue
		}
		break
	}
	if p.pos >= len(p.src) {
		return nil, nil
	}
	start := p.pos
	c := p.src[p.pos]
	op := func(s string) (*token, error) {
		p.pos += len([]rune(s))
		return &token{kind: tOperator, str: s, pos: start}, nil
	}
	if !prefix && c == '/' {
		p.pos++
		re, err := p.scanRegex()
		if err != nil {
			return nil, err
		}
		return &token{kind: tRegex, re: re, pos: start}, nil
	}
	n := p.at(p.pos + 1)
	switch {
	case c == '.' && n == '.':
		return op("..")
	case c == ':' && n == '=':
		return op(":=")
	case c == '!' && n == '=':
		return op("!=")
	case c == '>' && n == '=':
		return op(">=")
	case c == '<' && n == '=':
		return op("<=")
	case c == '*' && n == '*':
		return op("**")
	case c == '~' && n == '>':
		return op("~>")
	case c == '?' && n == ':':
		return op("?:")
	case c == '?' && n == '?':
		return op("??")
	}
	if operatorChars[c] {
		return op(string(c))
	}
	if c == '"' || c == '\'' {
		quote := c
		p.pos++
		var sb []rune
		for p.pos < len(p.src) {
			c = p.src[p.pos]
			if c == '\\' {
				p.pos++
				c = p.at(p.pos)
				switch c {
				case '"', '\\', '/':
					sb = append(sb, c)
				case 'b':
					sb = append(sb, '\b')
				case 'f':
					sb = append(sb, '\f')
				case 'n':
					sb = append(sb, '\n')
				case 'r':
					sb = append(sb, '\r')
				case 't':
					sb = append(sb, '\t')
				case 'u':
					if p.pos+4 < len(p.src)+0 && isHex4(p.src[p.pos+1:min(p.pos+5, len(p.src))]) {
						cp, _ := strconv.ParseUint(string(p.src[p.pos+1:p.pos+5]), 16, 32)
						r := rune(cp)
						// combine UTF-16 surrogate pairs written as two escapes
						if utf16.IsSurrogate(r) && p.at(p.pos+5) == '\\' && p.at(p.pos+6) == 'u' && p.pos+10 < len(p.src) && isHex4(p.src[p.pos+7:p.pos+11]) {
							lo, _ := strconv.ParseUint(string(p.src[p.pos+7:p.pos+11]), 16, 32)
							if dec := utf16.DecodeRune(r, rune(lo)); dec != 0xFFFD {
								sb = append(sb, dec)
								p.pos += 10
								break
							}
						}
						sb = append(sb, r)
						p.pos += 4
					} else {
						return nil, &Error{Code: "S0104", Position: p.pos}
					}
				default:
					return nil, &Error{Code: "S0103", Position: p.pos, Token: string(c), hasToken: true}
				}
			} else if c == quote {
				p.pos++
				return &token{kind: tString, str: runesToString(sb), pos: start}, nil
			} else {
				sb = append(sb, c)
			}
			p.pos++
		}
		return nil, &Error{Code: "S0101", Position: p.pos}
	}
	if m := scanNumber(p.src[p.pos:]); m > 0 {
		text := string(p.src[p.pos : p.pos+m])
		f, err := strconv.ParseFloat(text, 64)
		if err == nil {
			p.pos += m
			return &token{kind: tNumber, num: f, pos: start}, nil
		}
		return nil, &Error{Code: "S0102", Position: p.pos, Token: text, hasToken: true}
	}
	if c == '`' {
		p.pos++
		end := -1
		for i := p.pos; i < len(p.src); i++ {
			if p.src[i] == '`' {
				end = i
				break
			}
		}
		if end != -1 {
			name := runesToString(p.src[p.pos:end])
			p.pos = end + 1
			return &token{kind: tName, str: name, pos: start}, nil
		}
		p.pos = len(p.src)
		return nil, &Error{Code: "S0105", Position: p.pos}
	}
	i := p.pos
	for {
		ch := p.at(i)
		if i >= len(p.src) || isSpace(ch) || operatorChars[ch] {
			if p.src[p.pos] == '$' {
				name := runesToString(p.src[p.pos+1 : i])
				p.pos = i
				return &token{kind: tVariable, str: name, pos: start}, nil
			}
			name := runesToString(p.src[p.pos:i])
			p.pos = i
			switch name {
			case "or", "in", "and":
				return &token{kind: tOperator, str: name, pos: start}, nil
			case "true":
				return &token{kind: tValue, val: true, pos: start}, nil
			case "false":
				return &token{kind: tValue, val: false, pos: start}, nil
			case "null":
				return &token{kind: tValue, val: jnull, pos: start}, nil
			}
			if p.pos == len(p.src) && name == "" {
				return nil, nil
			}
			return &token{kind: tName, str: name, pos: start}, nil
		}
		i++
	}
}

func isHex4(rs []rune) bool {
	if len(rs) != 4 {
		return false
	}
	for _, r := range rs {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

// scanNumber matches /^-?(0|([1-9][0-9]*))(\.[0-9]+)?([Ee][-+]?[0-9]+)?/ and
// returns the length of the match (0 if none).
func scanNumber(s []rune) int {
	i := 0
	at := func(k int) rune {
		if k < len(s) {
			return s[k]
		}
		return 0
	}
	digit := func(r rune) bool { return r >= '0' && r <= '9' }
	if at(i) == '-' {
		i++
	}
	if at(i) == '0' {
		i++
	} else if at(i) >= '1' && at(i) <= '9' {
		for digit(at(i)) {
			i++
		}
	} else {
		return 0
	}
	if at(i) == '.' && digit(at(i+1)) {
		i++
		for digit(at(i)) {
			i++
		}
	}
	if at(i) == 'e' || at(i) == 'E' {
		j := i + 1
		if at(j) == '+' || at(j) == '-' {
			j++
		}
		if digit(at(j)) {
			for digit(at(j)) {
				j++
			}
			i = j
		}
	}
	return i
}

func (p *parser) advance(id string, infix bool) (*node, error) {
	if id != "" && p.node.id != id {
		code := "S0202"
		if p.node.id == "(end)" {
			code = "S0203"
		}
		return nil, &Error{Code: code, Position: p.node.pos, Token: p.node.text(), hasToken: true, Value: id}
	}
	tok, err := p.next(infix)
	if err != nil {
		return nil, err
	}
	if tok == nil {
		p.node = &node{id: "(end)", typ: nEnd, str: "(end)", pos: len(p.src)}
		return p.node, nil
	}
	n := &node{pos: tok.pos}
	switch tok.kind {
	case tName, tVariable:
		n.id = "(name)"
		n.str = tok.str
		if tok.kind == tName {
			n.typ = nName
		} else {
			n.typ = nVariable
		}
	case tOperator:
		if _, ok := symbolLBP[tok.str]; !ok && tok.str != "and" && tok.str != "or" && tok.str != "in" {
			return nil, &Error{Code: "S0204", Position: tok.pos, Token: tok.str, hasToken: true}
		}
		n.id = tok.str
		n.typ = nOperator
		n.str = tok.str
	case tString:
		n.id = "(literal)"
		n.typ = nString
		n.str = tok.str
	case tNumber:
		n.id = "(literal)"
		n.typ = nNumber
		n.num = tok.num
	case tValue:
		n.id = "(literal)"
		n.typ = nValue
		n.val = tok.val
	case tRegex:
		n.id = "(regex)"
		n.typ = nRegex
		n.re = tok.re
	}
	p.node = n
	return n, nil
}

func lbp(n *node) int {
	if n.typ != nOperator {
		return 0
	}
	return symbolLBP[n.id]
}

func (p *parser) expression(rbp int) (*node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxParseDepth {
		return nil, &Error{Code: "S0220", Position: p.node.pos}
	}
	t := p.node
	if _, err := p.advance("", true); err != nil {
		return nil, err
	}
	left, err := p.nud(t)
	if err != nil {
		return nil, err
	}
	for rbp < lbp(p.node) {
		t = p.node
		if _, err := p.advance("", false); err != nil {
			return nil, err
		}
		left, err = p.led(t, left)
		if err != nil {
			return nil, err
		}
	}
	return left, nil
}

func (p *parser) nud(t *node) (*node, error) {
	switch t.id {
	case "(end)", "(name)", "(literal)", "(regex)", "and", "or", "in":
		return t, nil
	case "-":
		e, err := p.expression(70)
		if err != nil {
			return nil, err
		}
		t.expression = e
		t.typ = nUnary
		return t, nil
	case "*":
		t.typ = nWildcard
		return t, nil
	case "**":
		t.typ = nDescendant
		return t, nil
	case "%":
		t.typ = nParent
		return t, nil
	case "(":
		var exprs []*node
		for p.node.id != ")" {
			e, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			exprs = append(exprs, e)
			if p.node.id != ";" {
				break
			}
			if _, err := p.advance(";", false); err != nil {
				return nil, err
			}
		}
		if _, err := p.advance(")", true); err != nil {
			return nil, err
		}
		t.typ = nBlock
		t.expressions = exprs
		return t, nil
	case "[":
		var items []*node
		if p.node.id != "]" {
			for {
				item, err := p.expression(0)
				if err != nil {
					return nil, err
				}
				if p.node.id == ".." {
					rng := &node{typ: nBinary, id: "..", str: "..", pos: p.node.pos, lhs: item}
					if _, err := p.advance("..", false); err != nil {
						return nil, err
					}
					if rng.rhs, err = p.expression(0); err != nil {
						return nil, err
					}
					item = rng
				}
				items = append(items, item)
				if p.node.id != "," {
					break
				}
				if _, err := p.advance(",", false); err != nil {
					return nil, err
				}
			}
		}
		if _, err := p.advance("]", true); err != nil {
			return nil, err
		}
		t.expressions = items
		t.typ = nUnary
		return t, nil
	case "{":
		return p.objectParser(t, nil)
	case "|":
		t.typ = nTransform
		var err error
		if t.pattern, err = p.expression(0); err != nil {
			return nil, err
		}
		if _, err := p.advance("|", false); err != nil {
			return nil, err
		}
		if t.update, err = p.expression(0); err != nil {
			return nil, err
		}
		if p.node.id == "," {
			if _, err := p.advance(",", false); err != nil {
				return nil, err
			}
			if t.del, err = p.expression(0); err != nil {
				return nil, err
			}
		}
		if _, err := p.advance("|", false); err != nil {
			return nil, err
		}
		return t, nil
	}
	return nil, &Error{Code: "S0211", Token: t.text(), hasToken: true, Position: t.pos}
}

func (p *parser) objectParser(t *node, left *node) (*node, error) {
	var pairs [][2]*node
	if p.node.id != "}" {
		for {
			n, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			if _, err := p.advance(":", false); err != nil {
				return nil, err
			}
			v, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			pairs = append(pairs, [2]*node{n, v})
			if p.node.id != "," {
				break
			}
			if _, err := p.advance(",", false); err != nil {
				return nil, err
			}
		}
	}
	if _, err := p.advance("}", true); err != nil {
		return nil, err
	}
	t.pairs = pairs
	if left == nil {
		t.typ = nUnary
	} else {
		t.lhs = left
		t.typ = nBinary
	}
	return t, nil
}

func (p *parser) led(t *node, left *node) (*node, error) {
	var err error
	switch t.id {
	case ".", "+", "-", "*", "/", "%", "=", "<", ">", "!=", "<=", ">=", "&", "and", "or", "in", "~>":
		t.lhs = left
		if t.rhs, err = p.expression(symbolLBP[t.id]); err != nil {
			return nil, err
		}
		t.typ = nBinary
		return t, nil
	case "??":
		t.typ = nCondition
		t.condition = &node{typ: nFunction, id: "(", str: "(", pos: t.pos,
			procedure: &node{typ: nVariable, id: "(name)", str: "exists", pos: t.pos},
			arguments: []*node{cloneNode(left)}}
		t.then = left
		if t.els, err = p.expression(0); err != nil {
			return nil, err
		}
		return t, nil
	case "?:":
		t.typ = nCondition
		t.condition = cloneNode(left)
		t.then = left
		if t.els, err = p.expression(0); err != nil {
			return nil, err
		}
		return t, nil
	case "(":
		t.procedure = left
		t.typ = nFunction
		if p.node.id != ")" {
			for {
				if p.node.typ == nOperator && p.node.id == "?" {
					t.typ = nPartial
					t.arguments = append(t.arguments, p.node)
					if _, err := p.advance("?", false); err != nil {
						return nil, err
					}
				} else {
					arg, err := p.expression(0)
					if err != nil {
						return nil, err
					}
					t.arguments = append(t.arguments, arg)
				}
				if p.node.id != "," {
					break
				}
				if _, err := p.advance(",", false); err != nil {
					return nil, err
				}
			}
		}
		if _, err := p.advance(")", true); err != nil {
			return nil, err
		}
		if left.typ == nName && (left.str == "function" || left.str == "λ") {
			for i, arg := range t.arguments {
				if arg.typ != nVariable {
					return nil, &Error{Code: "S0208", Position: arg.pos, Token: arg.text(), hasToken: true, Value: float64(i + 1)}
				}
			}
			t.typ = nLambda
			if p.node.id == "<" {
				sigPos := p.node.pos
				depth := 1
				var sig strings.Builder
				sig.WriteByte('<')
				for depth > 0 && p.node.id != "{" && p.node.id != "(end)" {
					tok, err := p.advance("", false)
					if err != nil {
						return nil, err
					}
					if tok.id == ">" {
						depth--
					} else if tok.id == "<" {
						depth++
					}
					sig.WriteString(tok.text())
				}
				if _, err := p.advance(">", false); err != nil {
					return nil, err
				}
				s, err := parseSignature(sig.String())
				if err != nil {
					if e, ok := err.(*Error); ok {
						e.Position = sigPos + e.Position
					}
					return nil, err
				}
				t.signature = s
			}
			if _, err := p.advance("{", false); err != nil {
				return nil, err
			}
			if t.body, err = p.expression(0); err != nil {
				return nil, err
			}
			if _, err := p.advance("}", false); err != nil {
				return nil, err
			}
		}
		return t, nil
	case "[":
		if p.node.id == "]" {
			step := left
			for step != nil && step.typ == nBinary && step.id == "[" {
				step = step.lhs
			}
			step.keepArray = true
			if _, err := p.advance("]", false); err != nil {
				return nil, err
			}
			return left, nil
		}
		t.lhs = left
		if t.rhs, err = p.expression(0); err != nil {
			return nil, err
		}
		t.typ = nBinary
		if _, err := p.advance("]", true); err != nil {
			return nil, err
		}
		return t, nil
	case "^":
		if _, err := p.advance("(", false); err != nil {
			return nil, err
		}
		var terms []sortTerm
		for {
			term := sortTerm{}
			if p.node.id == "<" {
				if _, err := p.advance("<", false); err != nil {
					return nil, err
				}
			} else if p.node.id == ">" {
				term.descending = true
				if _, err := p.advance(">", false); err != nil {
					return nil, err
				}
			}
			if term.expr, err = p.expression(0); err != nil {
				return nil, err
			}
			terms = append(terms, term)
			if p.node.id != "," {
				break
			}
			if _, err := p.advance(",", false); err != nil {
				return nil, err
			}
		}
		if _, err := p.advance(")", false); err != nil {
			return nil, err
		}
		t.lhs = left
		t.terms = terms
		t.typ = nBinary
		return t, nil
	case "{":
		return p.objectParser(t, left)
	case ":=":
		if left.typ != nVariable {
			return nil, &Error{Code: "S0212", Position: left.pos, Token: left.text(), hasToken: true}
		}
		t.lhs = left
		if t.rhs, err = p.expression(symbolLBP[":="] - 1); err != nil {
			return nil, err
		}
		t.typ = nBinary
		return t, nil
	case "@", "#":
		t.lhs = left
		if t.rhs, err = p.expression(symbolLBP[t.id]); err != nil {
			return nil, err
		}
		if t.rhs.typ != nVariable {
			return nil, &Error{Code: "S0214", Position: t.rhs.pos, Token: t.id, hasToken: true}
		}
		t.typ = nBinary
		return t, nil
	case "?":
		t.typ = nCondition
		t.condition = left
		if t.then, err = p.expression(0); err != nil {
			return nil, err
		}
		if p.node.id == ":" {
			if _, err := p.advance(":", false); err != nil {
				return nil, err
			}
			if t.els, err = p.expression(0); err != nil {
				return nil, err
			}
		}
		return t, nil
	}
	return nil, &Error{Code: "S0201", Position: t.pos, Token: t.text(), hasToken: true}
}

// cloneNode deep-copies a parse tree (before post-processing).
func cloneNode(n *node) *node {
	if n == nil {
		return nil
	}
	c := *n
	c.lhs = cloneNode(n.lhs)
	c.rhs = cloneNode(n.rhs)
	c.expression = cloneNode(n.expression)
	if n.expressions != nil {
		c.expressions = make([]*node, len(n.expressions))
		for i, e := range n.expressions {
			c.expressions[i] = cloneNode(e)
		}
	}
	if n.pairs != nil {
		c.pairs = make([][2]*node, len(n.pairs))
		for i, pr := range n.pairs {
			c.pairs[i] = [2]*node{cloneNode(pr[0]), cloneNode(pr[1])}
		}
	}
	if n.terms != nil {
		c.terms = make([]sortTerm, len(n.terms))
		for i, t := range n.terms {
			c.terms[i] = sortTerm{descending: t.descending, expr: cloneNode(t.expr)}
		}
	}
	c.procedure = cloneNode(n.procedure)
	if n.arguments != nil {
		c.arguments = make([]*node, len(n.arguments))
		for i, a := range n.arguments {
			c.arguments[i] = cloneNode(a)
		}
	}
	c.body = cloneNode(n.body)
	c.condition = cloneNode(n.condition)
	c.then = cloneNode(n.then)
	c.els = cloneNode(n.els)
	c.pattern = cloneNode(n.pattern)
	c.update = cloneNode(n.update)
	c.del = cloneNode(n.del)
	return &c
}

// parse parses src into a post-processed AST.
func parse(src string) (*node, error) {
	p := &parser{src: decodeWTF8(src)}
	if _, err := p.advance("", false); err != nil {
		return nil, err
	}
	expr, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	if p.node.id != "(end)" {
		return nil, &Error{Code: "S0201", Position: p.node.pos, Token: p.node.text(), hasToken: true}
	}
	expr, err = p.process(expr)
	if err != nil {
		return nil, err
	}
	if expr.typ == nParent || len(expr.seekingParent) > 0 {
		return nil, &Error{Code: "S0217", Token: expr.typ.String(), hasToken: true, Position: expr.pos}
	}
	return expr, nil
}

func tailCallOptimize(expr *node) *node {
	switch {
	case expr.typ == nFunction && expr.predicate == nil:
		return &node{typ: nLambda, thunk: true, pos: expr.pos, body: expr}
	case expr.typ == nCondition:
		expr.then = tailCallOptimize(expr.then)
		if expr.els != nil {
			expr.els = tailCallOptimize(expr.els)
		}
	case expr.typ == nBlock:
		if n := len(expr.expressions); n > 0 {
			expr.expressions[n-1] = tailCallOptimize(expr.expressions[n-1])
		}
	}
	return expr
}

func (p *parser) seekParent(n *node, s *slot) (*slot, error) {
	switch n.typ {
	case nName, nWildcard:
		s.level--
		if s.level == 0 {
			if n.ancestor == nil {
				n.ancestor = s
			} else {
				p.ancestry[s.index].slot.label = n.ancestor.label
				n.ancestor = s
			}
			n.tuple = true
		}
	case nParent:
		s.level++
	case nBlock:
		if len(n.expressions) > 0 {
			n.tuple = true
			return p.seekParent(n.expressions[len(n.expressions)-1], s)
		}
	case nPath:
		n.tuple = true
		index := len(n.steps) - 1
		var err error
		s, err = p.seekParent(n.steps[index], s)
		if err != nil {
			return nil, err
		}
		index--
		for s.level > 0 && index >= 0 {
			if s, err = p.seekParent(n.steps[index], s); err != nil {
				return nil, err
			}
			index--
		}
	default:
		return nil, &Error{Code: "S0217", Token: n.typ.String(), hasToken: true, Position: n.pos}
	}
	return s, nil
}

func pushAncestry(result, value *node) {
	if len(value.seekingParent) > 0 || value.typ == nParent {
		slots := value.seekingParent
		if value.typ == nParent {
			slots = append(slots, value.slot)
		}
		result.seekingParent = append(result.seekingParent, slots...)
	}
}

func (p *parser) resolveAncestry(path *node) error {
	index := len(path.steps) - 1
	last := path.steps[index]
	slots := append([]*slot(nil), last.seekingParent...)
	if last.typ == nParent {
		slots = append(slots, last.slot)
	}
	for _, s := range slots {
		index = len(path.steps) - 2
		for s.level > 0 {
			if index < 0 {
				path.seekingParent = append(path.seekingParent, s)
				break
			}
			step := path.steps[index]
			index--
			for index >= 0 && step.focus != "" && path.steps[index].focus != "" {
				step = path.steps[index]
				index--
			}
			var err error
			if s, err = p.seekParent(step, s); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *parser) process(expr *node) (*node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 4*maxParseDepth {
		return nil, &Error{Code: "S0220", Position: expr.pos}
	}
	var result *node
	var err error
	switch expr.typ {
	case nBinary:
		switch expr.id {
		case ".":
			lstep, err := p.process(expr.lhs)
			if err != nil {
				return nil, err
			}
			if lstep.typ == nPath {
				result = lstep
			} else {
				result = &node{typ: nPath, steps: []*node{lstep}, pos: lstep.pos}
			}
			if lstep.typ == nParent {
				result.seekingParent = []*slot{lstep.slot}
			}
			rest, err := p.process(expr.rhs)
			if err != nil {
				return nil, err
			}
			if rest.typ == nPath {
				result.steps = append(result.steps, rest.steps...)
			} else {
				if rest.predicate != nil {
					rest.stages = rest.predicate
					rest.predicate = nil
				}
				result.steps = append(result.steps, rest)
			}
			for _, step := range result.steps {
				if step.typ == nNumber || step.typ == nValue {
					return nil, &Error{Code: "S0213", Position: step.pos, Value: step.value()}
				}
				if step.typ == nString {
					step.typ = nName
				}
			}
			for _, step := range result.steps {
				if step.keepArray {
					result.keepSingletonArray = true
					break
				}
			}
			first := result.steps[0]
			if first.typ == nUnary && first.id == "[" {
				first.consarray = true
			}
			last := result.steps[len(result.steps)-1]
			if last.typ == nUnary && last.id == "[" {
				last.consarray = true
			}
			if err := p.resolveAncestry(result); err != nil {
				return nil, err
			}
		case "[":
			if result, err = p.process(expr.lhs); err != nil {
				return nil, err
			}
			step := result
			stages := false
			if result.typ == nPath {
				step = result.steps[len(result.steps)-1]
				stages = true
			}
			if step.group != nil {
				return nil, &Error{Code: "S0209", Position: expr.pos}
			}
			pred, err := p.process(expr.rhs)
			if err != nil {
				return nil, err
			}
			if len(pred.seekingParent) > 0 {
				for _, s := range pred.seekingParent {
					if s.level == 1 {
						if _, err := p.seekParent(step, s); err != nil {
							return nil, err
						}
					} else {
						s.level--
					}
				}
				pushAncestry(step, pred)
			}
			st := &stage{typ: stageFilter, expr: pred, pos: expr.pos}
			if stages {
				step.stages = append(step.stages, st)
			} else {
				step.predicate = append(step.predicate, st)
			}
		case "{":
			if result, err = p.process(expr.lhs); err != nil {
				return nil, err
			}
			if result.group != nil {
				return nil, &Error{Code: "S0210", Position: expr.pos}
			}
			g := &groupExpr{pos: expr.pos}
			for _, pr := range expr.pairs {
				k, err := p.process(pr[0])
				if err != nil {
					return nil, err
				}
				v, err := p.process(pr[1])
				if err != nil {
					return nil, err
				}
				g.pairs = append(g.pairs, [2]*node{k, v})
			}
			result.group = g
		case "^":
			if result, err = p.process(expr.lhs); err != nil {
				return nil, err
			}
			if result.typ != nPath {
				result = &node{typ: nPath, steps: []*node{result}, pos: result.pos}
			}
			sortStep := &node{typ: nSort, pos: expr.pos}
			for _, term := range expr.terms {
				e, err := p.process(term.expr)
				if err != nil {
					return nil, err
				}
				pushAncestry(sortStep, e)
				sortStep.terms = append(sortStep.terms, sortTerm{descending: term.descending, expr: e})
			}
			result.steps = append(result.steps, sortStep)
			if err := p.resolveAncestry(result); err != nil {
				return nil, err
			}
		case ":=":
			result = &node{typ: nBind, str: ":=", pos: expr.pos}
			if result.lhs, err = p.process(expr.lhs); err != nil {
				return nil, err
			}
			if result.rhs, err = p.process(expr.rhs); err != nil {
				return nil, err
			}
			pushAncestry(result, result.rhs)
		case "@":
			if result, err = p.process(expr.lhs); err != nil {
				return nil, err
			}
			step := result
			if result.typ == nPath {
				step = result.steps[len(result.steps)-1]
			}
			if step.stages != nil || step.predicate != nil {
				return nil, &Error{Code: "S0215", Position: expr.pos}
			}
			if step.typ == nSort {
				return nil, &Error{Code: "S0216", Position: expr.pos}
			}
			if expr.keepArray {
				step.keepArray = true
			}
			step.focus = expr.rhs.str
			step.hasFocus = true
			step.tuple = true
		case "#":
			if result, err = p.process(expr.lhs); err != nil {
				return nil, err
			}
			step := result
			if result.typ == nPath {
				step = result.steps[len(result.steps)-1]
			} else {
				result = &node{typ: nPath, steps: []*node{result}, pos: result.pos}
				if step.predicate != nil {
					step.stages = step.predicate
					step.predicate = nil
				}
			}
			if step.stages == nil {
				step.index = expr.rhs.str
				step.hasIndex = true
			} else {
				step.stages = append(step.stages, &stage{typ: stageIndex, value: expr.rhs.str, pos: expr.pos})
			}
			step.tuple = true
		case "~>":
			result = &node{typ: nApply, str: "~>", pos: expr.pos}
			if result.lhs, err = p.process(expr.lhs); err != nil {
				return nil, err
			}
			if result.rhs, err = p.process(expr.rhs); err != nil {
				return nil, err
			}
			result.keepArray = result.lhs.keepArray || result.rhs.keepArray
		default:
			result = &node{typ: nBinary, id: expr.id, str: expr.str, pos: expr.pos}
			if result.lhs, err = p.process(expr.lhs); err != nil {
				return nil, err
			}
			if result.rhs, err = p.process(expr.rhs); err != nil {
				return nil, err
			}
			pushAncestry(result, result.lhs)
			pushAncestry(result, result.rhs)
		}
	case nUnary:
		result = &node{typ: nUnary, id: expr.id, str: expr.str, pos: expr.pos}
		switch expr.id {
		case "[":
			result.expressions = make([]*node, 0, len(expr.expressions))
			for _, item := range expr.expressions {
				v, err := p.process(item)
				if err != nil {
					return nil, err
				}
				pushAncestry(result, v)
				result.expressions = append(result.expressions, v)
			}
		case "{":
			result.pairs = make([][2]*node, 0, len(expr.pairs))
			for _, pr := range expr.pairs {
				k, err := p.process(pr[0])
				if err != nil {
					return nil, err
				}
				pushAncestry(result, k)
				v, err := p.process(pr[1])
				if err != nil {
					return nil, err
				}
				pushAncestry(result, v)
				result.pairs = append(result.pairs, [2]*node{k, v})
			}
		default:
			if result.expression, err = p.process(expr.expression); err != nil {
				return nil, err
			}
			if expr.id == "-" && result.expression.typ == nNumber {
				result = result.expression
				result.num = -result.num
			} else {
				pushAncestry(result, result.expression)
			}
		}
	case nFunction, nPartial:
		result = &node{typ: expr.typ, id: expr.id, str: expr.str, pos: expr.pos}
		for _, arg := range expr.arguments {
			a, err := p.process(arg)
			if err != nil {
				return nil, err
			}
			pushAncestry(result, a)
			result.arguments = append(result.arguments, a)
		}
		if result.procedure, err = p.process(expr.procedure); err != nil {
			return nil, err
		}
	case nLambda:
		result = &node{typ: nLambda, arguments: expr.arguments, signature: expr.signature, pos: expr.pos}
		body, err := p.process(expr.body)
		if err != nil {
			return nil, err
		}
		result.body = tailCallOptimize(body)
	case nCondition:
		result = &node{typ: nCondition, pos: expr.pos}
		if result.condition, err = p.process(expr.condition); err != nil {
			return nil, err
		}
		pushAncestry(result, result.condition)
		if result.then, err = p.process(expr.then); err != nil {
			return nil, err
		}
		pushAncestry(result, result.then)
		if expr.els != nil {
			if result.els, err = p.process(expr.els); err != nil {
				return nil, err
			}
			pushAncestry(result, result.els)
		}
	case nTransform:
		result = &node{typ: nTransform, pos: expr.pos}
		if result.pattern, err = p.process(expr.pattern); err != nil {
			return nil, err
		}
		if result.update, err = p.process(expr.update); err != nil {
			return nil, err
		}
		if expr.del != nil {
			if result.del, err = p.process(expr.del); err != nil {
				return nil, err
			}
		}
	case nBlock:
		result = &node{typ: nBlock, pos: expr.pos}
		for _, item := range expr.expressions {
			part, err := p.process(item)
			if err != nil {
				return nil, err
			}
			pushAncestry(result, part)
			if part.consarray || (part.typ == nPath && part.steps[0].consarray) {
				result.consarray = true
			}
			result.expressions = append(result.expressions, part)
		}
	case nName:
		result = &node{typ: nPath, steps: []*node{expr}, pos: expr.pos}
		if expr.keepArray {
			result.keepSingletonArray = true
		}
	case nParent:
		result = &node{typ: nParent, pos: expr.pos, slot: &slot{label: "!" + strconv.Itoa(p.ancestorLabel), level: 1, index: p.ancestorIndex}}
		p.ancestorLabel++
		p.ancestorIndex++
		p.ancestry = append(p.ancestry, result)
	case nString, nNumber, nValue, nWildcard, nDescendant, nVariable, nRegex:
		result = expr
	case nOperator:
		switch expr.str {
		case "and", "or", "in":
			expr.typ = nName
			if result, err = p.process(expr); err != nil {
				return nil, err
			}
		case "?":
			result = expr
		default:
			return nil, &Error{Code: "S0201", Position: expr.pos, Token: expr.str, hasToken: true}
		}
	default:
		code := "S0206"
		if expr.id == "(end)" {
			code = "S0207"
		}
		return nil, &Error{Code: code, Position: expr.pos, Token: expr.text(), hasToken: true}
	}
	if expr.keepArray {
		result.keepArray = true
	}
	return result, nil
}
