package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/bench"
	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/sfnapi"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/sfnclient"
	"github.com/paystep/paystep/internal/sharedtest"
	"github.com/paystep/paystep/internal/store/dbtest"
)

func TestDefinitionIsTheSharedOne(t *testing.T) {
	t.Parallel()
	shared, err := os.ReadFile(sharedtest.Path(t, "bench", "payment-workflow.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadFile("../../examples/bench/payment-workflow.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shipped, shared) {
		t.Error("examples/bench/payment-workflow.asl.json differs from the shared benchmark's definition")
	}
	if !bytes.Equal(bench.Definition, shared) {
		t.Error("internal/bench/payment-workflow.asl.json (bench.Definition) differs from the shared benchmark's definition")
	}
}

// serve runs the real API (sfnapi on a runner on a store of backend) on a
// loopback HTTP server until the test ends, and returns a client of it.
func serve(t testing.TB, backend string) *sfnclient.Client {
	t.Helper()
	st := dbtest.Open(t, backend)
	r, err := runner.New(runner.Config{Store: st, Exclusive: backend == "sqlite", PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- r.Run(ctx) }()
	h, err := sfnapi.New(sfnapi.Config{Store: st, Runner: r, ActivityPoll: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		stop()
		if err := <-ran; err != nil {
			t.Errorf("runner: %v", err)
		}
	})
	c, err := sfnclient.New(sfnclient.Config{Endpoint: srv.URL, MaxIdleConns: 256})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestRunPaymentWorkflow(t *testing.T) {
	t.Parallel()
	for _, backend := range dbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			c := serve(t, backend)
			ctx := testCtx(t)
			setup, err := bench.Prepare(ctx, c, bench.Definition, "bench-payment-workflow")
			if err != nil {
				t.Fatal(err)
			}
			// The definition's activity ARNs were replaced by the server's.
			var sm wire.DescribeStateMachineOutput
			if err := c.Call(ctx, wire.ActionDescribeStateMachine, wire.DescribeStateMachineInput{StateMachineArn: setup.StateMachineARN}, &sm); err != nil {
				t.Fatal(err)
			}
			if len(setup.Activities) != 6 || strings.Contains(sm.Definition, ":000000000000:") || !strings.Contains(sm.Definition, setup.Activities[bench.WebhookActivity]) {
				t.Fatalf("activities %v; definition on the server:\n%s", setup.Activities, sm.Definition)
			}

			first := setup.StateMachineARN
			for _, level := range []struct{ conc, n int }{{1, 6}, {8, 32}} {
				conc, n := level.conc, level.n
				if conc > 1 { // a level's own activities: see Prepare
					if setup, err = bench.Prepare(ctx, c, bench.Definition, fmt.Sprintf("bench-payment-workflow-c%d", conc)); err != nil {
						t.Fatal(err)
					}
				}
				var progressCalls atomic.Int64
				res, err := bench.Run(ctx, bench.Config{
					Client: c, Setup: setup, Executions: n, Concurrency: conc, RunID: "t",
					ServerCPU: bench.SelfCPU, ClientCPU: bench.SelfCPU,
					Progress: func(bench.Progress) { progressCalls.Add(1) },
				})
				if err != nil {
					t.Fatalf("c=%d: %v", conc, err)
				}
				if res.Succeeded != n || res.Failed != 0 || res.Started != n || res.Errors != 0 {
					t.Errorf("c=%d: succeeded %d, failed %d, started %d, errors %d; want %d, 0, %d, 0", conc, res.Succeeded, res.Failed, res.Started, res.Errors, n, n)
				}
				// One start and six task answers per execution; at least one
				// DescribeExecution each to see it end.
				if res.Calls[wire.ActionStartExecution] != int64(n) || res.Calls[wire.ActionSendTaskSuccess] != 6*int64(n) || res.Calls[wire.ActionDescribeExecution] < int64(n) {
					t.Errorf("c=%d: calls %v", conc, res.Calls)
				}
				for name, l := range map[string]bench.Latency{"start→end": res.StartToEnd, "webhook→end": res.WebhookToEnd} {
					if l.Count != n || l.P50 <= 0 || l.P50 > l.P99 || l.P99 > l.Max {
						t.Errorf("c=%d: %s latency %+v", conc, name, l)
					}
				}
				if res.WebhookToEnd.Max > res.StartToEnd.Max || res.Duration <= 0 || res.PerSecond <= 0 {
					t.Errorf("c=%d: result %+v", conc, res)
				}
				if res.ServerCPU <= 0 || res.ServerCPUPerExecution() != res.ServerCPU/time.Duration(n) {
					t.Errorf("c=%d: server cpu %v, per execution %v", conc, res.ServerCPU, res.ServerCPUPerExecution())
				}

				// The server agrees: every execution of the level succeeded.
				var list wire.ListExecutionsOutput
				in := wire.ListExecutionsInput{StateMachineArn: setup.StateMachineARN, StatusFilter: wire.ExecutionStatusSucceeded, MaxResults: 1000}
				if err := c.Call(ctx, wire.ActionListExecutions, in, &list); err != nil {
					t.Fatal(err)
				}
				prefix, got := "t-c"+strconv.Itoa(conc)+"-", 0
				for _, e := range list.Executions {
					if strings.HasPrefix(e.Name, prefix) {
						got++
					}
				}
				if got != n {
					t.Errorf("c=%d: the server lists %d SUCCEEDED executions named %s*, want %d", conc, got, prefix, n)
				}
			}

			// The history of one execution shows Charge answered and the
			// output of every activity.
			var ex wire.DescribeExecutionOutput
			arn := strings.Replace(setup.StateMachineARN, ":stateMachine:", ":execution:", 1) + ":t-c8-5"
			if err := c.Call(ctx, wire.ActionDescribeExecution, wire.DescribeExecutionInput{ExecutionArn: arn}, &ex); err != nil {
				t.Fatal(err)
			}
			var out struct {
				PaymentID     string            `json:"payment_id"`
				Charge        map[string]string `json:"charge"`
				Persisted     map[string]bool   `json:"persisted"`
				Notifications []map[string]string
			}
			if err := json.Unmarshal([]byte(ex.Output), &out); err != nil {
				t.Fatalf("output of %s: %v", arn, err)
			}
			if out.PaymentID != "pay_t_c8_00000005" || out.Charge["status"] != "succeeded" || !out.Persisted["persisted"] ||
				len(out.Notifications) != 2 || out.Notifications[0]["sent"] != "email" || out.Notifications[1]["sent"] != "sms" {
				t.Errorf("output of %s = %s", arn, ex.Output)
			}

			// Preparing again (a second run on the same server) updates the
			// state machine in place.
			again, err := bench.Prepare(ctx, c, bench.Definition, "bench-payment-workflow")
			if err != nil || again.StateMachineARN != first {
				t.Errorf("second Prepare = %+v, %v; want the same state machine", again, err)
			}
		})
	}
}

