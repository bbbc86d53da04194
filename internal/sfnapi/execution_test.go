package sfnapi_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"
)

func TestExecutions(t *testing.T) {
	forEachBackend(t, func(ctx context.Context, t *testing.T, e *env) {
		c := e.client
		smARN := e.createMachine(t, "Greeter", passDef)

		arn := e.start(t, smARN, "ada", `{"name":"Ada"}`)
		if want := "arn:aws:states:us-east-1:123456789012:execution:Greeter:ada"; arn != want {
			t.Fatalf("StartExecution ARN = %s, want %s", arn, want)
		}
		e.wait(t, arn)

		d := must[*sfn.DescribeExecutionOutput](t, "DescribeExecution")(c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)}))
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"greeting":"Hello, Ada"}` ||
			aws.ToString(d.Input) != `{"name":"Ada"}` || aws.ToString(d.StateMachineArn) != smARN || aws.ToString(d.Name) != "ada" ||
			d.StartDate == nil || d.StopDate == nil || d.StopDate.Before(*d.StartDate) {
			t.Errorf("DescribeExecution = status %s input %q output %q machine %q name %q dates %v–%v",
				d.Status, aws.ToString(d.Input), aws.ToString(d.Output), aws.ToString(d.StateMachineArn), aws.ToString(d.Name), d.StartDate, d.StopDate)
		}
		if d.RedriveStatus != types.ExecutionRedriveStatusNotRedrivable || aws.ToString(d.RedriveStatusReason) == "" {
			t.Errorf("DescribeExecution of a success: redrive status %s (%q), want NOT_REDRIVABLE with a reason", d.RedriveStatus, aws.ToString(d.RedriveStatusReason))
		}
		meta := must[*sfn.DescribeExecutionOutput](t, "DescribeExecution METADATA_ONLY")(c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{
			ExecutionArn: aws.String(arn), IncludedData: types.IncludedDataMetadataOnly,
		}))
		if meta.Input != nil || meta.Output != nil || meta.InputDetails == nil || meta.InputDetails.Included {
			t.Errorf("DescribeExecution METADATA_ONLY: input %v output %v inputDetails %+v; want no data, included false", meta.Input, meta.Output, meta.InputDetails)
		}

		// Starting again with the same name: the same input while running is
		// idempotent, but this one has ended.
		_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smARN), Name: aws.String("ada"), Input: aws.String(`{"name":"Ada"}`)})
		wantCode(t, "StartExecution of an ended name", err, "ExecutionAlreadyExists")

		// History: every event, in order, in pages too.
		hist := must[*sfn.GetExecutionHistoryOutput](t, "GetExecutionHistory")(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)}))
		wantTypes := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}
		if diff := cmp.Diff(wantTypes, eventTypes(hist.Events)); diff != "" {
			t.Fatalf("GetExecutionHistory types (-want +got):\n%s", diff)
		}
		if hist.NextToken != nil {
			t.Errorf("GetExecutionHistory of 4 events has a nextToken")
		}
		for i, ev := range hist.Events {
			if ev.Id != int64(i+1) || ev.PreviousEventId > ev.Id || ev.Timestamp == nil {
				t.Errorf("event %d: id %d previous %d timestamp %v", i, ev.Id, ev.PreviousEventId, ev.Timestamp)
			}
		}
		started := hist.Events[0].ExecutionStartedEventDetails
		if started == nil || aws.ToString(started.Input) != `{"name":"Ada"}` {
			t.Errorf("ExecutionStarted details = %+v, want the input", started)
		}
		if ex := hist.Events[2].StateExitedEventDetails; ex == nil || aws.ToString(ex.Name) != "Greet" || aws.ToString(ex.Output) != `{"greeting":"Hello, Ada"}` {
			t.Errorf("PassStateExited details = %+v", ex)
		}
		for _, reverse := range []bool{false, true} {
			var got []string
			var token *string
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("GetExecutionHistory does not end")
				}
				page := must[*sfn.GetExecutionHistoryOutput](t, "GetExecutionHistory page")(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{
					ExecutionArn: aws.String(arn), MaxResults: 3, ReverseOrder: reverse, NextToken: token,
				}))
				got = append(got, eventTypes(page.Events)...)
				if token = page.NextToken; token == nil {
					break
				}
			}
			want := slices.Clone(wantTypes)
			if reverse {
				slices.Reverse(want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("GetExecutionHistory pages of 3, reverse %v (-want +got):\n%s", reverse, diff)
			}
		}
		first := must[*sfn.GetExecutionHistoryOutput](t, "GetExecutionHistory page 1")(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1}))
		_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), ReverseOrder: true, NextToken: first.NextToken})
		wantCode(t, "GetExecutionHistory with a forward token in reverse", err, "InvalidToken")

		noData := must[*sfn.GetExecutionHistoryOutput](t, "GetExecutionHistory without data")(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{
			ExecutionArn: aws.String(arn), IncludeExecutionData: aws.Bool(false),
		}))
		if diff := cmp.Diff(wantTypes, eventTypes(noData.Events)); diff != "" {
			t.Errorf("GetExecutionHistory without data types (-want +got):\n%s", diff)
		}
		if d := noData.Events[0].ExecutionStartedEventDetails; d != nil && d.Input != nil {
			t.Errorf("includeExecutionData false: ExecutionStarted still carries input %q", aws.ToString(d.Input))
		}
		if d := noData.Events[2].StateExitedEventDetails; d == nil || aws.ToString(d.Name) != "Greet" || d.Output != nil {
			t.Errorf("includeExecutionData false: PassStateExited details %+v, want the name without output", d)
		}

		// DescribeStateMachineForExecution keeps the revision the execution ran.
		const newDef = `{"StartAt":"Other","States":{"Other":{"Type":"Succeed"}}}`
		must[*sfn.UpdateStateMachineOutput](t, "UpdateStateMachine")(c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smARN), Definition: aws.String(newDef)}))
		forEx := must[*sfn.DescribeStateMachineForExecutionOutput](t, "DescribeStateMachineForExecution")(c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(arn)}))
		if aws.ToString(forEx.Definition) != passDef || aws.ToString(forEx.Name) != "Greeter" || aws.ToString(forEx.StateMachineArn) != smARN || forEx.UpdateDate == nil {
			t.Errorf("DescribeStateMachineForExecution = name %q machine %q definition %q", aws.ToString(forEx.Name), aws.ToString(forEx.StateMachineArn), aws.ToString(forEx.Definition))
		}
		arn2 := e.start(t, smARN, "second", `{}`)
		e.wait(t, arn2)
		forEx2 := must[*sfn.DescribeStateMachineForExecutionOutput](t, "DescribeStateMachineForExecution 2")(c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(arn2)}))
		if aws.ToString(forEx2.Definition) != newDef || aws.ToString(forEx2.RevisionId) == aws.ToString(forEx.RevisionId) {
			t.Errorf("DescribeStateMachineForExecution of the second execution = %q (revision %q), want the new definition", aws.ToString(forEx2.Definition), aws.ToString(forEx2.RevisionId))
		}

		// Errors.
		_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn + "-missing")})
		wantCode(t, "DescribeExecution of a missing execution", err, "ExecutionDoesNotExist")
		_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(smARN)})
		if got := wantCode(t, "DescribeExecution of a machine ARN", err, "InvalidArn"); !strings.Contains(got.Message, "Resource type not valid in this context: stateMachine") {
			t.Errorf("InvalidArn message %q", got.Message)
		}
		_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn + "-missing")})
		wantCode(t, "GetExecutionHistory of a missing execution", err, "ExecutionDoesNotExist")
		_, err = c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(arn + "-missing")})
		wantCode(t, "DescribeStateMachineForExecution of a missing execution", err, "ExecutionDoesNotExist")
		_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smARN), Input: aws.String(`{"name":`)})
		wantCode(t, "StartExecution with bad JSON", err, "InvalidExecutionInput")
		_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smARN), Input: aws.String(`"` + strings.Repeat("x", 256*1024) + `"`)})
		wantCode(t, "StartExecution with too much input", err, "ValidationException")
		_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smARN), Name: aws.String("a/b")})
		wantCode(t, "StartExecution with a bad name", err, "InvalidName")
		_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smARN + "Missing")})
		wantCode(t, "StartExecution of a missing machine", err, "StateMachineDoesNotExist")
	})
}

func eventTypes(events []types.HistoryEvent) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = string(ev.Type)
	}
	return out
}

func TestListExecutions(t *testing.T) {
	forEachBackend(t, func(ctx context.Context, t *testing.T, e *env) {
		c := e.client
		pass := e.createMachine(t, "Quick", passDef)
		slow := e.createMachine(t, "Slow", waitDef)
		var done []string
		for _, name := range []string{"q1", "q2", "q3"} {
			arn := e.start(t, pass, name, `{"name":"`+name+`"}`)
			if ex := e.wait(t, arn); ex.Status != "SUCCEEDED" {
				t.Fatalf("execution %s = %s %s", name, ex.Status, ex.Cause)
			}
			done = append(done, name)
		}
		e.start(t, slow, "s1", `{}`)

		list := func(in sfn.ListExecutionsInput) []string {
			t.Helper()
			var names []string
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("ListExecutions does not end")
				}
				out := must[*sfn.ListExecutionsOutput](t, "ListExecutions")(c.ListExecutions(ctx, &in))
				for _, x := range out.Executions {
					names = append(names, aws.ToString(x.Name))
					if x.StartDate == nil || (x.Status == types.ExecutionStatusSucceeded) != (x.StopDate != nil) {
						t.Errorf("ListExecutions item %s: status %s start %v stop %v", aws.ToString(x.Name), x.Status, x.StartDate, x.StopDate)
					}
				}
				if in.NextToken = out.NextToken; in.NextToken == nil {
					return names
				}
			}
		}
		slices.Reverse(done) // newest first
		if diff := cmp.Diff(done, list(sfn.ListExecutionsInput{StateMachineArn: aws.String(pass), MaxResults: 2})); diff != "" {
			t.Errorf("ListExecutions of Quick in pages of 2 (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"s1"}, list(sfn.ListExecutionsInput{StateMachineArn: aws.String(slow), StatusFilter: types.ExecutionStatusRunning})); diff != "" {
			t.Errorf("ListExecutions of Slow RUNNING (-want +got):\n%s", diff)
		}
		if got := list(sfn.ListExecutionsInput{StateMachineArn: aws.String(pass), StatusFilter: types.ExecutionStatusFailed}); len(got) != 0 {
			t.Errorf("ListExecutions of Quick FAILED = %v, want none", got)
		}
		if got := list(sfn.ListExecutionsInput{StateMachineArn: aws.String(pass), RedriveFilter: types.ExecutionRedriveFilterRedriven}); len(got) != 0 {
			t.Errorf("ListExecutions of Quick REDRIVEN = %v, want none", got)
		}
		if diff := cmp.Diff(done, list(sfn.ListExecutionsInput{StateMachineArn: aws.String(pass), RedriveFilter: types.ExecutionRedriveFilterNotRedriven, MaxResults: 1})); diff != "" {
			t.Errorf("ListExecutions of Quick NOT_REDRIVEN (-want +got):\n%s", diff)
		}

		_, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(pass + "Missing")})
		wantCode(t, "ListExecutions of a missing machine", err, "StateMachineDoesNotExist")
		_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{})
		wantCode(t, "ListExecutions of nothing", err, "ValidationException")
		_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(pass), StatusFilter: "LOST"})
		wantCode(t, "ListExecutions with a bad status", err, "ValidationException")
		_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(pass), NextToken: aws.String("Z2FyYmFnZQ")})
		wantCode(t, "ListExecutions with a token not made here", err, "InvalidToken")
		_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:Quick/m:1")})
		wantCode(t, "ListExecutions of a Map Run", err, "ResourceNotFound")
	})
}

func TestStopRedriveAndDelete(t *testing.T) {
	forEachBackend(t, func(ctx context.Context, t *testing.T, e *env) {
		c := e.client
		smARN := e.createMachine(t, "Sleeper", waitDef)
		arn := e.start(t, smARN, "nap", `{"n":1}`)

		// Starting the running name again with the same input is idempotent.
		again := must[*sfn.StartExecutionOutput](t, "StartExecution again")(c.StartExecution(ctx, &sfn.StartExecutionInput{
			StateMachineArn: aws.String(smARN), Name: aws.String("nap"), Input: aws.String(`{"n":1}`),
		}))
		if aws.ToString(again.ExecutionArn) != arn {
			t.Errorf("StartExecution of a running name = %s, want %s", aws.ToString(again.ExecutionArn), arn)
		}
		_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smARN), Name: aws.String("nap"), Input: aws.String(`{"n":2}`)})
		wantCode(t, "StartExecution of a running name with another input", err, "ExecutionAlreadyExists")

		// Delete while it runs: DELETING, no new executions.
		must[*sfn.DeleteStateMachineOutput](t, "DeleteStateMachine")(c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(smARN)}))
		d := must[*sfn.DescribeStateMachineOutput](t, "DescribeStateMachine while deleting")(c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smARN)}))
		if d.Status != types.StateMachineStatusDeleting {
			t.Errorf("DescribeStateMachine after delete with a running execution: status %s, want DELETING", d.Status)
		}
		_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smARN)})
		wantCode(t, "StartExecution of a deleting machine", err, "StateMachineDeleting")
		_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smARN), RoleArn: aws.String(roleARN + "2")})
		wantCode(t, "UpdateStateMachine of a deleting machine", err, "StateMachineDeleting")

		stop := must[*sfn.StopExecutionOutput](t, "StopExecution")(c.StopExecution(ctx, &sfn.StopExecutionInput{
			ExecutionArn: aws.String(arn), Error: aws.String("Ops.Cancelled"), Cause: aws.String("changed our mind"),
		}))
		if stop.StopDate == nil {
			t.Fatal("StopExecution returned no stopDate")
		}
		x := must[*sfn.DescribeExecutionOutput](t, "DescribeExecution after stop")(c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)}))
		if x.Status != types.ExecutionStatusAborted || aws.ToString(x.Error) != "Ops.Cancelled" || aws.ToString(x.Cause) != "changed our mind" ||
			x.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
			t.Errorf("after StopExecution: status %s error %q cause %q redrive %s; want ABORTED Ops.Cancelled, redrivable",
				x.Status, aws.ToString(x.Error), aws.ToString(x.Cause), x.RedriveStatus)
		}
		hist := must[*sfn.GetExecutionHistoryOutput](t, "GetExecutionHistory")(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), ReverseOrder: true, MaxResults: 1}))
		if len(hist.Events) != 1 || hist.Events[0].Type != types.HistoryEventTypeExecutionAborted {
			t.Errorf("last event after stop = %v, want ExecutionAborted", eventTypes(hist.Events))
		}

		// With nothing running any more the machine is gone.
		_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smARN)})
		wantCode(t, "DescribeStateMachine once its executions ended", err, "StateMachineDoesNotExist")
		_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arn + "x")})
		wantCode(t, "StopExecution of a missing execution", err, "ExecutionDoesNotExist")
	})
}

func TestRedriveExecution(t *testing.T) {
	forEachBackend(t, func(ctx context.Context, t *testing.T, e *env) {
		c := e.client
		// Fails unless the input says go; redriving reruns the failed state.
		const def = `{"StartAt":"Check","States":{"Check":{"Type":"Choice","Choices":[{"Variable":"$.go","BooleanEquals":true,"Next":"Done"}],"Default":"Stop"},
"Stop":{"Type":"Fail","Error":"Test.NoGo","Cause":"go is not true"},"Done":{"Type":"Succeed"}}}`
		smARN := e.createMachine(t, "Gate", def)
		arn := e.start(t, smARN, "gate-1", `{"go":false}`)
		if ex := e.wait(t, arn); ex.Status != "FAILED" || ex.Error != "Test.NoGo" {
			t.Fatalf("execution = %s %s, want FAILED Test.NoGo", ex.Status, ex.Error)
		}
		_, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn + "-missing")})
		wantCode(t, "RedriveExecution of a missing execution", err, "ExecutionDoesNotExist")

		out := must[*sfn.RedriveExecutionOutput](t, "RedriveExecution")(c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)}))
		if out.RedriveDate == nil {
			t.Fatal("RedriveExecution returned no redriveDate")
		}
		if ex := e.wait(t, arn); ex.Status != "FAILED" || ex.RedriveCount != 1 {
			t.Fatalf("redriven execution = %s, redrive count %d; want FAILED again, 1", ex.Status, ex.RedriveCount)
		}
		d := must[*sfn.DescribeExecutionOutput](t, "DescribeExecution")(c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)}))
		if aws.ToInt32(d.RedriveCount) != 1 || d.RedriveDate == nil {
			t.Errorf("DescribeExecution after redrive: redriveCount %v redriveDate %v, want 1 and a date", d.RedriveCount, d.RedriveDate)
		}
		hist := must[*sfn.GetExecutionHistoryOutput](t, "GetExecutionHistory")(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)}))
		if !slices.Contains(eventTypes(hist.Events), "ExecutionRedriven") {
			t.Errorf("history after redrive = %v, want an ExecutionRedriven event", eventTypes(hist.Events))
		}
		redriven := must[*sfn.ListExecutionsOutput](t, "ListExecutions REDRIVEN")(c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(smARN), RedriveFilter: types.ExecutionRedriveFilterRedriven}))
		if len(redriven.Executions) != 1 || aws.ToInt32(redriven.Executions[0].RedriveCount) != 1 {
			t.Errorf("ListExecutions REDRIVEN = %+v, want gate-1 with redriveCount 1", redriven.Executions)
		}

		ok := e.start(t, smARN, "gate-2", `{"go":true}`)
		e.wait(t, ok)
		_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(ok)})
		wantCode(t, "RedriveExecution of a success", err, "ExecutionNotRedrivable")
	})
}

func TestStartSyncExecution(t *testing.T) {
	forEachBackend(t, func(ctx context.Context, t *testing.T, e *env) {
		c := e.client
		out := must[*sfn.CreateStateMachineOutput](t, "CreateStateMachine EXPRESS")(c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String("Fast"), Type: types.StateMachineTypeExpress, Definition: aws.String(passDef), RoleArn: aws.String(roleARN),
		}))
		res := must[*sfn.StartSyncExecutionOutput](t, "StartSyncExecution")(c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{
			StateMachineArn: out.StateMachineArn, Name: aws.String("now"), Input: aws.String(`{"name":"Grace"}`),
		}))
		if res.Status != types.SyncExecutionStatusSucceeded || aws.ToString(res.Output) != `{"greeting":"Hello, Grace"}` ||
			aws.ToString(res.Input) != `{"name":"Grace"}` || aws.ToString(res.StateMachineArn) != aws.ToString(out.StateMachineArn) ||
			res.StartDate == nil || res.StopDate == nil || res.BillingDetails == nil {
			t.Errorf("StartSyncExecution = status %s output %q input %q machine %q dates %v–%v billing %+v",
				res.Status, aws.ToString(res.Output), aws.ToString(res.Input), aws.ToString(res.StateMachineArn), res.StartDate, res.StopDate, res.BillingDetails)
		}

		const failing = `{"StartAt":"No","States":{"No":{"Type":"Fail","Error":"Test.Nope","Cause":"as asked"}}}`
		failARN := must[*sfn.CreateStateMachineOutput](t, "CreateStateMachine EXPRESS failing")(c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String("FastFail"), Type: types.StateMachineTypeExpress, Definition: aws.String(failing), RoleArn: aws.String(roleARN),
		})).StateMachineArn
		bad := must[*sfn.StartSyncExecutionOutput](t, "StartSyncExecution failing")(c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: failARN, IncludedData: "METADATA_ONLY"}))
		if bad.Status != types.SyncExecutionStatusFailed || aws.ToString(bad.Error) != "Test.Nope" || aws.ToString(bad.Cause) != "as asked" || bad.Input != nil {
			t.Errorf("StartSyncExecution of a Fail = status %s error %q cause %q input %v, want FAILED Test.Nope without input",
				bad.Status, aws.ToString(bad.Error), aws.ToString(bad.Cause), bad.Input)
		}

		std := e.createMachine(t, "Standard", passDef)
		_, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(std)})
		wantCode(t, "StartSyncExecution of a STANDARD machine", err, "StateMachineTypeNotSupported")
	})
}

// TestHistoryJSON checks the raw history body: epoch-second timestamps and
// the details members named as AWS names them.
func TestHistoryJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	arn := e.start(t, e.createMachine(t, "Raw", passDef), "raw", `{"name":"Raw"}`)
	e.wait(t, arn)
	status, body := post(t, e.url, "GetExecutionHistory", `{"executionArn":"`+arn+`"}`)
	if status != 200 {
		t.Fatalf("GetExecutionHistory = %d %s", status, body)
	}
	var out struct {
		Events []map[string]json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 4 {
		t.Fatalf("events = %s", body)
	}
	for _, ev := range out.Events {
		var ts float64
		if err := json.Unmarshal(ev["timestamp"], &ts); err != nil || ts < 1e9 {
			t.Errorf("timestamp %s: want epoch seconds as a number", ev["timestamp"])
		}
	}
	for i, key := range []string{"executionStartedEventDetails", "stateEnteredEventDetails", "stateExitedEventDetails", "executionSucceededEventDetails"} {
		if _, ok := out.Events[i][key]; !ok {
			t.Errorf("event %d has no %s: %v", i+1, key, out.Events[i])
		}
	}
}
