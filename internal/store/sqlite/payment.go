package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/internal/cursor"
)

var (
	_ store.PaymentStore   = (*Store)(nil)
	_ store.PaymentQueries = (*queries)(nil)
)

// PaymentInTx runs fn in one write transaction, as InTx.
func (s *Store) PaymentInTx(ctx context.Context, fn func(q store.PaymentTx) error) error {
	return s.InTx(ctx, func(q store.Queries) error { return fn(q.(*queries)) })
}

const paymentCols = `id, amount_minor, currency, psp, capture_method, created_at, customer, description, metadata,
psp_reference, payment_method, card_brand, card_last4, card_exp_month, card_exp_year, status, amount_captured,
amount_refunded, amount_refund_pending, failure_code, decline_code, failure_message, next_action_url, pending_op,
create_attempts, confirm_attempts, capture_attempts, cancel_attempts, last_event_at, updated_at, version`

func scanPayment(row interface{ Scan(...any) error }) (*store.Payment, error) {
	var p store.Payment
	err := row.Scan(&p.ID, &p.AmountMinor, &p.Currency, &p.PSP, &p.CaptureMethod, nullTime{&p.CreatedAt}, &p.Customer,
		&p.Description, &p.Metadata, &p.PSPReference, &p.PaymentMethod, &p.CardBrand, &p.CardLast4, &p.CardExpMonth,
		&p.CardExpYear, &p.Status, &p.AmountCaptured, &p.AmountRefunded, &p.AmountRefundPending, &p.FailureCode,
		&p.DeclineCode, &p.FailureMessage, &p.NextActionURL, &p.PendingOp, &p.CreateAttempts, &p.ConfirmAttempts,
		&p.CaptureAttempts, &p.CancelAttempts, nullTime{&p.LastEventAt}, nullTime{&p.UpdatedAt}, &p.Version)
	return &p, err
}

func scanPayments(rows *sql.Rows, err error) ([]*store.Payment, error) {
	return collect(rows, err, scanPayment)
}

// collect reads every row of a query with scan and closes rows; err is
// the query's, returned as it is.
func collect[T any](rows *sql.Rows, err error, scan func(row interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (q *queries) PaymentCreate(ctx context.Context, p *store.Payment, log ...store.PaymentTransition) error {
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO payments (`+paymentCols+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO NOTHING`,
			p.ID, p.AmountMinor, p.Currency, p.PSP, p.CaptureMethod, micros(p.CreatedAt), p.Customer, p.Description,
			blob(p.Metadata), p.PSPReference, p.PaymentMethod, p.CardBrand, p.CardLast4, p.CardExpMonth, p.CardExpYear,
			p.Status, p.AmountCaptured, p.AmountRefunded, p.AmountRefundPending, p.FailureCode, p.DeclineCode,
			p.FailureMessage, p.NextActionURL, p.PendingOp, p.CreateAttempts, p.ConfirmAttempts, p.CaptureAttempts,
			p.CancelAttempts, micros(p.LastEventAt), micros(p.UpdatedAt))
		if err != nil {
			return fmt.Errorf("create payment %s: %w", p.ID, err)
		}
		if affected(res) == 0 {
			return fmt.Errorf("payment %s: %w", p.ID, store.ErrExists)
		}
		return appendTransitions(ctx, tx, p.ID, log)
	})
	if err != nil {
		return err
	}
	p.Version = 1
	return nil
}

