package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"time"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

const executionsUsage = `Usage: paystep executions <sub-command> [flags]

Starts, lists, describes, follows, stops and redrives executions. An
execution is named by its ARN, or by its name with --state-machine.

Examples:
  paystep executions start payments --input '{"amount":1050,"currency":"EUR"}'
  paystep executions list payments --status RUNNING
  paystep executions describe arn:aws:states:us-east-1:123456789012:execution:payments:order-1
  paystep executions history order-1 --state-machine payments --follow
  paystep executions stop order-1 --state-machine payments --cause "customer left"
  paystep executions redrive order-1 --state-machine payments
`

// executionRef describes the argument of the verbs that act on one
// execution.
const executionRef = "one EXECUTION (ARN, or name with --state-machine)"

// stateMachineFlag adds --state-machine to v and returns the resolver of
// an execution given by ARN, or by name with --state-machine.
func stateMachineFlag(v *verbFlags) resolver {
	sm := v.String("state-machine", "", "the state machine (name or ARN) when EXECUTION is a name")
	return func(ss *session, ctx context.Context, ref string) (string, error) {
		return ss.executionARN(ctx, ref, *sm)
	}
}

func executionsCmd(ctx context.Context, args []string, s stdio) error {
	return dispatch(ctx, "executions", executionsUsage, []verb{
		{"start", "start an execution of a state machine", exStart},
		{"list", "list executions, of one state machine or of all", exList},
		{"describe", "show an execution's status, input and output", exDescribe},
		{"history", "print an execution's history events (--follow: until it ends)", exHistory},
		{"stop", "stop a running execution", exStop},
		{"redrive", "restart a failed, timed-out or aborted execution where it failed", exRedrive},
	}, args, s)
}

const exStartUsage = `Usage: paystep executions start STATE-MACHINE [--input JSON|@FILE] [--name NAME]

Starts an execution of a state machine (by name or ARN) and prints its ARN.
Starting again with the same name and input while it runs returns the same
execution; with another input it is ExecutionAlreadyExists.

Examples:
  paystep executions start payments --input '{"amount":1050,"currency":"EUR"}'
  paystep executions start payments --input @order.json --name order-1
  echo '{"amount":1}' | paystep executions start payments --input @- -o json
`

func exStart(ctx context.Context, args []string, s stdio) error {
	v := newVerb("executions start", exStartUsage, s)
	input := v.String("input", "{}", "the execution's input: JSON text, @FILE, or @- for standard input")
	name := v.String("name", "", "the execution's name (default: a UUID the server picks)")
	pos, err := v.args(args, 1, stateMachineRef)
	if err != nil {
		return err
	}
	in := wire.StartExecutionInput{Name: *name}
	if in.Input, err = readJSONArg("--input", *input, s.in); err != nil {
		return err
	}
	return v.run(func(ss *session) error {
		if in.StateMachineArn, err = ss.stateMachineARN(ctx, pos[0]); err != nil {
			return err
		}
		var out wire.StartExecutionOutput
		return ss.do(ctx, wire.ActionStartExecution, in, &out, func(w io.Writer) {
			newTable(w, "EXECUTION", "STARTED").row(out.ExecutionArn, when(out.StartDate)).flush()
		})
	})
}

const exListUsage = `Usage: paystep executions list [STATE-MACHINE] [--status STATUS] [--max N]

Lists executions, newest first: of one state machine (by name or ARN), or of
every state machine when none is given. --status keeps one of RUNNING,
SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE.

Examples:
  paystep executions list payments
  paystep executions list --status FAILED
  paystep executions list payments --status RUNNING --max 20 -o json
`

var executionStatuses = []string{
	wire.ExecutionStatusRunning, wire.ExecutionStatusSucceeded, wire.ExecutionStatusFailed,
	wire.ExecutionStatusTimedOut, wire.ExecutionStatusAborted, wire.ExecutionStatusPendingRedrive,
}

