package sqlite

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/internal/cursor"
)

// TestExecutionListUnsuccessfulPlan: listing a machine's failed, timed out
// or aborted executions reads the partial index of those, not every
// execution of the machine; other filters keep their plans.
func TestExecutionListUnsuccessfulPlan(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "paystep.db"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next := cursor.Encode(executionCursor{StartedAt: 1, ID: 2})
	for _, tc := range []struct {
		f    store.ExecutionFilter
		want string
	}{
		{store.ExecutionFilter{StateMachineARN: "arn:sm", Status: store.ExecutionFailed}, "executions_unsuccessful"},
		{store.ExecutionFilter{StateMachineARN: "arn:sm", Status: store.ExecutionTimedOut, Cursor: next}, "executions_unsuccessful"},
		{store.ExecutionFilter{StateMachineARN: "arn:sm", Status: store.ExecutionAborted}, "executions_unsuccessful"},
		{store.ExecutionFilter{StateMachineARN: "arn:sm", Status: store.ExecutionSucceeded}, "executions_machine"},
		{store.ExecutionFilter{StateMachineARN: "arn:sm"}, "executions_machine"},
	} {
		query, args, err := executionListQuery(tc.f, 100)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.r.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if got := strings.Join(plan, "; "); !strings.Contains(got, "INDEX "+tc.want) {
			t.Errorf("plan of %+v = %q, want one using %s", tc.f, got, tc.want)
		}
	}
}
