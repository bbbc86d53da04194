package sfnapi

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store"
)

const (
	maxTaskTokenLength  = 2048
	maxWorkerNameLength = 80
)

func checkToken(token string) error {
	var v wire.Validator
	v.Required("taskToken", token)
	v.Length("taskToken", token, 1, maxTaskTokenLength)
	return v.Err()
}

func (h *Handler) sendTaskSuccess(ctx context.Context, in *wire.SendTaskSuccessInput) (*wire.SendTaskSuccessOutput, error) {
	if err := checkToken(in.TaskToken); err != nil {
		return nil, err
	}
	var v wire.Validator
	v.Required("output", in.Output)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if sensitiveLength("output", in.Output, maxPayloadLength) != nil {
		return nil, wire.NewError(wire.InvalidOutput, "Invalid Output: 'The output is larger than "+strconv.Itoa(maxPayloadLength)+" characters'")
	}
	if p := jsonProblem(in.Output); p != "" {
		return nil, wire.NewError(wire.InvalidOutput, "Invalid Output: '"+p+"'")
	}
	if err := h.runner.SendTaskSuccess(ctx, in.TaskToken, in.Output); err != nil {
		return nil, fmt.Errorf("send task success: %w", err)
	}
	return &wire.SendTaskSuccessOutput{}, nil
}

func (h *Handler) sendTaskFailure(ctx context.Context, in *wire.SendTaskFailureInput) (*wire.SendTaskFailureOutput, error) {
	if err := checkToken(in.TaskToken); err != nil {
		return nil, err
	}
	if err := checkErrorCause(in.Error, in.Cause); err != nil {
		return nil, err
	}
	if err := h.runner.SendTaskFailure(ctx, in.TaskToken, in.Error, in.Cause); err != nil {
		return nil, fmt.Errorf("send task failure: %w", err)
	}
	return &wire.SendTaskFailureOutput{}, nil
}

func (h *Handler) sendTaskHeartbeat(ctx context.Context, in *wire.SendTaskHeartbeatInput) (*wire.SendTaskHeartbeatOutput, error) {
	if err := checkToken(in.TaskToken); err != nil {
		return nil, err
	}
	if err := h.runner.SendTaskHeartbeat(ctx, in.TaskToken); err != nil {
		return nil, fmt.Errorf("send task heartbeat: %w", err)
	}
	return &wire.SendTaskHeartbeatOutput{}, nil
}

func checkActivityARN(arn string) error {
	var v wire.Validator
	v.Required("activityArn", arn)
	v.Length("activityArn", arn, 1, wire.MaxARNLength)
	if err := v.Err(); err != nil {
		return err
	}
	_, err := wire.ParseARN(arn, wire.ResourceActivity)
	return err
}

func (h *Handler) createActivity(ctx context.Context, in *wire.CreateActivityInput) (*wire.CreateActivityOutput, error) {
	var v wire.Validator
	v.Required("name", in.Name)
	checkTags(&v, in.Tags)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := wire.CheckName("name", in.Name); err != nil {
		return nil, err
	}
	if err := checkUnsupported(false, "", in.EncryptionConfiguration, nil); err != nil {
		return nil, err
	}
	arn := wire.ActivityARN(h.region, h.account, in.Name)
	if len(in.Tags) > maxTags {
		return nil, tooManyTags(arn)
	}
	var got *store.Activity
	err := h.store.InTx(ctx, func(q store.Queries) error {
		// Idempotent like AWS: an activity of that name is returned as it
		// is, whatever the tags asked for now.
		a, err := q.ActivityGet(ctx, arn)
		if err == nil {
			got = a
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if got, err = q.ActivityCreate(ctx, &store.Activity{ARN: arn, Name: in.Name, CreatedAt: h.now()}); err != nil {
			return err
		}
		if len(in.Tags) == 0 || got.ARN != arn {
			return nil
		}
		return q.TagsPut(ctx, arn, tagMap(in.Tags))
	})
	if err != nil {
		return nil, fmt.Errorf("create activity %s: %w", arn, err)
	}
	return &wire.CreateActivityOutput{ActivityArn: got.ARN, CreationDate: wire.NewTime(got.CreatedAt)}, nil
}

func (h *Handler) describeActivity(ctx context.Context, in *wire.DescribeActivityInput) (*wire.DescribeActivityOutput, error) {
	if err := checkActivityARN(in.ActivityArn); err != nil {
		return nil, err
	}
	a, err := h.store.ActivityGet(ctx, in.ActivityArn)
	if err != nil {
		return nil, notFound(err, wire.ActivityDoesNotExist, "Activity", in.ActivityArn)
	}
	return &wire.DescribeActivityOutput{
		ActivityArn:             a.ARN,
		Name:                    a.Name,
		CreationDate:            wire.NewTime(a.CreatedAt),
		EncryptionConfiguration: &wire.EncryptionConfiguration{Type: wire.EncryptionTypeAWSOwnedKey},
	}, nil
}

// deleteActivity deletes the activity; like AWS, deleting one that does
// not exist succeeds.
func (h *Handler) deleteActivity(ctx context.Context, in *wire.DeleteActivityInput) (*wire.DeleteActivityOutput, error) {
	if err := checkActivityARN(in.ActivityArn); err != nil {
		return nil, err
	}
	if err := h.store.ActivityDelete(ctx, in.ActivityArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("delete activity %s: %w", in.ActivityArn, err)
	}
	h.runner.ForgetActivity(in.ActivityArn)
	return &wire.DeleteActivityOutput{}, nil
}

func (h *Handler) listActivities(ctx context.Context, in *wire.ListActivitiesInput) (*wire.ListActivitiesOutput, error) {
	page, next, err := listPage(ctx, in.MaxResults, in.NextToken, "list activities", h.store.ActivityList)
	if err != nil {
		return nil, err
	}
	out := &wire.ListActivitiesOutput{Activities: make([]wire.ActivityListItem, len(page)), NextToken: next}
	for i, a := range page {
		out.Activities[i] = wire.ActivityListItem{ActivityArn: a.ARN, Name: a.Name, CreationDate: wire.NewTime(a.CreatedAt)}
	}
	return out, nil
}

// getActivityTask long-polls for a task of the activity, up to the
// configured wait (60 s), and answers an empty task when none came or the
// server ends its polls (EndPolls). A client that hangs up ends the poll.
func (h *Handler) getActivityTask(ctx context.Context, in *wire.GetActivityTaskInput) (*wire.GetActivityTaskOutput, error) {
	if err := checkActivityARN(in.ActivityArn); err != nil {
		return nil, err
	}
	var v wire.Validator
	v.Length("workerName", in.WorkerName, 1, maxWorkerNameLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	// The runner answers ActivityDoesNotExist for an unknown activity.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(h.polls, cancel)()
	t, err := h.runner.GetActivityTask(pctx, in.ActivityArn, in.WorkerName, h.poll)
	if err != nil && ctx.Err() == nil && h.polls.Err() != nil {
		return &wire.GetActivityTaskOutput{}, nil // the server is shutting down
	}
	if err != nil {
		return nil, fmt.Errorf("get activity task of %s: %w", in.ActivityArn, err)
	}
	if t.Token == "" {
		return &wire.GetActivityTaskOutput{}, nil
	}
	return &wire.GetActivityTaskOutput{TaskToken: t.Token, Input: string(t.Input)}, nil
}