// appendTransitions numbers log after the payment's stored entries and
// inserts them.
func appendTransitions(ctx context.Context, tx *sql.Tx, paymentID string, log []store.PaymentTransition) error {
	if len(log) == 0 {
		return nil
	}
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM payment_transitions WHERE payment_id = ?`, paymentID).Scan(&last); err != nil {
		return fmt.Errorf("payment %s transitions: %w", paymentID, err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO payment_transitions (payment_id, seq, from_status, to_status, at, cause, psp_event_id, detail)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("payment %s transitions: %w", paymentID, err)
	}
	defer stmt.Close()
	for i := range log {
		t := &log[i]
		last++
		if _, err := stmt.ExecContext(ctx, paymentID, last, t.From, t.To, micros(t.At), t.Cause, t.PSPEventID, t.Detail); err != nil {
			return fmt.Errorf("payment %s transition %d: %w", paymentID, last, err)
		}
		t.PaymentID, t.Seq = paymentID, last
	}
	return nil
}

func (q *queries) PaymentGet(ctx context.Context, id string) (*store.Payment, error) {
	p, err := scanPayment(q.r.QueryRowContext(ctx, `SELECT `+paymentCols+` FROM payments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("payment", id)
	}
	if err != nil {
		return nil, fmt.Errorf("payment %s: %w", id, err)
	}
	return p, nil
}

func (q *queries) PaymentGetByPSPReference(ctx context.Context, psp, ref string) (*store.Payment, error) {
	p, err := scanPayment(q.r.QueryRowContext(ctx, `SELECT `+paymentCols+` FROM payments WHERE psp = ? AND psp_reference = ? AND psp_reference <> ''`, psp, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("payment with "+psp+" reference", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("payment with %s reference %s: %w", psp, ref, err)
	}
	return p, nil
}

// listCursor is the position after the last row of a page.
type listCursor struct {
	At int64 // microseconds
	ID string
}

func (q *queries) PaymentList(ctx context.Context, f store.PaymentFilter) ([]*store.Payment, string, error) {
	limit := store.PageLimit(f.Limit)
	var where []string
	var args []any
	if f.Customer != "" {
		where = append(where, "customer = ?")
		args = append(args, f.Customer)
	}
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, f.Status)
	}
	if !f.CreatedAfter.IsZero() {
		where = append(where, "created_at > ?")
		args = append(args, f.CreatedAfter.UnixMicro())
	}
	if !f.CreatedBefore.IsZero() {
		where = append(where, "created_at < ?")
		args = append(args, f.CreatedBefore.UnixMicro())
	}
	if f.Cursor != "" {
		var c listCursor
		if err := cursor.Decode(f.Cursor, &c); err != nil {
			return nil, "", err
		}
		where = append(where, "(created_at, id) < (?, ?)")
		args = append(args, c.At, c.ID)
	}
	query := `SELECT ` + paymentCols + ` FROM payments`
	if where != nil {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	out, err := scanPayments(q.r.QueryContext(ctx, query, append(args, limit+1)...))
	if err != nil {
		return nil, "", fmt.Errorf("list payments: %w", err)
	}
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		return out, cursor.Encode(listCursor{At: last.CreatedAt.UnixMicro(), ID: last.ID}), nil
	}
	return out, "", nil
}

func (q *queries) PaymentListPending(ctx context.Context, before time.Time, limit int) ([]*store.Payment, error) {
	if limit <= 0 {
		return nil, nil
	}
	out, err := scanPayments(q.r.QueryContext(ctx, `SELECT `+paymentCols+` FROM payments
WHERE pending_op <> '' AND updated_at <= ? ORDER BY updated_at, id LIMIT ?`, before.UnixMicro(), limit))
	if err != nil {
		return nil, fmt.Errorf("list pending payments: %w", err)
	}
	return out, nil
}

