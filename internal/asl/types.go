// Package asl is the Amazon States Language: it parses and validates state
// machine definitions and evaluates their data-flow parts (paths, payload
// templates, intrinsic functions, Choice rules, error matching). It is pure:
// no I/O, no clock reads, no randomness of its own. Control flow — moving an
// execution from state to state — lives in package engine.
package asl

import "time"

// QueryLanguage is how a state's dynamic fields are written.
type QueryLanguage string

// The query languages of the States Language.
const (
	JSONPath QueryLanguage = "JSONPath"
	JSONata  QueryLanguage = "JSONata"
)

// StateType is the value of a state's "Type" field.
type StateType string

// The eight state types.
const (
	TypeTask     StateType = "Task"
	TypePass     StateType = "Pass"
	TypeChoice   StateType = "Choice"
	TypeWait     StateType = "Wait"
	TypeSucceed  StateType = "Succeed"
	TypeFail     StateType = "Fail"
	TypeParallel StateType = "Parallel"
	TypeMap      StateType = "Map"
)

// StateMachine is a parsed definition: the top-level machine, a Parallel
// branch or a Map's ItemProcessor (Iterator).
type StateMachine struct {
	Comment        string
	StartAt        string
	States         map[string]*State
	Names          []string      // state names in document order
	TimeoutSeconds int64         // top level only; 0 means none
	Version        string        // top level only
	QueryLanguage  QueryLanguage // as declared, defaulting to JSONPath (or the parent's)

	// ProcessorConfig of a Map's ItemProcessor; zero elsewhere.
	Mode          string // "INLINE" (default) or "DISTRIBUTED"
	ExecutionType string // "STANDARD" or "EXPRESS" for DISTRIBUTED
}

// State is one state of any type. Fields that do not apply to its Type are
// zero. Path-valued fields are nil when absent; Path.Null marks an explicit
// JSON null (InputPath/OutputPath: empty object; ResultPath: discard result).
type State struct {
	Name          string
	Type          StateType
	Comment       string
	QueryLanguage QueryLanguage // effective: the state's own or inherited
	Pointer       string        // JSON pointer of the state in the definition, e.g. "/States/Pay"

	Next string
	End  bool

	// Data flow (JSONPath). Nil means the default "$".
	InputPath      *Path
	OutputPath     *Path
	ResultPath     *Path     // reference path; Null discards the result
	Parameters     *Template // Parameters (JSONPath) or Arguments (JSONata)
	ResultSelector *Template
	// Result is Pass's fixed result (decoded JSON, numbers as json.Number).
	Result    any
	HasResult bool

	// Variables and JSONata output.
	Assign *Template // nil when absent
	Output *Template // JSONata "Output"; nil when absent

	// Task.
	Resource             string
	Credentials          any // decoded JSON as written
	TimeoutSeconds       *Template
	TimeoutSecondsPath   *Path
	HeartbeatSeconds     *Template
	HeartbeatSecondsPath *Path

	// Task, Parallel, Map.
	Retry []*Retrier
	Catch []*Catcher

	// Choice.
	Choices []*ChoiceRule
	Default string

	// Wait. Seconds and Timestamp hold a literal or (JSONata) an expression.
	Seconds       *Template
	SecondsPath   *Path
	Timestamp     *Template
	TimestampPath *Path

	// Fail. Error and Cause hold a literal or (JSONata) an expression;
	// ErrorPath and CausePath a path or an intrinsic function.
	Error     *Template
	ErrorPath *Path
	Cause     *Template
	CausePath *Path

	// Parallel.
	Branches []*StateMachine

	// Map.
	Processor                      *StateMachine // ItemProcessor, or the deprecated Iterator
	ItemsPath                      *Path
	Items                          *Template // JSONata "Items"
	ItemSelector                   *Template // ItemSelector, or the deprecated Parameters
	MaxConcurrency                 *Template
	MaxConcurrencyPath             *Path
	ToleratedFailureCount          *Template
	ToleratedFailureCountPath      *Path
	ToleratedFailurePercentage     *Template
	ToleratedFailurePercentagePath *Path
	Label                          string
	ItemReader                     any // decoded JSON as written (DISTRIBUTED only)
	ItemBatcher                    any
	ResultWriter                   any
}

// Retrier is one element of a state's Retry array.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int64   // defaults to 1
	MaxAttempts     int64   // defaults to 3; 0 means never retry
	BackoffRate     float64 // defaults to 2.0
	MaxDelaySeconds int64   // 0 means no cap
	JitterStrategy  string  // "FULL" or "NONE" (default)
	Comment         string
}

// Catcher is one element of a state's Catch array.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  *Path     // nil means "$"; Null discards the error output
	Assign      *Template // nil when absent
	Output      *Template // JSONata
	Comment     string
}

// ChoiceRule is one element of a Choice state's Choices array, or a nested
// rule inside And/Or/Not. Only top-level rules have Next (and Assign/Output).
type ChoiceRule struct {
	Next    string
	Comment string
	Assign  *Template
	Output  *Template

	// JSONata.
	Condition *Template

	// JSONPath: a boolean combination ...
	And []*ChoiceRule
	Or  []*ChoiceRule
	Not *ChoiceRule
	// ... or a comparison of Variable with a literal or a path operand.
	Variable    *Path
	Operator    string // e.g. "StringEquals", "NumericLessThanPath", "IsPresent"
	Operand     any    // decoded literal (numbers as json.Number, timestamps as strings)
	OperandPath *Path  // for the ...Path operators
}

// Timestamp layouts accepted by Wait and the Timestamp comparators.
const TimestampLayout = time.RFC3339Nano
