// Package psp is the one interface paystep speaks to payment service
// providers through: the built-in sandbox (psp/sandbox) and Stripe
// (psp/stripe) implement it, psp/psptest holds its conformance suite and
// fakes.
//
// The model is Stripe's PaymentIntents flow: an Intent is created for an
// amount, confirmed with a payment-method token, possibly asks for customer
// action (3-D Secure), and ends succeeded, canceled or back at
// requires_payment_method after a decline. Manual capture stops at
// requires_capture until Capture or Cancel.
//
// Every call ends in one of three outcomes (see Outcome and OutcomeOf):
// Succeeded (err == nil), Failed (the PSP certainly did not do it; the error
// is an *Error, with a decline code for card declines) or Unknown (the request
// may have reached the PSP and we do not know what it did: a timeout or a
// reset after sending). Unknown is settled by Retrieve or by repeating the
// call with the same idempotency key, which is why every mutating call
// carries one, derived by the caller from stored state.
//
// Amounts are integer minor units of a three-letter ISO 4217 currency code,
// given upper-case ("EUR"); providers convert to their own spelling. Card
// numbers never cross this interface: payment methods are tokens plus a
// summary (brand, last4, expiry).
package psp

import (
	"context"
	"net/http"
	"time"
)

// Provider is a payment service provider. Implementations are safe for
// concurrent use. A nil error means Succeeded; otherwise OutcomeOf(err) says
// whether the call certainly failed or its outcome is unknown.
type Provider interface {
	// Name is the provider's stable identifier, as used in /webhooks/<name>
	// and stored beside references: "sandbox", "stripe".
	Name() string
	// Create creates an intent. With PaymentMethod and Confirm set it also
	// confirms it in the same call.
	Create(ctx context.Context, p CreateParams) (*Intent, error)
	// Confirm attaches a payment method to an intent and attempts the payment.
	// A card decline is a Failed *Error with Code "card_declined" (or
	// "expired_card", …) and a DeclineCode; the intent is then back at
	// StatusRequiresPaymentMethod.
	Confirm(ctx context.Context, p ConfirmParams) (*Intent, error)
	// Capture captures an intent in StatusRequiresCapture, all of it or
	// AmountToCapture; the rest is released.
	Capture(ctx context.Context, p CaptureParams) (*Intent, error)
	// Cancel cancels an intent that has not succeeded (and releases an
	// authorisation in StatusRequiresCapture).
	Cancel(ctx context.Context, p CancelParams) (*Intent, error)
	// Refund refunds a succeeded intent, fully or in part; the sum of refunds
	// never exceeds the captured amount.
	Refund(ctx context.Context, p RefundParams) (*Refund, error)
	// Retrieve reads an intent's current state. Reads change nothing, so they
	// carry no idempotency key; this is how an Unknown outcome is settled.
	Retrieve(ctx context.Context, ref string) (*Intent, error)
	// RetrieveRefund reads a refund's current state.
	RetrieveRefund(ctx context.Context, ref string) (*Refund, error)
}

// EventVerifier checks a provider's webhook request — the signature on the
// raw body, against every active secret, within the tolerance — and parses
// it into a normalised Event. Any error means the request must be refused
// (400) and change nothing. The sandbox and Stripe clients implement it.
type EventVerifier interface {
	VerifyEvent(header http.Header, body []byte) (*Event, error)
}

// Status is an intent's status at the PSP, in Stripe's PaymentIntent terms.
// It is the PSP's view, not paystep's payment status (the payment package
// maps one to the other).
type Status string

// The intent statuses.
const (
	StatusRequiresPaymentMethod Status = "requires_payment_method" // new, or declined and waiting for another method
	StatusRequiresConfirmation  Status = "requires_confirmation"   // has a payment method, not yet confirmed
	StatusRequiresAction        Status = "requires_action"         // customer must act (3-D Secure); see NextAction
	StatusProcessing            Status = "processing"              // the PSP is working on it; an event will follow
	StatusRequiresCapture       Status = "requires_capture"        // authorised, manual capture pending
	StatusCanceled              Status = "canceled"                // terminal
	StatusSucceeded             Status = "succeeded"               // terminal: the money moved
)

// Terminal reports whether s can no longer change (refunds aside).
func (s Status) Terminal() bool { return s == StatusCanceled || s == StatusSucceeded }

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusRequiresPaymentMethod, StatusRequiresConfirmation, StatusRequiresAction,
		StatusProcessing, StatusRequiresCapture, StatusCanceled, StatusSucceeded:
		return true
	}
	return false
}