func (q *queries) PaymentSave(ctx context.Context, p *store.Payment, log ...store.PaymentTransition) error {
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE payments
SET customer = ?, description = ?, metadata = ?, psp_reference = ?, payment_method = ?, card_brand = ?, card_last4 = ?,
	card_exp_month = ?, card_exp_year = ?, status = ?, amount_captured = ?, amount_refunded = ?, amount_refund_pending = ?,
	failure_code = ?, decline_code = ?, failure_message = ?, next_action_url = ?, pending_op = ?, create_attempts = ?,
	confirm_attempts = ?, capture_attempts = ?, cancel_attempts = ?, last_event_at = ?, updated_at = ?, version = version + 1
WHERE id = ? AND version = ?`,
			p.Customer, p.Description, blob(p.Metadata), p.PSPReference, p.PaymentMethod, p.CardBrand, p.CardLast4,
			p.CardExpMonth, p.CardExpYear, p.Status, p.AmountCaptured, p.AmountRefunded, p.AmountRefundPending,
			p.FailureCode, p.DeclineCode, p.FailureMessage, p.NextActionURL, p.PendingOp, p.CreateAttempts,
			p.ConfirmAttempts, p.CaptureAttempts, p.CancelAttempts, micros(p.LastEventAt), micros(p.UpdatedAt),
			p.ID, p.Version)
		if err != nil {
			return fmt.Errorf("save payment %s: %w", p.ID, err)
		}
		if affected(res) == 0 {
			return movedOrMissing(ctx, tx, "payment", `SELECT 1 FROM payments WHERE id = ?`, p.ID)
		}
		return appendTransitions(ctx, tx, p.ID, log)
	})
	if err != nil {
		return err
	}
	p.Version++
	return nil
}

// movedOrMissing tells why a versioned update changed no row.
func movedOrMissing(ctx context.Context, db dbtx, what, query, id string) error {
	ok, err := exists(ctx, db, query, id)
	switch {
	case err != nil:
		return fmt.Errorf("%s %s: %w", what, id, err)
	case !ok:
		return notFound(what, id)
	}
	return fmt.Errorf("%s %s was changed by someone else: %w", what, id, store.ErrConflict)
}

func (q *queries) PaymentTransitionList(ctx context.Context, paymentID string) ([]store.PaymentTransition, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT payment_id, seq, from_status, to_status, at, cause, psp_event_id, detail
FROM payment_transitions WHERE payment_id = ? ORDER BY seq`, paymentID)
	out, err := collect(rows, err, func(row interface{ Scan(...any) error }) (store.PaymentTransition, error) {
		var t store.PaymentTransition
		err := row.Scan(&t.PaymentID, &t.Seq, &t.From, &t.To, nullTime{&t.At}, &t.Cause, &t.PSPEventID, &t.Detail)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("payment %s transitions: %w", paymentID, err)
	}
	return out, nil
}

const refundCols = `id, payment_id, amount_minor, currency, psp, reason, metadata, created_at, status, psp_reference,
failure_reason, pending_op, attempts, updated_at, version`

func scanRefund(row interface{ Scan(...any) error }) (*store.Refund, error) {
	var r store.Refund
	err := row.Scan(&r.ID, &r.PaymentID, &r.AmountMinor, &r.Currency, &r.PSP, &r.Reason, &r.Metadata, nullTime{&r.CreatedAt},
		&r.Status, &r.PSPReference, &r.FailureReason, &r.PendingOp, &r.Attempts, nullTime{&r.UpdatedAt}, &r.Version)
	return &r, err
}

func scanRefunds(rows *sql.Rows, err error) ([]*store.Refund, error) {
	return collect(rows, err, scanRefund)
}

