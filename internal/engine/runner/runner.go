// Package runner runs executions durably on a store.Store.
//
// One writer goroutine owns every change: API calls, task results and timers
// become commands on its queue, and it applies as many as are waiting (up to
// Config.MaxBatch) in one transaction: each command loads its execution
// (from a cache of the executions this node works on, else the store), feeds
// engine.Step one event, and the batch's snapshots, history events and
// activity tasks are written with one call each before the commit. Only
// then are callers answered and effects performed (tasks invoked, waiters
// woken), so nothing is acknowledged that a crash could take back.
//
// Timers are the executions' due_at column: the writer keeps a heap of the
// due times it wrote and, every PollInterval, claims due executions other
// nodes or an earlier process left. An execution with a task running inside
// this process (an HTTP call, a built-in) is claimed with a lease, renewed
// while the task runs; when a node dies its lease runs out and another node
// claims the execution and invokes the task again. That is the one thing that
// can repeat after a crash: a task whose result was not yet recorded. Task
// tokens and the resources' idempotency make that safe. Every save checks the
// row's version, so a step is committed once: a node that lost a race gets a
// conflict, reloads and tries again.
package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/store"
)

// Runner runs executions. Create it with New, then call Run.
type Runner struct {
	cfg Config
	st  store.Store
	clk clock.Clock
	log *slog.Logger

	cmds    chan *command
	kick    chan struct{} // wakes the writer: a poller arrived
	done    chan struct{} // closed when Run returns
	started atomic.Bool
	baseCtx context.Context // for invocations; set by Run

	mu         sync.Mutex
	machines   map[string]*asl.StateMachine // by ARN "\x00" revision
	waiters    map[string][]chan *store.Execution
	pollers    map[string][]*poller // by activity ARN
	pollDirty  map[string]bool      // activities whose pollers have not been tried yet
	inflight   map[string]context.CancelFunc
	activities map[string]time.Time // activities found to exist, and when
	routes     sync.Map             // Resource string → activity ARN, or "" when invoked here

	// The writer's own; no locking.
	cache map[string]*entry
	// noTasks holds, when the runner is alone on its store, the activities
	// it found without a waiting task row and has made none for since: a
	// new poller of one of them needs no query.
	noTasks map[string]bool
	heap    timerHeap
	retry   []*command

	stats counters
}

// New returns a runner; it does nothing until Run.
func New(cfg Config) (*Runner, error) {
	if cfg.Store == nil {
		return nil, errors.New("runner: Config.Store is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Account == "" {
		cfg.Account = "123456789012"
	}
	if cfg.NodeID == "" {
		cfg.NodeID = "node-" + randomHex(6)
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 512
	}
	if cfg.Rand == nil {
		cfg.Rand = mrand.Float64
	}
	if cfg.UUID == nil {
		cfg.UUID = newUUID
	}
	return &Runner{
		cfg:        cfg,
		st:         cfg.Store,
		clk:        cfg.Clock,
		log:        cfg.Logger,
		cmds:       make(chan *command, 4*cfg.MaxBatch),
		kick:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		baseCtx:    context.Background(),
		machines:   map[string]*asl.StateMachine{},
		waiters:    map[string][]chan *store.Execution{},
		pollers:    map[string][]*poller{},
		pollDirty:  map[string]bool{},
		inflight:   map[string]context.CancelFunc{},
		activities: map[string]time.Time{},
		cache:      map[string]*entry{},
		noTasks:    map[string]bool{},
	}, nil
}

// ErrStopped is returned to calls made after Run returned.
var ErrStopped = errors.New("runner: stopped")

// Run works until ctx is cancelled, then finishes the batch at hand,
// answers the calls still queued with ErrStopped and returns. Tasks running
// inside the process are cancelled; they run again after a restart.
func (r *Runner) Run(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		return errors.New("runner: Run called twice")
	}
	invokeCtx, cancelInvokes := context.WithCancel(context.WithoutCancel(ctx))
	r.baseCtx = invokeCtx
	defer func() {
		cancelInvokes()
		close(r.done)
		r.drainStopped()
	}()

	if err := r.recover(ctx); err != nil {
		return err
	}
	nextPoll := r.clk.Now()
	nextRenew := r.clk.Now().Add(r.cfg.Lease / 3)
	for {
		now := r.clk.Now()
		wake := nextPoll
		if due, ok := r.heap.peek(); ok && due.Before(wake) {
			wake = due
		}
		var batch []*command
		poll := false
		if len(r.retry) > 0 {
			batch, r.retry = r.retry, nil
		} else if d := wake.Sub(now); d > 0 {
			timer := r.clk.After(d)
			select {
			case c := <-r.cmds:
				batch = append(batch, c)
			case <-r.kick:
			case <-timer:
			case <-ctx.Done():
				return nil
			}
		}
		now = r.clk.Now()
		if !now.Before(nextPoll) {
			poll = true
			nextPoll = now.Add(r.cfg.PollInterval)
		}
	fill:
		for len(batch) < r.cfg.MaxBatch {
			select {
			case c := <-r.cmds:
				batch = append(batch, c)
			default:
				break fill
			}
		}
		claim := poll
		for _, arn := range r.heap.popDue(now) {
			if e := r.cache[arn]; e != nil && !e.ex().Status.Terminal() {
				batch = append(batch, &command{kind: cmdTick, arn: arn})
			} else {
				claim = true
			}
		}
		if !now.Before(nextRenew) {
			batch = append(batch, r.renewals()...)
			nextRenew = now.Add(r.cfg.Lease / 3)
		}
		if len(batch) == 0 && !claim && !poll && !r.pollersToServe() {
			continue // pollers came for activities known to have no task: no transaction
		}
		r.process(ctx, batch, claim, poll)
		if ctx.Err() != nil {
			return nil
		}
	}
}

