package main

import (
	"context"
	"fmt"
	"io"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

const activitiesUsage = `Usage: paystep activities <sub-command> [flags]

Creates, lists, describes and deletes activities, and polls for their tasks.
An activity is a Task resource (arn:aws:states:REGION:ACCOUNT:activity:NAME)
whose work is done by external workers that poll for it. An activity is
named by its name or its ARN.

Examples:
  paystep activities create charge
  paystep activities list
  paystep activities get-task charge --worker worker-1
  paystep activities delete charge
`

// activityRef describes the argument of the verbs that act on one activity.
const activityRef = "one activity NAME or ARN"

func activitiesCmd(ctx context.Context, args []string, s stdio) error {
	return dispatch(ctx, "activities", activitiesUsage, []verb{
		{"create", "create an activity", actCreate},
		{"list", "list the activities", actList},
		{"describe", "show an activity", actDescribe},
		{"delete", "delete an activity", actDelete},
		{"get-task", "wait up to 60 s for a task of an activity and print its token and input", actGetTask},
	}, args, s)
}

const actCreateUsage = `Usage: paystep activities create NAME [--tag KEY=VALUE]...

Creates an activity and prints its ARN, which Task states use as Resource.
Creating one that exists returns it.

Examples:
  paystep activities create charge
  paystep activities create charge --tag team=payments -o json | jq -r .activityArn
`

func actCreate(ctx context.Context, args []string, s stdio) error {
	v := newVerb("activities create", actCreateUsage, s)
	var tags tagsFlag
	v.Var(&tags, "tag", "a tag KEY=VALUE (repeatable)")
	pos, err := v.args(args, 1, "the activity's NAME")
	if err != nil {
		return err
	}
	return v.run(func(ss *session) error {
		var out wire.CreateActivityOutput
		return ss.do(ctx, wire.ActionCreateActivity, wire.CreateActivityInput{Name: pos[0], Tags: tags}, &out, func(w io.Writer) {
			newTable(w, "ARN", "CREATED").row(out.ActivityArn, when(out.CreationDate)).flush()
		})
	})
}

const actListUsage = `Usage: paystep activities list [-o json]

Lists every activity: name, creation time and ARN.

Examples:
  paystep activities list
  paystep activities list -o json | jq -r '.activities[].activityArn'
`

func actList(ctx context.Context, args []string, s stdio) error {
	v := newVerb("activities list", actListUsage, s)
	if _, err := v.args(args, 0, "no arguments"); err != nil {
		return err
	}
	return v.run(func(ss *session) error {
		activities, err := all(ss.activities(ctx))
		if err != nil {
			return err
		}
		return ss.print(wire.ListActivitiesOutput{Activities: activities}, func(w io.Writer) {
			t := newTable(w, "NAME", "CREATED", "ARN")
			for _, a := range activities {
				t.row(a.Name, when(a.CreationDate), a.ActivityArn)
			}
			t.flush()
		})
	})
}

const actDescribeUsage = `Usage: paystep activities describe NAME|ARN

Shows an activity's name, ARN and creation time.

Examples:
  paystep activities describe charge
`

func actDescribe(ctx context.Context, args []string, s stdio) error {
	v := newVerb("activities describe", actDescribeUsage, s)
	return v.runOn(ctx, args, activityRef, (*session).activityARN, func(ss *session, arn string) error {
		var out wire.DescribeActivityOutput
		return ss.do(ctx, wire.ActionDescribeActivity, wire.DescribeActivityInput{ActivityArn: arn}, &out, func(w io.Writer) {
			fields(w, "Name", out.Name, "ARN", out.ActivityArn, "Created", when(out.CreationDate))
		})
	})
}

const actDeleteUsage = `Usage: paystep activities delete NAME|ARN

Deletes an activity.

Examples:
  paystep activities delete charge
`

func actDelete(ctx context.Context, args []string, s stdio) error {
	v := newVerb("activities delete", actDeleteUsage, s)
	return v.runOn(ctx, args, activityRef, (*session).activityARN, func(ss *session, arn string) error {
		return ss.do(ctx, wire.ActionDeleteActivity, wire.DeleteActivityInput{ActivityArn: arn}, nil, func(w io.Writer) {
			newTable(w, "DELETED").row(arn).flush()
		})
	})
}

const actGetTaskUsage = `Usage: paystep activities get-task NAME|ARN [--worker NAME]

Waits up to 60 seconds for a task of the activity and prints its token and
input; answer it with 'paystep tasks success|failure TOKEN'. When no task
comes it says so and exits 1 (with -o json it prints {"taskToken":"",
"input":""} and exits 0).

Examples:
  paystep activities get-task charge --worker worker-1
  paystep activities get-task charge -o json > task.json
  jq -r .taskToken task.json > token.txt && paystep tasks success @token.txt --output '{"ok":true}'
`

func actGetTask(ctx context.Context, args []string, s stdio) error {
	v := newVerb("activities get-task", actGetTaskUsage, s)
	worker := v.String("worker", "paystep-cli", "the worker name the history records")
	return v.runOn(ctx, args, activityRef, (*session).activityARN, func(ss *session, arn string) error {
		var out wire.GetActivityTaskOutput
		if err := ss.call(ctx, wire.ActionGetActivityTask, wire.GetActivityTaskInput{ActivityArn: arn, WorkerName: *worker}, &out); err != nil {
			return err
		}
		if ss.json {
			// Both members always, so scripts can test the token.
			return writeJSON(s.out, struct {
				TaskToken string `json:"taskToken"`
				Input     string `json:"input"`
			}{out.TaskToken, out.Input})
		}
		if out.TaskToken == "" {
			fmt.Fprintf(s.err, "no task of %s came within the poll\n", arn)
			return errSilent
		}
		fields(s.out, "Token", out.TaskToken)
		block(s.out, "Input", prettyJSON(out.Input))
		return nil
	})
}
