package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/clock"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func mustLoad(t testing.TB, def string) *asl.StateMachine {
	t.Helper()
	sm, err := asl.Load([]byte(def), asl.LoadOptions{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return sm
}

func newTestExecution(input string) *Execution {
	return NewExecution("arn:aws:states:eu-west-1:111111111111:execution:sm:e1", "e1",
		"arn:aws:states:eu-west-1:111111111111:stateMachine:sm", "sm", json.RawMessage(input), t0)
}

// script answers each invocation of a resource with the next of its replies;
// a reply starting with "!" is an error "!Name:Cause".
type script map[string][]string

func (s script) Invoke(_ context.Context, t *Task) (json.RawMessage, error) {
	replies := s[t.Resource]
	if len(replies) == 0 {
		return nil, &TaskError{Name: "States.TaskFailed", Cause: "unscripted " + t.Resource}
	}
	r := replies[0]
	if len(replies) > 1 {
		s[t.Resource] = replies[1:]
	}
	if name, ok := strings.CutPrefix(r, "!"); ok {
		name, cause, _ := strings.Cut(name, ":")
		return nil, &TaskError{Name: name, Cause: cause}
	}
	return json.RawMessage(r), nil
}

func types(h []HistoryEvent) []string {
	out := make([]string, len(h))
	for i, e := range h {
		out[i] = e.Type
	}
	return out
}

func runScript(t *testing.T, def, input string, sc script) (*Execution, []HistoryEvent) {
	t.Helper()
	ex := newTestExecution(input)
	h, err := RunLocal(context.Background(), mustLoad(t, def), ex, sc, LocalConfig{Clock: clock.NewFake(t0), FastWaits: true})
	if err != nil {
		t.Fatalf("RunLocal: %v", err)
	}
	return ex, h
}

func TestTaskDataFlow(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"psp:charge",
		"InputPath":"$.order",
		"Parameters":{"amount.$":"$.amount","currency":"EUR"},
		"ResultSelector":{"id.$":"$.id"},
		"ResultPath":"$.charge",
		"OutputPath":"$.charge",
		"End":true}}}`
	var gotInput json.RawMessage
	ex := newTestExecution(`{"order":{"amount":1050}}`)
	h, err := RunLocal(context.Background(), mustLoad(t, def), ex, InvokerFunc(func(_ context.Context, tk *Task) (json.RawMessage, error) {
		gotInput = tk.Input
		return json.RawMessage(`{"id":"ch_1","raw":true}`), nil
	}), LocalConfig{Clock: clock.NewFake(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if string(gotInput) != `{"amount":1050,"currency":"EUR"}` {
		t.Errorf("task input = %s, want the Parameters over the InputPath", gotInput)
	}
	if ex.Status != StatusSucceeded || string(ex.Output) != `{"id":"ch_1"}` {
		t.Errorf("execution = %s %s, want SUCCEEDED {\"id\":\"ch_1\"}", ex.Status, ex.Output)
	}
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}
	if diff := cmp.Diff(want, types(h)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func TestRetryAndCatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		retry     string
		catch     string
		replies   []string
		status    Status
		output    string
		errName   string
		attempts  int
		wantTypes []string
	}{
		{
			name:    "retried until success",
			retry:   `[{"ErrorEquals":["Psp.Timeout"],"MaxAttempts":3}]`,
			replies: []string{"!Psp.Timeout:slow", "!Psp.Timeout:slow", `{"ok":true}`},
			status:  StatusSucceeded, output: `{"ok":true}`, attempts: 3,
		},
		{
			name:    "retries exhausted then caught with ResultPath",
			retry:   `[{"ErrorEquals":["States.ALL"],"MaxAttempts":1}]`,
			catch:   `[{"ErrorEquals":["Psp.Declined"],"Next":"Declined","ResultPath":"$.error"}]`,
			replies: []string{"!Psp.Declined:card declined", "!Psp.Declined:card declined"},
			status:  StatusSucceeded, output: `{"error":{"Cause":"card declined","Error":"Psp.Declined"},"order":1}`, attempts: 2,
		},
		{
			name:    "MaxAttempts zero never retries",
			retry:   `[{"ErrorEquals":["States.ALL"],"MaxAttempts":0}]`,
			replies: []string{"!Boom:x"},
			status:  StatusFailed, errName: "Boom", attempts: 1,
		},
		{
			name:    "first matching retrier only, each with its own count",
			retry:   `[{"ErrorEquals":["A"],"MaxAttempts":1},{"ErrorEquals":["States.ALL"],"MaxAttempts":2}]`,
			replies: []string{"!A:1", "!B:2", "!B:3", "!A:4"},
			status:  StatusFailed, errName: "A", attempts: 4,
		},
		{
			name:    "States.TaskFailed catches task errors",
			catch:   `[{"ErrorEquals":["States.TaskFailed"],"Next":"Declined"}]`,
			replies: []string{"!Psp.Declined:no"},
			status:  StatusSucceeded, output: `{"Cause":"no","Error":"Psp.Declined"}`, attempts: 1,
		},
		{
			name:    "uncaught failure fails the execution",
			catch:   `[{"ErrorEquals":["Other"],"Next":"Declined"}]`,
			replies: []string{"!Psp.Declined:no"},
			status:  StatusFailed, errName: "Psp.Declined", attempts: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			retry, catch := tc.retry, tc.catch
			if retry == "" {
				retry = "[]"
			}
			if catch == "" { // keep Declined reachable
				catch = `[{"ErrorEquals":["Never.Happens"],"Next":"Declined"}]`
			}
			def := fmt.Sprintf(`{"StartAt":"Charge","States":{
				"Charge":{"Type":"Task","Resource":"psp:charge","Retry":%s,"Catch":%s,"End":true},
				"Declined":{"Type":"Pass","End":true}}}`, retry, catch)
			sc := script{"psp:charge": tc.replies}
			ex, h := runScript(t, def, `{"order":1}`, sc)
			if ex.Status != tc.status {
				t.Fatalf("status = %s (%s: %s), want %s", ex.Status, ex.Error, ex.Cause, tc.status)
			}
			if tc.output != "" && string(ex.Output) != tc.output {
				t.Errorf("output = %s, want %s", ex.Output, tc.output)
			}
			if tc.errName != "" && ex.Error != tc.errName {
				t.Errorf("error = %s, want %s", ex.Error, tc.errName)
			}
			if got := slices.Index(types(h), "TaskScheduled"); got < 0 {
				t.Fatal("no TaskScheduled event")
			}
			attempts := 0
			for _, ty := range types(h) {
				if ty == "TaskScheduled" {
					attempts++
				}
			}
			if attempts != tc.attempts {
				t.Errorf("attempts = %d, want %d; history %v", attempts, tc.attempts, types(h))
			}
		})
	}
}

func TestRetryBackoff(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","End":true,
		"Retry":[{"ErrorEquals":["E"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":4,"MaxDelaySeconds":10}]}}}`
	sm := mustLoad(t, def)
	ex := newTestExecution(`{}`)
	now := t0
	res, err := Step(sm, ex, Event{Kind: EventStart}, Env{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var delays []time.Duration
	for range 4 {
		task := res.Effects[len(res.Effects)-1].Invoke
		if res, err = Step(sm, ex, Event{Kind: EventTaskFailed, TaskID: task.ID, Error: "E"}, Env{Now: now}); err != nil {
			t.Fatal(err)
		}
		wake := ex.NextWake()
		delays = append(delays, wake.Sub(now))
		now = wake
		if res, err = Step(sm, ex, Event{Kind: EventTick}, Env{Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Duration{2 * time.Second, 6 * time.Second, 10 * time.Second, 10 * time.Second}
	if diff := cmp.Diff(want, delays); diff != "" {
		t.Errorf("retry delays (-want +got):\n%s", diff)
	}
}

func TestTaskTimeoutAndHeartbeat(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:eu-west-1:111111111111:activity:work",
		"TimeoutSeconds":60,"HeartbeatSeconds":10,
		"Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"Next":"Lapsed"}],"End":true},
		"Lapsed":{"Type":"Pass","End":true}}}`
	sm := mustLoad(t, def)

	t.Run("heartbeats keep it alive until the timeout", func(t *testing.T) {
		t.Parallel()
		ex := newTestExecution(`{}`)
		res, _ := Step(sm, ex, Event{Kind: EventStart}, Env{Now: t0})
		task := res.Effects[0].Invoke
		if task == nil || task.Kind != ResourceActivity || task.Token == "" {
			t.Fatalf("effects = %+v, want an activity invocation with a token", res.Effects)
		}
		now := t0
		for range 6 {
			now = now.Add(9 * time.Second)
			if _, err := Step(sm, ex, Event{Kind: EventTaskHeartbeat, TaskID: task.ID}, Env{Now: now}); err != nil {
				t.Fatal(err)
			}
			if _, err := Step(sm, ex, Event{Kind: EventTick}, Env{Now: now}); err != nil {
				t.Fatal(err)
			}
		}
		if ex.Status != StatusRunning {
			t.Fatalf("status after heartbeats = %s, want RUNNING", ex.Status)
		}
		res, _ = Step(sm, ex, Event{Kind: EventTick}, Env{Now: t0.Add(60 * time.Second)})
		if ex.Status != StatusFailed || ex.Error != "States.Timeout" {
			t.Errorf("after the timeout: %s %s, want FAILED States.Timeout", ex.Status, ex.Error)
		}
		if !slices.Contains(types(res.Events), "ActivityTimedOut") {
			t.Errorf("events %v lack ActivityTimedOut", types(res.Events))
		}
		if _, err := Step(sm, ex, Event{Kind: EventTaskSucceeded, TaskID: task.ID, Output: json.RawMessage(`1`)}, Env{Now: now}); err != ErrNotRunning {
			t.Errorf("late success error = %v, want ErrNotRunning", err)
		}
	})

	t.Run("a lapsed heartbeat is caught", func(t *testing.T) {
		t.Parallel()
		ex := newTestExecution(`{"a":1}`)
		res, _ := Step(sm, ex, Event{Kind: EventStart}, Env{Now: t0})
		task := res.Effects[0].Invoke
		res, _ = Step(sm, ex, Event{Kind: EventTick}, Env{Now: t0.Add(10 * time.Second)})
		if ex.Status != StatusSucceeded {
			t.Fatalf("status = %s (%s), want SUCCEEDED through the catcher", ex.Status, ex.Error)
		}
		if string(ex.Output) != `{"Cause":"","Error":"States.HeartbeatTimeout"}` {
			t.Errorf("output = %s", ex.Output)
		}
		if len(res.Effects) == 0 || res.Effects[0].Cancel == nil || res.Effects[0].Cancel.ID != task.ID {
			t.Errorf("effects = %+v, want the lapsed task cancelled", res.Effects)
		}
		if _, err := Step(sm, ex, Event{Kind: EventTaskSucceeded, TaskID: task.ID}, Env{Now: t0}); err != ErrNotRunning {
			t.Errorf("late success error = %v, want ErrNotRunning", err)
		}
	})
}

func TestWaitForTaskTokenContext(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"Pay","States":{"Pay":{"Type":"Task","Resource":"arn:aws:states:::http:invoke.waitForTaskToken",
		"Parameters":{"token.$":"$$.Task.Token","amount.$":"$.amount"},"End":true}}}`
	sm := mustLoad(t, def)
	ex := newTestExecution(`{"amount":5}`)
	res, err := Step(sm, ex, Event{Kind: EventStart}, Env{Now: t0, Token: func(_ *Execution, id int64) string { return fmt.Sprintf("tok-%d", id) }})
	if err != nil {
		t.Fatal(err)
	}
	task := res.Effects[0].Invoke
	if string(task.Input) != `{"amount":5,"token":"tok-1"}` || task.Token != "tok-1" {
		t.Fatalf("task = %s token %q, want the token in the parameters", task.Input, task.Token)
	}
	res, _ = Step(sm, ex, Event{Kind: EventTaskSubmitted, TaskID: task.ID, Output: json.RawMessage(`{"StatusCode":200}`)}, Env{Now: t0})
	if diff := cmp.Diff([]string{"TaskSubmitted"}, types(res.Events)); diff != "" {
		t.Errorf("submitted events (-want +got):\n%s", diff)
	}
	if _, err := Step(sm, ex, Event{Kind: EventTaskSucceeded, TaskID: task.ID, Output: json.RawMessage(`{"paid":true}`)}, Env{Now: t0}); err != nil {
		t.Fatal(err)
	}
	if ex.Status != StatusSucceeded || string(ex.Output) != `{"paid":true}` {
		t.Errorf("execution = %s %s", ex.Status, ex.Output)
	}
	if _, err := Step(sm, ex, Event{Kind: EventTaskSucceeded, TaskID: task.ID}, Env{Now: t0}); err == nil {
		t.Error("a second use of the task succeeded, want an error")
	}
}

func TestParallelBranchFailureCancelsSiblings(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Handled"}],
		"Branches":[
			{"StartAt":"Slow","States":{"Slow":{"Type":"Task","Resource":"slow","End":true}}},
			{"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"Boom","Cause":"branch 2"}}}]},
		"Handled":{"Type":"Pass","End":true}}}`
	sm := mustLoad(t, def)
	ex := newTestExecution(`{}`)
	res, err := Step(sm, ex, Event{Kind: EventStart}, Env{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	var invoked, cancelled int64
	for _, e := range res.Effects {
		if e.Invoke != nil {
			invoked = e.Invoke.ID
		}
		if e.Cancel != nil {
			cancelled = e.Cancel.ID
		}
	}
	if invoked == 0 || cancelled != invoked {
		t.Errorf("effects %+v: want the slow branch's task invoked and then cancelled", res.Effects)
	}
	if ex.Status != StatusSucceeded || string(ex.Output) != `{"Cause":"branch 2","Error":"Boom"}` {
		t.Errorf("execution = %s %s, want the branch error caught", ex.Status, ex.Output)
	}
	if len(ex.Frames) != 0 || len(ex.Timers) != 0 {
		t.Errorf("frames %d timers %d left behind", len(ex.Frames), len(ex.Timers))
	}
}

func TestMapConcurrencyAndOrder(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"ItemsPath":"$.xs",
		"ItemSelector":{"x.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
		"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"work","End":true}}},"End":true}}}`
	sm := mustLoad(t, def)
	ex := newTestExecution(`{"xs":["a","b","c","d","e"]}`)
	res, _ := Step(sm, ex, Event{Kind: EventStart}, Env{Now: t0})
	inflight := invokes(res)
	if len(inflight) != 2 {
		t.Fatalf("%d tasks started, want MaxConcurrency 2", len(inflight))
	}
	// Complete them in reverse order; results must still come out in item order.
	for len(inflight) > 0 {
		task := inflight[len(inflight)-1]
		inflight = inflight[:len(inflight)-1]
		res, err := Step(sm, ex, Event{Kind: EventTaskSucceeded, TaskID: task.ID, Output: task.Input}, Env{Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		inflight = append(inflight, invokes(res)...)
		if len(inflight) > 2 {
			t.Fatalf("%d tasks in flight, want at most 2", len(inflight))
		}
	}
	want := `[{"i":0,"x":"a"},{"i":1,"x":"b"},{"i":2,"x":"c"},{"i":3,"x":"d"},{"i":4,"x":"e"}]`
	if ex.Status != StatusSucceeded || string(ex.Output) != want {
		t.Errorf("execution = %s %s, want %s", ex.Status, ex.Output, want)
	}
}

func invokes(res Result) []*Task {
	var out []*Task
	for _, e := range res.Effects {
		if e.Invoke != nil {
			out = append(out, e.Invoke)
		}
	}
	return out
}

func TestStopAndExecutionTimeout(t *testing.T) {
	t.Parallel()
	sm := mustLoad(t, `{"TimeoutSeconds":30,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)

	ex := newTestExecution(`{}`)
	if _, err := Step(sm, ex, Event{Kind: EventStart}, Env{Now: t0}); err != nil {
		t.Fatal(err)
	}
	if got := ex.NextWake(); !got.Equal(t0.Add(30 * time.Second)) {
		t.Errorf("NextWake = %v, want the execution timeout first", got)
	}
	res, _ := Step(sm, ex, Event{Kind: EventTick}, Env{Now: t0.Add(30 * time.Second)})
	if ex.Status != StatusTimedOut || !slices.Contains(types(res.Events), "ExecutionTimedOut") {
		t.Errorf("status %s, events %v; want TIMED_OUT", ex.Status, types(res.Events))
	}

	ex = newTestExecution(`{}`)
	if _, err := Step(sm, ex, Event{Kind: EventStart}, Env{Now: t0}); err != nil {
		t.Fatal(err)
	}
	res, _ = Step(sm, ex, Event{Kind: EventStop, Error: "Operator", Cause: "stopped by hand"}, Env{Now: t0.Add(time.Second)})
	if ex.Status != StatusAborted || ex.Error != "Operator" || types(res.Events)[0] != "ExecutionAborted" {
		t.Errorf("after stop: %s %s %v", ex.Status, ex.Error, types(res.Events))
	}
	if !ex.NextWake().IsZero() {
		t.Error("a stopped execution still has timers")
	}
}

func TestVariablesScopes(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"Set","States":{
		"Set":{"Type":"Pass","Assign":{"fee":25,"who.$":"$.name"},"Next":"Each"},
		"Each":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"Inner","States":{
			"Inner":{"Type":"Pass","Assign":{"local":1},"Parameters":{"x.$":"$","fee.$":"$fee"},"End":true}}},
			"Assign":{"count.$":"States.ArrayLength($)"},"Next":"Read"},
		"Read":{"Type":"Pass","Parameters":{"fee.$":"$fee","who.$":"$who","count.$":"$count"},"End":true}}}`
	ex, h := runScript(t, def, `{"name":"Ada","xs":[1,2]}`, script{})
	if ex.Status != StatusSucceeded {
		t.Fatalf("status %s: %s %s", ex.Status, ex.Error, ex.Cause)
	}
	if string(ex.Output) != `{"count":2,"fee":25,"who":"Ada"}` {
		t.Errorf("output = %s", ex.Output)
	}
	var exited stateExitedDetails
	for _, e := range h {
		if e.Type == "PassStateExited" {
			_ = json.Unmarshal(e.Details, &exited)
			break
		}
	}
	if exited.AssignedVariables["fee"] != "25" || exited.AssignedVariables["who"] != `"Ada"` {
		t.Errorf("assignedVariables = %v", exited.AssignedVariables)
	}
}

func TestHistoryEventJSON(t *testing.T) {
	t.Parallel()
	e := HistoryEvent{ID: 2, PreviousEventID: 1, Timestamp: t0.Add(1500 * time.Millisecond), Type: "PassStateEntered",
		Details: json.RawMessage(`{"name":"A","input":"{}","inputDetails":{"truncated":false}}`)}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"timestamp":1893553446.500,"type":"PassStateEntered","id":2,"previousEventId":1,"stateEnteredEventDetails":{"name":"A","input":"{}","inputDetails":{"truncated":false}}}`
	if string(b) != want {
		t.Errorf("Marshal = %s\nwant      %s", b, want)
	}
}

func TestSeed003RunsAsWritten(t *testing.T) {
	t.Parallel()
	def := readSeed003(t)
	for _, tc := range []struct {
		choice, status string
		tasks          []string
	}{
		{"email", "SUCCEEDED", []string{"ARN_OF_POSTPAYMENTS", "ARN_OF_PROCESSEMAILS_FUNCTION"}},
		{"text", "SUCCEEDED", []string{"ARN_OF_POSTPAYMENTS", "ARN_OF_PROCESSTEXTS_FUNCTION"}},
		{"both", "SUCCEEDED", []string{"ARN_OF_POSTPAYMENTS", "ARN_OF_PROCESSEMAILS_FUNCTION", "ARN_OF_PROCESSTEXTS_FUNCTION"}},
		{"pigeon", "FAILED", []string{"ARN_OF_POSTPAYMENTS"}},
	} {
		t.Run(tc.choice, func(t *testing.T) {
			t.Parallel()
			var called []string
			clk := clock.NewFake(t0)
			ex := newTestExecution(`{"WaitSeconds":5,"InvoiceId":"INV-1"}`)
			h, err := RunLocal(context.Background(), mustLoad(t, def), ex, InvokerFunc(func(_ context.Context, tk *Task) (json.RawMessage, error) {
				called = append(called, tk.Resource)
				return json.RawMessage(fmt.Sprintf(`{"Choices":%q,"from":%q}`, tc.choice, tk.Resource)), nil
			}), LocalConfig{Clock: clk, FastWaits: true})
			if err != nil {
				t.Fatal(err)
			}
			if string(ex.Status) != tc.status {
				t.Fatalf("status = %s (%s), want %s", ex.Status, ex.Error, tc.status)
			}
			if tc.status == "FAILED" && (ex.Error != "DefaultStateError" || ex.Cause != "Error!") {
				t.Errorf("failure = %s: %s, want DefaultStateError: Error!", ex.Error, ex.Cause)
			}
			slices.Sort(called)
			want := slices.Clone(tc.tasks)
			slices.Sort(want)
			if diff := cmp.Diff(want, called); diff != "" {
				t.Errorf("resources called (-want +got):\n%s", diff)
			}
			if h[1].Type != "WaitStateEntered" || h[2].Timestamp.Sub(h[1].Timestamp) != 5*time.Second {
				t.Errorf("the Wait state did not wait the 5 s of SecondsPath: %v", types(h))
			}
		})
	}
}
