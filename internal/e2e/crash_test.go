package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/sfnclient"
)

// waitSeconds is how long the crash test's Wait states last: long enough to
// still be waiting when the server is killed, short enough for CI.
const waitSeconds = 3

const (
	waitDef = `{"StartAt":"Before","States":{
"Before":{"Type":"Pass","Result":"before","ResultPath":"$.before","Next":"Sleep"},
"Sleep":{"Type":"Wait","SecondsPath":"$.wait","Next":"After"},
"After":{"Type":"Pass","Result":"after","ResultPath":"$.after","End":true}}}`

	// tokenDef hands a task token to the endpoint bound to E2E_CALLBACK
	// and waits for it to come back.
	tokenDef = `{"StartAt":"Pay","States":{
"Pay":{"Type":"Task","Resource":"E2E_CALLBACK.waitForTaskToken","Parameters":{"key.$":"$.key"},"ResultPath":"$.paid","Next":"Done"},
"Done":{"Type":"Succeed"}}}`

	activityDef = `{"StartAt":"Work","States":{
"Work":{"Type":"Task","Resource":"%s","Parameters":{"key.$":"$.key"},"ResultPath":"$.work","End":true}}}`

	// mapDef's iterations first wait their item's seconds, then wait on a token.
	mapDef = `{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","ResultPath":"$.results","End":true,
"Iterator":{"StartAt":"Nap","States":{
 "Nap":{"Type":"Wait","SecondsPath":"$.wait","Next":"Ask"},
 "Ask":{"Type":"Task","Resource":"E2E_CALLBACK.waitForTaskToken","Parameters":{"key.$":"$.key"},"End":true}}}}}}`

	// parallelDef's branches wait on a timer, a task token and an activity.
	parallelDef = `{"StartAt":"All","States":{"All":{"Type":"Parallel","End":true,"Branches":[
 {"StartAt":"Sleep","States":{"Sleep":{"Type":"Wait","SecondsPath":"$.wait","Next":"Slept"},"Slept":{"Type":"Pass","Result":"slept","End":true}}},
 {"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"E2E_CALLBACK.waitForTaskToken","Parameters":{"key.$":"$.key"},"End":true}}},
 {"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"%s","Parameters":{"key.$":"States.Format('{}-activity', $.key)"},"End":true}}}]}}}`
)

// scenarioExec is one execution of the crash scenario.
type scenarioExec struct {
	name, machine, input string
	ordered              bool // false when branches or iterations interleave
}

var scenario = []scenarioExec{
	{"wait-1", "wait", fmt.Sprintf(`{"wait":%d}`, waitSeconds), true},
	{"token-ok", "token", `{"key":"token-ok"}`, true},
	{"token-fail", "token", `{"key":"token-fail"}`, true},
	{"activity-1", "activity", `{"key":"activity-1"}`, true},
	{"map-1", "map", fmt.Sprintf(`{"items":[{"key":"map-1-0","wait":0},{"key":"map-1-1","wait":0},{"key":"map-1-2","wait":%d}]}`, waitSeconds), false},
	{"parallel-1", "parallel", fmt.Sprintf(`{"key":"parallel-1","wait":%d}`, waitSeconds), false},
}

