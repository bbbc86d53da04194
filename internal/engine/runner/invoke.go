package runner

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store"
)

const startExecutionResource = "arn:aws:states:::states:startExecution"

func isStartExecution(resource string) bool {
	return resource == startExecutionResource || strings.HasPrefix(resource, startExecutionResource+".")
}

// activityFor returns the activity a resource's tasks go to, or "".
func (r *Runner) activityFor(resource string) string {
	if v, ok := r.routes.Load(resource); ok {
		return v.(string)
	}
	act := ""
	if r.cfg.Resources != nil {
		act = r.cfg.Resources.Activity(resource)
	} else if a, err := wire.ParseARN(resource, wire.ResourceActivity); err == nil && a.Type == wire.ResourceActivity {
		act = resource
	}
	r.routes.Store(resource, act)
	return act
}

// inProcess reports whether this process runs the task itself, until its
// result: not an activity, a nested execution, or a .waitForTaskToken call
// its resource accepted (then the task waits for its token, held by no one).
func (r *Runner) inProcess(t *engine.Task) bool {
	return !t.Submitted && !isStartExecution(t.Resource) && r.activityFor(t.Resource) == ""
}

// hasInProcess reports whether a task of e runs in this process: then the
// execution stays claimed by this node.
func (r *Runner) hasInProcess(e *entry) bool {
	ex := e.ex()
	if ex.Status.Terminal() {
		return false
	}
	for _, f := range ex.Frames {
		if f.Task != nil && r.inProcess(f.Task) {
			return true
		}
	}
	return false
}

func inflightKey(arn string, taskID int64) string { return arn + "#" + strconv.FormatInt(taskID, 10) }

func (r *Runner) isInflight(arn string, taskID int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.inflight[inflightKey(arn, taskID)]
	return ok
}

