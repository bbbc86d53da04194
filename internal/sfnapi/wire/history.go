package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// HistoryEvent is one event of GetExecutionHistory. Its details object sits
// under a member named for the event type (taskScheduledEventDetails,
// stateEnteredEventDetails, …) and is kept as raw JSON: marshal one of the
// …EventDetails types below into it.
type HistoryEvent struct {
	Timestamp       Time
	Type            string
	ID              int64
	PreviousEventID int64
	// Details is the details object, nil when the event has none.
	Details json.RawMessage
	// DetailsKey names the member holding Details; empty means
	// DetailsKeyFor(Type). Unmarshalling sets it to the member found.
	DetailsKey string
}

// DetailsKeyFor is the member AWS puts the details of an event type under, or
// "" when events of that type carry no details.
func DetailsKeyFor(eventType string) string {
	switch {
	case strings.HasSuffix(eventType, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(eventType, "StateExited"):
		return "stateExitedEventDetails"
	}
	if detailed[eventType] {
		return strings.ToLower(eventType[:1]) + eventType[1:] + "EventDetails"
	}
	return ""
}

// detailed lists the event types whose details member is named after them.
var detailed = map[string]bool{
	"ActivityFailed": true, "ActivityScheduled": true, "ActivityScheduleFailed": true,
	"ActivityStarted": true, "ActivitySucceeded": true, "ActivityTimedOut": true,
	"EvaluationFailed": true,
	"ExecutionAborted": true, "ExecutionFailed": true, "ExecutionRedriven": true,
	"ExecutionStarted": true, "ExecutionSucceeded": true, "ExecutionTimedOut": true,
	"LambdaFunctionFailed": true, "LambdaFunctionScheduled": true, "LambdaFunctionScheduleFailed": true,
	"LambdaFunctionStartFailed": true, "LambdaFunctionSucceeded": true, "LambdaFunctionTimedOut": true,
	"MapIterationAborted": true, "MapIterationFailed": true, "MapIterationStarted": true, "MapIterationSucceeded": true,
	"MapRunFailed": true, "MapRunRedriven": true, "MapRunStarted": true, "MapStateStarted": true,
	"TaskFailed": true, "TaskScheduled": true, "TaskStarted": true, "TaskStartFailed": true,
	"TaskSubmitFailed": true, "TaskSubmitted": true, "TaskSucceeded": true, "TaskTimedOut": true,
}

// MarshalJSON writes the event as GetExecutionHistory returns it.
func (e HistoryEvent) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 96+len(e.Details))
	b = append(b, `{"timestamp":`...)
	b = AppendEpoch(b, e.Timestamp.Time)
	b = append(b, `,"type":`...)
	b = appendString(b, e.Type)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `,"previousEventId":`...)
	b = strconv.AppendInt(b, e.PreviousEventID, 10)
	if len(e.Details) > 0 {
		key := e.DetailsKey
		if key == "" {
			key = DetailsKeyFor(e.Type)
		}
		if key == "" {
			return nil, fmt.Errorf("history event %d: type %q carries no details", e.ID, e.Type)
		}
		// encoding/json checks that Details is valid JSON.
		b = append(b, ',')
		b = appendString(b, key)
		b = append(b, ':')
		b = append(b, e.Details...)
	}
	return append(b, '}'), nil
}

// appendString appends s as a JSON string: event types and member names are
// plain identifiers, anything else goes through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// UnmarshalJSON reads an event; the member whose name ends in
// "EventDetails" becomes Details.
func (e *HistoryEvent) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	var out HistoryEvent
	for k, v := range m {
		var err error
		switch k {
		case "timestamp":
			err = json.Unmarshal(v, &out.Timestamp)
		case "type":
			err = json.Unmarshal(v, &out.Type)
		case "id":
			err = json.Unmarshal(v, &out.ID)
		case "previousEventId":
			err = json.Unmarshal(v, &out.PreviousEventID)
		default:
			if !strings.HasSuffix(k, "EventDetails") || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
				continue
			}
			if out.Details != nil {
				return fmt.Errorf("history event has two details members, %q and %q", out.DetailsKey, k)
			}
			out.Details, out.DetailsKey = v, k
		}
		if err != nil {
			return fmt.Errorf("history event member %q: %w", k, err)
		}
	}
	*e = out
	return nil
}

// HistoryEventExecutionDataDetails says whether input or output was cut.
type HistoryEventExecutionDataDetails struct {
	Truncated bool `json:"truncated"`
}

// FailureEventDetails are the details of ActivityFailed,
// ActivityScheduleFailed, ActivityTimedOut, ExecutionAborted, ExecutionFailed,
// ExecutionTimedOut, LambdaFunctionFailed, LambdaFunctionScheduleFailed,
// LambdaFunctionStartFailed, LambdaFunctionTimedOut and MapRunFailed.
type FailureEventDetails struct {
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
}

// TaskFailureEventDetails are the details of TaskFailed, TaskStartFailed,
// TaskSubmitFailed and TaskTimedOut.
type TaskFailureEventDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

