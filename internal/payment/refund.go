package payment

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/store"
)

// RefundStatus is a refund's status.
type RefundStatus string

// The refund statuses: pending until the PSP settles it.
const (
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	RefundFailed    RefundStatus = "failed"
)

// Refund is a refund of (part of) a succeeded payment.
type Refund struct {
	ID            string
	PaymentID     string
	Amount        money.Amount
	PSP           string
	Reason        string
	Metadata      map[string]string
	Status        RefundStatus
	PSPReference  string
	FailureReason string
	Pending       bool // the PSP call's outcome is not yet recorded
	Attempts      int
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int64
}

// IdempotencyKey is the key of the refund's current attempt: "re_…:refund:1".
func (r *Refund) IdempotencyKey() string { return fmt.Sprintf("%s:%s:%d", r.ID, OpRefund, r.Attempts) }

// RefundError is a refund the payment cannot take.
type RefundError struct {
	PaymentID string
	Reason    string
}

func (e *RefundError) Error() string {
	return "payment " + e.PaymentID + ": cannot refund: " + e.Reason
}

// StartRefund reserves r's amount on p: the payment must have succeeded,
// and the amount must be positive, in the payment's currency and no more
// than what remains refundable (captured, less refunds settled or pending).
func StartRefund(p Payment, r Refund, now time.Time) (Payment, error) {
	fail := func(format string, args ...any) (Payment, error) {
		return p, &RefundError{PaymentID: p.ID, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case p.Status != Succeeded:
		return fail("it is %s; only a succeeded payment can be refunded", p.Status)
	case r.Amount.Currency != p.Amount.Currency:
		return fail("the refund is in %s, the payment in %s", r.Amount.Currency, p.Amount.Currency)
	case r.Amount.Minor <= 0:
		return fail("the amount must be positive")
	case r.Amount.Minor > p.Refundable():
		return fail("%s is more than the %s that remains refundable",
			r.Amount.Format(), money.New(p.Refundable(), p.Amount.Currency).Format())
	}
	p.AmountRefundPending += r.Amount.Minor
	p.UpdatedAt = now
	return p, nil
}

// SettleRefund moves a pending refund to succeeded or failed for cause and
// releases its reservation on p: a success adds to AmountRefunded. A
// refund is settled by the PSP (an answer, an event or a read), never by a
// request to our API; a settled refund cannot move again.
func SettleRefund(p Payment, r Refund, to RefundStatus, cause Cause, now time.Time) (Payment, Refund, error) {
	if r.Status != RefundPending || (to != RefundSucceeded && to != RefundFailed) || cause.Kind == CauseAPI {
		return p, r, fmt.Errorf("refund %s: cannot move from %s to %s on %s", r.ID, r.Status, to, cause.Kind)
	}
	p.AmountRefundPending -= r.Amount.Minor
	if to == RefundSucceeded {
		p.AmountRefunded += r.Amount.Minor
	}
	p.UpdatedAt, r.UpdatedAt = now, now
	r.Status = to
	return p, r, nil
}

// refundStatusOf maps the PSP's refund status; canceled counts as failed.
func refundStatusOf(s psp.RefundStatus) RefundStatus {
	switch s {
	case psp.RefundSucceeded:
		return RefundSucceeded
	case psp.RefundFailed, psp.RefundCanceled:
		return RefundFailed
	}
	return RefundPending
}

func (r *Refund) record() (*store.Refund, error) {
	var meta []byte
	if len(r.Metadata) > 0 {
		var err error
		if meta, err = json.Marshal(r.Metadata); err != nil {
			return nil, fmt.Errorf("refund %s metadata: %w", r.ID, err)
		}
	}
	pending := ""
	if r.Pending {
		pending = string(OpRefund)
	}
	return &store.Refund{
		ID: r.ID, PaymentID: r.PaymentID, AmountMinor: r.Amount.Minor, Currency: string(r.Amount.Currency), PSP: r.PSP,
		Reason: r.Reason, Metadata: meta, CreatedAt: r.CreatedAt, Status: string(r.Status), PSPReference: r.PSPReference,
		FailureReason: r.FailureReason, PendingOp: pending, Attempts: r.Attempts, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}, nil
}

func refundFromRecord(rec *store.Refund) (*Refund, error) {
	r := &Refund{
		ID: rec.ID, PaymentID: rec.PaymentID, Amount: money.New(rec.AmountMinor, money.Currency(rec.Currency)), PSP: rec.PSP,
		Reason: rec.Reason, Status: RefundStatus(rec.Status), PSPReference: rec.PSPReference, FailureReason: rec.FailureReason,
		Pending: rec.PendingOp != "", Attempts: rec.Attempts, CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt, Version: rec.Version,
	}
	if len(rec.Metadata) > 0 {
		if err := json.Unmarshal(rec.Metadata, &r.Metadata); err != nil {
			return nil, fmt.Errorf("refund %s metadata: %w", rec.ID, err)
		}
	}
	return r, nil
}
