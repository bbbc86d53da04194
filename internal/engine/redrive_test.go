package engine

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/asl"
)

func TestRedriveRunsTheFailedStateAgain(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"Prep","States":{
		"Prep":{"Type":"Pass","Result":{"n":1},"ResultPath":"$.prep","Assign":{"seen":true},"Next":"Charge"},
		"Charge":{"Type":"Task","Resource":"charge","End":true}}}`
	sm := mustLoad(t, def)
	ex := newTestExecution(`{"amount":5}`)
	res, err := Step(sm, ex, Event{Kind: EventStart}, Env{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Step(sm, ex, Event{Kind: EventRedrive}, Env{Now: t0}); !errors.Is(err, ErrNotRedrivable) {
		t.Fatalf("redrive of a running execution: err = %v, want ErrNotRedrivable", err)
	}
	first := res.Effects[0].Invoke
	if _, err := Step(sm, ex, Event{Kind: EventTaskFailed, TaskID: first.ID, Error: "Card.Declined"}, Env{Now: t0}); err != nil {
		t.Fatal(err)
	}
	if ex.Status != StatusFailed || !ex.Redrivable() {
		t.Fatalf("after the failure: status %s, redrivable %v", ex.Status, ex.Redrivable())
	}
	if ex.Redrive.Fan != nil {
		t.Errorf("a Task state's redrive point keeps branches: %+v", ex.Redrive.Fan)
	}
	lastID := ex.LastEventID

	res, err = Step(sm, ex, Event{Kind: EventRedrive}, Env{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ExecutionRedriven", "TaskStateEntered", "TaskScheduled", "TaskStarted"}
	if diff := cmp.Diff(want, types(res.Events)); diff != "" {
		t.Errorf("redrive events (-want +got):\n%s", diff)
	}
	if res.Events[0].ID != lastID+1 || string(res.Events[0].Details) != `{"redriveCount":1}` {
		t.Errorf("ExecutionRedriven = id %d details %s, want id %d and redriveCount 1", res.Events[0].ID, res.Events[0].Details, lastID+1)
	}
	second := res.Effects[0].Invoke
	if string(second.Input) != `{"amount":5,"prep":{"n":1}}` {
		t.Errorf("the task's input on redrive = %s, want the input it had", second.Input)
	}
	if _, err := Step(sm, ex, Event{Kind: EventTaskSucceeded, TaskID: second.ID, Output: json.RawMessage(`{"ok":true}`)}, Env{Now: t0}); err != nil {
		t.Fatal(err)
	}
	if ex.Status != StatusSucceeded || ex.RedriveCount != 1 || ex.Redrivable() {
		t.Errorf("after redrive: status %s, redrive count %d, redrivable %v", ex.Status, ex.RedriveCount, ex.Redrivable())
	}
}

// reload stores ex and loads it again, as a durable runner does between steps.
func reload(t *testing.T, ex *Execution) *Execution {
	t.Helper()
	b, err := ex.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	out := new(Execution)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustStep(t *testing.T, sm *asl.StateMachine, ex *Execution, ev Event) Result {
	t.Helper()
	res, err := Step(sm, ex, ev, Env{Now: t0})
	if err != nil {
		t.Fatalf("Step(%+v): %v", ev, err)
	}
	return res
}

func resources(tasks []*Task) []string {
	var out []string
	for _, t := range tasks {
		out = append(out, t.Resource)
	}
	return out
}

const redriveParallel = `{"StartAt":"Pay","States":{
	"Pay":{"Type":"Parallel","Parameters":{"amount.$":"$.amount"},"ResultPath":"$.results","End":true,"Branches":[
		{"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"charge","End":true}}},
		{"StartAt":"Notify","States":{"Notify":{"Type":"Task","Resource":"notify","End":true}}},
		{"StartAt":"Ledger","States":{"Ledger":{"Type":"Pass","Result":"booked","End":true}}}]}}}`

func TestRedriveParallelRunsOnlyTheFailedBranch(t *testing.T) {
	t.Parallel()
	sm := mustLoad(t, redriveParallel)
	ex := newTestExecution(`{"amount":5}`)
	tasks := invokes(mustStep(t, sm, ex, Event{Kind: EventStart}))
	if diff := cmp.Diff([]string{"charge", "notify"}, resources(tasks)); diff != "" {
		t.Fatalf("first run invokes (-want +got):\n%s", diff)
	}
	mustStep(t, sm, ex, Event{Kind: EventTaskSucceeded, TaskID: tasks[0].ID, Output: json.RawMessage(`{"charged":5}`)})
	mustStep(t, sm, ex, Event{Kind: EventTaskFailed, TaskID: tasks[1].ID, Error: "Mail.Down"})
	if ex.Status != StatusFailed || ex.Redrive == nil || ex.Redrive.State != "Pay" {
		t.Fatalf("after the failure: %s, redrive point %+v", ex.Status, ex.Redrive)
	}
	ex = reload(t, ex)

	res := mustStep(t, sm, ex, Event{Kind: EventRedrive})
	again := invokes(res)
	if diff := cmp.Diff([]string{"notify"}, resources(again)); diff != "" {
		t.Fatalf("redrive invokes (-want +got):\n%s", diff)
	}
	if string(again[0].Input) != `{"amount":5}` {
		t.Errorf("the rerun branch's input = %s, want the state's effective input", again[0].Input)
	}
	want := []string{"ExecutionRedriven", "ParallelStateEntered", "ParallelStateStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted"}
	if diff := cmp.Diff(want, types(res.Events)); diff != "" {
		t.Errorf("redrive events (-want +got):\n%s", diff)
	}
	ex = reload(t, ex)
	res = mustStep(t, sm, ex, Event{Kind: EventTaskSucceeded, TaskID: again[0].ID, Output: json.RawMessage(`{"sent":true}`)})
	if got := invokes(res); len(got) != 0 {
		t.Errorf("finishing the rerun branch invoked %v", resources(got))
	}
	wantOut := `{"amount":5,"results":[{"charged":5},{"sent":true},"booked"]}`
	if ex.Status != StatusSucceeded || string(ex.Output) != wantOut {
		t.Errorf("after redrive: %s %s, want %s", ex.Status, ex.Output, wantOut)
	}
}

func TestRedriveParallelAfterStopRerunsTheRunningBranches(t *testing.T) {
	t.Parallel()
	sm := mustLoad(t, redriveParallel)
	ex := newTestExecution(`{"amount":7}`)
	tasks := invokes(mustStep(t, sm, ex, Event{Kind: EventStart}))
	mustStep(t, sm, ex, Event{Kind: EventTaskSucceeded, TaskID: tasks[1].ID, Output: json.RawMessage(`"sent"`)})
	mustStep(t, sm, ex, Event{Kind: EventStop, Error: "Operator"})
	if ex.Status != StatusAborted {
		t.Fatalf("status %s, want ABORTED", ex.Status)
	}
	ex = reload(t, ex)
	again := invokes(mustStep(t, sm, ex, Event{Kind: EventRedrive}))
	if diff := cmp.Diff([]string{"charge"}, resources(again)); diff != "" {
		t.Fatalf("redrive invokes (-want +got):\n%s", diff)
	}
	mustStep(t, sm, ex, Event{Kind: EventTaskSucceeded, TaskID: again[0].ID, Output: json.RawMessage(`"charged"`)})
	if want := `{"amount":7,"results":["charged","sent","booked"]}`; ex.Status != StatusSucceeded || string(ex.Output) != want {
		t.Errorf("after redrive: %s %s, want %s", ex.Status, ex.Output, want)
	}
}

func TestRedriveBeforeTheParallelStartedRunsItWhole(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"Check","States":{
		"Check":{"Type":"Task","Resource":"check","ResultPath":null,"Next":"Pay"},
		"Pay":{"Type":"Parallel","ResultPath":"$.results","End":true,"Branches":[
			{"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"charge","End":true}}},
			{"StartAt":"Notify","States":{"Notify":{"Type":"Task","Resource":"notify","End":true}}}]}}}`
	sm := mustLoad(t, def)
	ex := newTestExecution(`{"amount":5}`)
	tasks := invokes(mustStep(t, sm, ex, Event{Kind: EventStart}))
	mustStep(t, sm, ex, Event{Kind: EventTaskFailed, TaskID: tasks[0].ID, Error: "Risk.Unavailable"})
	if ex.Redrive == nil || ex.Redrive.State != "Check" || ex.Redrive.Fan != nil {
		t.Fatalf("redrive point %+v, want Check without branches", ex.Redrive)
	}
	ex = reload(t, ex)
	tasks = invokes(mustStep(t, sm, ex, Event{Kind: EventRedrive}))
	if diff := cmp.Diff([]string{"check"}, resources(tasks)); diff != "" {
		t.Fatalf("redrive invokes (-want +got):\n%s", diff)
	}
	tasks = invokes(mustStep(t, sm, ex, Event{Kind: EventTaskSucceeded, TaskID: tasks[0].ID, Output: json.RawMessage(`{}`)}))
	if diff := cmp.Diff([]string{"charge", "notify"}, resources(tasks)); diff != "" {
		t.Fatalf("the Parallel after redrive invokes (-want +got):\n%s", diff)
	}
	for _, task := range tasks {
		mustStep(t, sm, ex, Event{Kind: EventTaskSucceeded, TaskID: task.ID, Output: json.RawMessage(`"` + task.Resource + `d"`)})
	}
	if want := `{"amount":5,"results":["charged","notifyd"]}`; ex.Status != StatusSucceeded || string(ex.Output) != want {
		t.Errorf("after redrive: %s %s, want %s", ex.Status, ex.Output, want)
	}
}

