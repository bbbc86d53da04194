package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/store"
)

// calls counts invocations per execution and resource.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

func (c *calls) resources(hang func(t *engine.Task) bool) resources {
	return func(ctx context.Context, t *engine.Task) (json.RawMessage, error) {
		var in struct{ ID string }
		json.Unmarshal(t.Input, &in)
		c.mu.Lock()
		c.n[in.ID+"/"+t.Resource]++
		c.mu.Unlock()
		if hang != nil && hang(t) {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return json.RawMessage(`{"ok":true}`), nil
	}
}

func TestTwoRunnersShareOneDatabase(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB) store.Store) {
		st := open(t)
		sm := createMachine(t, st, "shared", `{"StartAt":"First","States":{
			"First":{"Type":"Task","Resource":"first","ResultPath":"$.first","Next":"Pause"},
			"Pause":{"Type":"Wait","Seconds":1,"Next":"Second"},
			"Second":{"Type":"Task","Resource":"second","ResultPath":"$.second","End":true}}}`, "")
		c := &calls{n: map[string]int{}}
		cfg := func(node string) Config {
			return Config{Resources: c.resources(nil), NodeID: node, Lease: 2 * time.Second, PollInterval: 50 * time.Millisecond}
		}
		a, b := start(t, st, cfg("a")), start(t, st, cfg("b"))
		var arns []string
		for i := range 30 {
			h := a
			if i%2 == 1 {
				h = b
			}
			arns = append(arns, h.startExec(fmt.Sprintf("e%d", i), sm, fmt.Sprintf(`{"ID":"e%d"}`, i)))
		}
		for i, arn := range arns {
			row := a.wait(arn)
			if row.Status != store.ExecutionSucceeded {
				t.Errorf("%s = %s %s %s", arn, row.Status, row.Error, row.Cause)
			}
			if evs := history(t, st, arn); len(evs) != 14 {
				t.Errorf("%s has %d events, want 14: %v", arn, len(evs), types(evs))
			}
			for _, res := range []string{"first", "second"} {
				if n := c.count(fmt.Sprintf("e%d/%s", i, res)); n != 1 {
					t.Errorf("e%d called %s %d times, want once", i, res, n)
				}
			}
		}
	})
}

func TestAnotherRunnerTakesOverWhenOneDies(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, open func(testing.TB) store.Store) {
		st := open(t)
		sm := createMachine(t, st, "takeover", `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"call","End":true}}}`, "")
		c := &calls{n: map[string]int{}}
		entered := make(chan struct{}, 1)
		dying := start(t, st, Config{NodeID: "dying", Lease: time.Second, PollInterval: 50 * time.Millisecond,
			Resources: c.resources(func(*engine.Task) bool { entered <- struct{}{}; return true })})
		arn := dying.startExec("t1", sm, `{"ID":"t1"}`)
		<-entered
		dying.shutdown() // its task never answers, its claim stays until the lease runs out

		survivor := start(t, st, Config{NodeID: "survivor", Lease: time.Second, PollInterval: 50 * time.Millisecond, Resources: c.resources(nil)})
		row := survivor.wait(arn)
		if n := c.count("t1/call"); row.Status != store.ExecutionSucceeded || n != 2 {
			t.Errorf("after the takeover: %s, %d calls; want SUCCEEDED after a second call", row.Status, n)
		}
		if evs := history(t, st, arn); len(evs) != 7 {
			t.Errorf("history %v, want 7 events", types(evs))
		}
	})
}
