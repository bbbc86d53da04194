package asl_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/asl"
)

func mustLoad(t *testing.T, def string) *asl.StateMachine {
	t.Helper()
	sm, err := asl.Load([]byte(def), asl.LoadOptions{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return sm
}

func TestLoadMachine(t *testing.T) {
	t.Parallel()
	sm := mustLoad(t, `{
		"Comment": "c", "Version": "1.0", "TimeoutSeconds": 30, "StartAt": "B",
		"States": {"B": {"Type": "Pass", "Next": "A"}, "A": {"Type": "Succeed"}}}`)
	if sm.Comment != "c" || sm.Version != "1.0" || sm.TimeoutSeconds != 30 || sm.StartAt != "B" {
		t.Errorf("machine = %+v", sm)
	}
	if diff := cmp.Diff([]string{"B", "A"}, sm.Names); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	if sm.QueryLanguage != asl.JSONPath {
		t.Errorf("QueryLanguage = %q, want JSONPath", sm.QueryLanguage)
	}
	b := sm.States["B"]
	if b.Name != "B" || b.Pointer != "/States/B" || b.Next != "A" || b.End || b.QueryLanguage != asl.JSONPath {
		t.Errorf("state B = %+v", b)
	}
}

func TestLoadPass(t *testing.T) {
	t.Parallel()
	sm := mustLoad(t, `{"StartAt": "P", "States": {"P": {
		"Type": "Pass", "Comment": "pc", "InputPath": "$.in", "OutputPath": null, "ResultPath": "$.r",
		"Parameters": {"a.$": "$.x", "b": 1}, "Result": {"n": 1.5}, "Assign": {"v": 1, "w.$": "$.y"}, "End": true}}}`)
	p := sm.States["P"]
	if p.Comment != "pc" || !p.End || p.InputPath.Source != "$.in" || !p.OutputPath.Null || p.ResultPath.Source != "$.r" {
		t.Errorf("P = %+v", p)
	}
	if !p.HasResult || !cmp.Equal(p.Result, map[string]any{"n": json.Number("1.5")}) {
		t.Errorf("Result = %#v, %v", p.Result, p.HasResult)
	}
	if p.Parameters == nil || p.Assign == nil {
		t.Fatalf("Parameters = %v, Assign = %v", p.Parameters, p.Assign)
	}
	want := map[string]any{"a.$": "$.x", "b": json.Number("1")}
	if diff := cmp.Diff(want, p.Parameters.Source); diff != "" {
		t.Errorf("Parameters.Source (-want +got):\n%s", diff)
	}
}

func TestLoadTask(t *testing.T) {
	t.Parallel()
	sm := mustLoad(t, `{"StartAt": "T", "States": {
		"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 10, "HeartbeatSeconds": 5,
			"Credentials": {"RoleArn": "arn:role"}, "ResultSelector": {"x.$": "$.Payload"},
			"Retry": [{"ErrorEquals": ["A", "B"]}, {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 0,
				"BackoffRate": 1.5, "MaxDelaySeconds": 60, "JitterStrategy": "FULL", "Comment": "rc"}],
			"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F", "ResultPath": "$.err", "Comment": "cc"}],
			"Next": "T2"},
		"T2": {"Type": "Task", "Resource": "r", "TimeoutSecondsPath": "$.t", "HeartbeatSecondsPath": "$.h", "Next": "S"},
		"F": {"Type": "Fail", "Error": "E", "Cause": "C"},
		"S": {"Type": "Succeed"}}}`)
	task := sm.States["T"]
	if task.Resource != "arn:aws:states:::lambda:invoke" || task.ResultSelector == nil {
		t.Errorf("T = %+v", task)
	}
	if got := task.TimeoutSeconds.Source; got != json.Number("10") {
		t.Errorf("TimeoutSeconds = %#v", got)
	}
	if got := task.HeartbeatSeconds.Source; got != json.Number("5") {
		t.Errorf("HeartbeatSeconds = %#v", got)
	}
	if !cmp.Equal(task.Credentials, map[string]any{"RoleArn": "arn:role"}) {
		t.Errorf("Credentials = %#v", task.Credentials)
	}
	wantRetry := []*asl.Retrier{
		{ErrorEquals: []string{"A", "B"}, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "NONE"},
		{ErrorEquals: []string{"States.ALL"}, IntervalSeconds: 2, MaxAttempts: 0, BackoffRate: 1.5, MaxDelaySeconds: 60, JitterStrategy: "FULL", Comment: "rc"},
	}
	if diff := cmp.Diff(wantRetry, task.Retry); diff != "" {
		t.Errorf("Retry (-want +got):\n%s", diff)
	}
	if len(task.Catch) != 1 || task.Catch[0].Next != "F" || task.Catch[0].ResultPath.Source != "$.err" || task.Catch[0].Comment != "cc" {
		t.Errorf("Catch = %+v", task.Catch)
	}
	t2 := sm.States["T2"]
	if t2.TimeoutSecondsPath.Source != "$.t" || t2.HeartbeatSecondsPath.Source != "$.h" {
		t.Errorf("T2 = %+v", t2)
	}
	f := sm.States["F"]
	if f.Error.Source != "E" || f.Cause.Source != "C" {
		t.Errorf("F = %+v", f)
	}
}

func TestLoadChoiceWaitFail(t *testing.T) {
	t.Parallel()
	sm := mustLoad(t, `{"StartAt": "C", "States": {
		"C": {"Type": "Choice", "Choices": [
			{"Variable": "$.a", "NumericEquals": 1, "Next": "W1", "Comment": "one", "Assign": {"x": 1}},
			{"And": [{"Variable": "$.b", "IsPresent": true}, {"Not": {"Variable": "$.b", "StringEqualsPath": "$.c"}}], "Next": "W2"}
		], "Default": "W3"},
		"W1": {"Type": "Wait", "Seconds": 5, "Next": "F1"},
		"W2": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "Next": "F2"},
		"W3": {"Type": "Wait", "SecondsPath": "$.s", "Next": "W4"},
		"W4": {"Type": "Wait", "TimestampPath": "$.ts", "End": true},
		"F1": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('x {}', $.c)"},
		"F2": {"Type": "Fail"}}}`)
	c := sm.States["C"]
	if c.Default != "W3" || len(c.Choices) != 2 {
		t.Fatalf("C = %+v", c)
	}
	r0 := c.Choices[0]
	if r0.Next != "W1" || r0.Comment != "one" || r0.Operator != "NumericEquals" || r0.Variable.Source != "$.a" || r0.Operand != json.Number("1") || r0.Assign == nil {
		t.Errorf("rule 0 = %+v", r0)
	}
	r1 := c.Choices[1]
	if len(r1.And) != 2 || r1.And[0].Operator != "IsPresent" || r1.And[1].Not == nil || r1.And[1].Not.OperandPath.Source != "$.c" {
		t.Errorf("rule 1 = %+v", r1)
	}
	if sm.States["W1"].Seconds.Source != json.Number("5") || sm.States["W2"].Timestamp.Source != "2016-03-14T01:59:00Z" ||
		sm.States["W3"].SecondsPath.Source != "$.s" || sm.States["W4"].TimestampPath.Source != "$.ts" {
		t.Error("Wait fields not loaded")
	}
	f1 := sm.States["F1"]
	if f1.ErrorPath.Source != "$.e" || !f1.CausePath.IsIntrinsic() {
		t.Errorf("F1 = %+v", f1)
	}
}

func TestLoadParallelMap(t *testing.T) {
	t.Parallel()
	sm := mustLoad(t, `{"StartAt": "P", "States": {
		"P": {"Type": "Parallel", "Branches": [
			{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
			{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}], "ResultSelector": {"r.$": "$[0]"}, "Next": "M"},
		"M": {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"v.$": "$$.Map.Item.Value"}, "MaxConcurrency": 2,
			"ToleratedFailureCount": 1, "ToleratedFailurePercentage": 50.5, "Label": "lbl",
			"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}},
			"ItemReader": {"Resource": "arn:aws:states:::s3:getObject"}, "ItemBatcher": {"MaxItemsPerBatch": 2}, "ResultWriter": {"Resource": "r"},
			"Next": "L"},
		"L": {"Type": "Map", "Iterator": {"StartAt": "J", "States": {"J": {"Type": "Pass", "End": true}}},
			"Parameters": {"x.$": "$"}, "MaxConcurrencyPath": "$.m", "ToleratedFailureCountPath": "$.c", "ToleratedFailurePercentagePath": "$.p", "End": true}}}`)
	p := sm.States["P"]
	if len(p.Branches) != 2 || p.Branches[0].StartAt != "A" || p.Branches[1].States["B"].Pointer != "/States/P/Branches[1]/States/B" {
		t.Errorf("P = %+v", p)
	}
	m := sm.States["M"]
	if m.Processor.Mode != "DISTRIBUTED" || m.Processor.ExecutionType != "EXPRESS" || m.ItemsPath.Source != "$.items" || m.ItemSelector == nil ||
		m.MaxConcurrency.Source != json.Number("2") || m.ToleratedFailureCount.Source != json.Number("1") ||
		m.ToleratedFailurePercentage.Source != json.Number("50.5") || m.Label != "lbl" ||
		m.ItemReader == nil || m.ItemBatcher == nil || m.ResultWriter == nil {
		t.Errorf("M = %+v", m)
	}
	if got := m.Processor.States["I"].Pointer; got != "/States/M/ItemProcessor/States/I" {
		t.Errorf("inner pointer = %q", got)
	}
	l := sm.States["L"]
	if l.Processor.Mode != "INLINE" || l.ItemSelector == nil || l.Parameters != nil || l.MaxConcurrencyPath.Source != "$.m" ||
		l.ToleratedFailureCountPath.Source != "$.c" || l.ToleratedFailurePercentagePath.Source != "$.p" {
		t.Errorf("L = %+v", l)
	}
}

func TestLoadJSONataModel(t *testing.T) {
	t.Parallel()
	// A well-formed JSONata machine has no diagnostics.
	def := `{"QueryLanguage": "JSONata", "StartAt": "T", "States": {
		"T": {"Type": "Task", "Resource": "r", "Arguments": {"a": "{% $states.input.a %}"}, "Output": "{% $states.result %}",
			"TimeoutSeconds": "{% 3 %}", "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% 1 %}", "Next": "C"}], "Next": "C"},
		"C": {"Type": "Choice", "Choices": [{"Condition": "{% true %}", "Next": "M"}], "Default": "M"},
		"M": {"Type": "Map", "Items": "{% [1] %}", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}}}`
	diags := asl.Validate([]byte(def), asl.LoadOptions{})
	var want []asl.Diagnostic
	if diff := cmp.Diff(want, diags); diff != "" {
		t.Errorf("Validate (-want +got):\n%s", diff)
	}
}

func TestValidateDiagnostics(t *testing.T) {
	t.Parallel()
	const end = `"S": {"Type": "Succeed"}`
	for _, tc := range []struct {
		name, def, typ string
		want           asl.Diagnostic
	}{
		{"not JSON object", `[]`, "", diag("SCHEMA_VALIDATION_FAILED", "", "Definition must be a valid JSON object")},
		{"blank", `  `, "", diag("SCHEMA_VALIDATION_FAILED", "", "Definition must be a valid JSON object")},
		{"bad JSON", `{"StartAt": `, "", diag("INVALID_JSON_DESCRIPTION", "", "Invalid JSON: unexpected EOF")},
		{"missing States", `{"StartAt": "S"}`, "", diag("SCHEMA_VALIDATION_FAILED", "/", "These fields are required: [States]")},
		{"empty object", `{}`, "", diag("SCHEMA_VALIDATION_FAILED", "/", "These fields are required: [States, StartAt]")},
		{"bare word", `not a definition`, "", diag("INVALID_JSON_DESCRIPTION", `[Source: (String)"not a definition"; line: 1, column: 4]`,
			"Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]")},
		{"missing StartAt", `{"States": {` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/", "These fields are required: [StartAt]")},
		{"unknown top field", `{"StartAt": "S", "Foo": 1, "States": {` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/", "Field 'Foo' is not supported")},
		{"top TimeoutSeconds", `{"StartAt": "S", "TimeoutSeconds": 0, "States": {` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/TimeoutSeconds", "Value must be a positive integer no greater than 99999999")},
		{"unknown state field", `{"StartAt": "S", "States": {"S": {"Type": "Succeed", "Foo": 1}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/S", "Field 'Foo' is not supported")},
		{"field on wrong type", `{"StartAt": "S", "States": {"S": {"Type": "Pass", "Retry": [], "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/S", "Field 'Retry' is not supported")},
		{"JSONata field", `{"StartAt": "S", "States": {"S": {"Type": "Pass", "Output": 1, "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/S", "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage")},
		{"missing Type", `{"StartAt": "S", "States": {"S": {"End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/S", "These fields are required: [Type]")},
		{"bad Type", `{"StartAt": "S", "States": {"S": {"Type": "Nope"}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/S/Type", "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]")},
		{"wrong type", `{"StartAt": "S", "States": {"S": {"Type": "Succeed", "Comment": 1}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/S/Comment", "Expected value of type String")},
		{"no Next or End", `{"StartAt": "P", "States": {"P": {"Type": "Pass"}, ` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/P", "These fields are required: [Next or End]")},
		{"Next and End", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "S", "End": true}, ` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/P", "Only one of the fields [Next, End] can be set")},
		{"missing Next target", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "X"}, ` + end + `}}`, "", diag("MISSING_TRANSITION_TARGET", "/States/P/Next", "Missing 'Next' target: X")},
		{"missing Choice target", `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true, "Next": "X"}], "Default": "S"}, ` + end + `}}`, "", diag("MISSING_TRANSITION_TARGET", "/States/C/Choices[0]/Next", "Missing 'Next' target: X")},
		{"missing Default target", `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true, "Next": "S"}], "Default": "X"}, ` + end + `}}`, "", diag("MISSING_TRANSITION_TARGET", "/States/C/Default", "Missing 'Next' target: X")},
		{"missing Catch target", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "Catch": [{"ErrorEquals": ["E"], "Next": "X"}], "End": true}}}`, "", diag("MISSING_TRANSITION_TARGET", "/States/T/Catch[0]/Next", "Missing 'Next' target: X")},
		{"missing StartAt target", `{"StartAt": "X", "States": {` + end + `}}`, "", diag("MISSING_TRANSITION_TARGET", "/StartAt", "Missing 'StartAt' target: X")},
		{"StartAt in no states", `{"StartAt": "X", "States": {}}`, "", diag("MISSING_TRANSITION_TARGET", "/StartAt", "Missing 'StartAt' target: X")},
		{"unreachable", `{"StartAt": "S", "States": {` + end + `, "U": {"Type": "Succeed"}}}`, "", diag("MISSING_TRANSITION_TARGET", "/States/U", `State "U" is not reachable.`)},
		{"no terminal", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}`, "", diag("MISSING_END_STATE", "", "Workflow has no terminal state")},
		{"duplicate name", `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}], "End": true}}}`, "", diag("DUPLICATE_STATE_NAME", "/States/P/Branches[0]/States/P", "Duplicate State name: P")},
		{"long name", `{"StartAt": "S", "States": {"S": {"Type": "Succeed", "Next": "` + strings.Repeat("n", 81) + `"}, "` + strings.Repeat("n", 81) + `": {"Type": "Succeed"}}}`, "", diag("INVALID_STATE_NAME", "/States/"+strings.Repeat("n", 81), "State name must be between 1 and 80 characters long")},
		{"bad InputPath", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "a.b", "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/P/InputPath", "The value for the field 'InputPath' must be a valid JSONPath")},
		{"bad ResultPath", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "ResultPath": "$.a[*]", "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/P/ResultPath", "The value for the field 'ResultPath' must be a valid ReferencePath")},
		{"bad parameter path", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a": {"b.$": "nope"}}, "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/P/Parameters/a/b.$", "The value for the field 'b.$' must be a valid JSONPath")},
		{"bad intrinsic", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": "States.Nope(1)"}, "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/P/Parameters/a.$", "The value for the field 'a.$' must be a valid JSONPath or a valid intrinsic function call")},
		{"bad intrinsic syntax", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": "States.Format('x', $.a"}, "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/P/Parameters/a.$", "The value for the field 'a.$' must be a valid JSONPath or a valid intrinsic function call")},
		{"bad timestamp", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": "2016-03-14 01:59:00Z", "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/W/Timestamp", "String does not match RFC3339 timestamp")},
		{"two waits", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/W", "Exactly one of the fields [Seconds, SecondsPath, Timestamp, TimestampPath] is required")},
		{"missing Resource", `{"StartAt": "T", "States": {"T": {"Type": "Task", "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T", "These fields are required: [Resource]")},
		{"zero timeout", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "TimeoutSeconds": 0, "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T/TimeoutSeconds", "Value must be a positive integer no greater than 99999999")},
		{"heartbeat too long", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "TimeoutSeconds": 5, "HeartbeatSeconds": 5, "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T/HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds")},
		{"timeout and path", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t", "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T", "Only one of the fields [TimeoutSeconds, TimeoutSecondsPath] can be set")},
		{"credentials", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "Credentials": {}, "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T/Credentials", "The field 'RoleArn' is required but was missing")},
		{"express sync", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": true}}}`, "EXPRESS", diag("SCHEMA_VALIDATION_FAILED", "/States/T/Resource", "Express state machine does not support '.sync' service integration")},
		{"express token", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}`, "EXPRESS", diag("SCHEMA_VALIDATION_FAILED", "/States/T/Resource", "Express state machine does not support '.waitForTaskToken' service integration ")},
		{"express activity", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:000000000000:activity:A", "End": true}}}`, "EXPRESS", diag("SCHEMA_VALIDATION_FAILED", "/States/T/Resource", "Express state machine does not support Activity ARN")},
		{"retry MaxAttempts", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": -1}], "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T/Retry[0]/MaxAttempts", "Value must be between 0 and 99999999")},
		{"retry BackoffRate", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "Retry": [{"ErrorEquals": ["E"], "BackoffRate": 0.5}], "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T/Retry[0]/BackoffRate", "Value must be between 1.0 and 99999999")},
		{"retry IntervalSeconds", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 0}], "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T/Retry[0]/IntervalSeconds", "Value must be between 1 and 99999999")},
		{"retry Jitter", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "Retry": [{"ErrorEquals": ["E"], "JitterStrategy": "HALF"}], "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T/Retry[0]/JitterStrategy", "Value is not one of the allowed values: [FULL, NONE]")},
		{"retry ErrorEquals", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "Retry": [{}], "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T/Retry[0]", "These fields are required: [ErrorEquals]")},
		{"States.ALL not alone", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "Retry": [{"ErrorEquals": ["States.ALL", "E"]}], "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T/Retry[0]/ErrorEquals", "States.ALL must be the last and only element in ErrorEquals, in the last retrier or catcher")},
		{"States.ALL not last", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S"}, {"ErrorEquals": ["E"], "Next": "S"}], "End": true}, ` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T/Catch[0]/ErrorEquals", "States.ALL must be the last and only element in ErrorEquals, in the last retrier or catcher")},
		{"catch Next", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "Catch": [{"ErrorEquals": ["E"]}], "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/T/Catch[0]", "These fields are required: [Next]")},
		{"choice no Choices", `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Default": "S"}, ` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/C", "These fields are required: [Choices]")},
		{"choice two operators", `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true, "IsString": true, "Next": "S"}]}, ` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/C/Choices[0]", "A choice rule must have exactly one comparison operator or one of [And, Or, Not]")},
		{"choice unknown operator", `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "StringSimilar": "x", "Next": "S"}]}, ` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/C/Choices[0]", "Field 'StringSimilar' is not supported")},
		{"choice no Next", `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true}], "Default": "S"}, ` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/C/Choices[0]", "These fields are required: [Next]")},
		{"nested Next", `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Not": {"Variable": "$.a", "IsNull": true, "Next": "S"}, "Next": "S"}]}, ` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/C/Choices[0]/Not", "Field 'Next' is not supported")},
		{"choice operand type", `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "NumericEquals": "1", "Next": "S"}]}, ` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/C/Choices[0]/NumericEquals", "Expected value of type Number")},
		{"choice timestamp", `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "TimestampEquals": "yesterday", "Next": "S"}]}, ` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/C/Choices[0]/TimestampEquals", "String does not match RFC3339 timestamp")},
		{"choice Variable path", `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "a", "IsNull": true, "Next": "S"}]}, ` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/C/Choices[0]/Variable", "The value for the field 'Variable' must be a valid JSONPath")},
		{"empty label", mapWithLabel(`""`), "", diag("INVALID_LABEL_NAME", "/States/M/Label", "Label cannot be empty")},
		{"label char", mapWithLabel(`"a#b"`), "", diag("INVALID_LABEL_NAME", "/States/M/Label", "Label contains invalid character: '#'")},
		{"label control", mapWithLabel(`"a\u0002"`), "", diag("INVALID_LABEL_NAME", "/States/M/Label", `Label contains invalid character: '\x02'`)},
		{"label length", mapWithLabel(`"` + strings.Repeat("a", 41) + `"`), "", diag("INVALID_LABEL_NAME", "/States/M/Label", "Label cannot exceed 40 characters")},
		{"map processor", `{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/M", "These fields are required: [ItemProcessor]")},
		{"map inner type", `{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Bad"}}}, "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/M/ItemProcessor/States/I/Type", "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]")},
		{"processor QueryLanguage", `{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"QueryLanguage": "JSONPath", "StartAt": "I", "States": {"I": {"Type": "Succeed"}}}, "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/M/ItemProcessor", "Field 'QueryLanguage' is not supported")},
		{"tolerated percentage", `{"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailurePercentage": 101, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}, "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/M/ToleratedFailurePercentage", "Value must be between 0 and 100")},
		{"parallel branches", `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/P", "These fields are required: [Branches]")},
		{"assign name", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Assign": {"a-b": 1}, "End": true}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/P/Assign/a-b", "The variable name 'a-b' is not valid")},
		{"JSONata syntax", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "Output": {"a": "{% [1, %}"}, "End": true}}}`, "",
			diag("INVALID_JSONATA_EXPRESSION", "/States/S/Output/a", `Expected "]" before end of expression (JSONata S0203 at position 3)`)},
		{"JSONata top level", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "Output": {"a": "{% $.a %}"}, "End": true}}}`, "",
			diag("UNSUPPORTED_JSONATA_EXPRESSION", "/States/S/Output/a", "Reference to '$' at the top level is not supported.")},
		{"JSONPath under JSONata", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Succeed", "QueryLanguage": "JSONPath"}}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/States/S", "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")},
		{"bad QueryLanguage", `{"QueryLanguage": "XPath", "StartAt": "S", "States": {` + end + `}}`, "", diag("SCHEMA_VALIDATION_FAILED", "/QueryLanguage", "Value is not one of the allowed values: [JSONPath, JSONata]")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := asl.Validate([]byte(tc.def), asl.LoadOptions{Type: tc.typ})
			for _, d := range got {
				if d == tc.want {
					return
				}
			}
			t.Errorf("Validate(%s) = %+v, want it to include %+v", tc.def, got, tc.want)
		})
	}
}

func diag(code, ptr, msg string) asl.Diagnostic {
	return asl.Diagnostic{Code: code, Pointer: ptr, Message: msg, Severity: "ERROR"}
}

func mapWithLabel(label string) string {
	return `{"StartAt": "M", "States": {"M": {"Type": "Map", "Label": ` + label + `,
		"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}}}`
}

func TestValidateValid(t *testing.T) {
	t.Parallel()
	def := `{"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}`
	if got := asl.Validate([]byte(def), asl.LoadOptions{Type: "EXPRESS"}); len(got) != 0 {
		t.Errorf("Validate = %+v, want none", got)
	}
}

func TestDefinitionError(t *testing.T) {
	t.Parallel()
	_, err := asl.Load([]byte(`{"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "X"}, "U": {"Type": "Succeed"}}}`), asl.LoadOptions{})
	var de *asl.DefinitionError
	if !errors.As(err, &de) {
		t.Fatalf("Load error = %v, want a *DefinitionError", err)
	}
	want := `Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: X at /States/P/Next, MISSING_TRANSITION_TARGET: State "U" is not reachable. at /States/U'`
	if got := de.Error(); got != want {
		t.Errorf("Error() = %s\nwant %s", got, want)
	}
	_, err = asl.Load([]byte(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}`), asl.LoadOptions{})
	if got, want := err.Error(), "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state at null'"; got != want {
		t.Errorf("Error() = %s\nwant %s", got, want)
	}
}
