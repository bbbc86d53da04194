package asl

// Template is a compiled dynamic value: a payload template (Parameters,
// ResultSelector, ItemSelector, Assign, whose keys ending in ".$" take a path
// or an intrinsic function), a literal, or a JSONata expression or template.
type Template struct {
	// Source is the value as written in the definition (decoded JSON).
	Source any
}

// Eval evaluates the template against env: keys ending in ".$" take the value
// of their path or intrinsic function (and lose the ".$"), nested objects and
// arrays recurse, other values are copied. Errors are *EvalError.
func (t *Template) Eval(env *Env) (any, error) {
	return t.Source, nil
}

// AssignVars evaluates an Assign template into variable name → value.
func (t *Template) AssignVars(env *Env) (map[string]any, error) {
	return nil, nil
}
