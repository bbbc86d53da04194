package store

import (
	"context"
	"time"
)

// This file is the storage contract of payments (migration 0002): payments
// and their transition log, refunds, the domain-event outbox, idempotency
// keys of the /v1 API, API keys and raw webhook events. The payment package
// owns the meaning of the values (statuses, causes, operations); the store
// keeps them as text.

// Payment is the stored row of one payment. PaymentSave writes every field
// from Customer down; ID, the amount, PSP and CreatedAt are fixed at
// creation.
type Payment struct {
	ID            string
	AmountMinor   int64
	Currency      string // ISO 4217, upper case
	PSP           string // the provider's name: "sandbox", "stripe"
	CaptureMethod string // "automatic" or "manual"
	CreatedAt     time.Time

	Customer     string
	Description  string
	Metadata     []byte // a JSON object, opaque to the store; nil for none
	PSPReference string // the PSP's intent ("pi_…"); "" until the PSP made one
	// The payment method: the PSP's token and what may be shown of the card.
	// Never the card number.
	PaymentMethod       string
	CardBrand           string
	CardLast4           string
	CardExpMonth        int
	CardExpYear         int
	Status              string
	AmountCaptured      int64
	AmountRefunded      int64 // refunds that succeeded
	AmountRefundPending int64 // refunds not yet settled
	FailureCode         string
	DeclineCode         string
	FailureMessage      string
	NextActionURL       string
	// PendingOp is the PSP call whose outcome is not yet recorded ("" for
	// none): set before the call, cleared with its answer, so a crash in
	// between leaves a trace to settle.
	PendingOp string
	// Attempts of each PSP operation, from which idempotency keys derive
	// (payment ID + operation + attempt).
	CreateAttempts  int
	ConfirmAttempts int
	CaptureAttempts int
	CancelAttempts  int
	LastEventAt     time.Time // when the PSP made the newest event applied; zero before one
	UpdatedAt       time.Time

	// Version counts the writes of the row, for optimistic concurrency: the
	// store sets it to 1 on create and increments it on every save.
	Version int64
}

// PaymentTransition is one entry of a payment's transition log.
type PaymentTransition struct {
	PaymentID  string
	Seq        int64 // 1, 2, …: set by PaymentCreate and PaymentSave
	From, To   string
	At         time.Time
	Cause      string // what moved it: "psp_response", "webhook", "psp_status", "api"
	PSPEventID string // the webhook event's ID when Cause is "webhook"
	Detail     string // a decline code or a reason, if any
}

// PaymentFilter selects payments for PaymentList, newest first.
type PaymentFilter struct {
	Customer      string    // "" for all
	Status        string    // "" for all
	CreatedAfter  time.Time // exclusive; zero for no bound
	CreatedBefore time.Time // exclusive; zero for no bound
	Cursor        string    // from the previous page; "" for the first
	Limit         int
}

// Refund is the stored row of one refund. RefundSave writes the fields from
// Status down.
type Refund struct {
	ID          string
	PaymentID   string
	AmountMinor int64
	Currency    string
	PSP         string
	Reason      string
	Metadata    []byte // a JSON object, opaque to the store; nil for none
	CreatedAt   time.Time

	Status        string // "pending", "succeeded", "failed"
	PSPReference  string // "re_…"; "" until the PSP made one
	FailureReason string
	PendingOp     string // "refund" while the PSP call's outcome is unknown
	Attempts      int
	UpdatedAt     time.Time
	Version       int64
}

// DomainEvent is an entry of the outbox: something that happened to a
// payment or a refund, appended in the transaction that made it happen and
// read afterwards by whoever delivers it.
type DomainEvent struct {
	Seq       int64  // set by the store, increasing in commit order per writer
	ID        string // "evt_…"
	Type      string // "payment.succeeded", "refund.created", …
	ObjectID  string // the payment's or refund's ID
	Data      []byte // JSON, opaque to the store
	CreatedAt time.Time
}

// DomainEventFilter selects events for DomainEventList, newest first.
type DomainEventFilter struct {
	Type     string // "" for all
	ObjectID string // "" for all
	Cursor   string
	Limit    int
}

// IdempotencyKey is a request made with an Idempotency-Key header and,
// once it finished, its response. Keys are scoped (the API uses the
// calling key's ID) so two callers never see each other's responses.
type IdempotencyKey struct {
	Scope       string
	Key         string
	Method      string
	Path        string
	RequestHash string // of the method, path and body: same key, other request → refused
	CreatedAt   time.Time
	// The response, stored by IdempotencyFinish: Status is 0 while the
	// first request is in flight.
	Status     int
	Body       []byte
	FinishedAt time.Time
}

// APIKey is a key of the /v1 API. The key itself is never stored, only its
// SHA-256 (Hash, hex).
type APIKey struct {
	ID        string // "key_…"
	Kind      string // "secret" (sk_…) or "publishable" (pk_…)
	Name      string
	Hint      string // what may be shown: "sk_…abcd"
	Hash      string
	CreatedAt time.Time
	RevokedAt time.Time // zero while valid
}

// WebhookEvent is an inbound PSP webhook exactly as received, kept for
// audit. (Provider, EventID) is unique: the row is how duplicates are
// recognised.
type WebhookEvent struct {
	Provider    string
	EventID     string
	Type        string
	Body        []byte // the raw body; never logged
	ReceivedAt  time.Time
	ProcessedAt time.Time // zero until processed
}