// TestCrashResumesWaitingExecutions kills `paystep serve` with SIGKILL
// while executions sit in a Wait, on task tokens (an HTTP-bound resource),
// on an activity, inside a Map and inside a Parallel; restarts it on the
// same SQLite file; completes what needs completing; and checks that each
// execution ends exactly as the same execution did on a server that was
// not killed, with the history it had before the crash unchanged and no
// gap or duplicate after it.
func TestCrashResumesWaitingExecutions(t *testing.T) {
	t.Parallel()
	var control, crashed map[string]result
	t.Run("runs", func(t *testing.T) {
		t.Run("control", func(t *testing.T) {
			t.Parallel()
			control = runScenario(t, false)
		})
		t.Run("crash", func(t *testing.T) {
			t.Parallel()
			crashed = runScenario(t, true)
		})
	})
	if t.Failed() {
		return
	}
	for _, x := range scenario {
		got, want := crashed[x.name], control[x.name]
		sameEnd(t, x.name, got, want, x.ordered)
	}
	// The scenario itself: what "ending as without the crash" means here.
	want := map[string]string{
		"wait-1": "SUCCEEDED", "token-ok": "SUCCEEDED", "token-fail": "FAILED",
		"activity-1": "SUCCEEDED", "map-1": "SUCCEEDED", "parallel-1": "SUCCEEDED",
	}
	for name, status := range want {
		if got := control[name].Status; got != status {
			t.Errorf("%s ended %s without a crash, want %s", name, got, status)
		}
	}
	if got, want := control["parallel-1"].Output, `["slept",{"paid":"parallel-1"},{"worked":"parallel-1-activity"}]`; !jsonEqual(got, want) {
		t.Errorf("parallel-1 output %s, want %s", got, want)
	}
	if got, want := control["map-1"].Output, `{"items":[{"key":"map-1-0","wait":0},{"key":"map-1-1","wait":0},{"key":"map-1-2","wait":3}],"results":[{"paid":"map-1-0"},{"paid":"map-1-1"},{"paid":"map-1-2"}]}`; !jsonEqual(got, want) {
		t.Errorf("map-1 output %s, want %s", got, want)
	}
}

// runScenario starts the scenario's executions on a fresh server, waits
// until each sits where it waits, kills and restarts the server when
// crash is set, completes the tasks and returns how each execution ended.
func runScenario(t *testing.T, crash bool) map[string]result {
	ep := newEndpoint(t)
	db := filepath.Join(t.TempDir(), "paystep.db")
	args := []string{"--db", db, "--allow-private-targets", "--bindings", writeBindings(t, map[string]string{"E2E_CALLBACK": ep.url("/token")})}
	srv := serve(t, "paystep serve", args...)

	act := srv.createActivity(t, "e2e-work")
	machines := map[string]string{
		"wait":     srv.createMachine(t, "wait", waitDef),
		"token":    srv.createMachine(t, "token", tokenDef),
		"activity": srv.createMachine(t, "activity", fmt.Sprintf(activityDef, act)),
		"map":      srv.createMachine(t, "map", mapDef),
		"parallel": srv.createMachine(t, "parallel", fmt.Sprintf(parallelDef, act)),
	}
	arns := map[string]string{}
	for _, x := range scenario {
		arns[x.name] = srv.start(t, machines[x.machine], x.name, x.input)
	}

	// Every execution sits where it waits.
	has := func(name string, typ string, n int) func() bool {
		return func() bool {
			h, err := srv.history(t.Context(), arns[name])
			return err == nil && count(h, typ) >= n
		}
	}
	eventually(t, time.Minute, "the tokens reach the endpoint", func() bool { return ep.has("token-ok", "token-fail", "map-1-0", "map-1-1", "parallel-1") })
	eventually(t, time.Minute, "wait-1 waits", has("wait-1", "WaitStateEntered", 1))
	eventually(t, time.Minute, "activity-1 is scheduled", has("activity-1", "ActivityScheduled", 1))
	eventually(t, time.Minute, "map-1's third iteration waits", has("map-1", "WaitStateEntered", 3))
	eventually(t, time.Minute, "parallel-1's branches wait", func() bool {
		return has("parallel-1", "ActivityScheduled", 1)() && has("parallel-1", "WaitStateEntered", 1)()
	})
	// The endpoint's answers are recorded: a call whose answer a crash
	// loses is made again (the documented repeat), which is not what this
	// test is about.
	for name, n := range map[string]int{"token-ok": 1, "token-fail": 1, "map-1": 2, "parallel-1": 1} {
		eventually(t, time.Minute, name+"'s callback calls are recorded", has(name, "TaskSubmitted", n))
	}

	var before map[string][]wire.HistoryEvent
	if crash {
		srv.kill(t)
		t.Logf("killed %s (pid %d) with SIGKILL", srv.name, srv.cmd.Process.Pid)
		srv = serve(t, "paystep serve (restarted)", args...)
		before = map[string][]wire.HistoryEvent{}
		for _, x := range scenario {
			h, err := srv.history(testCtx(t), arns[x.name])
			if err != nil {
				t.Fatal(err)
			}
			before[x.name] = h
		}
		submitted := map[string]int{}
		for name, h := range before {
			submitted[name] = count(h, "TaskSubmitted")
		}
		t.Logf("TaskSubmitted events recorded before the crash: %v", submitted)
		for _, name := range []string{"wait-1", "map-1", "parallel-1"} {
			if count(before[name], "WaitStateExited") == count(before[name], "WaitStateEntered") {
				t.Logf("%s's Wait had passed before the crash: the machine was slow; its timer was not tested across the restart", name)
			}
		}
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { answerTokens(ctx, t, srv, ep) })
	wg.Go(func() { workActivity(ctx, t, srv, act, 2) })
	out := map[string]result{}
	for _, x := range scenario {
		out[x.name] = srv.awaitEnd(t, arns[x.name], 2*time.Minute)
	}
	cancel()
	wg.Wait()

	for _, x := range scenario {
		for i, e := range before[x.name] {
			if h := out[x.name].History; i >= len(h) || !sameEvent(h[i], e) {
				t.Errorf("%s: event %d (%s) of the history before the crash changed after it", x.name, e.ID, e.Type)
				break
			}
		}
	}
	ep.tokens(t) // one token per key
	calls := map[string]int{}
	for _, c := range ep.snapshot() {
		calls[c.Key]++
	}
	for key, n := range calls {
		if n > 1 {
			// Submissions were recorded before the crash: a resource that
			// accepted the call is not called again.
			t.Errorf("the endpoint was called %d times for %s, want once", n, key)
		}
	}
	t.Logf("endpoint calls by key: %v", calls)
	return out
}

