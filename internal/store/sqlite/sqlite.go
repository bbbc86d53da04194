// Package sqlite implements store.Store on SQLite (modernc.org/sqlite, pure
// Go). Writes go through one connection in WAL mode with synchronous=FULL;
// reads outside transactions use a pool of read-only connections.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/paystep/paystep/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Config tunes Open. The zero value is ready to use.
type Config struct {
	Readers     int           // read connections; defaults to max(4, GOMAXPROCS)
	BusyTimeout time.Duration // how long to wait for another process's lock; defaults to 5s
}

// Store is a store.Store in one SQLite file.
type Store struct {
	queries
	w, r   *sql.DB
	wc, rc *stmtCache
}

var _ store.Store = (*Store)(nil)

// Open opens or creates the database at path and brings its schema up to date.
func Open(ctx context.Context, path string, cfg Config) (*Store, error) {
	if cfg.Readers <= 0 {
		cfg.Readers = max(4, runtime.GOMAXPROCS(0))
	}
	if cfg.BusyTimeout <= 0 {
		cfg.BusyTimeout = 5 * time.Second
	}
	dsn := func(readOnly bool) string {
		v := url.Values{}
		v.Add("_pragma", "busy_timeout("+strconv.FormatInt(cfg.BusyTimeout.Milliseconds(), 10)+")")
		v.Add("_pragma", "journal_mode(WAL)")
		v.Add("_pragma", "synchronous(FULL)")
		v.Add("_pragma", "foreign_keys(1)")
		v.Add("_pragma", "temp_store(MEMORY)") // savepoint journals stay off the disk
		if readOnly {
			v.Add("_pragma", "query_only(1)")
		} else {
			v.Set("_txlock", "immediate")
		}
		return "file:" + path + "?" + v.Encode()
	}
	w, err := sql.Open("sqlite", dsn(false))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(cfg.Readers)
	r.SetMaxIdleConns(cfg.Readers)
	r.SetConnMaxIdleTime(0)
	s := &Store{w: w, r: r, wc: newStmtCache(w), rc: newStmtCache(r)}
	s.queries = queries{w: w, wc: cachedDB{s.wc}, r: cachedDB{s.rc}, cache: s.wc}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.rc.close()
	s.wc.close()
	return errors.Join(s.r.Close(), s.w.Close())
}

// InTx runs fn in one write transaction (BEGIN IMMEDIATE on the writer
// connection, so transactions never deadlock or retry).
func (s *Store) InTx(ctx context.Context, fn func(q store.Queries) error) (err error) {
	s.wc.warm(ctx)
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	in := cachedTx{tx: tx, c: s.wc}
	if err := fn(&queries{tx: tx, wc: in, r: in, cache: s.wc}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, each in its own transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
)`); err != nil {
		return err
	}
	files, err := store.MigrationFiles(migrations)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := migrateOne(ctx, db, f); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return nil
}

func migrateOne(ctx context.Context, db *sql.DB, f store.Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, f.Version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, f.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, f.Version, f.Name); err != nil {
		return err
	}
	return tx.Commit()
}
