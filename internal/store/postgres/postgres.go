// Package postgres implements store.Store on PostgreSQL with pgx. Batch
// methods send one statement over arrays (unnest), so a transaction holding
// many executions' changes costs a few round trips; claims use
// FOR UPDATE SKIP LOCKED so that several nodes share the work.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/paystep/paystep/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a store.Store in a PostgreSQL database.
type Store struct {
	queries
	pool *pool
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or keyword/value
// string) and brings its schema up to date. The tables live in the first
// schema of the search_path, which url may set ("search_path=paystep").
// pool_max_conns in url sets the pool size; it defaults to
// max(4, GOMAXPROCS).
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	size := max(4, runtime.GOMAXPROCS(0))
	if v, ok := cfg.RuntimeParams["pool_max_conns"]; ok {
		delete(cfg.RuntimeParams, "pool_max_conns")
		if size, err = strconv.Atoi(v); err != nil || size < 1 {
			return nil, fmt.Errorf("pool_max_conns %q: want a positive number", v)
		}
	}
	// Plan every statement for its parameters. With generic plans a
	// statement first planned while the tables were empty (a new database)
	// keeps sequential scans of history and executions as they grow, and
	// every step slows down with the table.
	if _, ok := cfg.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	p := newPool(cfg, size)
	if err := migrate(ctx, p); err != nil {
		p.close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return &Store{queries: queries{pool: p}, pool: p}, nil
}

// Close closes the connections.
func (s *Store) Close() error {
	s.pool.close()
	return nil
}

// InTx runs fn in one READ COMMITTED transaction on one connection.
func (s *Store) InTx(ctx context.Context, fn func(q store.Queries) error) error {
	c, err := s.pool.acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer s.pool.release(c)
	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	if err := fn(&queries{tx: tx}); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", dbErr(err))
	}
	return nil
}

// dbtx is a connection or a transaction.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// queries implements store.Queries on pooled connections, or, in InTx, on
// one transaction.
type queries struct {
	pool *pool  // outside a transaction
	tx   pgx.Tx // inside InTx
}

var _ store.Queries = (*queries)(nil)

// conn returns where to run a statement, and what to call when done.
func (q *queries) conn(ctx context.Context) (dbtx, func(), error) {
	if q.tx != nil {
		return q.tx, func() {}, nil
	}
	c, err := q.pool.acquire(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	return c, func() { q.pool.release(c) }, nil
}

// atomic runs fn in a transaction: q's, or one of its own. Inside q's, fn
// must itself leave no change behind when it fails with a store error.
func (q *queries) atomic(ctx context.Context, fn func(db dbtx) error) error {
	if q.tx != nil {
		return fn(q.tx)
	}
	c, err := q.pool.acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer q.pool.release(c)
	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", dbErr(err))
	}
	if err := fn(tx); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", dbErr(err))
	}
	return nil
}

// dbErr marks serialization failures and deadlocks as store.ErrConflict:
// the caller should reload and retry.
func dbErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") {
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	}
	return err
}

// failed wraps a database error with what was being done.
func failed(what string, err error) error {
	return fmt.Errorf("%s: %w", what, dbErr(err))
}

func notFound(what, key string) error {
	return fmt.Errorf("%s %s: %w", what, key, store.ErrNotFound)
}

// tz sends t as a timestamptz, truncated to microseconds; the zero time is NULL.
func tz(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t.Truncate(time.Microsecond), Valid: !t.IsZero()}
}

// ts scans a timestamptz into a time.Time in UTC, NULL into the zero time.
type ts time.Time

func (d *ts) ScanTimestamptz(v pgtype.Timestamptz) error {
	if !v.Valid {
		*d = ts{}
		return nil
	}
	*d = ts(v.Time.UTC())
	return nil
}

func scanTime(t *time.Time) *ts { return (*ts)(t) }

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, each in its own transaction, holding an advisory lock
// so that nodes starting together apply each once.
func migrate(ctx context.Context, p *pool) error {
	c, err := p.acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer p.release(c)
	files, err := store.MigrationFiles(migrations)
	if err != nil {
		return err
	}
	const lock = `SELECT pg_advisory_xact_lock(hashtext('paystep migrations ' || current_schema()))`
	err = pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`)
		return err
	})
	if err != nil {
		return err
	}
	for _, f := range files {
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, lock); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, f.Version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.Exec(ctx, f.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, f.Version, f.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return nil
}
