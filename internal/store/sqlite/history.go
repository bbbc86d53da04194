package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/paystep/paystep/internal/store"
)

// historyChunk is how many rows one INSERT of HistoryAppend writes: one
// statement per chunk instead of per row (6 parameters a row, far below
// SQLite's limit of 32,766).
const historyChunk = 32

func (q *queries) HistoryAppend(ctx context.Context, events ...store.HistoryEvent) error {
	if len(events) == 0 {
		return nil
	}
	err := q.atomic(ctx, func(tx *sql.Tx) error { return q.historyInsert(ctx, tx, events, true) })
	if errors.Is(err, errHistoryTaken) {
		// Some (execution, id) pair was taken: say which, row by row.
		err = q.atomic(ctx, func(tx *sql.Tx) error { return q.historyInsert(ctx, tx, events, false) })
	}
	return err
}

// errHistoryTaken is a chunk that inserted fewer rows than it held.
var errHistoryTaken = errors.New("history: some events exist")

// historyInsert writes events in chunks (or one by one, naming the taken
// keys). Events of missing executions make an ErrNotFound BatchError.
func (q *queries) historyInsert(ctx context.Context, tx *sql.Tx, events []store.HistoryEvent, chunked bool) error {
	var lookup *sql.Stmt // prepared at the first ARN q.ids does not know
	defer func() {
		if lookup != nil {
			lookup.Close()
		}
	}()
	ids := map[string]int64{} // execution ARN → id; 0 when missing
	arns := map[int64]string{}
	var missing, taken []string
	rows := make([]any, 0, 6*min(len(events), historyChunk))
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		stmt, err := q.prepare(ctx, tx, historyInsertSQL(n))
		if err != nil {
			return fmt.Errorf("append history: %w", err)
		}
		defer stmt.Close()
		res, err := stmt.ExecContext(ctx, rows...)
		if err != nil {
			return fmt.Errorf("append history: %w", err)
		}
		if affected(res) != int64(n) {
			if chunked {
				return errHistoryTaken
			}
			taken = append(taken, arns[rows[0].(int64)]+"#"+strconv.FormatInt(rows[1].(int64), 10))
		}
		rows, n = rows[:0], 0
		return nil
	}
	for _, ev := range events {
		id, ok := ids[ev.ExecutionARN]
		if !ok {
			id, ok = q.ids[ev.ExecutionARN] // saved or created in this transaction
			if ok {
				ids[ev.ExecutionARN] = id
				arns[id] = ev.ExecutionARN
			}
		}
		if !ok {
			if lookup == nil {
				var err error
				if lookup, err = q.prepare(ctx, tx, `SELECT id FROM executions WHERE arn = ?`); err != nil {
					return fmt.Errorf("append history: %w", err)
				}
			}
			err := lookup.QueryRowContext(ctx, ev.ExecutionARN).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				missing = append(missing, ev.ExecutionARN)
			} else if err != nil {
				return fmt.Errorf("execution %s: %w", ev.ExecutionARN, err)
			}
			ids[ev.ExecutionARN] = id
			arns[id] = ev.ExecutionARN
		}
		if id == 0 {
			continue
		}
		rows = append(rows, id, ev.ID, ev.PreviousID, micros(ev.Timestamp), ev.Type, blob(ev.Details))
		n++
		if n == historyChunk || !chunked {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	switch {
	case missing != nil:
		return &store.BatchError{Err: store.ErrNotFound, Keys: missing}
	case taken != nil:
		return &store.BatchError{Err: store.ErrExists, Keys: taken}
	}
	return nil
}

// historyInsertSQL inserts n rows, leaving rows that exist alone.
func historyInsertSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO history (execution_id, id, previous_id, ts, type, details) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(" ON CONFLICT DO NOTHING")
	return b.String()
}

func (q *queries) HistoryList(ctx context.Context, f store.HistoryFilter) ([]store.HistoryEvent, bool, error) {
	limit := store.PageLimit(f.Limit)
	query := `SELECT h.id, h.previous_id, h.ts, h.type, h.details FROM history h JOIN executions e ON e.id = h.execution_id
WHERE e.arn = ? AND h.id > ? ORDER BY h.id LIMIT ?`
	after := f.AfterID
	if f.Reverse {
		query = `SELECT h.id, h.previous_id, h.ts, h.type, h.details FROM history h JOIN executions e ON e.id = h.execution_id
WHERE e.arn = ? AND h.id < ? ORDER BY h.id DESC LIMIT ?`
		if after <= 0 {
			after = 1<<63 - 1
		}
	}
	rows, err := q.r.QueryContext(ctx, query, f.ExecutionARN, after, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("execution %s history: %w", f.ExecutionARN, err)
	}
	defer rows.Close()
	var out []store.HistoryEvent
	for rows.Next() {
		ev := store.HistoryEvent{ExecutionARN: f.ExecutionARN}
		if err := rows.Scan(&ev.ID, &ev.PreviousID, nullTime{&ev.Timestamp}, &ev.Type, &ev.Details); err != nil {
			return nil, false, fmt.Errorf("execution %s history: %w", f.ExecutionARN, err)
		}
		if len(out) == limit {
			return out, true, nil
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("execution %s history: %w", f.ExecutionARN, err)
	}
	return out, false, nil
}
