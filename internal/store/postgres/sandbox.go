package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paystep/paystep/internal/store"
)

// The sandbox PSP's state (migration 0005). Several nodes share it: an
// object read with lock stays locked until the transaction ends, and
// deliveries and jobs are claimed with FOR UPDATE SKIP LOCKED.

var (
	_ store.SandboxStore   = (*Store)(nil)
	_ store.SandboxQueries = (*queries)(nil)
)

// SandboxInTx runs fn in one transaction, as InTx.
func (s *Store) SandboxInTx(ctx context.Context, fn func(q store.SandboxQueries) error) error {
	return s.InTx(ctx, func(q store.Queries) error { return fn(q.(*queries)) })
}

func (q *queries) SandboxObjectGet(ctx context.Context, kind, id string, lock bool) (*store.SandboxObject, error) {
	sql := `SELECT body, updated_at FROM sandbox_objects WHERE kind = $1 AND id = $2`
	if lock && q.tx != nil {
		sql += ` FOR UPDATE`
	}
	return queryOne(ctx, q, "sandbox "+kind+" "+id, func(row pgx.Row) (*store.SandboxObject, error) {
		o := store.SandboxObject{Kind: kind, ID: id}
		err := row.Scan(&o.Body, scanTime(&o.UpdatedAt))
		return &o, err
	}, sql, kind, id)
}

func (q *queries) SandboxObjectPut(ctx context.Context, objs ...*store.SandboxObject) error {
	if len(objs) == 0 {
		return nil
	}
	n := len(objs)
	kinds, ids, bodies, updated := make([]string, n), make([]string, n), make([][]byte, n), make([]time.Time, n)
	for i, o := range objs {
		kinds[i], ids[i], bodies[i], updated[i] = o.Kind, o.ID, o.Body, o.UpdatedAt.Truncate(time.Microsecond)
	}
	return q.execAll(ctx, "put sandbox objects", `INSERT INTO sandbox_objects (kind, id, body, updated_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::timestamptz[])
ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`, kinds, ids, bodies, updated)
}

// execAll runs one statement that changes no particular number of rows.
func (q *queries) execAll(ctx context.Context, what, sql string, args ...any) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	if _, err := db.Exec(ctx, sql, args...); err != nil {
		return failed(what, err)
	}
	return nil
}

const sandboxEventCols = `seq, id, type, body, created_at`

func scanSandboxEvent(row pgx.Row) (*store.SandboxEvent, error) {
	var e store.SandboxEvent
	err := row.Scan(&e.Seq, &e.ID, &e.Type, &e.Body, scanTime(&e.CreatedAt))
	return &e, err
}

// SandboxEventAppend inserts the events in one statement; when some IDs
// were taken, the statement is undone.
func (q *queries) SandboxEventAppend(ctx context.Context, events ...*store.SandboxEvent) error {
	if len(events) == 0 {
		return nil
	}
	n := len(events)
	ids, types, bodies, created := make([]string, n), make([]string, n), make([][]byte, n), make([]time.Time, n)
	for i, e := range events {
		ids[i], types[i], bodies[i], created[i] = e.ID, e.Type, e.Body, e.CreatedAt.Truncate(time.Microsecond)
	}
	seqs := map[string]int64{}
	err := q.atomic(ctx, func(db dbtx) error {
		return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { // a savepoint inside q's transaction
			rows, err := tx.Query(ctx, `INSERT INTO sandbox_events (id, type, body, created_at)
SELECT id, type, body, created_at FROM unnest($1::text[], $2::text[], $3::bytea[], $4::timestamptz[]) WITH ORDINALITY AS v(id, type, body, created_at, n)
ORDER BY n
ON CONFLICT (id) DO NOTHING RETURNING id, seq`, ids, types, bodies, created)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id string
				var seq int64
				if err := rows.Scan(&id, &seq); err != nil {
					rows.Close()
					return err
				}
				seqs[id] = seq
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if len(seqs) != n {
				return fmt.Errorf("sandbox event: %w", store.ErrExists)
			}
			return nil
		})
	})
	if errors.Is(err, store.ErrExists) {
		return fmt.Errorf("append sandbox events: %w", err)
	}
	if err != nil {
		return failed("append sandbox events", err)
	}
	for _, e := range events {
		e.Seq = seqs[e.ID]
	}
	return nil
}

