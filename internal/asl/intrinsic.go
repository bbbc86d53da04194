package asl

import (
	"fmt"
	"strings"
)

// intrinsicNames are the 18 intrinsic functions of the States Language.
var intrinsicNames = map[string]bool{
	"States.Format": true, "States.StringToJson": true, "States.JsonToString": true,
	"States.Array": true, "States.ArrayPartition": true, "States.ArrayContains": true,
	"States.ArrayRange": true, "States.ArrayGetItem": true, "States.ArrayLength": true,
	"States.ArrayUnique": true, "States.Base64Encode": true, "States.Base64Decode": true,
	"States.Hash": true, "States.JsonMerge": true, "States.MathRandom": true,
	"States.MathAdd": true, "States.StringSplit": true, "States.UUID": true,
}

// isIntrinsic reports whether s is written as a function call rather than a path.
func isIntrinsic(s string) bool {
	return strings.HasPrefix(strings.TrimSpace(s), "States.")
}

// intrinsicCall is a parsed intrinsic function call.
type intrinsicCall struct {
	src string
}

// parseIntrinsic checks the syntax of an intrinsic function call.
func parseIntrinsic(src string) (*intrinsicCall, error) {
	p := &intrinsicParser{s: strings.TrimSpace(src)}
	if err := p.call(0); err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q after the function call", p.s[p.i:])
	}
	return &intrinsicCall{src: src}, nil
}

type intrinsicParser struct {
	s string
	i int
}

func (p *intrinsicParser) skipSpace() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *intrinsicParser) call(depth int) error {
	if depth > 64 {
		return fmt.Errorf("intrinsic functions are nested too deeply")
	}
	j := strings.IndexByte(p.s[p.i:], '(')
	if j < 0 {
		return fmt.Errorf("missing '(' after the function name")
	}
	name := strings.TrimSpace(p.s[p.i : p.i+j])
	if !intrinsicNames[name] {
		return fmt.Errorf("unknown intrinsic function %q", name)
	}
	p.i += j + 1
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
		return nil
	}
	for {
		p.skipSpace()
		if err := p.arg(depth); err != nil {
			return err
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return fmt.Errorf("missing ')'")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ')':
			p.i++
			return nil
		default:
			return fmt.Errorf("unexpected %q in the argument list", p.s[p.i])
		}
	}
}

func (p *intrinsicParser) arg(depth int) error {
	if p.i >= len(p.s) {
		return fmt.Errorf("missing argument")
	}
	rest := p.s[p.i:]
	switch c := rest[0]; {
	case c == '\'':
		for k := 1; k < len(rest); k++ {
			switch rest[k] {
			case '\\':
				k++
			case '\'':
				p.i += k + 1
				return nil
			}
		}
		return fmt.Errorf("unterminated string literal")
	case strings.HasPrefix(rest, "States."):
		return p.call(depth + 1)
	case c == '$':
		// A path runs to the next ',' or ')' outside brackets and quotes.
		k, depthB := 0, 0
		var quote byte
		for ; k < len(rest); k++ {
			ch := rest[k]
			if quote != 0 {
				if ch == '\\' {
					k++
				} else if ch == quote {
					quote = 0
				}
				continue
			}
			if ch == '\'' || ch == '"' {
				quote = ch
			} else if ch == '[' || ch == '(' {
				depthB++
			} else if (ch == ']' || ch == ')') && depthB > 0 {
				depthB--
			} else if (ch == ',' || ch == ')') && depthB == 0 {
				break
			}
		}
		path := strings.TrimSpace(rest[:k])
		if _, err := compilePath(path, pathAny); err != nil {
			return fmt.Errorf("invalid path %q: %v", path, err)
		}
		p.i += k
		return nil
	default:
		k := 0
		for k < len(rest) && rest[k] != ',' && rest[k] != ')' && rest[k] != ' ' {
			k++
		}
		lit := rest[:k]
		if lit == "true" || lit == "false" || lit == "null" || isNumberLiteral(lit) {
			p.i += k
			return nil
		}
		return fmt.Errorf("invalid argument %q", lit)
	}
}

func isNumberLiteral(s string) bool {
	if s == "" {
		return false
	}
	_, err := parseNumber(s)
	return err == nil
}

// eval evaluates the call.
func (c *intrinsicCall) eval(env *Env) (any, error) {
	return nil, &EvalError{Name: ErrorIntrinsicFailure, Cause: fmt.Sprintf("The intrinsic function %s is not available", c.src)}
}
