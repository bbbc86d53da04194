package runner

import (
	"encoding/json"
	"log/slog"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/store"
)

// Resources runs the Task resources the runner does not run itself. The
// runner handles activities (arn:aws:states:…:activity:…) and nested
// executions (arn:aws:states:::states:startExecution[.sync[:2]]); every other
// Resource string goes to Resources.
type Resources interface {
	// Activity returns the ARN of the activity resource is bound to, or ""
	// when it is not bound to one: then Invoke runs it.
	Activity(resource string) string
	// Invoke runs the task (t.Resource, t.Input, t.Token) and returns its
	// result. A *engine.TaskError fails the task with its name; any other
	// error fails it as States.TaskFailed. For a resource ending in
	// ".waitForTaskToken" the result only acknowledges the call: the task
	// ends when its token is sent back (SendTaskSuccess and friends).
	// Invoke may be called again for a task whose result was not recorded
	// before a crash, so resources should be idempotent on t.Token.
	engine.Invoker
}

// Config configures a Runner.
type Config struct {
	Store     store.Store  // Required.
	Resources Resources    // Defaults to none: such tasks fail with States.TaskFailed.
	Clock     clock.Clock  // Defaults to clock.System{}.
	Logger    *slog.Logger // Defaults to discarding.
	Region    string       // For ARNs. Defaults to "us-east-1".
	Account   string       // For ARNs. Defaults to "123456789012".
	NodeID    string       // Names this node's claims. Defaults to a random id.
	// Exclusive says this runner is the only one on the store (SQLite): at
	// start it takes over every claim at once instead of waiting for leases
	// to run out.
	Exclusive bool
	Lease     time.Duration // How long a claim lasts unless renewed. Defaults to 30s.
	// PollInterval is how often the runner looks in the store for due
	// timers and expired claims it was not told about (other nodes' work,
	// a restart). Defaults to 1s.
	PollInterval time.Duration
	MaxBatch     int            // Steps per transaction at most. Defaults to 512.
	Rand         func() float64 // Retry jitter, States.MathRandom. Defaults to math/rand/v2.
	UUID         func() string  // Execution names, map run ids. Defaults to random v4 UUIDs.
}

// StartInput is what StartExecution and StartSyncExecution take.
type StartInput struct {
	StateMachineARN string
	Name            string // "" gives a UUID
	Input           string // JSON text; "" means "{}"
	TraceHeader     string
}

// StartOutput is what StartExecution returns.
type StartOutput struct {
	ExecutionARN string
	StartDate    time.Time
}

// ActivityTask is a task handed to a worker; Token is "" when none came.
type ActivityTask struct {
	Token string
	Input json.RawMessage
}

// Stats counts what a runner did since it started.
type Stats struct {
	Started        uint64 // executions started here
	Finished       map[engine.Status]uint64
	Transitions    uint64 // steps committed
	Batches        uint64 // transactions committed
	Events         uint64 // history events written
	TasksInvoked   uint64
	TaskLatency    time.Duration // summed time from task scheduled to its result recorded
	TasksCompleted uint64
	TimerLag       time.Duration // summed lateness of fired timers
	TimersFired    uint64
}
