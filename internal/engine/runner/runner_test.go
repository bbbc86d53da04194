package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store"
)

func TestActivityTaskRoundTrip(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB) store.Store) {
		st := open(t)
		act := createActivity(t, st, "charge")
		sm := createMachine(t, st, "pay", `{"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"`+act+`",
			"ResultPath":"$.charge","HeartbeatSeconds":60,"End":true}}}`, "")
		h := start(t, st, Config{})

		arn := h.startExec("e1", sm, `{"amount":1050}`)
		if want := wire.ExecutionARN(region, account, "pay", "e1"); arn != want {
			t.Fatalf("execution ARN = %s, want %s", arn, want)
		}
		task := h.poll(act)
		if string(task.Input) != `{"amount":1050}` {
			t.Errorf("task input = %s", task.Input)
		}
		if err := h.r.SendTaskHeartbeat(ctx(t), task.Token); err != nil {
			t.Fatalf("SendTaskHeartbeat: %v", err)
		}
		if err := h.r.SendTaskSuccess(ctx(t), task.Token, `{"id":"ch_1"}`); err != nil {
			t.Fatalf("SendTaskSuccess: %v", err)
		}
		row := h.wait(arn)
		if row.Status != store.ExecutionSucceeded || string(row.Output) != `{"amount":1050,"charge":{"id":"ch_1"}}` {
			t.Errorf("execution = %s %s", row.Status, row.Output)
		}
		want := []string{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"}
		if diff := cmp.Diff(want, types(history(t, st, arn))); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		if tasks, err := st.TaskList(ctx(t), arn); err != nil || len(tasks) != 0 {
			t.Errorf("task rows after the end = %v, %v; want none", tasks, err)
		}

		// A token works once; a garbled or forged one is refused.
		wantCode(t, h.r.SendTaskSuccess(ctx(t), task.Token, `{}`), wire.TaskTimedOut)
		wantCode(t, h.r.SendTaskSuccess(ctx(t), "garbage", `{}`), wire.InvalidToken)
		forged := makeToken([]byte("not the execution's key"), arn, 1)
		wantCode(t, h.r.SendTaskSuccess(ctx(t), forged, `{}`), wire.InvalidToken)
		wantCode(t, h.r.SendTaskSuccess(ctx(t), task.Token, `{"a":`), wire.InvalidOutput)
		wantCode(t, h.r.SendTaskSuccess(ctx(t), task.Token, `"`+strings.Repeat("x", engine.MaxPayloadBytes)+`"`), wire.InvalidOutput)
	})
}

func TestGetActivityTaskTimesOutEmpty(t *testing.T) {
	t.Parallel()
	st := dbtestOpen(t)
	act := createActivity(t, st, "idle")
	h := start(t, st, Config{})
	task, err := h.r.GetActivityTask(ctx(t), act, "w", 100*time.Millisecond)
	if err != nil || task.Token != "" {
		t.Fatalf("GetActivityTask on an idle activity = %+v, %v; want an empty task", task, err)
	}
	_, err = h.r.GetActivityTask(ctx(t), wire.ActivityARN(region, account, "missing"), "w", time.Millisecond)
	wantCode(t, err, wire.ActivityDoesNotExist)
}

func TestStartExecutionIsIdempotentByName(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB) store.Store) {
		st := open(t)
		act := createActivity(t, st, "hold")
		sm := createMachine(t, st, "idem", `{"StartAt":"Hold","States":{"Hold":{"Type":"Task","Resource":"`+act+`","End":true}}}`, "")
		h := start(t, st, Config{})
		first, err := h.r.StartExecution(ctx(t), StartInput{StateMachineARN: sm, Name: "n1", Input: `{"a":1}`})
		if err != nil {
			t.Fatal(err)
		}
		again, err := h.r.StartExecution(ctx(t), StartInput{StateMachineARN: sm, Name: "n1", Input: `{"a":1}`})
		if err != nil || again != first {
			t.Errorf("same name and input while running = %+v, %v; want %+v", again, err, first)
		}
		_, err = h.r.StartExecution(ctx(t), StartInput{StateMachineARN: sm, Name: "n1", Input: `{"a":2}`})
		wantCode(t, err, wire.ExecutionAlreadyExists)
		if _, err := h.r.StopExecution(ctx(t), first.ExecutionARN, "Cancelled", "by the test"); err != nil {
			t.Fatal(err)
		}
		_, err = h.r.StartExecution(ctx(t), StartInput{StateMachineARN: sm, Name: "n1", Input: `{"a":1}`})
		wantCode(t, err, wire.ExecutionAlreadyExists)

		_, err = h.r.StartExecution(ctx(t), StartInput{StateMachineARN: sm, Name: "bad name?", Input: `{}`})
		wantCode(t, err, wire.InvalidName)
		_, err = h.r.StartExecution(ctx(t), StartInput{StateMachineARN: sm, Input: `{"a":`})
		wantCode(t, err, wire.InvalidExecutionInput)
		_, err = h.r.StartExecution(ctx(t), StartInput{StateMachineARN: wire.StateMachineARN(region, account, "nope")})
		wantCode(t, err, wire.StateMachineDoesNotExist)
		_, err = h.r.StartExecution(ctx(t), StartInput{StateMachineARN: "arn:nonsense"})
		wantCode(t, err, wire.InvalidArn)
	})
}

