// Package payment is the payment lifecycle: the statuses and the one table
// of transitions between them (pure functions: Transition, Apply,
// StartRefund, SettleRefund), and the Service that drives payments and
// refunds through a psp.Provider and stores every step.
//
// The rules that keep payments safe live here. A payment's status moves only
// on the PSP's word, and ends (succeeded, failed, canceled) only on a
// verified webhook event or a status read made to settle an outcome we could
// not know. Every PSP call carries an idempotency key derived from stored
// state (payment ID + operation + attempt, "pay_…:confirm:1"), written
// before the call is made, so a retry, a crash or a second node repeats the
// same key and the PSP never charges twice.
package payment

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/store"
)

// CaptureMethod says whether an authorised payment is captured at once.
type CaptureMethod string

// The capture methods.
const (
	CaptureAutomatic CaptureMethod = "automatic"
	CaptureManual    CaptureMethod = "manual"
)

// Operation is a call paystep makes to the PSP about a payment or refund.
type Operation string

// The operations.
const (
	OpCreate  Operation = "create"
	OpConfirm Operation = "confirm"
	OpCapture Operation = "capture"
	OpCancel  Operation = "cancel"
	OpRefund  Operation = "refund"
)

// Payment is a payment.
type Payment struct {
	ID            string
	Amount        money.Amount
	Customer      string
	Description   string
	Metadata      map[string]string
	PSP           string // the provider's name
	PSPReference  string // the PSP's intent; "" until it made one
	PaymentMethod Method
	Status        Status
	CaptureMethod CaptureMethod
	// AmountCaptured is in the payment's currency, as are the refunded
	// amounts: AmountRefunded (succeeded refunds) plus AmountRefundPending
	// never exceed it.
	AmountCaptured      int64
	AmountRefunded      int64
	AmountRefundPending int64
	Failure             Failure // why the last attempt failed, if it did
	NextActionURL       string  // where the customer authenticates, in requires_action
	// Pending is the PSP call whose outcome is not yet recorded: set before
	// the call, cleared with its answer. Settle finishes it.
	Pending     Operation
	Attempts    Attempts
	LastEventAt time.Time // when the PSP made the newest event applied
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64 // the stored row's version
}

// Method is what paystep keeps of a payment method: the PSP's token and
// what may be shown. Never the card number.
type Method struct {
	Token    string
	Brand    string
	Last4    string
	ExpMonth int
	ExpYear  int
}

func methodOf(m *psp.PaymentMethod) Method {
	return Method{Token: m.Token, Brand: m.Brand, Last4: m.Last4, ExpMonth: m.ExpMonth, ExpYear: m.ExpYear}
}

// fillMethod completes p's card summary (brand, last4, expiry) from m when
// p knows its method by the token only and m is that method with its
// summary. It reports whether it changed p; nothing else changes.
func (p *Payment) fillMethod(m *psp.PaymentMethod) bool {
	if m == nil || m.Token == "" || m.Token != p.PaymentMethod.Token || p.PaymentMethod.Last4 != "" || m.Last4 == "" {
		return false
	}
	p.PaymentMethod = methodOf(m)
	return true
}

// Failure says why the last payment attempt failed.
type Failure struct {
	Code        string // "card_declined", "expired_card", …
	DeclineCode string // "insufficient_funds", …
	Message     string
}

// Attempts counts the calls of each operation; the count is part of the
// operation's idempotency key.
type Attempts struct {
	Create, Confirm, Capture, Cancel int
}

func (a *Attempts) of(op Operation) *int {
	switch op {
	case OpCreate:
		return &a.Create
	case OpConfirm:
		return &a.Confirm
	case OpCapture:
		return &a.Capture
	case OpCancel:
		return &a.Cancel
	}
	panic("payment: no attempts of " + string(op))
}

// IdempotencyKey is the key of the current attempt of op on p, as sent to
// the PSP: "pay_…:confirm:2".
func (p *Payment) IdempotencyKey(op Operation) string {
	return fmt.Sprintf("%s:%s:%d", p.ID, op, *p.Attempts.of(op))
}

// Refundable returns what may still be refunded, in minor units.
func (p *Payment) Refundable() int64 {
	return p.AmountCaptured - p.AmountRefunded - p.AmountRefundPending
}

// Entry is one line of a payment's transition log.
type Entry struct {
	From, To Status // From is "" for the first entry
	At       time.Time
	Cause    Cause
}

