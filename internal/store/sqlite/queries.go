package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/paystep/paystep/internal/store"
)

type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements store.Queries on the writer and the readers, or, in
// InTx, on one transaction.
type queries struct {
	w  *sql.DB // the writer connection; nil in a transaction
	wc dbtx    // the writer through its statement cache, or the transaction
	r  dbtx    // the readers, or the transaction
	tx *sql.Tx // the transaction of InTx, if any

	cache *stmtCache // the writer's prepared statements

	// ids are, in a transaction, the ids of the executions its creates and
	// saves wrote (RETURNING them costs nothing), so that HistoryAppend
	// need not look them up. An execution's id never changes, and none
	// is deleted.
	ids map[string]int64
}

// noteIDs keeps ids for HistoryAppend when q is a transaction.
func (q *queries) noteIDs(ids map[string]int64) {
	if q.tx == nil || len(ids) == 0 {
		return
	}
	if q.ids == nil {
		q.ids = make(map[string]int64, len(ids))
	}
	for arn, id := range ids {
		q.ids[arn] = id
	}
}

var _ store.Queries = (*queries)(nil)

// writer returns where single statements that write go.
func (q *queries) writer() dbtx { return q.wc }

// atomic runs fn on the writer so that its statements take effect together
// or not at all: in a transaction of its own, or in a savepoint of q's.
func (q *queries) atomic(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if q.tx == nil {
		tx, err := q.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	if _, err := q.tx.ExecContext(ctx, "SAVEPOINT op"); err != nil {
		return err
	}
	if err := fn(q.tx); err != nil {
		ctx := context.WithoutCancel(ctx)
		q.tx.ExecContext(ctx, "ROLLBACK TO op")
		q.tx.ExecContext(ctx, "RELEASE op")
		return err
	}
	_, err := q.tx.ExecContext(ctx, "RELEASE op")
	return err
}

// micros stores t as microseconds since the epoch, or NULL for the zero time.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// blob stores nil as NULL.
func blob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// nullTime scans a column written by micros.
type nullTime struct{ t *time.Time }

func (n nullTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*n.t = time.Time{}
	case int64:
		*n.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("time column holds %T", v)
	}
	return nil
}

// affected returns the rows a statement changed (the driver never fails it).
func affected(res sql.Result) int64 {
	n, _ := res.RowsAffected()
	return n
}

func notFound(what, key string) error {
	return fmt.Errorf("%s %s: %w", what, key, store.ErrNotFound)
}
