package runner

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store"
)

// batch is one transaction's worth of work.
type batch struct {
	r   *Runner
	ctx context.Context
	q   store.Queries
	now time.Time

	entries map[string]*entry
	order   []*entry
	// versions are the stored versions of the cached executions the
	// batch's commands name, read at once (with other nodes on the store).
	versions map[string]int64
	queue    []*command
	answers  []answer

	newTasks    []store.Task
	doneTasks   []string // activity task tokens to delete
	newActs     map[string]bool
	grants      []grant
	invocations []invocation
	cancels     []string // in-flight invocation keys
	finished    []*entry
	polled      bool
}

type answer struct {
	c   *command
	res result
}

type grant struct {
	p    *poller
	task ActivityTask
}

type invocation struct {
	arn  string
	task *engine.Task
}

// conflictError aborts a batch: an execution moved under it. Every command
// is tried again with fresh rows.
type conflictError struct{ err error }

func (e *conflictError) Error() string { return "runner: conflict: " + e.err.Error() }
func (e *conflictError) Unwrap() error { return e.err }

const maxTries = 20

// process runs cmds in one transaction. claimDue claims due executions;
// poll also tries every activity's waiting pollers and, with other nodes
// on the store, takes over claims that ran out.
func (r *Runner) process(ctx context.Context, cmds []*command, claimDue, poll bool) {
	r.transact(ctx, cmds, claimDue, poll, time.Time{})
}

// claimExpired takes over the claims that ran out by at, and returns how
// many it took.
func (r *Runner) claimExpired(ctx context.Context, at time.Time) (int, error) {
	return r.transact(ctx, nil, false, false, at)
}

func (r *Runner) transact(ctx context.Context, cmds []*command, claimDue, poll bool, expiredAt time.Time) (int, error) {
	b := &batch{r: r, ctx: context.WithoutCancel(ctx), now: r.clk.Now(), entries: map[string]*entry{}, newActs: map[string]bool{}}
	taken := 0
	err := r.st.InTx(b.ctx, func(q store.Queries) error {
		b.q = q
		if claimDue {
			if err := b.claimDue(); err != nil {
				return err
			}
		}
		if !expiredAt.IsZero() || (poll && !r.cfg.Exclusive) {
			at := expiredAt
			if at.IsZero() {
				at = b.now
			}
			n, err := b.claimExpired(at)
			if err != nil {
				return err
			}
			taken = n
		}
		if !r.cfg.Exclusive {
			if err := b.readVersions(cmds); err != nil {
				return err
			}
		}
		b.queue = append(b.queue, cmds...)
		for i, first := 0, true; ; first = false {
			for ; i < len(b.queue); i++ {
				if err := b.apply(b.queue[i]); err != nil {
					return err
				}
			}
			n := len(b.queue)
			b.polled = b.polled || poll
			if err := b.claimActivities(poll && first); err != nil {
				return err
			}
			if len(b.queue) == n {
				break
			}
		}
		return b.flush()
	})
	if err != nil {
		r.failed(b, cmds, err)
		return 0, err
	}
	r.committed(b)
	return taken, nil
}

// --- loading ---

func (b *batch) touch(e *entry) {
	if !e.touched {
		e.touched = true
		b.entries[e.row.ARN] = e
		b.order = append(b.order, e)
	}
}

// readVersions reads, in one query, the stored versions of the cached
// executions the commands name, so that load need not read their rows to
// know they are current.
func (b *batch) readVersions(cmds []*command) error {
	var arns []string
	for _, c := range cmds {
		if c.kind != cmdStart && c.kind != cmdRenew && b.entries[c.arn] == nil && b.r.cache[c.arn] != nil {
			arns = append(arns, c.arn)
		}
	}
	if len(arns) == 0 {
		return nil
	}
	versions, err := b.q.ExecutionVersions(b.ctx, arns...)
	if err != nil {
		return err
	}
	b.versions = versions
	return nil
}

// load returns the execution, or nil when there is none.
func (b *batch) load(arn string) (*entry, error) {
	if e := b.entries[arn]; e != nil {
		return e, nil
	}
	e := b.r.cache[arn]
	// A runner alone on its store trusts its cache; one of several reads
	// the row, since another node may have moved the execution, and keeps
	// the cached entry only while it is current: when the version read at
	// the batch's start says so, without reading the row.
	if e != nil && !b.r.cfg.Exclusive {
		if v, ok := b.versions[arn]; ok && v == e.row.Version {
			b.touch(e)
			return e, nil
		}
	}
	if e == nil || !b.r.cfg.Exclusive {
		row, err := b.q.ExecutionGet(b.ctx, arn)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if e == nil || e.row.Version != row.Version {
			if e, err = b.fromRow(row); err != nil {
				return nil, err
			}
		}
	}
	b.touch(e)
	return e, nil
}

