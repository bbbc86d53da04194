package runner

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"time"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/store"
)

// snapshot is what the runner stores in an execution's State column.
type snapshot struct {
	Key      []byte           // signs the execution's task tokens
	Parent   *parentRef       `json:",omitempty"` // the task of a parent waiting on this execution (.sync)
	Children map[int64]string `json:",omitempty"` // task id → child execution ARN, for .sync tasks
	Queued   map[int64]bool   `json:",omitempty"` // activity tasks with a row in the tasks table
	Ex       *engine.Execution
}

// parentRef is a parent execution's task waiting for this one to end.
type parentRef struct {
	ARN     string
	TaskID  int64
	Version int // 1 for .sync, 2 for .sync:2
}

// entry is an execution loaded by the writer.
type entry struct {
	row  *store.Execution
	snap snapshot
	sm   *asl.StateMachine

	// scheduled is when each pending task was scheduled, for task latency;
	// kept in memory only.
	scheduled map[int64]time.Time

	// Per batch.
	touched bool
	dirty   bool // must be saved
	created bool // made in this batch
	stored  bool // made in this batch and already written by ExecutionCreate
	events  []engine.HistoryEvent
	cmds    []*command
}

func (e *entry) ex() *engine.Execution { return e.snap.Ex }

func decodeEntry(row *store.Execution) (*entry, error) {
	e := &entry{row: row}
	if err := json.Unmarshal(row.State, &e.snap); err != nil {
		return nil, fmt.Errorf("execution %s: snapshot: %w", row.ARN, err)
	}
	if e.snap.Ex == nil {
		return nil, fmt.Errorf("execution %s: snapshot without an execution", row.ARN)
	}
	if e.snap.Ex.Frames == nil {
		e.snap.Ex.Frames = map[int]*engine.Frame{}
	}
	return e, nil
}

// sync copies the execution's state into its row.
func (e *entry) sync(owner string, leaseUntil time.Time) error {
	ex := e.ex()
	state, err := json.Marshal(&e.snap)
	if err != nil {
		return fmt.Errorf("execution %s: snapshot: %w", ex.ARN, err)
	}
	row := e.row
	row.State = state
	row.Status = store.ExecutionStatus(ex.Status)
	row.Output = ex.Output
	row.Error, row.Cause = ex.Error, ex.Cause
	row.StoppedAt = ex.StopTime
	row.LastEventID = ex.LastEventID
	row.DueAt = ex.NextWake()
	row.RedriveCount = ex.RedriveCount
	row.Owner, row.LeaseUntil = owner, leaseUntil
	if ex.Status.Terminal() {
		row.Owner, row.LeaseUntil = "", time.Time{}
	}
	return nil
}

// pendingTask returns the task id the execution waits on, or nil.
func pendingTask(ex *engine.Execution, id int64) *engine.Task {
	for _, f := range ex.Frames {
		if f.Task != nil && f.Task.ID == id {
			return f.Task
		}
	}
	return nil
}

// timerHeap orders the due times the writer wrote.
type timerHeap []timerItem

type timerItem struct {
	at  time.Time
	arn string
}

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timerItem)) }
func (h *timerHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

func (h *timerHeap) add(at time.Time, arn string) { heap.Push(h, timerItem{at, arn}) }

func (h timerHeap) peek() (time.Time, bool) {
	if len(h) == 0 {
		return time.Time{}, false
	}
	return h[0].at, true
}

// popDue removes the items due at now and returns their ARNs, once each.
func (h *timerHeap) popDue(now time.Time) []string {
	var arns []string
	seen := map[string]bool{}
	for len(*h) > 0 && !(*h)[0].at.After(now) {
		it := heap.Pop(h).(timerItem)
		if !seen[it.arn] {
			seen[it.arn] = true
			arns = append(arns, it.arn)
		}
	}
	return arns
}
