package runner

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store"
)

// poller is a GetActivityTask call waiting for a task. The writer claims
// tasks for waiting pollers inside its transactions, so a task created in
// a batch is usually handed over in that same batch.
type poller struct {
	activity string
	worker   string
	ch       chan ActivityTask // one answer: a task, or none
	// ctx is the caller's: a worker that hung up must not be handed a
	// task, which would be lost with it.
	ctx context.Context

	mu      sync.Mutex
	busy    bool // the writer is claiming a task for it
	gone    bool // answered, or gave up
	expired bool // gave up while busy: answer none when released
}

// take marks the poller busy if it still waits.
func (p *poller) take() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone || p.busy || p.ctx.Err() != nil {
		return false
	}
	p.busy = true
	return true
}

// release ends a claim that found nothing (or was rolled back).
func (p *poller) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.busy = false
	if p.expired && !p.gone {
		p.gone = true
		p.ch <- ActivityTask{}
	}
}

func (p *poller) grant(t ActivityTask) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.busy, p.gone = false, true
	p.ch <- t
}

// leave gives up waiting; false means the writer is handing it a task or
// none right now, to be read from ch.
func (p *poller) leave() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone {
		return false
	}
	if p.busy {
		p.expired = true
		return false
	}
	p.gone = true
	return true
}

func (p *poller) waiting() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.gone
}

// MaxActivityWait is the longest GetActivityTask waits, as on AWS.
const MaxActivityWait = 60 * time.Second

// GetActivityTask hands the oldest waiting task of the activity to worker,
// waiting up to wait (at most MaxActivityWait) for one; an empty Token means
// none came.
func (r *Runner) GetActivityTask(ctx context.Context, activityARN, worker string, wait time.Duration) (ActivityTask, error) {
	if _, err := wire.ParseARN(activityARN, wire.ResourceActivity); err != nil {
		return ActivityTask{}, err
	}
	if err := r.activityExists(ctx, activityARN); err != nil {
		return ActivityTask{}, err
	}
	wait = min(max(wait, 0), MaxActivityWait)
	p := &poller{activity: activityARN, worker: worker, ch: make(chan ActivityTask, 1), ctx: ctx}
	r.mu.Lock()
	r.pollers[activityARN] = append(r.pollers[activityARN], p)
	r.pollDirty[activityARN] = true
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
	var timeout <-chan time.Time
	if wait > 0 {
		timeout = r.clk.After(wait)
	} else {
		timeout = closedTime
	}
	select {
	case t := <-p.ch:
		return t, nil
	case <-timeout:
	case <-ctx.Done():
	case <-r.done:
	}
	if p.leave() {
		return ActivityTask{}, ctx.Err()
	}
	return <-p.ch, nil
}

// activitySeen is how long the runner trusts that an activity it found
// exists, sparing busy workers a read per poll. A poll of an activity
// deleted meanwhile waits for nothing instead of failing.
const activitySeen = 2 * time.Second

func (r *Runner) activityExists(ctx context.Context, arn string) error {
	now := r.clk.Now()
	r.mu.Lock()
	seen, ok := r.activities[arn]
	r.mu.Unlock()
	if ok && now.Sub(seen) < activitySeen {
		return nil
	}
	if _, err := r.st.ActivityGet(ctx, arn); errors.Is(err, store.ErrNotFound) {
		return apiError(wire.ActivityDoesNotExist, "Activity Does Not Exist: '%s'", arn)
	} else if err != nil {
		return err
	}
	r.mu.Lock()
	if len(r.activities) > 10_000 {
		clear(r.activities)
	}
	r.activities[arn] = now
	r.mu.Unlock()
	return nil
}

// ForgetActivity drops what the runner knows of a deleted activity, so
// that polls of it fail with ActivityDoesNotExist at once on this node
// (other nodes notice within activitySeen).
func (r *Runner) ForgetActivity(arn string) {
	r.mu.Lock()
	delete(r.activities, arn)
	r.mu.Unlock()
}

var closedTime = func() <-chan time.Time {
	ch := make(chan time.Time)
	close(ch)
	return ch
}()

// claimActivities claims waiting tasks for waiting pollers of the
// activities that got tasks in this batch, that got new pollers (unless
// the runner, alone on the store, knows they have no task waiting), or all
// of them when poll is set (tasks other nodes made).
func (b *batch) claimActivities(poll bool) error {
	r := b.r
	if len(b.newTasks) > 0 {
		if err := b.writeNew(); err != nil {
			return err
		}
	}
	var acts []string
	r.mu.Lock()
	for act, ps := range r.pollers {
		if len(ps) > 0 && (poll || b.newActs[act] || r.pollDirty[act] && !r.noTasks[act]) {
			acts = append(acts, act)
		}
		delete(r.pollDirty, act)
	}
	r.mu.Unlock()
	for _, act := range acts {
		if err := b.claimFor(act); err != nil {
			return err
		}
	}
	return nil
}

func (b *batch) claimFor(act string) error {
	r := b.r
	for {
		p := r.nextPoller(act)
		if p == nil {
			return nil
		}
		for {
			task, err := b.q.ActivityTaskClaim(b.ctx, act, p.worker, b.now)
			if errors.Is(err, store.ErrNotFound) {
				if r.cfg.Exclusive {
					r.noTasks[act] = true // until this runner makes a row for it
				}
				p.release()
				return nil
			}
			if err != nil {
				p.release()
				return err
			}
			e, err := b.load(task.ExecutionARN)
			if err != nil {
				p.release()
				return err
			}
			var t *engine.Task
			if e != nil {
				t = pendingTask(e.ex(), task.TaskID)
			}
			if t == nil || e.ex().Status.Terminal() {
				b.doneTasks = append(b.doneTasks, task.Token) // left over by an execution that moved on
				continue
			}
			if err := b.step(e, engine.Event{Kind: engine.EventTaskStarted, TaskID: task.TaskID, WorkerName: p.worker}, t); err != nil {
				p.release()
				return err
			}
			b.grants = append(b.grants, grant{p: p, task: ActivityTask{Token: task.Token, Input: task.Input}})
			break
		}
	}
}

// nextPoller takes the first waiting poller of the activity.
func (r *Runner) nextPoller(act string) *poller {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.pollers[act] {
		if p.take() {
			return p
		}
	}
	return nil
}

// prunePollers forgets pollers that were answered or gave up.
func (r *Runner) prunePollers() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for act, ps := range r.pollers {
		kept := ps[:0]
		for _, p := range ps {
			if p.waiting() {
				kept = append(kept, p)
			}
		}
		clear(ps[len(kept):])
		if len(kept) == 0 {
			delete(r.pollers, act)
		} else {
			r.pollers[act] = kept
		}
	}
}
