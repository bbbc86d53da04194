package sfnapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store"
)

// Limits of AWS's API model.
const (
	maxPayloadLength     = engine.MaxPayloadBytes // input, output: 256 KiB of characters
	maxTraceHeaderLength = 256
	maxErrorLength       = 256
	maxCauseLength       = 32768
	maxClientTokenLength = 64
)

// checkExecutionARN checks an executionArn member: a Standard or an Express
// execution's ARN.
func checkExecutionARN(member, arn string) error {
	var v wire.Validator
	v.Required(member, arn)
	v.Length(member, arn, 1, wire.MaxARNLength)
	if err := v.Err(); err != nil {
		return err
	}
	_, err := wire.ParseARN(arn, wire.ResourceExecution, wire.ResourceExpress)
	return err
}

// jsonProblem says what is wrong with text that is not one JSON value, or
// returns "" when it is one.
func jsonProblem(text string) string {
	if json.Valid([]byte(text)) {
		return ""
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if err == io.EOF {
			return "no JSON value"
		}
		return err.Error()
	}
	return "unexpected data after the JSON value at offset " + strconv.FormatInt(dec.InputOffset(), 10)
}

// checkInput checks an execution's input: at most 256 KiB, and JSON.
func checkInput(input string) error {
	if err := sensitiveLength("input", input, maxPayloadLength); err != nil {
		return err
	}
	if input == "" {
		return nil
	}
	if p := jsonProblem(input); p != "" {
		return wire.NewError(wire.InvalidExecutionInput, "Invalid State Machine Execution Input: '"+p+"'")
	}
	return nil
}

func (h *Handler) checkStart(stateMachineARN, name, input, traceHeader string) error {
	if err := parseStateMachineARN("stateMachineArn", stateMachineARN); err != nil {
		return err
	}
	var v wire.Validator
	v.Length("traceHeader", traceHeader, 0, maxTraceHeaderLength)
	if err := v.Err(); err != nil {
		return err
	}
	if name != "" {
		if err := wire.CheckName("name", name); err != nil {
			return err
		}
	}
	return checkInput(input)
}

func (h *Handler) startExecution(ctx context.Context, in *wire.StartExecutionInput) (*wire.StartExecutionOutput, error) {
	if err := h.checkStart(in.StateMachineArn, in.Name, in.Input, in.TraceHeader); err != nil {
		return nil, err
	}
	out, err := h.runner.StartExecution(ctx, runner.StartInput{
		StateMachineARN: in.StateMachineArn, Name: in.Name, Input: in.Input, TraceHeader: in.TraceHeader,
	})
	if err != nil {
		return nil, fmt.Errorf("start execution of %s: %w", in.StateMachineArn, err)
	}
	return &wire.StartExecutionOutput{ExecutionArn: out.ExecutionARN, StartDate: wire.NewTime(out.StartDate)}, nil
}

func (h *Handler) startSyncExecution(ctx context.Context, in *wire.StartSyncExecutionInput) (*wire.StartSyncExecutionOutput, error) {
	if err := h.checkStart(in.StateMachineArn, in.Name, in.Input, in.TraceHeader); err != nil {
		return nil, err
	}
	if err := checkIncludedData(in.IncludedData); err != nil {
		return nil, err
	}
	e, err := h.runner.StartSyncExecution(ctx, runner.StartInput{
		StateMachineARN: in.StateMachineArn, Name: in.Name, Input: in.Input, TraceHeader: in.TraceHeader,
	})
	if err != nil {
		return nil, fmt.Errorf("start sync execution of %s: %w", in.StateMachineArn, err)
	}
	out := &wire.StartSyncExecutionOutput{
		ExecutionArn:    e.ARN,
		StateMachineArn: e.StateMachineARN,
		Name:            e.Name,
		StartDate:       wire.NewTime(e.StartedAt),
		StopDate:        wire.NewTime(e.StoppedAt),
		Error:           e.Error,
		Cause:           e.Cause,
		TraceHeader:     in.TraceHeader,
		BillingDetails: &wire.BillingDetails{
			BilledMemoryUsedInMB:         64,
			BilledDurationInMilliseconds: max(e.StoppedAt.Sub(e.StartedAt).Milliseconds(), 0),
		},
	}
	// StartSyncExecution knows SUCCEEDED, FAILED and TIMED_OUT only: an
	// aborted Express execution failed.
	switch e.Status {
	case store.ExecutionSucceeded:
		out.Status = wire.SyncExecutionStatusSucceeded
	case store.ExecutionTimedOut:
		out.Status = wire.SyncExecutionStatusTimedOut
	default:
		out.Status = wire.SyncExecutionStatusFailed
	}
	included := in.IncludedData != wire.IncludedDataMetadataOnly
	out.InputDetails = &wire.CloudWatchEventsExecutionDataDetails{Included: included}
	out.OutputDetails = &wire.CloudWatchEventsExecutionDataDetails{Included: included}
	if included {
		out.Input = string(e.Input)
		if e.Status == store.ExecutionSucceeded {
			out.Output = string(e.Output)
		}
	}
	return out, nil
}

