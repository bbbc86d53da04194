package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/internal/cursor"
)

var (
	_ store.PaymentStore   = (*Store)(nil)
	_ store.PaymentQueries = (*queries)(nil)
)

// PaymentInTx runs fn in one transaction, as InTx.
func (s *Store) PaymentInTx(ctx context.Context, fn func(q store.PaymentTx) error) error {
	return s.InTx(ctx, func(q store.Queries) error { return fn(q.(*queries)) })
}

const paymentCols = `id, amount_minor, currency, psp, capture_method, created_at, customer, description, metadata,
psp_reference, payment_method, card_brand, card_last4, card_exp_month, card_exp_year, status, amount_captured,
amount_refunded, amount_refund_pending, failure_code, decline_code, failure_message, next_action_url, pending_op,
create_attempts, confirm_attempts, capture_attempts, cancel_attempts, last_event_at, updated_at, version`

func scanPayment(row pgx.Row) (*store.Payment, error) {
	var p store.Payment
	err := row.Scan(&p.ID, &p.AmountMinor, &p.Currency, &p.PSP, &p.CaptureMethod, scanTime(&p.CreatedAt), &p.Customer,
		&p.Description, &p.Metadata, &p.PSPReference, &p.PaymentMethod, &p.CardBrand, &p.CardLast4, &p.CardExpMonth,
		&p.CardExpYear, &p.Status, &p.AmountCaptured, &p.AmountRefunded, &p.AmountRefundPending, &p.FailureCode,
		&p.DeclineCode, &p.FailureMessage, &p.NextActionURL, &p.PendingOp, &p.CreateAttempts, &p.ConfirmAttempts,
		&p.CaptureAttempts, &p.CancelAttempts, scanTime(&p.LastEventAt), scanTime(&p.UpdatedAt), &p.Version)
	return &p, err
}