// An old snapshot's redrive point has no Fan: the Parallel runs whole.
func TestRedriveWithoutFanRunsTheStateWhole(t *testing.T) {
	t.Parallel()
	sm := mustLoad(t, redriveParallel)
	ex := newTestExecution(`{"amount":5}`)
	tasks := invokes(mustStep(t, sm, ex, Event{Kind: EventStart}))
	mustStep(t, sm, ex, Event{Kind: EventTaskSucceeded, TaskID: tasks[0].ID, Output: json.RawMessage(`1`)})
	mustStep(t, sm, ex, Event{Kind: EventTaskFailed, TaskID: tasks[1].ID, Error: "Mail.Down"})
	b, err := ex.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	var snap map[string]any
	if err := json.Unmarshal(b, &snap); err != nil {
		t.Fatal(err)
	}
	point := snap["Redrive"].(map[string]any)
	if _, ok := point["Fan"]; !ok {
		t.Fatalf("the snapshot's redrive point %v has no Fan", point)
	}
	delete(point, "Fan")
	if b, err = json.Marshal(snap); err != nil {
		t.Fatal(err)
	}
	ex = new(Execution)
	if err := json.Unmarshal(b, ex); err != nil {
		t.Fatal(err)
	}
	again := invokes(mustStep(t, sm, ex, Event{Kind: EventRedrive}))
	if diff := cmp.Diff([]string{"charge", "notify"}, resources(again)); diff != "" {
		t.Fatalf("redrive of an old snapshot invokes (-want +got):\n%s", diff)
	}
}