func (r *Runner) cancelInflight(key string) {
	r.mu.Lock()
	cancel := r.inflight[key]
	delete(r.inflight, key)
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// startInvocation runs a task's resource in a goroutine and sends its
// result back to the writer.
func (r *Runner) startInvocation(inv invocation) {
	key := inflightKey(inv.arn, inv.task.ID)
	ctx, cancel := context.WithCancel(r.baseCtx)
	if inv.task.TimeoutSeconds > 0 {
		ctx, cancel = context.WithTimeout(r.baseCtx, time.Duration(inv.task.TimeoutSeconds)*time.Second+time.Second)
	}
	r.mu.Lock()
	if _, dup := r.inflight[key]; dup {
		r.mu.Unlock()
		cancel()
		return
	}
	r.inflight[key] = cancel
	r.mu.Unlock()
	t := *inv.task
	go func() {
		defer r.cancelInflight(key)
		out, err := r.call(ctx, &t)
		if ctx.Err() != nil && r.baseCtx.Err() != nil {
			return // shutting down: the task runs again after the restart
		}
		ev := engine.Event{TaskID: t.ID}
		var te *engine.TaskError
		switch {
		case err == nil && strings.HasSuffix(t.Resource, ".waitForTaskToken"):
			ev.Kind, ev.Output = engine.EventTaskSubmitted, out
		case err == nil:
			ev.Kind, ev.Output = engine.EventTaskSucceeded, out
		case errors.As(err, &te):
			ev.Kind, ev.Error, ev.Cause = engine.EventTaskFailed, te.Name, te.Cause
		default:
			ev.Kind, ev.Error, ev.Cause = engine.EventTaskFailed, asl.ErrorTaskFailed, err.Error()
		}
		r.enqueue(&command{kind: cmdTask, arn: inv.arn, ev: ev})
	}()
}

func (r *Runner) call(ctx context.Context, t *engine.Task) (json.RawMessage, error) {
	if r.cfg.Resources == nil {
		return nil, &engine.TaskError{Name: asl.ErrorTaskFailed, Cause: "no resource is configured for '" + t.Resource + "'"}
	}
	return r.cfg.Resources.Invoke(ctx, t)
}

// renewals lists the executions whose claims this node must renew.
func (r *Runner) renewals() []*command {
	var cmds []*command
	for arn, e := range r.cache {
		if e.row.Owner == r.cfg.NodeID && r.hasInProcess(e) {
			cmds = append(cmds, &command{kind: cmdRenew, arn: arn})
		}
	}
	return cmds
}

// --- nested executions ---

type startExecutionParams struct {
	StateMachineArn string          `json:"StateMachineArn"`
	Input           json.RawMessage `json:"Input"`
	Name            string          `json:"Name"`
}

// startChild runs arn:aws:states:::states:startExecution[.sync[:2]|.waitForTaskToken]
// within the batch: the child is created in the same transaction.
func (b *batch) startChild(parent *entry, t *engine.Task) error {
	pattern := strings.TrimPrefix(t.Resource, startExecutionResource)
	fail := func(name, cause string) error {
		b.queue = append(b.queue, &command{kind: cmdTask, arn: parent.row.ARN,
			ev: engine.Event{Kind: engine.EventTaskFailed, TaskID: t.ID, Error: name, Cause: cause}})
		return nil
	}
	var p startExecutionParams
	if err := json.Unmarshal(t.Input, &p); err != nil || p.StateMachineArn == "" {
		return fail("States.Runtime", "states:startExecution needs Parameters with a StateMachineArn")
	}
	input := "{}"
	if len(p.Input) > 0 && string(p.Input) != "null" {
		input = string(p.Input)
		var s string
		if json.Unmarshal(p.Input, &s) == nil {
			input = s
		}
	}
	if err := checkPayload(input, wire.InvalidExecutionInput, "Invalid State Machine Execution Input"); err != nil {
		return fail("StepFunctions.InvalidExecutionInputException", err.(*wire.Error).Message)
	}
	name := p.Name
	if name == "" {
		name = b.r.cfg.UUID()
	} else if !wire.ValidName(name) || len(name) > 80 {
		return fail("StepFunctions.InvalidNameException", "Invalid Name: '"+name+"'")
	}
	sm, err := b.q.StateMachineGet(b.ctx, p.StateMachineArn)
	if errors.Is(err, store.ErrNotFound) {
		return fail("StepFunctions.StateMachineDoesNotExistException", "State Machine Does Not Exist: '"+p.StateMachineArn+"'")
	}
	if err != nil {
		return err
	}
	def, err := b.r.machine(b.ctx, b.q, sm.ARN, sm.RevisionID)
	if err != nil {
		return err
	}
	a, err := wire.ParseARN(sm.ARN, wire.ResourceStateMachine)
	if err != nil {
		return err
	}
	arn := wire.ExecutionARN(a.Region, a.AccountID, sm.Name, name)
	if b.entries[arn] != nil || b.r.cache[arn] != nil {
		return fail("StepFunctions.ExecutionAlreadyExistsException", "Execution Already Exists: '"+arn+"'")
	}
	if _, err := b.q.ExecutionGet(b.ctx, arn); err == nil {
		return fail("StepFunctions.ExecutionAlreadyExistsException", "Execution Already Exists: '"+arn+"'")
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	child := b.create(sm, def, arn, name, input)
	switch pattern {
	case ".sync", ".sync:2":
		v := 1
		if pattern == ".sync:2" {
			v = 2
		}
		child.snap.Parent = &parentRef{ARN: parent.row.ARN, TaskID: t.ID, Version: v}
		if parent.snap.Children == nil {
			parent.snap.Children = map[int64]string{}
		}
		parent.snap.Children[t.ID] = arn
	case "":
		out, _ := json.Marshal(map[string]any{"ExecutionArn": arn, "StartDate": b.now.UnixMilli()})
		b.queue = append(b.queue, &command{kind: cmdTask, arn: parent.row.ARN,
			ev: engine.Event{Kind: engine.EventTaskSucceeded, TaskID: t.ID, Output: out}})
	}
	b.r.stats.started.Add(1)
	return b.step(child, engine.Event{Kind: engine.EventStart}, nil)
}

// childEnded is the parent's task event for a child that ended: its
// DescribeExecution, as AWS gives it to .sync (Input and Output as text) and
// .sync:2 (as JSON).
func childEnded(child *entry, p *parentRef) *command {
	ex := child.ex()
	desc := map[string]any{
		"ExecutionArn": ex.ARN, "StateMachineArn": ex.StateMachineARN, "Name": ex.Name, "Status": string(ex.Status),
		"StartDate": ex.StartTime.UnixMilli(), "StopDate": ex.StopTime.UnixMilli(),
		"InputDetails": map[string]bool{"Included": true}, "RedriveCount": ex.RedriveCount,
	}
	if p.Version == 2 {
		desc["Input"] = json.RawMessage(ex.Input)
	} else {
		desc["Input"] = string(ex.Input)
	}
	ev := engine.Event{TaskID: p.TaskID}
	if ex.Status == engine.StatusSucceeded {
		desc["OutputDetails"] = map[string]bool{"Included": true}
		if p.Version == 2 {
			desc["Output"] = json.RawMessage(ex.Output)
		} else {
			desc["Output"] = string(ex.Output)
		}
		ev.Kind = engine.EventTaskSucceeded
		ev.Output, _ = json.Marshal(desc)
	} else {
		if ex.Error != "" {
			desc["Error"] = ex.Error
		}
		if ex.Cause != "" {
			desc["Cause"] = ex.Cause
		}
		cause, _ := json.Marshal(desc)
		ev.Kind, ev.Error, ev.Cause = engine.EventTaskFailed, asl.ErrorTaskFailed, string(cause)
	}
	return &command{kind: cmdTask, arn: p.ARN, ev: ev}
}
