package jsonata

import (
	"regexp"
	"strings"
)

// This file ports jsonata-js src/signature.js: function signatures such as
// <s-nn?:s> are compiled to a regular expression over one symbol per argument.

type sigParam struct {
	set          string // symbols the parameter accepts
	quant        string // "", "?" or "+" (or something odd: use the regex)
	regex        string
	typ          string
	array        bool
	context      bool
	contextRegex *regexp.Regexp
	subtype      string
}

type signature struct {
	definition string
	params     []*sigParam
	regex      *regexp.Regexp
	simple     bool // every quant is "", "?" or "+": use match, not regex
}

var arraySignatureMapping = map[string]string{
	"a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings",
}

func parseSignature(sig string) (*signature, error) {
	src := []rune(sig)
	position := 1
	var params []*sigParam
	param := &sigParam{}
	prevParam := param
	findClosingBracket := func(start int, open, close rune) int {
		depth := 1
		pos := start
		for pos < len(src) {
			pos++
			if pos >= len(src) {
				break
			}
			c := src[pos]
			if c == close {
				depth--
				if depth == 0 {
					break
				}
			} else if c == open {
				depth++
			}
		}
		return pos
	}
	next := func() {
		params = append(params, param)
		prevParam = param
		param = &sigParam{}
	}
	for position < len(src) {
		symbol := src[position]
		if symbol == ':' {
			break
		}
		switch symbol {
		case 's', 'n', 'b', 'l', 'o':
			param.regex = "[" + string(symbol) + "m]"
			param.typ = string(symbol)
			next()
		case 'a':
			param.regex = "[asnblfom]"
			param.typ = "a"
			param.array = true
			next()
		case 'f':
			param.regex = "f"
			param.typ = "f"
			next()
		case 'j':
			param.regex = "[asnblom]"
			param.typ = "j"
			next()
		case 'x':
			param.regex = "[asnblfom]"
			param.typ = "x"
			next()
		case '-':
			prevParam.context = true
			re, err := regexp.Compile(prevParam.regex)
			if err != nil {
				return nil, &Error{Code: "S0401", Value: prevParam.typ, Position: position}
			}
			prevParam.contextRegex = re
			prevParam.regex += "?"
		case '?', '+':
			prevParam.regex += string(symbol)
		case '(':
			end := findClosingBracket(position, '(', ')')
			if end > len(src) {
				end = len(src)
			}
			choice := string(src[position+1 : end])
			if strings.Contains(choice, "<") {
				return nil, &Error{Code: "S0402", Value: choice, Position: position}
			}
			param.regex = "[" + choice + "m]"
			param.typ = "(" + choice + ")"
			position = end
			next()
		case '<':
			if prevParam.typ == "a" || prevParam.typ == "f" {
				end := findClosingBracket(position, '<', '>')
				if end > len(src) {
					end = len(src)
				}
				prevParam.subtype = string(src[position+1 : end])
				position = end
			} else {
				return nil, &Error{Code: "S0401", Value: prevParam.typ, Position: position}
			}
		}
		position++
	}
	var b strings.Builder
	b.WriteString("^")
	for _, p := range params {
		b.WriteString("(")
		b.WriteString(p.regex)
		b.WriteString(")")
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, &Error{Code: "S0401", Value: sig, Position: 0}
	}
	s := &signature{definition: sig, params: params, regex: re, simple: true}
	for _, p := range params {
		set, quant := p.regex, ""
		if strings.HasPrefix(set, "[") {
			end := strings.IndexByte(set, ']')
			set, quant = set[1:end], set[end+1:]
		} else {
			set, quant = set[:1], set[1:]
		}
		p.set, p.quant = set, quant
		if quant != "" && quant != "?" && quant != "+" {
			s.simple = false
		}
	}
	return s, nil
}

