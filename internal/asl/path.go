package asl

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paystep/paystep/internal/asl/jsonpath"
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

	root pathRoot
	jp   *jsonpath.Path // nil for intrinsics
	fn   *intrinsicCall
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
	var (
		jp  *jsonpath.Path
		err error
	)
	if kind == pathReference {
		jp, err = jsonpath.CompileReference(src)
	} else {
		jp, err = jsonpath.Compile(src)
	}
	if err != nil {
		return nil, err
	}
	switch jp.Root() {
	case jsonpath.RootContext:
		p.root = rootContext
	case jsonpath.RootVariable:
		p.root = rootVar
	}
	if kind == pathReference && p.root != rootInput {
		return nil, fmt.Errorf("a reference path must start with '$'")
	}
	p.jp = jp
	return p, nil
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
	v, err := p.jp.Get(doc)
	if err != nil {
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
	v, err := p.jp.Get(doc)
	return v, err == nil
}

func (p *Path) rootDoc(env *Env) (any, error) {
	switch p.root {
	case rootContext:
		return env.ContextObject(), nil
	case rootVar:
		if env.Var != nil {
			if v, ok := env.Var(p.jp.Variable()); ok {
				return v, nil
			}
		}
		return nil, &EvalError{Name: ErrorRuntime, Cause: fmt.Sprintf("Invalid path '%s': The variable '$%s' is not defined.", p.Source, p.jp.Variable())}
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

// normalized renders a definite path the way Jayway JsonPath prints it in
// its errors: $['a'][0]. Other paths are printed as written.
func (p *Path) normalized() string {
	root, rest := "$", p.Source
	switch p.root {
	case rootContext:
		root, rest = "$$", p.Source[2:]
	case rootVar:
		root = "$" + p.jp.Variable()
		rest = p.Source[len(root):]
	default:
		rest = p.Source[1:]
	}
	var b strings.Builder
	b.WriteString(root)
	for len(rest) > 0 {
		switch {
		case rest[0] == '.':
			j := 1
			for j < len(rest) && rest[j] != '.' && rest[j] != '[' {
				j++
			}
			b.WriteString("['" + rest[1:j] + "']")
			rest = rest[j:]
		case rest[0] == '[':
			j := strings.IndexByte(rest, ']')
			if j < 0 {
				return p.Source
			}
			inner := rest[1:j]
			if strings.HasPrefix(inner, "\"") {
				inner = "'" + strings.Trim(inner, "\"") + "'"
			}
			b.WriteString("[" + inner + "]")
			rest = rest[j+1:]
		default:
			return p.Source
		}
	}
	return b.String()
}

// Set places value into doc at the path (a reference path rooted at "$"),
// copying the containers it changes; "$" replaces doc. Null paths are handled
// by the caller. Errors are *EvalError (States.ResultPathMatchFailure).
func (p *Path) Set(doc, value any) (any, error) {
	if p == nil || p.jp == nil || p.jp.IsRoot() {
		return value, nil
	}
	out, err := p.jp.Set(doc, value)
	if err != nil {
		return nil, &EvalError{Name: ErrorResultPathMatchFailure, Cause: fmt.Sprintf("Unable to apply ReferencePath %s to input %s", p.Source, compactJSON(doc))}
	}
	return out, nil
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