func exList(ctx context.Context, args []string, s stdio) error {
	v := newVerb("executions list", exListUsage, s)
	status := v.String("status", "", "only executions with this status")
	limit := v.Int("max", 0, "list at most N executions (0: all)")
	pos, err := parseFlags(v.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("want at most one state machine, got %d arguments", len(pos))
	}
	if *status != "" && !slices.Contains(executionStatuses, *status) {
		return usagef("--status %q is not one of %v", *status, executionStatuses)
	}
	if *limit < 0 {
		return usagef("--max must not be negative")
	}
	return v.run(func(ss *session) error {
		var machines []string
		if len(pos) == 1 {
			arn, err := ss.stateMachineARN(ctx, pos[0])
			if err != nil {
				return err
			}
			machines = []string{arn}
		} else {
			list, err := all(ss.stateMachines(ctx))
			if err != nil {
				return err
			}
			for _, sm := range list {
				machines = append(machines, sm.StateMachineArn)
			}
		}
		full := func(execs []wire.ExecutionListItem) bool { return *limit > 0 && len(execs) >= *limit }
		var execs []wire.ExecutionListItem
		for _, arn := range machines {
			if full(execs) {
				break
			}
			in := wire.ListExecutionsInput{StateMachineArn: arn, StatusFilter: *status, MaxResults: wire.MaxResultsLimit}
			for page, err := range pages(ctx, ss, wire.ActionListExecutions, &in, &in.NextToken, func(out *wire.ListExecutionsOutput) ([]wire.ExecutionListItem, string) {
				return out.Executions, out.NextToken
			}) {
				if err != nil {
					return err
				}
				if execs = append(execs, page...); full(execs) {
					break
				}
			}
		}
		if len(machines) > 1 { // newest first across machines too
			slices.SortStableFunc(execs, func(a, b wire.ExecutionListItem) int { return b.StartDate.Compare(a.StartDate.Time) })
		}
		if *limit > 0 && len(execs) > *limit {
			execs = execs[:*limit]
		}
		return ss.print(wire.ListExecutionsOutput{Executions: execs}, func(w io.Writer) {
			t := newTable(w, "NAME", "STATUS", "STARTED", "STOPPED", "ARN")
			for _, e := range execs {
				t.row(e.Name, e.Status, when(e.StartDate), when(e.StopDate), e.ExecutionArn)
			}
			t.flush()
		})
	})
}

const exDescribeUsage = `Usage: paystep executions describe EXECUTION [--state-machine SM]

Shows an execution: status, dates, input, output, and error and cause when it
failed. EXECUTION is an ARN, or a name with --state-machine.

Examples:
  paystep executions describe arn:aws:states:us-east-1:123456789012:execution:payments:order-1
  paystep executions describe order-1 --state-machine payments -o json | jq -r .status
`

func exDescribe(ctx context.Context, args []string, s stdio) error {
	v := newVerb("executions describe", exDescribeUsage, s)
	return v.runOn(ctx, args, executionRef, stateMachineFlag(v), func(ss *session, arn string) error {
		var out wire.DescribeExecutionOutput
		return ss.do(ctx, wire.ActionDescribeExecution, wire.DescribeExecutionInput{ExecutionArn: arn}, &out, func(w io.Writer) {
			redrives := ""
			if out.RedriveCount != nil && *out.RedriveCount > 0 {
				redrives = strconv.Itoa(int(*out.RedriveCount))
			}
			stopped := ""
			if !out.StopDate.IsZero() {
				stopped = when(out.StopDate)
			}
			fields(w,
				"Name", out.Name,
				"ARN", out.ExecutionArn,
				"State machine", out.StateMachineArn,
				"Status", out.Status,
				"Started", when(out.StartDate),
				"Stopped", stopped,
				"Error", out.Error,
				"Cause", out.Cause,
				"Redrives", redrives,
				"Redrive status", out.RedriveStatus,
			)
			block(w, "Input", prettyJSON(out.Input))
			block(w, "Output", prettyJSON(out.Output))
		})
	})
}

