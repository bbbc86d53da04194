package runner

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/store"
)

// TestActivityHandOffUnderChurn keeps workers arriving and giving up all
// the time (short waits) while executions chain activity tasks: no task
// may be lost between a worker that leaves and one that comes.
func TestActivityHandOffUnderChurn(t *testing.T) {
	t.Parallel()
	st := dbtestOpen(t)
	var acts []string
	for i := range 3 {
		acts = append(acts, createActivity(t, st, fmt.Sprintf("churn-%d", i)))
	}
	sm := createMachine(t, st, "churn", `{"StartAt":"A","States":{
		"A":{"Type":"Task","Resource":"`+acts[0]+`","Next":"P"},
		"P":{"Type":"Parallel","Next":"C","Branches":[
			{"StartAt":"B1","States":{"B1":{"Type":"Task","Resource":"`+acts[1]+`","End":true}}},
			{"StartAt":"B2","States":{"B2":{"Type":"Task","Resource":"`+acts[1]+`","End":true}}}]},
		"C":{"Type":"Task","Resource":"`+acts[2]+`","End":true}}}`, "")
	h := start(t, st, Config{Exclusive: true, PollInterval: 20 * time.Millisecond})
	wctx, stop := context.WithCancel(context.Background())
	var workers sync.WaitGroup
	for _, act := range acts {
		for w := range 6 {
			workers.Go(func() {
				for wctx.Err() == nil {
					wait := time.Duration(1+w*3) * time.Millisecond
					task, err := h.r.GetActivityTask(wctx, act, "w", wait)
					if err != nil || task.Token == "" {
						continue
					}
					if err := h.r.SendTaskSuccess(context.Background(), task.Token, `{}`); err != nil {
						t.Errorf("SendTaskSuccess: %v", err)
					}
				}
			})
		}
	}
	defer func() { stop(); workers.Wait() }()
	var arns []string
	for i := range 150 {
		arns = append(arns, h.startExec(fmt.Sprintf("c%d", i), sm, `{}`))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, arn := range arns {
		row, err := h.r.WaitExecution(ctx, arn)
		if err != nil {
			evs := history(t, st, arn)
			t.Fatalf("%s did not end: %v; history %v", arn, err, types(evs))
		}
		if row.Status != store.ExecutionSucceeded {
			t.Errorf("%s = %s", arn, row.Status)
		}
	}
}
