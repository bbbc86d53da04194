package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/store"
)

// The sandbox PSP's state (migration 0005). SQLite has one writer, so
// SandboxInTx's transactions take turns whole: a row read in one needs no
// lock, and a claim needs no SKIP LOCKED.

var (
	_ store.SandboxStore   = (*Store)(nil)
	_ store.SandboxQueries = (*queries)(nil)
)

// SandboxInTx runs fn in one write transaction, as InTx.
func (s *Store) SandboxInTx(ctx context.Context, fn func(q store.SandboxQueries) error) error {
	return s.InTx(ctx, func(q store.Queries) error { return fn(q.(*queries)) })
}

func (q *queries) SandboxObjectGet(ctx context.Context, kind, id string, _ bool) (*store.SandboxObject, error) {
	o := store.SandboxObject{Kind: kind, ID: id}
	err := q.r.QueryRowContext(ctx, `SELECT body, updated_at FROM sandbox_objects WHERE kind = ? AND id = ?`, kind, id).
		Scan(&o.Body, nullTime{&o.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("sandbox "+kind, id)
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox %s %s: %w", kind, id, err)
	}
	return &o, nil
}

func (q *queries) SandboxObjectPut(ctx context.Context, objs ...*store.SandboxObject) error {
	if len(objs) == 0 {
		return nil
	}
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		for _, o := range objs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sandbox_objects (kind, id, body, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
				o.Kind, o.ID, o.Body, micros(o.UpdatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put sandbox objects: %w", err)
	}
	return nil
}

const sandboxEventCols = `seq, id, type, body, created_at`

func scanSandboxEvent(row interface{ Scan(...any) error }) (*store.SandboxEvent, error) {
	var e store.SandboxEvent
	err := row.Scan(&e.Seq, &e.ID, &e.Type, &e.Body, nullTime{&e.CreatedAt})
	return &e, err
}

func (q *queries) SandboxEventAppend(ctx context.Context, events ...*store.SandboxEvent) error {
	if len(events) == 0 {
		return nil
	}
	seqs := make([]int64, len(events))
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		for i, e := range events {
			err := tx.QueryRowContext(ctx, `INSERT INTO sandbox_events (id, type, body, created_at) VALUES (?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING RETURNING seq`, e.ID, e.Type, e.Body, micros(e.CreatedAt)).Scan(&seqs[i])
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("sandbox event %s: %w", e.ID, store.ErrExists)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append sandbox events: %w", err)
	}
	for i, e := range events {
		e.Seq = seqs[i]
	}
	return nil
}

func (q *queries) SandboxEventGet(ctx context.Context, id string) (*store.SandboxEvent, error) {
	e, err := scanSandboxEvent(q.r.QueryRowContext(ctx, `SELECT `+sandboxEventCols+` FROM sandbox_events WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("sandbox event", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox event %s: %w", id, err)
	}
	return e, nil
}

func (q *queries) SandboxEventList(ctx context.Context) ([]*store.SandboxEvent, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+sandboxEventCols+` FROM sandbox_events ORDER BY seq`)
	out, err := collect(rows, err, scanSandboxEvent)
	if err != nil {
		return nil, fmt.Errorf("list sandbox events: %w", err)
	}
	return out, nil
}

func (q *queries) SandboxEventTrim(ctx context.Context, keep int) error {
	if _, err := q.writer().ExecContext(ctx, `DELETE FROM sandbox_events WHERE seq <= (SELECT max(seq) FROM sandbox_events) - ?`,
		max(keep, 1)); err != nil {
		return fmt.Errorf("trim sandbox events: %w", err)
	}
	return nil
}

const sandboxDeliveryCols = `id, event_id, event_type, body, due_at, attempts`

func scanSandboxDelivery(row interface{ Scan(...any) error }) (*store.SandboxDelivery, error) {
	var d store.SandboxDelivery
	err := row.Scan(&d.ID, &d.EventID, &d.EventType, &d.Body, nullTime{&d.DueAt}, &d.Attempts)
	return &d, err
}

func (q *queries) SandboxDeliveryAdd(ctx context.Context, ds ...*store.SandboxDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		for _, d := range ds {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sandbox_deliveries (event_id, event_type, body, due_at, attempts)
VALUES (?, ?, ?, ?, ?)`, d.EventID, d.EventType, d.Body, micros(d.DueAt), d.Attempts); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("queue sandbox deliveries: %w", err)
	}
	return nil
}

func (q *queries) SandboxDeliveryClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*store.SandboxDelivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []*store.SandboxDelivery
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+sandboxDeliveryCols+` FROM sandbox_deliveries WHERE due_at <= ?
ORDER BY due_at, id LIMIT ?`, micros(now), limit)
		if out, err = collect(rows, err, scanSandboxDelivery); err != nil || len(out) == 0 {
			return err
		}
		args := []any{micros(leaseUntil)}
		for _, d := range out {
			args = append(args, d.ID)
		}
		_, err = tx.ExecContext(ctx, `UPDATE sandbox_deliveries SET due_at = ?, attempts = attempts + 1 WHERE id IN (?`+
			strings.Repeat(", ?", len(out)-1)+`)`, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim sandbox deliveries: %w", err)
	}
	for _, d := range out {
		d.DueAt, d.Attempts = leaseUntil.Truncate(time.Microsecond), d.Attempts+1
	}
	return out, nil
}

