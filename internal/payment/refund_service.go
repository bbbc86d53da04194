package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/store"
)

// RefundParams describes a refund.
type RefundParams struct {
	PaymentID string
	Amount    int64 // minor units of the payment's currency; 0 refunds what remains
	Reason    string
	Metadata  map[string]string
	// ID, when set, is the refund's ID ("re_…"), chosen by a caller that
	// must refund at most once for one request (a state machine's task).
	// Refund with an ID that exists returns that refund, settling its PSP
	// call if a crash interrupted it. "" gives a new ID.
	ID string
}

// Refund refunds (part of) a succeeded payment. The amount is reserved on
// the payment before the PSP is called, so concurrent refunds never exceed
// what was captured. The refund is returned pending or settled, as the
// PSP's answer says; an unknown answer leaves it pending, for SettleRefund.
func (s *Service) Refund(ctx context.Context, in RefundParams) (*Refund, error) {
	if in.Amount < 0 {
		return nil, &InvalidError{Param: "amount", Message: "must be positive, or left out to refund what remains"}
	}
	for _, err := range []error{validateText("reason", in.Reason), validateMetadata(in.Metadata)} {
		if err != nil {
			return nil, err
		}
	}
	var r *Refund
	prev, found, err := createOnce(ctx, s, in.ID, "re", s.GetRefund, func(id string) error {
		_, err := s.update(ctx, in.PaymentID, func(p *Payment, now time.Time) ([]Entry, error) {
			amount := in.Amount
			if amount == 0 {
				amount = p.Refundable()
			}
			r = &Refund{
				ID: id, PaymentID: p.ID, Amount: money.New(amount, p.Amount.Currency), PSP: p.PSP, Reason: in.Reason,
				Metadata: in.Metadata, Status: RefundPending, Pending: true, Attempts: 1, CreatedAt: now, UpdatedAt: now,
			}
			moved, err := StartRefund(*p, *r, now)
			if err != nil {
				return nil, err
			}
			*p = moved
			return nil, nil
		}, func(ctx context.Context, q store.PaymentTx, p *Payment) error {
			rec, err := r.record()
			if err != nil {
				return err
			}
			if err := q.RefundCreate(ctx, rec); err != nil {
				return err
			}
			r.Version = rec.Version
			return q.DomainEventAppend(ctx, s.refundEvent("refund.created", r, ""))
		})
		if err != nil {
			return fmt.Errorf("refund payment %s: %w", in.PaymentID, err)
		}
		return nil
	})
	if found {
		return s.refundAgain(ctx, prev, in)
	}
	if err != nil {
		return nil, err
	}
	return s.callRefund(ctx, r)
}

// refundAgain answers a Refund of an ID that exists: the stored refund when
// it is of the same payment, its PSP call settled if it was interrupted.
func (s *Service) refundAgain(ctx context.Context, r *Refund, in RefundParams) (*Refund, error) {
	if r.PaymentID != in.PaymentID || (in.Amount != 0 && in.Amount != r.Amount.Minor) {
		return nil, &InvalidError{Param: "id", Message: fmt.Sprintf("refund %s exists with other parameters", r.ID)}
	}
	if r.Pending {
		return s.SettleRefund(ctx, r.ID)
	}
	return r, nil
}

