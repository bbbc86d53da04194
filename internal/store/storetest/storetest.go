// Package storetest is the behavioural suite every store.Store passes.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/paystep/paystep/internal/store"
)

// Run runs the suite. Each test calls open for a store of its own, empty and
// migrated, which open closes in t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"StateMachineCreateGet", testStateMachineCreateGet},
		{"StateMachineUpdate", testStateMachineUpdate},
		{"StateMachineDelete", testStateMachineDelete},
		{"StateMachineList", testStateMachineList},
		{"ExecutionCreateGet", testExecutionCreateGet},
		{"ExecutionCreateBatchExists", testExecutionCreateBatchExists},
		{"ExecutionList", testExecutionList},
		{"ExecutionVersions", testExecutionVersions},
		{"ExecutionListUnsuccessful", testExecutionListUnsuccessful},
		{"ExecutionSave", testExecutionSave},
		{"ExecutionSaveConflict", testExecutionSaveConflict},
		{"ExecutionSaveConcurrent", testExecutionSaveConcurrent},
		{"ExecutionClaimDue", testExecutionClaimDue},
		{"ExecutionClaimDueConcurrent", testExecutionClaimDueConcurrent},
		{"ExecutionClaimExpired", testExecutionClaimExpired},
		{"ExecutionClaim", testExecutionClaim},
		{"ExecutionRelease", testExecutionRelease},
		{"ExecutionCounts", testExecutionCounts},
		{"HistoryAppendList", testHistoryAppendList},
		{"HistoryAppendErrors", testHistoryAppendErrors},
		{"Task", testTask},
		{"TaskErrors", testTaskErrors},
		{"ActivityTaskClaim", testActivityTaskClaim},
		{"ActivityTaskClaimConcurrent", testActivityTaskClaimConcurrent},
		{"Activity", testActivity},
		{"Tags", testTags},
		{"InTxCommit", testInTxCommit},
		{"InTxHistoryOfWrittenExecutions", testInTxHistoryOfWrittenExecutions},
		{"InTxRollback", testInTxRollback},
		{"InTxPanic", testInTxPanic},
		{"InTxUsableAfterErrors", testInTxUsableAfterErrors},
		{"GroupCommit", testGroupCommit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// t0 has nanoseconds, which the store truncates to microseconds.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)

// at is t0 plus d, truncated as the store keeps it.
func at(d time.Duration) time.Time { return t0.Add(d).Truncate(time.Microsecond) }

const (
	smARN  = "arn:aws:states:us-east-1:123456789012:stateMachine:Pay"
	actARN = "arn:aws:states:us-east-1:123456789012:activity:Approve"
)

func execARN(name string) string {
	return "arn:aws:states:us-east-1:123456789012:execution:Pay:" + name
}

var opts = []cmp.Option{cmpopts.EquateEmpty()}

func stateMachine(name string) *store.StateMachine {
	return &store.StateMachine{
		ARN:         "arn:aws:states:us-east-1:123456789012:stateMachine:" + name,
		Name:        name,
		Type:        store.StateMachineStandard,
		Definition:  `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		RoleARN:     "arn:aws:iam::123456789012:role/" + name,
		Description: "pays " + name,
		Status:      store.StateMachineActive,
		RevisionID:  "rev-1",
		CreatedAt:   t0,
		UpdatedAt:   t0,
	}
}

func execution(name string) *store.Execution {
	return &store.Execution{
		ARN:             execARN(name),
		Name:            name,
		StateMachineARN: smARN,
		RevisionID:      "rev-1",
		Input:           []byte(`{"name":"` + name + `"}`),
		StartedAt:       t0,
		Status:          store.ExecutionRunning,
		State:           []byte(`{"Frames":{}}`),
	}
}

// truncated returns a copy of e with its times as the store keeps them.
func truncated(e *store.Execution) *store.Execution {
	c := *e
	for _, p := range []*time.Time{&c.StartedAt, &c.StoppedAt, &c.DueAt, &c.LeaseUntil, &c.RedriveDate} {
		*p = p.Truncate(time.Microsecond)
	}
	return &c
}

func mustCreate(t *testing.T, s store.Store, execs ...*store.Execution) {
	t.Helper()
	if err := s.ExecutionCreate(t.Context(), execs...); err != nil {
		t.Fatalf("ExecutionCreate: %v", err)
	}
}

func mustGet(t *testing.T, s store.Queries, arn string) *store.Execution {
	t.Helper()
	e, err := s.ExecutionGet(t.Context(), arn)
	if err != nil {
		t.Fatalf("ExecutionGet(%q): %v", arn, err)
	}
	return e
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s = %v, want %v", what, err, want)
	}
}

func wantBatchError(t *testing.T, what string, err, want error, keys ...string) {
	t.Helper()
	wantErr(t, what, err, want)
	var be *store.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("%s = %v (%T), want a *store.BatchError", what, err, err)
	}
	if diff := cmp.Diff(keys, be.Keys); diff != "" {
		t.Errorf("%s: BatchError keys (-want +got):\n%s", what, diff)
	}
}

func testStateMachineCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	sm := stateMachine("Pay")
	if err := s.StateMachineCreate(ctx, sm); err != nil {
		t.Fatalf("StateMachineCreate: %v", err)
	}
	got, err := s.StateMachineGet(ctx, sm.ARN)
	if err != nil {
		t.Fatalf("StateMachineGet: %v", err)
	}
	want := *sm
	want.CreatedAt, want.UpdatedAt = at(0), at(0)
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("StateMachineGet (-want +got):\n%s", diff)
	}
	rev, err := s.StateMachineRevisionGet(ctx, sm.ARN, "rev-1")
	if err != nil {
		t.Fatalf("StateMachineRevisionGet: %v", err)
	}
	wantRev := &store.StateMachineRevision{StateMachineARN: sm.ARN, RevisionID: "rev-1", Definition: sm.Definition, RoleARN: sm.RoleARN, CreatedAt: at(0)}
	if diff := cmp.Diff(wantRev, rev); diff != "" {
		t.Errorf("StateMachineRevisionGet (-want +got):\n%s", diff)
	}

	sameName := stateMachine("Pay")
	sameName.ARN += "-other"
	wantErr(t, "StateMachineCreate(same name)", s.StateMachineCreate(ctx, sameName), store.ErrExists)
	sameARN := stateMachine("Pay")
	sameARN.Name = "Other"
	wantErr(t, "StateMachineCreate(same ARN)", s.StateMachineCreate(ctx, sameARN), store.ErrExists)
	if _, err := s.StateMachineGet(ctx, sameName.ARN); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("StateMachineGet(rejected machine) = %v, want ErrNotFound", err)
	}
	_, err = s.StateMachineGet(ctx, sm.ARN+"x")
	wantErr(t, "StateMachineGet(missing)", err, store.ErrNotFound)
	_, err = s.StateMachineRevisionGet(ctx, sm.ARN, "rev-2")
	wantErr(t, "StateMachineRevisionGet(missing)", err, store.ErrNotFound)
}

func testStateMachineUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	sm := stateMachine("Pay")
	if err := s.StateMachineCreate(ctx, sm); err != nil {
		t.Fatalf("StateMachineCreate: %v", err)
	}
	u := &store.StateMachineUpdate{
		ARN:          sm.ARN,
		RevisionID:   "rev-2",
		Definition:   `{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}`,
		RoleARN:      sm.RoleARN + "-2",
		Description:  "pays better",
		UpdatedAt:    t0.Add(time.Hour),
		IfRevisionID: "rev-1",
	}
	got, err := s.StateMachineUpdate(ctx, u)
	if err != nil {
		t.Fatalf("StateMachineUpdate: %v", err)
	}
	want := &store.StateMachine{
		ARN: sm.ARN, Name: sm.Name, Type: sm.Type, Definition: u.Definition, RoleARN: u.RoleARN, Description: u.Description,
		Status: store.StateMachineActive, RevisionID: "rev-2", CreatedAt: at(0), UpdatedAt: at(time.Hour),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StateMachineUpdate (-want +got):\n%s", diff)
	}
	if got, err := s.StateMachineGet(ctx, sm.ARN); err != nil || !cmp.Equal(want, got) {
		t.Errorf("StateMachineGet after update = %+v, %v; want %+v", got, err, want)
	}
	for rev, def := range map[string]string{"rev-1": sm.Definition, "rev-2": u.Definition} {
		r, err := s.StateMachineRevisionGet(ctx, sm.ARN, rev)
		if err != nil || r.Definition != def {
			t.Errorf("StateMachineRevisionGet(%q) = %+v, %v; want definition %s", rev, r, err, def)
		}
	}

	stale := *u
	stale.RevisionID = "rev-3"
	_, err = s.StateMachineUpdate(ctx, &stale) // IfRevisionID is still rev-1
	wantErr(t, "StateMachineUpdate(stale IfRevisionID)", err, store.ErrConflict)
	again := *u
	again.IfRevisionID = ""
	_, err = s.StateMachineUpdate(ctx, &again) // rev-2 again
	wantErr(t, "StateMachineUpdate(existing revision)", err, store.ErrExists)
	if got, err := s.StateMachineGet(ctx, sm.ARN); err != nil || !cmp.Equal(want, got) {
		t.Errorf("StateMachineGet after refused updates = %+v, %v; want %+v", got, err, want)
	}
	_, err = s.StateMachineRevisionGet(ctx, sm.ARN, "rev-3")
	wantErr(t, "StateMachineRevisionGet(refused revision)", err, store.ErrNotFound)
	missing := *u
	missing.ARN += "x"
	_, err = s.StateMachineUpdate(ctx, &missing)
	wantErr(t, "StateMachineUpdate(missing)", err, store.ErrNotFound)
}

func testStateMachineDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	sm := stateMachine("Pay")
	if err := s.StateMachineCreate(ctx, sm); err != nil {
		t.Fatalf("StateMachineCreate: %v", err)
	}
	if err := s.TagsPut(ctx, sm.ARN, map[string]string{"team": "payments"}); err != nil {
		t.Fatalf("TagsPut: %v", err)
	}
	mustCreate(t, s, execution("a"))
	if err := s.StateMachineSetStatus(ctx, sm.ARN, store.StateMachineDeleting); err != nil {
		t.Fatalf("StateMachineSetStatus: %v", err)
	}
	if got, err := s.StateMachineGet(ctx, sm.ARN); err != nil || got.Status != store.StateMachineDeleting {
		t.Fatalf("StateMachineGet after SetStatus = %+v, %v; want status DELETING", got, err)
	}
	wantErr(t, "StateMachineSetStatus(missing)", s.StateMachineSetStatus(ctx, sm.ARN+"x", store.StateMachineDeleting), store.ErrNotFound)

	if err := s.StateMachineDelete(ctx, sm.ARN); err != nil {
		t.Fatalf("StateMachineDelete: %v", err)
	}
	_, err := s.StateMachineGet(ctx, sm.ARN)
	wantErr(t, "StateMachineGet(deleted)", err, store.ErrNotFound)
	_, err = s.StateMachineRevisionGet(ctx, sm.ARN, "rev-1")
	wantErr(t, "StateMachineRevisionGet(deleted)", err, store.ErrNotFound)
	if tags, err := s.TagsList(ctx, sm.ARN); err != nil || len(tags) != 0 {
		t.Errorf("TagsList(deleted) = %v, %v; want none", tags, err)
	}
	mustGet(t, s, execARN("a")) // executions outlive their machine
	wantErr(t, "StateMachineDelete(again)", s.StateMachineDelete(ctx, sm.ARN), store.ErrNotFound)
	if err := s.StateMachineCreate(ctx, sm); err != nil {
		t.Errorf("StateMachineCreate(name of a deleted machine): %v", err)
	}
}

func testStateMachineList(t *testing.T, s store.Store) {
	ctx := t.Context()
	if got, next, err := s.StateMachineList(ctx, "", 0); err != nil || len(got) != 0 || next != "" {
		t.Fatalf("StateMachineList(empty) = %v, %q, %v", got, next, err)
	}
	var want []string
	for _, name := range []string{"g", "c", "a", "f", "b", "e", "d"} {
		if err := s.StateMachineCreate(ctx, stateMachine(name)); err != nil {
			t.Fatalf("StateMachineCreate: %v", err)
		}
		want = append(want, name)
	}
	slices.Sort(want)
	var got []string
	var sizes []int
	cur := ""
	for range 10 {
		page, next, err := s.StateMachineList(ctx, cur, 3)
		if err != nil {
			t.Fatalf("StateMachineList(%q): %v", cur, err)
		}
		sizes = append(sizes, len(page))
		for _, sm := range page {
			got = append(got, sm.Name)
			if sm.Definition != "" || sm.ARN == "" || sm.RevisionID != "rev-1" || !sm.CreatedAt.Equal(at(0)) {
				t.Errorf("StateMachineList item = %+v, want all but the definition", sm)
			}
		}
		if cur = next; cur == "" {
			break
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StateMachineList names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{3, 3, 1}, sizes); diff != "" {
		t.Errorf("StateMachineList page sizes (-want +got):\n%s", diff)
	}
	if page, next, err := s.StateMachineList(ctx, "", 7); err != nil || len(page) != 7 || next != "" {
		t.Errorf("StateMachineList(limit 7) = %d items, %q, %v; want 7, no cursor", len(page), next, err)
	}
	_, _, err := s.StateMachineList(ctx, "%%garbage", 3)
	wantErr(t, "StateMachineList(bad cursor)", err, store.ErrInvalidCursor)
}

func testExecutionCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := execution("a")
	e.StartedAt = t0
	e.DueAt = t0.Add(time.Second)
	e.Owner = "node-1"
	e.LeaseUntil = t0.Add(time.Minute)
	e.LastEventID = 3
	e.RedriveCount = 2
	e.RedriveDate = t0.Add(-time.Hour)
	e.Version = 42 // ignored
	mustCreate(t, s, e)
	if e.Version != 1 {
		t.Errorf("ExecutionCreate set Version = %d, want 1", e.Version)
	}
	if diff := cmp.Diff(truncated(e), mustGet(t, s, e.ARN), opts...); diff != "" {
		t.Errorf("ExecutionGet (-want +got):\n%s", diff)
	}

	done := execution("b")
	done.Status = store.ExecutionFailed
	done.Output = []byte(`null`)
	done.Error, done.Cause = "States.TaskFailed", "boom"
	done.StoppedAt = t0.Add(time.Second)
	done.State = nil
	mustCreate(t, s, done)
	if diff := cmp.Diff(truncated(done), mustGet(t, s, done.ARN), opts...); diff != "" {
		t.Errorf("ExecutionGet(stopped) (-want +got):\n%s", diff)
	}

	dup := execution("a")
	wantBatchError(t, "ExecutionCreate(duplicate)", s.ExecutionCreate(ctx, dup), store.ErrExists, dup.ARN)
	if dup.Version != 0 {
		t.Errorf("refused ExecutionCreate set Version = %d, want 0", dup.Version)
	}
	_, err := s.ExecutionGet(ctx, execARN("missing"))
	wantErr(t, "ExecutionGet(missing)", err, store.ErrNotFound)
}

func testExecutionCreateBatchExists(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreate(t, s, execution("b"))
	err := s.ExecutionCreate(ctx, execution("a"), execution("b"), execution("c"))
	wantBatchError(t, "ExecutionCreate(batch with one taken)", err, store.ErrExists, execARN("b"))
	for _, name := range []string{"a", "c"} {
		_, err := s.ExecutionGet(ctx, execARN(name))
		wantErr(t, "ExecutionGet(member of a refused batch)", err, store.ErrNotFound)
	}
	mustCreate(t, s, execution("a"), execution("c"))
}

func testExecutionVersions(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := execution("a"), execution("b")
	mustCreate(t, s, a, b)
	b.LastEventID = 1
	if err := s.ExecutionSave(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, err := s.ExecutionVersions(ctx, a.ARN, b.ARN, execARN("missing"), a.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{a.ARN: 1, b.ARN: 2}; !cmp.Equal(got, want) {
		t.Errorf("ExecutionVersions = %v, want %v", got, want)
	}
	if got, err := s.ExecutionVersions(ctx); err != nil || len(got) != 0 {
		t.Errorf("ExecutionVersions() = %v, %v; want none", got, err)
	}
	// In a transaction, its own writes count.
	err = s.InTx(ctx, func(q store.Queries) error {
		c := execution("c")
		if err := q.ExecutionCreate(ctx, c); err != nil {
			return err
		}
		a.LastEventID = 5
		if err := q.ExecutionSave(ctx, a); err != nil {
			return err
		}
		got, err := q.ExecutionVersions(ctx, a.ARN, c.ARN)
		if want := map[string]int64{a.ARN: 2, c.ARN: 1}; err != nil || !cmp.Equal(got, want) {
			return fmt.Errorf("ExecutionVersions in the transaction = %v, %v; want %v", got, err, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testExecutionListUnsuccessful lists executions by the statuses of an
// execution that did not succeed, which the backends answer from an index
// of their own: executions that reach such a status by a save are listed,
// those that leave it are not, and pages follow each other.
func testExecutionListUnsuccessful(t *testing.T, s store.Store) {
	ctx := t.Context()
	const other = "arn:aws:states:us-east-1:123456789012:stateMachine:Other"
	statuses := map[string]store.ExecutionStatus{
		"a": store.ExecutionFailed, "b": store.ExecutionSucceeded, "c": store.ExecutionRunning, "d": store.ExecutionFailed,
		"e": store.ExecutionTimedOut, "f": store.ExecutionAborted, "g": store.ExecutionFailed, "h": store.ExecutionFailed,
	}
	rows := map[string]*store.Execution{}
	for i, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		e := execution(name)
		e.StartedAt = t0.Add(time.Duration(i) * time.Second)
		e.Status = statuses[name]
		if name == "g" {
			e.StateMachineARN = other
		}
		if name == "c" || name == "h" {
			e.Status = store.ExecutionRunning // saved below
		}
		mustCreate(t, s, e)
		rows[name] = e
	}
	// c fails by a save; h failed, then runs again (a redrive).
	for _, step := range []struct {
		name   string
		status store.ExecutionStatus
	}{{"c", store.ExecutionFailed}, {"h", store.ExecutionFailed}, {"h", store.ExecutionRunning}} {
		e := rows[step.name]
		e.Status = step.status
		if err := s.ExecutionSave(ctx, e); err != nil {
			t.Fatalf("ExecutionSave(%s): %v", step.name, err)
		}
	}
	for _, tc := range []struct {
		f    store.ExecutionFilter
		want []string
	}{
		{store.ExecutionFilter{StateMachineARN: smARN, Status: store.ExecutionFailed}, []string{"d", "c", "a"}},
		{store.ExecutionFilter{StateMachineARN: smARN, Status: store.ExecutionFailed, Limit: 1}, []string{"d", "c", "a"}},
		{store.ExecutionFilter{StateMachineARN: smARN, Status: store.ExecutionTimedOut}, []string{"e"}},
		{store.ExecutionFilter{StateMachineARN: smARN, Status: store.ExecutionAborted}, []string{"f"}},
		{store.ExecutionFilter{StateMachineARN: other, Status: store.ExecutionFailed}, []string{"g"}},
		{store.ExecutionFilter{Status: store.ExecutionFailed, Limit: 2}, []string{"g", "d", "c", "a"}},
		{store.ExecutionFilter{StateMachineARN: smARN, Status: store.ExecutionRunning}, []string{"h"}},
	} {
		var got []string
		f := tc.f
		for range 10 {
			page, next, err := s.ExecutionList(ctx, f)
			if err != nil {
				t.Fatalf("ExecutionList(%+v): %v", f, err)
			}
			for _, e := range page {
				got = append(got, e.Name)
			}
			if f.Cursor = next; next == "" {
				break
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ExecutionList(%+v) names (-want +got):\n%s", tc.f, diff)
		}
	}
}

func testExecutionList(t *testing.T, s store.Store) {
	ctx := t.Context()
	const other = "arn:aws:states:us-east-1:123456789012:stateMachine:Other"
	// Started in this order; d, e and f share a start time, so insertion order breaks the tie.
	var all []*store.Execution
	for i, name := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		e := execution(name)
		e.StartedAt = t0.Add(time.Duration(min(i, 3)) * time.Second)
		if name == "g" {
			e.StartedAt = t0.Add(10 * time.Second)
			e.StateMachineARN = other
		}
		if name == "b" || name == "e" {
			e.Status = store.ExecutionSucceeded
			e.StoppedAt = e.StartedAt.Add(time.Second)
		}
		mustCreate(t, s, e)
		all = append(all, e)
	}
	names := func(f store.ExecutionFilter) ([]string, []int) {
		t.Helper()
		var got []string
		var sizes []int
		for range 20 {
			page, next, err := s.ExecutionList(ctx, f)
			if err != nil {
				t.Fatalf("ExecutionList(%+v): %v", f, err)
			}
			sizes = append(sizes, len(page))
			for _, e := range page {
				got = append(got, e.Name)
				if e.State != nil || e.Input != nil || e.Output != nil {
					t.Errorf("ExecutionList item %s carries a payload or snapshot", e.Name)
				}
			}
			if f.Cursor = next; next == "" {
				break
			}
		}
		return got, sizes
	}
	for _, tc := range []struct {
		f     store.ExecutionFilter
		want  []string
		sizes []int
	}{
		{store.ExecutionFilter{}, []string{"g", "f", "e", "d", "c", "b", "a"}, []int{7}},
		{store.ExecutionFilter{Limit: 2}, []string{"g", "f", "e", "d", "c", "b", "a"}, []int{2, 2, 2, 1}},
		{store.ExecutionFilter{StateMachineARN: smARN, Limit: 2}, []string{"f", "e", "d", "c", "b", "a"}, []int{2, 2, 2}},
		{store.ExecutionFilter{StateMachineARN: smARN, Status: store.ExecutionRunning, Limit: 3}, []string{"f", "d", "c", "a"}, []int{3, 1}},
		{store.ExecutionFilter{Status: store.ExecutionSucceeded}, []string{"e", "b"}, []int{2}},
		{store.ExecutionFilter{StateMachineARN: other}, []string{"g"}, []int{1}},
		{store.ExecutionFilter{StateMachineARN: smARN + "x"}, nil, []int{0}},
	} {
		got, sizes := names(tc.f)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ExecutionList(%+v) names (-want +got):\n%s", tc.f, diff)
		}
		if diff := cmp.Diff(tc.sizes, sizes); diff != "" {
			t.Errorf("ExecutionList(%+v) page sizes (-want +got):\n%s", tc.f, diff)
		}
	}
	page, _, err := s.ExecutionList(ctx, store.ExecutionFilter{Status: store.ExecutionSucceeded, Limit: 1})
	if err != nil || len(page) != 1 {
		t.Fatalf("ExecutionList = %v, %v", page, err)
	}
	want := truncated(all[4])
	want.Input, want.State = nil, nil
	if diff := cmp.Diff(want, page[0], opts...); diff != "" {
		t.Errorf("ExecutionList item (-want +got):\n%s", diff)
	}
	_, _, err = s.ExecutionList(ctx, store.ExecutionFilter{Cursor: "not a cursor"})
	wantErr(t, "ExecutionList(bad cursor)", err, store.ErrInvalidCursor)
}

func testExecutionSave(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := execution("a")
	e.DueAt = t0
	e.Owner, e.LeaseUntil = "node-1", t0.Add(time.Minute)
	mustCreate(t, s, e)

	e.State = []byte(`{"Frames":{"0":{}}}`)
	e.LastEventID = 5
	e.DueAt = t0.Add(time.Hour)
	if err := s.ExecutionSave(ctx, e); err != nil {
		t.Fatalf("ExecutionSave: %v", err)
	}
	if e.Version != 2 {
		t.Errorf("ExecutionSave left Version = %d, want 2", e.Version)
	}
	if diff := cmp.Diff(truncated(e), mustGet(t, s, e.ARN), opts...); diff != "" {
		t.Errorf("ExecutionGet after save (-want +got):\n%s", diff)
	}

	// Finish and release in one save; the fixed fields are not written.
	e.Status = store.ExecutionSucceeded
	e.Output = []byte(`{"ok":true}`)
	e.StoppedAt = t0.Add(2 * time.Hour)
	e.DueAt, e.Owner, e.LeaseUntil = time.Time{}, "", time.Time{}
	e.RedriveCount, e.RedriveDate = 1, t0.Add(3*time.Hour)
	want := truncated(e)
	e.Name, e.Input, e.StartedAt = "renamed", []byte(`{}`), t0.Add(time.Hour)
	if err := s.ExecutionSave(ctx, e); err != nil {
		t.Fatalf("ExecutionSave: %v", err)
	}
	want.Version = 3
	if diff := cmp.Diff(want, mustGet(t, s, e.ARN), opts...); diff != "" {
		t.Errorf("ExecutionGet after final save (-want +got):\n%s", diff)
	}
}

func testExecutionSaveConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := execution("a"), execution("b")
	mustCreate(t, s, a, b)
	stale := *b
	b.LastEventID = 1
	if err := s.ExecutionSave(ctx, b); err != nil {
		t.Fatalf("ExecutionSave: %v", err)
	}

	a.LastEventID, stale.LastEventID = 7, 7
	wantBatchError(t, "ExecutionSave(stale)", s.ExecutionSave(ctx, a, &stale), store.ErrConflict, b.ARN)
	if a.Version != 1 || stale.Version != 1 {
		t.Errorf("refused ExecutionSave moved versions to %d, %d; want 1, 1", a.Version, stale.Version)
	}
	if got := mustGet(t, s, a.ARN); got.LastEventID != 0 || got.Version != 1 {
		t.Errorf("batch member saved despite a conflict: %+v", got)
	}
	if got := mustGet(t, s, b.ARN); got.LastEventID != 1 || got.Version != 2 {
		t.Errorf("stale save overwrote: %+v", got)
	}

	missing := execution("missing")
	missing.Version = 1
	wantBatchError(t, "ExecutionSave(missing)", s.ExecutionSave(ctx, a, missing), store.ErrNotFound, missing.ARN)
	wantErr(t, "ExecutionSave(same execution twice)", s.ExecutionSave(ctx, a, a), store.ErrConflict)
	if got := mustGet(t, s, a.ARN); got.Version != 1 {
		t.Errorf("ExecutionSave(same execution twice) saved: %+v", got)
	}
	if err := s.ExecutionSave(ctx, a); err != nil {
		t.Errorf("ExecutionSave after refusals: %v", err)
	}
}

// testExecutionSaveConcurrent races saves of one version of a batch:
// exactly one wins each round, and a batch is saved whole or not at all.
func testExecutionSaveConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := execution("a"), execution("b")
	mustCreate(t, s, a, b)
	const rounds, writers = 5, 4
	for round := range rounds {
		wins := make(chan int, writers)
		errs := make(chan error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			ca, cb := *a, *b
			ca.LastEventID, cb.LastEventID = int64(w), int64(w)
			wg.Go(func() {
				err := s.InTx(ctx, func(q store.Queries) error {
					if w%2 == 0 {
						return q.ExecutionSave(ctx, &ca, &cb)
					}
					return q.ExecutionSave(ctx, &cb, &ca)
				})
				switch {
				case err == nil:
					wins <- w
				case !errors.Is(err, store.ErrConflict):
					errs <- err
				}
			})
		}
		wg.Wait()
		close(wins)
		close(errs)
		for err := range errs {
			t.Errorf("round %d: ExecutionSave = %v, want nil or ErrConflict", round, err)
		}
		var winners []int
		for w := range wins {
			winners = append(winners, w)
		}
		if len(winners) != 1 {
			t.Fatalf("round %d: %d saves of version %d won, want 1", round, len(winners), a.Version)
		}
		ga, gb := mustGet(t, s, a.ARN), mustGet(t, s, b.ARN)
		want := int64(winners[0])
		if ga.Version != a.Version+1 || gb.Version != b.Version+1 || ga.LastEventID != want || gb.LastEventID != want {
			t.Fatalf("round %d: stored %+v and %+v, want version %d and last event %d on both", round, ga, gb, a.Version+1, want)
		}
		a, b = ga, gb
	}
}

func testExecutionClaimDue(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := t0.Add(time.Hour)
	var execs []*store.Execution
	add := func(name string, f func(e *store.Execution)) {
		e := execution(name)
		f(e)
		execs = append(execs, e)
	}
	add("due-2", func(e *store.Execution) { e.DueAt = now.Add(-time.Second) })
	add("due-1", func(e *store.Execution) { e.DueAt = now.Add(-time.Minute) })
	add("due-now", func(e *store.Execution) { e.DueAt = now })
	add("later", func(e *store.Execution) { e.DueAt = now.Add(time.Microsecond) })
	add("no-timer", func(e *store.Execution) {})
	add("stopped", func(e *store.Execution) {
		e.DueAt, e.Status, e.StoppedAt = now.Add(-time.Minute), store.ExecutionSucceeded, now.Add(-time.Minute)
	})
	add("leased", func(e *store.Execution) {
		e.DueAt, e.Owner, e.LeaseUntil = now.Add(-time.Minute), "other", now.Add(time.Second)
	})
	add("lease-over", func(e *store.Execution) { e.DueAt, e.Owner, e.LeaseUntil = now.Add(-time.Second), "dead", now })
	mustCreate(t, s, execs...)

	lease := now.Add(30 * time.Second)
	if got, err := s.ExecutionClaimDue(ctx, now, "me", lease, 0); err != nil || len(got) != 0 {
		t.Errorf("ExecutionClaimDue(limit 0) = %v, %v; want none", got, err)
	}
	got, err := s.ExecutionClaimDue(ctx, now, "me", lease, 3)
	if err != nil {
		t.Fatalf("ExecutionClaimDue: %v", err)
	}
	claimed := func(got []*store.Execution) []string {
		var names []string
		for _, e := range got {
			names = append(names, e.Name)
			if e.Owner != "me" || !e.LeaseUntil.Equal(lease.Truncate(time.Microsecond)) || e.Version != 2 || e.State == nil {
				t.Errorf("claimed %s = %+v, want owner me, lease %v, version 2 and the snapshot", e.Name, e, lease)
			}
		}
		return names
	}
	// Earliest due first; lease-over and due-2 are due at the same time.
	wantFirst := []string{"due-1", "due-2", "lease-over"}
	if got := claimed(got); !cmp.Equal(got, wantFirst) && !cmp.Equal(got, []string{"due-1", "lease-over", "due-2"}) {
		t.Errorf("ExecutionClaimDue(limit 3) = %v, want %v", got, wantFirst)
	}
	got, err = s.ExecutionClaimDue(ctx, now, "me", lease, 10)
	if err != nil {
		t.Fatalf("ExecutionClaimDue: %v", err)
	}
	if diff := cmp.Diff([]string{"due-now"}, claimed(got)); diff != "" {
		t.Errorf("ExecutionClaimDue(rest) (-want +got):\n%s", diff)
	}
	if got, err := s.ExecutionClaimDue(ctx, now, "you", lease, 10); err != nil || len(got) != 0 {
		t.Errorf("ExecutionClaimDue(all claimed) = %v, %v; want none", got, err)
	}
	if got := mustGet(t, s, execARN("due-1")); got.Owner != "me" || got.Version != 2 {
		t.Errorf("stored claim = %+v", got)
	}

	// When the leases run out, the executions are due again for someone else.
	later := lease
	got, err = s.ExecutionClaimDue(ctx, later, "you", later.Add(time.Minute), 10)
	if err != nil {
		t.Fatalf("ExecutionClaimDue(after leases): %v", err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Name)
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"due-1", "due-2", "due-now", "later", "lease-over", "leased"}, names); diff != "" {
		t.Errorf("ExecutionClaimDue(after leases) (-want +got):\n%s", diff)
	}
}

func testExecutionClaimDueConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n, workers = 120, 6
	var execs []*store.Execution
	for i := range n {
		e := execution(fmt.Sprintf("e%03d", i))
		e.DueAt = t0.Add(time.Duration(i%7) * time.Millisecond)
		execs = append(execs, e)
	}
	mustCreate(t, s, execs...)
	now := t0.Add(time.Second)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[string]string{}
		errs []error
	)
	for w := range workers {
		owner := fmt.Sprintf("node-%d", w)
		wg.Go(func() {
			for {
				got, err := s.ExecutionClaimDue(ctx, now, owner, now.Add(time.Minute), 7)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				for _, e := range got {
					if prev, ok := seen[e.ARN]; ok {
						errs = append(errs, fmt.Errorf("%s claimed by %s and %s", e.ARN, prev, owner))
					}
					seen[e.ARN] = owner
				}
				mu.Unlock()
				if err != nil || len(got) == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if len(seen) != n {
		t.Errorf("claimed %d executions, want %d", len(seen), n)
	}
}

func testExecutionClaimExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := t0.Add(time.Hour)
	crashed := execution("crashed") // waiting on a task, its node gone
	crashed.Owner, crashed.LeaseUntil = "dead", now.Add(-time.Second)
	alive := execution("alive")
	alive.Owner, alive.LeaseUntil = "busy", now.Add(time.Second)
	free := execution("free")
	stopped := execution("stopped")
	stopped.Status, stopped.Owner, stopped.LeaseUntil = store.ExecutionAborted, "dead", now.Add(-time.Second)
	mustCreate(t, s, crashed, alive, free, stopped)

	got, err := s.ExecutionClaimExpired(ctx, now, "me", now.Add(time.Minute), 10)
	if err != nil {
		t.Fatalf("ExecutionClaimExpired: %v", err)
	}
	if len(got) != 1 || got[0].ARN != crashed.ARN || got[0].Owner != "me" || got[0].Version != 2 {
		t.Fatalf("ExecutionClaimExpired = %+v, want only %s, now mine", got, crashed.Name)
	}
	if got, err := s.ExecutionClaimExpired(ctx, now, "you", now.Add(time.Minute), 10); err != nil || len(got) != 0 {
		t.Errorf("ExecutionClaimExpired(again) = %v, %v; want none", got, err)
	}
}

func testExecutionClaim(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := execution("a")
	mustCreate(t, s, e)
	stale := *e
	got, err := s.ExecutionClaim(ctx, e.ARN, "me", t0, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("ExecutionClaim: %v", err)
	}
	if got.Owner != "me" || !got.LeaseUntil.Equal(at(time.Minute)) || got.Version != 2 || string(got.State) != string(e.State) {
		t.Errorf("ExecutionClaim = %+v", got)
	}
	if got, err = s.ExecutionClaim(ctx, e.ARN, "me", t0, t0.Add(2*time.Minute)); err != nil || got.Version != 3 {
		t.Errorf("ExecutionClaim(extend own) = %+v, %v; want version 3", got, err)
	}
	_, err = s.ExecutionClaim(ctx, e.ARN, "you", t0.Add(time.Minute), t0.Add(time.Hour))
	wantErr(t, "ExecutionClaim(live lease)", err, store.ErrConflict)
	got, err = s.ExecutionClaim(ctx, e.ARN, "you", t0.Add(2*time.Minute), t0.Add(time.Hour))
	if err != nil || got.Owner != "you" {
		t.Fatalf("ExecutionClaim(lease over) = %+v, %v; want it to be yours", got, err)
	}
	// The previous holder's copy is fenced off.
	wantErr(t, "ExecutionSave(by the old holder)", s.ExecutionSave(ctx, &stale), store.ErrConflict)

	done := execution("done")
	done.Status = store.ExecutionFailed
	mustCreate(t, s, done)
	if _, err := s.ExecutionClaim(ctx, done.ARN, "me", t0, t0.Add(time.Minute)); err != nil {
		t.Errorf("ExecutionClaim(stopped, for a redrive): %v", err)
	}
	_, err = s.ExecutionClaim(ctx, execARN("missing"), "me", t0, t0.Add(time.Minute))
	wantErr(t, "ExecutionClaim(missing)", err, store.ErrNotFound)
}

func testExecutionRelease(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := execution("a"), execution("b")
	a.Owner, a.LeaseUntil = "me", t0.Add(time.Minute)
	b.Owner, b.LeaseUntil = "you", t0.Add(time.Minute)
	mustCreate(t, s, a, b)
	if err := s.ExecutionRelease(ctx, "me", a.ARN, b.ARN, execARN("missing")); err != nil {
		t.Fatalf("ExecutionRelease: %v", err)
	}
	if got := mustGet(t, s, a.ARN); got.Owner != "" || !got.LeaseUntil.IsZero() || got.Version != 1 {
		t.Errorf("released execution = %+v, want no owner, no lease, version 1", got)
	}
	if got := mustGet(t, s, b.ARN); got.Owner != "you" {
		t.Errorf("ExecutionRelease released another owner's execution: %+v", got)
	}
	a.Owner, a.LeaseUntil = "", time.Time{}
	if err := s.ExecutionSave(ctx, a); err != nil {
		t.Errorf("ExecutionSave after release: %v", err)
	}
}

func events(arn string, from, to int64) []store.HistoryEvent {
	var out []store.HistoryEvent
	for id := from; id <= to; id++ {
		ev := store.HistoryEvent{
			ExecutionARN: arn,
			ID:           id,
			PreviousID:   id - 1,
			Timestamp:    at(time.Duration(id) * time.Millisecond),
			Type:         "PassStateEntered",
			Details:      []byte(fmt.Sprintf(`{"name":"S%d"}`, id)),
		}
		if id%3 == 0 {
			ev.Type, ev.Details = "ParallelStateStarted", nil
		}
		out = append(out, ev)
	}
	return out
}

func testHistoryAppendList(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := execution("a"), execution("b")
	mustCreate(t, s, a, b)
	evA, evB := events(a.ARN, 1, 10), events(b.ARN, 1, 3)
	var mixed []store.HistoryEvent
	mixed = append(mixed, evA[:4]...)
	mixed = append(mixed, evB...)
	mixed = append(mixed, evA[4:]...)
	if err := s.HistoryAppend(ctx, mixed...); err != nil {
		t.Fatalf("HistoryAppend: %v", err)
	}
	page := func(f store.HistoryFilter) ([]int64, bool) {
		t.Helper()
		got, more, err := s.HistoryList(ctx, f)
		if err != nil {
			t.Fatalf("HistoryList(%+v): %v", f, err)
		}
		var ids []int64
		for _, ev := range got {
			ids = append(ids, ev.ID)
		}
		return ids, more
	}
	for _, tc := range []struct {
		f    store.HistoryFilter
		want []int64
		more bool
	}{
		{store.HistoryFilter{ExecutionARN: a.ARN, Limit: 4}, []int64{1, 2, 3, 4}, true},
		{store.HistoryFilter{ExecutionARN: a.ARN, Limit: 4, AfterID: 4}, []int64{5, 6, 7, 8}, true},
		{store.HistoryFilter{ExecutionARN: a.ARN, Limit: 4, AfterID: 8}, []int64{9, 10}, false},
		{store.HistoryFilter{ExecutionARN: a.ARN, Limit: 2, AfterID: 8}, []int64{9, 10}, false},
		{store.HistoryFilter{ExecutionARN: a.ARN, AfterID: 10}, nil, false},
		{store.HistoryFilter{ExecutionARN: a.ARN, Limit: 4, Reverse: true}, []int64{10, 9, 8, 7}, true},
		{store.HistoryFilter{ExecutionARN: a.ARN, Limit: 4, Reverse: true, AfterID: 7}, []int64{6, 5, 4, 3}, true},
		{store.HistoryFilter{ExecutionARN: a.ARN, Limit: 4, Reverse: true, AfterID: 3}, []int64{2, 1}, false},
		{store.HistoryFilter{ExecutionARN: b.ARN}, []int64{1, 2, 3}, false},
		{store.HistoryFilter{ExecutionARN: b.ARN, Reverse: true}, []int64{3, 2, 1}, false},
		{store.HistoryFilter{ExecutionARN: execARN("missing")}, nil, false},
	} {
		ids, more := page(tc.f)
		if !cmp.Equal(tc.want, ids, opts...) || more != tc.more {
			t.Errorf("HistoryList(%+v) = %v, more %v; want %v, more %v", tc.f, ids, more, tc.want, tc.more)
		}
	}
	got, _, err := s.HistoryList(ctx, store.HistoryFilter{ExecutionARN: a.ARN})
	if err != nil {
		t.Fatalf("HistoryList: %v", err)
	}
	if diff := cmp.Diff(evA, got, opts...); diff != "" {
		t.Errorf("HistoryList (-want +got):\n%s", diff)
	}
}

func testHistoryAppendErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := execution("a")
	mustCreate(t, s, a)
	if err := s.HistoryAppend(ctx, events(a.ARN, 1, 2)...); err != nil {
		t.Fatalf("HistoryAppend: %v", err)
	}
	missing := execARN("missing")
	err := s.HistoryAppend(ctx, append(events(a.ARN, 3, 4), events(missing, 1, 1)...)...)
	wantBatchError(t, "HistoryAppend(missing execution)", err, store.ErrNotFound, missing)
	err = s.HistoryAppend(ctx, events(a.ARN, 2, 4)...)
	wantBatchError(t, "HistoryAppend(taken id)", err, store.ErrExists, a.ARN+"#2")
	if got, _, err := s.HistoryList(ctx, store.HistoryFilter{ExecutionARN: a.ARN}); err != nil || len(got) != 2 {
		t.Errorf("HistoryList after refused appends = %d events, %v; want 2", len(got), err)
	}
}

func testTask(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := execution("a"), execution("b")
	mustCreate(t, s, a, b)
	tasks := []store.Task{
		{Token: "tok-a2", ExecutionARN: a.ARN, TaskID: 2, Input: []byte(`{"n":2}`), CreatedAt: t0},
		{Token: "tok-a1", ExecutionARN: a.ARN, TaskID: 1, ActivityARN: actARN, Input: []byte(`{"n":1}`), CreatedAt: t0},
		{Token: "tok-b1", ExecutionARN: b.ARN, TaskID: 1, CreatedAt: t0.Add(time.Second), StartedAt: t0.Add(time.Second), WorkerName: "w"},
	}
	if err := s.TaskCreate(ctx, tasks...); err != nil {
		t.Fatalf("TaskCreate: %v", err)
	}
	trunc := func(tk store.Task) store.Task {
		tk.CreatedAt = tk.CreatedAt.Truncate(time.Microsecond)
		tk.StartedAt = tk.StartedAt.Truncate(time.Microsecond)
		tk.HeartbeatAt = tk.HeartbeatAt.Truncate(time.Microsecond)
		return tk
	}
	got, err := s.TaskGet(ctx, "tok-b1")
	if err != nil {
		t.Fatalf("TaskGet: %v", err)
	}
	if diff := cmp.Diff(trunc(tasks[2]), *got, opts...); diff != "" {
		t.Errorf("TaskGet (-want +got):\n%s", diff)
	}
	list, err := s.TaskList(ctx, a.ARN)
	if err != nil {
		t.Fatalf("TaskList: %v", err)
	}
	if diff := cmp.Diff([]store.Task{trunc(tasks[1]), trunc(tasks[0])}, list, opts...); diff != "" {
		t.Errorf("TaskList (-want +got):\n%s", diff)
	}
	if err := s.TaskHeartbeat(ctx, "tok-a1", t0.Add(time.Minute)); err != nil {
		t.Fatalf("TaskHeartbeat: %v", err)
	}
	if got, err := s.TaskGet(ctx, "tok-a1"); err != nil || !got.HeartbeatAt.Equal(at(time.Minute)) {
		t.Errorf("TaskGet after heartbeat = %+v, %v; want HeartbeatAt %v", got, err, at(time.Minute))
	}
	if err := s.TaskDelete(ctx, "tok-a1", "tok-a2"); err != nil {
		t.Fatalf("TaskDelete: %v", err)
	}
	_, err = s.TaskGet(ctx, "tok-a1")
	wantErr(t, "TaskGet(deleted)", err, store.ErrNotFound)
	if list, err := s.TaskList(ctx, a.ARN); err != nil || len(list) != 0 {
		t.Errorf("TaskList after delete = %v, %v; want none", list, err)
	}
}

func testTaskErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := execution("a")
	mustCreate(t, s, a)
	if err := s.TaskCreate(ctx, store.Task{Token: "tok-1", ExecutionARN: a.ARN, TaskID: 1, CreatedAt: t0}); err != nil {
		t.Fatalf("TaskCreate: %v", err)
	}
	err := s.TaskCreate(ctx,
		store.Task{Token: "tok-2", ExecutionARN: a.ARN, TaskID: 2, CreatedAt: t0},
		store.Task{Token: "tok-1", ExecutionARN: a.ARN, TaskID: 3, CreatedAt: t0})
	wantBatchError(t, "TaskCreate(taken token)", err, store.ErrExists, "tok-1")
	err = s.TaskCreate(ctx,
		store.Task{Token: "tok-3", ExecutionARN: a.ARN, TaskID: 3, CreatedAt: t0},
		store.Task{Token: "tok-4", ExecutionARN: execARN("missing"), TaskID: 1, CreatedAt: t0})
	wantBatchError(t, "TaskCreate(missing execution)", err, store.ErrNotFound, execARN("missing"))
	for _, tok := range []string{"tok-2", "tok-3", "tok-4"} {
		_, err := s.TaskGet(ctx, tok)
		wantErr(t, "TaskGet(member of a refused batch)", err, store.ErrNotFound)
	}
	wantBatchError(t, "TaskDelete(one missing)", s.TaskDelete(ctx, "tok-1", "tok-x"), store.ErrNotFound, "tok-x")
	if _, err := s.TaskGet(ctx, "tok-1"); err != nil {
		t.Errorf("TaskDelete deleted part of a refused batch: %v", err)
	}
	wantErr(t, "TaskHeartbeat(missing)", s.TaskHeartbeat(ctx, "tok-x", t0), store.ErrNotFound)
	_, err = s.TaskGet(ctx, "tok-x")
	wantErr(t, "TaskGet(missing)", err, store.ErrNotFound)

	// Settling one token twice: exactly one delete succeeds.
	if err := s.TaskDelete(ctx, "tok-1"); err != nil {
		t.Fatalf("TaskDelete: %v", err)
	}
	wantErr(t, "TaskDelete(again)", s.TaskDelete(ctx, "tok-1"), store.ErrNotFound)
}

func testActivityTaskClaim(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := execution("a")
	mustCreate(t, s, a)
	const otherAct = actARN + "Other"
	if err := s.TaskCreate(ctx,
		store.Task{Token: "second", ExecutionARN: a.ARN, TaskID: 2, ActivityARN: actARN, CreatedAt: t0.Add(time.Second)},
		store.Task{Token: "first", ExecutionARN: a.ARN, TaskID: 1, ActivityARN: actARN, CreatedAt: t0},
		store.Task{Token: "other", ExecutionARN: a.ARN, TaskID: 3, ActivityARN: otherAct, CreatedAt: t0},
		store.Task{Token: "callback", ExecutionARN: a.ARN, TaskID: 4, CreatedAt: t0},
	); err != nil {
		t.Fatalf("TaskCreate: %v", err)
	}
	now := t0.Add(time.Minute)
	var got []string
	for range 2 {
		tk, err := s.ActivityTaskClaim(ctx, actARN, "worker-1", now)
		if err != nil {
			t.Fatalf("ActivityTaskClaim: %v", err)
		}
		if tk.WorkerName != "worker-1" || !tk.StartedAt.Equal(at(time.Minute)) || tk.ActivityARN != actARN {
			t.Errorf("ActivityTaskClaim = %+v, want started by worker-1 at %v", tk, at(time.Minute))
		}
		got = append(got, tk.Token)
	}
	if diff := cmp.Diff([]string{"first", "second"}, got); diff != "" {
		t.Errorf("ActivityTaskClaim order (-want +got):\n%s", diff)
	}
	_, err := s.ActivityTaskClaim(ctx, actARN, "worker-2", now)
	wantErr(t, "ActivityTaskClaim(none waiting)", err, store.ErrNotFound)
	_, err = s.ActivityTaskClaim(ctx, "", "worker-2", now)
	wantErr(t, "ActivityTaskClaim(no activity)", err, store.ErrNotFound)
	if tk, err := s.TaskGet(ctx, "first"); err != nil || tk.WorkerName != "worker-1" || tk.StartedAt.IsZero() {
		t.Errorf("TaskGet(claimed) = %+v, %v", tk, err)
	}
	if tk, err := s.ActivityTaskClaim(ctx, otherAct, "worker-2", now); err != nil || tk.Token != "other" {
		t.Errorf("ActivityTaskClaim(other activity) = %+v, %v; want task other", tk, err)
	}
}

func testActivityTaskClaimConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := execution("a")
	mustCreate(t, s, a)
	const n, workers = 40, 5
	var tasks []store.Task
	for i := range n {
		tasks = append(tasks, store.Task{
			Token: fmt.Sprintf("tok-%02d", i), ExecutionARN: a.ARN, TaskID: int64(i),
			ActivityARN: actARN, CreatedAt: t0.Add(time.Duration(i) * time.Millisecond),
		})
	}
	if err := s.TaskCreate(ctx, tasks...); err != nil {
		t.Fatalf("TaskCreate: %v", err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[string]string{}
		errs []error
	)
	for w := range workers {
		worker := fmt.Sprintf("worker-%d", w)
		wg.Go(func() {
			for {
				tk, err := s.ActivityTaskClaim(ctx, actARN, worker, t0)
				mu.Lock()
				switch {
				case errors.Is(err, store.ErrNotFound):
				case err != nil:
					errs = append(errs, err)
				default:
					if prev, ok := seen[tk.Token]; ok {
						errs = append(errs, fmt.Errorf("%s claimed by %s and %s", tk.Token, prev, worker))
					}
					seen[tk.Token] = worker
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if len(seen) != n {
		t.Errorf("claimed %d tasks, want %d", len(seen), n)
	}
}

func testActivity(t *testing.T, s store.Store) {
	ctx := t.Context()
	act := &store.Activity{ARN: actARN, Name: "Approve", CreatedAt: t0}
	got, err := s.ActivityCreate(ctx, act)
	if err != nil {
		t.Fatalf("ActivityCreate: %v", err)
	}
	want := &store.Activity{ARN: actARN, Name: "Approve", CreatedAt: at(0)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ActivityCreate (-want +got):\n%s", diff)
	}
	again, err := s.ActivityCreate(ctx, &store.Activity{ARN: actARN, Name: "Approve", CreatedAt: t0.Add(time.Hour)})
	if err != nil {
		t.Fatalf("ActivityCreate(again): %v", err)
	}
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("ActivityCreate(again) (-want +got):\n%s", diff)
	}
	if got, err := s.ActivityGet(ctx, actARN); err != nil || !cmp.Equal(want, got) {
		t.Errorf("ActivityGet = %+v, %v; want %+v", got, err, want)
	}
	for _, name := range []string{"e", "b", "d", "c"} {
		if _, err := s.ActivityCreate(ctx, &store.Activity{ARN: actARN + name, Name: name, CreatedAt: t0}); err != nil {
			t.Fatalf("ActivityCreate: %v", err)
		}
	}
	var names []string
	cur := ""
	for range 10 {
		page, next, err := s.ActivityList(ctx, cur, 2)
		if err != nil {
			t.Fatalf("ActivityList: %v", err)
		}
		for _, a := range page {
			names = append(names, a.Name)
		}
		if cur = next; cur == "" {
			break
		}
	}
	if diff := cmp.Diff([]string{"Approve", "b", "c", "d", "e"}, names); diff != "" {
		t.Errorf("ActivityList (-want +got):\n%s", diff)
	}
	_, _, err = s.ActivityList(ctx, "!", 2)
	wantErr(t, "ActivityList(bad cursor)", err, store.ErrInvalidCursor)

	if err := s.TagsPut(ctx, actARN, map[string]string{"k": "v"}); err != nil {
		t.Fatalf("TagsPut: %v", err)
	}
	if err := s.ActivityDelete(ctx, actARN); err != nil {
		t.Fatalf("ActivityDelete: %v", err)
	}
	_, err = s.ActivityGet(ctx, actARN)
	wantErr(t, "ActivityGet(deleted)", err, store.ErrNotFound)
	wantErr(t, "ActivityDelete(again)", s.ActivityDelete(ctx, actARN), store.ErrNotFound)
	if tags, err := s.TagsList(ctx, actARN); err != nil || len(tags) != 0 {
		t.Errorf("TagsList(deleted activity) = %v, %v; want none", tags, err)
	}
}

func testTags(t *testing.T, s store.Store) {
	ctx := t.Context()
	if tags, err := s.TagsList(ctx, smARN); err != nil || tags == nil || len(tags) != 0 {
		t.Fatalf("TagsList(untagged) = %#v, %v; want an empty map", tags, err)
	}
	if err := s.TagsPut(ctx, smARN, map[string]string{"team": "payments", "env": "test"}); err != nil {
		t.Fatalf("TagsPut: %v", err)
	}
	if err := s.TagsPut(ctx, smARN, map[string]string{"env": "prod", "cost": "42"}); err != nil {
		t.Fatalf("TagsPut: %v", err)
	}
	if err := s.TagsPut(ctx, actARN, map[string]string{"other": "resource"}); err != nil {
		t.Fatalf("TagsPut: %v", err)
	}
	got, err := s.TagsList(ctx, smARN)
	if err != nil {
		t.Fatalf("TagsList: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"team": "payments", "env": "prod", "cost": "42"}, got); diff != "" {
		t.Errorf("TagsList (-want +got):\n%s", diff)
	}
	if err := s.TagsDelete(ctx, smARN, "env", "missing"); err != nil {
		t.Fatalf("TagsDelete: %v", err)
	}
	got, err = s.TagsList(ctx, smARN)
	if err != nil {
		t.Fatalf("TagsList: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"team": "payments", "cost": "42"}, got); diff != "" {
		t.Errorf("TagsList after delete (-want +got):\n%s", diff)
	}
}

func testInTxCommit(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := execution("a")
	err := s.InTx(ctx, func(q store.Queries) error {
		if err := q.StateMachineCreate(ctx, stateMachine("Pay")); err != nil {
			return err
		}
		if err := q.ExecutionCreate(ctx, e); err != nil {
			return err
		}
		if err := q.HistoryAppend(ctx, events(e.ARN, 1, 3)...); err != nil {
			return err
		}
		// The transaction reads its own writes.
		if got := mustGet(t, q, e.ARN); got.Version != 1 {
			return fmt.Errorf("ExecutionGet in the transaction = %+v", got)
		}
		e.LastEventID = 3
		return q.ExecutionSave(ctx, e)
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	if got := mustGet(t, s, e.ARN); got.LastEventID != 3 || got.Version != 2 {
		t.Errorf("ExecutionGet after commit = %+v", got)
	}
	if got, _, err := s.HistoryList(ctx, store.HistoryFilter{ExecutionARN: e.ARN}); err != nil || len(got) != 3 {
		t.Errorf("HistoryList after commit = %d events, %v; want 3", len(got), err)
	}
}

// testInTxHistoryOfWrittenExecutions appends, in the transaction that
// created or saved them (or neither, or failed to create one again), the
// history of several executions: each gets its own events.
func testInTxHistoryOfWrittenExecutions(t *testing.T, s store.Store) {
	ctx := t.Context()
	before, again := execution("before"), execution("again")
	mustCreate(t, s, before, again)
	a, b := execution("a"), execution("b")
	err := s.InTx(ctx, func(q store.Queries) error {
		if err := q.ExecutionCreate(ctx, a, b); err != nil {
			return err
		}
		dup := execution("again")
		if err := q.ExecutionCreate(ctx, dup); !errors.Is(err, store.ErrExists) {
			return fmt.Errorf("ExecutionCreate(again) = %v, want ErrExists", err)
		}
		b.LastEventID = 2
		if err := q.ExecutionSave(ctx, b); err != nil {
			return err
		}
		var evs []store.HistoryEvent
		for i := int64(1); i <= 3; i++ {
			for _, arn := range []string{a.ARN, b.ARN, before.ARN, again.ARN} {
				evs = append(evs, events(arn, i, i)...)
			}
		}
		return q.HistoryAppend(ctx, evs...)
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	for _, e := range []*store.Execution{a, b, before, again} {
		got, _, err := s.HistoryList(ctx, store.HistoryFilter{ExecutionARN: e.ARN})
		if err != nil || len(got) != 3 {
			t.Fatalf("HistoryList(%s) = %d events, %v; want 3", e.Name, len(got), err)
		}
		for i, ev := range got {
			if ev.ID != int64(i+1) || ev.ExecutionARN != e.ARN {
				t.Errorf("HistoryList(%s)[%d] = %+v", e.Name, i, ev)
			}
		}
	}
}

var errBoom = errors.New("boom")

func testInTxRollback(t *testing.T, s store.Store) {
	ctx := t.Context()
	kept := execution("kept")
	mustCreate(t, s, kept)
	err := s.InTx(ctx, func(q store.Queries) error {
		if err := q.StateMachineCreate(ctx, stateMachine("Pay")); err != nil {
			return err
		}
		e := execution("a")
		if err := q.ExecutionCreate(ctx, e); err != nil {
			return err
		}
		if err := q.HistoryAppend(ctx, events(e.ARN, 1, 3)...); err != nil {
			return err
		}
		if err := q.TaskCreate(ctx, store.Task{Token: "tok", ExecutionARN: e.ARN, TaskID: 1, CreatedAt: t0}); err != nil {
			return err
		}
		if err := q.TagsPut(ctx, smARN, map[string]string{"k": "v"}); err != nil {
			return err
		}
		k := *kept
		k.LastEventID = 9
		if err := q.ExecutionSave(ctx, &k); err != nil {
			return err
		}
		if _, err := q.ExecutionClaim(ctx, kept.ARN, "me", t0, t0.Add(time.Minute)); err != nil {
			return err
		}
		return fmt.Errorf("give up: %w", errBoom)
	})
	if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), "give up") {
		t.Fatalf("InTx = %v, want fn's error", err)
	}
	_, err = s.StateMachineGet(ctx, smARN)
	wantErr(t, "StateMachineGet(rolled back)", err, store.ErrNotFound)
	_, err = s.ExecutionGet(ctx, execARN("a"))
	wantErr(t, "ExecutionGet(rolled back)", err, store.ErrNotFound)
	_, err = s.TaskGet(ctx, "tok")
	wantErr(t, "TaskGet(rolled back)", err, store.ErrNotFound)
	if got, _, err := s.HistoryList(ctx, store.HistoryFilter{ExecutionARN: execARN("a")}); err != nil || len(got) != 0 {
		t.Errorf("HistoryList(rolled back) = %v, %v; want none", got, err)
	}
	if tags, err := s.TagsList(ctx, smARN); err != nil || len(tags) != 0 {
		t.Errorf("TagsList(rolled back) = %v, %v; want none", tags, err)
	}
	if diff := cmp.Diff(truncated(kept), mustGet(t, s, kept.ARN), opts...); diff != "" {
		t.Errorf("ExecutionGet(rolled back save) (-want +got):\n%s", diff)
	}
}

func testInTxPanic(t *testing.T, s store.Store) {
	ctx := t.Context()
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("InTx panicked with %v, want boom", p)
			}
		}()
		s.InTx(ctx, func(q store.Queries) error {
			if err := q.ExecutionCreate(ctx, execution("a")); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	_, err := s.ExecutionGet(ctx, execARN("a"))
	wantErr(t, "ExecutionGet(after a panic)", err, store.ErrNotFound)
	// The store still works.
	mustCreate(t, s, execution("b"))
}

func testInTxUsableAfterErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := execution("a")
	mustCreate(t, s, a)
	if err := s.StateMachineCreate(ctx, stateMachine("Pay")); err != nil {
		t.Fatalf("StateMachineCreate: %v", err)
	}
	if _, err := s.ActivityCreate(ctx, &store.Activity{ARN: actARN, Name: "Approve", CreatedAt: t0}); err != nil {
		t.Fatalf("ActivityCreate: %v", err)
	}
	if err := s.TaskCreate(ctx, store.Task{Token: "tok", ExecutionARN: a.ARN, TaskID: 1, CreatedAt: t0}); err != nil {
		t.Fatalf("TaskCreate: %v", err)
	}
	if err := s.HistoryAppend(ctx, events(a.ARN, 1, 1)...); err != nil {
		t.Fatalf("HistoryAppend: %v", err)
	}
	b := execution("b")
	err := s.InTx(ctx, func(q store.Queries) error {
		stale := *a
		stale.Version = 9
		for _, tc := range []struct {
			what string
			err  error
			want error
		}{
			{"ExecutionCreate(taken)", q.ExecutionCreate(ctx, b, execution("a")), store.ErrExists},
			{"ExecutionSave(stale)", q.ExecutionSave(ctx, &stale), store.ErrConflict},
			{"ExecutionSave(missing)", q.ExecutionSave(ctx, execution("missing")), store.ErrNotFound},
			{"StateMachineCreate(taken)", q.StateMachineCreate(ctx, stateMachine("Pay")), store.ErrExists},
			{"StateMachineDelete(missing)", q.StateMachineDelete(ctx, smARN+"x"), store.ErrNotFound},
			{"ActivityDelete(missing)", q.ActivityDelete(ctx, actARN+"x"), store.ErrNotFound},
			{"HistoryAppend(taken)", q.HistoryAppend(ctx, events(a.ARN, 1, 2)...), store.ErrExists},
			{"TaskCreate(taken)", q.TaskCreate(ctx, store.Task{Token: "tok", ExecutionARN: a.ARN, TaskID: 2, CreatedAt: t0}), store.ErrExists},
			{"TaskDelete(missing)", q.TaskDelete(ctx, "tok", "tok-x"), store.ErrNotFound},
			{"TaskHeartbeat(missing)", q.TaskHeartbeat(ctx, "tok-x", t0), store.ErrNotFound},
		} {
			if !errors.Is(tc.err, tc.want) {
				return fmt.Errorf("%s = %v, want %v", tc.what, tc.err, tc.want)
			}
		}
		_, err := q.ExecutionGet(ctx, execARN("missing"))
		if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("ExecutionGet(missing) = %v, want ErrNotFound", err)
		}
		if _, err := q.ExecutionClaim(ctx, a.ARN, "me", t0, t0.Add(time.Minute)); err != nil {
			return err
		}
		if _, err := q.ExecutionClaim(ctx, a.ARN, "you", t0, t0.Add(time.Minute)); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("ExecutionClaim(claimed) = %v, want ErrConflict", err)
		}
		if err := q.ExecutionCreate(ctx, b); err != nil {
			return err
		}
		return q.HistoryAppend(ctx, events(a.ARN, 2, 2)...)
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	mustGet(t, s, b.ARN)
	if got := mustGet(t, s, a.ARN); got.Owner != "me" {
		t.Errorf("claim in the transaction not committed: %+v", got)
	}
	if _, err := s.TaskGet(ctx, "tok"); err != nil {
		t.Errorf("refused TaskDelete deleted: %v", err)
	}
	if got, _, err := s.HistoryList(ctx, store.HistoryFilter{ExecutionARN: a.ARN}); err != nil || len(got) != 2 {
		t.Errorf("HistoryList = %d events, %v; want 2", len(got), err)
	}
}

// testGroupCommit stores many executions' steps in one transaction, as the
// durable runner does.
func testGroupCommit(t *testing.T, s store.Store) {
	ctx := t.Context()
	execs := batch(50)
	mustCreate(t, s, execs...)
	for round := range 3 {
		if err := saveBatch(ctx, s, execs, 5, t0.Add(time.Duration(round)*time.Second)); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	for _, e := range execs {
		got := mustGet(t, s, e.ARN)
		if got.Version != 4 || got.LastEventID != 15 || string(got.State) != string(e.State) {
			t.Errorf("ExecutionGet(%s) = version %d, last event %d; want 4, 15", e.Name, got.Version, got.LastEventID)
		}
		evs, more, err := s.HistoryList(ctx, store.HistoryFilter{ExecutionARN: e.ARN, Limit: 100})
		if err != nil || more || len(evs) != 15 || evs[14].ID != 15 {
			t.Errorf("HistoryList(%s) = %d events, more %v, %v; want 15", e.Name, len(evs), more, err)
		}
	}
}

// batch makes n running executions with a 1 KiB snapshot.
func batch(n int) []*store.Execution {
	var out []*store.Execution
	for i := range n {
		e := execution(fmt.Sprintf("batch-%04d", i))
		e.State = []byte(`{"Frames":{"0":{"State":"` + strings.Repeat("x", 1000) + `"}}}`)
		out = append(out, e)
	}
	return out
}

// saveBatch stores one step of every execution: its new snapshot and
// perEvent history events, in one transaction.
func saveBatch(ctx context.Context, s store.Store, execs []*store.Execution, perExec int, now time.Time) error {
	evs := make([]store.HistoryEvent, 0, len(execs)*perExec)
	for _, e := range execs {
		for range perExec {
			e.LastEventID++
			evs = append(evs, store.HistoryEvent{
				ExecutionARN: e.ARN, ID: e.LastEventID, PreviousID: e.LastEventID - 1, Timestamp: now,
				Type: "TaskStateEntered", Details: []byte(`{"name":"Charge","input":"{\"amount\":1050}"}`),
			})
		}
		e.DueAt = now.Add(time.Second)
	}
	return s.InTx(ctx, func(q store.Queries) error {
		if err := q.ExecutionSave(ctx, execs...); err != nil {
			return err
		}
		return q.HistoryAppend(ctx, evs...)
	})
}

// BenchmarkExecutionSaveBatch measures one group commit: 100 executions'
// snapshots plus 5 history events each, in one InTx.
func BenchmarkExecutionSaveBatch(b *testing.B, s store.Store) {
	const execs, perExec = 100, 5
	ctx := b.Context()
	es := batch(execs)
	if err := s.ExecutionCreate(ctx, es...); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	cpu0 := processCPU()
	for b.Loop() {
		n++
		if err := saveBatch(ctx, s, es, perExec, t0.Add(time.Duration(n)*time.Millisecond)); err != nil {
			b.Fatal(err)
		}
	}
	// The wall clock includes waiting for the disk; this process's CPU
	// (the database's too, when it runs in the process) does not.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(n), "cpu-µs/op")
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(n*execs*(1+perExec))/sec, "rows/s")
	b.ReportMetric(float64(n*execs)/sec, "execs/s")
}

// processCPU is the CPU time this process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