// Transition moves p to status to for cause at now, if the table allows it,
// and returns the moved payment and the log entry to store with it.
// Refused moves return a *TransitionError and p unchanged.
func Transition(p Payment, to Status, cause Cause, now time.Time) (Payment, Entry, error) {
	if err := allowed(&p, p.Status, to, cause.Kind); err != nil {
		return p, Entry{}, err
	}
	e := Entry{From: p.Status, To: to, At: now, Cause: cause}
	p.Status, p.UpdatedAt = to, now
	if to != RequiresAction {
		p.NextActionURL = ""
	}
	return p, e, nil
}

// Observation is what the PSP said about a payment: a call's answer, a
// webhook event, or a status read.
type Observation struct {
	Status         Status // mapped to paystep's statuses
	AmountReceived int64
	Method         *psp.PaymentMethod
	NextActionURL  string
	Failure        *Failure
	At             time.Time // when the PSP made it (events); zero for answers and reads
}

// ObserveIntent maps an intent, as a call or a status read returned it.
// requires_payment_method with a failed last attempt is failed; without one,
// created.
func ObserveIntent(in *psp.Intent) Observation {
	o := Observation{AmountReceived: in.AmountReceived, Method: in.PaymentMethod}
	switch in.Status {
	case psp.StatusRequiresPaymentMethod:
		o.Status = Created
		if in.LastError != nil {
			o.Status = Failed
		}
	case psp.StatusRequiresConfirmation:
		o.Status = Created
	case psp.StatusRequiresAction:
		o.Status = RequiresAction
	case psp.StatusProcessing:
		o.Status = Processing
	case psp.StatusRequiresCapture:
		o.Status = RequiresCapture
	case psp.StatusSucceeded:
		o.Status = Succeeded
	case psp.StatusCanceled:
		o.Status = Canceled
	}
	if in.NextAction != nil {
		o.NextActionURL = in.NextAction.RedirectURL
	}
	if in.LastError != nil {
		o.Failure = &Failure{Code: in.LastError.Code, DeclineCode: in.LastError.DeclineCode, Message: in.LastError.Message}
	}
	return o
}

// ObserveEvent maps a payment webhook event. A payment.failed event fails
// the payment, whatever status the intent went back to.
func ObserveEvent(ev *psp.Event) Observation {
	o := ObserveIntent(&psp.Intent{Status: ev.Status, AmountReceived: ev.AmountReceived, PaymentMethod: ev.PaymentMethod})
	o.At = ev.Created
	switch ev.Type {
	case psp.EventPaymentFailed:
		o.Status = Failed
		o.Failure = &Failure{Code: ev.FailureCode, DeclineCode: ev.DeclineCode, Message: ev.FailureMessage}
	case psp.EventPaymentSucceeded:
		o.Status = Succeeded
	case psp.EventPaymentCanceled:
		o.Status = Canceled
	case psp.EventPaymentAuthorized:
		o.Status = RequiresCapture
	}
	return o
}

