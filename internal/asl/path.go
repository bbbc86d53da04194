package asl

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Path is a compiled path-valued field (InputPath, ResultPath, SecondsPath,
// ErrorPath, a Choice rule's Variable, ...): a JSONPath path rooted at the
// input ("$"), the context object ("$$") or a variable ("$name"), or — where
// AWS allows it — an intrinsic function call.
type Path struct {
	// Source is the text as written in the definition.
	Source string
	// Null is set when the field was an explicit JSON null.
	Null bool

	root    pathRoot
	varName string // rootVar: the variable's name
	query   *query // the part after the root, nil for intrinsics
	fn      *intrinsicCall
}

type pathRoot uint8

const (
	rootInput pathRoot = iota
	rootContext
	rootVar
	rootIntrinsic
)

// pathKind says which forms a field accepts.
type pathKind uint8

const (
	pathAny       pathKind = iota // $, $$ or $var JSONPath
	pathReference                 // ResultPath: a definite path from $
	pathIntrinsic                 // pathAny or an intrinsic function call
)

// compilePath compiles a path-valued field. The error is a message suitable
// for a diagnostic.
func compilePath(src string, kind pathKind) (*Path, error) {
	p := &Path{Source: src}
	if kind == pathIntrinsic && isIntrinsic(src) {
		fn, err := parseIntrinsic(src)
		if err != nil {
			return nil, err
		}
		p.root, p.fn = rootIntrinsic, fn
		return p, nil
	}
	rest, err := p.splitRoot(src)
	if err != nil {
		return nil, err
	}
	if kind == pathReference && p.root != rootInput {
		return nil, fmt.Errorf("a reference path must start with '$.'")
	}
	q, err := compileQuery(rest)
	if err != nil {
		return nil, err
	}
	if kind == pathReference && !q.definite() {
		return nil, fmt.Errorf("a reference path must identify a single node")
	}
	p.query = q
	return p, nil
}

// splitRoot sets p.root (and p.varName) and returns the part after the root.
func (p *Path) splitRoot(src string) (string, error) {
	switch {
	case !strings.HasPrefix(src, "$"):
		return "", fmt.Errorf("a path must start with '$'")
	case strings.HasPrefix(src, "$$"):
		p.root = rootContext
		return src[2:], nil
	case len(src) > 1 && isIdentStart(src[1]):
		i := 2
		for i < len(src) && isIdentChar(src[i]) {
			i++
		}
		p.root, p.varName = rootVar, src[1:i]
		return src[i:], nil
	default:
		p.root = rootInput
		return src[1:], nil
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || '0' <= c && c <= '9' }

// IsIntrinsic reports whether the path is an intrinsic function call.
func (p *Path) IsIntrinsic() bool { return p != nil && p.root == rootIntrinsic }

// Eval evaluates the path (or intrinsic function) against env. Errors are
// *EvalError.
func (p *Path) Eval(env *Env) (any, error) {
	if p == nil {
		return env.Input, nil
	}
	if p.root == rootIntrinsic {
		return p.fn.eval(env)
	}
	doc, err := p.rootDoc(env)
	if err != nil {
		return nil, err
	}
	v, ok := p.query.get(doc)
	if !ok {
		return nil, p.notFound(env, doc)
	}
	return v, nil
}

// lookup is Eval without an error cause: ok is false when nothing matches.
func (p *Path) lookup(env *Env) (any, bool) {
	if p.root == rootIntrinsic {
		v, err := p.fn.eval(env)
		return v, err == nil
	}
	doc, err := p.rootDoc(env)
	if err != nil {
		return nil, false
	}
	return p.query.get(doc)
}

func (p *Path) rootDoc(env *Env) (any, error) {
	switch p.root {
	case rootContext:
		return env.ContextObject(), nil
	case rootVar:
		if env.Var != nil {
			if v, ok := env.Var(p.varName); ok {
				return v, nil
			}
		}
		return nil, &EvalError{Name: ErrorRuntime, Cause: fmt.Sprintf("Invalid path '%s': The variable '$%s' is not defined.", p.Source, p.varName)}
	default:
		return env.Input, nil
	}
}

// notFound is AWS's error for a path that matches nothing: fields holding a
// plain path report "Invalid path", the others name the field and the input.
func (p *Path) notFound(env *Env, doc any) error {
	switch env.Field {
	case "InputPath", "OutputPath", "ItemsPath", "":
		return &EvalError{Name: ErrorRuntime, Cause: fmt.Sprintf("Invalid path '%s' : No results for path: %s", p.Source, p.normalized())}
	}
	return &EvalError{Name: ErrorRuntime, Cause: fmt.Sprintf("The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", p.Source, env.Field, compactJSON(doc))}
}

// normalized renders the path the way Jayway JsonPath prints it: $['a'][0].
func (p *Path) normalized() string {
	var b strings.Builder
	switch p.root {
	case rootContext:
		b.WriteString("$$")
	case rootVar:
		b.WriteString("$" + p.varName)
	default:
		b.WriteString("$")
	}
	if p.query != nil {
		b.WriteString(p.query.normalized())
	}
	return b.String()
}

// Set places value into doc at the path (a reference path rooted at "$"),
// copying the containers it changes; "$" replaces doc. Null paths are handled
// by the caller. Errors are *EvalError (States.ResultPathMatchFailure).
func (p *Path) Set(doc, value any) (any, error) {
	if p == nil || p.query == nil || len(p.query.steps) == 0 {
		return value, nil
	}
	out, err := setSteps(doc, p.query.steps, value)
	if err != nil {
		return nil, &EvalError{Name: ErrorResultPathMatchFailure, Cause: fmt.Sprintf("Unable to apply ReferencePath %s to input %s", p.Source, compactJSON(doc))}
	}
	return out, nil
}

func setSteps(doc any, steps []step, value any) (any, error) {
	if len(steps) == 0 {
		return value, nil
	}
	s := steps[0]
	switch s.kind {
	case stepField:
		var m map[string]any
		switch d := doc.(type) {
		case map[string]any:
			m = make(map[string]any, len(d)+1)
			for k, v := range d {
				m[k] = v
			}
		case nil:
			m = make(map[string]any, 1)
		default:
			return nil, fmt.Errorf("cannot set a field on %T", doc)
		}
		v, err := setSteps(m[s.name], steps[1:], value)
		if err != nil {
			return nil, err
		}
		m[s.name] = v
		return m, nil
	case stepIndex:
		a, ok := doc.([]any)
		if !ok {
			return nil, fmt.Errorf("cannot index %T", doc)
		}
		i := s.index
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil, fmt.Errorf("index %d out of range", s.index)
		}
		c := append([]any(nil), a...)
		v, err := setSteps(c[i], steps[1:], value)
		if err != nil {
			return nil, err
		}
		c[i] = v
		return c, nil
	}
	return nil, fmt.Errorf("not a reference path")
}

// compactJSON prints v as compact JSON, the way AWS quotes documents in causes.
func compactJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// query is the part of a JSONPath after its root.
type query struct {
	src   string
	steps []step
}

type stepKind uint8

const (
	stepField stepKind = iota
	stepIndex
	stepWildcard // .* or [*]
	stepDeep     // ..name
	stepUnion    // ['a','b'] or [0,1]
	stepSlice    // [1:2]
	stepFilter   // [?(...)]
	stepLength   // .length()
)

type step struct {
	kind  stepKind
	name  string
	index int
	names []string // union of names
	idx   []int    // union of indexes
	lo    *int     // slice
	hi    *int
	expr  string // filter text
}

// compileQuery parses the steps of a JSONPath after its root.
func compileQuery(s string) (*query, error) {
	q := &query{src: s}
	for i := 0; i < len(s); {
		switch s[i] {
		case '.':
			i++
			if i < len(s) && s[i] == '.' {
				i++
				j := i
				for j < len(s) && s[j] != '.' && s[j] != '[' {
					j++
				}
				if j == i {
					if j < len(s) && s[j] == '[' {
						// $..[0] and the like: deep scan with a bracket.
						q.steps = append(q.steps, step{kind: stepDeep, name: "*"})
						continue
					}
					return nil, fmt.Errorf("missing name after '..'")
				}
				q.steps = append(q.steps, step{kind: stepDeep, name: s[i:j]})
				i = j
				continue
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			name := s[i:j]
			switch {
			case name == "":
				return nil, fmt.Errorf("empty field name at offset %d", i)
			case name == "*":
				q.steps = append(q.steps, step{kind: stepWildcard})
			case name == "length()" && j == len(s):
				q.steps = append(q.steps, step{kind: stepLength})
			case strings.ContainsAny(name, " ()'\""):
				return nil, fmt.Errorf("invalid field name %q", name)
			default:
				q.steps = append(q.steps, step{kind: stepField, name: name})
			}
			i = j
		case '[':
			end, st, err := parseBracket(s, i)
			if err != nil {
				return nil, err
			}
			q.steps = append(q.steps, st)
			i = end
		default:
			return nil, fmt.Errorf("unexpected character %q at offset %d", s[i], i)
		}
	}
	return q, nil
}

// parseBracket parses the bracket step starting at s[i] == '['.
func parseBracket(s string, i int) (int, step, error) {
	j := i + 1
	if j < len(s) && s[j] == '?' {
		// Filter: find the matching ']' outside quotes and parentheses.
		depth := 0
		var quote byte
		for k := j; k < len(s); k++ {
			c := s[k]
			switch {
			case quote != 0:
				if c == '\\' {
					k++
				} else if c == quote {
					quote = 0
				}
			case c == '\'' || c == '"':
				quote = c
			case c == '(':
				depth++
			case c == ')':
				depth--
			case c == ']' && depth == 0:
				expr := s[j+1 : k]
				if !strings.HasPrefix(expr, "(") || !strings.HasSuffix(expr, ")") {
					return 0, step{}, fmt.Errorf("invalid filter %q", expr)
				}
				return k + 1, step{kind: stepFilter, expr: expr}, nil
			}
		}
		return 0, step{}, fmt.Errorf("unterminated filter")
	}
	// Quoted names, possibly a union.
	if j < len(s) && (s[j] == '\'' || s[j] == '"') {
		var names []string
		for {
			q := s[j]
			var b strings.Builder
			k := j + 1
			for ; k < len(s) && s[k] != q; k++ {
				if s[k] == '\\' && k+1 < len(s) {
					k++
				}
				b.WriteByte(s[k])
			}
			if k >= len(s) {
				return 0, step{}, fmt.Errorf("unterminated quoted name")
			}
			names = append(names, b.String())
			k++
			for k < len(s) && s[k] == ' ' {
				k++
			}
			if k < len(s) && s[k] == ']' {
				if len(names) == 1 {
					return k + 1, step{kind: stepField, name: names[0]}, nil
				}
				return k + 1, step{kind: stepUnion, names: names}, nil
			}
			if k >= len(s) || s[k] != ',' {
				return 0, step{}, fmt.Errorf("expected ',' or ']' in bracket")
			}
			k++
			for k < len(s) && s[k] == ' ' {
				k++
			}
			if k >= len(s) || (s[k] != '\'' && s[k] != '"') {
				return 0, step{}, fmt.Errorf("expected a quoted name")
			}
			j = k
		}
	}
	k := strings.IndexByte(s[j:], ']')
	if k < 0 {
		return 0, step{}, fmt.Errorf("unterminated '['")
	}
	body := strings.TrimSpace(s[j : j+k])
	end := j + k + 1
	switch {
	case body == "*":
		return end, step{kind: stepWildcard}, nil
	case strings.Contains(body, ":"):
		parts := strings.Split(body, ":")
		if len(parts) > 3 {
			return 0, step{}, fmt.Errorf("invalid slice %q", body)
		}
		st := step{kind: stepSlice}
		for pi, part := range parts[:min(len(parts), 2)] {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, err := strconv.Atoi(part)
			if err != nil {
				return 0, step{}, fmt.Errorf("invalid slice %q", body)
			}
			if pi == 0 {
				st.lo = &n
			} else {
				st.hi = &n
			}
		}
		return end, st, nil
	case strings.Contains(body, ","):
		st := step{kind: stepUnion}
		for part := range strings.SplitSeq(body, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil {
				return 0, step{}, fmt.Errorf("invalid index %q", part)
			}
			st.idx = append(st.idx, n)
		}
		return end, st, nil
	default:
		n, err := strconv.Atoi(body)
		if err != nil {
			return 0, step{}, fmt.Errorf("invalid index %q", body)
		}
		return end, step{kind: stepIndex, index: n}, nil
	}
}

// definite reports whether the query names at most one node.
func (q *query) definite() bool {
	for _, s := range q.steps {
		if s.kind != stepField && s.kind != stepIndex {
			return false
		}
	}
	return true
}

func (q *query) normalized() string {
	var b strings.Builder
	for _, s := range q.steps {
		switch s.kind {
		case stepField:
			b.WriteString("['" + s.name + "']")
		case stepIndex:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		default:
			return q.src
		}
	}
	return b.String()
}

// get evaluates the query against doc; ok is false when nothing matches.
// Indefinite queries (wildcards, filters, slices, deep scans) return the list
// of matches, which may be empty.
func (q *query) get(doc any) (any, bool) {
	if q.definite() {
		cur := doc
		for _, s := range q.steps {
			var ok bool
			if cur, ok = stepDefinite(cur, s); !ok {
				return nil, false
			}
		}
		return cur, true
	}
	return getIndefinite(q, doc)
}

func stepDefinite(cur any, s step) (any, bool) {
	switch s.kind {
	case stepField:
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		v, ok := m[s.name]
		return v, ok
	case stepIndex:
		a, ok := cur.([]any)
		if !ok {
			return nil, false
		}
		i := s.index
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil, false
		}
		return a[i], true
	}
	return nil, false
}
