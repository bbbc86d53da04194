package runner

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/dbtest"
)

const (
	region  = "us-east-1"
	account = "123456789012"
)

// harness runs a Runner on a real store until the test ends.
type harness struct {
	t      testing.TB
	st     store.Store
	r      *Runner
	stop   context.CancelFunc
	exited chan error
}

func start(t testing.TB, st store.Store, cfg Config) *harness {
	t.Helper()
	cfg.Store = st
	cfg.Region, cfg.Account = region, account
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 50 * time.Millisecond
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, st: st, r: r, stop: cancel, exited: make(chan error, 1)}
	go func() { h.exited <- r.Run(ctx) }()
	for !r.started.Load() {
		time.Sleep(time.Millisecond)
	}
	t.Cleanup(h.shutdown)
	return h
}

// shutdown stops the runner and waits for Run to return.
func (h *harness) shutdown() {
	h.stop()
	select {
	case err := <-h.exited:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
		h.exited <- nil // a second shutdown returns at once
	case <-time.After(10 * time.Second):
		h.t.Error("Run did not return within 10s of its context ending")
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func createMachine(t testing.TB, st store.Store, name, def string, typ store.StateMachineType) string {
	t.Helper()
	if typ == "" {
		typ = store.StateMachineStandard
	}
	arn := wire.StateMachineARN(region, account, name)
	now := time.Now().UTC()
	err := st.StateMachineCreate(ctx(t), &store.StateMachine{ARN: arn, Name: name, Type: typ, Definition: def,
		RoleARN: "arn:aws:iam::" + account + ":role/test", Status: store.StateMachineActive, RevisionID: "r1", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

func createActivity(t testing.TB, st store.Store, name string) string {
	t.Helper()
	arn := wire.ActivityARN(region, account, name)
	if _, err := st.ActivityCreate(ctx(t), &store.Activity{ARN: arn, Name: name, CreatedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	return arn
}

func (h *harness) startExec(name, smARN, input string) string {
	h.t.Helper()
	out, err := h.r.StartExecution(ctx(h.t), StartInput{StateMachineARN: smARN, Name: name, Input: input})
	if err != nil {
		h.t.Fatalf("StartExecution: %v", err)
	}
	return out.ExecutionARN
}

func (h *harness) wait(arn string) *store.Execution {
	h.t.Helper()
	row, err := h.r.WaitExecution(ctx(h.t), arn)
	if err != nil {
		h.t.Fatalf("WaitExecution(%s): %v", arn, err)
	}
	return row
}

// poll takes a task of the activity, failing the test when none comes.
func (h *harness) poll(act string) ActivityTask {
	h.t.Helper()
	task, err := h.r.GetActivityTask(ctx(h.t), act, "worker-1", 10*time.Second)
	if err != nil || task.Token == "" {
		h.t.Fatalf("GetActivityTask(%s) = %+v, %v; want a task", act, task, err)
	}
	return task
}

// history returns an execution's stored history, checking that it has no gap.
func history(t testing.TB, st store.Store, arn string) []store.HistoryEvent {
	t.Helper()
	evs, _, err := st.HistoryList(ctx(t), store.HistoryFilter{ExecutionARN: arn, Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range evs {
		if ev.ID != int64(i+1) {
			t.Fatalf("history of %s: event %d has id %d: the history has a gap or a duplicate", arn, i+1, ev.ID)
		}
	}
	return evs
}

// waitForEvent waits until the execution's stored history holds an event of
// the type, failing the test after ten seconds.
func waitForEvent(t testing.TB, st store.Store, arn, typ string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(types(history(t, st, arn)), typ) {
		if time.Now().After(deadline) {
			t.Fatalf("history of %s has no %s after 10s: %v", arn, typ, types(history(t, st, arn)))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func types(evs []store.HistoryEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Type
	}
	return out
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != code {
		t.Fatalf("err = %v, want a %s", err, code)
	}
}

// resources runs in-process tasks with fn and binds nothing to activities.
type resources func(ctx context.Context, t *engine.Task) (json.RawMessage, error)

func (resources) Activity(resource string) string {
	if _, err := wire.ParseARN(resource, wire.ResourceActivity); err == nil {
		return resource
	}
	return ""
}

func (fn resources) Invoke(ctx context.Context, t *engine.Task) (json.RawMessage, error) {
	return fn(ctx, t)
}

func forBackends(t *testing.T, fn func(t *testing.T, st func(testing.TB) store.Store)) {
	for _, b := range dbtest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, func(tb testing.TB) store.Store { return dbtest.Open(tb, b) })
		})
	}
}

var _ clock.Clock = (*clock.Fake)(nil)

func openSQLite(t testing.TB) store.Store { return dbtest.Open(t, "sqlite") }