func (q *queries) SandboxDeliveryRetry(ctx context.Context, id int64, dueAt time.Time) error {
	res, err := q.writer().ExecContext(ctx, `UPDATE sandbox_deliveries SET due_at = ? WHERE id = ?`, micros(dueAt), id)
	if err != nil {
		return fmt.Errorf("retry sandbox delivery %d: %w", id, err)
	}
	if affected(res) == 0 {
		return notFound("sandbox delivery", fmt.Sprint(id))
	}
	return nil
}

func (q *queries) SandboxDeliveryDelete(ctx context.Context, id int64) error {
	res, err := q.writer().ExecContext(ctx, `DELETE FROM sandbox_deliveries WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete sandbox delivery %d: %w", id, err)
	}
	if affected(res) == 0 {
		return notFound("sandbox delivery", fmt.Sprint(id))
	}
	return nil
}

func (q *queries) SandboxJobAdd(ctx context.Context, jobs ...*store.SandboxJob) error {
	if len(jobs) == 0 {
		return nil
	}
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		for _, j := range jobs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sandbox_jobs (kind, ref, due_at) VALUES (?, ?, ?)`,
				j.Kind, j.Ref, micros(j.DueAt)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("queue sandbox jobs: %w", err)
	}
	return nil
}

func (q *queries) SandboxJobTakeDue(ctx context.Context, now time.Time, limit int) ([]*store.SandboxJob, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := q.writer().QueryContext(ctx, `DELETE FROM sandbox_jobs WHERE id IN (
	SELECT id FROM sandbox_jobs WHERE due_at <= ? ORDER BY due_at, id LIMIT ?)
RETURNING id, kind, ref, due_at`, micros(now), limit)
	out, err := collect(rows, err, func(row interface{ Scan(...any) error }) (*store.SandboxJob, error) {
		var j store.SandboxJob
		err := row.Scan(&j.ID, &j.Kind, &j.Ref, nullTime{&j.DueAt})
		return &j, err
	})
	if err != nil {
		return nil, fmt.Errorf("take sandbox jobs: %w", err)
	}
	slices.SortFunc(out, func(a, b *store.SandboxJob) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (q *queries) SandboxCountDue(ctx context.Context, now time.Time) (deliveries, jobs int64, err error) {
	err = q.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM sandbox_deliveries WHERE due_at <= ?),
	(SELECT count(*) FROM sandbox_jobs WHERE due_at <= ?)`, micros(now), micros(now)).Scan(&deliveries, &jobs)
	if err != nil {
		return 0, 0, fmt.Errorf("count sandbox work: %w", err)
	}
	return deliveries, jobs, nil
}

func (q *queries) SandboxIdempotencyGet(ctx context.Context, key string) (*store.SandboxIdempotency, error) {
	e := store.SandboxIdempotency{Key: key}
	err := q.r.QueryRowContext(ctx, `SELECT fingerprint, status, body, created_at FROM sandbox_idempotency WHERE key = ?`, key).
		Scan(&e.Fingerprint, &e.Status, &e.Body, nullTime{&e.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("sandbox idempotency key", "")
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox idempotency key: %w", err)
	}
	return &e, nil
}

func (q *queries) SandboxIdempotencyPut(ctx context.Context, e *store.SandboxIdempotency) error {
	res, err := q.writer().ExecContext(ctx, `INSERT INTO sandbox_idempotency (key, fingerprint, status, body, created_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, e.Key, e.Fingerprint, e.Status, e.Body, micros(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("store sandbox idempotency key: %w", err)
	}
	if affected(res) == 0 {
		return fmt.Errorf("sandbox idempotency key: %w", store.ErrExists)
	}
	return nil
}

func (q *queries) SandboxIdempotencyDeleteBefore(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.writer().ExecContext(ctx, `DELETE FROM sandbox_idempotency WHERE created_at < ?`, micros(before))
	if err != nil {
		return 0, fmt.Errorf("delete sandbox idempotency keys: %w", err)
	}
	return affected(res), nil
}
