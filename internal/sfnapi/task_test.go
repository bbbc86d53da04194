package sfnapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"
)

func TestActivities(t *testing.T) {
	forEachBackend(t, func(ctx context.Context, t *testing.T, e *env) {
		c := e.client
		act := must[*sfn.CreateActivityOutput](t, "CreateActivity")(c.CreateActivity(ctx, &sfn.CreateActivityInput{
			Name: aws.String("Approve"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("risk")}},
		}))
		actARN := aws.ToString(act.ActivityArn)
		if want := "arn:aws:states:us-east-1:123456789012:activity:Approve"; actARN != want || act.CreationDate == nil {
			t.Fatalf("CreateActivity = %s at %v, want %s", actARN, act.CreationDate, want)
		}
		again := must[*sfn.CreateActivityOutput](t, "CreateActivity again")(c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("Approve")}))
		if aws.ToString(again.ActivityArn) != actARN || !again.CreationDate.Equal(*act.CreationDate) {
			t.Errorf("CreateActivity is not idempotent: %s at %v, then %s at %v", actARN, act.CreationDate, aws.ToString(again.ActivityArn), again.CreationDate)
		}
		desc := must[*sfn.DescribeActivityOutput](t, "DescribeActivity")(c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(actARN)}))
		if aws.ToString(desc.Name) != "Approve" || aws.ToString(desc.ActivityArn) != actARN || !desc.CreationDate.Equal(*act.CreationDate) {
			t.Errorf("DescribeActivity = %s %s %v", aws.ToString(desc.Name), aws.ToString(desc.ActivityArn), desc.CreationDate)
		}
		must[*sfn.CreateActivityOutput](t, "CreateActivity Archive")(c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("Archive")}))
		var names []string
		var token *string
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("ListActivities does not end")
			}
			out := must[*sfn.ListActivitiesOutput](t, "ListActivities")(c.ListActivities(ctx, &sfn.ListActivitiesInput{MaxResults: 1, NextToken: token}))
			for _, a := range out.Activities {
				names = append(names, aws.ToString(a.Name))
			}
			if token = out.NextToken; token == nil {
				break
			}
		}
		if diff := cmp.Diff([]string{"Approve", "Archive"}, names); diff != "" {
			t.Errorf("ListActivities (-want +got):\n%s", diff)
		}

		// An execution hands its task to a worker, who heartbeats and answers.
		def := `{"StartAt":"Review","States":{"Review":{"Type":"Task","Resource":"` + actARN + `","HeartbeatSeconds":600,"End":true}}}`
		smARN := e.createMachine(t, "Reviewed", def)
		ok := e.start(t, smARN, "ok", `{"amount":1050}`)
		task := must[*sfn.GetActivityTaskOutput](t, "GetActivityTask")(c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(actARN), WorkerName: aws.String("w1")}))
		if aws.ToString(task.TaskToken) == "" || aws.ToString(task.Input) != `{"amount":1050}` {
			t.Fatalf("GetActivityTask = token %q input %q, want a token and the input", aws.ToString(task.TaskToken), aws.ToString(task.Input))
		}
		must[*sfn.SendTaskHeartbeatOutput](t, "SendTaskHeartbeat")(c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken}))
		must[*sfn.SendTaskSuccessOutput](t, "SendTaskSuccess")(c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"approved":true}`)}))
		if ex := e.wait(t, ok); ex.Status != "SUCCEEDED" || string(ex.Output) != `{"approved":true}` {
			t.Errorf("after SendTaskSuccess: %s %s, want SUCCEEDED {\"approved\":true}", ex.Status, ex.Output)
		}
		hist := must[*sfn.GetExecutionHistoryOutput](t, "GetExecutionHistory")(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(ok)}))
		wantTypes := []string{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"}
		if diff := cmp.Diff(wantTypes, eventTypes(hist.Events)); diff != "" {
			t.Errorf("activity history (-want +got):\n%s", diff)
		}
		for _, ev := range hist.Events {
			if ev.Type == types.HistoryEventTypeActivityStarted && (ev.ActivityStartedEventDetails == nil || aws.ToString(ev.ActivityStartedEventDetails.WorkerName) != "w1") {
				t.Errorf("ActivityStarted details %+v, want worker w1", ev.ActivityStartedEventDetails)
			}
		}

		// A token works once.
		_, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{}`)})
		wantCode(t, "SendTaskSuccess twice", err, "TaskTimedOut")
		_, err = c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken})
		wantCode(t, "SendTaskHeartbeat after success", err, "TaskTimedOut")
		_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("garbled"), Output: aws.String(`{}`)})
		wantCode(t, "SendTaskSuccess with a garbled token", err, "InvalidToken")

		// SendTaskFailure fails the task with the error given.
		no := e.start(t, smARN, "no", `{"amount":99}`)
		task = must[*sfn.GetActivityTaskOutput](t, "GetActivityTask 2")(c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(actARN)}))
		if aws.ToString(task.Input) != `{"amount":99}` {
			t.Fatalf("second GetActivityTask input %q", aws.ToString(task.Input))
		}
		must[*sfn.SendTaskFailureOutput](t, "SendTaskFailure")(c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{
			TaskToken: task.TaskToken, Error: aws.String("Review.Rejected"), Cause: aws.String("too small"),
		}))
		if ex := e.wait(t, no); ex.Status != "FAILED" || ex.Error != "Review.Rejected" || ex.Cause != "too small" {
			t.Errorf("after SendTaskFailure: %s %s %s, want FAILED Review.Rejected too small", ex.Status, ex.Error, ex.Cause)
		}
		_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken})
		wantCode(t, "SendTaskFailure twice", err, "TaskTimedOut")

		// Nothing waiting: the poll ends with an empty task.
		idle := must[*sfn.CreateActivityOutput](t, "CreateActivity Idle")(c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("Idle")}))
		empty := must[*sfn.GetActivityTaskOutput](t, "GetActivityTask of nothing")(c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: idle.ActivityArn}))
		if empty.TaskToken != nil || empty.Input != nil {
			t.Errorf("GetActivityTask of nothing = %q %q, want an empty task", aws.ToString(empty.TaskToken), aws.ToString(empty.Input))
		}

		// Deleting an activity; deleting it again succeeds, as on AWS.
		must[*sfn.DeleteActivityOutput](t, "DeleteActivity")(c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: idle.ActivityArn}))
		must[*sfn.DeleteActivityOutput](t, "DeleteActivity again")(c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: idle.ActivityArn}))
		_, err = c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: idle.ActivityArn})
		wantCode(t, "DescribeActivity after delete", err, "ActivityDoesNotExist")
		_, err = c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: idle.ActivityArn})
		wantCode(t, "GetActivityTask of a deleted activity", err, "ActivityDoesNotExist")
		_, err = c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("bad name")})
		wantCode(t, "CreateActivity with a bad name", err, "InvalidName")
		_, err = c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(smARN)})
		wantCode(t, "DescribeActivity of a machine ARN", err, "InvalidArn")
	})
}

