package store

import (
	"context"
	"time"
)

// This file is the storage contract of the built-in sandbox PSP (package
// psp/sandbox, migration 0005): its objects as JSON it alone reads, the
// events it emitted, their webhook deliveries and its processing jobs, each
// with a due time, and its idempotency entries. The sandbox declares the
// interface it depends on; the records and the queries live here so that
// the backends need not import it.

// SandboxObject is one object of the sandbox: a payment intent, a payment
// method (never a card number: brand, last four digits, expiry) or a
// refund. (Kind, ID) is unique.
type SandboxObject struct {
	Kind      string // "intent", "method", "refund"
	ID        string // "pi_…", "pm_…", "re_…"
	Body      []byte // JSON, opaque to the store
	UpdatedAt time.Time
}

// SandboxEvent is an event the sandbox emitted, Stripe-shaped.
type SandboxEvent struct {
	Seq       int64  // set by the store, increasing
	ID        string // "evt_…", unique
	Type      string // "payment_intent.succeeded"
	Body      []byte // the JSON delivered
	CreatedAt time.Time
}

// SandboxDelivery is a webhook delivery of an event still to be made. It
// carries the event's body, so that trimming old events never loses one.
type SandboxDelivery struct {
	ID        int64 // set by the store
	EventID   string
	EventType string
	Body      []byte
	DueAt     time.Time // when the next attempt may be made; a claim moves it by a lease
	Attempts  int       // attempts claimed so far
}

// SandboxJob is processing the sandbox finishes later: a payment settling,
// a refund settling or failing.
type SandboxJob struct {
	ID    int64  // set by the store
	Kind  string // what to do
	Ref   string // the object it is done to
	DueAt time.Time
}

// SandboxIdempotency is the answer the sandbox gave to a request made with
// an Idempotency-Key, replayed for the same key.
type SandboxIdempotency struct {
	Key         string
	Fingerprint string // of the request: same key, other request → refused
	Status      int
	Body        []byte
	CreatedAt   time.Time
}

// SandboxQueries are the sandbox's queries, implemented by the backends'
// stores and by the transactions their SandboxInTx hands out. Every method
// is atomic; inside a transaction it stays usable after ErrNotFound and
// ErrExists.
type SandboxQueries interface {
	// SandboxObjectGet returns an object; ErrNotFound when there is none.
	// With lock, inside SandboxInTx, the row stays locked until the
	// transaction ends (FOR UPDATE on PostgreSQL), so that concurrent
	// changes of one object take turns.
	SandboxObjectGet(ctx context.Context, kind, id string, lock bool) (*SandboxObject, error)
	// SandboxObjectPut inserts objects or replaces their stored versions.
	SandboxObjectPut(ctx context.Context, objs ...*SandboxObject) error

	// SandboxEventAppend stores events and sets their Seq. ErrExists when
	// an ID is taken; then none is stored.
	SandboxEventAppend(ctx context.Context, events ...*SandboxEvent) error
	// SandboxEventGet returns the event with that ID.
	SandboxEventGet(ctx context.Context, id string) (*SandboxEvent, error)
	// SandboxEventList returns every stored event, oldest (lowest Seq) first.
	SandboxEventList(ctx context.Context) ([]*SandboxEvent, error)
	// SandboxEventTrim deletes the events whose Seq is keep or more below
	// the newest one's, so that at most keep events stay.
	SandboxEventTrim(ctx context.Context, keep int) error

	// SandboxDeliveryAdd queues deliveries; the store numbers them (ID) in
	// the order given.
	SandboxDeliveryAdd(ctx context.Context, ds ...*SandboxDelivery) error
	// SandboxDeliveryClaimDue claims up to limit deliveries whose DueAt is
	// at or before now, earliest first (then by ID): it sets their DueAt to
	// leaseUntil, increments Attempts and returns them in that order.
	// Concurrent callers never get the same delivery (SKIP LOCKED on
	// PostgreSQL). A limit ≤ 0 claims nothing.
	SandboxDeliveryClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*SandboxDelivery, error)
	// SandboxDeliveryRetry makes a delivery due again at dueAt.
	// ErrNotFound when there is no such delivery.
	SandboxDeliveryRetry(ctx context.Context, id int64, dueAt time.Time) error
	// SandboxDeliveryDelete removes a delivery that was made or given up.
	// ErrNotFound when there is no such delivery.
	SandboxDeliveryDelete(ctx context.Context, id int64) error

	// SandboxJobAdd queues jobs; the store numbers them (ID) in the order given.
	SandboxJobAdd(ctx context.Context, jobs ...*SandboxJob) error
	// SandboxJobTakeDue deletes up to limit jobs whose DueAt is at or
	// before now and returns them, earliest first (then by ID). Called in
	// SandboxInTx with the jobs' work, a rollback puts them back; concurrent
	// transactions never take the same job (SKIP LOCKED on PostgreSQL).
	SandboxJobTakeDue(ctx context.Context, now time.Time, limit int) ([]*SandboxJob, error)

	// SandboxCountDue counts the deliveries and the jobs whose DueAt is at
	// or before now.
	SandboxCountDue(ctx context.Context, now time.Time) (deliveries, jobs int64, err error)

	// SandboxIdempotencyGet returns the entry of key.
	SandboxIdempotencyGet(ctx context.Context, key string) (*SandboxIdempotency, error)
	// SandboxIdempotencyPut stores an entry. ErrExists when the key has
	// one; then the stored entry is left as it is.
	SandboxIdempotencyPut(ctx context.Context, e *SandboxIdempotency) error
	// SandboxIdempotencyDeleteBefore deletes the entries made before before
	// and returns how many it deleted.
	SandboxIdempotencyDeleteBefore(ctx context.Context, before time.Time) (int64, error)
}

// SandboxStore keeps the sandbox's state. Both backends' stores implement it.
type SandboxStore interface {
	SandboxQueries
	// SandboxInTx runs fn in one transaction, committed when fn returns nil
	// and rolled back otherwise; fn's error is returned as is.
	SandboxInTx(ctx context.Context, fn func(q SandboxQueries) error) error
}
