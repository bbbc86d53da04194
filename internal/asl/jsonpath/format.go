package jsonpath

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
)

// canonical formats the path in a normal form: dot notation for plain names,
// bracket notation otherwise, filters with explicit grouping. Compiling the
// canonical form gives an equivalent path with the same canonical form.
func (p *Path) canonical() string {
	var b strings.Builder
	p.formatRoot(&b)
	formatSegments(&b, p.segs)
	return b.String()
}

func (p *Path) formatRoot(b *strings.Builder) {
	b.WriteByte('$')
	switch p.root {
	case RootContext:
		b.WriteByte('$')
	case RootVariable:
		b.WriteString(p.variable)
	}
}

func formatSegments(b *strings.Builder, segs []segment) {
	for _, s := range segs {
		if s.deep {
			b.WriteString("..")
		}
		switch s.kind {
		case segName:
			if len(s.names) == 1 && plainName(s.names[0]) {
				if !s.deep {
					b.WriteByte('.')
				}
				b.WriteString(s.names[0])
				continue
			}
			b.WriteByte('[')
			for i, n := range s.names {
				if i > 0 {
					b.WriteByte(',')
				}
				quote(b, n)
			}
			b.WriteByte(']')
		case segIndex:
			b.WriteByte('[')
			for i, n := range s.indexes {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Itoa(n))
			}
			b.WriteByte(']')
		case segSlice:
			b.WriteByte('[')
			if s.slice.from != nil {
				b.WriteString(strconv.Itoa(*s.slice.from))
			}
			b.WriteByte(':')
			if s.slice.to != nil {
				b.WriteString(strconv.Itoa(*s.slice.to))
			}
			if s.slice.step != nil {
				b.WriteByte(':')
				b.WriteString(strconv.Itoa(*s.slice.step))
			}
			b.WriteByte(']')
		case segWildcard:
			if !s.deep {
				b.WriteByte('.')
			}
			b.WriteByte('*')
		case segFilter:
			b.WriteString("[?(")
			formatExpr(b, s.filter)
			b.WriteString(")]")
		}
	}
}

// plainName reports whether a name can be written in dot notation.
func plainName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// quote writes s in single quotes, escaping backslashes and quotes.
func quote(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' || s[i] == '\'' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
}

func formatExpr(b *strings.Builder, x expr) {
	group := func(x expr) {
		switch x.(type) {
		case orExpr, andExpr:
			b.WriteByte('(')
			formatExpr(b, x)
			b.WriteByte(')')
		default:
			formatExpr(b, x)
		}
	}
	switch x := x.(type) {
	case orExpr:
		group(x.l)
		b.WriteString(" || ")
		group(x.r)
	case andExpr:
		group(x.l)
		b.WriteString(" && ")
		group(x.r)
	case notExpr:
		b.WriteString("!(")
		formatExpr(b, x.x)
		b.WriteByte(')')
	case existsExpr:
		if !x.want {
			b.WriteByte('!')
		}
		formatOperand(b, x.path)
	case relExpr:
		formatOperand(b, x.l)
		b.WriteByte(' ')
		b.WriteString(x.op)
		b.WriteByte(' ')
		formatOperand(b, x.r)
	}
}

func formatOperand(b *strings.Builder, o any) {
	switch o := o.(type) {
	case *subPath:
		b.WriteByte(o.root)
		formatSegments(b, o.segs)
	case *regexLit:
		b.WriteByte('/')
		b.WriteString(o.src)
		b.WriteByte('/')
		b.WriteString(o.flags)
	case *literal:
		formatLiteral(b, o.v)
	}
}

func formatLiteral(b *strings.Builder, v any) {
	switch v := v.(type) {
	case string:
		quote(b, v)
	case json.Number:
		b.WriteString(string(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			formatLiteral(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b.WriteByte(',')
			}
			quote(b, k)
			b.WriteByte(':')
			formatLiteral(b, v[k])
		}
		b.WriteByte('}')
	default:
		b.WriteString("null")
	}
}
