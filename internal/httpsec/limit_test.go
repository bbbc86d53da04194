package httpsec_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/httpsec"
)

var start = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// step is one call of Allow after advancing the clock by wait.
type step struct {
	wait  time.Duration
	key   string
	ok    bool
	retry time.Duration
}

func TestLimiterBuckets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		every time.Duration
		burst int
		steps []step
	}{
		{"burst then refill", time.Second, 3, []step{
			{0, "a", true, 0}, {0, "a", true, 0}, {0, "a", true, 0},
			{0, "a", false, time.Second},
			{400 * time.Millisecond, "a", false, 600 * time.Millisecond},
			{600 * time.Millisecond, "a", true, 0}, // one token came back
			{0, "a", false, time.Second},
		}},
		{"keys have buckets of their own", time.Second, 1, []step{
			{0, "a", true, 0}, {0, "a", false, time.Second}, {0, "b", true, 0}, {0, "b", false, time.Second},
		}},
		{"a quiet spell refills no more than the burst", 100 * time.Millisecond, 2, []step{
			{0, "a", true, 0},
			{time.Hour, "a", true, 0}, {0, "a", true, 0}, {0, "a", false, 100 * time.Millisecond},
		}},
		{"sustained rate", 250 * time.Millisecond, 1, []step{
			{0, "a", true, 0}, {250 * time.Millisecond, "a", true, 0}, {250 * time.Millisecond, "a", true, 0},
			{100 * time.Millisecond, "a", false, 150 * time.Millisecond},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(start)
			l := httpsec.NewLimiter(httpsec.LimitConfig{Every: tc.every, Burst: tc.burst, Clock: clk})
			for i, s := range tc.steps {
				clk.Advance(s.wait)
				if ok, retry := l.Allow(s.key); ok != s.ok || retry != s.retry {
					t.Fatalf("step %d: Allow(%q) after %s = %v, %s; want %v, %s", i, s.key, s.wait, ok, retry, s.ok, s.retry)
				}
			}
		})
	}
}

// A flood of keys beyond MaxKeys shares one overflow bucket; full buckets
// are forgotten so new keys get their own again.
func TestLimiterMaxKeys(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(start)
	l := httpsec.NewLimiter(httpsec.LimitConfig{Every: time.Second, Burst: 2, MaxKeys: 10, Clock: clk})
	for i := range 10 {
		if ok, _ := l.Allow(fmt.Sprint("k", i)); !ok {
			t.Fatalf("key %d refused", i)
		}
	}
	// Keys 10, 11 take the overflow bucket's two tokens; key 12 finds it empty.
	for i, want := range []bool{true, true, false} {
		if ok, _ := l.Allow(fmt.Sprint("new", i)); ok != want {
			t.Errorf("overflowing key %d: Allow = %v, want %v", i, ok, want)
		}
	}
	if n := l.Len(); n != 11 {
		t.Errorf("Len() = %d, want 10 keys and the overflow bucket", n)
	}
	// A known key keeps its own bucket meanwhile.
	if ok, _ := l.Allow("k0"); !ok {
		t.Error("k0 was refused its second token")
	}
	clk.Advance(3 * time.Second) // every bucket is full again
	if ok, _ := l.Allow("fresh"); !ok {
		t.Error("a new key after the sweep was refused")
	}
	if n := l.Len(); n != 1 {
		t.Errorf("Len() after the sweep = %d, want 1", n)
	}
}

func TestLimiterString(t *testing.T) {
	t.Parallel()
	l := httpsec.NewLimiter(httpsec.LimitConfig{Every: 500 * time.Millisecond, Burst: 5, Scope: "address"})
	if got, want := l.String(), "5 requests at once, then 1 per 500ms, per address"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func BenchmarkLimiterAllow(b *testing.B) {
	l := httpsec.NewLimiter(httpsec.LimitConfig{Every: time.Microsecond, Burst: 1000})
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprint("addr:10.0.", i/256, ".", i%256)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Allow(keys[i%len(keys)])
		i++
	}
}
