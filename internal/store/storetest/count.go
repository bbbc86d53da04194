package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/store"
)

func testExecutionCounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.ExecutionCounts(ctx)
	if err != nil {
		t.Fatalf("ExecutionCounts on an empty store: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("ExecutionCounts on an empty store = %v, want none", got)
	}

	statuses := map[string]store.ExecutionStatus{
		"a": store.ExecutionRunning, "b": store.ExecutionRunning, "c": store.ExecutionRunning,
		"d": store.ExecutionSucceeded, "e": store.ExecutionSucceeded,
		"f": store.ExecutionFailed,
		"g": store.ExecutionAborted,
	}
	for name, status := range statuses {
		e := execution(name)
		e.Status = status
		if status != store.ExecutionRunning {
			e.StoppedAt = at(time.Minute)
		}
		mustCreate(t, s, e)
	}
	want := map[store.ExecutionStatus]int64{
		store.ExecutionRunning: 3, store.ExecutionSucceeded: 2, store.ExecutionFailed: 1, store.ExecutionAborted: 1,
	}
	check := func(what string) {
		t.Helper()
		got, err := s.ExecutionCounts(ctx)
		if err != nil {
			t.Fatalf("ExecutionCounts %s: %v", what, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ExecutionCounts %s (-want +got):\n%s", what, diff)
		}
	}
	check("after creating seven")

	// A save that ends an execution moves it from one count to another,
	// also as seen inside a transaction.
	e := mustGet(t, s, execARN("a"))
	e.Status, e.StoppedAt = store.ExecutionTimedOut, at(2*time.Minute)
	err = s.InTx(ctx, func(q store.Queries) error {
		if err := q.ExecutionSave(ctx, e); err != nil {
			return err
		}
		got, err := q.ExecutionCounts(ctx)
		if err != nil {
			return err
		}
		if got[store.ExecutionRunning] != 2 || got[store.ExecutionTimedOut] != 1 {
			t.Errorf("ExecutionCounts inside the transaction = %v, want 2 RUNNING and 1 TIMED_OUT", got)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	want[store.ExecutionRunning], want[store.ExecutionTimedOut] = 2, 1
	check("after one timed out")
}
