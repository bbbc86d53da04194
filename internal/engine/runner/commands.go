package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store"
)

type cmdKind int

const (
	cmdStart   cmdKind = iota // start an execution (start holds it)
	cmdTask                   // a task event: a token sent back, an invocation's result, a worker took it
	cmdStop                   // StopExecution, or a parent stopping its child
	cmdRedrive                // RedriveExecution
	cmdTick                   // a timer of arn is due
	cmdRenew                  // renew the claim on arn: a task runs here
)

// command is one unit of work for the writer.
type command struct {
	kind  cmdKind
	arn   string
	start *startCmd
	ev    engine.Event
	token *parsedToken // set when the event came with a token to check
	reply chan result  // nil for the runner's own commands
	tries int
}

type startCmd struct {
	sm    *store.StateMachine
	asl   *asl.StateMachine
	name  string
	input string
	sync  bool // StartSyncExecution: the caller waits for the end
}

type result struct {
	err  error
	arn  string
	date time.Time
}

func (c *command) answer(res result) {
	if c.reply != nil {
		c.reply <- res
	}
}

func apiError(code, format string, args ...any) *wire.Error {
	return wire.NewError(code, fmt.Sprintf(format, args...))
}

// StartExecution starts an execution. Like AWS it is idempotent on the
// name: the same name and input while the first is running returns the
// first's answer; otherwise ExecutionAlreadyExists. Errors the API returns
// as they are are *wire.Error values.
func (r *Runner) StartExecution(ctx context.Context, in StartInput) (StartOutput, error) {
	c, err := r.startCommand(ctx, in, false)
	if err != nil {
		return StartOutput{}, err
	}
	res, err := r.do(ctx, c)
	if err != nil {
		return StartOutput{}, err
	}
	return StartOutput{ExecutionARN: res.arn, StartDate: res.date}, nil
}

// StartSyncExecution runs an execution of an EXPRESS machine to its end and
// returns its final row.
func (r *Runner) StartSyncExecution(ctx context.Context, in StartInput) (*store.Execution, error) {
	c, err := r.startCommand(ctx, in, true)
	if err != nil {
		return nil, err
	}
	if c.start.sm.Type != store.StateMachineExpress {
		return nil, apiError(wire.StateMachineTypeNotSupported, "This operation is not supported by this type of state machine")
	}
	res, err := r.do(ctx, c)
	if err != nil {
		return nil, err
	}
	return r.WaitExecution(ctx, res.arn)
}

func (r *Runner) startCommand(ctx context.Context, in StartInput, sync bool) (*command, error) {
	if _, err := wire.ParseARN(in.StateMachineARN, wire.ResourceStateMachine); err != nil {
		return nil, err
	}
	name := in.Name
	if name == "" {
		name = r.cfg.UUID()
	} else if !wire.ValidName(name) || len(name) > 80 {
		return nil, apiError(wire.InvalidName, "Invalid Name: '%s'", name)
	}
	input := in.Input
	if input == "" {
		input = "{}"
	}
	if err := checkPayload(input, wire.InvalidExecutionInput, "Invalid State Machine Execution Input"); err != nil {
		return nil, err
	}
	sm, err := r.st.StateMachineGet(ctx, in.StateMachineARN)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiError(wire.StateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", in.StateMachineARN)
	}
	if err != nil {
		return nil, err
	}
	if sm.Status == store.StateMachineDeleting {
		return nil, apiError(wire.StateMachineDeleting, "State Machine is being deleted: '%s'", sm.ARN)
	}
	def, err := r.machine(ctx, r.st, sm.ARN, sm.RevisionID)
	if err != nil {
		return nil, err
	}
	return &command{kind: cmdStart, start: &startCmd{sm: sm, asl: def, name: name, input: input, sync: sync}}, nil
}

