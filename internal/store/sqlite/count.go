package sqlite

import (
	"context"
	"fmt"

	"github.com/paystep/paystep/internal/store"
)

func (q *queries) ExecutionCounts(ctx context.Context) (map[store.ExecutionStatus]int64, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT status, count(*) FROM executions GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count executions: %w", err)
	}
	defer rows.Close()
	out := map[store.ExecutionStatus]int64{}
	for rows.Next() {
		var status store.ExecutionStatus
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("count executions: %w", err)
		}
		out[status] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count executions: %w", err)
	}
	return out, nil
}