func TestCallbacks(t *testing.T) {
	forEachBackend(t, func(ctx context.Context, t *testing.T, e *env) {
		c := e.client
		smARN := e.createMachine(t, "Pay", callbackDef)

		arn := e.start(t, smARN, "pay-1", `{}`)
		token := e.tokens.token(t, "pay-1")
		// The token is handed out before the call returns: wait for its
		// answer so the history below has one order.
		e.waitForEvent(t, arn, types.HistoryEventTypeTaskSubmitted)
		must[*sfn.SendTaskHeartbeatOutput](t, "SendTaskHeartbeat")(c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)}))

		// Bad outputs are refused and the task still waits.
		_, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"paid":`)})
		wantCode(t, "SendTaskSuccess with bad JSON", err, "InvalidOutput")
		_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`"` + strings.Repeat("x", 256*1024) + `"`)})
		wantCode(t, "SendTaskSuccess with too much output", err, "InvalidOutput")
		_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String(strings.Repeat("e", 257))})
		wantCode(t, "SendTaskFailure with a long error", err, "ValidationException")

		must[*sfn.SendTaskSuccessOutput](t, "SendTaskSuccess")(c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"paid":true}`)}))
		if ex := e.wait(t, arn); ex.Status != "SUCCEEDED" || string(ex.Output) != `{"paid":true}` {
			t.Errorf("after SendTaskSuccess: %s %s", ex.Status, ex.Output)
		}
		hist := must[*sfn.GetExecutionHistoryOutput](t, "GetExecutionHistory")(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)}))
		wantTypes := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}
		if diff := cmp.Diff(wantTypes, eventTypes(hist.Events)); diff != "" {
			t.Errorf("callback history (-want +got):\n%s", diff)
		}
		_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{}`)})
		wantCode(t, "SendTaskSuccess with a used token", err, "TaskTimedOut")
	})
}
