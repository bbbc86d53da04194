package wire_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

func TestAction(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		target, want, code string
	}{
		{"AWSStepFunctions.StartExecution", "StartExecution", ""},
		{"AWSStepFunctions.ValidateStateMachineDefinition", "ValidateStateMachineDefinition", ""},
		{"", "", wire.UnknownOperationException},
		{"AWSStepFunctions.", "", wire.UnknownOperationException},
		{"AWSStepFunctions.startExecution", "", wire.UnknownOperationException},
		{"AWSStepFunctions.TestState", "", wire.UnknownOperationException}, // real, not supported here
		{"DynamoDB_20120810.ListTables", "", wire.UnknownOperationException},
		{"StartExecution", "", wire.UnknownOperationException},
	} {
		t.Run(tc.target, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			if tc.target != "" {
				r.Header.Set("X-Amz-Target", tc.target)
			}
			got, err := wire.Action(r)
			if got != tc.want || code(err) != tc.code {
				t.Errorf("Action(%q) = %q, %v; want %q, %s", tc.target, got, err, tc.want, tc.code)
			}
		})
	}
}

func code(err error) string {
	var e *wire.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "not a *wire.Error: " + err.Error()
	}
	return ""
}

func message(err error) string {
	var e *wire.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}

func TestDecodeRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		want       wire.GetExecutionHistoryInput
		code, msg  string
	}{
		{name: "full", body: `{"executionArn":"a","maxResults":5,"reverseOrder":true,"nextToken":"t","includeExecutionData":false}`,
			want: wire.GetExecutionHistoryInput{ExecutionArn: "a", MaxResults: 5, ReverseOrder: true, NextToken: "t", IncludeExecutionData: new(bool)}},
		{name: "empty body is {}", body: ``},
		{name: "whitespace body is {}", body: " \n"},
		{name: "null", body: `null`},
		{name: "unknown members ignored", body: `{"executionArn":"a","newMemberFromAFutureSDK":{"x":[1]}}`, want: wire.GetExecutionHistoryInput{ExecutionArn: "a"}},
		{name: "malformed", body: `{"executionArn":`, code: wire.SerializationException, msg: "Malformed JSON: unexpected end of input"},
		{name: "not JSON", body: `executionArn=a`, code: wire.SerializationException, msg: "Malformed JSON at offset 1: invalid character 'e' looking for beginning of value"},
		{name: "wrong type", body: `{"maxResults":"10"}`, code: wire.SerializationException, msg: "Cannot deserialize maxResults: expected an integer, got a JSON string"},
		{name: "number too big", body: `{"maxResults":99999999999}`, code: wire.SerializationException, msg: "Cannot deserialize maxResults: expected an integer, got a JSON number 99999999999"},
		{name: "array", body: `[]`, code: wire.SerializationException, msg: "Cannot deserialize the request: expected a structure, got a JSON array"},
		{name: "trailing data", body: `{} {}`, code: wire.SerializationException, msg: "Unexpected data after the end of the JSON document"},
		{name: "too large", body: `{"executionArn":"` + strings.Repeat("a", 300) + `"}`, code: wire.RequestEntityTooLarge, msg: "Request body is larger than 256 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			var got wire.GetExecutionHistoryInput
			err := wire.DecodeRequest(r, 256, &got)
			if code(err) != tc.code || message(err) != tc.msg {
				t.Fatalf("DecodeRequest(%s) = %v; want %s %q", tc.body, err, tc.code, tc.msg)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DecodeRequest(%s) mismatch (-want +got):\n%s", tc.body, diff)
			}
		})
	}
}