// pollersToServe reports whether new pollers wait for an activity that
// may have a task waiting, for which a transaction must look. The others
// (a runner alone on its store knows some activities have none) are
// marked seen.
func (r *Runner) pollersToServe() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for act := range r.pollDirty {
		if len(r.pollers[act]) > 0 && !r.noTasks[act] {
			return true
		}
	}
	clear(r.pollDirty)
	return false
}

// drainStopped answers what is still queued once Run has returned.
func (r *Runner) drainStopped() {
	for _, c := range r.retry {
		c.answer(result{err: ErrStopped})
	}
	for {
		select {
		case c := <-r.cmds:
			c.answer(result{err: ErrStopped})
		default:
			r.mu.Lock()
			for _, ps := range r.pollers {
				for _, p := range ps {
					p.release()
				}
			}
			r.mu.Unlock()
			return
		}
	}
}

// recover takes over the executions whose claims a crashed process left, and
// invokes their in-process tasks again.
func (r *Runner) recover(ctx context.Context) error {
	if !r.cfg.Exclusive {
		return nil // expired claims are taken at every poll
	}
	for {
		n, err := r.claimExpired(ctx, r.clk.Now().Add(100*365*24*time.Hour))
		if err != nil {
			return fmt.Errorf("runner: take over claims: %w", err)
		}
		if n < r.cfg.MaxBatch {
			return nil
		}
	}
}

// enqueue hands a command to the writer; internal commands wait for room.
func (r *Runner) enqueue(c *command) {
	select {
	case r.cmds <- c:
	case <-r.done:
	}
}

// do runs an API command through the writer and waits for its answer. A
// call made before Run starts waits for it (or for ctx).
func (r *Runner) do(ctx context.Context, c *command) (result, error) {
	c.reply = make(chan result, 1)
	select {
	case r.cmds <- c:
	case <-ctx.Done():
		return result{}, ctx.Err()
	case <-r.done:
		return result{}, ErrStopped
	}
	select {
	case res := <-c.reply:
		return res, res.err
	case <-ctx.Done():
		return result{}, ctx.Err()
	case <-r.done:
		return result{}, ErrStopped
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// counters are Stats as atomics.
type counters struct {
	started, transitions, batches, events, invoked, completed, fired atomic.Uint64
	taskLatency, timerLag                                            atomic.Int64
	finished                                                         sync.Map // engine.Status → *atomic.Uint64
}

func (c *counters) finish(s engine.Status) {
	v, _ := c.finished.LoadOrStore(s, new(atomic.Uint64))
	v.(*atomic.Uint64).Add(1)
}

// Stats returns what the runner did so far.
func (r *Runner) Stats() Stats {
	c := &r.stats
	s := Stats{
		Started: c.started.Load(), Transitions: c.transitions.Load(), Batches: c.batches.Load(),
		Events: c.events.Load(), TasksInvoked: c.invoked.Load(), TasksCompleted: c.completed.Load(),
		TaskLatency: time.Duration(c.taskLatency.Load()), TimersFired: c.fired.Load(),
		TimerLag: time.Duration(c.timerLag.Load()), Finished: map[engine.Status]uint64{},
	}
	c.finished.Range(func(k, v any) bool {
		s.Finished[k.(engine.Status)] = v.(*atomic.Uint64).Load()
		return true
	})
	return s
}