// CaptureMethod says whether a successful confirmation captures at once.
type CaptureMethod string

// The capture methods. The zero value means CaptureAutomatic.
const (
	CaptureAutomatic CaptureMethod = "automatic"
	CaptureManual    CaptureMethod = "manual"
)

// PaymentMethod is a tokenised payment method: the token and what may be
// shown and stored about it. Never the card number or the CVC.
type PaymentMethod struct {
	Token    string // "pm_…"
	Brand    string // "visa", "mastercard", "amex", "discover", "diners", "jcb", "unionpay", "unknown"
	Last4    string
	ExpMonth int // 1–12
	ExpYear  int // four digits
}

// NextAction is what the customer must do for an intent in
// StatusRequiresAction: open RedirectURL (the 3-D Secure challenge), which
// returns to the ReturnURL given at confirmation when done. Confirm with a
// ReturnURL to get a redirect; without one Stripe asks for its browser SDK
// ("use_stripe_sdk") and RedirectURL is empty.
type NextAction struct {
	Type        string // "redirect_to_url", "use_stripe_sdk"
	RedirectURL string
}

// Decline describes why the last payment attempt failed.
type Decline struct {
	Code        string // "card_declined", "expired_card", "processing_error", "incorrect_cvc", "authentication_required", …
	DeclineCode string // "generic_decline", "insufficient_funds", "lost_card", … (card_declined only)
	Message     string
}

// Intent is a payment at the PSP.
type Intent struct {
	Ref              string // the PSP's reference: "pi_…"
	Status           Status
	Amount           int64  // minor units
	Currency         string // upper-case ISO 4217
	AmountCapturable int64  // authorised and not yet captured (StatusRequiresCapture)
	AmountReceived   int64  // captured
	AmountRefunded   int64  // sum of succeeded and pending refunds
	CaptureMethod    CaptureMethod
	PaymentMethod    *PaymentMethod // nil until one is attached
	NextAction       *NextAction    // set in StatusRequiresAction
	LastError        *Decline       // the last failed attempt, if any
	Description      string
	Metadata         map[string]string
	Created          time.Time // UTC
}

// RefundStatus is a refund's status at the PSP.
type RefundStatus string

// The refund statuses.
const (
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	RefundFailed    RefundStatus = "failed"
	RefundCanceled  RefundStatus = "canceled"
)

// Refund is a refund at the PSP.
type Refund struct {
	Ref           string // "re_…"
	IntentRef     string
	Status        RefundStatus
	Amount        int64 // minor units
	Currency      string
	FailureReason string // set when Status is RefundFailed
	Metadata      map[string]string
	Created       time.Time
}

// CreateParams creates an intent.
type CreateParams struct {
	IdempotencyKey string // required: same key + same params → same intent
	Amount         int64  // minor units, > 0
	Currency       string // ISO 4217, any case
	CaptureMethod  CaptureMethod
	Description    string
	Customer       string            // free text or the PSP's customer reference
	Metadata       map[string]string // paystep puts its payment ID under MetadataPaymentID
	// PaymentMethod and Confirm confirm at creation, as Stripe's confirm=true.
	PaymentMethod string
	Confirm       bool
	ReturnURL     string // where 3-D Secure returns to; used with Confirm
}

// MetadataPaymentID is the metadata key under which paystep stores its own
// payment ID on the PSP's intent, so webhook events can be matched back.
const MetadataPaymentID = "paystep_payment_id"

// ConfirmParams confirms an intent with a payment method.
type ConfirmParams struct {
	IdempotencyKey string
	Ref            string // the intent
	PaymentMethod  string // token "pm_…"
	ReturnURL      string // where 3-D Secure returns to
}

// CaptureParams captures an authorised intent.
type CaptureParams struct {
	IdempotencyKey  string
	Ref             string
	AmountToCapture int64 // 0 captures everything capturable
}

// CancelParams cancels an intent.
type CancelParams struct {
	IdempotencyKey string
	Ref            string
	Reason         string // "duplicate", "fraudulent", "requested_by_customer", "abandoned" or empty
}

// RefundParams refunds a succeeded intent.
type RefundParams struct {
	IdempotencyKey string
	Ref            string // the intent
	Amount         int64  // 0 refunds what remains
	Reason         string // "duplicate", "fraudulent", "requested_by_customer" or empty
	Metadata       map[string]string
}
