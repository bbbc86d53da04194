package wire_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// history is a short run as the engine records it.
var history = wire.GetExecutionHistoryOutput{Events: []wire.HistoryEvent{
	{Timestamp: wire.NewTime(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)), Type: "ExecutionStarted", ID: 1, PreviousEventID: 0,
		Details: json.RawMessage(`{"input":"{\"amount\":1050}","inputDetails":{"truncated":false},"roleArn":"arn:aws:iam::123456789012:role/r"}`)},
	{Timestamp: wire.NewTime(time.Date(2030, 1, 2, 3, 4, 5, 1_000_000, time.UTC)), Type: "TaskStateEntered", ID: 2, PreviousEventID: 1,
		Details: json.RawMessage(`{"name":"Charge","input":"{\"amount\":1050}","inputDetails":{"truncated":false}}`)},
	{Timestamp: wire.NewTime(time.Date(2030, 1, 2, 3, 4, 5, 250_000_000, time.UTC)), Type: "TaskStateAborted", ID: 3, PreviousEventID: 2},
	{Timestamp: wire.NewTime(time.Date(2030, 1, 2, 3, 4, 6, 0, time.UTC)), Type: "ExecutionAborted", ID: 4, PreviousEventID: 3,
		Details: json.RawMessage(`{"error":"Cancelled","cause":"by operator"}`)},
}, NextToken: "AAAB"}

func TestGoldenDescribeExecution(t *testing.T) {
	t.Parallel()
	checkGolden(t, "describe_execution", describeExecution)
	_, client := newFake(t, replyJSON(t, describeExecution))
	got, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execARN)})
	if err != nil {
		t.Fatal(err)
	}
	want := &sfn.DescribeExecutionOutput{
		ExecutionArn: aws.String(execARN), StateMachineArn: aws.String(smARN), Name: aws.String("run-1"),
		Status: types.ExecutionStatusFailed, StartDate: aws.Time(t0.Time), StopDate: aws.Time(t1.Time),
		Input: aws.String(`{"amount":1050}`), InputDetails: &types.CloudWatchEventsExecutionDataDetails{Included: true},
		Output: aws.String(`{"ok":false}`), OutputDetails: &types.CloudWatchEventsExecutionDataDetails{Included: true},
		TraceHeader: aws.String("Root=1"), MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:Payments/m:1"),
		Error: aws.String("Card.Declined"), Cause: aws.String("insufficient funds"),
		StateMachineVersionArn: aws.String(smARN + ":3"), StateMachineAliasArn: aws.String(smARN + ":live"),
		RedriveCount: aws.Int32(2), RedriveDate: aws.Time(t1.Time), RedriveStatus: types.ExecutionRedriveStatusNotRedrivable,
		RedriveStatusReason: aws.String("Execution is SUCCEEDED and cannot be redriven"),
	}
	if diff := cmp.Diff(want, got, sdkCmp...); diff != "" {
		t.Errorf("DescribeExecution through the SDK (-want +got):\n%s", diff)
	}
}

func TestGoldenGetExecutionHistory(t *testing.T) {
	t.Parallel()
	checkGolden(t, "get_execution_history", history)
	_, client := newFake(t, replyJSON(t, history))
	got, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execARN)})
	if err != nil {
		t.Fatal(err)
	}
	ts := func(i int) *time.Time { return aws.Time(history.Events[i].Timestamp.Time) }
	want := &sfn.GetExecutionHistoryOutput{NextToken: aws.String("AAAB"), Events: []types.HistoryEvent{
		{Id: 1, PreviousEventId: 0, Timestamp: ts(0), Type: types.HistoryEventTypeExecutionStarted,
			ExecutionStartedEventDetails: &types.ExecutionStartedEventDetails{
				Input: aws.String(`{"amount":1050}`), InputDetails: &types.HistoryEventExecutionDataDetails{Truncated: false},
				RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
			}},
		{Id: 2, PreviousEventId: 1, Timestamp: ts(1), Type: types.HistoryEventTypeTaskStateEntered,
			StateEnteredEventDetails: &types.StateEnteredEventDetails{
				Name: aws.String("Charge"), Input: aws.String(`{"amount":1050}`), InputDetails: &types.HistoryEventExecutionDataDetails{},
			}},
		{Id: 3, PreviousEventId: 2, Timestamp: ts(2), Type: types.HistoryEventTypeTaskStateAborted},
		{Id: 4, PreviousEventId: 3, Timestamp: ts(3), Type: types.HistoryEventTypeExecutionAborted,
			ExecutionAbortedEventDetails: &types.ExecutionAbortedEventDetails{Error: aws.String("Cancelled"), Cause: aws.String("by operator")}},
	}}
	if diff := cmp.Diff(want, got, sdkCmp...); diff != "" {
		t.Errorf("GetExecutionHistory through the SDK (-want +got):\n%s", diff)
	}
}

func TestGoldenListExecutions(t *testing.T) {
	t.Parallel()
	checkGolden(t, "list_executions", listExecutions)
	_, client := newFake(t, replyJSON(t, listExecutions))
	got, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(smARN)})
	if err != nil {
		t.Fatal(err)
	}
	want := &sfn.ListExecutionsOutput{NextToken: aws.String("next"), Executions: []types.ExecutionListItem{
		{
			ExecutionArn: aws.String(execARN), StateMachineArn: aws.String(smARN), Name: aws.String("run-1"),
			Status: types.ExecutionStatusSucceeded, StartDate: aws.Time(t0.Time), StopDate: aws.Time(t1.Time),
			MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:Payments/m:1"), ItemCount: aws.Int32(7),
			StateMachineVersionArn: aws.String(smARN + ":3"), StateMachineAliasArn: aws.String(smARN + ":live"),
			RedriveCount: aws.Int32(1), RedriveDate: aws.Time(t1.Time),
		},
		{ExecutionArn: aws.String(execARN + "b"), StateMachineArn: aws.String(smARN), Name: aws.String("run-1b"),
			Status: types.ExecutionStatusRunning, StartDate: aws.Time(t1.Time)},
	}}
	if diff := cmp.Diff(want, got, sdkCmp...); diff != "" {
		t.Errorf("ListExecutions through the SDK (-want +got):\n%s", diff)
	}
}

// sdkCmp compares SDK outputs: their unexported members are empty markers,
// and ResultMetadata holds the transport's bookkeeping.
var sdkCmp = []cmp.Option{
	cmp.Exporter(func(reflect.Type) bool { return true }),
	cmpopts.IgnoreFields(sfn.DescribeExecutionOutput{}, "ResultMetadata"),
	cmpopts.IgnoreFields(sfn.GetExecutionHistoryOutput{}, "ResultMetadata"),
	cmpopts.IgnoreFields(sfn.ListExecutionsOutput{}, "ResultMetadata"),
}

// checkGolden compares v, marshalled and indented, with testdata/name.golden.
func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	var got bytes.Buffer
	if err := json.Indent(&got, mustJSON(t, v), "", "  "); err != nil {
		t.Fatal(err)
	}
	got.WriteByte('\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("%s differs from %s (-want +got):\n%s", name, path, diff)
	}
}
