package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/clock"
)

// TaskError is a task failure with the error name and cause its resource
// reported; Retry and Catch match on Name.
type TaskError struct {
	Name  string
	Cause string
}

func (e *TaskError) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// Invoker calls the resource of a Task state. A *TaskError fails the task
// with its name; any other error fails it as States.TaskFailed.
type Invoker interface {
	Invoke(ctx context.Context, t *Task) (json.RawMessage, error)
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, t *Task) (json.RawMessage, error)

// Invoke calls fn.
func (fn InvokerFunc) Invoke(ctx context.Context, t *Task) (json.RawMessage, error) {
	return fn(ctx, t)
}

// LocalConfig configures RunLocal.
type LocalConfig struct {
	Clock     clock.Clock    // Defaults to clock.System{}.
	FastWaits bool           // Skip the waiting of Wait states, retries and timeouts: time jumps ahead.
	Rand      func() float64 // Defaults to a fixed 0.5.
	UUID      func() string  // Defaults to deterministic ids.
}

// ErrStuck is returned when an execution waits on something that cannot happen in-process.
var ErrStuck = errors.New("engine: execution is waiting on a task nobody will complete")

// RunLocal runs ex to its end in-process: tasks are invoked one at a time
// through inv, and timers wait on the clock (or are skipped with FastWaits).
// It returns the whole history. Cancelling ctx aborts the execution.
func RunLocal(ctx context.Context, sm *asl.StateMachine, ex *Execution, inv Invoker, cfg LocalConfig) ([]HistoryEvent, error) {
	clk := cfg.Clock
	if clk == nil {
		clk = clock.System{}
	}
	var skipped time.Duration
	now := func() time.Time { return clk.Now().Add(skipped) }
	env := func() Env { return Env{Now: now(), Rand: cfg.Rand, UUID: cfg.UUID} }

	var history []HistoryEvent
	var pending []Event
	apply := func(ev Event) error {
		res, err := Step(sm, ex, ev, env())
		history = append(history, res.Events...)
		if err != nil {
			return err
		}
		for _, eff := range res.Effects {
			if eff.Invoke == nil {
				continue
			}
			out, err := inv.Invoke(ctx, eff.Invoke)
			if err != nil {
				var te *TaskError
				if !errors.As(err, &te) {
					te = &TaskError{Name: asl.ErrorTaskFailed, Cause: err.Error()}
				}
				pending = append(pending, Event{Kind: EventTaskFailed, TaskID: eff.Invoke.ID, Error: te.Name, Cause: te.Cause})
				continue
			}
			pending = append(pending, Event{Kind: EventTaskSucceeded, TaskID: eff.Invoke.ID, Output: out})
		}
		return nil
	}

	if err := apply(Event{Kind: EventStart}); err != nil {
		return history, err
	}
	for ex.Status == StatusRunning {
		if len(pending) > 0 {
			ev := pending[0]
			pending = pending[1:]
			if err := apply(ev); err != nil && !errors.Is(err, ErrTaskNotPending) {
				return history, err
			}
			continue
		}
		wake := ex.NextWake()
		if wake.IsZero() {
			return history, fmt.Errorf("%w (%d pending)", ErrStuck, len(ex.PendingTasks()))
		}
		if d := wake.Sub(now()); d > 0 {
			if cfg.FastWaits {
				skipped += d
			} else {
				select {
				case <-clk.After(d):
				case <-ctx.Done():
					if err := apply(Event{Kind: EventStop, Error: "States.Aborted", Cause: context.Cause(ctx).Error()}); err != nil {
						return history, err
					}
					return history, nil
				}
			}
		}
		if err := apply(Event{Kind: EventTick}); err != nil {
			return history, err
		}
	}
	return history, nil
}
