package wire_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

const (
	smARN   = "arn:aws:states:us-east-1:123456789012:stateMachine:Payments"
	execARN = "arn:aws:states:us-east-1:123456789012:execution:Payments:run-1"
	actARN  = "arn:aws:states:us-east-1:123456789012:activity:Approve"
	defn    = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
)

var (
	logging = &types.LoggingConfiguration{
		Level:                types.LogLevelAll,
		IncludeExecutionData: true,
		Destinations: []types.LogDestination{{CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{
			LogGroupArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:sfn:*"),
		}}},
	}
	tracing    = &types.TracingConfiguration{Enabled: true}
	encryption = &types.EncryptionConfiguration{
		Type:                         types.EncryptionTypeCustomerManagedKmsKey,
		KmsKeyId:                     aws.String("arn:aws:kms:us-east-1:123456789012:key/k"),
		KmsDataKeyReusePeriodSeconds: aws.Int32(300),
	}
	tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("pay")}, {Key: aws.String("env"), Value: aws.String("prod")}}
)

// requestCase calls one action through the SDK with every member set and
// returns the SDK's output; in is the wire struct the body must decode into.
type requestCase struct {
	action string
	call   func(c *sfn.Client) (any, error)
	in     any
}

func requestCases() []requestCase {
	call := func(f func(c *sfn.Client) (any, error)) func(c *sfn.Client) (any, error) { return f }
	return []requestCase{
		{wire.ActionCreateStateMachine, call(func(c *sfn.Client) (any, error) {
			out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
				Name: aws.String("Payments"), Definition: aws.String(defn), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
				Type: types.StateMachineTypeExpress, LoggingConfiguration: logging, Tags: tags, TracingConfiguration: tracing,
				Publish: true, VersionDescription: aws.String("v1"), EncryptionConfiguration: encryption,
			})
			return out, err
		}), &wire.CreateStateMachineInput{}},
		{wire.ActionDescribeStateMachine, call(func(c *sfn.Client) (any, error) {
			out, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smARN), IncludedData: types.IncludedDataMetadataOnly})
			return out, err
		}), &wire.DescribeStateMachineInput{}},
		{wire.ActionUpdateStateMachine, call(func(c *sfn.Client) (any, error) {
			out, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{
				StateMachineArn: aws.String(smARN), Definition: aws.String(defn), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
				LoggingConfiguration: logging, TracingConfiguration: tracing, Publish: true, VersionDescription: aws.String("v2"),
				EncryptionConfiguration: encryption,
			})
			return out, err
		}), &wire.UpdateStateMachineInput{}},
		{wire.ActionDeleteStateMachine, call(func(c *sfn.Client) (any, error) {
			out, err := c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(smARN)})
			return out, err
		}), &wire.DeleteStateMachineInput{}},
		{wire.ActionListStateMachines, call(func(c *sfn.Client) (any, error) {
			out, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 25, NextToken: aws.String("tok")})
			return out, err
		}), &wire.ListStateMachinesInput{}},
		{wire.ActionValidateStateMachineDefinition, call(func(c *sfn.Client) (any, error) {
			out, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{
				Definition: aws.String(defn), Type: types.StateMachineTypeStandard,
				Severity: types.ValidateStateMachineDefinitionSeverityWarning, MaxResults: 10,
			})
			return out, err
		}), &wire.ValidateStateMachineDefinitionInput{}},
		{wire.ActionDescribeStateMachineForExecution, call(func(c *sfn.Client) (any, error) {
			out, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(execARN), IncludedData: types.IncludedDataAllData})
			return out, err
		}), &wire.DescribeStateMachineForExecutionInput{}},
		{wire.ActionStartExecution, call(func(c *sfn.Client) (any, error) {
			out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{
				StateMachineArn: aws.String(smARN), Name: aws.String("run-1"), Input: aws.String(`{"amount":1050}`),
				TraceHeader: aws.String("Root=1-5759e988-bd862e3fe1be46a994272793"),
			})
			return out, err
		}), &wire.StartExecutionInput{}},
		{wire.ActionStartSyncExecution, call(func(c *sfn.Client) (any, error) {
			out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{
				StateMachineArn: aws.String(smARN), Name: aws.String("run-2"), Input: aws.String(`{}`),
				TraceHeader: aws.String("Root=1"), IncludedData: types.IncludedDataMetadataOnly,
			})
			return out, err
		}), &wire.StartSyncExecutionInput{}},
		{wire.ActionStopExecution, call(func(c *sfn.Client) (any, error) {
			out, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(execARN), Error: aws.String("Cancelled"), Cause: aws.String("by operator")})
			return out, err
		}), &wire.StopExecutionInput{}},
		{wire.ActionDescribeExecution, call(func(c *sfn.Client) (any, error) {
			out, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execARN), IncludedData: types.IncludedDataAllData})
			return out, err
		}), &wire.DescribeExecutionInput{}},
		{wire.ActionListExecutions, call(func(c *sfn.Client) (any, error) {
			out, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{
				StateMachineArn: aws.String(smARN), StatusFilter: types.ExecutionStatusFailed, MaxResults: 1000,
				NextToken: aws.String("tok"), MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:Payments/m:1"),
				RedriveFilter: types.ExecutionRedriveFilterNotRedriven,
			})
			return out, err
		}), &wire.ListExecutionsInput{}},
		{wire.ActionGetExecutionHistory, call(func(c *sfn.Client) (any, error) {
			out, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{
				ExecutionArn: aws.String(execARN), MaxResults: 50, ReverseOrder: true, NextToken: aws.String("tok"),
				IncludeExecutionData: aws.Bool(false),
			})
			return out, err
		}), &wire.GetExecutionHistoryInput{}},
		{wire.ActionRedriveExecution, call(func(c *sfn.Client) (any, error) {
			out, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(execARN), ClientToken: aws.String("idem-1")})
			return out, err
		}), &wire.RedriveExecutionInput{}},
		{wire.ActionSendTaskSuccess, call(func(c *sfn.Client) (any, error) {
			out, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("tt"), Output: aws.String(`{"ok":true}`)})
			return out, err
		}), &wire.SendTaskSuccessInput{}},
		{wire.ActionSendTaskFailure, call(func(c *sfn.Client) (any, error) {
			out, err := c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String("tt"), Error: aws.String("Declined"), Cause: aws.String("card declined")})
			return out, err
		}), &wire.SendTaskFailureInput{}},
		{wire.ActionSendTaskHeartbeat, call(func(c *sfn.Client) (any, error) {
			out, err := c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("tt")})
			return out, err
		}), &wire.SendTaskHeartbeatInput{}},
		{wire.ActionCreateActivity, call(func(c *sfn.Client) (any, error) {
			out, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("Approve"), Tags: tags, EncryptionConfiguration: encryption})
			return out, err
		}), &wire.CreateActivityInput{}},
		{wire.ActionDescribeActivity, call(func(c *sfn.Client) (any, error) {
			out, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(actARN)})
			return out, err
		}), &wire.DescribeActivityInput{}},
		{wire.ActionDeleteActivity, call(func(c *sfn.Client) (any, error) {
			out, err := c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: aws.String(actARN)})
			return out, err
		}), &wire.DeleteActivityInput{}},
		{wire.ActionListActivities, call(func(c *sfn.Client) (any, error) {
			out, err := c.ListActivities(ctx, &sfn.ListActivitiesInput{MaxResults: 5, NextToken: aws.String("tok")})
			return out, err
		}), &wire.ListActivitiesInput{}},
		{wire.ActionGetActivityTask, call(func(c *sfn.Client) (any, error) {
			out, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(actARN), WorkerName: aws.String("worker-1")})
			return out, err
		}), &wire.GetActivityTaskInput{}},
		{wire.ActionTagResource, call(func(c *sfn.Client) (any, error) {
			out, err := c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(smARN), Tags: tags})
			return out, err
		}), &wire.TagResourceInput{}},
		{wire.ActionUntagResource, call(func(c *sfn.Client) (any, error) {
			out, err := c.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: aws.String(smARN), TagKeys: []string{"team", "env"}})
			return out, err
		}), &wire.UntagResourceInput{}},
		{wire.ActionListTagsForResource, call(func(c *sfn.Client) (any, error) {
			out, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(actARN)})
			return out, err
		}), &wire.ListTagsForResourceInput{}},
	}
}