// checkPayload refuses text over 256 KiB or that is not JSON.
func checkPayload(s, code, what string) error {
	if len(s) > engine.MaxPayloadBytes {
		return apiError(code, "%s: the payload is %d bytes, over the limit of %d", what, len(s), engine.MaxPayloadBytes)
	}
	if !json.Valid([]byte(s)) {
		return apiError(code, "%s: '%s' is not valid JSON", what, truncate(s, 100))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// StopExecution aborts a running execution and returns when it stopped.
// Stopping an execution that has ended changes nothing and returns when it
// ended.
func (r *Runner) StopExecution(ctx context.Context, arn, errName, cause string) (time.Time, error) {
	if _, err := wire.ParseARN(arn, wire.ResourceExecution); err != nil {
		return time.Time{}, err
	}
	res, err := r.do(ctx, &command{kind: cmdStop, arn: arn, ev: engine.Event{Kind: engine.EventStop, Error: errName, Cause: cause}})
	return res.date, err
}

// RedriveExecution restarts a FAILED, TIMED_OUT or ABORTED execution from
// the top-level state that did not succeed (a Parallel or Map state runs
// whole again) and returns when.
func (r *Runner) RedriveExecution(ctx context.Context, arn string) (time.Time, error) {
	if _, err := wire.ParseARN(arn, wire.ResourceExecution); err != nil {
		return time.Time{}, err
	}
	res, err := r.do(ctx, &command{kind: cmdRedrive, arn: arn, ev: engine.Event{Kind: engine.EventRedrive}})
	return res.date, err
}

// SendTaskSuccess completes the task of token with output (JSON text).
func (r *Runner) SendTaskSuccess(ctx context.Context, token, output string) error {
	if err := checkPayload(output, wire.InvalidOutput, "Invalid Output"); err != nil {
		return err
	}
	return r.sendTask(ctx, token, engine.Event{Kind: engine.EventTaskSucceeded, Output: json.RawMessage(output)})
}

// SendTaskFailure fails the task of token.
func (r *Runner) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	return r.sendTask(ctx, token, engine.Event{Kind: engine.EventTaskFailed, Error: errName, Cause: cause})
}

// SendTaskHeartbeat records a heartbeat of the task of token.
func (r *Runner) SendTaskHeartbeat(ctx context.Context, token string) error {
	return r.sendTask(ctx, token, engine.Event{Kind: engine.EventTaskHeartbeat})
}

func (r *Runner) sendTask(ctx context.Context, token string, ev engine.Event) error {
	p, ok := parseToken(token)
	if !ok {
		return errInvalidToken(token)
	}
	ev.TaskID = p.taskID
	_, err := r.do(ctx, &command{kind: cmdTask, arn: p.arn, ev: ev, token: &p})
	return err
}

func errInvalidToken(token string) error {
	return apiError(wire.InvalidToken, "Invalid Token: '%s'", truncate(token, 200))
}

// WaitExecution returns the execution's row once it has ended.
func (r *Runner) WaitExecution(ctx context.Context, arn string) (*store.Execution, error) {
	ch := make(chan *store.Execution, 1)
	r.mu.Lock()
	r.waiters[arn] = append(r.waiters[arn], ch)
	r.mu.Unlock()
	defer r.unwait(arn, ch)
	for {
		row, err := r.st.ExecutionGet(ctx, arn)
		if errors.Is(err, store.ErrNotFound) {
			return nil, apiError(wire.ExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
		}
		if err != nil {
			return nil, err
		}
		if row.Status != store.ExecutionRunning {
			return row, nil
		}
		select {
		case row := <-ch:
			return row, nil
		case <-r.clk.After(r.cfg.PollInterval): // it may end on another node
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-r.done:
			return nil, ErrStopped
		}
	}
}

func (r *Runner) unwait(arn string, ch chan *store.Execution) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ws := r.waiters[arn]
	for i, w := range ws {
		if w == ch {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(r.waiters, arn)
	} else {
		r.waiters[arn] = ws
	}
}

// machine returns the compiled definition of a state machine revision.
func (r *Runner) machine(ctx context.Context, q store.Queries, arn, revision string) (*asl.StateMachine, error) {
	key := arn + "\x00" + revision
	r.mu.Lock()
	sm := r.machines[key]
	r.mu.Unlock()
	if sm != nil {
		return sm, nil
	}
	rev, err := q.StateMachineRevisionGet(ctx, arn, revision)
	if err != nil {
		return nil, fmt.Errorf("state machine %s revision %s: %w", arn, revision, err)
	}
	sm, err = asl.Load([]byte(rev.Definition), asl.LoadOptions{})
	if err != nil {
		return nil, fmt.Errorf("state machine %s revision %s: %w", arn, revision, err)
	}
	r.mu.Lock()
	r.machines[key] = sm
	r.mu.Unlock()
	return sm, nil
}
