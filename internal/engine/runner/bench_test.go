package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/sharedtest"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/dbtest"
)

// benchActivities are the activities of ../shared/bench/payment-workflow.asl.json.
var benchActivities = []string{"bench-validate", "bench-select-psp", "bench-charge", "bench-notify-email", "bench-notify-sms", "bench-persist"}

// BenchmarkPaymentWorkflow runs the benchmark workflow of ../shared/bench in
// process: workers poll the runner for activity tasks and answer at once;
// bench-charge's token goes through a separate "webhook" goroutine. One op is
// one execution, started and run to its end, 64 in flight; the durable path
// is the real one (SQLite with WAL and synchronous=FULL, or PostgreSQL), with
// the runner alone on SQLite and among possible others on PostgreSQL, as
// paystep serve runs it.
func BenchmarkPaymentWorkflow(b *testing.B) {
	for _, backend := range dbtest.Backends {
		b.Run(backend+"/activities", func(b *testing.B) { benchWorkflow(b, backend, false) })
		b.Run(backend+"/builtin", func(b *testing.B) { benchWorkflow(b, backend, true) })
	}
}

func benchWorkflow(b *testing.B, backend string, builtin bool) {
	const inFlight = 64
	st := dbtest.Open(b, backend)
	def, err := os.ReadFile(sharedtest.Path(b, "bench", "payment-workflow.asl.json"))
	if err != nil {
		b.Fatal(err)
	}
	// The definition names account 000000000000; the activities live there.
	var acts []string
	for _, name := range benchActivities {
		a := wire.ActivityARN(region, "000000000000", name)
		if _, err := st.ActivityCreate(context.Background(), &store.Activity{ARN: a, Name: name, CreatedAt: time.Now().UTC()}); err != nil {
			b.Fatal(err)
		}
		acts = append(acts, a)
	}
	sm := createMachine(b, st, "bench", string(def), "")
	cfg := Config{Exclusive: backend == "sqlite"} // as paystep serve runs them
	if builtin {
		cfg.Resources = builtinResources{}
	}
	h := start(b, st, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var workers sync.WaitGroup
	webhooks := make(chan string, 1024)
	if !builtin {
		for _, act := range acts {
			for range inFlight / 4 {
				workers.Add(1)
				go func() {
					defer workers.Done()
					for ctx.Err() == nil {
						task, err := h.r.GetActivityTask(ctx, act, "w", 5*time.Second)
						if err != nil {
							if ctx.Err() == nil {
								b.Error(err)
							}
							return
						}
						if task.Token == "" {
							continue
						}
						if strings.HasSuffix(act, "bench-charge") {
							webhooks <- task.Token
							continue
						}
						h.r.SendTaskSuccess(ctx, task.Token, `{"ok":true}`)
					}
				}()
			}
		}
		workers.Add(1)
		go func() {
			defer workers.Done()
			for {
				select {
				case tok := <-webhooks:
					go h.r.SendTaskSuccess(ctx, tok, `{"status":"succeeded","psp_reference":"pi_123"}`)
				case <-ctx.Done():
					return
				}
			}
		}()
	}

	input := `{"payment_id":"pay_%08d","amount":1050,"currency":"EUR","merchant":"acme-books-and-more-0001"}`
	sem := make(chan struct{}, inFlight)
	var runs sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	cpu0 := processCPU()
	written0 := writtenBytes()
	batches0 := h.r.Stats().Batches
	for i := range b.N {
		sem <- struct{}{}
		runs.Add(1)
		go func() {
			defer runs.Done()
			defer func() { <-sem }()
			out, err := h.r.StartExecution(ctx, StartInput{StateMachineARN: sm, Input: fmt.Sprintf(input, i)})
			if err != nil {
				b.Error(err)
				return
			}
			row, err := h.r.WaitExecution(ctx, out.ExecutionARN)
			if err != nil || row.Status != store.ExecutionSucceeded {
				b.Errorf("execution %s: %v %v", out.ExecutionARN, row, err)
			}
		}()
	}
	runs.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "executions/s")
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/execution")
	s := h.r.Stats()
	b.ReportMetric(float64(s.Transitions)/float64(max(1, s.Batches)), "steps/batch")
	b.ReportMetric(float64(s.Batches-batches0)/float64(b.N), "batches/execution")
	if w := writtenBytes(); w > 0 {
		b.ReportMetric(float64(w-written0)/1024/float64(b.N), "written-KiB/execution")
	}
	cancel()
	workers.Wait()
}

// builtinResources answers every task at once, in process.
type builtinResources struct{}

func (builtinResources) Activity(string) string { return "" }
func (builtinResources) Invoke(_ context.Context, t *engine.Task) (json.RawMessage, error) {
	return json.RawMessage(`{"ok":true}`), nil
}

// processCPU is the CPU time this process used so far: on a busy machine a
// steadier measure than the wall clock.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writtenBytes is what this process wrote to storage so far
// (/proc/self/io's write_bytes), or 0 where the system does not say.
func writtenBytes() int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
