// Package dbtest opens real databases for other packages' tests: a SQLite
// file in the test's temporary directory, or a PostgreSQL schema of the
// test's own on TEST_DATABASE_URL, dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/postgres"
	"github.com/paystep/paystep/internal/store/sqlite"
)

// Backends lists the stores a behaviour test should run against, by name:
// "sqlite" always, "postgres" too (it skips when TEST_DATABASE_URL is unset).
var Backends = []string{"sqlite", "postgres"}

// Open opens a fresh store of the named backend for tb, closed when tb ends.
func Open(tb testing.TB, backend string) store.Store {
	tb.Helper()
	switch backend {
	case "sqlite":
		return SQLite(tb, SQLitePath(tb))
	case "postgres":
		return Postgres(tb, PostgresURL(tb))
	}
	tb.Fatalf("dbtest: unknown backend %q", backend)
	return nil
}

// SQLitePath is a database file in tb's temporary directory.
func SQLitePath(tb testing.TB) string { return tb.TempDir() + "/paystep.db" }

// SQLite opens the SQLite file at path, closed when tb ends.
func SQLite(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), path, sqlite.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// Postgres opens the database at url, closed when tb ends.
func Postgres(tb testing.TB, url string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// PostgresURL creates a schema of tb's own on TEST_DATABASE_URL, dropped when
// tb ends, and returns a URL with it as the search_path. It skips tb when
// TEST_DATABASE_URL is not set.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		tb.Skip("PostgreSQL half skipped: TEST_DATABASE_URL is not set")
	}
	schema := "paystep_test_" + strings.ToLower(rand.Text())
	exec(tb, base, "CREATE SCHEMA "+schema)
	tb.Cleanup(func() { exec(tb, base, "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func exec(tb testing.TB, url, sql string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}
