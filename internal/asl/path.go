package asl

// Path is a compiled path-valued field (InputPath, ResultPath, SecondsPath,
// ErrorPath, a Choice rule's Variable, ...): a JSONPath path rooted at the
// input ("$"), the context object ("$$") or a variable ("$name"), or — where
// AWS allows it — an intrinsic function call.
type Path struct {
	// Source is the text as written in the definition.
	Source string
	// Null is set when the field was an explicit JSON null.
	Null bool
}

// Eval evaluates the path (or intrinsic function) against env. Errors are
// *EvalError.
func (p *Path) Eval(env *Env) (any, error) {
	return nil, &EvalError{Name: ErrorRuntime, Cause: "not implemented"}
}

// Set places value into doc at the path (a reference path rooted at "$"),
// copying the containers it changes; "$" replaces doc. Null paths are handled
// by the caller.
func (p *Path) Set(doc, value any) (any, error) {
	return value, nil
}
