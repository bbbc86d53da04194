// Package intrinsic parses and evaluates the intrinsic functions of the
// States Language (States.Format, States.ArrayRange, ...), the values of
// JSONPath fields whose key ends in ".$" that are function calls rather than
// paths.
//
// Parse checks syntax, function names, argument counts and nesting depth, the
// mistakes AWS rejects when a state machine is created; it returns a
// *SyntaxError. Eval fails with an *Error, which the interpreter reports as
// States.IntrinsicFailure.
//
// Values are what encoding/json produces with Decoder.UseNumber:
// map[string]any, []any, string, json.Number, bool and nil. Results may share
// unchanged parts with the input, so values must be treated as immutable.
package intrinsic

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/paystep/paystep/internal/asl/jsonpath"
)

// MaxDepth is how deeply AWS lets intrinsic functions nest in one field.
const MaxDepth = 10

// arity is the number of arguments each function takes: min and max, -1 for
// no maximum.
var arity = map[string][2]int{
	"States.Format":         {1, -1},
	"States.StringToJson":   {1, 1},
	"States.JsonToString":   {1, 1},
	"States.Array":          {0, -1},
	"States.ArrayPartition": {2, 2},
	"States.ArrayContains":  {2, 2},
	"States.ArrayRange":     {3, 3},
	"States.ArrayGetItem":   {2, 2},
	"States.ArrayLength":    {1, 1},
	"States.ArrayUnique":    {1, 1},
	"States.Base64Encode":   {1, 1},
	"States.Base64Decode":   {1, 1},
	"States.Hash":           {2, 2},
	"States.JsonMerge":      {3, 3},
	"States.MathRandom":     {2, 3},
	"States.MathAdd":        {2, 2},
	"States.StringSplit":    {2, 2},
	"States.UUID":           {0, 0},
}

// Call is a parsed intrinsic function call. It is immutable and safe for
// concurrent use.
type Call struct {
	name string
	args []arg
	src  string
}

// Name returns the function's name, such as "States.Format".
func (c *Call) Name() string { return c.name }

// String returns the expression as it was written (for a nested call, the
// part of it that is this call).
func (c *Call) String() string { return c.src }

// arg is one argument: *stringArg, json.Number, bool, nil, *jsonpath.Path or *Call.
type arg any

// stringArg is a quoted string literal.
type stringArg struct {
	value string
	// pieces is the string split at each unescaped "{}", for a States.Format
	// template written in place: an escaped \{\} is literal text.
	pieces []string
	// badEscape is set to the first escape other than \' \{ \} \\; AWS fails
	// at run time when it meets one.
	badEscape string
}

// SyntaxError reports an expression that does not parse.
type SyntaxError struct {
	Expr string // the expression as given
	Pos  int    // byte offset of the problem in Expr
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("intrinsic: invalid expression %q at position %d: %s", e.Expr, e.Pos, e.Msg)
}

// IsIntrinsic reports whether s, the value of a ".$" field, is written as an
// intrinsic function call ("States.Name(") rather than a path. It does not
// check the rest of the expression.
func IsIntrinsic(s string) bool {
	s = strings.TrimLeft(s, " \t\n\r")
	rest, ok := strings.CutPrefix(s, "States.")
	if !ok {
		return false
	}
	n := 0
	for n < len(rest) && isNameChar(rest[n]) {
		n++
	}
	if n == 0 {
		return false
	}
	rest = strings.TrimLeft(rest[n:], " \t\n\r")
	return rest != "" && rest[0] == '('
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// Parse parses an intrinsic function call such as
// "States.Format('Hello, {}', $.name)".
func Parse(expr string) (*Call, error) {
	p := &parser{src: expr}
	p.skipBlanks()
	c, err := p.call(1)
	if err != nil {
		return nil, err
	}
	p.skipBlanks()
	if p.pos != len(p.src) {
		return nil, p.errorf(p.pos, "unexpected %q after the function call", p.rest())
	}
	return c, nil
}

type parser struct {
	src string
	pos int
}

func (p *parser) errorf(pos int, format string, args ...any) error {
	return &SyntaxError{Expr: p.src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) rest() string {
	r := p.src[p.pos:]
	if len(r) > 20 {
		r = r[:20] + "…"
	}
	return r
}

func (p *parser) skipBlanks() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\n\r", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *parser) call(depth int) (*Call, error) {
	start := p.pos
	if depth > MaxDepth {
		return nil, p.errorf(start, "intrinsic functions nest more than %d deep", MaxDepth)
	}
	if !strings.HasPrefix(p.src[p.pos:], "States.") {
		return nil, p.errorf(start, "expected an intrinsic function such as States.Format")
	}
	p.pos += len("States.")
	for p.pos < len(p.src) && isNameChar(p.src[p.pos]) {
		p.pos++
	}
	name := p.src[start:p.pos]
	n, ok := arity[name]
	if !ok {
		return nil, p.errorf(start, "unknown intrinsic function %s", name)
	}
	p.skipBlanks()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, p.errorf(p.pos, "expected '(' after %s", name)
	}
	p.pos++
	c := &Call{name: name}
	p.skipBlanks()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
	} else {
		for {
			a, err := p.arg(depth)
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			p.skipBlanks()
			if p.pos >= len(p.src) {
				return nil, p.errorf(p.pos, "expected ',' or ')' but the expression ended")
			}
			if p.src[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.src[p.pos] != ')' {
				return nil, p.errorf(p.pos, "expected ',' or ')' but found %q", p.rest())
			}
			p.pos++
			break
		}
	}
	c.src = p.src[start:p.pos]
	if len(c.args) < n[0] || n[1] >= 0 && len(c.args) > n[1] {
		want := fmt.Sprintf("%d", n[0])
		switch {
		case n[1] < 0:
			want = fmt.Sprintf("at least %d", n[0])
		case n[1] != n[0]:
			want = fmt.Sprintf("%d to %d", n[0], n[1])
		}
		return nil, p.errorf(start, "%s takes %s argument%s, got %d", name, want, plural(n), len(c.args))
	}
	return c, nil
}

