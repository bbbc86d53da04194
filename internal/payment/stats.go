package payment

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/store"
)

// Stats counts what a Service did since it was made, for metrics. Every key
// is drawn from small fixed sets (PSP names, statuses, operations), never
// from IDs.
type Stats struct {
	// Moves counts the payment transitions committed, creation included
	// (From ""), by PSP.
	Moves map[Move]uint64
	// Refunds counts the refunds settled (succeeded, failed, canceled),
	// by PSP.
	Refunds map[RefundSettled]uint64
	// Calls counts the PSP calls made, with their latency.
	Calls map[Call]CallStats
}

// Move is a payment transition of Stats.
type Move struct {
	PSP      string
	From, To Status // From is "" for a new payment
}

// RefundSettled is a refund's settlement of Stats.
type RefundSettled struct {
	PSP    string
	Status RefundStatus
}

// Call is a kind of PSP call of Stats: its PSP, its operation (an
// Operation, or "retrieve" and "retrieve_refund" for status reads) and how
// it ended.
type Call struct {
	PSP     string
	Op      string
	Outcome psp.Outcome
}

// The operations of status reads, in Call.
const (
	CallRetrieve       = "retrieve"
	CallRetrieveRefund = "retrieve_refund"
)

// CallBuckets are the upper bounds, in seconds, of CallStats.Buckets.
var CallBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// CallStats is the count and latency of a kind of PSP call, as a histogram.
type CallStats struct {
	Count   uint64
	Seconds float64  // summed latency
	Buckets []uint64 // Buckets[i] counts the calls of at most CallBuckets[i] seconds
}

// stats is Stats as the Service keeps it.
type stats struct {
	mu      sync.Mutex
	moves   map[Move]uint64
	refunds map[RefundSettled]uint64
	calls   map[Call]*CallStats
}

// Stats returns what the service did so far. The result is a copy.
func (s *Service) Stats() Stats {
	st := &s.stats
	st.mu.Lock()
	defer st.mu.Unlock()
	out := Stats{Moves: map[Move]uint64{}, Refunds: map[RefundSettled]uint64{}, Calls: map[Call]CallStats{}}
	for k, v := range st.moves {
		out.Moves[k] = v
	}
	for k, v := range st.refunds {
		out.Refunds[k] = v
	}
	for k, v := range st.calls {
		c := *v
		c.Buckets = slices.Clone(v.Buckets)
		out.Calls[k] = c
	}
	return out
}

// call counts a PSP call that took d.
func (st *stats) call(c Call, d time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.calls == nil {
		st.calls = map[Call]*CallStats{}
	}
	cs := st.calls[c]
	if cs == nil {
		cs = &CallStats{Buckets: make([]uint64, len(CallBuckets))}
		st.calls[c] = cs
	}
	secs := d.Seconds()
	cs.Count++
	cs.Seconds += secs
	for i, b := range CallBuckets {
		if secs <= b {
			cs.Buckets[i]++
		}
	}
}

// committed counts what a transaction that committed did.
func (st *stats) committed(t *tx) {
	if len(t.moves) == 0 && len(t.refunds) == 0 {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.moves == nil {
		st.moves, st.refunds = map[Move]uint64{}, map[RefundSettled]uint64{}
	}
	for _, m := range t.moves {
		st.moves[m]++
	}
	for _, r := range t.refunds {
		st.refunds[r]++
	}
}

// callPSP makes a call of op to the payment's PSP and counts it in Stats.
func callPSP[T any](s *Service, name, op string, fn func(p psp.Provider) (T, error)) (T, error) {
	start := s.clk.Now()
	v, err := fn(s.providers[name])
	s.stats.call(Call{PSP: name, Op: op, Outcome: psp.OutcomeOf(err)}, s.clk.Now().Sub(start))
	return v, err
}

// tx is a transaction of the service: it notes the moves and settlements
// saved in it, which Stats counts once it commits.
type tx struct {
	store.PaymentTx
	moves   []Move
	refunds []RefundSettled
}

// noteMoves notes p's new log entries in q, when q is the service's.
func noteMoves(q store.PaymentTx, p *Payment, entries []Entry) {
	if t, ok := q.(*tx); ok {
		for _, e := range entries {
			t.moves = append(t.moves, Move{PSP: p.PSP, From: e.From, To: e.To})
		}
	}
}

// noteRefund notes the settlement of r in q, when q is the service's.
func noteRefund(q store.PaymentTx, r *Refund) {
	if t, ok := q.(*tx); ok {
		t.refunds = append(t.refunds, RefundSettled{PSP: r.PSP, Status: r.Status})
	}
}

// InTx runs fn in one payment transaction of the store. What ApplyEvent
// does in it is counted in Stats once it commits: the webhook intake runs
// its transactions here.
func (s *Service) InTx(ctx context.Context, fn func(q store.PaymentTx) error) error {
	return s.inTx(ctx, func(q *tx) error { return fn(q) })
}

func (s *Service) inTx(ctx context.Context, fn func(q *tx) error) error {
	var t *tx
	err := s.st.PaymentInTx(ctx, func(q store.PaymentTx) error {
		t = &tx{PaymentTx: q} // afresh on each attempt the store makes
		return fn(t)
	})
	if err == nil && t != nil {
		s.stats.committed(t)
	}
	return err
}

// retryTx runs fn in a transaction, and again on fresh data each time it
// loses a race with another writer (store.ErrConflict), up to
// Config.MaxConflictRetries times.
func (s *Service) retryTx(ctx context.Context, fn func(q *tx) error) error {
	for try := 0; ; try++ {
		err := s.inTx(ctx, fn)
		if errors.Is(err, store.ErrConflict) && try < s.retries {
			continue
		}
		return err
	}
}