func (b *batch) fromRow(row *store.Execution) (*entry, error) {
	e, err := decodeEntry(row)
	if err != nil {
		return nil, err
	}
	if e.sm, err = b.r.machine(b.ctx, b.q, row.StateMachineARN, row.RevisionID); err != nil {
		return nil, err
	}
	return e, nil
}

// adopt takes a row the batch just claimed: the cached entry when it is
// only the claim behind, else the row decoded afresh.
func (b *batch) adopt(row *store.Execution) (*entry, error) {
	e := b.entries[row.ARN]
	if e == nil {
		e = b.r.cache[row.ARN]
	}
	if e != nil && e.row.Version == row.Version-1 {
		e.row.Version, e.row.Owner, e.row.LeaseUntil = row.Version, row.Owner, row.LeaseUntil
	} else {
		if e != nil && e.touched {
			return nil, &conflictError{fmt.Errorf("execution %s changed while claimed", row.ARN)}
		}
		var err error
		if e, err = b.fromRow(row); err != nil {
			return nil, err
		}
	}
	b.touch(e)
	e.dirty = true // saving releases the claim unless a task runs here
	return e, nil
}

func (b *batch) claimDue() error {
	r := b.r
	rows, err := b.q.ExecutionClaimDue(b.ctx, b.now, r.cfg.NodeID, b.now.Add(r.cfg.Lease), r.cfg.MaxBatch)
	if err != nil {
		return err
	}
	for _, row := range rows {
		if _, err := b.adopt(row); err != nil {
			return err
		}
		b.queue = append(b.queue, &command{kind: cmdTick, arn: row.ARN})
	}
	return nil
}

func (b *batch) claimExpired(at time.Time) (int, error) {
	r := b.r
	rows, err := b.q.ExecutionClaimExpired(b.ctx, at, r.cfg.NodeID, b.now.Add(r.cfg.Lease), r.cfg.MaxBatch)
	if err != nil {
		return 0, err
	}
	for _, row := range rows {
		e, err := b.adopt(row)
		if err != nil {
			return 0, err
		}
		for _, t := range e.ex().PendingTasks() {
			if r.inProcess(t) && !r.isInflight(row.ARN, t.ID) {
				r.log.Info("invoking a task again after its node stopped", "execution_arn", row.ARN, "task_id", t.ID, "resource", t.Resource)
				b.invocations = append(b.invocations, invocation{arn: row.ARN, task: t})
			}
		}
		if w := e.ex().NextWake(); !w.IsZero() && !w.After(b.now) {
			b.queue = append(b.queue, &command{kind: cmdTick, arn: row.ARN})
		}
	}
	return len(rows), nil
}

// --- applying commands ---

func (b *batch) answer(c *command, res result) {
	if c.reply != nil {
		b.answers = append(b.answers, answer{c, res})
	}
}

func (b *batch) apply(c *command) error {
	if c.kind == cmdStart {
		return b.applyStart(c)
	}
	if c.kind == cmdRenew {
		return b.applyRenew(c)
	}
	e, err := b.load(c.arn)
	if err != nil {
		return err
	}
	if e == nil {
		switch {
		case c.token != nil:
			b.answer(c, result{err: errInvalidToken(c.arn)})
		case c.reply != nil:
			b.answer(c, result{err: apiError(wire.ExecutionDoesNotExist, "Execution Does Not Exist: '%s'", c.arn)})
		}
		return nil
	}
	e.cmds = append(e.cmds, c)
	ex := e.ex()
	switch c.kind {
	case cmdTask:
		if c.token != nil && !c.token.verify(e.snap.Key) {
			b.answer(c, result{err: apiError(wire.InvalidToken, "Invalid Token: the token was not issued for this task")})
			return nil
		}
		t := pendingTask(ex, c.ev.TaskID)
		if ex.Status.Terminal() || t == nil {
			b.answer(c, result{err: apiError(wire.TaskTimedOut, "Task Timed Out: the task is no longer awaited")})
			return nil
		}
		if err := b.step(e, c.ev, t); err != nil {
			return err
		}
		b.answer(c, result{})
	case cmdStop:
		if ex.Status.Terminal() {
			b.answer(c, result{date: ex.StopTime})
			return nil
		}
		if err := b.step(e, c.ev, nil); err != nil {
			return err
		}
		b.answer(c, result{date: b.now})
	case cmdRedrive:
		if !ex.Redrivable() {
			b.answer(c, result{err: apiError(wire.ExecutionNotRedrivable, "Execution is not redrivable: '%s' is %s", c.arn, ex.Status)})
			return nil
		}
		if err := b.step(e, c.ev, nil); err != nil {
			return err
		}
		e.row.RedriveDate = b.now
		b.answer(c, result{date: b.now})
	case cmdTick:
		if ex.Status.Terminal() {
			return nil
		}
		if late := ex.NextWake(); !late.IsZero() && !late.After(b.now) {
			b.r.stats.fired.Add(1)
			b.r.stats.timerLag.Add(int64(b.now.Sub(late)))
		}
		return b.step(e, engine.Event{Kind: engine.EventTick}, nil)
	}
	return nil
}