func (q *queries) RefundCreate(ctx context.Context, r *store.Refund) error {
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		ok, err := exists(ctx, tx, `SELECT 1 FROM payments WHERE id = ?`, r.PaymentID)
		if err != nil {
			return fmt.Errorf("refund %s: %w", r.ID, err)
		}
		if !ok {
			return notFound("payment", r.PaymentID)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO refunds (`+refundCols+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO NOTHING`,
			r.ID, r.PaymentID, r.AmountMinor, r.Currency, r.PSP, r.Reason, blob(r.Metadata), micros(r.CreatedAt), r.Status,
			r.PSPReference, r.FailureReason, r.PendingOp, r.Attempts, micros(r.UpdatedAt))
		if err != nil {
			return fmt.Errorf("create refund %s: %w", r.ID, err)
		}
		if affected(res) == 0 {
			return fmt.Errorf("refund %s: %w", r.ID, store.ErrExists)
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.Version = 1
	return nil
}

func (q *queries) RefundGet(ctx context.Context, id string) (*store.Refund, error) {
	r, err := scanRefund(q.r.QueryRowContext(ctx, `SELECT `+refundCols+` FROM refunds WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("refund", id)
	}
	if err != nil {
		return nil, fmt.Errorf("refund %s: %w", id, err)
	}
	return r, nil
}

func (q *queries) RefundGetByPSPReference(ctx context.Context, psp, ref string) (*store.Refund, error) {
	r, err := scanRefund(q.r.QueryRowContext(ctx, `SELECT `+refundCols+` FROM refunds WHERE psp = ? AND psp_reference = ? AND psp_reference <> ''`, psp, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("refund with "+psp+" reference", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("refund with %s reference %s: %w", psp, ref, err)
	}
	return r, nil
}

func (q *queries) RefundList(ctx context.Context, paymentID string) ([]*store.Refund, error) {
	out, err := scanRefunds(q.r.QueryContext(ctx, `SELECT `+refundCols+` FROM refunds WHERE payment_id = ? ORDER BY created_at, id`, paymentID))
	if err != nil {
		return nil, fmt.Errorf("payment %s refunds: %w", paymentID, err)
	}
	return out, nil
}

func (q *queries) RefundListPending(ctx context.Context, before time.Time, limit int) ([]*store.Refund, error) {
	if limit <= 0 {
		return nil, nil
	}
	out, err := scanRefunds(q.r.QueryContext(ctx, `SELECT `+refundCols+` FROM refunds
WHERE pending_op <> '' AND updated_at <= ? ORDER BY updated_at, id LIMIT ?`, before.UnixMicro(), limit))
	if err != nil {
		return nil, fmt.Errorf("list pending refunds: %w", err)
	}
	return out, nil
}

func (q *queries) RefundSave(ctx context.Context, r *store.Refund) error {
	w := q.writer()
	res, err := w.ExecContext(ctx, `UPDATE refunds
SET status = ?, psp_reference = ?, failure_reason = ?, pending_op = ?, attempts = ?, updated_at = ?, version = version + 1
WHERE id = ? AND version = ?`, r.Status, r.PSPReference, r.FailureReason, r.PendingOp, r.Attempts, micros(r.UpdatedAt), r.ID, r.Version)
	if err != nil {
		return fmt.Errorf("save refund %s: %w", r.ID, err)
	}
	if affected(res) == 0 {
		return movedOrMissing(ctx, w, "refund", `SELECT 1 FROM refunds WHERE id = ?`, r.ID)
	}
	r.Version++
	return nil
}

const domainEventCols = `seq, id, type, object_id, data, created_at`

func scanDomainEvents(rows *sql.Rows, err error) ([]*store.DomainEvent, error) {
	return collect(rows, err, func(row interface{ Scan(...any) error }) (*store.DomainEvent, error) {
		var e store.DomainEvent
		err := row.Scan(&e.Seq, &e.ID, &e.Type, &e.ObjectID, &e.Data, nullTime{&e.CreatedAt})
		return &e, err
	})
}

func (q *queries) DomainEventAppend(ctx context.Context, events ...*store.DomainEvent) error {
	if len(events) == 0 {
		return nil
	}
	seqs := make([]int64, len(events))
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO domain_events (id, type, object_id, data, created_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING seq`)
		if err != nil {
			return fmt.Errorf("append domain events: %w", err)
		}
		defer stmt.Close()
		var taken []string
		for i, e := range events {
			err := stmt.QueryRowContext(ctx, e.ID, e.Type, e.ObjectID, blob(e.Data), micros(e.CreatedAt)).Scan(&seqs[i])
			if errors.Is(err, sql.ErrNoRows) {
				taken = append(taken, e.ID)
				continue
			}
			if err != nil {
				return fmt.Errorf("domain event %s: %w", e.ID, err)
			}
		}
		if taken != nil {
			return &store.BatchError{Err: store.ErrExists, Keys: taken}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, e := range events {
		e.Seq = seqs[i]
	}
	return nil
}

func (q *queries) DomainEventList(ctx context.Context, f store.DomainEventFilter) ([]*store.DomainEvent, string, error) {
	limit := store.PageLimit(f.Limit)
	var where []string
	var args []any
	if f.Type != "" {
		where = append(where, "type = ?")
		args = append(args, f.Type)
	}
	if f.ObjectID != "" {
		where = append(where, "object_id = ?")
		args = append(args, f.ObjectID)
	}
	if f.Cursor != "" {
		var before int64
		if err := cursor.Decode(f.Cursor, &before); err != nil {
			return nil, "", err
		}
		where = append(where, "seq < ?")
		args = append(args, before)
	}
	query := `SELECT ` + domainEventCols + ` FROM domain_events`
	if where != nil {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY seq DESC LIMIT ?`
	out, err := scanDomainEvents(q.r.QueryContext(ctx, query, append(args, limit+1)...))
	if err != nil {
		return nil, "", fmt.Errorf("list domain events: %w", err)
	}
	if len(out) > limit {
		out = out[:limit]
		return out, cursor.Encode(out[limit-1].Seq), nil
	}
	return out, "", nil
}

func (q *queries) DomainEventListAfter(ctx context.Context, after int64, limit int) ([]*store.DomainEvent, error) {
	if limit <= 0 {
		return nil, nil
	}
	out, err := scanDomainEvents(q.r.QueryContext(ctx, `SELECT `+domainEventCols+` FROM domain_events
WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit))
	if err != nil {
		return nil, fmt.Errorf("list domain events after %d: %w", after, err)
	}
	return out, nil
}

const idempotencyCols = `scope, key, method, path, request_hash, created_at, status, body, finished_at`

func scanIdempotencyKey(row interface{ Scan(...any) error }) (*store.IdempotencyKey, error) {
	var k store.IdempotencyKey
	err := row.Scan(&k.Scope, &k.Key, &k.Method, &k.Path, &k.RequestHash, nullTime{&k.CreatedAt}, &k.Status, &k.Body, nullTime{&k.FinishedAt})
	return &k, err
}

func (q *queries) IdempotencyBegin(ctx context.Context, k *store.IdempotencyKey) (*store.IdempotencyKey, error) {
	var stored *store.IdempotencyKey
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (scope, key, method, path, request_hash, created_at)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, k.Scope, k.Key, k.Method, k.Path, k.RequestHash, micros(k.CreatedAt))
		if err != nil {
			return fmt.Errorf("idempotency key %q: %w", k.Key, err)
		}
		if affected(res) == 1 {
			return nil
		}
		stored, err = scanIdempotencyKey(tx.QueryRowContext(ctx, `SELECT `+idempotencyCols+` FROM idempotency_keys WHERE scope = ? AND key = ?`, k.Scope, k.Key))
		if err != nil {
			return fmt.Errorf("idempotency key %q: %w", k.Key, err)
		}
		return fmt.Errorf("idempotency key %q: %w", k.Key, store.ErrExists)
	})
	return stored, err
}

