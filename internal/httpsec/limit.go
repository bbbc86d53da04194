package httpsec

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/paystep/paystep/internal/clock"
)

// LimitConfig configures a Limiter: each key has a bucket of Burst tokens,
// refilled with one token every Every; a request takes one.
type LimitConfig struct {
	// Every is how often a token is added to a bucket: 500ms allows two
	// requests a second, sustained. Defaults to one second.
	Every time.Duration
	// Burst is a bucket's size: how many requests may come at once after a
	// quiet spell. Defaults to 20.
	Burst int
	// Scope names what a key is, for the 429 message and logs: "address",
	// "API key". Defaults to "client".
	Scope string
	// MaxKeys bounds the buckets kept in memory. When they are all in use,
	// new keys share one overflow bucket, so a flood of addresses cannot
	// exhaust memory. Defaults to 100000.
	MaxKeys int
	Clock   clock.Clock  // Defaults to clock.System{}.
	Logger  *slog.Logger // Defaults to discarding.
}

// overflowKey is the bucket new keys share when MaxKeys are in use. Keys
// from KeyFuncs never start with a NUL byte.
const overflowKey = "\x00overflow"

// Limiter is a set of token buckets by key. It keeps one time per key, the
// moment its bucket will be full again (the generic cell rate algorithm),
// so a full bucket and a missing one are the same and full buckets can be
// forgotten. It is safe for concurrent use.
type Limiter struct {
	cfg   LimitConfig
	every time.Duration
	span  time.Duration // every × burst: an empty bucket's time to fill
	mu    sync.Mutex
	full  map[string]time.Time // key → when its bucket is full again
	swept time.Time
}

// NewLimiter returns a limiter configured by cfg.
func NewLimiter(cfg LimitConfig) *Limiter {
	if cfg.Every <= 0 {
		cfg.Every = time.Second
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 20
	}
	if cfg.Scope == "" {
		cfg.Scope = "client"
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = 100000
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Limiter{cfg: cfg, every: cfg.Every, span: cfg.Every * time.Duration(cfg.Burst), full: map[string]time.Time{}}
}

// Allow takes a token from key's bucket. When the bucket is empty it
// returns false and how long until a token is there.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.cfg.Clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	full, known := l.full[key]
	if !known && len(l.full) >= l.cfg.MaxKeys {
		l.sweep(now)
		if len(l.full) >= l.cfg.MaxKeys {
			key = overflowKey
			full = l.full[key]
		}
	}
	if full.Before(now) {
		full = now
	}
	next := full.Add(l.every)
	if wait := next.Sub(now) - l.span; wait > 0 {
		return false, wait
	}
	l.full[key] = next
	return true, 0
}

// sweep forgets the buckets that are full again, at most once per token
// interval so a full map costs no more than that. Called with l.mu held.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < l.every {
		return
	}
	l.swept = now
	for k, full := range l.full {
		if !full.After(now) {
			delete(l.full, k)
		}
	}
}

// Len reports how many buckets are kept.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.full)
}

// String describes the limit: "20 requests at once, then 1 per 1s, per address".
func (l *Limiter) String() string {
	return fmt.Sprintf("%d requests at once, then 1 per %s, per %s", l.cfg.Burst, l.every, l.cfg.Scope)
}
