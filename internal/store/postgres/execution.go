package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/internal/cursor"
)

const (
	executionCols = `arn, name, state_machine_arn, revision_id, input, started_at, status, output, error, cause, stopped_at,
state, last_event_id, due_at, owner, lease_until, redrive_count, redrive_date, version`
	// executionListCols leaves out the payloads and the snapshot.
	executionListCols = `arn, name, state_machine_arn, revision_id, NULL::bytea, started_at, status, NULL::bytea, error, cause, stopped_at,
NULL::bytea, last_event_id, due_at, owner, lease_until, redrive_count, redrive_date, version`
)

func executionDest(e *store.Execution) []any {
	return []any{&e.ARN, &e.Name, &e.StateMachineARN, &e.RevisionID, &e.Input, scanTime(&e.StartedAt), &e.Status,
		&e.Output, &e.Error, &e.Cause, scanTime(&e.StoppedAt), &e.State, &e.LastEventID, scanTime(&e.DueAt),
		&e.Owner, scanTime(&e.LeaseUntil), &e.RedriveCount, scanTime(&e.RedriveDate), &e.Version}
}

func scanExecution(row pgx.Row) (*store.Execution, error) {
	var e store.Execution
	err := row.Scan(executionDest(&e)...)
	return &e, err
}

func collectExecutions(rows pgx.Rows, err error) ([]*store.Execution, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Execution, error) { return scanExecution(row) })
}

// executionArrays holds a batch of executions column by column, for unnest.
type executionArrays struct {
	arn, name, machine, revision, status, errorText, cause, owner []string
	input, output, state                                          [][]byte
	started, stopped, due, lease, redriveDate                     []pgtype.Timestamptz
	lastEvent, version                                            []int64
	redriveCount                                                  []int32
}

func columns(execs []*store.Execution) *executionArrays {
	n := len(execs)
	a := &executionArrays{
		arn: make([]string, n), name: make([]string, n), machine: make([]string, n), revision: make([]string, n),
		status: make([]string, n), errorText: make([]string, n), cause: make([]string, n), owner: make([]string, n),
		input: make([][]byte, n), output: make([][]byte, n), state: make([][]byte, n),
		started: make([]pgtype.Timestamptz, n), stopped: make([]pgtype.Timestamptz, n), due: make([]pgtype.Timestamptz, n),
		lease: make([]pgtype.Timestamptz, n), redriveDate: make([]pgtype.Timestamptz, n),
		lastEvent: make([]int64, n), version: make([]int64, n), redriveCount: make([]int32, n),
	}
	for i, e := range execs {
		a.arn[i], a.name[i], a.machine[i], a.revision[i] = e.ARN, e.Name, e.StateMachineARN, e.RevisionID
		a.status[i], a.errorText[i], a.cause[i], a.owner[i] = string(e.Status), e.Error, e.Cause, e.Owner
		a.input[i], a.output[i], a.state[i] = e.Input, e.Output, e.State
		a.started[i], a.stopped[i], a.due[i] = tz(e.StartedAt), tz(e.StoppedAt), tz(e.DueAt)
		a.lease[i], a.redriveDate[i] = tz(e.LeaseUntil), tz(e.RedriveDate)
		a.lastEvent[i], a.version[i], a.redriveCount[i] = e.LastEventID, e.Version, int32(e.RedriveCount)
	}
	return a
}

func (q *queries) ExecutionCreate(ctx context.Context, execs ...*store.Execution) error {
	if len(execs) == 0 {
		return nil
	}
	if dup := duplicates(execs); dup != nil {
		return &store.BatchError{Err: store.ErrExists, Keys: dup}
	}
	a := columns(execs)
	create := func(db dbtx) error {
		rows, err := db.Query(ctx, `INSERT INTO executions (`+executionCols+`)
SELECT v.*, 1 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::timestamptz[], $7::text[],
	$8::bytea[], $9::text[], $10::text[], $11::timestamptz[], $12::bytea[], $13::int8[], $14::timestamptz[], $15::text[],
	$16::timestamptz[], $17::int4[], $18::timestamptz[]) AS v
ON CONFLICT DO NOTHING RETURNING arn`,
			a.arn, a.name, a.machine, a.revision, a.input, a.started, a.status, a.output, a.errorText, a.cause, a.stopped,
			a.state, a.lastEvent, a.due, a.owner, a.lease, a.redriveCount, a.redriveDate)
		if err != nil {
			return failed("create executions", err)
		}
		created, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return failed("create executions", err)
		}
		if len(created) == len(execs) {
			return nil
		}
		if len(created) > 0 { // undo, so that the call changes nothing
			if _, err := db.Exec(ctx, `DELETE FROM executions WHERE arn = ANY($1)`, created); err != nil {
				return failed("create executions", err)
			}
		}
		var taken []string
		for _, arn := range a.arn {
			if !slices.Contains(created, arn) {
				taken = append(taken, arn)
			}
		}
		return &store.BatchError{Err: store.ErrExists, Keys: taken}
	}
	var err error
	if len(execs) == 1 { // one row needs no undo, so no transaction
		err = q.run(ctx, create)
	} else {
		err = q.atomic(ctx, create)
	}
	if err != nil {
		return err
	}
	for _, e := range execs {
		e.Version = 1
	}
	return nil
}

