package runner

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/engine"
)

func TestSnapshotAppendJSONIsEncodingJSON(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 2, 3, 4, 5, 123456000, time.UTC)
	ex := engine.NewExecution("arn:aws:states:us-east-1:123456789012:execution:sm:e<1>", "e<1>",
		"arn:aws:states:us-east-1:123456789012:stateMachine:sm", "sm", json.RawMessage(`{"a": "<&>", "n": 1}`), now)
	ex.Frames[0] = &engine.Frame{ID: 0, Parent: -1, State: "Validate", Input: map[string]any{"b": json.Number("2"), "a": []any{"x", true, nil}}, EnteredAt: now,
		Task: &engine.Task{ID: 3, Resource: "arn:aws:states:us-east-1:123456789012:activity:a", Kind: engine.ResourceActivity, Token: "tok", Input: json.RawMessage(`{"x":1}`), Started: true}}
	ex.Frames[10] = &engine.Frame{ID: 10, Parent: 0, Index: 1, State: "B", Input: "s"}
	ex.Frames[2] = &engine.Frame{ID: 2, Parent: 0, State: "C", Input: nil}
	for i, s := range []snapshot{
		{Key: []byte{1, 2, 3, 250, 251}, Ex: ex},
		{Key: []byte{}, Ex: ex, Parent: &parentRef{ARN: "arn:aws:states:us-east-1:123456789012:execution:p:\"q\"", TaskID: 12, Version: 2}},
		{Key: nil, Ex: nil, Children: map[int64]string{2: "a", 10: "b<>", 1: "c", 100: "d"}, Queued: map[int64]bool{9: true, 10: false, 11: true}},
		{Key: []byte("k"), Ex: engine.NewExecution("a", "b", "c", "d", nil, now), Children: map[int64]string{}, Queued: map[int64]bool{}},
	} {
		want, err := json.Marshal(&s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.appendJSON(nil)
		if err != nil || string(got) != string(want) {
			t.Errorf("case %d: appendJSON = %s, %v\nwant %s", i, got, err, want)
		}
		var back snapshot
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("case %d: decoding appendJSON's output: %v", i, err)
		}
	}
}