func TestRedriveMapRunsOnlyTheIterationsThatDidNotSucceed(t *testing.T) {
	t.Parallel()
	// States.UUID in the ItemSelector differs each time it is evaluated:
	// a rerun iteration must get the input it had, not a new one.
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"ItemsPath":"$.xs","ResultPath":"$.out","End":true,
		"ItemSelector":{"x.$":"$$.Map.Item.Value","id.$":"States.UUID()"},
		"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"work","End":true}}}}}}`
	sm := mustLoad(t, def)
	ex := newTestExecution(`{"xs":["a","b","c","d","e"]}`)
	inputs := map[string]string{} // x → the task input of its first run
	byX := map[string]*Task{}
	track := func(res Result) []string {
		var xs []string
		for _, task := range invokes(res) {
			var in struct{ X string }
			if err := json.Unmarshal(task.Input, &in); err != nil {
				t.Fatal(err)
			}
			if _, ok := inputs[in.X]; !ok {
				inputs[in.X] = string(task.Input)
			} else if inputs[in.X] != string(task.Input) {
				t.Errorf("item %s ran again with input %s, first with %s", in.X, task.Input, inputs[in.X])
			}
			byX[in.X] = task
			xs = append(xs, in.X)
		}
		return xs
	}
	succeed := func(x string) []string {
		return track(mustStep(t, sm, ex, Event{Kind: EventTaskSucceeded, TaskID: byX[x].ID, Output: json.RawMessage(`"` + x + `!"`)}))
	}
	fail := func(x string) {
		mustStep(t, sm, ex, Event{Kind: EventTaskFailed, TaskID: byX[x].ID, Error: "Item.Bad"})
		if ex.Status != StatusFailed {
			t.Fatalf("after item %s failed: %s", x, ex.Status)
		}
	}
	check := func(what string, want, got []string) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", what, diff)
		}
	}

	check("start", []string{"a", "b"}, track(mustStep(t, sm, ex, Event{Kind: EventStart})))
	check("after a", []string{"c"}, succeed("a"))
	check("after c", []string{"d"}, succeed("c"))
	// b (item 1) fails while d (item 3) runs; e (item 4) never started.
	fail("b")
	ex = reload(t, ex)
	if fan := ex.Redrive.Fan; fan == nil || fan.Total != 5 || len(fan.Done) != 2 || len(fan.Rerun) != 3 {
		t.Fatalf("redrive point %+v, want 2 done and 3 to rerun", ex.Redrive.Fan)
	}

	res := mustStep(t, sm, ex, Event{Kind: EventRedrive})
	want := []string{"ExecutionRedriven", "MapStateEntered", "MapStateStarted",
		"MapIterationStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
		"MapIterationStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted"}
	if diff := cmp.Diff(want, types(res.Events)); diff != "" {
		t.Errorf("redrive events (-want +got):\n%s", diff)
	}
	var started []int
	for _, ev := range res.Events {
		if ev.Type == "MapIterationStarted" {
			var d struct{ Index int }
			if err := json.Unmarshal(ev.Details, &d); err != nil {
				t.Fatal(err)
			}
			started = append(started, d.Index)
		}
	}
	if diff := cmp.Diff([]int{1, 3}, started); diff != "" {
		t.Errorf("MapIterationStarted indices (-want +got):\n%s", diff)
	}
	check("redrive", []string{"b", "d"}, track(res))
	ex = reload(t, ex)
	check("after b again", []string{"e"}, succeed("b"))
	check("after e", nil, succeed("e"))
	// d fails on the first redrive too: a second one runs only d.
	fail("d")
	ex = reload(t, ex)
	check("second redrive", []string{"d"}, track(mustStep(t, sm, ex, Event{Kind: EventRedrive})))
	check("after d", nil, succeed("d"))
	wantOut := `{"out":["a!","b!","c!","d!","e!"],"xs":["a","b","c","d","e"]}`
	if ex.Status != StatusSucceeded || ex.RedriveCount != 2 || string(ex.Output) != wantOut {
		t.Errorf("after redrive: %s (count %d) %s, want %s", ex.Status, ex.RedriveCount, ex.Output, wantOut)
	}
}