func (s *Service) callRefund(ctx context.Context, r *Refund) (*Refund, error) {
	p, err := s.get(ctx, r.PaymentID)
	if err != nil {
		return nil, err
	}
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	re, callErr := callPSP(s, r.PSP, string(OpRefund), func(pr psp.Provider) (*psp.Refund, error) {
		return pr.Refund(cctx, psp.RefundParams{
			IdempotencyKey: r.IdempotencyKey(), Ref: p.PSPReference, Amount: r.Amount.Minor, Reason: r.Reason, Metadata: r.Metadata,
		})
	})
	outcome := psp.OutcomeOf(callErr)
	if outcome == psp.Unknown {
		s.log.WarnContext(ctx, "PSP outcome unknown; the refund will be settled", "refund_id", r.ID, "payment_id", r.PaymentID, "err", callErr)
		return s.GetRefund(ctx, r.ID)
	}
	attempt := r.Attempts
	r, err = s.updateRefund(cctx, r.ID, func(p *Payment, r *Refund, now time.Time) (RefundStatus, Cause, error) {
		if !r.Pending || r.Attempts != attempt {
			return "", Cause{}, errUnchanged
		}
		r.Pending, r.UpdatedAt = false, now
		if outcome == psp.Failed {
			r.FailureReason = callErr.Error()
			if pe, ok := errors.AsType[*psp.Error](callErr); ok && pe.Code != "" {
				r.FailureReason = pe.Code
			}
			return RefundFailed, Cause{Kind: CausePSPResponse, Detail: r.FailureReason}, nil
		}
		r.PSPReference = re.Ref
		if re.FailureReason != "" {
			r.FailureReason = re.FailureReason
		}
		return refundStatusOf(re.Status), Cause{Kind: CausePSPResponse}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("record refund: %w", err)
	}
	if outcome == psp.Failed {
		return r, fmt.Errorf("refund %s: %w", r.ID, callErr)
	}
	return r, nil
}

// updateRefund loads a refund and its payment in a transaction and lets fn
// change the refund; when fn names a settled status the refund is settled
// (SettleRefund) and both are stored with an event.
func (s *Service) updateRefund(ctx context.Context, id string, fn func(p *Payment, r *Refund, now time.Time) (RefundStatus, Cause, error)) (*Refund, error) {
	ctx = context.WithoutCancel(ctx)
	var out *Refund
	err := s.retryTx(ctx, func(q *tx) error {
		rec, err := q.RefundGet(ctx, id)
		if err != nil {
			return err
		}
		r, err := refundFromRecord(rec)
		if err != nil {
			return err
		}
		p, err := load(ctx, q, r.PaymentID)
		if err != nil {
			return err
		}
		now := s.clk.Now()
		out = r
		to, cause, err := fn(p, r, now)
		if errors.Is(err, errUnchanged) {
			return nil
		}
		if err != nil {
			return err
		}
		prev := r.Status
		if to != RefundPending && to != r.Status {
			moved, settled, err := SettleRefund(*p, *r, to, cause, now)
			if err != nil {
				return err
			}
			*p, *r = moved, settled
			if err := s.save(ctx, q, p, nil); err != nil {
				return err
			}
		}
		rrec, err := r.record()
		if err != nil {
			return err
		}
		if err := q.RefundSave(ctx, rrec); err != nil {
			return err
		}
		r.Version = rrec.Version
		if r.Status != prev {
			noteRefund(q, r)
			s.log.InfoContext(ctx, "refund settled", "refund_id", r.ID, "payment_id", r.PaymentID, "status", string(r.Status), "cause", string(cause.Kind))
			return q.DomainEventAppend(ctx, s.refundEvent("refund."+string(r.Status), r, cause.EventID))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SettleRefund finishes a refund whose PSP answer was lost, by repeating
// the call with the same key; a pending refund the PSP knows is read from
// the PSP instead.
func (s *Service) SettleRefund(ctx context.Context, id string) (*Refund, error) {
	r, err := s.GetRefund(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Pending {
		return s.callRefund(ctx, r)
	}
	if r.Status != RefundPending || r.PSPReference == "" {
		return r, nil
	}
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	re, err := callPSP(s, r.PSP, CallRetrieveRefund, func(pr psp.Provider) (*psp.Refund, error) { return pr.RetrieveRefund(cctx, r.PSPReference) })
	if err != nil {
		return r, fmt.Errorf("read refund %s from %s: %w", r.ID, r.PSP, err)
	}
	return s.updateRefund(cctx, id, func(p *Payment, r *Refund, now time.Time) (RefundStatus, Cause, error) {
		if re.FailureReason != "" {
			r.FailureReason = re.FailureReason
		}
		return refundStatusOf(re.Status), Cause{Kind: CausePSPStatus}, nil
	})
}

// GetRefund returns a refund.
func (s *Service) GetRefund(ctx context.Context, id string) (*Refund, error) {
	rec, err := s.st.RefundGet(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get refund: %w", err)
	}
	return refundFromRecord(rec)
}

// Refunds returns a payment's refunds, oldest first.
func (s *Service) Refunds(ctx context.Context, paymentID string) ([]*Refund, error) {
	recs, err := s.st.RefundList(ctx, paymentID)
	if err != nil {
		return nil, fmt.Errorf("list refunds: %w", err)
	}
	out := make([]*Refund, len(recs))
	for i, rec := range recs {
		if out[i], err = refundFromRecord(rec); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ApplyEvent applies a verified PSP webhook event to the payment or refund
// it is about, in q: the webhook intake's transaction, which also stored the
// raw event and resumes whatever waits on the payment. It returns the
// payment as the event left it and whether the event changed anything; an
// event about nothing paystep knows returns nil. A store.ErrConflict means
// another writer moved the payment meanwhile: run the transaction again.
func (s *Service) ApplyEvent(ctx context.Context, q store.PaymentTx, ev *psp.Event) (*Payment, bool, error) {
	now := s.clk.Now()
	if ev.Type.IsRefund() {
		return s.applyRefundEvent(ctx, q, ev, now)
	}
	if ev.Type == psp.EventOther {
		return nil, false, nil
	}
	p, err := s.eventPayment(ctx, q, ev)
	if p == nil || err != nil {
		return nil, false, err
	}
	orig := *p
	if p.PSPReference == "" && ev.IntentRef != "" {
		p.PSPReference = ev.IntentRef // the create call's answer was lost, the event was not
		if p.Pending == OpCreate {
			p.Pending = ""
		}
	}
	moved, entries, err := Apply(*p, ObserveEvent(ev), Cause{Kind: CauseWebhook, EventID: ev.ID}, now)
	if err != nil {
		return &orig, false, fmt.Errorf("apply %s event %s: %w", ev.Provider, ev.ID, err)
	}
	if len(entries) == 0 && moved.PSPReference == orig.PSPReference && moved.LastEventAt.Equal(orig.LastEventAt) {
		return &orig, false, nil
	}
	if err := s.save(ctx, q, &moved, entries); err != nil {
		return p, false, fmt.Errorf("apply %s event %s: %w", ev.Provider, ev.ID, err)
	}
	return &moved, len(entries) > 0, nil
}

// eventPayment finds the payment an event is about: by the payment ID in
// the intent's metadata, or by the PSP's reference.
func (s *Service) eventPayment(ctx context.Context, q store.PaymentTx, ev *psp.Event) (*Payment, error) {
	var (
		rec *store.Payment
		err error
	)
	switch {
	case ev.PaymentID != "":
		rec, err = q.PaymentGet(ctx, ev.PaymentID)
	case ev.IntentRef != "":
		rec, err = q.PaymentGetByPSPReference(ctx, ev.Provider, ev.IntentRef)
	default:
		return nil, nil
	}
	if errors.Is(err, store.ErrNotFound) {
		s.log.WarnContext(ctx, "PSP event about an unknown payment", "psp", ev.Provider, "psp_event_id", ev.ID)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s event %s: %w", ev.Provider, ev.ID, err)
	}
	if rec.PSP != ev.Provider || (rec.PSPReference != "" && ev.IntentRef != "" && rec.PSPReference != ev.IntentRef) {
		return nil, fmt.Errorf("%s event %s names payment %s, which %s knows as %s", ev.Provider, ev.ID, rec.ID, rec.PSP, rec.PSPReference)
	}
	return fromRecord(rec)
}

func (s *Service) applyRefundEvent(ctx context.Context, q store.PaymentTx, ev *psp.Event, now time.Time) (*Payment, bool, error) {
	to := refundStatusOf(ev.RefundStatus)
	if ev.Type == psp.EventRefundFailed {
		to = RefundFailed
	}
	if ev.RefundRef == "" || to == RefundPending {
		return nil, false, nil
	}
	rec, err := q.RefundGetByPSPReference(ctx, ev.Provider, ev.RefundRef)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil // not ours, or its create answer is being settled
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s event %s: %w", ev.Provider, ev.ID, err)
	}
	r, err := refundFromRecord(rec)
	if err != nil {
		return nil, false, err
	}
	p, err := load(ctx, q, r.PaymentID)
	if err != nil {
		return nil, false, err
	}
	if r.Status != RefundPending {
		return p, false, nil // settled already; events never move it back
	}
	cause := Cause{Kind: CauseWebhook, EventID: ev.ID, Detail: ev.FailureCode}
	moved, settled, err := SettleRefund(*p, *r, to, cause, now)
	if err != nil {
		return p, false, err
	}
	settled.Pending = false
	if to == RefundFailed {
		settled.FailureReason = firstOf(ev.FailureCode, ev.FailureMessage, "failed")
	}
	if err := s.save(ctx, q, &moved, nil); err != nil {
		return p, false, err
	}
	rrec, err := settled.record()
	if err != nil {
		return p, false, err
	}
	if err := q.RefundSave(ctx, rrec); err != nil {
		return p, false, err
	}
	noteRefund(q, &settled)
	return &moved, true, q.DomainEventAppend(ctx, s.refundEvent("refund."+string(settled.Status), &settled, ev.ID))
}

func (s *Service) refundEvent(typ string, r *Refund, pspEventID string) *store.DomainEvent {
	return s.event(typ, r.ID, r.UpdatedAt, EventData{
		ID: r.ID, Object: "refund", PaymentID: r.PaymentID, Status: string(r.Status), Amount: r.Amount.Minor,
		Currency: string(r.Amount.Currency), PSPEventID: pspEventID, FailureCode: r.FailureReason,
		At: r.UpdatedAt.Format(time.RFC3339Nano),
	})
}
