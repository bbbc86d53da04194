package asl

import (
	"fmt"
	"time"
)

// Env is what a Template, Path or ChoiceRule is evaluated against.
type Env struct {
	// Input is the document "$" refers to (JSONPath) or $states.input (JSONata).
	Input any
	// Result is $states.result (when HasResult) and ErrorOutput
	// $states.errorOutput (when not nil); JSONata only.
	Result      any
	HasResult   bool
	ErrorOutput any
	// Context is the context object ("$$", $states.context). When it is nil,
	// ContextFunc builds it on first use, so states that never read it do not
	// pay for it.
	Context     any
	ContextFunc func() any
	// Var resolves a variable assigned by Assign; nil means none are set.
	Var func(name string) (any, bool)
	// Vars lists every visible variable (JSONata binds them all); nil means none.
	Vars func() map[string]any

	// Injected sources: the engine passes deterministic ones so a step can be replayed.
	Now  time.Time
	UUID func() string
	Rand func(lo, hi int64) int64

	// Field names the field being evaluated in error causes, e.g. "InputPath"
	// or "Parameters"; the evaluator extends it for nested template keys.
	Field string
}

// ContextObject returns the context object, building it if need be.
func (e *Env) ContextObject() any {
	if e.Context == nil && e.ContextFunc != nil {
		e.Context = e.ContextFunc()
	}
	return e.Context
}

// Predefined error names.
const (
	ErrorALL                             = "States.ALL"
	ErrorRuntime                         = "States.Runtime"
	ErrorTimeout                         = "States.Timeout"
	ErrorHeartbeatTimeout                = "States.HeartbeatTimeout"
	ErrorTaskFailed                      = "States.TaskFailed"
	ErrorPermissions                     = "States.Permissions"
	ErrorDataLimitExceeded               = "States.DataLimitExceeded"
	ErrorResultPathMatchFailure          = "States.ResultPathMatchFailure"
	ErrorParameterPathFailure            = "States.ParameterPathFailure"
	ErrorBranchFailed                    = "States.BranchFailed"
	ErrorNoChoiceMatched                 = "States.NoChoiceMatched"
	ErrorIntrinsicFailure                = "States.IntrinsicFailure"
	ErrorExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	ErrorItemReaderFailed                = "States.ItemReaderFailed"
	ErrorResultWriterFailed              = "States.ResultWriterFailed"
	ErrorQueryEvaluationError            = "States.QueryEvaluationError"
)

// EvalError is a failure of evaluating part of a state: the error name the
// execution fails (or is caught) with, and the cause text AWS reports after
// its "An error occurred while executing the state …" prefix.
type EvalError struct {
	Name  string // e.g. ErrorRuntime, ErrorIntrinsicFailure
	Cause string
	// Field is where in the state the failure happened, e.g. "Output/result"
	// (JSONata expressions only).
	Field string
}

func (e *EvalError) Error() string { return fmt.Sprintf("%s: %s", e.Name, e.Cause) }
