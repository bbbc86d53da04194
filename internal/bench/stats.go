package bench

import (
	"slices"
	"time"
)

// Latency summarises a set of durations.
type Latency struct {
	Count int
	P50   time.Duration
	P99   time.Duration
	Max   time.Duration
}

// Summarize returns the nearest-rank percentiles of ds (which it sorts).
func Summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	return Latency{Count: len(ds), P50: Percentile(ds, 50), P99: Percentile(ds, 99), Max: ds[len(ds)-1]}
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value with at least p% of the values at
// or below it. It is 0 for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// rank = ceil(p/100 * n), computed in integers to stay exact.
	rank := int((int64(p*1000)*int64(n) + 100*1000 - 1) / (100 * 1000))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}
