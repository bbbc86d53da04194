package payment

import "fmt"

// Status is a payment's status in paystep.
type Status string

// The statuses. A payment starts created, goes to processing (or
// requires_action when the customer must authenticate, or requires_capture
// when a manual-capture payment was authorised) and ends succeeded, failed
// or canceled.
const (
	Created         Status = "created"
	Processing      Status = "processing"
	RequiresAction  Status = "requires_action"
	RequiresCapture Status = "requires_capture" // authorised: captured (succeeded) or released (canceled) next
	Succeeded       Status = "succeeded"
	Failed          Status = "failed"
	Canceled        Status = "canceled"
)

// Statuses lists every status, in lifecycle order.
var Statuses = []Status{Created, Processing, RequiresAction, RequiresCapture, Succeeded, Failed, Canceled}

// Terminal reports whether a payment in s can no longer change status.
func (s Status) Terminal() bool { return s == Succeeded || s == Failed || s == Canceled }

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return rank(s) >= 0 }

// rank orders statuses by how far along the lifecycle they are: an
// observation of a lower rank than the payment's is stale.
func rank(s Status) int {
	switch s {
	case Created:
		return 0
	case Processing, RequiresAction:
		return 1
	case RequiresCapture:
		return 2
	case Succeeded, Failed, Canceled:
		return 3
	}
	return -1
}

// CauseKind says what moved a payment.
type CauseKind string

// The causes.
const (
	// CauseAPI is a request to paystep's own API.
	CauseAPI CauseKind = "api"
	// CausePSPResponse is the PSP's answer to a call paystep made.
	CausePSPResponse CauseKind = "psp_response"
	// CauseWebhook is a PSP webhook event whose signature was verified.
	CauseWebhook CauseKind = "webhook"
	// CausePSPStatus is a status read from the PSP made to settle an
	// outcome paystep could not know (a call whose answer was lost).
	CausePSPStatus CauseKind = "psp_status"
)

// Cause is why a payment moved.
type Cause struct {
	Kind    CauseKind
	EventID string // the PSP's event ID, for CauseWebhook
	Detail  string // a decline code, a reason
}

// causes an allowed transition may be made by.
var (
	fromPSP   = []CauseKind{CausePSPResponse, CauseWebhook, CausePSPStatus}
	fromTruth = []CauseKind{CauseWebhook, CausePSPStatus} // what may end a payment
)

// table is every allowed transition and what may make it: the one place
// that says how a payment moves. A status is entered only on word from the
// PSP; a terminal status only on a verified webhook or a status read, never
// on a call's answer or a request to our API. The one exception, canceling
// a payment the PSP never saw, is in Transition.
var table = map[Status]map[Status][]CauseKind{
	Created: {
		Processing:      fromPSP,
		RequiresAction:  fromPSP,
		RequiresCapture: fromPSP,
		Succeeded:       fromTruth, // events may overtake our record of the confirmation
		Failed:          fromTruth,
		Canceled:        fromTruth,
	},
	Processing: {
		RequiresAction:  fromPSP,
		RequiresCapture: fromPSP,
		Succeeded:       fromTruth,
		Failed:          fromTruth,
		Canceled:        fromTruth,
	},
	RequiresAction: {
		Processing:      fromPSP,
		RequiresCapture: fromPSP,
		Succeeded:       fromTruth,
		Failed:          fromTruth,
		Canceled:        fromTruth,
	},
	RequiresCapture: {
		Succeeded: fromTruth, // captured
		Canceled:  fromTruth, // released
	},
}

// TransitionError is a transition the table refuses.
type TransitionError struct {
	From, To Status
	Cause    CauseKind
	Reason   string // set when the move is allowed but not for this cause
}

func (e *TransitionError) Error() string {
	msg := fmt.Sprintf("payment: cannot move from %s to %s", e.From, e.To)
	if e.Reason != "" {
		msg += " on " + string(e.Cause) + ": " + e.Reason
	}
	return msg
}

// Allowed reports whether cause may move a payment from one status to
// another, and if not, the error saying why. p is consulted only for the
// exception of canceling a payment the PSP never saw.
func allowed(p *Payment, from, to Status, cause CauseKind) error {
	causes, ok := table[from][to]
	if !ok {
		return &TransitionError{From: from, To: to, Cause: cause}
	}
	for _, c := range causes {
		if c == cause {
			return nil
		}
	}
	if from == Created && to == Canceled && cause == CauseAPI {
		if p.PSPReference == "" && p.Pending == "" {
			return nil
		}
		return &TransitionError{From: from, To: to, Cause: cause, Reason: "the PSP has the payment: cancel it there and wait for its event"}
	}
	reason := "only the PSP's word moves a payment"
	if to.Terminal() {
		reason = "a payment ends only on a verified PSP event or a PSP status read"
	}
	return &TransitionError{From: from, To: to, Cause: cause, Reason: reason}
}
