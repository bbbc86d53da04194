package asl

import (
	"fmt"
	"strings"
)

// Template is a compiled dynamic value: a payload template (Parameters,
// ResultSelector, ItemSelector, Assign, whose keys ending in ".$" take a path
// or an intrinsic function), a literal, or a JSONata expression or template.
type Template struct {
	// Source is the value as written in the definition (decoded JSON).
	Source any

	root *tmpl
}

type tmplKind uint8

const (
	tmplLiteral tmplKind = iota // a value without anything to evaluate
	tmplObject
	tmplArray
	tmplPath    // the value of a "key.$" member
	tmplJSONata // a "{% expression %}" string
)

type tmpl struct {
	kind  tmplKind
	lit   any      // tmplLiteral; the expression text for tmplJSONata
	keys  []string // tmplObject: output keys (".$" removed)
	names []string // tmplObject: keys as written, for error causes
	vals  []*tmpl
	elems []*tmpl // tmplArray
	path  *Path   // tmplPath
	js    *jsonataNode
}

func literalTemplate(v any) *Template {
	return &Template{Source: v, root: &tmpl{kind: tmplLiteral, lit: v}}
}

// isJSONataExpr reports whether s is a JSONata expression "{% ... %}".
func isJSONataExpr(s string) bool {
	t := strings.TrimSpace(s)
	return len(t) >= 4 && strings.HasPrefix(t, "{%") && strings.HasSuffix(t, "%}")
}

// jsonataBody returns the expression inside "{% ... %}".
func jsonataBody(s string) string {
	t := strings.TrimSpace(s)
	return strings.TrimSpace(t[2 : len(t)-2])
}

// jsonataTmpl compiles the JSONata expression s found at ptr.
func (l *loader) jsonataTmpl(s, ptr string) *tmpl {
	body := jsonataBody(s)
	t := &tmpl{kind: tmplJSONata, lit: body}
	js, err := compileJSONata(body)
	if err != nil {
		l.add(CodeInvalidJSONata, ptr, jsonataSyntaxDiag(err))
		return t
	}
	if msgs := unsupportedJSONata(js.expr); len(msgs) > 0 {
		for _, m := range msgs {
			l.add(CodeUnsupportedJSONata, ptr, m)
		}
		return t
	}
	t.js = js
	return t
}

// template compiles a template-valued field.
func (l *loader) template(n *node, ptr, field string, ql QueryLanguage) *Template {
	return &Template{Source: n.value(), root: l.tmplNode(n, ptr, ql, 0)}
}

func (l *loader) tmplNode(n *node, ptr string, ql QueryLanguage, depth int) *tmpl {
	switch n.kind {
	case kindObject:
		t := &tmpl{kind: tmplObject}
		dynamic := false
		for i, k := range n.keys {
			kp := ptr + "/" + k
			v := n.vals[i]
			if ql == JSONPath && strings.HasSuffix(k, ".$") {
				dynamic = true
				var p *Path
				if v.kind != kindString {
					l.schema(kp, "The value for the field '%s' must be a STRING that contains a JSONPath", k)
				} else if pp, err := compilePath(v.str, pathIntrinsic); err != nil {
					if isIntrinsic(v.str) {
						l.schema(kp, "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", k)
					} else {
						l.schema(kp, "The value for the field '%s' must be a valid JSONPath", k)
					}
				} else {
					p = pp
				}
				t.keys = append(t.keys, strings.TrimSuffix(k, ".$"))
				t.names = append(t.names, k)
				t.vals = append(t.vals, &tmpl{kind: tmplPath, path: p})
				continue
			}
			c := l.tmplNode(v, kp, ql, depth+1)
			if c.kind != tmplLiteral {
				dynamic = true
			}
			t.keys = append(t.keys, k)
			t.names = append(t.names, k)
			t.vals = append(t.vals, c)
		}
		if !dynamic {
			return &tmpl{kind: tmplLiteral, lit: n.value()}
		}
		return t
	case kindArray:
		t := &tmpl{kind: tmplArray}
		dynamic := false
		for i, e := range n.elems {
			c := l.tmplNode(e, fmt.Sprintf("%s[%d]", ptr, i), ql, depth+1)
			if c.kind != tmplLiteral {
				dynamic = true
			}
			t.elems = append(t.elems, c)
		}
		if !dynamic {
			return &tmpl{kind: tmplLiteral, lit: n.value()}
		}
		return t
	case kindString:
		if ql == JSONata && isJSONataExpr(n.str) {
			return l.jsonataTmpl(n.str, ptr)
		}
	}
	return &tmpl{kind: tmplLiteral, lit: n.value()}
}

// Expression returns the text of a template that is a single JSONata
// expression (without its delimiters), or its source as written.
func (t *Template) Expression() string {
	if t != nil && t.root != nil && t.root.kind == tmplJSONata {
		return fmt.Sprint(t.root.lit)
	}
	if t == nil {
		return ""
	}
	return fmt.Sprint(t.Source)
}

// IsJSONata reports whether the template holds a JSONata expression.
func (t *Template) IsJSONata() bool { return t != nil && t.root != nil && t.root.hasJSONata() }

func (t *tmpl) hasJSONata() bool {
	switch t.kind {
	case tmplJSONata:
		return true
	case tmplObject:
		for _, v := range t.vals {
			if v.hasJSONata() {
				return true
			}
		}
	case tmplArray:
		for _, e := range t.elems {
			if e.hasJSONata() {
				return true
			}
		}
	}
	return false
}

// Eval evaluates the template against env: keys ending in ".$" take the value
// of their path or intrinsic function (and lose the ".$"), nested objects and
// arrays recurse, other values are copied. Parts without anything to evaluate
// are shared with the definition: callers must not modify the result in
// place. Errors are *EvalError.
func (t *Template) Eval(env *Env) (any, error) {
	if t == nil {
		return nil, nil
	}
	if t.root == nil {
		return t.Source, nil
	}
	ev := tmplEval{env: env}
	return ev.eval(t.root, env.Field)
}

// tmplEval is one evaluation of a template; its JSONata parts share their
// bindings.
type tmplEval struct {
	env *Env
	js  *jsonataScope
}

func (ev *tmplEval) eval(t *tmpl, field string) (any, error) {
	env := ev.env
	switch t.kind {
	case tmplLiteral:
		return t.lit, nil
	case tmplObject:
		m := make(map[string]any, len(t.keys))
		for i, k := range t.keys {
			v := t.vals[i]
			if v.kind == tmplPath {
				sub := *env
				sub.Field = t.names[i]
				r, err := v.path.Eval(&sub)
				if err != nil {
					return nil, err
				}
				m[k] = r
				continue
			}
			r, err := ev.eval(v, field+"/"+k)
			if err != nil {
				return nil, err
			}
			m[k] = r
		}
		return m, nil
	case tmplArray:
		a := make([]any, len(t.elems))
		for i, e := range t.elems {
			r, err := ev.eval(e, fmt.Sprintf("%s[%d]", field, i))
			if err != nil {
				return nil, err
			}
			a[i] = r
		}
		return a, nil
	case tmplPath:
		return t.path.Eval(env)
	case tmplJSONata:
		if t.js == nil {
			return nil, &EvalError{Name: ErrorQueryEvaluationError, Field: field, Cause: fmt.Sprintf(
				"The JSONata expression '%v' specified for the field '%s' is not valid", t.lit, field)}
		}
		if ev.js == nil {
			ev.js = newJSONataScope(env)
		}
		return t.js.eval(env, ev.js, field)
	}
	return nil, fmt.Errorf("asl: unknown template kind %d", t.kind)
}