// PaymentQueries is the payment half of the queries, implemented by the
// backends' stores and by their transactions (see PaymentStore).
//
// Like Queries, every method is atomic, and inside a transaction stays
// usable after ErrNotFound, ErrConflict and ErrExists.
type PaymentQueries interface {
	// PaymentCreate stores a new payment with its first transitions and sets
	// p.Version to 1. ErrExists when the ID is taken.
	PaymentCreate(ctx context.Context, p *Payment, log ...PaymentTransition) error
	// PaymentGet returns a payment.
	PaymentGet(ctx context.Context, id string) (*Payment, error)
	// PaymentGetByPSPReference finds the payment the PSP knows as ref.
	PaymentGetByPSPReference(ctx context.Context, psp, ref string) (*Payment, error)
	// PaymentList pages through payments newest first (CreatedAt, then ID).
	PaymentList(ctx context.Context, f PaymentFilter) ([]*Payment, string, error)
	// PaymentListPending returns up to limit payments with a PendingOp whose
	// UpdatedAt is at or before before, oldest first: the calls to settle.
	PaymentListPending(ctx context.Context, before time.Time, limit int) ([]*Payment, error)
	// PaymentSave writes p's mutable fields and appends log, provided the
	// stored Version still equals p.Version (ErrConflict if not, ErrNotFound
	// if there is no such payment), then increments p.Version. The store
	// numbers the log entries (Seq) after the stored ones.
	PaymentSave(ctx context.Context, p *Payment, log ...PaymentTransition) error
	// PaymentTransitionList returns a payment's transition log in order.
	PaymentTransitionList(ctx context.Context, paymentID string) ([]PaymentTransition, error)

	// RefundCreate stores a new refund and sets r.Version to 1. ErrExists
	// when the ID is taken, ErrNotFound when the payment is missing.
	RefundCreate(ctx context.Context, r *Refund) error
	RefundGet(ctx context.Context, id string) (*Refund, error)
	// RefundGetByPSPReference finds the refund the PSP knows as ref.
	RefundGetByPSPReference(ctx context.Context, psp, ref string) (*Refund, error)
	// RefundList returns a payment's refunds, oldest first.
	RefundList(ctx context.Context, paymentID string) ([]*Refund, error)
	// RefundListPending is PaymentListPending for refunds.
	RefundListPending(ctx context.Context, before time.Time, limit int) ([]*Refund, error)
	// RefundSave is PaymentSave for refunds.
	RefundSave(ctx context.Context, r *Refund) error

	// DomainEventAppend appends events to the outbox and sets their Seq.
	// ErrExists when an ID is taken; then none is stored.
	DomainEventAppend(ctx context.Context, events ...*DomainEvent) error
	// DomainEventList pages through events newest first.
	DomainEventList(ctx context.Context, f DomainEventFilter) ([]*DomainEvent, string, error)
	// DomainEventListAfter returns up to limit events with Seq > after in Seq
	// order: how a deliverer reads the outbox.
	DomainEventListAfter(ctx context.Context, after int64, limit int) ([]*DomainEvent, error)

	// IdempotencyBegin stores k as in flight. When (Scope, Key) is taken it
	// returns the stored request and ErrExists, and stores nothing.
	IdempotencyBegin(ctx context.Context, k *IdempotencyKey) (*IdempotencyKey, error)
	// IdempotencyFinish stores the response of an in-flight request.
	// ErrNotFound when no such request is in flight.
	IdempotencyFinish(ctx context.Context, scope, key string, status int, body []byte, at time.Time) error
	// IdempotencyRelease deletes the request (scope, key) if it is still in
	// flight and was begun at createdAt, so that it can be made again: a
	// request that produced nothing worth replaying, or one a crashed node
	// left. ErrNotFound otherwise.
	IdempotencyRelease(ctx context.Context, scope, key string, createdAt time.Time) error
	// IdempotencyDeleteBefore deletes the requests begun before before and
	// returns how many it deleted.
	IdempotencyDeleteBefore(ctx context.Context, before time.Time) (int64, error)

	// APIKeyCreate stores a key. ErrExists when the ID or the hash is taken.
	APIKeyCreate(ctx context.Context, k *APIKey) error
	// APIKeyGetByHash returns the key with that hash, revoked or not.
	APIKeyGetByHash(ctx context.Context, hash string) (*APIKey, error)
	// APIKeyList returns every key, oldest first.
	APIKeyList(ctx context.Context) ([]*APIKey, error)
	// APIKeyRevoke sets RevokedAt of a valid key. ErrNotFound when there is
	// no such key; revoking a revoked key changes nothing.
	APIKeyRevoke(ctx context.Context, id string, at time.Time) error

	// WebhookEventInsert stores a raw event. ErrExists when (Provider,
	// EventID) was stored before: the event is a duplicate.
	WebhookEventInsert(ctx context.Context, e *WebhookEvent) error
	WebhookEventGet(ctx context.Context, provider, eventID string) (*WebhookEvent, error)
	// WebhookEventMarkProcessed sets ProcessedAt.
	WebhookEventMarkProcessed(ctx context.Context, provider, eventID string, at time.Time) error

	PaymentTaskQueries
	SettingQueries
}

// PaymentTx is what PaymentInTx hands its function: every query of the
// store in one transaction.
type PaymentTx interface {
	Queries
	PaymentQueries
}

// PaymentStore is a Store that also keeps payments. Both backends' stores
// implement it; the transactions their InTx hands out implement
// PaymentQueries as well, and PaymentInTx says so in its type.
type PaymentStore interface {
	Store
	PaymentQueries
	// PaymentInTx is InTx with the payment queries in reach.
	PaymentInTx(ctx context.Context, fn func(q PaymentTx) error) error
}
