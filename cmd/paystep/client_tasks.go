package main

import (
	"context"
	"io"
	"strings"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

const tasksUsage = `Usage: paystep tasks <sub-command> TOKEN [flags]

Answers a task token: the token a waitForTaskToken Task handed out, or one
'paystep activities get-task' returned. A token works once. TOKEN may be
@FILE, or @- to read it from standard input.

Examples:
  paystep tasks success "$TOKEN" --output '{"charged":1050}'
  paystep tasks failure "$TOKEN" --error Card.Declined --cause "insufficient funds"
  paystep tasks heartbeat @token.txt
`

func tasksCmd(ctx context.Context, args []string, s stdio) error {
	return dispatch(ctx, "tasks", tasksUsage, []verb{
		{"success", "complete a task with an output (SendTaskSuccess)", taskSuccess},
		{"failure", "fail a task with an error and cause (SendTaskFailure)", taskFailure},
		{"heartbeat", "report that a task is still being worked on (SendTaskHeartbeat)", taskHeartbeat},
	}, args, s)
}

const taskSuccessUsage = `Usage: paystep tasks success TOKEN [--output JSON|@FILE]

Completes the task of TOKEN; its output becomes the Task state's result.
A token already used gets TaskTimedOut; a garbled one InvalidToken.

Examples:
  paystep tasks success "$TOKEN" --output '{"charged":1050}'
  paystep tasks success @token.txt --output @result.json
`

func taskSuccess(ctx context.Context, args []string, s stdio) error {
	v := newVerb("tasks success", taskSuccessUsage, s)
	output := v.String("output", "{}", "the task's result: JSON text, @FILE, or @- for standard input")
	pos, err := v.args(args, 1, "one task TOKEN")
	if err != nil {
		return err
	}
	in := wire.SendTaskSuccessInput{}
	if in.Output, err = readJSONArg("--output", *output, s.in); err != nil {
		return err
	}
	if in.TaskToken, err = readToken(pos[0], s.in); err != nil {
		return err
	}
	return sendTask(ctx, v, wire.ActionSendTaskSuccess, in, "succeeded")
}

const taskFailureUsage = `Usage: paystep tasks failure TOKEN [--error NAME] [--cause TEXT]

Fails the task of TOKEN with an error name (which Retry and Catch match) and
a cause.

Examples:
  paystep tasks failure "$TOKEN" --error Card.Declined --cause "insufficient funds"
`

func taskFailure(ctx context.Context, args []string, s stdio) error {
	v := newVerb("tasks failure", taskFailureUsage, s)
	errName := v.String("error", "", "the error name")
	cause := v.String("cause", "", "the cause: text, @FILE, or @- for standard input")
	pos, err := v.args(args, 1, "one task TOKEN")
	if err != nil {
		return err
	}
	in := wire.SendTaskFailureInput{Error: *errName}
	if in.Cause, err = readArg("--cause", *cause, s.in); err != nil {
		return err
	}
	if in.TaskToken, err = readToken(pos[0], s.in); err != nil {
		return err
	}
	return sendTask(ctx, v, wire.ActionSendTaskFailure, in, "failed")
}

const taskHeartbeatUsage = `Usage: paystep tasks heartbeat TOKEN

Tells the server the task of TOKEN is still being worked on, so a Task with
HeartbeatSeconds does not time out.

Examples:
  paystep tasks heartbeat "$TOKEN"
  while sleep 20; do paystep tasks heartbeat @token.txt || break; done
`

func taskHeartbeat(ctx context.Context, args []string, s stdio) error {
	v := newVerb("tasks heartbeat", taskHeartbeatUsage, s)
	pos, err := v.args(args, 1, "one task TOKEN")
	if err != nil {
		return err
	}
	token, err := readToken(pos[0], s.in)
	if err != nil {
		return err
	}
	return sendTask(ctx, v, wire.ActionSendTaskHeartbeat, wire.SendTaskHeartbeatInput{TaskToken: token}, "heartbeat sent")
}

// readToken reads a token argument, @FILE or @- included, without the
// line break a file or a pipe ends with.
func readToken(arg string, in io.Reader) (string, error) {
	token, err := readArg("TOKEN", arg, in)
	if err != nil {
		return "", err
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", usagef("the task token is empty")
	}
	return token, nil
}

// sendTask sends a task token's answer (action, in) and says done.
func sendTask(ctx context.Context, v *verbFlags, action string, in any, done string) error {
	return v.run(func(ss *session) error {
		return ss.do(ctx, action, in, nil, func(w io.Writer) {
			io.WriteString(w, "task "+done+"\n")
		})
	})
}