func (h *Handler) stopExecution(ctx context.Context, in *wire.StopExecutionInput) (*wire.StopExecutionOutput, error) {
	if err := checkExecutionARN("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	if err := checkErrorCause(in.Error, in.Cause); err != nil {
		return nil, err
	}
	at, err := h.runner.StopExecution(ctx, in.ExecutionArn, in.Error, in.Cause)
	if err != nil {
		return nil, fmt.Errorf("stop execution %s: %w", in.ExecutionArn, err)
	}
	return &wire.StopExecutionOutput{StopDate: wire.NewTime(at)}, nil
}

// checkErrorCause checks the error and cause members AWS bounds to 256 and
// 32768 characters.
func checkErrorCause(errName, cause string) error {
	if err := sensitiveLength("error", errName, maxErrorLength); err != nil {
		return err
	}
	return sensitiveLength("cause", cause, maxCauseLength)
}

// describedExecution checks the members of a Describe action on an
// execution (its ARN and includedData) and reads the execution.
func (h *Handler) describedExecution(ctx context.Context, arn, includedData string) (*store.Execution, error) {
	if err := checkExecutionARN("executionArn", arn); err != nil {
		return nil, err
	}
	if err := checkIncludedData(includedData); err != nil {
		return nil, err
	}
	e, err := h.store.ExecutionGet(ctx, arn)
	if err != nil {
		return nil, notFound(err, wire.ExecutionDoesNotExist, "Execution", arn)
	}
	return e, nil
}

func (h *Handler) describeExecution(ctx context.Context, in *wire.DescribeExecutionInput) (*wire.DescribeExecutionOutput, error) {
	e, err := h.describedExecution(ctx, in.ExecutionArn, in.IncludedData)
	if err != nil {
		return nil, err
	}
	redriveCount := int32(e.RedriveCount)
	out := &wire.DescribeExecutionOutput{
		ExecutionArn:    e.ARN,
		StateMachineArn: e.StateMachineARN,
		Name:            e.Name,
		Status:          string(e.Status),
		StartDate:       wire.NewTime(e.StartedAt),
		StopDate:        wire.NewTime(e.StoppedAt),
		Error:           e.Error,
		Cause:           e.Cause,
		RedriveCount:    &redriveCount,
		RedriveDate:     wire.NewTime(e.RedriveDate),
	}
	switch e.Status {
	case store.ExecutionFailed, store.ExecutionTimedOut, store.ExecutionAborted:
		out.RedriveStatus = wire.RedriveStatusRedrivable
	default:
		out.RedriveStatus = wire.RedriveStatusNotRedrivable
		out.RedriveStatusReason = "Execution is " + string(e.Status) + " and cannot be redriven"
	}
	included := in.IncludedData != wire.IncludedDataMetadataOnly
	out.InputDetails = &wire.CloudWatchEventsExecutionDataDetails{Included: included}
	if included {
		out.Input = string(e.Input)
	}
	if e.Status == store.ExecutionSucceeded {
		out.OutputDetails = &wire.CloudWatchEventsExecutionDataDetails{Included: included}
		if included {
			out.Output = string(e.Output)
		}
	}
	return out, nil
}