// Apply brings p up to date with what the PSP said, for cause at now, and
// returns the payment and the log entries to store (none when the status
// stays). What the table refuses is an error, except observations that are
// stale — of an earlier stage of the lifecycle than p's, or events older
// than the newest applied — which change nothing. A call's answer never
// ends a payment: an answer saying succeeded leaves it processing (or
// requires_capture), one saying canceled or failed leaves it where it is,
// until the event or a status read says so.
func Apply(p Payment, o Observation, cause Cause, now time.Time) (Payment, []Entry, error) {
	if !o.Status.Valid() {
		return p, nil, fmt.Errorf("payment %s: the PSP reported no known status", p.ID)
	}
	// The card summary of the method we have, even from an observation
	// that is stale otherwise (an answer overtaken by the webhook).
	p.fillMethod(o.Method)
	to := o.Status
	if cause.Kind == CausePSPResponse && to.Terminal() {
		// The answer says where the PSP is going; its event will say it got there.
		to = p.Status
		if o.Status == Succeeded && (p.Status == Created || p.Status == RequiresAction) {
			to = Processing
		}
	}
	if !o.At.IsZero() {
		if o.At.Before(p.LastEventAt) {
			return p, nil, nil
		}
		p.LastEventAt = o.At
	}
	if rank(to) < rank(p.Status) {
		return p, nil, nil
	}
	if m := o.Method; m != nil && m.Token != "" && (m.Token != p.PaymentMethod.Token || m.Last4 != "") {
		// An event may name the method without its card summary: keep the
		// summary we have of the same method.
		p.PaymentMethod = methodOf(m)
	}
	if to == p.Status {
		if to == RequiresAction && o.NextActionURL != "" {
			p.NextActionURL = o.NextActionURL
		}
		p.UpdatedAt = now
		return p, nil, nil
	}
	if to == Failed && o.Failure != nil {
		p.Failure = *o.Failure
		cause.Detail = firstOf(cause.Detail, o.Failure.DeclineCode, o.Failure.Code)
	}
	moved, e, err := Transition(p, to, cause, now)
	if err != nil {
		return p, nil, err
	}
	switch to {
	case RequiresAction:
		moved.NextActionURL = o.NextActionURL
	case Succeeded:
		moved.AmountCaptured = o.AmountReceived
		if moved.AmountCaptured <= 0 || moved.AmountCaptured > moved.Amount.Minor {
			moved.AmountCaptured = moved.Amount.Minor
		}
	}
	return moved, []Entry{e}, nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// record converts p to its stored row.
func (p *Payment) record() (*store.Payment, error) {
	var meta []byte
	if len(p.Metadata) > 0 {
		var err error
		if meta, err = json.Marshal(p.Metadata); err != nil {
			return nil, fmt.Errorf("payment %s metadata: %w", p.ID, err)
		}
	}
	return &store.Payment{
		ID: p.ID, AmountMinor: p.Amount.Minor, Currency: string(p.Amount.Currency), PSP: p.PSP,
		CaptureMethod: string(p.CaptureMethod), CreatedAt: p.CreatedAt, Customer: p.Customer, Description: p.Description,
		Metadata: meta, PSPReference: p.PSPReference, PaymentMethod: p.PaymentMethod.Token, CardBrand: p.PaymentMethod.Brand,
		CardLast4: p.PaymentMethod.Last4, CardExpMonth: p.PaymentMethod.ExpMonth, CardExpYear: p.PaymentMethod.ExpYear,
		Status: string(p.Status), AmountCaptured: p.AmountCaptured, AmountRefunded: p.AmountRefunded,
		AmountRefundPending: p.AmountRefundPending, FailureCode: p.Failure.Code, DeclineCode: p.Failure.DeclineCode,
		FailureMessage: p.Failure.Message, NextActionURL: p.NextActionURL, PendingOp: string(p.Pending),
		CreateAttempts: p.Attempts.Create, ConfirmAttempts: p.Attempts.Confirm, CaptureAttempts: p.Attempts.Capture,
		CancelAttempts: p.Attempts.Cancel, LastEventAt: p.LastEventAt, UpdatedAt: p.UpdatedAt, Version: p.Version,
	}, nil
}

// fromRecord converts a stored row to a payment.
func fromRecord(r *store.Payment) (*Payment, error) {
	p := &Payment{
		ID: r.ID, Amount: money.New(r.AmountMinor, money.Currency(r.Currency)), Customer: r.Customer,
		Description: r.Description, PSP: r.PSP, PSPReference: r.PSPReference,
		PaymentMethod: Method{Token: r.PaymentMethod, Brand: r.CardBrand, Last4: r.CardLast4, ExpMonth: r.CardExpMonth, ExpYear: r.CardExpYear},
		Status:        Status(r.Status), CaptureMethod: CaptureMethod(r.CaptureMethod), AmountCaptured: r.AmountCaptured,
		AmountRefunded: r.AmountRefunded, AmountRefundPending: r.AmountRefundPending,
		Failure:       Failure{Code: r.FailureCode, DeclineCode: r.DeclineCode, Message: r.FailureMessage},
		NextActionURL: r.NextActionURL, Pending: Operation(r.PendingOp),
		Attempts:    Attempts{Create: r.CreateAttempts, Confirm: r.ConfirmAttempts, Capture: r.CaptureAttempts, Cancel: r.CancelAttempts},
		LastEventAt: r.LastEventAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
	if len(r.Metadata) > 0 {
		if err := json.Unmarshal(r.Metadata, &p.Metadata); err != nil {
			return nil, fmt.Errorf("payment %s metadata: %w", r.ID, err)
		}
	}
	return p, nil
}

func entryRecords(id string, es []Entry) []store.PaymentTransition {
	out := make([]store.PaymentTransition, len(es))
	for i, e := range es {
		out[i] = store.PaymentTransition{PaymentID: id, From: string(e.From), To: string(e.To), At: e.At,
			Cause: string(e.Cause.Kind), PSPEventID: e.Cause.EventID, Detail: e.Cause.Detail}
	}
	return out
}

func entryFromRecord(r store.PaymentTransition) Entry {
	return Entry{From: Status(r.From), To: Status(r.To), At: r.At,
		Cause: Cause{Kind: CauseKind(r.Cause), EventID: r.PSPEventID, Detail: r.Detail}}
}
