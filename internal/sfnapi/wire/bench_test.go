package wire_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

// BenchmarkMarshalHistory marshals a page of 1000 history events, the largest
// GetExecutionHistory answer.
func BenchmarkMarshalHistory(b *testing.B) {
	out := wire.GetExecutionHistoryOutput{NextToken: "next"}
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	details := json.RawMessage(`{"name":"Charge","input":"{\"amount\":1050,\"currency\":\"EUR\"}","inputDetails":{"truncated":false}}`)
	for i := range 1000 {
		out.Events = append(out.Events, wire.HistoryEvent{
			Timestamp: wire.NewTime(start.Add(time.Duration(i) * time.Millisecond)), Type: "TaskStateEntered",
			ID: int64(i + 1), PreviousEventID: int64(i), Details: details,
		})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRequest decodes a StartExecution request.
func BenchmarkDecodeRequest(b *testing.B) {
	body := []byte(`{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:Payments","name":"run-1","input":"{\"amount\":1050}","traceHeader":"Root=1"}`)
	b.ReportAllocs()
	for b.Loop() {
		var in wire.StartExecutionInput
		if err := (wire.Decoder{}).Unmarshal(body, &in); err != nil {
			b.Fatal(err)
		}
	}
}
