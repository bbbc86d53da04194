package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/sqlite"
	"github.com/paystep/paystep/internal/store/storetest"
)

func openTemp(tb testing.TB) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "paystep.db"), sqlite.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestOpenTwice(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "paystep.db")
	for range 2 {
		s, err := sqlite.Open(t.Context(), path, sqlite.Config{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

func BenchmarkExecutionSaveBatch(b *testing.B) {
	storetest.BenchmarkExecutionSaveBatch(b, openTemp(b))
}

func TestPaymentStore(t *testing.T) {
	t.Parallel()
	storetest.RunPayments(t, func(t *testing.T) store.PaymentStore { return openTemp(t) })
}
