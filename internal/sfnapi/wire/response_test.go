package wire_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

var (
	t0 = wire.NewTime(time.Date(2025, 1, 2, 3, 4, 5, 678_000_000, time.UTC))
	t1 = wire.NewTime(time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC))
)

func ptr[T any](v T) *T { return &v }

var (
	wireLogging = &wire.LoggingConfiguration{
		Level: wire.LogLevelError, IncludeExecutionData: true,
		Destinations: []wire.LogDestination{{CloudWatchLogsLogGroup: &wire.CloudWatchLogsLogGroup{LogGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:g:*"}}},
	}
	wireTracing    = &wire.TracingConfiguration{Enabled: true}
	wireEncryption = &wire.EncryptionConfiguration{KmsKeyID: "k", KmsDataKeyReusePeriodSeconds: ptr(int32(60)), Type: wire.EncryptionTypeCustomerManagedKMSKey}
	included       = &wire.CloudWatchEventsExecutionDataDetails{Included: true}
	truncated      = &wire.HistoryEventExecutionDataDetails{Truncated: true}
	variableRefs   = map[string][]string{"Charge": {"amount", "currency"}}
)

// fullOutputs has, for every action, a response with every member set.
func fullOutputs(t *testing.T) map[string]any {
	return map[string]any{
		wire.ActionCreateStateMachine: wire.CreateStateMachineOutput{StateMachineArn: smARN, CreationDate: t0, StateMachineVersionArn: smARN + ":1"},
		wire.ActionDescribeStateMachine: wire.DescribeStateMachineOutput{
			StateMachineArn: smARN, Name: "Payments", Status: wire.StateMachineStatusActive, Definition: defn,
			RoleArn: "arn:aws:iam::123456789012:role/r", Type: wire.StateMachineTypeStandard, CreationDate: t0,
			LoggingConfiguration: wireLogging, TracingConfiguration: wireTracing, Label: "l", RevisionID: "rev",
			Description: "d", EncryptionConfiguration: wireEncryption, VariableReferences: variableRefs,
		},
		wire.ActionUpdateStateMachine: wire.UpdateStateMachineOutput{UpdateDate: t0, RevisionID: "rev", StateMachineVersionArn: smARN + ":2"},
		wire.ActionDeleteStateMachine: wire.DeleteStateMachineOutput{},
		wire.ActionListStateMachines:  wire.ListStateMachinesOutput{StateMachines: []wire.StateMachineListItem{{StateMachineArn: smARN, Name: "Payments", Type: wire.StateMachineTypeExpress, CreationDate: t0}}, NextToken: "next"},
		wire.ActionValidateStateMachineDefinition: wire.ValidateStateMachineDefinitionOutput{
			Result: wire.ValidationResultFail, Truncated: true,
			Diagnostics: []wire.Diagnostic{{Severity: wire.SeverityError, Code: "SCHEMA_VALIDATION_FAILED", Message: "m", Location: "/States/P"}},
		},
		wire.ActionDescribeStateMachineForExecution: wire.DescribeStateMachineForExecutionOutput{
			StateMachineArn: smARN, Name: "Payments", Definition: defn, RoleArn: "arn:aws:iam::123456789012:role/r", UpdateDate: t0,
			LoggingConfiguration: wireLogging, TracingConfiguration: wireTracing, MapRunArn: "arn:aws:states:us-east-1:123456789012:mapRun:Payments/m:1",
			Label: "l", RevisionID: "rev", EncryptionConfiguration: wireEncryption, VariableReferences: variableRefs,
		},
		wire.ActionStartExecution: wire.StartExecutionOutput{ExecutionArn: execARN, StartDate: t0},
		wire.ActionStartSyncExecution: wire.StartSyncExecutionOutput{
			ExecutionArn: execARN, StateMachineArn: smARN, Name: "run-1", StartDate: t0, StopDate: t1,
			Status: wire.SyncExecutionStatusFailed, Error: "States.TaskFailed", Cause: "boom", Input: `{"a":1}`, InputDetails: included,
			Output: `{"b":2}`, OutputDetails: included, TraceHeader: "Root=1",
			BillingDetails: &wire.BillingDetails{BilledMemoryUsedInMB: 64, BilledDurationInMilliseconds: 100},
		},
		wire.ActionStopExecution:     wire.StopExecutionOutput{StopDate: t1},
		wire.ActionDescribeExecution: describeExecution,
		wire.ActionListExecutions:    listExecutions,
		wire.ActionGetExecutionHistory: wire.GetExecutionHistoryOutput{
			Events: allDetailEvents(t), NextToken: "next",
		},
		wire.ActionRedriveExecution:    wire.RedriveExecutionOutput{RedriveDate: t1},
		wire.ActionSendTaskSuccess:     wire.SendTaskSuccessOutput{},
		wire.ActionSendTaskFailure:     wire.SendTaskFailureOutput{},
		wire.ActionSendTaskHeartbeat:   wire.SendTaskHeartbeatOutput{},
		wire.ActionCreateActivity:      wire.CreateActivityOutput{ActivityArn: actARN, CreationDate: t0},
		wire.ActionDescribeActivity:    wire.DescribeActivityOutput{ActivityArn: actARN, Name: "Approve", CreationDate: t0, EncryptionConfiguration: wireEncryption},
		wire.ActionDeleteActivity:      wire.DeleteActivityOutput{},
		wire.ActionListActivities:      wire.ListActivitiesOutput{Activities: []wire.ActivityListItem{{ActivityArn: actARN, Name: "Approve", CreationDate: t0}}, NextToken: "next"},
		wire.ActionGetActivityTask:     wire.GetActivityTaskOutput{TaskToken: "tt", Input: `{"a":1}`},
		wire.ActionTagResource:         wire.TagResourceOutput{},
		wire.ActionUntagResource:       wire.UntagResourceOutput{},
		wire.ActionListTagsForResource: wire.ListTagsForResourceOutput{Tags: []wire.Tag{{Key: "team", Value: "pay"}}},
	}
}

var describeExecution = wire.DescribeExecutionOutput{
	ExecutionArn: execARN, StateMachineArn: smARN, Name: "run-1", Status: wire.ExecutionStatusFailed,
	StartDate: t0, StopDate: t1, Input: `{"amount":1050}`, InputDetails: included, Output: `{"ok":false}`, OutputDetails: included,
	TraceHeader: "Root=1", MapRunArn: "arn:aws:states:us-east-1:123456789012:mapRun:Payments/m:1",
	Error: "Card.Declined", Cause: "insufficient funds", StateMachineVersionArn: smARN + ":3", StateMachineAliasArn: smARN + ":live",
	RedriveCount: ptr(int32(2)), RedriveDate: t1, RedriveStatus: wire.RedriveStatusNotRedrivable, RedriveStatusReason: "Execution is SUCCEEDED and cannot be redriven",
}

var listExecutions = wire.ListExecutionsOutput{
	Executions: []wire.ExecutionListItem{
		{
			ExecutionArn: execARN, StateMachineArn: smARN, Name: "run-1", Status: wire.ExecutionStatusSucceeded, StartDate: t0, StopDate: t1,
			MapRunArn: "arn:aws:states:us-east-1:123456789012:mapRun:Payments/m:1", ItemCount: ptr(int32(7)),
			StateMachineVersionArn: smARN + ":3", StateMachineAliasArn: smARN + ":live", RedriveCount: ptr(int32(1)), RedriveDate: t1,
		},
		{ExecutionArn: execARN + "b", StateMachineArn: smARN, Name: "run-1b", Status: wire.ExecutionStatusRunning, StartDate: t1},
	},
	NextToken: "next",
}

// detailEvents lists one event per details member, each with every member
// of its details set.
var detailEvents = []struct {
	typ     string
	details any
}{
	{"ActivityFailed", wire.FailureEventDetails{Error: "e", Cause: "c"}},
	{"ActivityScheduleFailed", wire.FailureEventDetails{Error: "e", Cause: "c"}},
	{"ActivityScheduled", wire.ActivityScheduledEventDetails{Resource: actARN, Input: "{}", InputDetails: truncated, TimeoutInSeconds: ptr(int64(30)), HeartbeatInSeconds: ptr(int64(10))}},
	{"ActivityStarted", wire.ActivityStartedEventDetails{WorkerName: "w"}},
	{"ActivitySucceeded", wire.OutputEventDetails{Output: "{}", OutputDetails: truncated}},
	{"ActivityTimedOut", wire.FailureEventDetails{Error: "e", Cause: "c"}},
	{"EvaluationFailed", wire.EvaluationFailedEventDetails{Error: "e", Cause: "c", Location: "l", State: "s"}},
	{"ExecutionAborted", wire.FailureEventDetails{Error: "e", Cause: "c"}},
	{"ExecutionFailed", wire.FailureEventDetails{Error: "e", Cause: "c"}},
	{"ExecutionRedriven", wire.ExecutionRedrivenEventDetails{RedriveCount: ptr(int32(1))}},
	{"ExecutionStarted", wire.ExecutionStartedEventDetails{Input: "{}", InputDetails: truncated, RoleArn: "r", StateMachineAliasArn: "a", StateMachineVersionArn: "v"}},
	{"ExecutionSucceeded", wire.OutputEventDetails{Output: "{}", OutputDetails: truncated}},
	{"ExecutionTimedOut", wire.FailureEventDetails{Error: "e", Cause: "c"}},
	{"LambdaFunctionFailed", wire.FailureEventDetails{Error: "e", Cause: "c"}},
	{"LambdaFunctionScheduleFailed", wire.FailureEventDetails{Error: "e", Cause: "c"}},
	{"LambdaFunctionScheduled", wire.LambdaFunctionScheduledEventDetails{Resource: "f", Input: "{}", InputDetails: truncated, TimeoutInSeconds: ptr(int64(3)), TaskCredentials: &wire.TaskCredentials{RoleArn: "r"}}},
	{"LambdaFunctionStartFailed", wire.FailureEventDetails{Error: "e", Cause: "c"}},
	{"LambdaFunctionSucceeded", wire.OutputEventDetails{Output: "{}", OutputDetails: truncated}},
	{"LambdaFunctionTimedOut", wire.FailureEventDetails{Error: "e", Cause: "c"}},
	{"MapIterationAborted", wire.MapIterationEventDetails{Name: "M", Index: 1}},
	{"MapIterationFailed", wire.MapIterationEventDetails{Name: "M", Index: 2}},
	{"MapIterationStarted", wire.MapIterationEventDetails{Name: "M", Index: 3}},
	{"MapIterationSucceeded", wire.MapIterationEventDetails{Name: "M", Index: 4}},
	{"MapRunFailed", wire.FailureEventDetails{Error: "e", Cause: "c"}},
	{"MapRunRedriven", wire.MapRunRedrivenEventDetails{MapRunArn: "m", RedriveCount: ptr(int32(1))}},
	{"MapRunStarted", wire.MapRunStartedEventDetails{MapRunArn: "m"}},
	{"MapStateStarted", wire.MapStateStartedEventDetails{Length: 3}},
	{"PassStateEntered", wire.StateEnteredEventDetails{Name: "P", Input: "{}", InputDetails: truncated}},
	{"PassStateExited", wire.StateExitedEventDetails{Name: "P", Output: "{}", OutputDetails: truncated, AssignedVariables: map[string]string{"x": "1"}, AssignedVariablesDetails: &wire.AssignedVariablesDetails{Truncated: true}}},
	{"TaskFailed", wire.TaskFailureEventDetails{ResourceType: "lambda", Resource: "invoke", Error: "e", Cause: "c"}},
	{"TaskScheduled", wire.TaskScheduledEventDetails{ResourceType: "lambda", Resource: "invoke", Region: "us-east-1", Parameters: "{}", TimeoutInSeconds: ptr(int64(60)), HeartbeatInSeconds: ptr(int64(5)), TaskCredentials: &wire.TaskCredentials{RoleArn: "r"}}},
	{"TaskStartFailed", wire.TaskFailureEventDetails{ResourceType: "lambda", Resource: "invoke", Error: "e", Cause: "c"}},
	{"TaskStarted", wire.TaskStartedEventDetails{ResourceType: "lambda", Resource: "invoke"}},
	{"TaskSubmitFailed", wire.TaskFailureEventDetails{ResourceType: "lambda", Resource: "invoke", Error: "e", Cause: "c"}},
	{"TaskSubmitted", wire.TaskOutputEventDetails{ResourceType: "lambda", Resource: "invoke", Output: "{}", OutputDetails: truncated}},
	{"TaskSucceeded", wire.TaskOutputEventDetails{ResourceType: "lambda", Resource: "invoke", Output: "{}", OutputDetails: truncated}},
	{"TaskTimedOut", wire.TaskFailureEventDetails{ResourceType: "lambda", Resource: "invoke", Error: "e", Cause: "c"}},
}

func allDetailEvents(t *testing.T) []wire.HistoryEvent {
	var events []wire.HistoryEvent
	for i, e := range detailEvents {
		events = append(events, wire.HistoryEvent{
			Timestamp: t0, Type: e.typ, ID: int64(i + 1), PreviousEventID: int64(i),
			Details: mustJSON(t, e.details),
		})
	}
	return events
}

// TestResponsesFillEverySDKField serves, for every action, a response with
// every member set, and checks that the SDK's deserializer set every field
// of its output: a member the SDK did not recognise leaves its field empty.
func TestResponsesFillEverySDKField(t *testing.T) {
	t.Parallel()
	outputs := fullOutputs(t)
	for _, tc := range requestCases() {
		t.Run(tc.action, func(t *testing.T) {
			t.Parallel()
			_, client := newFake(t, replyJSON(t, outputs[tc.action]))
			out, err := tc.call(client)
			if err != nil {
				t.Fatalf("%s through the SDK: %v", tc.action, err)
			}
			if missing := unsetFields(reflect.TypeOf(out), reflect.ValueOf(out)); len(missing) > 0 {
				t.Errorf("%s: the SDK left these fields unset: %s\nresponse: %s", tc.action, strings.Join(missing, ", "), mustJSON(t, outputs[tc.action]))
			}
		})
	}
}

// unsetFields lists the leaf fields of an SDK output that no value set.
// Across the elements of a slice a field counts as set when one element sets
// it, so a history sets each details member in one event.
func unsetFields(typ reflect.Type, v reflect.Value) []string {
	all := leafPaths(typ, "", map[reflect.Type]bool{})
	set := map[string]bool{}
	collectSet(v, "", set)
	var missing []string
	for _, p := range all {
		if !set[p] {
			missing = append(missing, p)
		}
	}
	return missing
}

var timeType = reflect.TypeFor[time.Time]()

func leafPaths(t reflect.Type, prefix string, seen map[reflect.Type]bool) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.String && t.Elem().Kind() != reflect.Uint8:
		return leafPaths(t.Elem(), prefix+"[]", seen)
	case t.Kind() != reflect.Struct || t == timeType:
		return []string{prefix}
	case seen[t]:
		return nil
	}
	seen[t] = true
	defer delete(seen, t)
	var paths []string
	for f := range t.Fields() {
		if !f.IsExported() || f.Name == "ResultMetadata" {
			continue
		}
		paths = append(paths, leafPaths(f.Type, prefix+"."+f.Name, seen)...)
	}
	return paths
}

func collectSet(v reflect.Value, prefix string, set map[string]bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	t := v.Type()
	switch {
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.String && t.Elem().Kind() != reflect.Uint8:
		for i := range v.Len() {
			collectSet(v.Index(i), prefix+"[]", set)
		}
	case t.Kind() != reflect.Struct || t == timeType:
		if !v.IsZero() {
			set[prefix] = true
		}
	default:
		for i := range t.NumField() {
			f := t.Field(i)
			if f.IsExported() && f.Name != "ResultMetadata" {
				collectSet(v.Field(i), prefix+"."+f.Name, set)
			}
		}
	}
}

func TestDetailEventsCoverEveryKey(t *testing.T) {
	t.Parallel()
	var keys []string
	for _, e := range detailEvents {
		keys = append(keys, wire.DetailsKeyFor(e.typ))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) != 37 {
		t.Errorf("detail events use %d details members, want the SDK's 37: %v", len(keys), keys)
	}
	for _, k := range keys {
		if k == "" {
			t.Errorf("an event type in detailEvents has no details key")
		}
	}
}
