package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/store"
)

func (q *queries) PaymentTaskAdd(ctx context.Context, t *store.PaymentTask) error {
	return q.atomic(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM payments WHERE id = ?`, t.PaymentID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("payment", t.PaymentID)
		}
		if err != nil {
			return fmt.Errorf("bind task to payment %s: %w", t.PaymentID, err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO payment_tasks (payment_id, task_token, created_at) VALUES (?, ?, ?)
ON CONFLICT DO NOTHING`, t.PaymentID, t.TaskToken, micros(t.CreatedAt))
		if err != nil {
			return fmt.Errorf("bind task to payment %s: %w", t.PaymentID, err)
		}
		if affected(res) == 0 {
			return fmt.Errorf("task of payment %s: %w", t.PaymentID, store.ErrExists)
		}
		return nil
	})
}

func (q *queries) PaymentTaskList(ctx context.Context, paymentID string) ([]store.PaymentTask, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT payment_id, task_token, created_at FROM payment_tasks
WHERE payment_id = ? ORDER BY created_at, task_token`, paymentID)
	out, err := collect(rows, err, func(row interface{ Scan(...any) error }) (store.PaymentTask, error) {
		var t store.PaymentTask
		err := row.Scan(&t.PaymentID, &t.TaskToken, nullTime{&t.CreatedAt})
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("tasks of payment %s: %w", paymentID, err)
	}
	return out, nil
}

func (q *queries) PaymentTaskDelete(ctx context.Context, paymentID string, tokens ...string) error {
	if len(tokens) == 0 {
		return nil
	}
	args := []any{paymentID}
	for _, t := range tokens {
		args = append(args, t)
	}
	_, err := q.writer().ExecContext(ctx, `DELETE FROM payment_tasks WHERE payment_id = ? AND task_token IN (?`+
		strings.Repeat(", ?", len(tokens)-1)+`)`, args...)
	if err != nil {
		return fmt.Errorf("unbind tasks of payment %s: %w", paymentID, err)
	}
	return nil
}

const resumptionCols = `task_token, payment_id, outcome, output, error, cause, created_at, due_at, attempts, last_error, delivered_at`

func scanResumption(row interface{ Scan(...any) error }) (*store.TaskResumption, error) {
	var r store.TaskResumption
	err := row.Scan(&r.TaskToken, &r.PaymentID, &r.Outcome, &r.Output, &r.Error, &r.Cause, nullTime{&r.CreatedAt},
		nullTime{&r.DueAt}, &r.Attempts, &r.LastError, nullTime{&r.DeliveredAt})
	return &r, err
}

func (q *queries) TaskResumptionAdd(ctx context.Context, rs ...*store.TaskResumption) error {
	if len(rs) == 0 {
		return nil
	}
	return q.atomic(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO task_resumptions (`+resumptionCols+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return fmt.Errorf("add task resumptions: %w", err)
		}
		defer stmt.Close()
		var taken []string
		for _, r := range rs {
			res, err := stmt.ExecContext(ctx, r.TaskToken, r.PaymentID, r.Outcome, blob(r.Output), r.Error, r.Cause,
				micros(r.CreatedAt), micros(r.DueAt), r.Attempts, r.LastError, micros(r.DeliveredAt))
			if err != nil {
				return fmt.Errorf("task resumption of payment %s: %w", r.PaymentID, err)
			}
			if affected(res) == 0 {
				taken = append(taken, r.TaskToken)
			}
		}
		if taken != nil {
			return &store.BatchError{Err: store.ErrExists, Keys: taken}
		}
		return nil
	})
}

func (q *queries) TaskResumptionGet(ctx context.Context, token string) (*store.TaskResumption, error) {
	r, err := scanResumption(q.r.QueryRowContext(ctx, `SELECT `+resumptionCols+` FROM task_resumptions WHERE task_token = ?`, token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("task resumption", "of a token")
	}
	if err != nil {
		return nil, fmt.Errorf("task resumption: %w", err)
	}
	return r, nil
}

func (q *queries) TaskResumptionClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*store.TaskResumption, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := q.writer().QueryContext(ctx, `UPDATE task_resumptions SET due_at = ?, attempts = attempts + 1
WHERE task_token IN (SELECT task_token FROM task_resumptions WHERE delivered_at IS NULL AND due_at <= ?
	ORDER BY due_at, task_token LIMIT ?)
RETURNING `+resumptionCols, micros(leaseUntil), micros(now), limit)
	out, err := collect(rows, err, scanResumption)
	if err != nil {
		return nil, fmt.Errorf("claim task resumptions: %w", err)
	}
	return out, nil
}

func (q *queries) TaskResumptionDelivered(ctx context.Context, token string, at time.Time, note string) error {
	res, err := q.writer().ExecContext(ctx, `UPDATE task_resumptions SET delivered_at = ?, last_error = ? WHERE task_token = ?`,
		micros(at), note, token)
	if err != nil {
		return fmt.Errorf("task resumption delivered: %w", err)
	}
	if affected(res) == 0 {
		return notFound("task resumption", "of a token")
	}
	return nil
}

func (q *queries) TaskResumptionRetry(ctx context.Context, token string, dueAt time.Time, lastError string) error {
	res, err := q.writer().ExecContext(ctx, `UPDATE task_resumptions SET due_at = ?, last_error = ? WHERE task_token = ? AND delivered_at IS NULL`,
		micros(dueAt), lastError, token)
	if err != nil {
		return fmt.Errorf("task resumption retry: %w", err)
	}
	if affected(res) == 0 {
		return notFound("undelivered task resumption", "of a token")
	}
	return nil
}

func (q *queries) TaskResumptionCountUndelivered(ctx context.Context) (int64, error) {
	var n int64
	if err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM task_resumptions WHERE delivered_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count task resumptions: %w", err)
	}
	return n, nil
}

func (q *queries) SettingInit(ctx context.Context, name, value string, at time.Time) (string, error) {
	var stored string
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			name, value, micros(at)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&stored)
	})
	if err != nil {
		return "", fmt.Errorf("setting %s: %w", name, err)
	}
	return stored, nil
}