func plural(n [2]int) string {
	count := n[1]
	if count < 0 {
		count = n[0]
	}
	if count == 1 {
		return ""
	}
	return "s"
}

func (p *parser) arg(depth int) (arg, error) {
	p.skipBlanks()
	if p.pos >= len(p.src) {
		return nil, p.errorf(p.pos, "expected an argument but the expression ended")
	}
	start := p.pos
	switch c := p.src[p.pos]; {
	case c == '\'':
		return p.stringLit()
	case c == '$':
		return p.path()
	case c == '-' || c >= '0' && c <= '9':
		for p.pos < len(p.src) && strings.IndexByte("0123456789+-.eE", p.src[p.pos]) >= 0 {
			p.pos++
		}
		text := p.src[start:p.pos]
		if !json.Valid([]byte(text)) {
			return nil, p.errorf(start, "invalid number %q", text)
		}
		return json.Number(text), nil
	case strings.HasPrefix(p.src[p.pos:], "States."):
		return p.call(depth + 1)
	}
	for p.pos < len(p.src) && isNameChar(p.src[p.pos]) {
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
	return nil, p.errorf(start, "expected a string, number, boolean, null, path or intrinsic function but found %q", p.rest())
}

// stringLit parses a single-quoted string. AWS reserves ' { } and \ and
// lets each be escaped with a backslash.
func (p *parser) stringLit() (*stringArg, error) {
	start := p.pos
	p.pos++
	s := &stringArg{}
	var value, piece strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\'':
			p.pos++
			s.value = value.String()
			s.pieces = append(s.pieces, piece.String())
			return s, nil
		case c == '\\' && p.pos+1 < len(p.src):
			e := p.src[p.pos+1]
			switch e {
			case '\'', '{', '}', '\\':
			default:
				if s.badEscape == "" {
					s.badEscape = p.src[p.pos : p.pos+2]
				}
			}
			value.WriteByte(e)
			piece.WriteByte(e)
			p.pos += 2
		case c == '{' && strings.HasPrefix(p.src[p.pos:], "{}"):
			value.WriteString("{}")
			s.pieces = append(s.pieces, piece.String())
			piece.Reset()
			p.pos += 2
		default:
			value.WriteByte(c)
			piece.WriteByte(c)
			p.pos++
		}
	}
	return nil, p.errorf(start, "unterminated string")
}

// path reads a JSONPath argument up to the ',' or ')' that ends it, skipping
// over brackets (which may hold filters and quoted names), and compiles it.
func (p *parser) path() (*jsonpath.Path, error) {
	start := p.pos
	depth := 0
	var quote byte
scan:
	for ; p.pos < len(p.src); p.pos++ {
		c := p.src[p.pos]
		switch {
		case quote != 0:
			if c == '\\' {
				p.pos++
			} else if c == quote {
				quote = 0
			}
		case depth > 0 && (c == '\'' || c == '"'):
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth <= 0 && (c == ',' || c == ')' || c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			break scan
		}
	}
	if p.pos > len(p.src) {
		p.pos = len(p.src)
	}
	text := p.src[start:p.pos]
	path, err := jsonpath.Compile(text)
	if err != nil {
		var se *jsonpath.SyntaxError
		if errors.As(err, &se) {
			return nil, p.errorf(start+se.Pos, "invalid path %q: %s", text, se.Msg)
		}
		return nil, p.errorf(start, "invalid path %q: %v", text, err)
	}
	return path, nil
}