// match matches the argument symbols against the parameters as the regex
// ^(p1)(p2)...$ would (greedy, leftmost), returning each group's match.
func (s *signature) match(sym string) ([]string, bool) {
	groups := make([]string, len(s.params))
	var rec func(pi, pos int) bool
	rec = func(pi, pos int) bool {
		if pi == len(s.params) {
			return pos == len(sym)
		}
		p := s.params[pi]
		in := func(i int) bool { return i < len(sym) && strings.IndexByte(p.set, sym[i]) >= 0 }
		switch p.quant {
		case "":
			if in(pos) {
				groups[pi] = sym[pos : pos+1]
				return rec(pi+1, pos+1)
			}
			return false
		case "?":
			if in(pos) {
				groups[pi] = sym[pos : pos+1]
				if rec(pi+1, pos+1) {
					return true
				}
			}
			groups[pi] = ""
			return rec(pi+1, pos)
		default: // "+"
			n := 0
			for in(pos + n) {
				n++
			}
			for k := n; k >= 1; k-- {
				groups[pi] = sym[pos : pos+k]
				if rec(pi+1, pos+k) {
					return true
				}
			}
			return false
		}
	}
	if !rec(0, 0) {
		return nil, false
	}
	return groups, true
}

func sigSymbol(v any) byte {
	switch v.(type) {
	case *lambda, *native:
		return 'f'
	case string:
		return 's'
	case float64:
		return 'n'
	case bool:
		return 'b'
	case nullType:
		return 'l'
	case *array:
		return 'a'
	case *object, tuple:
		return 'o'
	}
	return 'm'
}

func (s *signature) validate(args []any, context any) ([]any, error) {
	supplied := make([]byte, len(args))
	for i, a := range args {
		supplied[i] = sigSymbol(a)
	}
	var m []string
	if s.simple {
		groups, ok := s.match(string(supplied))
		if !ok {
			return nil, s.validationError(args, string(supplied))
		}
		m = append([]string{""}, groups...)
	} else {
		m = s.regex.FindStringSubmatch(string(supplied))
		if m == nil {
			return nil, s.validationError(args, string(supplied))
		}
	}
	validated := make([]any, 0, len(args))
	argIndex := 0
	for index, param := range s.params {
		match := m[index+1]
		if match == "" {
			if param.context && param.contextRegex != nil {
				ctype := string(sigSymbol(context))
				if strings.Contains(param.set, ctype) {
					validated = append(validated, context)
				} else {
					return nil, &Error{Code: "T0411", Value: context, index: argIndex + 1}
				}
			} else {
				var arg any
				if argIndex < len(args) {
					arg = args[argIndex]
				}
				validated = append(validated, arg)
				argIndex++
			}
			continue
		}
		for _, single := range match {
			var arg any
			if argIndex < len(args) {
				arg = args[argIndex]
			}
			if param.typ == "a" {
				if single == 'm' {
					arg = nil
				} else {
					arrayOK := true
					if param.subtype != "" {
						if single != 'a' && match != param.subtype {
							arrayOK = false
						} else if single == 'a' {
							arr := arg.(*array)
							if len(arr.items) > 0 {
								itemType := sigSymbol(arr.items[0])
								if itemType != param.subtype[0] {
									arrayOK = false
								} else {
									for _, it := range arr.items {
										if sigSymbol(it) != itemType {
											arrayOK = false
											break
										}
									}
								}
							}
						}
					}
					if !arrayOK {
						return nil, &Error{Code: "T0412", Value: arg, index: argIndex + 1, typ: arraySignatureMapping[param.subtype]}
					}
					if single != 'a' {
						arg = newArray([]any{arg})
					}
				}
			}
			validated = append(validated, arg)
			argIndex++
		}
	}
	return validated, nil
}

func (s *signature) validationError(args []any, supplied string) error {
	partial := "^"
	goodTo := 0
	for _, p := range s.params {
		partial += p.regex
		re, err := regexp.Compile(partial)
		if err != nil {
			break
		}
		loc := re.FindStringIndex(supplied)
		if loc == nil {
			break
		}
		goodTo = loc[1]
	}
	var value any
	if goodTo < len(args) {
		value = args[goodTo]
	}
	return &Error{Code: "T0410", Value: value, index: goodTo + 1}
}
