package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/postgres"
	"github.com/paystep/paystep/internal/store/storetest"
)

// openTemp opens a store in a schema of its own, dropped when tb ends.
func openTemp(tb testing.TB) *postgres.Store {
	tb.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		tb.Skip("PostgreSQL half skipped: TEST_DATABASE_URL is not set")
	}
	ctx := tb.Context()
	schema := "paystep_test_" + strings.ToLower(rand.Text())
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Error(err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Error(err)
		}
	})
	s, err := postgres.Open(ctx, withParams(tb, base, "search_path", schema, "pool_max_conns", "4"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() }) // runs before the schema is dropped
	return s
}

// withParams adds connection parameters to a URL or keyword/value string.
func withParams(tb testing.TB, base string, kv ...string) string {
	if strings.Contains(base, "://") {
		u, err := url.Parse(base)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	for i := 0; i < len(kv); i += 2 {
		base += fmt.Sprintf(" %s=%s", kv[i], kv[i+1])
	}
	return base
}

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func BenchmarkExecutionSaveBatch(b *testing.B) {
	storetest.BenchmarkExecutionSaveBatch(b, openTemp(b))
}
