// Package engine runs States Language executions. Step is the pure
// interpreter: it advances an Execution by one Event and returns the history
// events and effects (tasks to invoke, tasks to cancel) that follow, reading
// neither clock nor randomness of its own. Runners do the I/O around it.
package engine

import (
	"encoding/json"
	"time"
)

// Status is an execution's status, as the Step Functions API names it.
type Status string

// Execution statuses.
const (
	StatusRunning   Status = "RUNNING"
	StatusSucceeded Status = "SUCCEEDED"
	StatusFailed    Status = "FAILED"
	StatusTimedOut  Status = "TIMED_OUT"
	StatusAborted   Status = "ABORTED"
)

// Terminal reports whether s is a final status.
func (s Status) Terminal() bool { return s != StatusRunning && s != "" }

// MaxPayloadBytes is AWS's limit on execution input, state output and task results.
const MaxPayloadBytes = 256 * 1024

// Execution is the complete runtime state of one execution. It is plain data
// and marshals to JSON, so a durable runner can store it between steps.
type Execution struct {
	ARN              string
	Name             string
	StateMachineARN  string
	StateMachineName string
	RoleARN          string
	Status           Status
	Input            json.RawMessage
	Output           json.RawMessage `json:",omitempty"`
	Error            string          `json:",omitempty"`
	Cause            string          `json:",omitempty"`
	StartTime        time.Time
	StopTime         time.Time `json:",omitzero"`
	RedriveCount     int       `json:",omitempty"`
	// Redrive is where EventRedrive restarts an execution that did not
	// succeed: the top-level state that was running when it ended.
	Redrive *RedrivePoint `json:",omitempty"`

	LastEventID int64
	NextFrameID int
	NextTaskID  int64
	NextTimerID int64
	Frames      map[int]*Frame
	Timers      []Timer `json:",omitempty"` // sorted by At, then ID
}

// NextWake is when the execution next needs a Tick, or the zero time.
func (ex *Execution) NextWake() time.Time {
	if len(ex.Timers) == 0 || ex.Status.Terminal() {
		return time.Time{}
	}
	return ex.Timers[0].At
}

// PendingTasks lists the tasks the execution waits on.
func (ex *Execution) PendingTasks() []*Task {
	var out []*Task
	for _, f := range ex.Frames {
		if f.Task != nil {
			out = append(out, f.Task)
		}
	}
	return out
}

// RedrivePoint is a top-level state to run again, with the input and
// variables it had.
type RedrivePoint struct {
	State string
	Input any
	Vars  map[string]any `json:",omitempty"`
	// Fan is set when State is a Parallel or an inline Map state whose
	// branches or iterations had started: a redrive runs only those that
	// did not succeed. Without it (a snapshot from before it existed, or
	// the state had not started its children) the state runs whole again.
	Fan *RedriveFan `json:",omitempty"`
}

// RedriveFan is what a redrive of a top-level Parallel or inline Map state
// keeps from the run that failed. Only the top-level state's own branches
// and iterations are tracked: a Parallel or Map nested inside one of them
// makes that branch or iteration run whole again.
type RedriveFan struct {
	Total int             // the state's branches or iterations
	Done  []RedriveBranch `json:",omitempty"` // those that succeeded, with their results, by index
	Rerun []RedriveBranch `json:",omitempty"` // the others, by index; for a Map, with the iteration's input
}

// RedriveBranch is one branch or iteration of a RedriveFan: Value is a
// succeeded one's result, or a Map iteration's input (after ItemSelector)
// to run again. A Parallel branch runs again with the state's effective
// input, computed anew.
type RedriveBranch struct {
	Index int
	Value any `json:",omitempty"`
}

// Redrivable reports whether EventRedrive can restart the execution.
func (ex *Execution) Redrivable() bool {
	return ex.Redrive != nil && (ex.Status == StatusFailed || ex.Status == StatusTimedOut || ex.Status == StatusAborted)
}

