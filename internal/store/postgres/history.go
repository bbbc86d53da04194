package postgres

import (
	"context"
	"math"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/paystep/paystep/internal/store"
)

// HistoryAppend inserts all events in one statement, which inserts nothing
// unless every execution exists and no event is taken. Only an insert racing
// with another of the same events can insert part; that part is deleted.
func (q *queries) HistoryAppend(ctx context.Context, events ...store.HistoryEvent) error {
	if len(events) == 0 {
		return nil
	}
	n := len(events)
	arns, ids, prev := make([]string, n), make([]int64, n), make([]int64, n)
	times, types, details := make([]pgtype.Timestamptz, n), make([]string, n), make([][]byte, n)
	for i, ev := range events {
		arns[i], ids[i], prev[i] = ev.ExecutionARN, ev.ID, ev.PreviousID
		times[i], types[i], details[i] = tz(ev.Timestamp), ev.Type, ev.Details
	}
	insert := func(db dbtx) error {
		var inserted int64
		var missing, taken []string
		err := db.QueryRow(ctx, `WITH v AS (
	SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::timestamptz[], $5::text[], $6::bytea[])
	AS v (arn, id, previous_id, ts, type, details)
), j AS MATERIALIZED (
	SELECT e.id AS execution_id, v.* FROM v LEFT JOIN executions e ON e.arn = v.arn
), missing AS (
	SELECT array_agg(DISTINCT arn) AS arns FROM j WHERE execution_id IS NULL
), taken AS (
	SELECT array_agg(j.arn || '#' || j.id ORDER BY j.arn, j.id) AS keys
	FROM j JOIN history h ON h.execution_id = j.execution_id AND h.id = j.id
), ins AS (
	INSERT INTO history (execution_id, id, previous_id, ts, type, details)
	SELECT execution_id, id, previous_id, ts, type, details FROM j
	WHERE (SELECT arns FROM missing) IS NULL AND (SELECT keys FROM taken) IS NULL
	ON CONFLICT DO NOTHING
	RETURNING 1
)
SELECT (SELECT count(*) FROM ins), (SELECT arns FROM missing), (SELECT keys FROM taken)`,
			arns, ids, prev, times, types, details).Scan(&inserted, &missing, &taken)
		if err != nil {
			return failed("append history", err)
		}
		switch {
		case missing != nil:
			return &store.BatchError{Err: store.ErrNotFound, Keys: missing}
		case taken != nil:
			return &store.BatchError{Err: store.ErrExists, Keys: taken}
		case inserted == int64(n):
			return nil
		}
		return q.undoHistory(ctx, db, arns, ids)
	}
	return q.atomic(ctx, insert)
}

// undoHistory handles the race HistoryAppend's check cannot see: another
// transaction inserted some of the same events meanwhile. It deletes the
// events this transaction inserted and reports the taken ones.
func (q *queries) undoHistory(ctx context.Context, db dbtx, arns []string, ids []int64) error {
	rows, err := db.Query(ctx, `DELETE FROM history h USING executions e,
	unnest($1::text[], $2::int8[]) AS v (arn, id)
WHERE e.arn = v.arn AND h.execution_id = e.id AND h.id = v.id AND h.xmin = pg_current_xact_id()::xid
RETURNING v.arn, v.id`, arns, ids)
	if err != nil {
		return failed("append history", err)
	}
	mine := map[string]bool{}
	var arn string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&arn, &id}, func() error {
		mine[arn+"#"+strconv.FormatInt(id, 10)] = true
		return nil
	}); err != nil {
		return failed("append history", err)
	}
	var taken []string
	for i := range arns {
		if key := arns[i] + "#" + strconv.FormatInt(ids[i], 10); !mine[key] {
			taken = append(taken, key)
		}
	}
	return &store.BatchError{Err: store.ErrExists, Keys: taken}
}

func (q *queries) HistoryList(ctx context.Context, f store.HistoryFilter) ([]store.HistoryEvent, bool, error) {
	limit := store.PageLimit(f.Limit)
	query := `SELECT h.id, h.previous_id, h.ts, h.type, h.details FROM history h JOIN executions e ON e.id = h.execution_id
WHERE e.arn = $1 AND h.id > $2 ORDER BY h.id LIMIT $3`
	after := f.AfterID
	if f.Reverse {
		query = `SELECT h.id, h.previous_id, h.ts, h.type, h.details FROM history h JOIN executions e ON e.id = h.execution_id
WHERE e.arn = $1 AND h.id < $2 ORDER BY h.id DESC LIMIT $3`
		if after <= 0 {
			after = math.MaxInt64
		}
	}
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, false, err
	}
	defer done()
	rows, err := db.Query(ctx, query, f.ExecutionARN, after, limit+1)
	if err != nil {
		return nil, false, failed("execution "+f.ExecutionARN+" history", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.HistoryEvent, error) {
		ev := store.HistoryEvent{ExecutionARN: f.ExecutionARN}
		err := row.Scan(&ev.ID, &ev.PreviousID, scanTime(&ev.Timestamp), &ev.Type, &ev.Details)
		return ev, err
	})
	if err != nil {
		return nil, false, failed("execution "+f.ExecutionARN+" history", err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}