// ExecutionStartedEventDetails are the details of ExecutionStarted.
type ExecutionStartedEventDetails struct {
	Input                  string                            `json:"input,omitempty"`
	InputDetails           *HistoryEventExecutionDataDetails `json:"inputDetails,omitempty"`
	RoleArn                string                            `json:"roleArn,omitempty"`
	StateMachineAliasArn   string                            `json:"stateMachineAliasArn,omitempty"`
	StateMachineVersionArn string                            `json:"stateMachineVersionArn,omitempty"`
}

// OutputEventDetails are the details of ExecutionSucceeded,
// ActivitySucceeded and LambdaFunctionSucceeded.
type OutputEventDetails struct {
	Output        string                            `json:"output,omitempty"`
	OutputDetails *HistoryEventExecutionDataDetails `json:"outputDetails,omitempty"`
}

// ExecutionRedrivenEventDetails are the details of ExecutionRedriven.
type ExecutionRedrivenEventDetails struct {
	RedriveCount *int32 `json:"redriveCount,omitempty"`
}

// StateEnteredEventDetails are the details of every …StateEntered event.
type StateEnteredEventDetails struct {
	Name         string                            `json:"name"`
	Input        string                            `json:"input,omitempty"`
	InputDetails *HistoryEventExecutionDataDetails `json:"inputDetails,omitempty"`
}

// StateExitedEventDetails are the details of every …StateExited event.
type StateExitedEventDetails struct {
	Name                     string                            `json:"name"`
	Output                   string                            `json:"output,omitempty"`
	OutputDetails            *HistoryEventExecutionDataDetails `json:"outputDetails,omitempty"`
	AssignedVariables        map[string]string                 `json:"assignedVariables,omitempty"`
	AssignedVariablesDetails *AssignedVariablesDetails         `json:"assignedVariablesDetails,omitempty"`
}

// AssignedVariablesDetails says whether assigned variables were cut.
type AssignedVariablesDetails struct {
	Truncated bool `json:"truncated"`
}

// TaskCredentials name the role a task ran with.
type TaskCredentials struct {
	RoleArn string `json:"roleArn,omitempty"`
}

// TaskScheduledEventDetails are the details of TaskScheduled. Parameters is
// JSON text.
type TaskScheduledEventDetails struct {
	ResourceType       string           `json:"resourceType"`
	Resource           string           `json:"resource"`
	Region             string           `json:"region"`
	Parameters         string           `json:"parameters"`
	TimeoutInSeconds   *int64           `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds *int64           `json:"heartbeatInSeconds,omitempty"`
	TaskCredentials    *TaskCredentials `json:"taskCredentials,omitempty"`
}

// TaskStartedEventDetails are the details of TaskStarted.
type TaskStartedEventDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
}

// TaskOutputEventDetails are the details of TaskSubmitted and TaskSucceeded.
type TaskOutputEventDetails struct {
	ResourceType  string                            `json:"resourceType"`
	Resource      string                            `json:"resource"`
	Output        string                            `json:"output,omitempty"`
	OutputDetails *HistoryEventExecutionDataDetails `json:"outputDetails,omitempty"`
}

// ActivityScheduledEventDetails are the details of ActivityScheduled.
type ActivityScheduledEventDetails struct {
	Resource           string                            `json:"resource"`
	Input              string                            `json:"input,omitempty"`
	InputDetails       *HistoryEventExecutionDataDetails `json:"inputDetails,omitempty"`
	TimeoutInSeconds   *int64                            `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds *int64                            `json:"heartbeatInSeconds,omitempty"`
}

// ActivityStartedEventDetails are the details of ActivityStarted.
type ActivityStartedEventDetails struct {
	WorkerName string `json:"workerName,omitempty"`
}

// LambdaFunctionScheduledEventDetails are the details of
// LambdaFunctionScheduled.
type LambdaFunctionScheduledEventDetails struct {
	Resource         string                            `json:"resource"`
	Input            string                            `json:"input,omitempty"`
	InputDetails     *HistoryEventExecutionDataDetails `json:"inputDetails,omitempty"`
	TimeoutInSeconds *int64                            `json:"timeoutInSeconds,omitempty"`
	TaskCredentials  *TaskCredentials                  `json:"taskCredentials,omitempty"`
}

// MapStateStartedEventDetails are the details of MapStateStarted.
type MapStateStartedEventDetails struct {
	Length int32 `json:"length"`
}

// MapIterationEventDetails are the details of MapIterationStarted,
// MapIterationSucceeded, MapIterationFailed and MapIterationAborted.
type MapIterationEventDetails struct {
	Name  string `json:"name,omitempty"`
	Index int32  `json:"index"`
}

// MapRunStartedEventDetails are the details of MapRunStarted.
type MapRunStartedEventDetails struct {
	MapRunArn string `json:"mapRunArn,omitempty"`
}

// MapRunRedrivenEventDetails are the details of MapRunRedriven.
type MapRunRedrivenEventDetails struct {
	MapRunArn    string `json:"mapRunArn,omitempty"`
	RedriveCount *int32 `json:"redriveCount,omitempty"`
}

// EvaluationFailedEventDetails are the details of EvaluationFailed.
type EvaluationFailedEventDetails struct {
	Error    string `json:"error,omitempty"`
	Cause    string `json:"cause,omitempty"`
	Location string `json:"location,omitempty"`
	State    string `json:"state"`
}