// TestRequestsFromSDK sends every action from the SDK with every member set
// and decodes the body strictly into the wire struct: an unknown member (a
// misspelt tag) fails, and so does a member the struct drops or changes, as
// re-encoding must give back what the SDK sent. It also proves the SDK's
// requests pass sigv4 and wire.Action.
func TestRequestsFromSDK(t *testing.T) {
	t.Parallel()
	cases := requestCases()
	var names []string
	for _, tc := range cases {
		names = append(names, tc.action)
	}
	sort.Strings(names)
	if diff := cmp.Diff(wire.Actions, names); diff != "" {
		t.Fatalf("request cases do not cover wire.Actions (-actions +cases):\n%s", diff)
	}
	for _, tc := range cases {
		t.Run(tc.action, func(t *testing.T) {
			t.Parallel()
			f, client := newFake(t, func(w http.ResponseWriter, _ string) { wire.WriteJSON(w, struct{}{}) })
			if _, err := tc.call(client); err != nil {
				t.Fatalf("%s through the SDK: %v", tc.action, err)
			}
			got := f.last(t)
			if got.Err != nil || got.Action != tc.action {
				t.Fatalf("received action %q, %v; want %q", got.Action, got.Err, tc.action)
			}
			strict := wire.Decoder{MaxBytes: 1 << 20, DisallowUnknownMembers: true}
			if err := strict.Unmarshal(got.Body, tc.in); err != nil {
				t.Fatalf("decode %s: %v\nbody: %s", tc.action, err, got.Body)
			}
			if diff := cmp.Diff(jsonValue(t, got.Body), jsonValue(t, mustJSON(t, tc.in))); diff != "" {
				t.Errorf("%s: re-encoding the decoded request differs from what the SDK sent (-sdk +wire):\n%s", tc.action, diff)
			}
		})
	}
}

func jsonValue(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return v
}

func TestActionsSorted(t *testing.T) {
	t.Parallel()
	if !slices.IsSorted(wire.Actions) {
		t.Errorf("wire.Actions is not sorted: %v", wire.Actions)
	}
}
