package idgen_test

import (
	"regexp"
	"sync"
	"testing"

	"github.com/paystep/paystep/internal/idgen"
)

func TestRandom(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^pay_[a-z2-7]{26}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := idgen.Random{}.New("pay")
		if !re.MatchString(id) {
			t.Fatalf("Random.New(pay) = %q, want %s", id, re)
		}
		if seen[id] {
			t.Fatalf("Random.New repeated %q", id)
		}
		seen[id] = true
	}
}

func TestSequential(t *testing.T) {
	t.Parallel()
	var g idgen.Sequential
	for _, want := range []struct{ prefix, id string }{{"pay", "pay_000001"}, {"re", "re_000001"}, {"pay", "pay_000002"}} {
		if got := g.New(want.prefix); got != want.id {
			t.Errorf("New(%q) = %q, want %q", want.prefix, got, want.id)
		}
	}
	var wg sync.WaitGroup
	ids := make(chan string, 100)
	for range 100 {
		wg.Go(func() { ids <- g.New("evt") })
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("Sequential.New repeated %q under concurrency", id)
		}
		seen[id] = true
	}
	if got := g.New("evt"); got != "evt_000101" {
		t.Errorf("New(evt) after 100 = %q, want evt_000101", got)
	}
}