const exHistoryUsage = `Usage: paystep executions history EXECUTION [--state-machine SM] [--follow] [--reverse] [--no-data]

Prints an execution's history events. With --follow it keeps printing new
events as they happen and returns when the execution ends. With -o json it
prints {"events":[…]} as the API does, or one event per line with --follow.

Examples:
  paystep executions history order-1 --state-machine payments
  paystep executions history arn:aws:states:us-east-1:123456789012:execution:payments:order-1 --follow
  paystep executions history order-1 --state-machine payments --follow -o json | jq -c .type
`

func exHistory(ctx context.Context, args []string, s stdio) error {
	v := newVerb("executions history", exHistoryUsage, s)
	resolve := stateMachineFlag(v)
	follow := v.Bool("follow", false, "keep printing new events until the execution ends")
	interval := v.Duration("interval", time.Second, "with --follow, how often to look for new events")
	reverse := v.Bool("reverse", false, "newest events first (not with --follow)")
	noData := v.Bool("no-data", false, "leave inputs and outputs out of the events")
	pos, err := v.args(args, 1, executionRef)
	if err != nil {
		return err
	}
	if *follow && *reverse {
		return usagef("--follow and --reverse do not go together")
	}
	if *interval <= 0 {
		return usagef("--interval must be positive")
	}
	return v.run(func(ss *session) error {
		arn, err := resolve(ss, ctx, pos[0])
		if err != nil {
			return err
		}
		var includeData *bool
		if *noData {
			includeData = new(bool)
		}
		if *follow {
			return ss.followHistory(ctx, arn, includeData, *interval)
		}
		in := wire.GetExecutionHistoryInput{ExecutionArn: arn, ReverseOrder: *reverse, IncludeExecutionData: includeData, MaxResults: wire.MaxResultsLimit}
		events, err := all(ss.history(ctx, &in))
		if err != nil {
			return err
		}
		return ss.print(wire.GetExecutionHistoryOutput{Events: events}, func(w io.Writer) {
			t := newTable(w, eventColumns...)
			for _, ev := range events {
				t.row(eventRow(ev)...)
			}
			t.flush()
		})
	})
}

// eventColumns are the columns of a history table, eventRow a row of it.
var eventColumns = []string{"ID", "TIME", "TYPE", "DETAILS"}

func eventRow(ev wire.HistoryEvent) []string {
	return []string{strconv.FormatInt(ev.ID, 10), whenMilli(ev.Timestamp), ev.Type, eventSummary(ev)}
}

// history reads an execution's history (in) page by page.
func (ss *session) history(ctx context.Context, in *wire.GetExecutionHistoryInput) iter.Seq2[[]wire.HistoryEvent, error] {
	return pages(ctx, ss, wire.ActionGetExecutionHistory, in, &in.NextToken, func(out *wire.GetExecutionHistoryOutput) ([]wire.HistoryEvent, string) {
		return out.Events, out.NextToken
	})
}

// eventsAfter returns the events with an ID above after, oldest first. It
// reads the history newest first and stops at the first event it has seen,
// so following a long execution costs one small request per look.
func (ss *session) eventsAfter(ctx context.Context, arn string, after int64, includeData *bool) ([]wire.HistoryEvent, error) {
	in := wire.GetExecutionHistoryInput{ExecutionArn: arn, ReverseOrder: true, IncludeExecutionData: includeData, MaxResults: wire.DefaultPageSize}
	var newer []wire.HistoryEvent
	for page, err := range ss.history(ctx, &in) {
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(page, func(ev wire.HistoryEvent) bool { return ev.ID <= after })
		if i >= 0 {
			newer = append(newer, page[:i]...)
			break
		}
		newer = append(newer, page...)
	}
	slices.Reverse(newer)
	return newer, nil
}

