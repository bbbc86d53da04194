package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/store/dbtest"
)

// twoStepDef waits $.wait seconds, calls E2E_WORK, waits again and calls it
// a second time: two timers and two HTTP tasks per execution.
const twoStepDef = `{"StartAt":"Nap","States":{
"Nap":{"Type":"Wait","SecondsPath":"$.wait","Next":"First"},
"First":{"Type":"Task","Resource":"E2E_WORK","Parameters":{"key.$":"States.Format('{}-1', $.key)"},"ResultPath":"$.first","Next":"Again"},
"Again":{"Type":"Wait","Seconds":1,"Next":"Second"},
"Second":{"Type":"Task","Resource":"E2E_WORK","Parameters":{"key.$":"States.Format('{}-2', $.key)"},"ResultPath":"$.second","Next":"Done"},
"Done":{"Type":"Succeed"}}}`

func twoStepOutput(key string, wait int) string {
	return fmt.Sprintf(`{"key":%q,"wait":%d,"first":{"done":"%s-1"},"second":{"done":"%s-2"}}`, key, wait, key, key)
}

// callsByKey groups the endpoint's calls by key.
func callsByKey(ep *endpoint) map[string][]call {
	out := map[string][]call{}
	for _, c := range ep.snapshot() {
		out[c.Key] = append(out[c.Key], c)
	}
	return out
}

// TestTwoNodesShareWork runs two `paystep serve` processes on one
// PostgreSQL database. Executions started on either node, with Waits and
// HTTP tasks bound (differently on each node, so the test sees which node
// ran a step) to a test server, all succeed, and every task runs exactly
// once. Then one node is killed with SIGKILL while executions it started
// sit in Wait states: the other node finishes them.
func TestTwoNodesShareWork(t *testing.T) {
	t.Parallel()
	db := dbtest.PostgresURL(t)
	ep := newEndpoint(t)
	nodeArgs := func(node string) []string {
		return []string{"--db", db, "--allow-private-targets",
			"--bindings", writeBindings(t, map[string]string{"E2E_WORK": ep.url("/" + node + "/work")})}
	}
	a := serve(t, "node a", nodeArgs("a")...)
	b := serve(t, "node b", nodeArgs("b")...)
	sm := a.createMachine(t, "two-step", twoStepDef)

	const shared, orphaned = 40, 20
	arns := map[string]string{}
	for i := range shared {
		name := fmt.Sprintf("shared-%02d", i)
		node := a
		if i%2 == 1 {
			node = b
		}
		arns[name] = node.start(t, sm, name, fmt.Sprintf(`{"key":%q,"wait":1}`, name))
	}
	var ref result
	for i := range shared {
		name := fmt.Sprintf("shared-%02d", i)
		got := a.awaitEnd(t, arns[name], 2*time.Minute)
		if got.Status != "SUCCEEDED" || !jsonEqual(got.Output, twoStepOutput(name, 1)) {
			t.Errorf("%s ended %s with %s (%s: %s)", name, got.Status, got.Output, got.Error, got.Cause)
		}
		if i == 0 {
			ref = got
		}
		sameEnd(t, name, result{Status: got.Status, History: got.History}, result{Status: ref.Status, History: ref.History}, true)
	}
	byNode := map[string]int{}
	calls := callsByKey(ep)
	for i := range shared {
		for _, step := range []string{"1", "2"} {
			key := fmt.Sprintf("shared-%02d-%s", i, step)
			if n := len(calls[key]); n != 1 {
				t.Errorf("task %s ran %d times, want once: %v", key, n, calls[key])
			}
			for _, c := range calls[key] {
				byNode[strings.Split(c.Path, "/")[1]]++
			}
		}
	}
	t.Logf("tasks run by node: %v", byNode)
	if byNode["a"] == 0 || byNode["b"] == 0 {
		t.Errorf("tasks run by node: %v; want both nodes working", byNode)
	}

	// Node a dies while the executions it started wait.
	for i := range orphaned {
		name := fmt.Sprintf("orphan-%02d", i)
		arns[name] = a.start(t, sm, name, fmt.Sprintf(`{"key":%q,"wait":3}`, name))
	}
	for i := range orphaned {
		name := fmt.Sprintf("orphan-%02d", i)
		eventually(t, time.Minute, name+" waits", func() bool {
			h, err := a.history(t.Context(), arns[name])
			return err == nil && count(h, "WaitStateEntered") > 0
		})
	}
	a.kill(t)
	for i := range orphaned {
		name := fmt.Sprintf("orphan-%02d", i)
		// A task node a had in flight when it died is taken over when
		// its claim's lease (serve's fixed 30s) runs out.
		got := b.awaitEnd(t, arns[name], 2*time.Minute)
		if got.Status != "SUCCEEDED" || !jsonEqual(got.Output, twoStepOutput(name, 3)) {
			t.Errorf("%s ended %s with %s (%s: %s)", name, got.Status, got.Output, got.Error, got.Cause)
		}
		sameEnd(t, name, result{Status: got.Status, History: got.History}, result{Status: ref.Status, History: ref.History}, true)
	}
	calls = callsByKey(ep)
	taken := 0
	for i := range orphaned {
		for _, step := range []string{"1", "2"} {
			key := fmt.Sprintf("orphan-%02d-%s", i, step)
			cs := calls[key]
			switch {
			case len(cs) == 1 && strings.HasPrefix(cs[0].Path, "/b/"):
			case len(cs) == 2 && strings.HasPrefix(cs[0].Path, "/a/") && strings.HasPrefix(cs[1].Path, "/b/") && cs[0].Token == cs[1].Token:
				taken++ // in flight on a when it died, run again by b
			default:
				t.Errorf("task %s: calls %v; want one by node b, or one in flight on a when it died and one by b with the same token", key, cs)
			}
		}
	}
	t.Logf("%d tasks were in flight on the killed node and ran again on the other", taken)
}

