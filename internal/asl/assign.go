package asl

import (
	"fmt"
	"slices"
)

// Size limits of variables, in bytes of their JSON text.
const (
	MaxVariableSize = 256 << 10 // one variable
	MaxAssignSize   = 256 << 10 // all the variables of one Assign
)

// AssignVars evaluates an Assign template into variable name → value. A
// variable, or the whole assignment, larger than 256 KiB is a States.Runtime
// error, as on AWS. Errors are *EvalError.
func (t *Template) AssignVars(env *Env) (map[string]any, error) {
	if t == nil {
		return nil, nil
	}
	sub := *env
	sub.Field = "Assign"
	v, err := t.Eval(&sub)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &EvalError{Name: ErrorRuntime, Cause: fmt.Sprintf("The value of the field 'Assign' must be an object, but was %s", compactJSON(v))}
	}
	total := 0
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		size := len(compactJSON(m[name]))
		if size > MaxVariableSize {
			return nil, &EvalError{Name: ErrorRuntime, Cause: fmt.Sprintf("The variable '%s' has a size of %d bytes, which exceeds the maximum of %d bytes.", name, size, MaxVariableSize)}
		}
		total += size
	}
	if total > MaxAssignSize {
		return nil, &EvalError{Name: ErrorRuntime, Cause: fmt.Sprintf("The variables assigned have a total size of %d bytes, which exceeds the maximum of %d bytes.", total, MaxAssignSize)}
	}
	return m, nil
}