func count(h []wire.HistoryEvent, typ string) int {
	n := 0
	for _, e := range h {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func sameEvent(a, b wire.HistoryEvent) bool {
	return a.ID == b.ID && a.PreviousEventID == b.PreviousEventID && a.Type == b.Type &&
		a.Timestamp.Equal(b.Timestamp.Time) && jsonEqual(string(a.Details), string(b.Details))
}

// answerTokens sends back each task token the endpoint received, once:
// SendTaskFailure for keys ending in "-fail", SendTaskSuccess with
// {"paid": key} for the others, until ctx ends.
func answerTokens(ctx context.Context, t *testing.T, srv *proc, ep *endpoint) {
	answered := map[string]bool{}
	_ = poll(ctx, func() (bool, error) {
		for _, c := range ep.snapshot() {
			if answered[c.Token] {
				continue
			}
			var err error
			if strings.HasSuffix(c.Key, "-fail") {
				err = srv.call(ctx, wire.ActionSendTaskFailure, wire.SendTaskFailureInput{TaskToken: c.Token, Error: "Card.Declined", Cause: "insufficient funds"}, nil)
			} else {
				out, _ := json.Marshal(map[string]string{"paid": c.Key})
				err = srv.call(ctx, wire.ActionSendTaskSuccess, wire.SendTaskSuccessInput{TaskToken: c.Token, Output: string(out)}, nil)
			}
			if err != nil && ctx.Err() == nil {
				t.Errorf("answer the token of %s: %v", c.Key, err)
			}
			answered[c.Token] = true
		}
		return false, nil
	})
}

// workActivity takes n tasks of the activity and answers each with
// {"worked": key}.
func workActivity(ctx context.Context, t *testing.T, srv *proc, act string, n int) {
	for n > 0 && ctx.Err() == nil {
		var task wire.GetActivityTaskOutput
		if err := srv.call(ctx, wire.ActionGetActivityTask, wire.GetActivityTaskInput{ActivityArn: act, WorkerName: "e2e"}, &task); err != nil {
			if ctx.Err() == nil {
				t.Errorf("GetActivityTask: %v", err)
			}
			return
		}
		if task.TaskToken == "" {
			continue
		}
		var in struct{ Key string }
		if err := json.Unmarshal([]byte(task.Input), &in); err != nil {
			t.Errorf("activity task input %s: %v", task.Input, err)
		}
		out, _ := json.Marshal(map[string]string{"worked": in.Key})
		if err := srv.call(ctx, wire.ActionSendTaskSuccess, wire.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: string(out)}, nil); err != nil {
			t.Errorf("SendTaskSuccess for activity task %s: %v", in.Key, err)
		}
		n--
	}
}

// streamDef runs a short workflow: a Pass, a Wait of $.wait seconds, an
// HTTP task bound to E2E_WORK, a Map, a Choice.
const streamDef = `{"StartAt":"Prepare","States":{
"Prepare":{"Type":"Pass","Parameters":{"key.$":"$.key","wait.$":"$.wait","items":[1,2,3]},"Next":"Nap"},
"Nap":{"Type":"Wait","SecondsPath":"$.wait","Next":"Work"},
"Work":{"Type":"Task","Resource":"E2E_WORK","Parameters":{"key.$":"$.key"},"ResultPath":"$.work","Next":"Each"},
"Each":{"Type":"Map","ItemsPath":"$.items","ResultPath":"$.doubled","Next":"Check",
 "Iterator":{"StartAt":"Double","States":{"Double":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($, $)"},"End":true}}}},
"Check":{"Type":"Choice","Choices":[{"Variable":"$.work.done","StringEqualsPath":"$.key","Next":"Done"}],"Default":"Wrong"},
"Done":{"Type":"Succeed"},
"Wrong":{"Type":"Fail","Error":"E2E.Mismatch"}}}`

func streamInput(key string) string {
	wait := 0
	if key[len(key)-1]%3 == 0 {
		wait = 1
	}
	return fmt.Sprintf(`{"key":%q,"wait":%d}`, key, wait)
}

func streamOutput(key string) string {
	var in struct {
		Wait int `json:"wait"`
	}
	json.Unmarshal([]byte(streamInput(key)), &in)
	return fmt.Sprintf(`{"key":%q,"wait":%d,"items":[1,2,3],"work":{"done":%q},"doubled":[{"v":2},{"v":4},{"v":6}]}`, key, in.Wait, key)
}

// TestCrashLoop starts executions from several clients without pause and
// kills the server with SIGKILL at a random moment, restarts it on the same
// SQLite file, and again, several times. A start the server acknowledged
// must never be lost; a start that got no answer is repeated after the
// restart (StartExecution is idempotent by name) and must then exist once.
// At the end every execution succeeded, once, with the history of a run
// that was not interrupted, without gaps.
func TestCrashLoop(t *testing.T) {
	t.Parallel()
	const rounds, clients = 5, 4
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d", seed)

	ep := newEndpoint(t)
	args := []string{"--db", filepath.Join(t.TempDir(), "paystep.db"), "--allow-private-targets",
		"--bindings", writeBindings(t, map[string]string{"E2E_WORK": ep.url("/work")})}
	srv := serve(t, "paystep serve", args...)
	sm := srv.createMachine(t, "stream", streamDef)

	var (
		mu        sync.Mutex
		acked     = map[string]string{} // name → execution ARN
		uncertain []string              // starts that got no answer
		next      atomic.Int64
	)
	startAll := func(srv *proc, names []string) {
		for _, name := range names {
			var out wire.StartExecutionOutput
			err := srv.call(testCtx(t), wire.ActionStartExecution, wire.StartExecutionInput{StateMachineArn: sm, Name: name, Input: streamInput(name)}, &out)
			switch {
			case err == nil:
			case sfnclient.Code(err) == wire.ExecutionAlreadyExists: // it started and ended before the crash
				out.ExecutionArn = strings.Replace(sm, ":stateMachine:", ":execution:", 1) + ":" + name
			default:
				t.Fatalf("StartExecution(%s) again after the restart: %v", name, err)
			}
			acked[name] = out.ExecutionArn
		}
	}
	for round := range rounds {
		if round > 0 {
			srv = serve(t, fmt.Sprintf("paystep serve (restart %d)", round), args...)
		}
		startAll(srv, uncertain)
		uncertain = nil
		if round == rounds-1 {
			break // the last server runs to the end
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					name := fmt.Sprintf("s-%05d", next.Add(1))
					var out wire.StartExecutionOutput
					err := srv.call(t.Context(), wire.ActionStartExecution, wire.StartExecutionInput{StateMachineArn: sm, Name: name, Input: streamInput(name)}, &out)
					mu.Lock()
					if err == nil {
						acked[name] = out.ExecutionArn
					} else {
						uncertain = append(uncertain, name)
					}
					mu.Unlock()
					if err != nil {
						return // the server is gone
					}
				}
			})
		}
		after := time.Duration(200+rng.IntN(1300)) * time.Millisecond
		select { // the load runs for a random while: this is the crash's moment, not a synchronisation
		case <-time.After(after):
		case <-t.Context().Done():
		}
		srv.kill(t)
		close(stop)
		wg.Wait()
		t.Logf("round %d: killed after %s; %d starts acknowledged so far, %d unanswered", round, after, len(acked), len(uncertain))
	}

	// A reference execution on the healthy server.
	ref := srv.awaitEnd(t, srv.start(t, sm, "reference", streamInput("reference")), time.Minute)
	if ref.Status != "SUCCEEDED" || !jsonEqual(ref.Output, streamOutput("reference")) {
		t.Fatalf("the reference execution ended %s with %s (%s: %s)", ref.Status, ref.Output, ref.Error, ref.Cause)
	}

	listed := srv.listExecutions(t, sm)
	seen := map[string]bool{}
	for _, x := range listed {
		if seen[x.Name] {
			t.Errorf("execution %s is listed twice", x.Name)
		}
		seen[x.Name] = true
		if _, ok := acked[x.Name]; !ok && x.Name != "reference" {
			t.Errorf("execution %s exists but was never started", x.Name)
		}
	}
	names := make([]string, 0, len(acked))
	for name := range acked {
		names = append(names, name)
		if !seen[name] {
			t.Errorf("execution %s was acknowledged but is lost", name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		got := srv.awaitEnd(t, acked[name], 2*time.Minute)
		if got.Status != "SUCCEEDED" || !jsonEqual(got.Output, streamOutput(name)) {
			t.Errorf("%s ended %s with %s (%s: %s), want SUCCEEDED with %s", name, got.Status, got.Output, got.Error, got.Cause, streamOutput(name))
		}
		if !slices.Equal(types(got.History), types(ref.History)) {
			t.Errorf("%s history:\n%v\nwithout crashes:\n%v", name, types(got.History), types(ref.History))
		}
	}
	tokens := ep.tokens(t)
	repeats := len(ep.snapshot()) - len(tokens)
	for _, name := range names {
		if tokens[name] == "" {
			t.Errorf("%s succeeded but its task never reached the endpoint", name)
		}
	}
	t.Logf("%d executions over %d kills; %d tasks invoked again after a crash", len(names), rounds-1, repeats)
	if len(names) < 10*(rounds-1) {
		t.Errorf("only %d executions started: the load did not run", len(names))
	}
}
