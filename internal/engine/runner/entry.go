package runner

import (
	"bytes"
	"container/heap"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
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

// appendJSON appends the snapshot as json.Marshal writes it, without
// reflection: it is written after every step.
func (s *snapshot) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"Key":`...)
	if s.Key == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, s.Key)
		b = append(b, '"')
	}
	if p := s.Parent; p != nil {
		b = append(b, `,"Parent":{"ARN":`...)
		b = engine.AppendJSONString(b, p.ARN, true)
		b = append(b, `,"TaskID":`...)
		b = strconv.AppendInt(b, p.TaskID, 10)
		b = append(b, `,"Version":`...)
		b = strconv.AppendInt(b, int64(p.Version), 10)
		b = append(b, '}')
	}
	if len(s.Children) > 0 {
		b = append(b, `,"Children":{`...)
		for i, id := range sortedIDs(s.Children) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = strconv.AppendInt(b, id, 10)
			b = append(b, '"', ':')
			b = engine.AppendJSONString(b, s.Children[id], true)
		}
		b = append(b, '}')
	}
	if len(s.Queued) > 0 {
		b = append(b, `,"Queued":{`...)
		for i, id := range sortedIDs(s.Queued) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = strconv.AppendInt(b, id, 10)
			b = append(b, '"', ':')
			b = strconv.AppendBool(b, s.Queued[id])
		}
		b = append(b, '}')
	}
	b = append(b, `,"Ex":`...)
	b, err := s.Ex.AppendJSON(b)
	return append(b, '}'), err
}

// sortedIDs returns m's keys in encoding/json's order: by their text.
func sortedIDs[V any](m map[int64]V) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, engine.CompareDecimal64)
	return ids
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
	// Numbers stay json.Number, as the engine decodes every input: a
	// float64 would round amounts beyond 2^53 and rewrite 1.10 as 1.1.
	dec := json.NewDecoder(bytes.NewReader(row.State))
	dec.UseNumber()
	if err := dec.Decode(&e.snap); err != nil {
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
	state, err := e.snap.appendJSON(make([]byte, 0, max(512, len(e.row.State)+256)))
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
