package store

import "time"

// StateMachineType is STANDARD or EXPRESS.
type StateMachineType string

// State machine types.
const (
	StateMachineStandard StateMachineType = "STANDARD"
	StateMachineExpress  StateMachineType = "EXPRESS"
)

// StateMachineStatus is ACTIVE, or DELETING once DeleteStateMachine was
// called and executions are still running.
type StateMachineStatus string

// State machine statuses.
const (
	StateMachineActive   StateMachineStatus = "ACTIVE"
	StateMachineDeleting StateMachineStatus = "DELETING"
)

// StateMachine is a state machine with its current revision.
type StateMachine struct {
	ARN         string
	Name        string
	Type        StateMachineType
	Definition  string // the text as given
	RoleARN     string
	Description string
	Status      StateMachineStatus
	RevisionID  string // the current revision
	CreatedAt   time.Time
	UpdatedAt   time.Time // when the current revision was made
}

// StateMachineRevision is one definition a state machine has had.
// Executions keep the revision they started with.
type StateMachineRevision struct {
	StateMachineARN string
	RevisionID      string
	Definition      string
	RoleARN         string
	CreatedAt       time.Time
}

// StateMachineUpdate makes RevisionID the current revision of the machine ARN.
type StateMachineUpdate struct {
	ARN         string
	RevisionID  string // the new revision's id, made by the caller; ErrExists if the machine had it
	Definition  string
	RoleARN     string
	Description string
	UpdatedAt   time.Time
	// IfRevisionID, when set, makes the update fail with ErrConflict unless
	// the current revision is this one.
	IfRevisionID string
}

// ExecutionStatus is an execution's status, as the Step Functions API names it.
type ExecutionStatus string

// Execution statuses.
const (
	ExecutionRunning        ExecutionStatus = "RUNNING"
	ExecutionSucceeded      ExecutionStatus = "SUCCEEDED"
	ExecutionFailed         ExecutionStatus = "FAILED"
	ExecutionTimedOut       ExecutionStatus = "TIMED_OUT"
	ExecutionAborted        ExecutionStatus = "ABORTED"
	ExecutionPendingRedrive ExecutionStatus = "PENDING_REDRIVE"
)

// Execution is the stored row of one execution. ExecutionSave writes the
// fields from Status down; those above it are fixed at creation.
type Execution struct {
	ARN             string
	Name            string
	StateMachineARN string
	RevisionID      string // the state machine revision the execution runs
	Input           []byte
	StartedAt       time.Time

	Status       ExecutionStatus
	Output       []byte
	Error        string
	Cause        string
	StoppedAt    time.Time // zero while running
	State        []byte    // the engine's snapshot, opaque to the store
	LastEventID  int64
	DueAt        time.Time // the next timer; zero when none
	Owner        string    // the node holding the claim; "" when unclaimed
	LeaseUntil   time.Time // when the claim runs out; zero when unclaimed
	RedriveCount int
	RedriveDate  time.Time

	// Version counts the writes of the row, for optimistic concurrency: the
	// store sets it to 1 on create and increments it on every save and claim.
	Version int64
}

// ExecutionFilter selects executions for ExecutionList.
type ExecutionFilter struct {
	StateMachineARN string          // "" for all
	Status          ExecutionStatus // "" for all
	Cursor          string          // from the previous page; "" for the first
	Limit           int
}

// HistoryEvent is one stored history event. Details is the event's details
// object as JSON, opaque to the store.
type HistoryEvent struct {
	ExecutionARN string
	ID           int64
	PreviousID   int64
	Timestamp    time.Time
	Type         string
	Details      []byte
}

// HistoryFilter selects history events for HistoryList.
type HistoryFilter struct {
	ExecutionARN string
	AfterID      int64 // 0 for the start (the end when Reverse)
	Limit        int
	Reverse      bool
}

// Task is a task an execution waits on, found by its token: a callback
// (.waitForTaskToken) or, with ActivityARN set, an activity task.
type Task struct {
	Token        string
	ExecutionARN string
	TaskID       int64
	ActivityARN  string // "" unless an activity task
	Input        []byte
	CreatedAt    time.Time
	StartedAt    time.Time // when a worker got it; zero before
	WorkerName   string
	HeartbeatAt  time.Time // the last heartbeat; zero before the first
}

// Activity is an activity workers poll for tasks.
type Activity struct {
	ARN       string
	Name      string
	CreatedAt time.Time
}
