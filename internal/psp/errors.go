package psp

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// Outcome is how a PSP call ended.
type Outcome int

// The outcomes of a PSP call.
const (
	// Succeeded: the PSP did what was asked (err == nil).
	Succeeded Outcome = iota + 1
	// Failed: the PSP certainly did not do it (it answered no, or the request
	// never left). A card decline is Failed with a decline code.
	Failed
	// Unknown: the request may have reached the PSP and its answer was lost
	// (timeout or reset after sending, a 5xx). Settle it with Retrieve or by
	// repeating the call with the same idempotency key.
	Unknown
)

func (o Outcome) String() string {
	switch o {
	case Succeeded:
		return "succeeded"
	case Failed:
		return "failed"
	case Unknown:
		return "unknown"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// ErrorType groups errors the way Stripe does.
type ErrorType string

// The error types.
const (
	ErrorTypeCard           ErrorType = "card_error"            // a decline: see Code and DeclineCode
	ErrorTypeInvalidRequest ErrorType = "invalid_request_error" // bad parameters or a wrong state for the call
	ErrorTypeIdempotency    ErrorType = "idempotency_error"     // key reused with other parameters
	ErrorTypeAuthentication ErrorType = "authentication_error"  // bad API key
	ErrorTypeRateLimit      ErrorType = "rate_limit_error"      // retry after RetryAfter
	ErrorTypeAPI            ErrorType = "api_error"             // the PSP's side failed
	ErrorTypeConnection     ErrorType = "connection_error"      // the network failed
)

// Codes for errors callers branch on. Providers pass the PSP's own codes
// through; these are the ones paystep's logic relies on.
const (
	CodeCardDeclined           = "card_declined"
	CodeExpiredCard            = "expired_card"
	CodeProcessingError        = "processing_error"
	CodeIncorrectCVC           = "incorrect_cvc"
	CodeAuthenticationRequired = "authentication_required"
	CodeResourceMissing        = "resource_missing"
	CodeUnexpectedState        = "payment_intent_unexpected_state"
	CodeAmountTooLarge         = "amount_too_large"
	CodeParameterInvalid       = "parameter_invalid"
	CodeParameterMissing       = "parameter_missing"
	CodeIdempotencyKeyInUse    = "idempotency_key_in_use"
	CodeChargeAlreadyRefunded  = "charge_already_refunded"
)

// Error is a PSP call that did not succeed. Outcome is Failed or Unknown.
type Error struct {
	Provider    string // "sandbox", "stripe"
	Op          string // "create", "confirm", "capture", "cancel", "refund", "retrieve"
	Outcome     Outcome
	Type        ErrorType
	Code        string // see the Code constants
	DeclineCode string // for card declines: "generic_decline", "insufficient_funds", …
	Param       string // the offending parameter, if the PSP named one
	Message     string
	HTTPStatus  int           // the PSP's HTTP status, 0 if none came back
	RetryAfter  time.Duration // when the PSP asked to be called again later
	RequestID   string        // the PSP's request ID, for support
	// Intent is the intent as the PSP left it, when it said (a declined
	// confirmation returns the intent back at requires_payment_method).
	Intent *Intent
	Err    error // the underlying cause, if any
}

func (e *Error) Error() string {
	msg := e.Provider + " " + e.Op + ": " + e.Outcome.String()
	if e.Code != "" {
		msg += ": " + e.Code
		if e.DeclineCode != "" {
			msg += " (" + e.DeclineCode + ")"
		}
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches targets that are *Error by Outcome, and by Type and Code when
// the target sets them: errors.Is(err, psp.ErrUnknown),
// errors.Is(err, &psp.Error{Outcome: psp.Failed, Code: psp.CodeCardDeclined}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return (t.Outcome == 0 || t.Outcome == e.Outcome) &&
		(t.Type == "" || t.Type == e.Type) &&
		(t.Code == "" || t.Code == e.Code)
}

// Targets for errors.Is.
var (
	ErrFailed   = &Error{Outcome: Failed}
	ErrUnknown  = &Error{Outcome: Unknown}
	ErrDeclined = &Error{Outcome: Failed, Type: ErrorTypeCard}
	ErrNotFound = &Error{Outcome: Failed, Code: CodeResourceMissing}
)

// OutcomeOf classifies a call's error: nil is Succeeded, an *Error in the
// chain says itself, and anything else is Unknown — an error we cannot place
// might have come after the request was sent, so it must not be taken for a
// certain failure.
func OutcomeOf(err error) Outcome {
	if err == nil {
		return Succeeded
	}
	if e, ok := errors.AsType[*Error](err); ok && e.Outcome != 0 {
		return e.Outcome
	}
	return Unknown
}

// DeclineOf returns the decline carried by err, if err is a card error.
func DeclineOf(err error) (Decline, bool) {
	e, ok := errors.AsType[*Error](err)
	if !ok || e.Type != ErrorTypeCard {
		return Decline{}, false
	}
	return Decline{Code: e.Code, DeclineCode: e.DeclineCode, Message: e.Message}, true
}

// TransportOutcome classifies an error from an HTTP client's Do: a failure
// to connect (refused, no route, DNS) certainly sent nothing and is Failed;
// anything else (timeout, reset, EOF) may have come after the request left
// and is Unknown.
func TransportOutcome(err error) Outcome {
	if op, ok := errors.AsType[*net.OpError](err); ok && op.Op == "dial" {
		return Failed
	}
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		return Failed
	}
	return Unknown
}