func (q *queries) IdempotencyFinish(ctx context.Context, scope, key string, status int, body []byte, at time.Time) error {
	res, err := q.writer().ExecContext(ctx, `UPDATE idempotency_keys SET status = ?, body = ?, finished_at = ?
WHERE scope = ? AND key = ? AND status = 0`, status, blob(body), micros(at), scope, key)
	if err != nil {
		return fmt.Errorf("idempotency key %q: %w", key, err)
	}
	if affected(res) == 0 {
		return fmt.Errorf("idempotency key %q in flight: %w", key, store.ErrNotFound)
	}
	return nil
}

func (q *queries) IdempotencyRelease(ctx context.Context, scope, key string, createdAt time.Time) error {
	res, err := q.writer().ExecContext(ctx, `DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND status = 0 AND created_at = ?`,
		scope, key, micros(createdAt))
	if err != nil {
		return fmt.Errorf("idempotency key %q: %w", key, err)
	}
	if affected(res) == 0 {
		return fmt.Errorf("idempotency key %q in flight: %w", key, store.ErrNotFound)
	}
	return nil
}

func (q *queries) IdempotencyDeleteBefore(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.writer().ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("delete idempotency keys: %w", err)
	}
	return affected(res), nil
}

const apiKeyCols = `id, kind, name, hint, hash, created_at, revoked_at`

