package store

import (
	"context"
	"time"
)

// This file is the storage contract of payments inside state machines
// (migration 0003): the task tokens waiting on a payment, and the outbox of
// task resumptions that carries a payment's end to the engine.

// PaymentTask is a task token waiting on a payment: a Task state whose
// resource created the payment with .waitForTaskToken. It is written when
// the token is bound and deleted in the transaction that records the
// token's resumption.
type PaymentTask struct {
	PaymentID string
	TaskToken string
	CreatedAt time.Time
}

// The outcomes of a TaskResumption.
const (
	ResumeSuccess = "success" // SendTaskSuccess with Output
	ResumeFailure = "failure" // SendTaskFailure with Error and Cause
)

// TaskResumption is an entry of the resumption outbox: "send task token T
// outcome O", written in the transaction that ended the payment and
// delivered to the engine after the commit. TaskToken is unique: a token is
// resumed once.
type TaskResumption struct {
	TaskToken string
	PaymentID string
	Outcome   string // ResumeSuccess or ResumeFailure
	Output    []byte // JSON, for ResumeSuccess
	Error     string // for ResumeFailure
	Cause     string // for ResumeFailure
	CreatedAt time.Time

	// Delivery. DueAt is when the next attempt may be made (a claim moves it
	// forward by a lease); DeliveredAt is zero until the engine took it.
	DueAt       time.Time
	Attempts    int
	LastError   string
	DeliveredAt time.Time
}

// PaymentTaskQueries is the part of PaymentQueries about task tokens.
type PaymentTaskQueries interface {
	// PaymentTaskAdd binds a task token to a payment. ErrExists when that
	// token is bound to it already; ErrNotFound when the payment is missing.
	PaymentTaskAdd(ctx context.Context, t *PaymentTask) error
	// PaymentTaskList returns the tokens bound to a payment, oldest first.
	PaymentTaskList(ctx context.Context, paymentID string) ([]PaymentTask, error)
	// PaymentTaskDelete unbinds tokens of a payment; missing ones are ignored.
	PaymentTaskDelete(ctx context.Context, paymentID string, tokens ...string) error

	// TaskResumptionAdd appends resumptions to the outbox. ErrExists when a
	// token has one already; then none is stored.
	TaskResumptionAdd(ctx context.Context, rs ...*TaskResumption) error
	// TaskResumptionGet returns the resumption of a token.
	TaskResumptionGet(ctx context.Context, token string) (*TaskResumption, error)
	// TaskResumptionClaimDue claims up to limit undelivered resumptions whose
	// DueAt is at or before now, earliest first: it sets their DueAt to
	// leaseUntil, increments Attempts and returns them. Concurrent callers
	// never get the same one (SKIP LOCKED on PostgreSQL).
	TaskResumptionClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*TaskResumption, error)
	// TaskResumptionDelivered sets DeliveredAt (and LastError, which says
	// how the engine took it). ErrNotFound when there is no such resumption.
	TaskResumptionDelivered(ctx context.Context, token string, at time.Time, note string) error
	// TaskResumptionRetry records a failed attempt: the next is due at dueAt.
	TaskResumptionRetry(ctx context.Context, token string, dueAt time.Time, lastError string) error
	// TaskResumptionCountUndelivered counts the resumptions not yet delivered.
	TaskResumptionCountUndelivered(ctx context.Context) (int64, error)
}

// SettingQueries keeps settings a server generates once.
type SettingQueries interface {
	// SettingInit stores value under name unless name has a value already,
	// and returns the stored value: concurrent callers all get the first.
	SettingInit(ctx context.Context, name, value string, at time.Time) (string, error)
}
