package store

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Conditions callers branch on. Methods wrap them with what they know
// ("execution arn:...: store: conflict"); test with errors.Is.
var (
	ErrNotFound      = errors.New("store: not found")
	ErrConflict      = errors.New("store: conflict")       // someone else moved the row: reload and retry
	ErrExists        = errors.New("store: already exists") // the key is taken
	ErrInvalidCursor = errors.New("store: invalid cursor")
)

// BatchError says which keys of a batch call hit Err (ErrNotFound,
// ErrConflict or ErrExists), so that a caller can retry without them.
type BatchError struct {
	Err  error
	Keys []string // ARNs, tokens or "ARN#eventID", in the caller's order
}

func (e *BatchError) Error() string { return strings.Join(e.Keys, ", ") + ": " + e.Err.Error() }
func (e *BatchError) Unwrap() error { return e.Err }

// Page sizes of the List methods: a limit ≤ 0 means DefaultLimit, and limits
// above MaxLimit are lowered to it.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// PageLimit returns the limit a List method applies for the requested one.
func PageLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultLimit
	case limit > MaxLimit:
		return MaxLimit
	}
	return limit
}

// Queries is implemented by Store and by the transaction handed to InTx.
//
// Every method is atomic: when it returns an error it has changed nothing,
// and inside InTx the transaction stays usable after ErrNotFound,
// ErrConflict and ErrExists (other errors should be returned from fn).
// Batch methods take many rows in one call so that a transaction holding
// many executions' changes costs few statements.
//
// Times are stored in UTC, truncated to microseconds; a zero time.Time is
// stored as NULL ("none").
type Queries interface {
	// StateMachineCreate stores sm and its first revision (sm.RevisionID).
	// ErrExists when the name or the ARN is taken.
	StateMachineCreate(ctx context.Context, sm *StateMachine) error
	// StateMachineGet returns the machine with its current definition.
	StateMachineGet(ctx context.Context, arn string) (*StateMachine, error)
	// StateMachineList pages through the machines by name. Definitions are
	// left empty. The returned cursor is "" on the last page.
	StateMachineList(ctx context.Context, cursor string, limit int) ([]*StateMachine, string, error)
	// StateMachineUpdate makes a new current revision; older revisions stay
	// readable with StateMachineRevisionGet.
	StateMachineUpdate(ctx context.Context, u *StateMachineUpdate) (*StateMachine, error)
	// StateMachineSetStatus changes the status (DeleteStateMachine marks DELETING).
	StateMachineSetStatus(ctx context.Context, arn string, status StateMachineStatus) error
	// StateMachineDelete removes the machine, its revisions and its tags.
	// Executions are kept.
	StateMachineDelete(ctx context.Context, arn string) error
	// StateMachineRevisionGet returns one revision of a machine.
	StateMachineRevisionGet(ctx context.Context, arn, revisionID string) (*StateMachineRevision, error)

	// ExecutionCreate stores new executions and sets each one's Version to 1.
	// When any ARN is taken it stores none and returns a *BatchError of
	// ErrExists naming them.
	ExecutionCreate(ctx context.Context, execs ...*Execution) error
	// ExecutionGet returns the whole execution, snapshot included.
	ExecutionGet(ctx context.Context, arn string) (*Execution, error)
	// ExecutionVersions returns the Version of each of arns that exists
	// (missing ones are left out), in one query: enough for a runner with
	// the rows in memory to know which moved.
	ExecutionVersions(ctx context.Context, arns ...string) (map[string]int64, error)
	// ExecutionList pages through executions newest first (StartedAt, then
	// insertion order). Input, Output and State are left nil.
	ExecutionList(ctx context.Context, f ExecutionFilter) ([]*Execution, string, error)
	// ExecutionSave writes every mutable field of each execution (see
	// Execution) provided its stored Version still equals e.Version, and
	// then increments e.Version. If any is missing or was moved by someone
	// else it saves none and returns a *BatchError of ErrNotFound or
	// ErrConflict naming them.
	ExecutionSave(ctx context.Context, execs ...*Execution) error
	// ExecutionClaimDue claims up to limit RUNNING executions whose DueAt is
	// at or before now and that no one holds a live lease on (Owner is empty
	// or LeaseUntil is at or before now), earliest DueAt first: it sets
	// Owner and LeaseUntil, increments Version and returns them. Concurrent
	// callers never get the same execution (SKIP LOCKED on PostgreSQL). A
	// limit ≤ 0 claims nothing.
	ExecutionClaimDue(ctx context.Context, now time.Time, owner string, leaseUntil time.Time, limit int) ([]*Execution, error)
	// ExecutionClaimExpired claims up to limit RUNNING executions whose
	// owner's lease ran out (LeaseUntil at or before now), due or not: the
	// work a crashed node left behind.
	ExecutionClaimExpired(ctx context.Context, now time.Time, owner string, leaseUntil time.Time, limit int) ([]*Execution, error)
	// ExecutionClaim claims one execution whatever its status, when it is
	// unclaimed, already owner's, or its lease ran out; ErrConflict when
	// another owner holds a live lease.
	ExecutionClaim(ctx context.Context, arn, owner string, now, leaseUntil time.Time) (*Execution, error)
	// ExecutionRelease clears Owner and LeaseUntil of those of arns that
	// owner still holds; the others are left alone. Version is unchanged.
	ExecutionRelease(ctx context.Context, owner string, arns ...string) error
	// ExecutionCounts returns how many executions have each status (for
	// metrics); statuses no execution has are left out.
	ExecutionCounts(ctx context.Context) (map[ExecutionStatus]int64, error)

	// HistoryAppend stores events of one or many executions. ErrNotFound
	// when an execution is missing, ErrExists when an (ExecutionARN, ID)
	// pair is taken; then none is stored.
	HistoryAppend(ctx context.Context, events ...HistoryEvent) error
	// HistoryList returns up to f.Limit events of an execution in ID order
	// (descending when f.Reverse) that come after f.AfterID in that order,
	// and whether more follow. An unknown execution has no events.
	HistoryList(ctx context.Context, f HistoryFilter) ([]HistoryEvent, bool, error)

	// TaskCreate stores tasks. ErrExists when a token is taken, ErrNotFound
	// when an execution is missing; then none is stored.
	TaskCreate(ctx context.Context, tasks ...Task) error
	// TaskGet returns the task with that token.
	TaskGet(ctx context.Context, token string) (*Task, error)
	// TaskList returns the tasks of an execution by TaskID.
	TaskList(ctx context.Context, executionARN string) ([]Task, error)
	// TaskDelete deletes the tasks. ErrNotFound when any token is missing;
	// then none is deleted, so concurrent settlements of one token see
	// exactly one success.
	TaskDelete(ctx context.Context, tokens ...string) error
	// TaskHeartbeat records a heartbeat at at.
	TaskHeartbeat(ctx context.Context, token string, at time.Time) error
	// ActivityTaskClaim hands the oldest unstarted task of the activity to
	// worker, setting StartedAt to now. ErrNotFound when none is waiting.
	// Concurrent callers never get the same task.
	ActivityTaskClaim(ctx context.Context, activityARN, worker string, now time.Time) (*Task, error)

	// ActivityCreate stores a. Like AWS it is idempotent on the name: when
	// the name exists it returns the stored activity and no error.
	ActivityCreate(ctx context.Context, a *Activity) (*Activity, error)
	ActivityGet(ctx context.Context, arn string) (*Activity, error)
	// ActivityList pages through activities by name.
	ActivityList(ctx context.Context, cursor string, limit int) ([]*Activity, string, error)
	// ActivityDelete removes the activity and its tags; its tasks stay.
	ActivityDelete(ctx context.Context, arn string) error

	// TagsPut adds or overwrites tags of a resource.
	TagsPut(ctx context.Context, resourceARN string, tags map[string]string) error
	// TagsDelete removes keys from a resource's tags; missing keys are ignored.
	TagsDelete(ctx context.Context, resourceARN string, keys ...string) error
	// TagsList returns a resource's tags (an empty map when it has none).
	TagsList(ctx context.Context, resourceARN string) (map[string]string, error)
}

// Store is a database holding paystep's state.
type Store interface {
	Queries
	// InTx runs fn in one transaction, committed when fn returns nil and
	// rolled back otherwise; fn's error is returned as is. fn must use only
	// q, and must not keep it.
	InTx(ctx context.Context, fn func(q Queries) error) error
	Close() error
}
