package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paystep/paystep/internal/store"
)

func (q *queries) PaymentTaskAdd(ctx context.Context, t *store.PaymentTask) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	// Insert only when the payment exists, so a missing one is ErrNotFound
	// rather than a foreign-key violation that would abort the transaction.
	tag, err := db.Exec(ctx, `INSERT INTO payment_tasks (payment_id, task_token, created_at)
SELECT id, $2, $3 FROM payments WHERE id = $1
ON CONFLICT DO NOTHING`, t.PaymentID, t.TaskToken, tz(t.CreatedAt))
	if err != nil {
		return failed("bind task to payment "+t.PaymentID, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM payments WHERE id = $1)`, t.PaymentID).Scan(&exists); err != nil {
		return failed("bind task to payment "+t.PaymentID, err)
	}
	if !exists {
		return notFound("payment", t.PaymentID)
	}
	return fmt.Errorf("task of payment %s: %w", t.PaymentID, store.ErrExists)
}

func (q *queries) PaymentTaskList(ctx context.Context, paymentID string) ([]store.PaymentTask, error) {
	return queryAll(ctx, q, "tasks of payment "+paymentID, func(row pgx.Row) (store.PaymentTask, error) {
		var t store.PaymentTask
		err := row.Scan(&t.PaymentID, &t.TaskToken, scanTime(&t.CreatedAt))
		return t, err
	}, `SELECT payment_id, task_token, created_at FROM payment_tasks
WHERE payment_id = $1 ORDER BY created_at, task_token`, paymentID)
}

func (q *queries) PaymentTaskDelete(ctx context.Context, paymentID string, tokens ...string) error {
	if len(tokens) == 0 {
		return nil
	}
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	if _, err := db.Exec(ctx, `DELETE FROM payment_tasks WHERE payment_id = $1 AND task_token = ANY($2)`, paymentID, tokens); err != nil {
		return failed("unbind tasks of payment "+paymentID, err)
	}
	return nil
}

const resumptionCols = `task_token, payment_id, outcome, output, error, cause, created_at, due_at, attempts, last_error, delivered_at`

func scanResumption(row pgx.Row) (*store.TaskResumption, error) {
	var r store.TaskResumption
	err := row.Scan(&r.TaskToken, &r.PaymentID, &r.Outcome, &r.Output, &r.Error, &r.Cause, scanTime(&r.CreatedAt),
		scanTime(&r.DueAt), &r.Attempts, &r.LastError, scanTime(&r.DeliveredAt))
	return &r, err
}

// TaskResumptionAdd inserts the resumptions one by one and, when some
// tokens were taken, deletes the others again.
func (q *queries) TaskResumptionAdd(ctx context.Context, rs ...*store.TaskResumption) error {
	if len(rs) == 0 {
		return nil
	}
	return q.atomic(ctx, func(db dbtx) error {
		var taken, added []string
		for _, r := range rs {
			tag, err := db.Exec(ctx, `INSERT INTO task_resumptions (`+resumptionCols+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
				r.TaskToken, r.PaymentID, r.Outcome, r.Output, r.Error, r.Cause, tz(r.CreatedAt), tz(r.DueAt), r.Attempts,
				r.LastError, tz(r.DeliveredAt))
			if err != nil {
				return failed("task resumption of payment "+r.PaymentID, err)
			}
			if tag.RowsAffected() == 0 {
				taken = append(taken, r.TaskToken)
			} else {
				added = append(added, r.TaskToken)
			}
		}
		if taken == nil {
			return nil
		}
		if added != nil {
			if _, err := db.Exec(ctx, `DELETE FROM task_resumptions WHERE task_token = ANY($1)`, added); err != nil {
				return failed("add task resumptions", err)
			}
		}
		return &store.BatchError{Err: store.ErrExists, Keys: taken}
	})
}

func (q *queries) TaskResumptionGet(ctx context.Context, token string) (*store.TaskResumption, error) {
	// The token is not worth echoing.
	return queryOne(ctx, q, "task resumption of a token", scanResumption,
		`SELECT `+resumptionCols+` FROM task_resumptions WHERE task_token = $1`, token)
}

func (q *queries) TaskResumptionClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*store.TaskResumption, error) {
	if limit <= 0 {
		return nil, nil
	}
	return queryAll(ctx, q, "claim task resumptions", scanResumption, `UPDATE task_resumptions r SET due_at = $2, attempts = r.attempts + 1
FROM (
	SELECT task_token FROM task_resumptions
	WHERE delivered_at IS NULL AND due_at <= $1
	ORDER BY due_at, task_token LIMIT $3
	FOR UPDATE SKIP LOCKED
) c
WHERE r.task_token = c.task_token
RETURNING r.task_token, r.payment_id, r.outcome, r.output, r.error, r.cause, r.created_at, r.due_at, r.attempts,
	r.last_error, r.delivered_at`, tz(now), tz(leaseUntil), limit)
}

func (q *queries) TaskResumptionDelivered(ctx context.Context, token string, at time.Time, note string) error {
	return q.execOne(ctx, "task resumption delivered", `UPDATE task_resumptions SET delivered_at = $1, last_error = $2
WHERE task_token = $3`, tz(at), note, token)
}

func (q *queries) TaskResumptionRetry(ctx context.Context, token string, dueAt time.Time, lastError string) error {
	return q.execOne(ctx, "task resumption retry", `UPDATE task_resumptions SET due_at = $1, last_error = $2
WHERE task_token = $3 AND delivered_at IS NULL`, tz(dueAt), lastError, token)
}

func (q *queries) TaskResumptionCountUndelivered(ctx context.Context) (int64, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return 0, err
	}
	defer done()
	var n int64
	if err := db.QueryRow(ctx, `SELECT count(*) FROM task_resumptions WHERE delivered_at IS NULL`).Scan(&n); err != nil {
		return 0, failed("count task resumptions", err)
	}
	return n, nil
}

func (q *queries) SettingInit(ctx context.Context, name, value string, at time.Time) (string, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	var stored string
	// The no-op update makes the row come back when it existed already.
	err = db.QueryRow(ctx, `INSERT INTO settings (name, value, created_at) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING value`, name, value, tz(at)).Scan(&stored)
	if err != nil {
		return "", failed("setting "+name, err)
	}
	return stored, nil
}
