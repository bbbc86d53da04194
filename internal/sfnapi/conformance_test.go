package sfnapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/conformancetest"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/sfnclient"
	"github.com/paystep/paystep/internal/store/dbtest"
)

// noResources fails every Task as the in-process conformance run does.
type noResources struct{}

func (noResources) Activity(string) string { return "" }

func (noResources) Invoke(context.Context, *engine.Task) (json.RawMessage, error) {
	return nil, conformancetest.TaskFailure
}

// TestConformanceThroughAPI runs every case of asl-dev.jsonl through the
// Step Functions API of a real server (CreateStateMachine, StartExecution,
// DescribeExecution, GetExecutionHistory) on each backend, and holds it to
// the in-process results case by case: a case passes through the API
// exactly when it passes in-process, and every JSONata case passes.
func TestConformanceThroughAPI(t *testing.T) {
	t.Parallel()
	cases := conformancetest.Load(t)
	local := make([][]string, len(cases))
	var localTally conformancetest.Tally
	for i := range cases {
		local[i] = conformancetest.CheckLocal(&cases[i])
		localTally.Add(&cases[i], local[i])
	}
	t.Logf("in-process: %d/%d pass; JSONata %d/%d", localTally.Pass, localTally.Total, localTally.JSONataPass, localTally.JSONataTotal)

	for _, backend := range dbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			srv := newConformanceServer(t, backend)
			got := make([][]string, len(cases))
			var wg sync.WaitGroup
			next := make(chan int)
			for range 8 { // enough to fill the runner's batches, few enough for a shared machine
				wg.Go(func() {
					for i := range next {
						got[i] = srv.run(t, i, &cases[i])
					}
				})
			}
			for i := range cases {
				next <- i
			}
			close(next)
			wg.Wait()

			var tally conformancetest.Tally
			for i := range cases {
				c := &cases[i]
				tally.Add(c, got[i])
				if (len(got[i]) == 0) != (len(local[i]) == 0) {
					t.Errorf("%s: through the API %v, in-process %v; want the same result", c.ID, verdict(got[i]), verdict(local[i]))
				}
			}
			tally.Log(t, "asl-dev through the API on "+backend)
			t.Logf("%d cases in %s", len(cases), time.Since(began).Round(time.Millisecond))
			if tally.Pass != localTally.Pass {
				t.Errorf("%d/%d cases pass through the API, %d in-process; want the same", tally.Pass, tally.Total, localTally.Pass)
			}
			if tally.JSONataPass != tally.JSONataTotal {
				t.Errorf("JSONata: %d/%d cases pass through the API; want all", tally.JSONataPass, tally.JSONataTotal)
			}
		})
	}
}

func verdict(diffs []string) string {
	if len(diffs) == 0 {
		return "passes"
	}
	return fmt.Sprintf("fails (%v)", diffs)
}

// conformanceServer is the API handler on a real store and runner, served
// on 127.0.0.1, and a client of it.
type conformanceServer struct {
	client *sfnclient.Client
	runner *runner.Runner
}

func newConformanceServer(t *testing.T, backend string) *conformanceServer {
	t.Helper()
	e := newEnv(t, backend, func(o *envOptions) {
		o.resources, o.account = noResources{}, "111111111111" // the recordings' account
	})
	client, err := sfnclient.New(sfnclient.Config{Endpoint: e.url, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &conformanceServer{client: client, runner: e.runner}
}

// run runs case number i through the API and returns its differences from
// the recording. Errors of the API that a case cannot cause fail t.
func (s *conformanceServer) run(t *testing.T, i int, c *conformancetest.Case) []string {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var sm wire.CreateStateMachineOutput
	err := s.client.Call(ctx, wire.ActionCreateStateMachine, wire.CreateStateMachineInput{
		Name: fmt.Sprintf("conformance-%03d", i), Definition: string(c.DefinitionBytes()), RoleArn: conformancetest.RoleARN,
	}, &sm)
	if sfnclient.Code(err) == wire.InvalidDefinition {
		return []string{fmt.Sprintf("CreateStateMachine: %v", err)}
	}
	if err != nil {
		t.Errorf("%s: %v", c.ID, err)
		return []string{err.Error()}
	}
	var start wire.StartExecutionOutput
	err = s.client.Call(ctx, wire.ActionStartExecution, wire.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: "exec-1", Input: c.Input}, &start)
	if sfnclient.Code(err) == wire.InvalidExecutionInput {
		return []string{fmt.Sprintf("StartExecution: %v", err)}
	}
	if err != nil {
		t.Errorf("%s: %v", c.ID, err)
		return []string{err.Error()}
	}
	if _, err := s.runner.WaitExecution(ctx, start.ExecutionArn); err != nil {
		t.Errorf("%s: WaitExecution: %v", c.ID, err)
		return []string{err.Error()}
	}
	var d wire.DescribeExecutionOutput
	if err := s.client.Call(ctx, wire.ActionDescribeExecution, wire.DescribeExecutionInput{ExecutionArn: start.ExecutionArn}, &d); err != nil {
		t.Errorf("%s: %v", c.ID, err)
		return []string{err.Error()}
	}
	o := conformancetest.Outcome{Status: d.Status, Output: json.RawMessage(d.Output), Error: d.Error, Cause: d.Cause}
	events, err := historyOf(ctx, s.client, start.ExecutionArn)
	if err != nil {
		t.Errorf("%s: %v", c.ID, err)
		return []string{err.Error()}
	}
	for j, e := range events {
		if e.ID != int64(j+1) {
			t.Errorf("%s: history event %d has id %d: a gap or a duplicate", c.ID, j+1, e.ID)
		}
		o.HistoryTypes = append(o.HistoryTypes, e.Type)
	}
	return c.Diff(o)
}

// historyOf reads an execution's whole history, page by page.
func historyOf(ctx context.Context, c *sfnclient.Client, arn string) ([]wire.HistoryEvent, error) {
	var all []wire.HistoryEvent
	in := wire.GetExecutionHistoryInput{ExecutionArn: arn, MaxResults: 100}
	for {
		var out wire.GetExecutionHistoryOutput
		if err := c.Call(ctx, wire.ActionGetExecutionHistory, in, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Events...)
		if out.NextToken == "" {
			return slices.Clip(all), nil
		}
		in.NextToken = out.NextToken
	}
}