func TestCallbackTaskAndStop(t *testing.T) {
	t.Parallel()
	st := dbtestOpen(t)
	sm := createMachine(t, st, "cb", `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::http:invoke.waitForTaskToken",
		"Parameters":{"token.$":"$$.Task.Token"},"End":true}}}`, "")
	tokens := make(chan string, 4)
	res := resources(func(_ context.Context, t *engine.Task) (json.RawMessage, error) {
		var in struct{ Token string }
		json.Unmarshal(t.Input, &in)
		tokens <- in.Token
		return json.RawMessage(`{"StatusCode":202}`), nil
	})
	h := start(t, st, Config{Resources: res})

	arn := h.startExec("ok", sm, `{}`)
	tok := <-tokens
	// The resource hands the token out before it returns: wait until its
	// answer is recorded so the history has one order.
	waitForEvent(t, st, arn, "TaskSubmitted")
	if err := h.r.SendTaskFailure(ctx(t), tok, "Payment.Failed", "card_declined"); err != nil {
		t.Fatal(err)
	}
	row := h.wait(arn)
	if row.Status != store.ExecutionFailed || row.Error != "Payment.Failed" || row.Cause != "card_declined" {
		t.Errorf("execution = %s %s %s", row.Status, row.Error, row.Cause)
	}
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskFailed", "ExecutionFailed"}
	if diff := cmp.Diff(want, types(history(t, st, arn))); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}

	stopped := h.startExec("stopped", sm, `{}`)
	<-tokens
	at, err := h.r.StopExecution(ctx(t), stopped, "Operator", "no longer needed")
	if err != nil || at.IsZero() {
		t.Fatalf("StopExecution = %v, %v", at, err)
	}
	row = h.wait(stopped)
	if row.Status != store.ExecutionAborted || !row.StoppedAt.Equal(at) {
		t.Errorf("stopped execution = %s at %v, want ABORTED at %v", row.Status, row.StoppedAt, at)
	}
	again, err := h.r.StopExecution(ctx(t), stopped, "", "")
	if err != nil || !again.Equal(at) {
		t.Errorf("stopping it again = %v, %v; want the first stop date", again, err)
	}
	_, err = h.r.StopExecution(ctx(t), wire.ExecutionARN(region, account, "cb", "missing"), "", "")
	wantCode(t, err, wire.ExecutionDoesNotExist)
}

