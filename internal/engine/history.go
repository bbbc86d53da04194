package engine

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// HistoryEvent is one entry of an execution's history, shaped like AWS's
// HistoryEvent: the details object's key is derived from the event type
// (stateEnteredEventDetails, taskScheduledEventDetails, ...).
type HistoryEvent struct {
	ID              int64
	PreviousEventID int64
	Timestamp       time.Time
	Type            string
	Details         json.RawMessage // nil when the type carries none
}

// DetailsKey is the JSON key AWS uses for the details of an event type,
// or "" when the type has no details.
func DetailsKey(typ string) string {
	switch {
	case strings.HasSuffix(typ, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(typ, "StateExited"):
		return "stateExitedEventDetails"
	case typ == "MapStateStarted":
		return "mapStateStartedEventDetails"
	case typ == "ParallelStateStarted", typ == "ParallelStateSucceeded", typ == "ParallelStateFailed", typ == "ParallelStateAborted",
		typ == "MapStateSucceeded", typ == "MapStateFailed", typ == "MapStateAborted":
		return ""
	}
	return lowerFirst(typ) + "EventDetails"
}

func appendEpoch(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	b = strconv.AppendInt(b, ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		b = append(b, '.')
		b = append(b, byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	}
	return b
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

func appendJSONString(b []byte, s string) ([]byte, error) {
	return appendString(b, s, true), nil // as json.Marshal(s)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// MarshalJSON writes the event as the Step Functions API returns it, with the
// timestamp in epoch seconds.
func (e HistoryEvent) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 128+len(e.Details))
	b = append(b, `{"timestamp":`...)
	b = appendEpoch(b, e.Timestamp)
	b = append(b, `,"type":`...)
	b, _ = appendJSONString(b, e.Type)
	b = append(b, `,"id":`...)
	b = appendInt(b, e.ID)
	b = append(b, `,"previousEventId":`...)
	b = appendInt(b, e.PreviousEventID)
	if key := DetailsKey(e.Type); key != "" && len(e.Details) > 0 {
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		b = append(b, e.Details...)
	}
	return append(b, '}'), nil
}

// The details objects of the history event types, with AWS's field names.

type dataDetails struct {
	Truncated bool `json:"truncated"`
}

type executionStartedDetails struct {
	Input           string      `json:"input"`
	InputDetails    dataDetails `json:"inputDetails"`
	RoleArn         string      `json:"roleArn,omitempty"`
	StateMachineArn string      `json:"stateMachineArn,omitempty"`
}

type executionRedrivenDetails struct {
	RedriveCount int `json:"redriveCount"`
}

type executionSucceededDetails struct {
	Output        string      `json:"output"`
	OutputDetails dataDetails `json:"outputDetails"`
}

type errorDetails struct {
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
}

type stateEnteredDetails struct {
	Name         string      `json:"name"`
	Input        string      `json:"input"`
	InputDetails dataDetails `json:"inputDetails"`
}

type stateExitedDetails struct {
	Name                     string            `json:"name"`
	Output                   string            `json:"output"`
	OutputDetails            dataDetails       `json:"outputDetails"`
	AssignedVariables        map[string]string `json:"assignedVariables,omitempty"`
	AssignedVariablesDetails *dataDetails      `json:"assignedVariablesDetails,omitempty"`
}

type mapStateStartedDetails struct {
	Length int `json:"length"`
}

type mapIterationDetails struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
}

type mapRunStartedDetails struct {
	MapRunArn string `json:"mapRunArn"`
}

type taskScheduledDetails struct {
	ResourceType       string `json:"resourceType"`
	Resource           string `json:"resource"`
	Region             string `json:"region"`
	Parameters         string `json:"parameters"`
	TimeoutInSeconds   int64  `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds int64  `json:"heartbeatInSeconds,omitempty"`
}

type taskResourceDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
}

type taskSucceededDetails struct {
	ResourceType  string      `json:"resourceType"`
	Resource      string      `json:"resource"`
	Output        string      `json:"output"`
	OutputDetails dataDetails `json:"outputDetails"`
}

type taskFailedDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

type activityScheduledDetails struct {
	Resource           string      `json:"resource"`
	Input              string      `json:"input"`
	InputDetails       dataDetails `json:"inputDetails"`
	TimeoutInSeconds   int64       `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds int64       `json:"heartbeatInSeconds,omitempty"`
}

type activityStartedDetails struct {
	WorkerName string `json:"workerName,omitempty"`
}

type lambdaScheduledDetails struct {
	Resource         string      `json:"resource"`
	Input            string      `json:"input"`
	InputDetails     dataDetails `json:"inputDetails"`
	TimeoutInSeconds int64       `json:"timeoutInSeconds,omitempty"`
}

type outputDetails struct {
	Output        string      `json:"output"`
	OutputDetails dataDetails `json:"outputDetails"`
}
