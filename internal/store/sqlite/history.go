package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/paystep/paystep/internal/store"
)

func (q *queries) HistoryAppend(ctx context.Context, events ...store.HistoryEvent) error {
	if len(events) == 0 {
		return nil
	}
	return q.atomic(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO history (execution_id, id, previous_id, ts, type, details)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return fmt.Errorf("append history: %w", err)
		}
		defer stmt.Close()
		lookup, err := tx.PrepareContext(ctx, `SELECT id FROM executions WHERE arn = ?`)
		if err != nil {
			return fmt.Errorf("append history: %w", err)
		}
		defer lookup.Close()
		ids := map[string]int64{} // execution ARN → id; 0 when missing
		var missing, taken []string
		for _, ev := range events {
			id, ok := ids[ev.ExecutionARN]
			if !ok {
				err := lookup.QueryRowContext(ctx, ev.ExecutionARN).Scan(&id)
				if errors.Is(err, sql.ErrNoRows) {
					missing = append(missing, ev.ExecutionARN)
				} else if err != nil {
					return fmt.Errorf("execution %s: %w", ev.ExecutionARN, err)
				}
				ids[ev.ExecutionARN] = id
			}
			if id == 0 {
				continue
			}
			res, err := stmt.ExecContext(ctx, id, ev.ID, ev.PreviousID, micros(ev.Timestamp), ev.Type, blob(ev.Details))
			if err != nil {
				return fmt.Errorf("execution %s event %d: %w", ev.ExecutionARN, ev.ID, err)
			}
			if affected(res) == 0 {
				taken = append(taken, ev.ExecutionARN+"#"+strconv.FormatInt(ev.ID, 10))
			}
		}
		switch {
		case missing != nil:
			return &store.BatchError{Err: store.ErrNotFound, Keys: missing}
		case taken != nil:
			return &store.BatchError{Err: store.ErrExists, Keys: taken}
		}
		return nil
	})
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