// Frame is one thread of control: the top-level machine, a Parallel branch
// or a Map iteration.
type Frame struct {
	ID     int
	Parent int  `json:",omitempty"` // -1 for the top level
	Index  int  `json:",omitempty"` // branch or item index within the parent state
	Quiet  bool `json:",omitempty"` // a DISTRIBUTED Map iteration: its events stay out of the history

	Phase     phase
	State     string
	Input     any            // the current state's raw input
	inputJSON []byte         // Input encoded (see cacheInput)
	inputOf   any            // the value inputJSON encodes
	Effective any            `json:",omitempty"` // the effective input of the current attempt
	Entered   int64          // event id of the current state's StateEntered event
	Last      int64          `json:",omitempty"` // id of the frame's latest event, its next event's previousEventId
	EnteredAt time.Time      // for $$.State.EnteredTime
	Retries   []int          `json:",omitempty"` // attempts used per retrier of the current state
	RetryN    int            `json:",omitempty"` // $$.State.RetryCount
	Vars      map[string]any `json:",omitempty"`
	MapItem   *mapItem       `json:",omitempty"` // $$.Map.Item of an iteration

	Task *Task    `json:",omitempty"` // the task the frame waits on
	Fan  *fanOut  `json:",omitempty"` // the branches or iterations of a Parallel or Map state
	Wait *waiting `json:",omitempty"` // a Wait state's timer
}

type phase int

const (
	phaseEnter   phase = iota // about to enter State with Input
	phaseStart                // a new iteration: emit MapIterationStarted, then enter
	phaseBlocked              // waiting on a task, a timer or children
)

type mapItem struct {
	Index int
	Value any
}

type waiting struct {
	TimerID int64
}

// Task is a task a frame waits on.
type Task struct {
	ID               int64
	Frame            int
	Resource         string
	Kind             ResourceKind
	Token            string `json:",omitempty"`
	Input            json.RawMessage
	TimeoutSeconds   int64 `json:",omitempty"`
	HeartbeatSeconds int64 `json:",omitempty"`
	Started          bool  `json:",omitempty"`
	Submitted        bool  `json:",omitempty"` // a .waitForTaskToken call was accepted: only the token ends it now
	HeartbeatTimer   int64 `json:",omitempty"`
	TimeoutTimer     int64 `json:",omitempty"`
}

// fanOut tracks the children of a Parallel or Map state.
type fanOut struct {
	Map         bool
	Distributed bool
	Items       []any // Map: each iteration's input
	Total       int
	Started     int
	Running     int
	Finished    int
	Failed      int
	Results     []any
	Children    []int // running child frame ids
	Rerun       []int `json:",omitempty"` // after a redrive: the indices still to start, in order
	MaxConc     int   // 0 means unlimited
	TolCount    int   // -1 means unset
	TolPercent  float64
	HasPercent  bool
	FirstError  string
	FirstCause  string
}

// Timer is a durable timer of an execution.
type Timer struct {
	ID    int64
	At    time.Time
	Frame int
	Kind  timerKind
	Task  int64 `json:",omitempty"`
}

type timerKind int

const (
	timerWait timerKind = iota
	timerRetry
	timerTaskTimeout
	timerHeartbeat
	timerExecution
)

// EventKind says what happened to an execution.
type EventKind int

// Events a runner feeds to Step.
const (
	EventStart         EventKind = iota // the execution starts (Execution.Input holds the input)
	EventTick                           // time passed: fire the timers due at Now
	EventTaskStarted                    // a worker picked up an activity task
	EventTaskSubmitted                  // a .waitForTaskToken call was accepted by its resource
	EventTaskSucceeded
	EventTaskFailed
	EventTaskHeartbeat
	EventStop    // StopExecution
	EventRedrive // RedriveExecution: run again from Execution.Redrive
)

// Event is an input to Step.
type Event struct {
	Kind       EventKind
	TaskID     int64
	Output     json.RawMessage // EventTaskSucceeded, EventTaskSubmitted
	Error      string          // EventTaskFailed, EventStop
	Cause      string
	WorkerName string
}

// Effect is something the runner must do after persisting a step.
type Effect struct {
	Invoke *Task // invoke this task's resource
	Cancel *Task // the task is no longer awaited; stop it if possible
}

// ResourceKind classifies a Task's Resource for its history events.
type ResourceKind int

// Resource kinds.
const (
	ResourceService  ResourceKind = iota // arn:aws:states:::service:action[.pattern]
	ResourceActivity                     // arn:aws:states:region:account:activity:name
	ResourceLambda                       // arn:aws:lambda:region:account:function:name
	ResourceCustom                       // any other string, resolved by bindings
)