func TestWaitStateIsADurableTimer(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB) store.Store) {
		st := open(t)
		clk := clock.NewFake(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
		sm := createMachine(t, st, "wait", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":90,"Next":"Done"},"Done":{"Type":"Pass","End":true}}}`, "")
		h := start(t, st, Config{Clock: clk, Exclusive: true})
		// Numbers keep their exact text across the restart.
		const input = `{"amount":12345678901234567891,"rate":1.10,"x":1}`
		arn := h.startExec("w1", sm, input)
		row, err := st.ExecutionGet(ctx(t), arn)
		if err != nil || row.Status != store.ExecutionRunning || !row.DueAt.Equal(clk.Now().Add(90*time.Second)) {
			t.Fatalf("while waiting: %+v, %v; want RUNNING due in 90s", row, err)
		}
		h.shutdown() // the process goes away while the execution waits

		h2 := start(t, st, Config{Clock: clk, Exclusive: true})
		clk.Advance(89 * time.Second)
		time.Sleep(100 * time.Millisecond)
		if row, _ := st.ExecutionGet(ctx(t), arn); row.Status != store.ExecutionRunning {
			t.Fatalf("the timer fired early: %s", row.Status)
		}
		clk.Advance(time.Second)
		row = h2.wait(arn)
		if row.Status != store.ExecutionSucceeded || string(row.Output) != input {
			t.Errorf("execution = %s %s", row.Status, row.Output)
		}
		want := []string{"ExecutionStarted", "WaitStateEntered", "WaitStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}
		if diff := cmp.Diff(want, types(history(t, st, arn))); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
	})
}

func TestHeartbeatTimeoutFailsTheTask(t *testing.T) {
	t.Parallel()
	st := dbtestOpen(t)
	clk := clock.NewFake(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	act := createActivity(t, st, "slow")
	sm := createMachine(t, st, "hb", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+act+`","HeartbeatSeconds":10,"End":true}}}`, "")
	h := start(t, st, Config{Clock: clk})
	arn := h.startExec("hb1", sm, `{}`)
	task := h.poll(act)
	clk.Advance(9 * time.Second)
	if err := h.r.SendTaskHeartbeat(ctx(t), task.Token); err != nil {
		t.Fatal(err)
	}
	clk.Advance(9 * time.Second) // 18s after the start, 9s after the heartbeat
	time.Sleep(100 * time.Millisecond)
	if row, _ := st.ExecutionGet(ctx(t), arn); row.Status != store.ExecutionRunning {
		t.Fatalf("the heartbeat did not extend the task: %s %s", row.Status, row.Error)
	}
	clk.Advance(2 * time.Second)
	row := h.wait(arn)
	if row.Status != store.ExecutionFailed || row.Error != "States.HeartbeatTimeout" {
		t.Errorf("execution = %s %s, want FAILED with States.HeartbeatTimeout", row.Status, row.Error)
	}
	wantCode(t, h.r.SendTaskSuccess(ctx(t), task.Token, `{}`), wire.TaskTimedOut)
}

func TestInProcessTaskRunsAgainAfterACrash(t *testing.T) {
	t.Parallel()
	st := dbtestOpen(t)
	sm := createMachine(t, st, "http", `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"call","End":true}}}`, "")
	entered := make(chan struct{}, 1)
	hang := resources(func(ctx context.Context, _ *engine.Task) (json.RawMessage, error) {
		entered <- struct{}{}
		<-ctx.Done() // never answers: the process dies first
		return nil, ctx.Err()
	})
	h := start(t, st, Config{Resources: hang, Exclusive: true, NodeID: "first"})
	arn := h.startExec("c1", sm, `{"n":1}`)
	<-entered
	if row, _ := st.ExecutionGet(ctx(t), arn); row.Owner != "first" {
		t.Fatalf("while its task runs the execution is owned by %q, want the node running it", row.Owner)
	}
	h.shutdown()

	var calls atomic.Int32
	answer := resources(func(_ context.Context, t *engine.Task) (json.RawMessage, error) {
		calls.Add(1)
		return json.RawMessage(fmt.Sprintf(`{"echo":%s}`, t.Input)), nil
	})
	h2 := start(t, st, Config{Resources: answer, Exclusive: true, NodeID: "second"})
	row := h2.wait(arn)
	if row.Status != store.ExecutionSucceeded || string(row.Output) != `{"echo":{"n":1}}` || calls.Load() != 1 {
		t.Errorf("after the restart: %s %s, %d calls; want SUCCEEDED after one more call", row.Status, row.Output, calls.Load())
	}
	if row.Owner != "" {
		t.Errorf("owner after the end = %q, want none", row.Owner)
	}
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}
	if diff := cmp.Diff(want, types(history(t, st, arn))); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func TestNestedExecutions(t *testing.T) {
	t.Parallel()
	st := dbtestOpen(t)
	child := createMachine(t, st, "child", `{"StartAt":"Double","States":{"Double":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($.n, $.n)"},"End":true}}}`, "")
	failing := createMachine(t, st, "failing", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Child.Broke","Cause":"on purpose"}}}`, "")
	parent := createMachine(t, st, "parent", `{"StartAt":"Sync2","States":{
		"Sync2":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"`+child+`","Input":{"n":21}},"ResultSelector":{"v.$":"$.Output.v"},"ResultPath":"$.sync2","Next":"Sync"},
		"Sync":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{"StateMachineArn":"`+child+`","Input":"{\"n\":2}"},"ResultSelector":{"out.$":"$.Output","status.$":"$.Status"},"ResultPath":"$.sync","Next":"Fire"},
		"Fire":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"`+child+`","Name":"fired","Input":{"n":1}},"ResultSelector":{"arn.$":"$.ExecutionArn"},"ResultPath":"$.fire","Next":"Fails"},
		"Fails":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"`+failing+`"},"Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.caught","Next":"End"}],"End":true},
		"End":{"Type":"Pass","End":true}}}`, "")
	h := start(t, st, Config{})
	arn := h.startExec("p1", parent, `{}`)
	row := h.wait(arn)
	if row.Status != store.ExecutionSucceeded {
		t.Fatalf("parent = %s %s %s", row.Status, row.Error, row.Cause)
	}
	var out struct {
		Sync2  struct{ V int }
		Sync   struct{ Out, Status string }
		Fire   struct{ Arn string }
		Caught struct{ Error, Cause string }
	}
	if err := json.Unmarshal(row.Output, &out); err != nil {
		t.Fatal(err)
	}
	if out.Sync2.V != 42 || out.Sync.Out != `{"v":4}` || out.Sync.Status != "SUCCEEDED" ||
		out.Fire.Arn != wire.ExecutionARN(region, account, "child", "fired") || out.Caught.Error != "States.TaskFailed" ||
		!strings.Contains(out.Caught.Cause, `"Error":"Child.Broke"`) {
		t.Errorf("parent output = %s", row.Output)
	}
	if fired := h.wait(out.Fire.Arn); fired.Status != store.ExecutionSucceeded {
		t.Errorf("the fire-and-forget child = %s", fired.Status)
	}
}

func TestStoppingAParentStopsItsSyncChild(t *testing.T) {
	t.Parallel()
	st := dbtestOpen(t)
	act := createActivity(t, st, "never")
	child := createMachine(t, st, "waits", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+act+`","End":true}}}`, "")
	parent := createMachine(t, st, "outer", `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
		"Parameters":{"StateMachineArn":"`+child+`","Name":"inner"},"End":true}}}`, "")
	h := start(t, st, Config{})
	arn := h.startExec("outer1", parent, `{}`)
	h.poll(act) // the child is running its task
	if _, err := h.r.StopExecution(ctx(t), arn, "Stop", ""); err != nil {
		t.Fatal(err)
	}
	inner := h.wait(wire.ExecutionARN(region, account, "waits", "inner"))
	if inner.Status != store.ExecutionAborted {
		t.Errorf("child after its parent stopped = %s, want ABORTED", inner.Status)
	}
}

func TestRedriveExecution(t *testing.T) {
	t.Parallel()
	st := dbtestOpen(t)
	var fail atomic.Bool
	fail.Store(true)
	res := resources(func(_ context.Context, t *engine.Task) (json.RawMessage, error) {
		if fail.Load() {
			return nil, &engine.TaskError{Name: "Psp.Unavailable", Cause: "try later"}
		}
		return json.RawMessage(`{"ok":true}`), nil
	})
	sm := createMachine(t, st, "redrive", `{"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"charge","End":true}}}`, "")
	h := start(t, st, Config{Resources: res})
	arn := h.startExec("r1", sm, `{}`)
	if row := h.wait(arn); row.Status != store.ExecutionFailed {
		t.Fatalf("first run = %s", row.Status)
	}
	fail.Store(false)
	at, err := h.r.RedriveExecution(ctx(t), arn)
	if err != nil {
		t.Fatal(err)
	}
	row := h.wait(arn)
	if row.Status != store.ExecutionSucceeded || row.RedriveCount != 1 || !row.RedriveDate.Equal(at) {
		t.Errorf("after redrive: %s, count %d, date %v (want %v)", row.Status, row.RedriveCount, row.RedriveDate, at)
	}
	_, err = h.r.RedriveExecution(ctx(t), arn)
	wantCode(t, err, wire.ExecutionNotRedrivable)
	history(t, st, arn)
}

// A redrive of a failed Parallel runs only the failed branch: the branch
// that charged does not charge again.
func TestRedriveParallelCallsTheSucceededBranchOnce(t *testing.T) {
	t.Parallel()
	st := dbtestOpen(t)
	act := createActivity(t, st, "notify")
	var charges atomic.Int32
	res := resources(func(_ context.Context, t *engine.Task) (json.RawMessage, error) {
		charges.Add(1)
		return json.RawMessage(`{"charged":true}`), nil
	})
	sm := createMachine(t, st, "redrive-parallel", `{"StartAt":"Pay","States":{"Pay":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"charge","End":true}}},
		{"StartAt":"Notify","States":{"Notify":{"Type":"Task","Resource":"`+act+`","End":true}}}]}}}`, "")
	h := start(t, st, Config{Resources: res})
	arn := h.startExec("p1", sm, `{}`)
	waitForEvent(t, st, arn, "TaskSucceeded") // the charge is recorded
	if err := h.r.SendTaskFailure(ctx(t), h.poll(act).Token, "Mail.Down", ""); err != nil {
		t.Fatal(err)
	}
	if row := h.wait(arn); row.Status != store.ExecutionFailed {
		t.Fatalf("first run = %s", row.Status)
	}
	if _, err := h.r.RedriveExecution(ctx(t), arn); err != nil {
		t.Fatal(err)
	}
	if err := h.r.SendTaskSuccess(ctx(t), h.poll(act).Token, `"sent"`); err != nil {
		t.Fatal(err)
	}
	row := h.wait(arn)
	if row.Status != store.ExecutionSucceeded || string(row.Output) != `[{"charged":true},"sent"]` {
		t.Errorf("after redrive: %s %s", row.Status, row.Output)
	}
	if n := charges.Load(); n != 1 {
		t.Errorf("the charge resource was called %d times, want once", n)
	}
}

func TestStartSyncExecution(t *testing.T) {
	t.Parallel()
	st := dbtestOpen(t)
	express := createMachine(t, st, "express", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"done","End":true}}}`, store.StateMachineExpress)
	standard := createMachine(t, st, "standard", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, "")
	h := start(t, st, Config{})
	row, err := h.r.StartSyncExecution(ctx(t), StartInput{StateMachineARN: express, Input: `{}`})
	if err != nil || row.Status != store.ExecutionSucceeded || string(row.Output) != `"done"` {
		t.Fatalf("StartSyncExecution = %+v, %v", row, err)
	}
	_, err = h.r.StartSyncExecution(ctx(t), StartInput{StateMachineARN: standard})
	wantCode(t, err, wire.StateMachineTypeNotSupported)
}

func dbtestOpen(t testing.TB) store.Store { return openSQLite(t) }

func TestAcceptedCallbackIsNotCalledAgainAfterARestart(t *testing.T) {
	t.Parallel()
	st := dbtestOpen(t)
	sm := createMachine(t, st, "accepted", `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"ask.waitForTaskToken",
		"Parameters":{"token.$":"$$.Task.Token"},"End":true}}}`, "")
	var calls atomic.Int32
	tokens := make(chan string, 4)
	res := resources(func(_ context.Context, t *engine.Task) (json.RawMessage, error) {
		calls.Add(1)
		tokens <- t.Token
		return json.RawMessage(`{"accepted":true}`), nil
	})
	h := start(t, st, Config{Resources: res, Exclusive: true, NodeID: "one"})
	arn := h.startExec("a1", sm, `{}`)
	tok := <-tokens
	waitForEvent(t, st, arn, "TaskSubmitted")
	if row, _ := st.ExecutionGet(ctx(t), arn); row.Owner != "" {
		t.Errorf("an execution waiting on an accepted token is owned by %q, want no one", row.Owner)
	}
	h.shutdown()

	h2 := start(t, st, Config{Resources: res, Exclusive: true, NodeID: "two"})
	if err := h2.r.SendTaskSuccess(ctx(t), tok, `{"paid":true}`); err != nil {
		t.Fatal(err)
	}
	if row := h2.wait(arn); row.Status != store.ExecutionSucceeded || calls.Load() != 1 {
		t.Errorf("after the restart: %s with %d calls, want SUCCEEDED with the one call", row.Status, calls.Load())
	}
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}
	if diff := cmp.Diff(want, types(history(t, st, arn))); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// A callback may come back before the call that handed out its token has
// returned: the answer counts, and the late call result changes nothing.
func TestCallbackAnsweredBeforeTheCallReturns(t *testing.T) {
	t.Parallel()
	st := dbtestOpen(t)
	sm := createMachine(t, st, "early", `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"ask.waitForTaskToken",
		"Parameters":{"token.$":"$$.Task.Token"},"End":true}}}`, "")
	var h *harness
	ready := make(chan struct{})
	res := resources(func(ctx context.Context, t *engine.Task) (json.RawMessage, error) {
		<-ready
		if err := h.r.SendTaskSuccess(ctx, t.Token, `{"paid":true}`); err != nil {
			return nil, err
		}
		return json.RawMessage(`{"accepted":true}`), nil
	})
	h = start(t, st, Config{Resources: res})
	close(ready)
	arn := h.startExec("e1", sm, `{}`)
	row := h.wait(arn)
	if row.Status != store.ExecutionSucceeded || string(row.Output) != `{"paid":true}` {
		t.Fatalf("execution = %s %s, want SUCCEEDED with the callback's output", row.Status, row.Output)
	}
	got := types(history(t, st, arn))
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}