func TestDecoderStrict(t *testing.T) {
	t.Parallel()
	d := wire.Decoder{DisallowUnknownMembers: true}
	var in wire.StartExecutionInput
	err := d.Unmarshal([]byte(`{"stateMachineArn":"a","stateMachine":"b"}`), &in)
	if code(err) != wire.SerializationException || message(err) != `Unknown member "stateMachine"` {
		t.Errorf("strict Unmarshal = %v, want SerializationException Unknown member", err)
	}
	if err := (wire.Decoder{}).Decode(httptest.NewRequest(http.MethodPost, "/", nil), &in); err != nil {
		t.Errorf("Decode(no body) = %v, want nil", err)
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"empty output", wire.DeleteStateMachineOutput{}, `{}`},
		{"nil list", wire.ListExecutionsOutput{}, `{"executions":[]}`},
		{"nil tags", wire.ListTagsForResourceOutput{}, `{"tags":[]}`},
		{"nil events", wire.GetExecutionHistoryOutput{NextToken: "n"}, `{"events":[],"nextToken":"n"}`},
		{"no task", wire.GetActivityTaskOutput{}, `{}`},
		{"running execution", wire.DescribeExecutionOutput{ExecutionArn: "e", StateMachineArn: "s", Status: "RUNNING", StartDate: wire.NewTime(time.Unix(1735732800, 5e8))},
			`{"executionArn":"e","stateMachineArn":"s","status":"RUNNING","startDate":1735732800.5}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			if err := wire.WriteJSON(rec, tc.v); err != nil {
				t.Fatal(err)
			}
			if rec.Code != 200 || rec.Header().Get("Content-Type") != wire.ContentType || rec.Body.String() != tc.want {
				t.Errorf("WriteJSON = %d %q %s, want 200 %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body, wire.ContentType, tc.want)
			}
		})
	}
}

func TestTimeJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Unix(1735732800, 0), "1735732800"},
		{time.Unix(1735732800, 123_000_000), "1735732800.123"},
		{time.Unix(1735732800, 120_000_000), "1735732800.12"},
		{time.Unix(1735732800, 100_999_999), "1735732800.1"}, // milliseconds, truncated
		{time.Unix(0, 0), "0"},
		{time.Unix(-1, 500_000_000), "-0.5"},
		{time.Unix(-2, 0), "-2"},
	} {
		got, err := json.Marshal(wire.NewTime(tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
		var back wire.Time
		if err := json.Unmarshal(got, &back); err != nil || !back.Equal(time.UnixMilli(tc.in.UnixMilli())) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", got, back, err, tc.in)
		}
	}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"1.735732800123E9", time.Unix(1735732800, 123_000_000)}, // as AWS writes them
		{"1735732800.123456", time.Unix(1735732800, 123_456_000)},
		{"1735732800123e-3", time.Unix(1735732800, 123_000_000)},
		{"1.0E+9", time.Unix(1e9, 0)},
		{"0.000000001", time.Unix(0, 1)},
	} {
		var got wire.Time
		if err := json.Unmarshal([]byte(tc.in), &got); err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v UTC", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{`"1735732800"`, `true`, `{}`, `1e999999999`, `1e31`, `99999999999999999999`, `1/2`, `0x10`} {
		var got wire.Time
		if err := got.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", in, got)
		}
	}
	var null wire.Time
	if err := json.Unmarshal([]byte("null"), &null); err != nil || !null.IsZero() {
		t.Errorf("Unmarshal(null) = %v, %v; want zero", null, err)
	}
}

func TestHistoryEventJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ev   wire.HistoryEvent
		want string
	}{
		{"no details", wire.HistoryEvent{Timestamp: wire.NewTime(time.Unix(10, 0)), Type: "WaitStateAborted", ID: 3, PreviousEventID: 2},
			`{"timestamp":10,"type":"WaitStateAborted","id":3,"previousEventId":2}`},
		{"derived key", wire.HistoryEvent{Timestamp: wire.NewTime(time.Unix(10, 0)), Type: "ChoiceStateEntered", ID: 1,
			Details: json.RawMessage(`{"name":"C"}`)},
			`{"timestamp":10,"type":"ChoiceStateEntered","id":1,"previousEventId":0,"stateEnteredEventDetails":{"name":"C"}}`},
		{"explicit key", wire.HistoryEvent{Timestamp: wire.NewTime(time.Unix(10, 0)), Type: "FutureThing", ID: 1,
			Details: json.RawMessage(`{"x":1}`), DetailsKey: "futureThingEventDetails"},
			`{"timestamp":10,"type":"FutureThing","id":1,"previousEventId":0,"futureThingEventDetails":{"x":1}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(tc.ev)
			if err != nil || string(got) != tc.want {
				t.Fatalf("Marshal = %s, %v; want %s", got, err, tc.want)
			}
			var back wire.HistoryEvent
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(back)
			if err != nil || string(again) != tc.want {
				t.Errorf("Marshal(Unmarshal(%s)) = %s, %v", tc.want, again, err)
			}
		})
	}
	for _, bad := range []wire.HistoryEvent{
		{Type: "WaitStateAborted", Details: json.RawMessage(`{}`)},
		{Type: "TaskFailed", Details: json.RawMessage(`{`)},
	} {
		if got, err := json.Marshal(bad); err == nil {
			t.Errorf("Marshal(%+v) = %s, want an error", bad, got)
		}
	}
	var two wire.HistoryEvent
	if err := json.Unmarshal([]byte(`{"type":"TaskFailed","taskFailedEventDetails":{},"taskTimedOutEventDetails":{}}`), &two); err == nil {
		t.Errorf("Unmarshal of two details members succeeded: %+v", two)
	}
}

func TestDetailsKeyFor(t *testing.T) {
	t.Parallel()
	for typ, want := range map[string]string{
		"ExecutionStarted":      "executionStartedEventDetails",
		"TaskStateEntered":      "stateEnteredEventDetails",
		"MapStateExited":        "stateExitedEventDetails",
		"MapStateStarted":       "mapStateStartedEventDetails",
		"MapIterationStarted":   "mapIterationStartedEventDetails",
		"TaskSubmitFailed":      "taskSubmitFailedEventDetails",
		"ParallelStateStarted":  "",
		"MapStateSucceeded":     "",
		"TaskStateAborted":      "",
		"MapRunSucceeded":       "",
		"LambdaFunctionStarted": "",
	} {
		if got := wire.DetailsKeyFor(typ); got != want {
			t.Errorf("DetailsKeyFor(%q) = %q, want %q", typ, got, want)
		}
	}
}