// queryOne returns the row sql selects, read by scan; what names it in
// errors, store.ErrNotFound when there is none.
func queryOne[T any](ctx context.Context, q *queries, what string, scan func(pgx.Row) (T, error), sql string, args ...any) (T, error) {
	var zero T
	db, done, err := q.conn(ctx)
	if err != nil {
		return zero, err
	}
	defer done()
	v, err := scan(db.QueryRow(ctx, sql, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return zero, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return zero, failed(what, err)
	}
	return v, nil
}

// queryAll returns the rows sql selects (or an UPDATE … RETURNING
// returns), each read by scan; what names them in errors.
func queryAll[T any](ctx context.Context, q *queries, what string, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, failed(what, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
	if err != nil {
		return nil, failed(what, err)
	}
	return out, nil
}

func (q *queries) PaymentCreate(ctx context.Context, p *store.Payment, log ...store.PaymentTransition) error {
	err := q.atomic(ctx, func(db dbtx) error {
		tag, err := db.Exec(ctx, `INSERT INTO payments (`+paymentCols+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
	$25, $26, $27, $28, $29, $30, 1) ON CONFLICT DO NOTHING`,
			p.ID, p.AmountMinor, p.Currency, p.PSP, p.CaptureMethod, tz(p.CreatedAt), p.Customer, p.Description,
			p.Metadata, p.PSPReference, p.PaymentMethod, p.CardBrand, p.CardLast4, p.CardExpMonth, p.CardExpYear,
			p.Status, p.AmountCaptured, p.AmountRefunded, p.AmountRefundPending, p.FailureCode, p.DeclineCode,
			p.FailureMessage, p.NextActionURL, p.PendingOp, p.CreateAttempts, p.ConfirmAttempts, p.CaptureAttempts,
			p.CancelAttempts, tz(p.LastEventAt), tz(p.UpdatedAt))
		if err != nil {
			return failed("create payment "+p.ID, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("payment %s: %w", p.ID, store.ErrExists)
		}
		return appendTransitions(ctx, db, p.ID, 0, log)
	})
	if err != nil {
		return err
	}
	p.Version = 1
	return nil
}

// appendTransitions inserts log numbered after last, in one statement.
func appendTransitions(ctx context.Context, db dbtx, paymentID string, last int64, log []store.PaymentTransition) error {
	if len(log) == 0 {
		return nil
	}
	n := len(log)
	seqs, ats := make([]int64, n), make([]pgtype.Timestamptz, n)
	from, to, cause, event, detail := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, t := range log {
		seqs[i], ats[i] = last+int64(i)+1, tz(t.At)
		from[i], to[i], cause[i], event[i], detail[i] = t.From, t.To, t.Cause, t.PSPEventID, t.Detail
	}
	_, err := db.Exec(ctx, `INSERT INTO payment_transitions (payment_id, seq, from_status, to_status, at, cause, psp_event_id, detail)
SELECT $1, v.* FROM unnest($2::int8[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[]) AS v`,
		paymentID, seqs, from, to, ats, cause, event, detail)
	if err != nil {
		return failed("payment "+paymentID+" transitions", err)
	}
	for i := range log {
		log[i].PaymentID, log[i].Seq = paymentID, seqs[i]
	}
	return nil
}

func (q *queries) PaymentGet(ctx context.Context, id string) (*store.Payment, error) {
	return q.paymentWhere(ctx, "payment "+id, `id = $1`, id)
}

func (q *queries) PaymentGetByPSPReference(ctx context.Context, psp, ref string) (*store.Payment, error) {
	return q.paymentWhere(ctx, "payment with "+psp+" reference "+ref, `psp = $1 AND psp_reference = $2 AND psp_reference <> ''`, psp, ref)
}

func (q *queries) paymentWhere(ctx context.Context, what, where string, args ...any) (*store.Payment, error) {
	return queryOne(ctx, q, what, scanPayment, `SELECT `+paymentCols+` FROM payments WHERE `+where, args...)
}

// listCursor is the position after the last row of a page.
type listCursor struct {
	At int64 // microseconds
	ID string
}

// params numbers query arguments.
type params struct{ args []any }

func (p *params) add(v any) string {
	p.args = append(p.args, v)
	return "$" + strconv.Itoa(len(p.args))
}

func (q *queries) PaymentList(ctx context.Context, f store.PaymentFilter) ([]*store.Payment, string, error) {
	limit := store.PageLimit(f.Limit)
	var (
		where []string
		ps    params
	)
	if f.Customer != "" {
		where = append(where, "customer = "+ps.add(f.Customer))
	}
	if f.Status != "" {
		where = append(where, "status = "+ps.add(f.Status))
	}
	if !f.CreatedAfter.IsZero() {
		where = append(where, "created_at > "+ps.add(tz(f.CreatedAfter)))
	}
	if !f.CreatedBefore.IsZero() {
		where = append(where, "created_at < "+ps.add(tz(f.CreatedBefore)))
	}
	if f.Cursor != "" {
		var c listCursor
		if err := cursor.Decode(f.Cursor, &c); err != nil {
			return nil, "", err
		}
		where = append(where, "(created_at, id) < ("+ps.add(tz(time.UnixMicro(c.At)))+", "+ps.add(c.ID)+")")
	}
	query := `SELECT ` + paymentCols + ` FROM payments`
	if where != nil {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ` + ps.add(limit+1)
	out, err := queryAll(ctx, q, "list payments", scanPayment, query, ps.args...)
	if err != nil {
		return nil, "", err
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
	return queryAll(ctx, q, "list pending payments", scanPayment, `SELECT `+paymentCols+` FROM payments
WHERE pending_op <> '' AND updated_at <= $1 ORDER BY updated_at, id LIMIT $2`, tz(before), limit)
}

func (q *queries) PaymentSave(ctx context.Context, p *store.Payment, log ...store.PaymentTransition) error {
	err := q.atomic(ctx, func(db dbtx) error {
		tag, err := db.Exec(ctx, `UPDATE payments
SET customer = $3, description = $4, metadata = $5, psp_reference = $6, payment_method = $7, card_brand = $8,
	card_last4 = $9, card_exp_month = $10, card_exp_year = $11, status = $12, amount_captured = $13,
	amount_refunded = $14, amount_refund_pending = $15, failure_code = $16, decline_code = $17, failure_message = $18,
	next_action_url = $19, pending_op = $20, create_attempts = $21, confirm_attempts = $22, capture_attempts = $23,
	cancel_attempts = $24, last_event_at = $25, updated_at = $26, version = version + 1
WHERE id = $1 AND version = $2`,
			p.ID, p.Version, p.Customer, p.Description, p.Metadata, p.PSPReference, p.PaymentMethod, p.CardBrand,
			p.CardLast4, p.CardExpMonth, p.CardExpYear, p.Status, p.AmountCaptured, p.AmountRefunded,
			p.AmountRefundPending, p.FailureCode, p.DeclineCode, p.FailureMessage, p.NextActionURL, p.PendingOp,
			p.CreateAttempts, p.ConfirmAttempts, p.CaptureAttempts, p.CancelAttempts, tz(p.LastEventAt), tz(p.UpdatedAt))
		if err != nil {
			return failed("save payment "+p.ID, err)
		}
		if tag.RowsAffected() == 0 {
			return movedOrMissing(ctx, db, "payment", `SELECT 1 FROM payments WHERE id = $1`, p.ID)
		}
		if len(log) == 0 {
			return nil
		}
		var last int64
		if err := db.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM payment_transitions WHERE payment_id = $1`, p.ID).Scan(&last); err != nil {
			return failed("payment "+p.ID+" transitions", err)
		}
		return appendTransitions(ctx, db, p.ID, last, log)
	})
	if err != nil {
		return err
	}
	p.Version++
	return nil
}

// movedOrMissing tells why a versioned update changed no row.
func movedOrMissing(ctx context.Context, db dbtx, what, query, id string) error {
	var one int
	err := db.QueryRow(ctx, query, id).Scan(&one)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return notFound(what, id)
	case err != nil:
		return failed(what+" "+id, err)
	}
	return fmt.Errorf("%s %s was changed by someone else: %w", what, id, store.ErrConflict)
}

func (q *queries) PaymentTransitionList(ctx context.Context, paymentID string) ([]store.PaymentTransition, error) {
	return queryAll(ctx, q, "payment "+paymentID+" transitions", func(row pgx.Row) (store.PaymentTransition, error) {
		var t store.PaymentTransition
		err := row.Scan(&t.PaymentID, &t.Seq, &t.From, &t.To, scanTime(&t.At), &t.Cause, &t.PSPEventID, &t.Detail)
		return t, err
	}, `SELECT payment_id, seq, from_status, to_status, at, cause, psp_event_id, detail
FROM payment_transitions WHERE payment_id = $1 ORDER BY seq`, paymentID)
}

const refundCols = `id, payment_id, amount_minor, currency, psp, reason, metadata, created_at, status, psp_reference,
failure_reason, pending_op, attempts, updated_at, version`

func scanRefund(row pgx.Row) (*store.Refund, error) {
	var r store.Refund
	err := row.Scan(&r.ID, &r.PaymentID, &r.AmountMinor, &r.Currency, &r.PSP, &r.Reason, &r.Metadata, scanTime(&r.CreatedAt),
		&r.Status, &r.PSPReference, &r.FailureReason, &r.PendingOp, &r.Attempts, scanTime(&r.UpdatedAt), &r.Version)
	return &r, err
}

func (q *queries) RefundCreate(ctx context.Context, r *store.Refund) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	var found, inserted bool
	err = db.QueryRow(ctx, `WITH p AS (SELECT id FROM payments WHERE id = $2),
ins AS (
	INSERT INTO refunds (`+refundCols+`)
	SELECT $1, p.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1 FROM p
	ON CONFLICT DO NOTHING RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM p), EXISTS (SELECT 1 FROM ins)`,
		r.ID, r.PaymentID, r.AmountMinor, r.Currency, r.PSP, r.Reason, r.Metadata, tz(r.CreatedAt), r.Status,
		r.PSPReference, r.FailureReason, r.PendingOp, r.Attempts, tz(r.UpdatedAt)).Scan(&found, &inserted)
	if err != nil {
		return failed("create refund "+r.ID, err)
	}
	switch {
	case !found:
		return notFound("payment", r.PaymentID)
	case !inserted:
		return fmt.Errorf("refund %s: %w", r.ID, store.ErrExists)
	}
	r.Version = 1
	return nil
}

func (q *queries) RefundGet(ctx context.Context, id string) (*store.Refund, error) {
	return q.refundWhere(ctx, "refund "+id, `id = $1`, id)
}

func (q *queries) RefundGetByPSPReference(ctx context.Context, psp, ref string) (*store.Refund, error) {
	return q.refundWhere(ctx, "refund with "+psp+" reference "+ref, `psp = $1 AND psp_reference = $2 AND psp_reference <> ''`, psp, ref)
}

func (q *queries) refundWhere(ctx context.Context, what, where string, args ...any) (*store.Refund, error) {
	return queryOne(ctx, q, what, scanRefund, `SELECT `+refundCols+` FROM refunds WHERE `+where, args...)
}

func (q *queries) RefundList(ctx context.Context, paymentID string) ([]*store.Refund, error) {
	return queryAll(ctx, q, "payment "+paymentID+" refunds", scanRefund,
		`SELECT `+refundCols+` FROM refunds WHERE payment_id = $1 ORDER BY created_at, id`, paymentID)
}

func (q *queries) RefundListPending(ctx context.Context, before time.Time, limit int) ([]*store.Refund, error) {
	if limit <= 0 {
		return nil, nil
	}
	return queryAll(ctx, q, "list pending refunds", scanRefund, `SELECT `+refundCols+` FROM refunds
WHERE pending_op <> '' AND updated_at <= $1 ORDER BY updated_at, id LIMIT $2`, tz(before), limit)
}

func (q *queries) RefundSave(ctx context.Context, r *store.Refund) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	tag, err := db.Exec(ctx, `UPDATE refunds
SET status = $3, psp_reference = $4, failure_reason = $5, pending_op = $6, attempts = $7, updated_at = $8, version = version + 1
WHERE id = $1 AND version = $2`, r.ID, r.Version, r.Status, r.PSPReference, r.FailureReason, r.PendingOp, r.Attempts, tz(r.UpdatedAt))
	if err != nil {
		return failed("save refund "+r.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return movedOrMissing(ctx, db, "refund", `SELECT 1 FROM refunds WHERE id = $1`, r.ID)
	}
	r.Version++
	return nil
}

const domainEventCols = `seq, id, type, object_id, data, created_at`

func collectDomainEvents(rows pgx.Rows, err error) ([]*store.DomainEvent, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.DomainEvent, error) {
		var e store.DomainEvent
		err := row.Scan(&e.Seq, &e.ID, &e.Type, &e.ObjectID, &e.Data, scanTime(&e.CreatedAt))
		return &e, err
	})
}

// DomainEventAppend inserts the events in one statement and, when some IDs
// were taken, deletes the others again.
func (q *queries) DomainEventAppend(ctx context.Context, events ...*store.DomainEvent) error {
	if len(events) == 0 {
		return nil
	}
	n := len(events)
	ids, types, objects, data, created := make([]string, n), make([]string, n), make([]string, n), make([][]byte, n), make([]pgtype.Timestamptz, n)
	for i, e := range events {
		ids[i], types[i], objects[i], data[i], created[i] = e.ID, e.Type, e.ObjectID, e.Data, tz(e.CreatedAt)
	}
	seqs := map[string]int64{}
	err := q.atomic(ctx, func(db dbtx) error {
		rows, err := db.Query(ctx, `INSERT INTO domain_events (id, type, object_id, data, created_at)
SELECT v.id, v.type, v.object_id, v.data, v.created_at
FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::timestamptz[]) WITH ORDINALITY AS v (id, type, object_id, data, created_at, n)
ORDER BY v.n
ON CONFLICT DO NOTHING RETURNING id, seq`, ids, types, objects, data, created)
		if err != nil {
			return failed("append domain events", err)
		}
		var (
			id  string
			seq int64
		)
		_, err = pgx.ForEachRow(rows, []any{&id, &seq}, func() error { seqs[id] = seq; return nil })
		if err != nil {
			return failed("append domain events", err)
		}
		if len(seqs) == n {
			return nil
		}
		var taken, done []string
		for _, id := range ids {
			if _, ok := seqs[id]; ok {
				done = append(done, id)
			} else {
				taken = append(taken, id)
			}
		}
		if done != nil {
			if _, err := db.Exec(ctx, `DELETE FROM domain_events WHERE id = ANY($1)`, done); err != nil {
				return failed("append domain events", err)
			}
		}
		return &store.BatchError{Err: store.ErrExists, Keys: taken}
	})
	if err != nil {
		return err
	}
	for _, e := range events {
		e.Seq = seqs[e.ID]
	}
	return nil
}

func (q *queries) DomainEventList(ctx context.Context, f store.DomainEventFilter) ([]*store.DomainEvent, string, error) {
	limit := store.PageLimit(f.Limit)
	var (
		where []string
		ps    params
	)
	if f.Type != "" {
		where = append(where, "type = "+ps.add(f.Type))
	}
	if f.ObjectID != "" {
		where = append(where, "object_id = "+ps.add(f.ObjectID))
	}
	if f.Cursor != "" {
		var before int64
		if err := cursor.Decode(f.Cursor, &before); err != nil {
			return nil, "", err
		}
		where = append(where, "seq < "+ps.add(before))
	}
	query := `SELECT ` + domainEventCols + ` FROM domain_events`
	if where != nil {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY seq DESC LIMIT ` + ps.add(limit+1)
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, "", err
	}
	defer done()
	out, err := collectDomainEvents(db.Query(ctx, query, ps.args...))
	if err != nil {
		return nil, "", failed("list domain events", err)
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
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	out, err := collectDomainEvents(db.Query(ctx, `SELECT `+domainEventCols+` FROM domain_events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit))
	if err != nil {
		return nil, failed(fmt.Sprintf("list domain events after %d", after), err)
	}
	return out, nil
}

const idempotencyCols = `scope, key, method, path, request_hash, created_at, status, body, finished_at`

func (q *queries) IdempotencyBegin(ctx context.Context, k *store.IdempotencyKey) (*store.IdempotencyKey, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	what := fmt.Sprintf("idempotency key %q", k.Key)
	// A row that was taken when inserting may be released before it is
	// read: then insert again.
	for range 3 {
		tag, err := db.Exec(ctx, `INSERT INTO idempotency_keys (scope, key, method, path, request_hash, created_at)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, k.Scope, k.Key, k.Method, k.Path, k.RequestHash, tz(k.CreatedAt))
		if err != nil {
			return nil, failed(what, err)
		}
		if tag.RowsAffected() == 1 {
			return nil, nil
		}
		var s store.IdempotencyKey
		err = db.QueryRow(ctx, `SELECT `+idempotencyCols+` FROM idempotency_keys WHERE scope = $1 AND key = $2`, k.Scope, k.Key).
			Scan(&s.Scope, &s.Key, &s.Method, &s.Path, &s.RequestHash, scanTime(&s.CreatedAt), &s.Status, &s.Body, scanTime(&s.FinishedAt))
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, failed(what, err)
		}
		return &s, fmt.Errorf("%s: %w", what, store.ErrExists)
	}
	return nil, fmt.Errorf("%s keeps changing: %w", what, store.ErrConflict)
}

func (q *queries) IdempotencyFinish(ctx context.Context, scope, key string, status int, body []byte, at time.Time) error {
	return q.execOne(ctx, fmt.Sprintf("idempotency key %q in flight", key), `UPDATE idempotency_keys SET status = $3, body = $4, finished_at = $5
WHERE scope = $1 AND key = $2 AND status = 0`, scope, key, status, body, tz(at))
}

func (q *queries) IdempotencyRelease(ctx context.Context, scope, key string, createdAt time.Time) error {
	return q.execOne(ctx, fmt.Sprintf("idempotency key %q in flight", key),
		`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status = 0 AND created_at = $3`, scope, key, tz(createdAt))
}

// execOne runs a statement that must change a row; ErrNotFound if it changed none.
func (q *queries) execOne(ctx context.Context, what, sql string, args ...any) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	tag, err := db.Exec(ctx, sql, args...)
	if err != nil {
		return failed(what, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

func (q *queries) IdempotencyDeleteBefore(ctx context.Context, before time.Time) (int64, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return 0, err
	}
	defer done()
	tag, err := db.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, tz(before))
	if err != nil {
		return 0, failed("delete idempotency keys", err)
	}
	return tag.RowsAffected(), nil
}

const apiKeyCols = `id, kind, name, hint, hash, created_at, revoked_at`

func scanAPIKey(row pgx.Row) (*store.APIKey, error) {
	var k store.APIKey
	err := row.Scan(&k.ID, &k.Kind, &k.Name, &k.Hint, &k.Hash, scanTime(&k.CreatedAt), scanTime(&k.RevokedAt))
	return &k, err
}

func (q *queries) APIKeyCreate(ctx context.Context, k *store.APIKey) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	tag, err := db.Exec(ctx, `INSERT INTO api_keys (`+apiKeyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		k.ID, k.Kind, k.Name, k.Hint, k.Hash, tz(k.CreatedAt), tz(k.RevokedAt))
	if err != nil {
		return failed("create api key "+k.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("api key %s: %w", k.ID, store.ErrExists)
	}
	return nil
}

func (q *queries) APIKeyGetByHash(ctx context.Context, hash string) (*store.APIKey, error) {
	// The hash is not worth echoing.
	return queryOne(ctx, q, "api key", scanAPIKey, `SELECT `+apiKeyCols+` FROM api_keys WHERE hash = $1`, hash)
}

func (q *queries) APIKeyList(ctx context.Context) ([]*store.APIKey, error) {
	return queryAll(ctx, q, "list api keys", scanAPIKey, `SELECT `+apiKeyCols+` FROM api_keys ORDER BY created_at, id`)
}

func (q *queries) APIKeyRevoke(ctx context.Context, id string, at time.Time) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	var found bool
	err = db.QueryRow(ctx, `WITH u AS (UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING 1)
SELECT EXISTS (SELECT 1 FROM u) OR EXISTS (SELECT 1 FROM api_keys WHERE id = $1)`, id, tz(at)).Scan(&found)
	if err != nil {
		return failed("revoke api key "+id, err)
	}
	if !found {
		return notFound("api key", id)
	}
	return nil
}

func (q *queries) WebhookEventInsert(ctx context.Context, e *store.WebhookEvent) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	tag, err := db.Exec(ctx, `INSERT INTO webhook_events (provider, event_id, type, body, received_at, processed_at)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, e.Provider, e.EventID, e.Type, e.Body, tz(e.ReceivedAt), tz(e.ProcessedAt))
	if err != nil {
		return failed("webhook event "+e.Provider+" "+e.EventID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("webhook event %s %s: %w", e.Provider, e.EventID, store.ErrExists)
	}
	return nil
}

func (q *queries) WebhookEventGet(ctx context.Context, provider, eventID string) (*store.WebhookEvent, error) {
	return queryOne(ctx, q, "webhook event "+provider+" "+eventID, func(row pgx.Row) (*store.WebhookEvent, error) {
		var e store.WebhookEvent
		err := row.Scan(&e.Provider, &e.EventID, &e.Type, &e.Body, scanTime(&e.ReceivedAt), scanTime(&e.ProcessedAt))
		return &e, err
	}, `SELECT provider, event_id, type, body, received_at, processed_at
FROM webhook_events WHERE provider = $1 AND event_id = $2`, provider, eventID)
}

func (q *queries) WebhookEventMarkProcessed(ctx context.Context, provider, eventID string, at time.Time) error {
	return q.execOne(ctx, "webhook event "+provider+" "+eventID,
		`UPDATE webhook_events SET processed_at = $3 WHERE provider = $1 AND event_id = $2`, provider, eventID, tz(at))
}