// followHistory prints events as they come until the execution ends.
func (ss *session) followHistory(ctx context.Context, arn string, includeData *bool, interval time.Duration) error {
	var t *table
	if !ss.json {
		t = newTable(ss.s.out, eventColumns...)
		t.flush()
	}
	enc := json.NewEncoder(ss.s.out)
	enc.SetEscapeHTML(false)
	var last int64
	for {
		events, err := ss.eventsAfter(ctx, arn, last, includeData)
		if err != nil {
			return err
		}
		ended := false
		for _, ev := range events {
			if ss.json {
				if err := enc.Encode(ev); err != nil {
					return err
				}
			} else {
				t.row(eventRow(ev)...)
			}
			last = max(last, ev.ID)
			ended = ended || executionEnded(ev.Type)
		}
		if t != nil {
			t.flush()
		}
		if ended {
			return nil
		}
		timer := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

func executionEnded(eventType string) bool {
	switch eventType {
	case "ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut":
		return true
	}
	return false
}

// eventSummary is the DETAILS cell of a history event: the state's name,
// the error and cause, the resource, or the execution's input or output.
func eventSummary(ev wire.HistoryEvent) string {
	if len(ev.Details) == 0 {
		return ""
	}
	var d struct {
		Name     string `json:"name"`
		Error    string `json:"error"`
		Cause    string `json:"cause"`
		Resource string `json:"resource"`
		Input    string `json:"input"`
		Output   string `json:"output"`
		Index    *int   `json:"index"`
		Length   *int   `json:"length"`
		Worker   string `json:"workerName"`
	}
	if json.Unmarshal(ev.Details, &d) != nil {
		return ""
	}
	var s string
	switch {
	case d.Error != "" || d.Cause != "":
		s = d.Error
		if d.Cause != "" {
			s += ": " + d.Cause
		}
	case d.Name != "":
		s = d.Name
	case d.Resource != "":
		s = d.Resource
	case d.Worker != "":
		s = "worker " + d.Worker
	case d.Index != nil:
		s = fmt.Sprintf("iteration %d", *d.Index)
	case d.Length != nil:
		s = fmt.Sprintf("%d items", *d.Length)
	case ev.Type == "ExecutionStarted" && d.Input != "":
		s = "input " + d.Input
	case d.Output != "":
		s = "output " + d.Output
	}
	return clip(s, 100)
}

const exStopUsage = `Usage: paystep executions stop EXECUTION [--state-machine SM] [--error NAME] [--cause TEXT]

Stops a running execution; it ends ABORTED with the error and cause given.

Examples:
  paystep executions stop order-1 --state-machine payments --cause "customer left"
`

func exStop(ctx context.Context, args []string, s stdio) error {
	v := newVerb("executions stop", exStopUsage, s)
	resolve := stateMachineFlag(v)
	errName := v.String("error", "", "the error code to record")
	cause := v.String("cause", "", "the cause to record")
	return v.runOn(ctx, args, executionRef, resolve, func(ss *session, arn string) error {
		var out wire.StopExecutionOutput
		return ss.do(ctx, wire.ActionStopExecution, wire.StopExecutionInput{ExecutionArn: arn, Error: *errName, Cause: *cause}, &out, func(w io.Writer) {
			newTable(w, "EXECUTION", "STOPPED").row(arn, when(out.StopDate)).flush()
		})
	})
}

const exRedriveUsage = `Usage: paystep executions redrive EXECUTION [--state-machine SM]

Restarts a FAILED, TIMED_OUT or ABORTED execution from the state that did
not succeed, keeping what succeeded before it.

Examples:
  paystep executions redrive order-1 --state-machine payments
  paystep executions history order-1 --state-machine payments --follow
`

func exRedrive(ctx context.Context, args []string, s stdio) error {
	v := newVerb("executions redrive", exRedriveUsage, s)
	return v.runOn(ctx, args, executionRef, stateMachineFlag(v), func(ss *session, arn string) error {
		var out wire.RedriveExecutionOutput
		return ss.do(ctx, wire.ActionRedriveExecution, wire.RedriveExecutionInput{ExecutionArn: arn}, &out, func(w io.Writer) {
			newTable(w, "EXECUTION", "REDRIVEN").row(arn, when(out.RedriveDate)).flush()
		})
	})
}
