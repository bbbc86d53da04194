package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/internal/cursor"
)

const (
	executionCols = `arn, name, state_machine_arn, revision_id, input, started_at, status, output, error, cause, stopped_at,
state, last_event_id, due_at, owner, lease_until, redrive_count, redrive_date, version`
	// executionListCols leaves out the payloads and the snapshot.
	executionListCols = `arn, name, state_machine_arn, revision_id, NULL, started_at, status, NULL, error, cause, stopped_at,
NULL, last_event_id, due_at, owner, lease_until, redrive_count, redrive_date, version`
)

func scanExecution(row interface{ Scan(...any) error }) (*store.Execution, error) {
	var e store.Execution
	err := row.Scan(&e.ARN, &e.Name, &e.StateMachineARN, &e.RevisionID, &e.Input, nullTime{&e.StartedAt}, &e.Status,
		&e.Output, &e.Error, &e.Cause, nullTime{&e.StoppedAt}, &e.State, &e.LastEventID, nullTime{&e.DueAt},
		&e.Owner, nullTime{&e.LeaseUntil}, &e.RedriveCount, nullTime{&e.RedriveDate}, &e.Version)
	return &e, err
}

func scanExecutions(rows *sql.Rows, err error) ([]*store.Execution, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Execution
	for rows.Next() {
		e, err := scanExecution(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (q *queries) ExecutionCreate(ctx context.Context, execs ...*store.Execution) error {
	if len(execs) == 0 {
		return nil
	}
	ids := make(map[string]int64, len(execs))
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		stmt, err := q.prepare(ctx, tx, `INSERT INTO executions (`+executionCols+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO NOTHING RETURNING id`)
		if err != nil {
			return fmt.Errorf("create executions: %w", err)
		}
		defer stmt.Close()
		var taken []string
		for _, e := range execs {
			var id int64
			err := stmt.QueryRowContext(ctx, e.ARN, e.Name, e.StateMachineARN, e.RevisionID, blob(e.Input), micros(e.StartedAt),
				e.Status, blob(e.Output), e.Error, e.Cause, micros(e.StoppedAt), blob(e.State), e.LastEventID, micros(e.DueAt),
				e.Owner, micros(e.LeaseUntil), e.RedriveCount, micros(e.RedriveDate)).Scan(&id)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				taken = append(taken, e.ARN)
			case err != nil:
				return fmt.Errorf("execution %s: %w", e.ARN, err)
			default:
				ids[e.ARN] = id
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
	q.noteIDs(ids)
	for _, e := range execs {
		e.Version = 1
	}
	return nil
}

func (q *queries) ExecutionGet(ctx context.Context, arn string) (*store.Execution, error) {
	e, err := scanExecution(q.r.QueryRowContext(ctx, `SELECT `+executionCols+` FROM executions WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("execution", arn)
	}
	if err != nil {
		return nil, fmt.Errorf("execution %s: %w", arn, err)
	}
	return e, nil
}

func (q *queries) ExecutionVersions(ctx context.Context, arns ...string) (map[string]int64, error) {
	out := make(map[string]int64, len(arns))
	if len(arns) == 0 {
		return out, nil
	}
	list, err := json.Marshal(arns) // one statement whatever the number of ARNs
	if err != nil {
		return nil, fmt.Errorf("execution versions: %w", err)
	}
	rows, err := q.r.QueryContext(ctx, `SELECT arn, version FROM executions WHERE arn IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, fmt.Errorf("execution versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var arn string
		var version int64
		if err := rows.Scan(&arn, &version); err != nil {
			return nil, fmt.Errorf("execution versions: %w", err)
		}
		out[arn] = version
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("execution versions: %w", err)
	}
	return out, nil
}

// executionCursor is the position after the last execution of a page.
type executionCursor struct {
	StartedAt int64 // microseconds
	ID        int64
}

func (q *queries) ExecutionList(ctx context.Context, f store.ExecutionFilter) ([]*store.Execution, string, error) {
	limit := store.PageLimit(f.Limit)
	query, args, err := executionListQuery(f, limit)
	if err != nil {
		return nil, "", err
	}
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list executions: %w", err)
	}
	defer rows.Close()
	var (
		out  []*store.Execution
		last executionCursor
	)
	for rows.Next() {
		var c executionCursor
		e, err := scanExecution(scanFunc(func(dest ...any) error {
			return rows.Scan(append(dest, &c.ID, &c.StartedAt)...)
		}))
		if err != nil {
			return nil, "", fmt.Errorf("list executions: %w", err)
		}
		if len(out) == limit {
			return out, cursor.Encode(last), nil
		}
		out = append(out, e)
		last = c
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list executions: %w", err)
	}
	return out, "", nil
}

// unsuccessfulCondition is the condition of the partial index
// executions_unsuccessful: a query that names it can use the index.
const unsuccessfulCondition = `status IN ('FAILED', 'TIMED_OUT', 'ABORTED')`

// unsuccessful reports whether executions_unsuccessful holds the
// executions of status s.
func unsuccessful(s store.ExecutionStatus) bool {
	return s == store.ExecutionFailed || s == store.ExecutionTimedOut || s == store.ExecutionAborted
}

// executionListQuery is ExecutionList's query of a page of limit rows
// and one more.
func executionListQuery(f store.ExecutionFilter, limit int) (string, []any, error) {
	var where []string
	var args []any
	if f.StateMachineARN != "" {
		where = append(where, "state_machine_arn = ?")
		args = append(args, f.StateMachineARN)
	}
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, f.Status)
		if unsuccessful(f.Status) {
			where = append(where, unsuccessfulCondition)
		}
	}
	if f.Cursor != "" {
		var c executionCursor
		if err := cursor.Decode(f.Cursor, &c); err != nil {
			return "", nil, err
		}
		where = append(where, "(started_at, id) < (?, ?)")
		args = append(args, c.StartedAt, c.ID)
	}
	query := `SELECT ` + executionListCols + `, id, started_at FROM executions`
	if where != nil {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY started_at DESC, id DESC LIMIT ?`
	return query, append(args, limit+1), nil
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

func (q *queries) ExecutionSave(ctx context.Context, execs ...*store.Execution) error {
	if len(execs) == 0 {
		return nil
	}
	ids := make(map[string]int64, len(execs))
	err := q.atomic(ctx, func(tx *sql.Tx) error {
		stmt, err := q.prepare(ctx, tx, `UPDATE executions
SET status = ?, output = ?, error = ?, cause = ?, stopped_at = ?, state = ?, last_event_id = ?, due_at = ?,
	owner = ?, lease_until = ?, redrive_count = ?, redrive_date = ?, version = version + 1
WHERE arn = ? AND version = ?
RETURNING id`)
		if err != nil {
			return fmt.Errorf("save executions: %w", err)
		}
		defer stmt.Close()
		var missing, moved []string
		for _, e := range execs {
			var id int64
			err := stmt.QueryRowContext(ctx, e.Status, blob(e.Output), e.Error, e.Cause, micros(e.StoppedAt), blob(e.State),
				e.LastEventID, micros(e.DueAt), e.Owner, micros(e.LeaseUntil), e.RedriveCount, micros(e.RedriveDate),
				e.ARN, e.Version).Scan(&id)
			if err == nil {
				ids[e.ARN] = id
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("execution %s: %w", e.ARN, err)
			}
			ok, err := exists(ctx, tx, `SELECT 1 FROM executions WHERE arn = ?`, e.ARN)
			if err != nil {
				return fmt.Errorf("execution %s: %w", e.ARN, err)
			}
			if ok {
				moved = append(moved, e.ARN)
			} else {
				missing = append(missing, e.ARN)
			}
		}
		switch {
		case missing != nil:
			return &store.BatchError{Err: store.ErrNotFound, Keys: missing}
		case moved != nil:
			return &store.BatchError{Err: store.ErrConflict, Keys: moved}
		}
		return nil
	})
	if err != nil {
		return err
	}
	q.noteIDs(ids)
	for _, e := range execs {
		e.Version++
	}
	return nil
}

func exists(ctx context.Context, db dbtx, query string, args ...any) (bool, error) {
	var one int
	err := db.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (q *queries) ExecutionClaimDue(ctx context.Context, now time.Time, owner string, leaseUntil time.Time, limit int) ([]*store.Execution, error) {
	if limit <= 0 {
		return nil, nil
	}
	out, err := scanExecutions(q.writer().QueryContext(ctx, `UPDATE executions
SET owner = ?, lease_until = ?, version = version + 1
WHERE id IN (
	SELECT id FROM executions
	WHERE status = 'RUNNING' AND due_at IS NOT NULL AND due_at <= ? AND (owner = '' OR lease_until <= ?)
	ORDER BY due_at, id LIMIT ?)
RETURNING `+executionCols, owner, micros(leaseUntil), micros(now), micros(now), limit))
	if err != nil {
		return nil, fmt.Errorf("claim due executions: %w", err)
	}
	slices.SortFunc(out, func(a, b *store.Execution) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), strings.Compare(a.ARN, b.ARN))
	})
	return out, nil
}

func (q *queries) ExecutionClaimExpired(ctx context.Context, now time.Time, owner string, leaseUntil time.Time, limit int) ([]*store.Execution, error) {
	if limit <= 0 {
		return nil, nil
	}
	out, err := scanExecutions(q.writer().QueryContext(ctx, `UPDATE executions
SET owner = ?, lease_until = ?, version = version + 1
WHERE id IN (
	SELECT id FROM executions
	WHERE status = 'RUNNING' AND owner <> '' AND lease_until <= ?
	ORDER BY lease_until, id LIMIT ?)
RETURNING `+executionCols, owner, micros(leaseUntil), micros(now), limit))
	if err != nil {
		return nil, fmt.Errorf("claim expired executions: %w", err)
	}
	slices.SortFunc(out, func(a, b *store.Execution) int { return strings.Compare(a.ARN, b.ARN) })
	return out, nil
}

func (q *queries) ExecutionClaim(ctx context.Context, arn, owner string, now, leaseUntil time.Time) (*store.Execution, error) {
	w := q.writer()
	e, err := scanExecution(w.QueryRowContext(ctx, `UPDATE executions
SET owner = ?, lease_until = ?, version = version + 1
WHERE arn = ? AND (owner = '' OR owner = ? OR lease_until <= ?)
RETURNING `+executionCols, owner, micros(leaseUntil), arn, owner, micros(now)))
	if errors.Is(err, sql.ErrNoRows) {
		ok, err := exists(ctx, q.r, `SELECT 1 FROM executions WHERE arn = ?`, arn)
		switch {
		case err != nil:
			return nil, fmt.Errorf("execution %s: %w", arn, err)
		case !ok:
			return nil, notFound("execution", arn)
		}
		return nil, fmt.Errorf("execution %s is claimed by another owner: %w", arn, store.ErrConflict)
	}
	if err != nil {
		return nil, fmt.Errorf("claim execution %s: %w", arn, err)
	}
	return e, nil
}

func (q *queries) ExecutionRelease(ctx context.Context, owner string, arns ...string) error {
	if len(arns) == 0 {
		return nil
	}
	return q.atomic(ctx, func(tx *sql.Tx) error {
		stmt, err := q.prepare(ctx, tx, `UPDATE executions SET owner = '', lease_until = NULL WHERE arn = ? AND owner = ?`)
		if err != nil {
			return fmt.Errorf("release executions: %w", err)
		}
		defer stmt.Close()
		for _, arn := range arns {
			if _, err := stmt.ExecContext(ctx, arn, owner); err != nil {
				return fmt.Errorf("release execution %s: %w", arn, err)
			}
		}
		return nil
	})
}