// TestRunSeesExecutionsThatFailEarly: executions that end before the final
// activity are found by the sweep, not waited for forever.
func TestRunSeesExecutionsThatFailEarly(t *testing.T) {
	t.Parallel()
	c := serve(t, "sqlite")
	ctx := testCtx(t)
	def := []byte(`{"StartAt":"Validate","States":{
		"Validate":{"Type":"Task","Resource":"arn:aws:states:us-east-1:000000000000:activity:bench-validate","Next":"Reject"},
		"Reject":{"Type":"Fail","Error":"Payment.Rejected","Cause":"test"}}}`)
	setup, err := bench.Prepare(ctx, c, def, "bench-rejects")
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	res, err := bench.Run(ctx, bench.Config{Client: c, Setup: setup, Executions: n, Concurrency: 4, Sweep: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != n || res.Succeeded != 0 || res.StartToEnd.Count != n || res.WebhookToEnd.Count != 0 {
		t.Errorf("failed %d, succeeded %d, latencies %+v %+v; want %d failed", res.Failed, res.Succeeded, res.StartToEnd, res.WebhookToEnd, n)
	}
}

func TestRunStopsAtTimeout(t *testing.T) {
	t.Parallel()
	c := serve(t, "sqlite")
	ctx := testCtx(t)
	// An activity nobody polls for: Prepare creates only the one it sees,
	// and the test removes it from the workers' list.
	def := []byte(`{"StartAt":"Stuck","States":{"Stuck":{"Type":"Task","Resource":"arn:aws:states:us-east-1:000000000000:activity:bench-nobody","End":true}}}`)
	setup, err := bench.Prepare(ctx, c, def, "bench-stuck")
	if err != nil {
		t.Fatal(err)
	}
	setup.Activities = map[string]string{}
	res, err := bench.Run(ctx, bench.Config{Client: c, Setup: setup, Executions: 3, Concurrency: 2, Timeout: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "3 of 3 executions did not end") {
		t.Errorf("Run error = %v, want one saying 3 of 3 did not end", err)
	}
	if res.Started != 2 || res.Succeeded+res.Failed != 0 {
		t.Errorf("result %+v: want 2 started (the concurrency), none ended", res)
	}
}

func TestPrepareErrors(t *testing.T) {
	t.Parallel()
	c := serve(t, "sqlite")
	ctx := testCtx(t)
	for _, tc := range []struct{ name, def, want string }{
		{"not json", `{"StartAt":`, "definition:"},
		{"no activity", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, "uses no activity"},
		{"bad activity arn", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:x:activity:","End":true}}}`, "InvalidArn"},
		{"invalid definition", `{"StartAt":"Nowhere","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:000000000000:activity:bench-x","End":true}}}`, "InvalidDefinition"},
	} {
		if _, err := bench.Prepare(ctx, c, []byte(tc.def), "bench-"+strings.ReplaceAll(tc.name, " ", "-")); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Prepare error = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