func (b *batch) applyRenew(c *command) error {
	r := b.r
	row, err := b.q.ExecutionClaim(b.ctx, c.arn, r.cfg.NodeID, b.now, b.now.Add(r.cfg.Lease))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if errors.Is(err, store.ErrConflict) {
		r.log.Warn("lost the claim on an execution while its task ran", "execution_arn", c.arn)
		if e := b.entries[c.arn]; e != nil {
			return &conflictError{err}
		}
		delete(r.cache, c.arn)
		return nil
	}
	if err != nil {
		return err
	}
	_, err = b.adopt(row)
	return err
}

func (b *batch) applyStart(c *command) error {
	s := c.start
	a, err := wire.ParseARN(s.sm.ARN, wire.ResourceStateMachine)
	if err != nil {
		return err
	}
	arn := wire.ExecutionARN(a.Region, a.AccountID, s.sm.Name, s.name)
	var existing *store.Execution
	if e := b.entries[arn]; e != nil {
		existing = e.row
	} else if e := b.r.cache[arn]; e != nil {
		existing = e.row
	} else {
		row, err := b.q.ExecutionGet(b.ctx, arn)
		switch {
		case err == nil:
			existing = row
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	if existing != nil {
		if existing.Status == store.ExecutionRunning && string(existing.Input) == s.input && existing.StateMachineARN == s.sm.ARN {
			b.answer(c, result{arn: arn, date: existing.StartedAt})
		} else {
			b.answer(c, result{err: apiError(wire.ExecutionAlreadyExists, "Execution Already Exists: '%s'", arn)})
		}
		return nil
	}
	e := b.create(s.sm, s.asl, arn, s.name, s.input)
	e.cmds = append(e.cmds, c)
	b.r.stats.started.Add(1)
	if err := b.step(e, engine.Event{Kind: engine.EventStart}, nil); err != nil {
		return err
	}
	b.answer(c, result{arn: arn, date: b.now})
	return nil
}

// create makes a new execution in the batch.
func (b *batch) create(sm *store.StateMachine, def *asl.StateMachine, arn, name, input string) *entry {
	ex := engine.NewExecution(arn, name, sm.ARN, sm.Name, []byte(input), b.now)
	ex.RoleARN = sm.RoleARN
	key := make([]byte, 32)
	rand.Read(key)
	e := &entry{
		row: &store.Execution{ARN: arn, Name: name, StateMachineARN: sm.ARN, RevisionID: sm.RevisionID,
			Input: []byte(input), StartedAt: b.now, Status: store.ExecutionRunning},
		snap:    snapshot{Key: key, Ex: ex},
		created: true,
	}
	e.sm = def
	b.touch(e)
	return e
}

// step feeds one event to the execution and collects what follows. t is
// the task the event is for, if any.
func (b *batch) step(e *entry, ev engine.Event, t *engine.Task) error {
	r := b.r
	ex := e.ex()
	wasRunning := !ex.Status.Terminal()
	wake := ex.NextWake()
	key := e.snap.Key
	env := engine.Env{Now: b.now, Region: r.cfg.Region, Rand: r.cfg.Rand, UUID: r.cfg.UUID,
		Token: func(ex *engine.Execution, id int64) string { return makeToken(key, ex.ARN, id) }}
	res, err := engine.Step(e.sm, ex, ev, env)
	if err != nil {
		if errors.Is(err, engine.ErrTaskNotPending) || errors.Is(err, engine.ErrNotRunning) {
			return nil
		}
		return fmt.Errorf("execution %s: %w", ex.ARN, err)
	}
	r.stats.transitions.Add(1)
	e.events = append(e.events, res.Events...)
	if len(res.Events) > 0 || !ex.NextWake().Equal(wake) || ev.Kind == engine.EventTaskHeartbeat || ex.Status.Terminal() {
		e.dirty = true
	}
	if t != nil && (ev.Kind == engine.EventTaskSucceeded || ev.Kind == engine.EventTaskFailed) {
		b.taskEnded(e, t)
	}
	for _, eff := range res.Effects {
		switch {
		case eff.Invoke != nil:
			if err := b.invoke(e, eff.Invoke); err != nil {
				return err
			}
		case eff.Cancel != nil:
			b.cancel(e, eff.Cancel)
		}
	}
	if wasRunning && ex.Status.Terminal() {
		r.stats.finish(ex.Status)
		b.finished = append(b.finished, e)
		if p := e.snap.Parent; p != nil {
			b.queue = append(b.queue, childEnded(e, p))
		}
	}
	return nil
}

// taskEnded forgets a task that got its result.
func (b *batch) taskEnded(e *entry, t *engine.Task) {
	if at, ok := e.scheduled[t.ID]; ok {
		b.r.stats.completed.Add(1)
		b.r.stats.taskLatency.Add(int64(b.now.Sub(at)))
		delete(e.scheduled, t.ID)
	}
	b.dropRow(e, t)
}

// dropRow deletes the row of an activity task that was queued in the tasks table.
func (b *batch) dropRow(e *entry, t *engine.Task) {
	if e.snap.Queued[t.ID] {
		delete(e.snap.Queued, t.ID)
		b.doneTasks = append(b.doneTasks, t.Token)
	}
}

func (b *batch) invoke(e *entry, t *engine.Task) error {
	r := b.r
	r.stats.invoked.Add(1)
	if e.scheduled == nil {
		e.scheduled = map[int64]time.Time{}
	}
	e.scheduled[t.ID] = b.now
	arn := e.row.ARN
	if isStartExecution(t.Resource) {
		return b.startChild(e, t)
	}
	if act := r.activityFor(t.Resource); act != "" {
		if p := r.nextPoller(act); p != nil {
			// A worker is waiting: hand the task over in this batch. The
			// snapshot records the task as started, so it needs no row.
			b.grants = append(b.grants, grant{p: p, task: ActivityTask{Token: t.Token, Input: t.Input}})
			b.queue = append(b.queue, &command{kind: cmdTask, arn: arn,
				ev: engine.Event{Kind: engine.EventTaskStarted, TaskID: t.ID, WorkerName: p.worker}})
			return nil
		}
		if e.snap.Queued == nil {
			e.snap.Queued = map[int64]bool{}
		}
		e.snap.Queued[t.ID] = true
		b.newTasks = append(b.newTasks, store.Task{Token: t.Token, ExecutionARN: arn, TaskID: t.ID, ActivityARN: act, Input: t.Input, CreatedAt: b.now})
		b.newActs[act] = true
		delete(r.noTasks, act)
		return nil
	}
	b.invocations = append(b.invocations, invocation{arn: arn, task: t})
	return nil
}

func (b *batch) cancel(e *entry, t *engine.Task) {
	r := b.r
	delete(e.scheduled, t.ID)
	switch {
	case isStartExecution(t.Resource):
		if child, ok := e.snap.Children[t.ID]; ok {
			delete(e.snap.Children, t.ID)
			b.queue = append(b.queue, &command{kind: cmdStop, arn: child,
				ev: engine.Event{Kind: engine.EventStop, Error: "States.Aborted", Cause: "the parent execution " + e.row.ARN + " no longer waits for it"}})
		}
	case r.activityFor(t.Resource) != "":
		b.dropRow(e, t)
	default:
		b.cancels = append(b.cancels, inflightKey(e.row.ARN, t.ID))
	}
}

// --- writing ---

// sync copies e's state into its row, claimed by this node while a task
// of it runs here.
func (b *batch) sync(e *entry) error {
	r := b.r
	owner, until := "", time.Time{}
	if r.hasInProcess(e) {
		owner, until = r.cfg.NodeID, b.now.Add(r.cfg.Lease)
	}
	return e.sync(owner, until)
}

// writeNew stores the executions made so far in the batch and their
// activity tasks, so that pollers can claim the tasks in this same
// transaction. An execution that changes afterwards is saved again.
func (b *batch) writeNew() error {
	var creates []*store.Execution
	for _, e := range b.order {
		if e.created && !e.stored {
			if err := b.sync(e); err != nil {
				return err
			}
			e.stored, e.dirty = true, false
			creates = append(creates, e.row)
		}
	}
	if len(creates) > 0 {
		if err := b.q.ExecutionCreate(b.ctx, creates...); err != nil {
			if errors.Is(err, store.ErrExists) {
				return &conflictError{err}
			}
			return err
		}
	}
	if len(b.newTasks) > 0 {
		if err := b.q.TaskCreate(b.ctx, b.newTasks...); err != nil {
			return err
		}
		b.newTasks = b.newTasks[:0]
	}
	return nil
}

func (b *batch) flush() error {
	var saves []*store.Execution
	var events []store.HistoryEvent
	for _, e := range b.order {
		for _, ev := range e.events {
			events = append(events, store.HistoryEvent{ExecutionARN: e.row.ARN, ID: ev.ID, PreviousID: ev.PreviousEventID,
				Timestamp: ev.Timestamp, Type: ev.Type, Details: ev.Details})
		}
		if !e.dirty || (e.created && !e.stored) {
			continue
		}
		if err := b.sync(e); err != nil {
			return err
		}
		saves = append(saves, e.row)
	}
	if err := b.writeNew(); err != nil {
		return err
	}
	if len(saves) > 0 {
		if err := b.q.ExecutionSave(b.ctx, saves...); err != nil {
			if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
				return &conflictError{err}
			}
			return err
		}
	}
	if len(events) > 0 {
		if err := b.q.HistoryAppend(b.ctx, events...); err != nil {
			return err
		}
	}
	return b.deleteTasks(b.doneTasks)
}

// deleteTasks deletes the tokens that still have rows.
func (b *batch) deleteTasks(tokens []string) error {
	for len(tokens) > 0 {
		err := b.q.TaskDelete(b.ctx, tokens...)
		var be *store.BatchError
		if err == nil || !errors.As(err, &be) || !errors.Is(err, store.ErrNotFound) {
			return err
		}
		missing := map[string]bool{}
		for _, k := range be.Keys {
			missing[k] = true
		}
		kept := tokens[:0:0]
		for _, t := range tokens {
			if !missing[t] {
				kept = append(kept, t)
			}
		}
		if len(kept) == len(tokens) {
			return err
		}
		tokens = kept
	}
	return nil
}

// committed performs what the batch promised once it is durable.
func (r *Runner) committed(b *batch) {
	r.stats.batches.Add(1)
	for _, e := range b.order {
		r.stats.events.Add(uint64(len(e.events)))
		e.touched, e.dirty, e.created, e.stored, e.events, e.cmds = false, false, false, false, nil, nil
		if e.ex().Status.Terminal() {
			delete(r.cache, e.row.ARN)
			continue
		}
		r.cache[e.row.ARN] = e
		if !e.row.DueAt.IsZero() {
			r.heap.add(e.row.DueAt, e.row.ARN)
		}
	}
	for _, a := range b.answers {
		a.c.answer(a.res)
	}
	for _, g := range b.grants {
		g.p.grant(g.task)
	}
	if len(b.grants) > 0 || b.polled {
		r.prunePollers()
	}
	for _, key := range b.cancels {
		r.cancelInflight(key)
	}
	for _, inv := range b.invocations {
		r.startInvocation(inv)
	}
	if len(b.finished) > 0 {
		r.notifyFinished(b.finished)
	}
	r.trimCache()
}

// failed undoes the batch's effects on memory and schedules its commands
// again: all of them after a conflict, the runner's own after another error
// (callers get the error).
func (r *Runner) failed(b *batch, cmds []*command, err error) {
	for _, e := range b.order {
		delete(r.cache, e.row.ARN)
		e.touched = false
	}
	for _, g := range b.grants {
		g.p.release()
	}
	var ce *conflictError
	conflict := errors.As(err, &ce)
	if !conflict {
		r.log.Error("batch failed", "commands", len(cmds), "err", err)
	}
	for _, c := range cmds {
		c.tries++
		switch {
		case c.tries > maxTries:
			r.log.Error("giving up on a command", "execution_arn", c.arn, "kind", int(c.kind), "err", err)
			c.answer(result{err: fmt.Errorf("runner: gave up after %d tries: %w", c.tries, err)})
		case conflict || c.reply == nil:
			r.retry = append(r.retry, c)
		default:
			c.answer(result{err: err})
		}
	}
	if !conflict && len(r.retry) > 0 {
		<-r.clk.After(100 * time.Millisecond) // let the database recover before the retry
	}
}

func (r *Runner) notifyFinished(es []*entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range es {
		for _, ch := range r.waiters[e.row.ARN] {
			row := *e.row
			select {
			case ch <- &row:
			default:
			}
		}
	}
}

// maxCached bounds the executions kept in memory between steps.
const maxCached = 100_000

func (r *Runner) trimCache() {
	for arn, e := range r.cache {
		if len(r.cache) <= maxCached {
			return
		}
		if !r.hasInProcess(e) {
			delete(r.cache, arn)
		}
	}
}
