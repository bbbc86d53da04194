package runner

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/dbtest"
)

// claimCounter counts transactions and the ActivityTaskClaim queries run
// in them.
type claimCounter struct {
	store.Store
	txs, claims atomic.Int64
}

func (c *claimCounter) InTx(ctx context.Context, fn func(q store.Queries) error) error {
	c.txs.Add(1)
	return c.Store.InTx(ctx, func(q store.Queries) error { return fn(countedQueries{q, c}) })
}

type countedQueries struct {
	store.Queries
	c *claimCounter
}

func (q countedQueries) ActivityTaskClaim(ctx context.Context, activityARN, worker string, now time.Time) (*store.Task, error) {
	q.c.claims.Add(1)
	return q.Queries.ActivityTaskClaim(ctx, activityARN, worker, now)
}

// TestPollersOfAnActivityWithoutTasks: a runner alone on its store looks
// for an activity's waiting tasks once, not for every poller that comes
// while it knows there are none (nor runs a transaction for them); a task
// row it makes later is still handed to the next poller at once, without
// waiting for the poll interval (the fake clock never reaches it).
func TestPollersOfAnActivityWithoutTasks(t *testing.T) {
	t.Parallel()
	st := &claimCounter{Store: dbtest.Open(t, "sqlite")}
	act := createActivity(t, st, "notify")
	sm := createMachine(t, st, "notify", `{"StartAt":"N","States":{"N":{"Type":"Task","Resource":"`+act+`","End":true}}}`, "")
	clk := clock.NewFake(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	h := start(t, st, Config{Clock: clk, Exclusive: true})

	pollers := func() int {
		h.r.mu.Lock()
		defer h.r.mu.Unlock()
		n := 0
		for _, p := range h.r.pollers[act] {
			if p.waiting() {
				n++
			}
		}
		return n
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s after 10s", what)
			}
		}
	}
	// roundTrip sends a command through the writer and waits for its
	// answer: every poller that came before was seen by a transaction.
	roundTrip := func() {
		t.Helper()
		_, err := h.r.StopExecution(ctx(t), "arn:aws:states:us-east-1:123456789012:execution:notify:none", "", "")
		if err == nil {
			t.Fatal("StopExecution of no execution succeeded")
		}
	}
	var done []chan ActivityTask
	var cancels []context.CancelFunc
	poll := func(worker string) {
		pctx, cancel := context.WithCancel(ctx(t))
		ch := make(chan ActivityTask, 1)
		go func() {
			task, _ := h.r.GetActivityTask(pctx, act, worker, time.Minute)
			ch <- task
		}()
		done, cancels = append(done, ch), append(cancels, cancel)
	}

	poll("w1")
	waitFor("query for the first poller", func() bool { return st.claims.Load() == 1 })
	roundTrip()
	txs := st.txs.Load()
	for i, worker := range []string{"w2", "w3"} {
		poll(worker)
		waitFor("poller waiting", func() bool { return pollers() == i+2 })
		roundTrip()
	}
	if n := st.claims.Load(); n != 1 {
		t.Errorf("%d ActivityTaskClaim queries for three pollers of an activity without tasks, want 1", n)
	}
	if n := st.txs.Load() - txs; n > 2 {
		t.Errorf("%d transactions for two pollers and two StopExecution calls, want those of the calls", n)
	}
	for i, cancel := range cancels {
		cancel()
		if task := <-done[i]; task.Token != "" {
			t.Fatalf("a poller of an idle activity got task %+v", task)
		}
	}

	// No poller waits: the task gets a row, and the next poller gets it.
	arn := h.startExec("e1", sm, `{"n":1}`)
	if tasks, err := st.TaskList(ctx(t), arn); err != nil || len(tasks) != 1 {
		t.Fatalf("task rows = %v, %v; want the one of the task nobody polled", tasks, err)
	}
	task := h.poll(act)
	if err := h.r.SendTaskSuccess(ctx(t), task.Token, `{"sent":true}`); err != nil {
		t.Fatal(err)
	}
	if row := h.wait(arn); row.Status != store.ExecutionSucceeded {
		t.Errorf("execution %s, want SUCCEEDED", row.Status)
	}
}

// loadCounter counts, in transactions, the rows read by ExecutionGet and
// the saves refused because the execution moved.
type loadCounter struct {
	store.Store
	gets, conflicts atomic.Int64
}

func (c *loadCounter) InTx(ctx context.Context, fn func(q store.Queries) error) error {
	return c.Store.InTx(ctx, func(q store.Queries) error { return fn(loadCounted{q, c}) })
}

type loadCounted struct {
	store.Queries
	c *loadCounter
}

func (q loadCounted) ExecutionGet(ctx context.Context, arn string) (*store.Execution, error) {
	q.c.gets.Add(1)
	return q.Queries.ExecutionGet(ctx, arn)
}

func (q loadCounted) ExecutionSave(ctx context.Context, execs ...*store.Execution) error {
	err := q.Queries.ExecutionSave(ctx, execs...)
	if errors.Is(err, store.ErrConflict) {
		q.c.conflicts.Add(1)
	}
	return err
}

// TestRunnersReadRowsOnlyWhenMoved: a runner among others on the store
// keeps stepping an execution from memory while its stored version says
// no one moved it, and reads the row again (before stepping, not after a
// refused save) when another runner did.
func TestRunnersReadRowsOnlyWhenMoved(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB) store.Store) {
		st := &loadCounter{Store: open(t)}
		act := createActivity(t, st, "step")
		sm := createMachine(t, st, "moves", `{"StartAt":"One","States":{
			"One":{"Type":"Task","Resource":"`+act+`","ResultPath":"$.one","Next":"Two"},
			"Two":{"Type":"Task","Resource":"`+act+`","ResultPath":"$.two","Next":"Three"},
			"Three":{"Type":"Task","Resource":"`+act+`","ResultPath":"$.three","End":true}}}`, "")
		a := start(t, st, Config{NodeID: "a"})
		b := start(t, st, Config{NodeID: "b"})

		arn := a.startExec("e1", sm, `{}`)
		one := a.poll(act) // a has the execution in memory
		gets := st.gets.Load()
		if err := a.r.SendTaskSuccess(ctx(t), one.Token, `1`); err != nil {
			t.Fatal(err)
		}
		if n := st.gets.Load() - gets; n != 0 {
			t.Errorf("a read the row %d times to step an execution no one moved, want 0", n)
		}
		two := a.poll(act)
		if err := b.r.SendTaskSuccess(ctx(t), two.Token, `2`); err != nil { // b moves it
			t.Fatal(err)
		}
		three := b.poll(act)
		gets = st.gets.Load()
		if err := a.r.SendTaskSuccess(ctx(t), three.Token, `3`); err != nil { // a's memory is behind
			t.Fatal(err)
		}
		if n := st.gets.Load() - gets; n != 1 {
			t.Errorf("a read the row %d times to step an execution b moved, want 1", n)
		}
		if n := st.conflicts.Load(); n != 0 {
			t.Errorf("%d saves refused as conflicts, want none", n)
		}
		row := a.wait(arn)
		if row.Status != store.ExecutionSucceeded || string(row.Output) != `{"one":1,"three":3,"two":2}` {
			t.Errorf("execution = %s %s", row.Status, row.Output)
		}
	})
}