func (q *queries) SandboxEventGet(ctx context.Context, id string) (*store.SandboxEvent, error) {
	return queryOne(ctx, q, "sandbox event "+id, scanSandboxEvent, `SELECT `+sandboxEventCols+` FROM sandbox_events WHERE id = $1`, id)
}

func (q *queries) SandboxEventList(ctx context.Context) ([]*store.SandboxEvent, error) {
	return queryAll(ctx, q, "list sandbox events", scanSandboxEvent, `SELECT `+sandboxEventCols+` FROM sandbox_events ORDER BY seq`)
}

func (q *queries) SandboxEventTrim(ctx context.Context, keep int) error {
	return q.execAll(ctx, "trim sandbox events",
		`DELETE FROM sandbox_events WHERE seq <= (SELECT max(seq) FROM sandbox_events) - $1`, max(keep, 1))
}

const sandboxDeliveryCols = `id, event_id, event_type, body, due_at, attempts`

func scanSandboxDelivery(row pgx.Row) (*store.SandboxDelivery, error) {
	var d store.SandboxDelivery
	err := row.Scan(&d.ID, &d.EventID, &d.EventType, &d.Body, scanTime(&d.DueAt), &d.Attempts)
	return &d, err
}

func (q *queries) SandboxDeliveryAdd(ctx context.Context, ds ...*store.SandboxDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	n := len(ds)
	eventIDs, types, bodies, due, attempts := make([]string, n), make([]string, n), make([][]byte, n), make([]time.Time, n), make([]int32, n)
	for i, d := range ds {
		eventIDs[i], types[i], bodies[i], due[i], attempts[i] = d.EventID, d.EventType, d.Body, d.DueAt.Truncate(time.Microsecond), int32(d.Attempts)
	}
	// ORDER BY n draws the IDs in the callers' order, which claims follow.
	return q.execAll(ctx, "queue sandbox deliveries", `INSERT INTO sandbox_deliveries (event_id, event_type, body, due_at, attempts)
SELECT event_id, event_type, body, due_at, attempts
FROM unnest($1::text[], $2::text[], $3::bytea[], $4::timestamptz[], $5::int[]) WITH ORDINALITY AS v(event_id, event_type, body, due_at, attempts, n)
ORDER BY n`, eventIDs, types, bodies, due, attempts)
}

func (q *queries) SandboxDeliveryClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*store.SandboxDelivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	type claimed struct {
		d   *store.SandboxDelivery
		due time.Time
	}
	out, err := queryAll(ctx, q, "claim sandbox deliveries", func(row pgx.Row) (claimed, error) {
		var c claimed
		var d store.SandboxDelivery
		err := row.Scan(&d.ID, &d.EventID, &d.EventType, &d.Body, scanTime(&d.DueAt), &d.Attempts, scanTime(&c.due))
		c.d = &d
		return c, err
	}, `WITH c AS (
	SELECT id, due_at FROM sandbox_deliveries WHERE due_at <= $1
	ORDER BY due_at, id LIMIT $3
	FOR UPDATE SKIP LOCKED
)
UPDATE sandbox_deliveries d SET due_at = $2, attempts = d.attempts + 1
FROM c WHERE d.id = c.id
RETURNING d.id, d.event_id, d.event_type, d.body, d.due_at, d.attempts, c.due_at`, tz(now), tz(leaseUntil), limit)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b claimed) int { return cmp.Or(a.due.Compare(b.due), cmp.Compare(a.d.ID, b.d.ID)) })
	ds := make([]*store.SandboxDelivery, len(out))
	for i, c := range out {
		ds[i] = c.d
	}
	return ds, nil
}

