package engine

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
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
