package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/bench"
	"github.com/paystep/paystep/internal/store/dbtest"
)

// BenchmarkPaymentWorkflowAPI runs the benchmark workload through the real
// API over loopback HTTP, server and driver in one process (so a CPU
// profile shows both); one op is one execution, 64 in flight. The
// `paystep bench --spawn` command measures the server alone.
func BenchmarkPaymentWorkflowAPI(b *testing.B) {
	for _, backend := range dbtest.Backends {
		b.Run(backend, func(b *testing.B) {
			c := serve(b, backend)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			setup, err := bench.Prepare(ctx, c, bench.Definition, "bench-api")
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			res, err := bench.Run(ctx, bench.Config{Client: c, Setup: setup, Executions: b.N, Concurrency: 64, RunID: "b",
				ServerCPU: bench.SelfCPU, ClientCPU: bench.SelfCPU})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if res.Succeeded != b.N {
				b.Fatalf("succeeded %d of %d", res.Succeeded, b.N)
			}
			b.ReportMetric(res.PerSecond, "executions/s")
			// The server and its clients share the process: this is both.
			b.ReportMetric(float64(res.ServerCPU.Microseconds())/float64(b.N), "cpu-µs/execution")
		})
	}
}
