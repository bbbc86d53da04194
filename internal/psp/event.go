package psp

import "time"

// EventType is a webhook event's meaning, normalised across providers.
type EventType string

// The normalised event types. Providers map their own types onto these
// (Stripe's payment_intent.succeeded is EventPaymentSucceeded) and keep the
// original in Event.ProviderType; events that matter to no one are
// EventOther.
const (
	EventPaymentCreated        EventType = "payment.created"
	EventPaymentProcessing     EventType = "payment.processing"
	EventPaymentRequiresAction EventType = "payment.requires_action"
	EventPaymentAuthorized     EventType = "payment.authorized" // amount_capturable_updated: ready for manual capture
	EventPaymentSucceeded      EventType = "payment.succeeded"
	EventPaymentFailed         EventType = "payment.failed" // an attempt was declined; DeclineCode says why
	EventPaymentCanceled       EventType = "payment.canceled"
	EventRefundCreated         EventType = "refund.created"
	EventRefundUpdated         EventType = "refund.updated"
	EventRefundSucceeded       EventType = "refund.succeeded"
	EventRefundFailed          EventType = "refund.failed"
	EventOther                 EventType = "other"
)

// IsRefund reports whether t is about a refund.
func (t EventType) IsRefund() bool {
	switch t {
	case EventRefundCreated, EventRefundUpdated, EventRefundSucceeded, EventRefundFailed:
		return true
	}
	return false
}

// Event is a verified webhook event, normalised. Raw is the body exactly as
// received, for audit; it is never logged.
type Event struct {
	Provider     string    // "sandbox", "stripe"
	ID           string    // the provider's event ID ("evt_…"): de-duplicate on (Provider, ID)
	Type         EventType // normalised
	ProviderType string    // the provider's own type: "payment_intent.succeeded"
	Created      time.Time // when the provider created the event, UTC
	Livemode     bool

	// The object the event is about.
	IntentRef string // the PSP's intent reference ("pi_…"); for refund events, the refunded intent
	RefundRef string // "re_…" for refund events
	PaymentID string // paystep's payment ID, from the intent's metadata (MetadataPaymentID), if set

	// The object's state when the event was created. For payment events
	// Status is the intent's status; for refund events RefundStatus is set.
	Status         Status
	RefundStatus   RefundStatus
	Amount         int64 // minor units: the intent's amount, or the refund's
	Currency       string
	AmountReceived int64 // captured so far (payment events)
	AmountRefunded int64 // refunded so far (payment events)
	PaymentMethod  *PaymentMethod

	// Why the payment or refund failed, for EventPaymentFailed and
	// EventRefundFailed.
	FailureCode    string // "card_declined", "expired_card", …
	DeclineCode    string // "insufficient_funds", …
	FailureMessage string

	Raw []byte
}

// stripeTypes maps Stripe's event types, which the sandbox uses too, to the
// normalised ones.
var stripeTypes = map[string]EventType{
	"payment_intent.created":                   EventPaymentCreated,
	"payment_intent.processing":                EventPaymentProcessing,
	"payment_intent.requires_action":           EventPaymentRequiresAction,
	"payment_intent.amount_capturable_updated": EventPaymentAuthorized,
	"payment_intent.succeeded":                 EventPaymentSucceeded,
	"payment_intent.payment_failed":            EventPaymentFailed,
	"payment_intent.canceled":                  EventPaymentCanceled,
	"refund.created":                           EventRefundCreated,
	"refund.updated":                           EventRefundUpdated,
	"refund.failed":                            EventRefundFailed,
}

// EventTypeFromStripe maps a Stripe event type ("payment_intent.succeeded")
// to the normalised type; types paystep does not act on are EventOther.
// Refund events are refined by the refund's status: see RefundEventType.
func EventTypeFromStripe(t string) EventType {
	if et, ok := stripeTypes[t]; ok {
		return et
	}
	return EventOther
}

// RefundEventType refines a refund event's type by the refund's status: a
// refund created or updated as succeeded is EventRefundSucceeded, one
// updated as failed EventRefundFailed.
func RefundEventType(t EventType, s RefundStatus) EventType {
	switch {
	case (t == EventRefundCreated || t == EventRefundUpdated) && s == RefundSucceeded:
		return EventRefundSucceeded
	case t == EventRefundUpdated && s == RefundFailed:
		return EventRefundFailed
	}
	return t
}
