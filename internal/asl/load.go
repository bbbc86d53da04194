package asl

import "strings"

// LoadOptions configure Load and Validate.
type LoadOptions struct {
	// Type is the state machine type: "STANDARD" (the default) or "EXPRESS".
	// EXPRESS machines reject .sync and .waitForTaskToken resources.
	Type string
}

// Severities of a Diagnostic.
const (
	SeverityError   = "ERROR"
	SeverityWarning = "WARNING"
)

// Diagnostic codes, as AWS's ValidateStateMachineDefinition reports them. An
// unreachable state is a CodeMissingTransitionTarget, as on AWS.
const (
	CodeSchemaValidationFailed  = "SCHEMA_VALIDATION_FAILED"
	CodeMissingTransitionTarget = "MISSING_TRANSITION_TARGET"
	CodeMissingEndState         = "MISSING_END_STATE"
	CodeDuplicateStateName      = "DUPLICATE_STATE_NAME"
	CodeInvalidStateName        = "INVALID_STATE_NAME"
	CodeInvalidLabelName        = "INVALID_LABEL_NAME"
	CodeInvalidJSON             = "INVALID_JSON_DESCRIPTION"
	// A "{% %}" string that is not a JSONata expression.
	CodeInvalidJSONata = "INVALID_JSONATA_EXPRESSION"
	// A JSONata expression that uses what Step Functions does not offer
	// (see unsupportedJSONata).
	CodeUnsupportedJSONata = "UNSUPPORTED_JSONATA_EXPRESSION"
)

// Diagnostic is one problem found in a definition.
type Diagnostic struct {
	Code     string // e.g. CodeSchemaValidationFailed
	Pointer  string // JSON pointer of the offending field, "/" for the document
	Message  string
	Severity string // SeverityError or SeverityWarning
}

func (d Diagnostic) String() string {
	if d.Pointer == "" {
		return d.Code + ": " + d.Message + " at null" // as AWS prints a diagnostic without a location
	}
	return d.Code + ": " + d.Message + " at " + d.Pointer
}

// DefinitionError is returned by Load for a definition with errors.
type DefinitionError struct {
	Diagnostics []Diagnostic // errors only, in document order
}

func (e *DefinitionError) Error() string {
	parts := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		parts[i] = d.String()
	}
	return "Invalid State Machine Definition: '" + strings.Join(parts, ", ") + "'"
}

// Load validates definition and builds its model. The error is a
// *DefinitionError listing every error diagnostic.
func Load(definition []byte, opts LoadOptions) (*StateMachine, error) {
	l := newLoader(opts)
	sm := l.load(definition)
	var errs []Diagnostic
	for _, d := range l.diags {
		if d.Severity == SeverityError {
			errs = append(errs, d)
		}
	}
	if len(errs) > 0 {
		return nil, &DefinitionError{Diagnostics: errs}
	}
	return sm, nil
}

// Validate reports every problem of definition (errors and warnings) in
// document order.
func Validate(definition []byte, opts LoadOptions) []Diagnostic {
	l := newLoader(opts)
	l.load(definition)
	return l.diags
}