func scanAPIKey(row interface{ Scan(...any) error }) (*store.APIKey, error) {
	var k store.APIKey
	err := row.Scan(&k.ID, &k.Kind, &k.Name, &k.Hint, &k.Hash, nullTime{&k.CreatedAt}, nullTime{&k.RevokedAt})
	return &k, err
}

func (q *queries) APIKeyCreate(ctx context.Context, k *store.APIKey) error {
	res, err := q.writer().ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		k.ID, k.Kind, k.Name, k.Hint, k.Hash, micros(k.CreatedAt), micros(k.RevokedAt))
	if err != nil {
		return fmt.Errorf("create api key %s: %w", k.ID, err)
	}
	if affected(res) == 0 {
		return fmt.Errorf("api key %s: %w", k.ID, store.ErrExists)
	}
	return nil
}

func (q *queries) APIKeyGetByHash(ctx context.Context, hash string) (*store.APIKey, error) {
	k, err := scanAPIKey(q.r.QueryRowContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("api key: %w", store.ErrNotFound) // the hash is not worth echoing
	}
	if err != nil {
		return nil, fmt.Errorf("api key: %w", err)
	}
	return k, nil
}

func (q *queries) APIKeyList(ctx context.Context) ([]*store.APIKey, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys ORDER BY created_at, id`)
	out, err := collect(rows, err, scanAPIKey)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return out, nil
}

func (q *queries) APIKeyRevoke(ctx context.Context, id string, at time.Time) error {
	w := q.writer()
	res, err := w.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, micros(at), id)
	if err != nil {
		return fmt.Errorf("revoke api key %s: %w", id, err)
	}
	if affected(res) == 0 {
		ok, err := exists(ctx, w, `SELECT 1 FROM api_keys WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("revoke api key %s: %w", id, err)
		}
		if !ok {
			return notFound("api key", id)
		}
	}
	return nil
}

func (q *queries) WebhookEventInsert(ctx context.Context, e *store.WebhookEvent) error {
	res, err := q.writer().ExecContext(ctx, `INSERT INTO webhook_events (provider, event_id, type, body, received_at, processed_at)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, e.Provider, e.EventID, e.Type, e.Body, micros(e.ReceivedAt), micros(e.ProcessedAt))
	if err != nil {
		return fmt.Errorf("webhook event %s %s: %w", e.Provider, e.EventID, err)
	}
	if affected(res) == 0 {
		return fmt.Errorf("webhook event %s %s: %w", e.Provider, e.EventID, store.ErrExists)
	}
	return nil
}

func (q *queries) WebhookEventGet(ctx context.Context, provider, eventID string) (*store.WebhookEvent, error) {
	var e store.WebhookEvent
	err := q.r.QueryRowContext(ctx, `SELECT provider, event_id, type, body, received_at, processed_at
FROM webhook_events WHERE provider = ? AND event_id = ?`, provider, eventID).
		Scan(&e.Provider, &e.EventID, &e.Type, &e.Body, nullTime{&e.ReceivedAt}, nullTime{&e.ProcessedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("webhook event "+provider, eventID)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook event %s %s: %w", provider, eventID, err)
	}
	return &e, nil
}

func (q *queries) WebhookEventMarkProcessed(ctx context.Context, provider, eventID string, at time.Time) error {
	res, err := q.writer().ExecContext(ctx, `UPDATE webhook_events SET processed_at = ? WHERE provider = ? AND event_id = ?`,
		micros(at), provider, eventID)
	if err != nil {
		return fmt.Errorf("webhook event %s %s: %w", provider, eventID, err)
	}
	if affected(res) == 0 {
		return notFound("webhook event "+provider, eventID)
	}
	return nil
}
