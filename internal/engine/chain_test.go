package engine

import (
	"encoding/json"
	"testing"
)

func TestEventsChainToThePreviousEventOfTheirThread(t *testing.T) {
	t.Parallel()
	sm := mustLoad(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:1:activity:a","Next":"P"},
		"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
			{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}]}}}`)
	ex := newTestExecution(`{}`)
	res, err := Step(sm, ex, Event{Kind: EventStart}, Env{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	all := res.Events
	task := res.Effects[0].Invoke
	for _, ev := range []Event{{Kind: EventTaskStarted, TaskID: task.ID}, {Kind: EventTaskSucceeded, TaskID: task.ID, Output: json.RawMessage(`{}`)}} {
		res, err := Step(sm, ex, ev, Env{Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, res.Events...)
	}
	id := map[string]int64{}
	for _, ev := range all {
		id[ev.Type] = ev.ID
		if ev.PreviousEventID >= ev.ID {
			t.Errorf("%s %d follows event %d", ev.Type, ev.ID, ev.PreviousEventID)
		}
	}
	for _, ev := range all {
		switch ev.Type {
		case "ActivityScheduled":
			if ev.PreviousEventID != id["TaskStateEntered"] {
				t.Errorf("ActivityScheduled follows %d, want TaskStateEntered %d", ev.PreviousEventID, id["TaskStateEntered"])
			}
		case "ActivityStarted":
			if ev.PreviousEventID != id["ActivityScheduled"] {
				t.Errorf("ActivityStarted follows %d, want ActivityScheduled %d", ev.PreviousEventID, id["ActivityScheduled"])
			}
		case "ActivitySucceeded":
			if ev.PreviousEventID != id["ActivityStarted"] {
				t.Errorf("ActivitySucceeded follows %d, want ActivityStarted %d", ev.PreviousEventID, id["ActivityStarted"])
			}
		case "TaskStateExited":
			if ev.PreviousEventID != id["ActivitySucceeded"] {
				t.Errorf("TaskStateExited follows %d, want ActivitySucceeded %d", ev.PreviousEventID, id["ActivitySucceeded"])
			}
		}
	}
}
