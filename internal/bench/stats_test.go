package bench_test

import (
	"os"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/bench"
)

func ms(ns ...int) []time.Duration {
	out := make([]time.Duration, len(ns))
	for i, n := range ns {
		out[i] = time.Duration(n) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"p50 of 1..100", hundred, 50, 50 * time.Millisecond},
		{"p99 of 1..100", hundred, 99, 99 * time.Millisecond},
		{"p100 of 1..100", hundred, 100, 100 * time.Millisecond},
		{"p50 of four", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of four", ms(1, 2, 3, 4), 99, 4 * time.Millisecond},
		{"p50 of five", ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"tiny p", ms(1, 2, 3), 0.001, 1 * time.Millisecond},
	} {
		if got := bench.Percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("%s: Percentile(%v, %v) = %v, want %v", tc.name, tc.sorted, tc.p, got, tc.want)
		}
	}
}

func TestSummarizeSorts(t *testing.T) {
	t.Parallel()
	got := bench.Summarize(ms(30, 10, 20, 50, 40))
	want := bench.Latency{Count: 5, P50: 30 * time.Millisecond, P99: 50 * time.Millisecond, Max: 50 * time.Millisecond}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
	if got := bench.Summarize(nil); got != (bench.Latency{}) {
		t.Errorf("Summarize(nil) = %+v, want zero", got)
	}
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, stat   string
		user, system time.Duration
		bad          bool
	}{
		{"plain", "4242 (paystep) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 56 0 0 20 0 9 0 100 2000000 3000",
			12340 * time.Millisecond, 560 * time.Millisecond, false},
		{"command with spaces and parens", "7 (a (weird) name) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 1 1 1",
			30 * time.Millisecond, 40 * time.Millisecond, false},
		{"truncated", "7 (x) R 1 7 7 0 -1 0 0 0 0", 0, 0, true},
		{"no command", "7 x R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0", 0, 0, true},
		{"not a number", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 3x 4 0 0 20", 0, 0, true},
		{"negative", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 -3 4 0 0 20", 0, 0, true},
		{"overflow", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 99999999999999999999 4 0 0 20", 0, 0, true},
	} {
		user, system, err := bench.ParseProcStat([]byte(tc.stat))
		if tc.bad {
			if err == nil {
				t.Errorf("%s: ParseProcStat = %v, %v, nil; want an error", tc.name, user, system)
			}
			continue
		}
		if err != nil || user != tc.user || system != tc.system {
			t.Errorf("%s: ParseProcStat = %v, %v, %v; want %v, %v", tc.name, user, system, err, tc.user, tc.system)
		}
	}
}

func FuzzParseProcStat(f *testing.F) {
	f.Add([]byte("4242 (paystep) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 56 0 0 20 0 9 0 100 2000000 3000"))
	f.Add([]byte("7 (a) b) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0"))
	f.Add([]byte(")("))
	f.Fuzz(func(t *testing.T, data []byte) {
		user, system, err := bench.ParseProcStat(data)
		if err == nil && (user < 0 || system < 0) {
			t.Errorf("ParseProcStat(%q) = %v, %v: negative times", data, user, system)
		}
	})
}

func TestProcessCPUReadsThisProcess(t *testing.T) {
	t.Parallel()
	// Burn some CPU so both readings are above zero and ordered.
	deadline := time.Now().Add(30 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	// Other tests of the package run at the same time and burn CPU of
	// this process too: SelfCPU must lie between two /proc readings taken
	// around it (give or take /proc's 10 ms ticks).
	before, err := bench.ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	self, err := bench.SelfCPU()
	if err != nil {
		t.Fatal(err)
	}
	after, err := bench.ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if self <= 0 || before <= 0 {
		t.Errorf("SelfCPU = %v, ProcessCPU(self) = %v; want both above zero", self, before)
	}
	const tick = 20 * time.Millisecond
	if self < before-tick || self > after+tick {
		t.Errorf("SelfCPU = %v, not between ProcessCPU(self) readings %v and %v taken around it", self, before, after)
	}
	if _, err := bench.ProcessCPU(1 << 30); err == nil {
		t.Error("ProcessCPU of a process that does not exist: nil error")
	}
}