func (q *queries) SandboxDeliveryRetry(ctx context.Context, id int64, dueAt time.Time) error {
	return q.execOne(ctx, fmt.Sprintf("retry sandbox delivery %d", id), `UPDATE sandbox_deliveries SET due_at = $1 WHERE id = $2`, tz(dueAt), id)
}

func (q *queries) SandboxDeliveryDelete(ctx context.Context, id int64) error {
	return q.execOne(ctx, fmt.Sprintf("delete sandbox delivery %d", id), `DELETE FROM sandbox_deliveries WHERE id = $1`, id)
}

func (q *queries) SandboxJobAdd(ctx context.Context, jobs ...*store.SandboxJob) error {
	if len(jobs) == 0 {
		return nil
	}
	n := len(jobs)
	kinds, refs, due := make([]string, n), make([]string, n), make([]time.Time, n)
	for i, j := range jobs {
		kinds[i], refs[i], due[i] = j.Kind, j.Ref, j.DueAt.Truncate(time.Microsecond)
	}
	return q.execAll(ctx, "queue sandbox jobs", `INSERT INTO sandbox_jobs (kind, ref, due_at)
SELECT kind, ref, due_at FROM unnest($1::text[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS v(kind, ref, due_at, n)
ORDER BY n`, kinds, refs, due)
}

func (q *queries) SandboxJobTakeDue(ctx context.Context, now time.Time, limit int) ([]*store.SandboxJob, error) {
	if limit <= 0 {
		return nil, nil
	}
	out, err := queryAll(ctx, q, "take sandbox jobs", func(row pgx.Row) (*store.SandboxJob, error) {
		var j store.SandboxJob
		err := row.Scan(&j.ID, &j.Kind, &j.Ref, scanTime(&j.DueAt))
		return &j, err
	}, `DELETE FROM sandbox_jobs WHERE id IN (
	SELECT id FROM sandbox_jobs WHERE due_at <= $1 ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING id, kind, ref, due_at`, tz(now), limit)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *store.SandboxJob) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (q *queries) SandboxCountDue(ctx context.Context, now time.Time) (deliveries, jobs int64, err error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer done()
	err = db.QueryRow(ctx, `SELECT (SELECT count(*) FROM sandbox_deliveries WHERE due_at <= $1),
	(SELECT count(*) FROM sandbox_jobs WHERE due_at <= $1)`, tz(now)).Scan(&deliveries, &jobs)
	if err != nil {
		return 0, 0, failed("count sandbox work", err)
	}
	return deliveries, jobs, nil
}

func (q *queries) SandboxIdempotencyGet(ctx context.Context, key string) (*store.SandboxIdempotency, error) {
	return queryOne(ctx, q, "sandbox idempotency key", func(row pgx.Row) (*store.SandboxIdempotency, error) {
		e := store.SandboxIdempotency{Key: key}
		err := row.Scan(&e.Fingerprint, &e.Status, &e.Body, scanTime(&e.CreatedAt))
		return &e, err
	}, `SELECT fingerprint, status, body, created_at FROM sandbox_idempotency WHERE key = $1`, key)
}

func (q *queries) SandboxIdempotencyPut(ctx context.Context, e *store.SandboxIdempotency) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	tag, err := db.Exec(ctx, `INSERT INTO sandbox_idempotency (key, fingerprint, status, body, created_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, e.Key, e.Fingerprint, e.Status, e.Body, tz(e.CreatedAt))
	if err != nil {
		return failed("store sandbox idempotency key", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("sandbox idempotency key: %w", store.ErrExists)
	}
	return nil
}

func (q *queries) SandboxIdempotencyDeleteBefore(ctx context.Context, before time.Time) (int64, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return 0, err
	}
	defer done()
	tag, err := db.Exec(ctx, `DELETE FROM sandbox_idempotency WHERE created_at < $1`, tz(before))
	if err != nil {
		return 0, failed("delete sandbox idempotency keys", err)
	}
	return tag.RowsAffected(), nil
}
