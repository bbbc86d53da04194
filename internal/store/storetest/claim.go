package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/paystep/paystep/internal/store"
)

// claimEachOnce has workers call claim at the same time until it returns
// nothing, retrying on store.ErrConflict, and checks that the n rows waiting
// were each claimed by exactly one call. what names the rows in failures.
func claimEachOnce[K comparable](t *testing.T, n, workers int, what string, claim func() ([]K, error)) {
	t.Helper()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[K]int{}
	)
	for range workers {
		wg.Go(func() {
			for {
				got, err := claim()
				if errors.Is(err, store.ErrConflict) {
					continue
				}
				if err != nil {
					t.Errorf("claiming %s: %v", what, err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, k := range got {
					seen[k]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("claimed %d distinct %s, want %d", len(seen), what, n)
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("%s %v claimed %d times, want once", what, k, c)
		}
	}
}