var executionStatuses = []string{
	wire.ExecutionStatusRunning, wire.ExecutionStatusSucceeded, wire.ExecutionStatusFailed,
	wire.ExecutionStatusTimedOut, wire.ExecutionStatusAborted, wire.ExecutionStatusPendingRedrive,
}

func (h *Handler) listExecutions(ctx context.Context, in *wire.ListExecutionsInput) (*wire.ListExecutionsOutput, error) {
	var v wire.Validator
	v.OneOf("statusFilter", in.StatusFilter, executionStatuses...)
	v.OneOf("redriveFilter", in.RedriveFilter, wire.RedriveFilterRedriven, wire.RedriveFilterNotRedriven)
	v.Length("stateMachineArn", in.StateMachineArn, 1, wire.MaxARNLength)
	v.Length("mapRunArn", in.MapRunArn, 1, 2000)
	if err := v.Err(); err != nil {
		return nil, err
	}
	limit, err := wire.PageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	switch {
	case in.StateMachineArn == "" && in.MapRunArn == "":
		return nil, wire.NewError(wire.ValidationException, "Must provide a StateMachine ARN or MapRun ARN")
	case in.StateMachineArn != "" && in.MapRunArn != "":
		return nil, wire.NewError(wire.ValidationException, "Only one of StateMachine ARN or MapRun ARN can be provided")
	case in.MapRunArn != "":
		if _, err := wire.ParseARN(in.MapRunArn, wire.ResourceMapRun); err != nil {
			return nil, err
		}
		// Distributed Map iterations run inside their execution here: there
		// are no Map Runs to list.
		return nil, &wire.Error{Code: wire.ResourceNotFound, Message: "Resource not found: '" + in.MapRunArn + "'", ResourceName: in.MapRunArn}
	}
	if err := parseStateMachineARN("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	cursor, err := pageCursor(in.NextToken)
	if err != nil {
		return nil, err
	}
	if _, err := h.store.StateMachineGet(ctx, in.StateMachineArn); err != nil {
		return nil, notFound(err, wire.StateMachineDoesNotExist, "State Machine", in.StateMachineArn)
	}
	out := &wire.ListExecutionsOutput{Executions: make([]wire.ExecutionListItem, 0, min(limit, 64))}
	f := store.ExecutionFilter{StateMachineARN: in.StateMachineArn, Status: store.ExecutionStatus(in.StatusFilter), Cursor: cursor}
	// Without a redriveFilter one page of the store is the answer; with one,
	// pages are read until enough executions pass it.
	for {
		f.Limit = limit - len(out.Executions)
		page, next, err := h.store.ExecutionList(ctx, f)
		if err != nil {
			return nil, invalidCursor(fmt.Errorf("list executions of %s: %w", in.StateMachineArn, err), in.NextToken)
		}
		for _, e := range page {
			if in.RedriveFilter == wire.RedriveFilterRedriven && e.RedriveCount == 0 ||
				in.RedriveFilter == wire.RedriveFilterNotRedriven && e.RedriveCount > 0 {
				continue
			}
			out.Executions = append(out.Executions, listItem(e))
		}
		f.Cursor = next
		if next == "" || len(out.Executions) >= limit {
			break
		}
	}
	out.NextToken = nextToken(f.Cursor)
	return out, nil
}

func listItem(e *store.Execution) wire.ExecutionListItem {
	item := wire.ExecutionListItem{
		ExecutionArn:    e.ARN,
		StateMachineArn: e.StateMachineARN,
		Name:            e.Name,
		Status:          string(e.Status),
		StartDate:       wire.NewTime(e.StartedAt),
		StopDate:        wire.NewTime(e.StoppedAt),
		RedriveDate:     wire.NewTime(e.RedriveDate),
	}
	if e.RedriveCount > 0 {
		n := int32(e.RedriveCount)
		item.RedriveCount = &n
	}
	return item
}

// historyToken is a GetExecutionHistory nextToken: the direction and the
// last event ID returned.
func historyToken(reverse bool, lastID int64) string {
	dir := "f"
	if reverse {
		dir = "r"
	}
	return wire.EncodeToken(dir + strconv.FormatInt(lastID, 10))
}

// parseHistoryToken returns the event ID a nextToken continues after; a
// token made for the other direction is invalid.
func parseHistoryToken(token string, reverse bool) (int64, error) {
	cursor, err := wire.DecodeToken(token)
	if err != nil || cursor == "" {
		return 0, err
	}
	want := "f"
	if reverse {
		want = "r"
	}
	rest, ok := strings.CutPrefix(cursor, want)
	id, perr := strconv.ParseInt(rest, 10, 64)
	if !ok || perr != nil || id < 0 {
		return 0, wire.NewError(wire.InvalidToken, "Invalid Token: '"+token+"'")
	}
	return id, nil
}

func (h *Handler) getExecutionHistory(ctx context.Context, in *wire.GetExecutionHistoryInput) (*wire.GetExecutionHistoryOutput, error) {
	if err := checkExecutionARN("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	limit, err := wire.PageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	after, err := parseHistoryToken(in.NextToken, in.ReverseOrder)
	if err != nil {
		return nil, err
	}
	if _, err := h.store.ExecutionGet(ctx, in.ExecutionArn); err != nil {
		return nil, notFound(err, wire.ExecutionDoesNotExist, "Execution", in.ExecutionArn)
	}
	events, more, err := h.store.HistoryList(ctx, store.HistoryFilter{ExecutionARN: in.ExecutionArn, AfterID: after, Limit: limit, Reverse: in.ReverseOrder})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", in.ExecutionArn, err)
	}
	withData := in.IncludeExecutionData == nil || *in.IncludeExecutionData
	out := &wire.GetExecutionHistoryOutput{Events: make([]wire.HistoryEvent, len(events))}
	for i, e := range events {
		ev := wire.HistoryEvent{
			Timestamp:       wire.NewTime(e.Timestamp),
			Type:            e.Type,
			ID:              e.ID,
			PreviousEventID: e.PreviousID,
		}
		if len(e.Details) > 0 {
			ev.Details = e.Details
			if !withData {
				if ev.Details, err = withoutData(e.Details); err != nil {
					return nil, fmt.Errorf("history event %d of %s: %w", e.ID, in.ExecutionArn, err)
				}
			}
			if ev.DetailsKey = wire.DetailsKeyFor(e.Type); ev.DetailsKey == "" {
				ev.DetailsKey = engine.DetailsKey(e.Type)
			}
		}
		out.Events[i] = ev
	}
	if more && len(events) > 0 {
		out.NextToken = historyToken(in.ReverseOrder, events[len(events)-1].ID)
	}
	return out, nil
}

// dataMembers are the members of event details that carry execution data.
var dataMembers = []string{"input", "inputDetails", "output", "outputDetails", "parameters", "assignedVariables", "assignedVariablesDetails"}

// withoutData removes execution data (inputs, outputs, task parameters,
// assigned variables) from an event's details, for includeExecutionData false.
func withoutData(details []byte) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(details, &m); err != nil {
		return nil, fmt.Errorf("decode details: %w", err)
	}
	changed := false
	for _, k := range dataMembers {
		if _, ok := m[k]; ok {
			delete(m, k)
			changed = true
		}
	}
	if !changed {
		return details, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func (h *Handler) redriveExecution(ctx context.Context, in *wire.RedriveExecutionInput) (*wire.RedriveExecutionOutput, error) {
	if err := checkExecutionARN("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	var v wire.Validator
	v.Length("clientToken", in.ClientToken, 1, maxClientTokenLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	at, err := h.runner.RedriveExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, fmt.Errorf("redrive execution %s: %w", in.ExecutionArn, err)
	}
	return &wire.RedriveExecutionOutput{RedriveDate: wire.NewTime(at)}, nil
}