// TestNodeTakeoverAfterLease kills a node with SIGKILL while it runs HTTP
// tasks (the endpoint never answers it) and checks that the other node
// takes the executions over once their claims' lease runs out, invokes each
// task once more with the same task token, and ends them as a node that was
// never killed does. serve has no --lease flag, so the nodes are test
// nodes with a 2s lease (see node_test.go).
func TestNodeTakeoverAfterLease(t *testing.T) {
	t.Parallel()
	const lease = 2 * time.Second
	db := dbtest.PostgresURL(t)
	ep := newEndpoint(t)
	a := startNode(t, "a", db, writeBindings(t, map[string]string{"E2E_WORK": ep.url("/a/hang")}), lease)
	b := startNode(t, "b", db, writeBindings(t, map[string]string{"E2E_WORK": ep.url("/b/work")}), lease)
	const def = `{"StartAt":"Work","States":{
"Work":{"Type":"Task","Resource":"E2E_WORK","Parameters":{"key.$":"$.key"},"ResultPath":"$.work","Next":"Done"},
"Done":{"Type":"Succeed"}}}`
	sm := a.createMachine(t, "takeover", def)

	const n = 10
	arns := make([]string, n)
	keys := make([]string, n)
	for i := range n {
		keys[i] = fmt.Sprintf("held-%02d", i)
		arns[i] = a.start(t, sm, keys[i], fmt.Sprintf(`{"key":%q}`, keys[i]))
	}
	eventually(t, time.Minute, "node a calls every task", func() bool { return ep.has(keys...) })
	// Node a renews its claims while the calls hang: for twice the lease
	// (an absence cannot be polled for), b must leave them alone.
	select {
	case <-time.After(2 * lease):
	case <-t.Context().Done():
	}
	for _, k := range keys {
		if cs := callsByKey(ep)[k]; len(cs) != 1 || cs[0].Path != "/a/hang" {
			t.Fatalf("task %s: calls %v before the kill; want one, by node a", k, cs)
		}
	}
	a.kill(t)
	killed := time.Now()

	control := b.awaitEnd(t, b.start(t, sm, "control", `{"key":"control"}`), time.Minute)
	var wg sync.WaitGroup
	results := make([]result, n)
	for i := range n {
		wg.Go(func() { results[i] = b.awaitEnd(t, arns[i], time.Minute) })
	}
	wg.Wait()
	t.Logf("node b finished node a's executions %s after the kill (lease %s)", time.Since(killed).Round(time.Millisecond), lease)
	for i, got := range results {
		want := fmt.Sprintf(`{"key":%q,"work":{"done":%q}}`, keys[i], keys[i])
		if got.Status != "SUCCEEDED" || !jsonEqual(got.Output, want) {
			t.Errorf("%s ended %s with %s (%s: %s), want SUCCEEDED with %s", keys[i], got.Status, got.Output, got.Error, got.Cause, want)
		}
		sameEnd(t, keys[i], result{Status: got.Status, History: got.History}, result{Status: control.Status, History: control.History}, true)
		cs := callsByKey(ep)[keys[i]]
		if len(cs) != 2 || cs[0].Path != "/a/hang" || cs[1].Path != "/b/work" || cs[0].Token != cs[1].Token {
			t.Errorf("task %s: calls %v; want one by node a, then one by node b with the same token", keys[i], cs)
		}
	}
}
