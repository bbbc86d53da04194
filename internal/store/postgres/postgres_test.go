package postgres_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/postgres"
	"github.com/paystep/paystep/internal/store/storetest"
)

// newSchema creates a schema of its own for tb, dropped when tb ends, and
// returns the database URL with it as the search_path plus params.
func newSchema(tb testing.TB, params ...string) string {
	tb.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		tb.Skip("PostgreSQL half skipped: TEST_DATABASE_URL is not set")
	}
	schema := "paystep_test_" + strings.ToLower(rand.Text())
	exec(tb, base, "CREATE SCHEMA "+schema)
	tb.Cleanup(func() { exec(tb, base, "DROP SCHEMA "+schema+" CASCADE") })
	return withParams(tb, base, append([]string{"search_path", schema}, params...)...)
}

// exec runs one statement on a connection of its own.
func exec(tb testing.TB, url, sql string, args ...any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // also runs in Cleanup
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql, args...); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

// openTemp opens a store in a schema of its own.
func openTemp(tb testing.TB, params ...string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(tb.Context(), newSchema(tb, append([]string{"pool_max_conns", "4"}, params...)...))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() }) // before the schema is dropped: cleanups run last first
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

// TestOpenConcurrently starts several nodes on one empty schema: the
// advisory lock lets each migration run once.
func TestOpenConcurrently(t *testing.T) {
	t.Parallel()
	url := newSchema(t)
	const nodes = 4
	errs := make(chan error, nodes)
	var wg sync.WaitGroup
	for range nodes {
		wg.Go(func() {
			s, err := postgres.Open(t.Context(), url)
			if err == nil {
				s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Open: %v", err)
		}
	}
	c, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(t.Context())
	var versions []int
	rows, err := c.Query(t.Context(), "SELECT version FROM schema_migrations ORDER BY version")
	if err == nil {
		versions, err = pgx.CollectRows(rows, pgx.RowTo[int])
	}
	if err != nil || len(versions) == 0 || versions[0] != 1 {
		t.Errorf("schema_migrations = %v, %v; want each version once", versions, err)
	}
}

// TestHistoryAppendRace makes an append meet an event another transaction
// inserts while the append runs, which its own check cannot see: the append
// must insert nothing and report the taken event.
func TestHistoryAppendRace(t *testing.T) {
	t.Parallel()
	app := "paystep_race_" + strings.ToLower(rand.Text())
	s := openTemp(t, "application_name", app)
	ctx := t.Context()
	arn := "arn:aws:states:us-east-1:123456789012:execution:Pay:race"
	e := &store.Execution{ARN: arn, Name: "race", StateMachineARN: "sm", Status: store.ExecutionRunning, StartedAt: time.Unix(0, 0)}
	if err := s.ExecutionCreate(ctx, e); err != nil {
		t.Fatal(err)
	}
	event := func(id int64) store.HistoryEvent {
		return store.HistoryEvent{ExecutionARN: arn, ID: id, PreviousID: id - 1, Timestamp: time.Unix(id, 0).UTC(), Type: "Pass"}
	}

	appended, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.InTx(ctx, func(q store.Queries) error {
			if err := q.HistoryAppend(ctx, event(1)); err != nil {
				return err
			}
			close(appended)
			<-release
			return nil
		})
	}()
	<-appended
	type result struct {
		appendErr error
		seen      []int64
	}
	second := make(chan result, 1)
	go func() {
		var r result
		err := s.InTx(ctx, func(q store.Queries) error {
			r.appendErr = q.HistoryAppend(ctx, event(1), event(2)) // waits for the first transaction
			evs, _, err := q.HistoryList(ctx, store.HistoryFilter{ExecutionARN: arn})
			for _, ev := range evs {
				r.seen = append(r.seen, ev.ID)
			}
			return err
		})
		if err != nil {
			r.appendErr = err
		}
		second <- r
	}()
	waitForLock(t, app)
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first InTx: %v", err)
	}
	r := <-second
	var be *store.BatchError
	if !errors.As(r.appendErr, &be) || !errors.Is(be, store.ErrExists) || !cmp.Equal(be.Keys, []string{arn + "#1"}) {
		t.Fatalf("racing HistoryAppend = %v, want a BatchError of ErrExists for %s#1", r.appendErr, arn)
	}
	if !cmp.Equal(r.seen, []int64{1}) {
		t.Errorf("history in the racing transaction after the refusal = %v, want [1]", r.seen)
	}
	evs, _, err := s.HistoryList(ctx, store.HistoryFilter{ExecutionARN: arn})
	if err != nil || len(evs) != 1 {
		t.Errorf("history after both commits = %v, %v; want event 1 only", evs, err)
	}
}

// waitForLock returns once a connection named app waits for a lock. It polls
// the server, which is the only one to know.
func waitForLock(t *testing.T, app string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, os.Getenv("TEST_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	for {
		var n int
		err := c.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, app).Scan(&n)
		if err != nil {
			t.Fatalf("waiting for a lock wait: %v", err)
		}
		if n > 0 {
			return
		}
	}
}

func TestPaymentStore(t *testing.T) {
	t.Parallel()
	storetest.RunPayments(t, func(t *testing.T) store.PaymentStore { return openTemp(t) })
}
