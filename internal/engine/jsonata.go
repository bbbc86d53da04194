package engine

import (
	"fmt"

	"github.com/paystep/paystep/internal/asl"
)

// The JSONata data flow: a JSONata state has no InputPath, Parameters,
// ResultSelector, ResultPath or OutputPath. Arguments gives the task or
// branch input, $states.result the result, and Output (by default the result,
// or the input for states without one) the state's output. Assign and Output
// see the same environment: the variables as they were before the state.

func jsonataState(st *asl.State) bool { return st.QueryLanguage == asl.JSONata }

// argumentsField names the field of State.Parameters in error causes.
func argumentsField(st *asl.State) string {
	if jsonataState(st) {
		return "Arguments"
	}
	return "Parameters"
}

// evalErrorName is the error of a field that evaluates to a value of the
// wrong kind.
func evalErrorName(st *asl.State) string {
	if jsonataState(st) {
		return asl.ErrorQueryEvaluationError
	}
	return asl.ErrorRuntime
}

type evaluationFailedDetails struct {
	Error    string `json:"error,omitempty"`
	Cause    string `json:"cause,omitempty"`
	Location string `json:"location,omitempty"`
	State    string `json:"state"`
}

// finishJSONata ends a JSONata state: it evaluates assign and output against
// the state input and, when hasResult, $states.result, then transitions.
func (s *stepper) finishJSONata(f *Frame, st *asl.State, result any, hasResult bool, assign, output *asl.Template, next string, end bool) {
	env := s.aslEnv(f, st, f.Input, "Assign", "")
	env.Result, env.HasResult = result, hasResult
	assigned, err := assign.AssignVars(env)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	out := f.Input
	if hasResult {
		out = result
	}
	if output != nil {
		oenv := *env
		oenv.Field = "Output"
		if out, err = output.Eval(&oenv); err != nil {
			s.failEval(f, st, err)
			return
		}
	}
	s.transition(f, st, out, assigned, next, end)
}

// catchJSONata follows catcher c with $states.errorOutput set.
func (s *stepper) catchJSONata(f *Frame, st *asl.State, c *asl.Catcher, errorOutput map[string]any) {
	env := s.aslEnv(f, st, f.Input, "Assign", "")
	env.ErrorOutput = errorOutput
	assigned, err := c.Assign.AssignVars(env)
	if err == nil {
		var out any = errorOutput
		if c.Output != nil {
			oenv := *env
			oenv.Field = "Output"
			out, err = c.Output.Eval(&oenv)
		}
		if err == nil {
			s.transition(f, st, out, assigned, c.Next, false)
			return
		}
	}
	name, cause := asl.ErrorQueryEvaluationError, evalCause(err)
	if ee, ok := err.(*asl.EvalError); ok {
		name = ee.Name
	}
	cause = s.prefix(f, st) + cause
	s.emit(f, "EvaluationFailed", evaluationFailedDetails{Error: name, Cause: cause, State: st.Name})
	s.frameFailed(f, name, cause)
}

// jsonataItems evaluates a JSONata Map's Items; without Items the input must
// be an array.
func (s *stepper) jsonataItems(f *Frame, st *asl.State) ([]any, error) {
	if st.Items == nil {
		items, ok := f.Input.([]any)
		if !ok {
			return nil, &asl.EvalError{Name: asl.ErrorQueryEvaluationError, Field: "Items", Cause: fmt.Sprintf(
				"The Map state input must be a JSON array when the field 'Items' is not set, but was '%s' for value: %s", jsonType(f.Input), encode(f.Input))}
		}
		return items, nil
	}
	v, err := st.Items.Eval(s.aslEnv(f, st, f.Input, "Items", ""))
	if err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok {
		return nil, &asl.EvalError{Name: asl.ErrorQueryEvaluationError, Field: "Items", Cause: fmt.Sprintf(
			"The JSONata expression '%s' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '%s' for value: %s",
			st.Items.Expression(), jsonType(v), encode(v))}
	}
	return items, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return "number"
}

// visibleVars lists the variables f sees, inner scopes shadowing outer ones.
func (s *stepper) visibleVars(f *Frame) map[string]any {
	var chain []*Frame
	for c := f; c != nil; {
		chain = append(chain, c)
		if c.Parent < 0 {
			break
		}
		c = s.ex.Frames[c.Parent]
	}
	vars := map[string]any{}
	for i := len(chain) - 1; i >= 0; i-- {
		for k, v := range chain[i].Vars {
			vars[k] = v
		}
	}
	return vars
}