// run runs fn on a connection, or on q's transaction.
func (q *queries) run(ctx context.Context, fn func(db dbtx) error) error {
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	return fn(db)
}

// duplicates returns the ARNs that occur more than once in execs.
func duplicates(execs []*store.Execution) []string {
	if len(execs) < 2 {
		return nil
	}
	seen := make(map[string]bool, len(execs))
	var dup []string
	for _, e := range execs {
		if seen[e.ARN] {
			dup = append(dup, e.ARN)
		}
		seen[e.ARN] = true
	}
	return dup
}

func (q *queries) ExecutionGet(ctx context.Context, arn string) (*store.Execution, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	e, err := scanExecution(db.QueryRow(ctx, `SELECT `+executionCols+` FROM executions WHERE arn = $1`, arn))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("execution", arn)
	}
	if err != nil {
		return nil, failed("execution "+arn, err)
	}
	return e, nil
}

func (q *queries) ExecutionVersions(ctx context.Context, arns ...string) (map[string]int64, error) {
	out := make(map[string]int64, len(arns))
	if len(arns) == 0 {
		return out, nil
	}
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	rows, err := db.Query(ctx, `SELECT arn, version FROM executions WHERE arn = ANY($1)`, arns)
	if err != nil {
		return nil, failed("execution versions", err)
	}
	defer rows.Close()
	for rows.Next() {
		var arn string
		var version int64
		if err := rows.Scan(&arn, &version); err != nil {
			return nil, failed("execution versions", err)
		}
		out[arn] = version
	}
	if err := rows.Err(); err != nil {
		return nil, failed("execution versions", err)
	}
	return out, nil
}

// executionCursor is the position after the last execution of a page.
type executionCursor struct {
	StartedAt int64 // microseconds
	ID        int64
}

// unsuccessfulCondition is the condition of the partial index
// executions_unsuccessful: a query that names it can use the index.
const unsuccessfulCondition = `status IN ('FAILED', 'TIMED_OUT', 'ABORTED')`

// unsuccessful reports whether executions_unsuccessful holds the
// executions of status s.
func unsuccessful(s store.ExecutionStatus) bool {
	return s == store.ExecutionFailed || s == store.ExecutionTimedOut || s == store.ExecutionAborted
}

func (q *queries) ExecutionList(ctx context.Context, f store.ExecutionFilter) ([]*store.Execution, string, error) {
	limit := store.PageLimit(f.Limit)
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.StateMachineARN != "" {
		where = append(where, "state_machine_arn = "+arg(f.StateMachineARN))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(string(f.Status)))
		if unsuccessful(f.Status) {
			where = append(where, unsuccessfulCondition)
		}
	}
	if f.Cursor != "" {
		var c executionCursor
		if err := cursor.Decode(f.Cursor, &c); err != nil {
			return nil, "", err
		}
		where = append(where, "(started_at, id) < ("+arg(time.UnixMicro(c.StartedAt))+"::timestamptz, "+arg(c.ID)+"::int8)")
	}
	query := `SELECT ` + executionListCols + `, id FROM executions`
	if where != nil {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY started_at DESC, id DESC LIMIT ` + arg(limit+1)
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, "", err
	}
	defer done()
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, "", failed("list executions", err)
	}
	var ids []int64
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Execution, error) {
		var e store.Execution
		var id int64
		err := row.Scan(append(executionDest(&e), &id)...)
		ids = append(ids, id)
		return &e, err
	})
	if err != nil {
		return nil, "", failed("list executions", err)
	}
	if len(out) <= limit {
		return out, "", nil
	}
	last := out[limit-1]
	return out[:limit], cursor.Encode(executionCursor{StartedAt: last.StartedAt.UnixMicro(), ID: ids[limit-1]}), nil
}

// ExecutionSave is one statement: it locks the rows, and updates them only
// if every version matches.
func (q *queries) ExecutionSave(ctx context.Context, execs ...*store.Execution) error {
	if len(execs) == 0 {
		return nil
	}
	if dup := duplicates(execs); dup != nil {
		return &store.BatchError{Err: store.ErrConflict, Keys: dup}
	}
	a := columns(execs)
	err := q.run(ctx, func(db dbtx) error {
		tag, err := db.Exec(ctx, `WITH v AS (
	SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::timestamptz[],
		$8::bytea[], $9::int8[], $10::timestamptz[], $11::text[], $12::timestamptz[], $13::int4[], $14::timestamptz[])
	AS v (arn, version, status, output, error, cause, stopped_at, state, last_event_id, due_at, owner, lease_until,
		redrive_count, redrive_date)
), cur AS MATERIALIZED (
	SELECT arn, version FROM executions WHERE arn = ANY($1::text[]) ORDER BY arn FOR NO KEY UPDATE
), bad AS (
	SELECT count(*) AS n FROM v LEFT JOIN cur ON cur.arn = v.arn AND cur.version = v.version WHERE cur.arn IS NULL
)
UPDATE executions e SET status = v.status, output = v.output, error = v.error, cause = v.cause,
	stopped_at = v.stopped_at, state = v.state, last_event_id = v.last_event_id, due_at = v.due_at, owner = v.owner,
	lease_until = v.lease_until, redrive_count = v.redrive_count, redrive_date = v.redrive_date, version = e.version + 1
