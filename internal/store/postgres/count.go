package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/paystep/paystep/internal/store"
)

func (q *queries) ExecutionCounts(ctx context.Context) (map[store.ExecutionStatus]int64, error) {
	db, done, err := q.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	rows, err := db.Query(ctx, `SELECT status, count(*) FROM executions GROUP BY status`)
	if err != nil {
		return nil, failed("count executions", err)
	}
	out := map[store.ExecutionStatus]int64{}
	var status string
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&status, &n}, func() error {
		out[store.ExecutionStatus(status)] = n
		return nil
	}); err != nil {
		return nil, failed("count executions", err)
	}
	return out, nil
}