FROM v WHERE e.arn = v.arn AND (SELECT n FROM bad) = 0`,
			a.arn, a.version, a.status, a.output, a.errorText, a.cause, a.stopped, a.state, a.lastEvent, a.due, a.owner,
			a.lease, a.redriveCount, a.redriveDate)
		if err != nil {
			return failed("save executions", err)
		}
		if tag.RowsAffected() == int64(len(execs)) {
			return nil
		}
		// Nothing was written; say why.
		rows, err := db.Query(ctx, `SELECT arn, version FROM executions WHERE arn = ANY($1)`, a.arn)
		if err != nil {
			return failed("save executions", err)
		}
		stored := map[string]int64{}
		var arn string
		var version int64
		if _, err := pgx.ForEachRow(rows, []any{&arn, &version}, func() error { stored[arn] = version; return nil }); err != nil {
			return failed("save executions", err)
		}
		var missing, moved []string
		for _, e := range execs {
			v, ok := stored[e.ARN]
			switch {
			case !ok:
				missing = append(missing, e.ARN)
			case v != e.Version:
				moved = append(moved, e.ARN)
			}
		}
		switch {
		case missing != nil:
			return &store.BatchError{Err: store.ErrNotFound, Keys: missing}
		case moved != nil:
			return &store.BatchError{Err: store.ErrConflict, Keys: moved}
		}
		// The versions matched when checked but not when locked.
		return &store.BatchError{Err: store.ErrConflict, Keys: a.arn}
	})
	if err != nil {
		return err
	}
	for _, e := range execs {
		e.Version++
	}
	return nil
}

func (q *queries) ExecutionClaimDue(ctx context.Context, now time.Time, owner string, leaseUntil time.Time, limit int) ([]*store.Execution, error) {
	if limit <= 0 {
		return nil, nil
	}
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	out, err := collectExecutions(db.Query(ctx, `UPDATE executions e
SET owner = $2, lease_until = $3, version = e.version + 1
FROM (
	SELECT id FROM executions
	WHERE status = 'RUNNING' AND due_at IS NOT NULL AND due_at <= $1 AND (owner = '' OR lease_until <= $1)
	ORDER BY due_at, id LIMIT $4
	FOR NO KEY UPDATE SKIP LOCKED
) c
WHERE e.id = c.id
RETURNING `+prefixed("e.", executionCols), tz(now), owner, tz(leaseUntil), limit))
	if err != nil {
		return nil, failed("claim due executions", err)
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
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	out, err := collectExecutions(db.Query(ctx, `UPDATE executions e
SET owner = $2, lease_until = $3, version = e.version + 1
FROM (
	SELECT id FROM executions
	WHERE status = 'RUNNING' AND owner <> '' AND lease_until <= $1
	ORDER BY lease_until, id LIMIT $4
	FOR NO KEY UPDATE SKIP LOCKED
) c
WHERE e.id = c.id
RETURNING `+prefixed("e.", executionCols), tz(now), owner, tz(leaseUntil), limit))
	if err != nil {
		return nil, failed("claim expired executions", err)
	}
	slices.SortFunc(out, func(a, b *store.Execution) int { return strings.Compare(a.ARN, b.ARN) })
	return out, nil
}

func (q *queries) ExecutionClaim(ctx context.Context, arn, owner string, now, leaseUntil time.Time) (*store.Execution, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	e, err := scanExecution(db.QueryRow(ctx, `UPDATE executions
SET owner = $2, lease_until = $4, version = version + 1
WHERE arn = $1 AND (owner = '' OR owner = $2 OR lease_until <= $3)
RETURNING `+executionCols, arn, owner, tz(now), tz(leaseUntil)))
	if errors.Is(err, pgx.ErrNoRows) {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM executions WHERE arn = $1`, arn).Scan(&n); err != nil {
			return nil, failed("execution "+arn, err)
		}
		if n == 0 {
			return nil, notFound("execution", arn)
		}
		return nil, fmt.Errorf("execution %s is claimed by another owner: %w", arn, store.ErrConflict)
	}
	if err != nil {
		return nil, failed("claim execution "+arn, err)
	}
	return e, nil
}

func (q *queries) ExecutionRelease(ctx context.Context, owner string, arns ...string) error {
	if len(arns) == 0 {
		return nil
	}
	db, done, err := q.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	if _, err := db.Exec(ctx, `UPDATE executions SET owner = '', lease_until = NULL WHERE arn = ANY($2) AND owner = $1`, owner, arns); err != nil {
		return failed("release executions", err)
	}
	return nil
}

// prefixed qualifies each column of a list with p.
func prefixed(p, cols string) string {
	fields := strings.Split(cols, ",")
	for i, f := range fields {
		fields[i] = p + strings.TrimSpace(f)
	}
	return strings.Join(fields, ", ")
}
