// Package e2e tests paystep as its users run it: the built binary (or, where
// serve lacks a knob, a node of the same parts in a child process), killed
// with SIGKILL at awkward moments, restarted on the same database, and two
// nodes sharing one PostgreSQL database. It checks that every execution
// ends as it would have without the crash, with a history that has no gap
// and no duplicate.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/resource"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/sfnclient"
)

func TestMain(m *testing.M) {
	if os.Getenv(nodeEnv) != "" {
		os.Exit(runNode())
	}
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

const roleARN = "arn:aws:iam::123456789012:role/e2e"

var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildErr  error
)

// paystepBinary builds cmd/paystep once per test binary, with the race
// detector when the tests have it.
func paystepBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "paystep-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		buildDir = dir
		bin := filepath.Join(dir, "paystep")
		args := []string{"build", "-o", bin}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), append(args, "../../cmd/paystep")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		binPath = bin
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is a running server process: `paystep serve` or a test node.
type proc struct {
	name   string
	url    string
	cmd    *exec.Cmd
	log    *logBuffer
	exited chan struct{}
	client *sfnclient.Client
}

// startProc runs cmd, waits (up to a minute) for it to print
// "listening on http://ADDR" and returns it. It is killed when t ends if
// still running; its log is printed if t failed.
func startProc(t *testing.T, name string, cmd *exec.Cmd) *proc {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, log: &logBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.log, line)
			if _, rest, ok := strings.Cut(line, "listening on "); ok {
				u, _, _ := strings.Cut(rest, " ")
				select {
				case addr <- u:
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill(t)
		if t.Failed() {
			t.Logf("log of %s (pid %d):\n%s", p.name, cmd.Process.Pid, p.log)
		}
	})
	select {
	case p.url = <-addr:
	case <-p.exited:
		t.Fatalf("%s exited before it listened:\n%s", name, p.log)
	case <-time.After(time.Minute):
		t.Fatalf("%s did not say where it listens within a minute:\n%s", name, p.log)
	}
	p.client, err = sfnclient.New(sfnclient.Config{Endpoint: p.url, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serve runs `paystep serve` on a free port of 127.0.0.1 with args.
func serve(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(paystepBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "debug"}, args...)...)
	return startProc(t, name, cmd)
}

// kill sends SIGKILL to the process (by its PID) and waits for it to end.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
		return
	default:
	}
	if err := syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill -9 %d: %v", p.cmd.Process.Pid, err)
	}
	select {
	case <-p.exited:
		fmt.Fprintf(p.log, "--- killed with SIGKILL\n")
	case <-time.After(30 * time.Second):
		t.Errorf("%s (pid %d) still runs 30s after SIGKILL", p.name, p.cmd.Process.Pid)
	}
}

// call sends one API action to p.
func (p *proc) call(ctx context.Context, action string, in, out any) error {
	return p.client.Call(ctx, action, in, out)
}

func (p *proc) must(t *testing.T, action string, in, out any) {
	t.Helper()
	if err := p.call(testCtx(t), action, in, out); err != nil {
		t.Fatalf("%s on %s: %v", action, p.name, err)
	}
}

func (p *proc) createMachine(t *testing.T, name, definition string) string {
	t.Helper()
	var out wire.CreateStateMachineOutput
	p.must(t, wire.ActionCreateStateMachine, wire.CreateStateMachineInput{Name: name, Definition: definition, RoleArn: roleARN}, &out)
	return out.StateMachineArn
}

func (p *proc) createActivity(t *testing.T, name string) string {
	t.Helper()
	var out wire.CreateActivityOutput
	p.must(t, wire.ActionCreateActivity, wire.CreateActivityInput{Name: name}, &out)
	return out.ActivityArn
}

func (p *proc) start(t *testing.T, smARN, name, input string) string {
	t.Helper()
	var out wire.StartExecutionOutput
	p.must(t, wire.ActionStartExecution, wire.StartExecutionInput{StateMachineArn: smARN, Name: name, Input: input}, &out)
	return out.ExecutionArn
}

func (p *proc) describe(ctx context.Context, arn string) (wire.DescribeExecutionOutput, error) {
	var out wire.DescribeExecutionOutput
	err := p.call(ctx, wire.ActionDescribeExecution, wire.DescribeExecutionInput{ExecutionArn: arn}, &out)
	return out, err
}

// history reads an execution's whole history page by page.
func (p *proc) history(ctx context.Context, arn string) ([]wire.HistoryEvent, error) {
	var all []wire.HistoryEvent
	in := wire.GetExecutionHistoryInput{ExecutionArn: arn, MaxResults: 200}
	for {
		var out wire.GetExecutionHistoryOutput
		if err := p.call(ctx, wire.ActionGetExecutionHistory, in, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Events...)
		if out.NextToken == "" {
			return all, nil
		}
		in.NextToken = out.NextToken
	}
}

// listExecutions lists a state machine's executions page by page.
func (p *proc) listExecutions(t *testing.T, smARN string) []wire.ExecutionListItem {
	t.Helper()
	var all []wire.ExecutionListItem
	in := wire.ListExecutionsInput{StateMachineArn: smARN, MaxResults: 100}
	for {
		var out wire.ListExecutionsOutput
		p.must(t, wire.ActionListExecutions, in, &out)
		all = append(all, out.Executions...)
		if out.NextToken == "" {
			return all
		}
		in.NextToken = out.NextToken
	}
}

// result is how an execution ended, as the API tells it.
type result struct {
	Status, Error, Cause string
	Output               string
	History              []wire.HistoryEvent
}

// awaitEnd polls until the execution is no longer RUNNING (up to a
// deadline), then reads its history and checks that its ids run 1..n.
func (p *proc) awaitEnd(t *testing.T, arn string, within time.Duration) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	var d wire.DescribeExecutionOutput
	err := poll(ctx, func() (bool, error) {
		var err error
		d, err = p.describe(ctx, arn)
		return err == nil && d.Status != "RUNNING", err
	})
	if err != nil {
		t.Fatalf("%s on %s: still %s after %s (%v)", arn, p.name, d.Status, within, err)
	}
	h, err := p.history(ctx, arn)
	if err != nil {
		t.Fatalf("history of %s: %v", arn, err)
	}
	checkGapFree(t, arn, h)
	return result{Status: d.Status, Error: d.Error, Cause: d.Cause, Output: d.Output, History: h}
}

// checkGapFree fails t unless the events' ids are 1..n and each points back
// to an earlier one.
func checkGapFree(t *testing.T, arn string, h []wire.HistoryEvent) {
	t.Helper()
	for i, e := range h {
		if e.ID != int64(i+1) {
			t.Errorf("history of %s: event %d (%s) has id %d: a gap or a duplicate", arn, i+1, e.Type, e.ID)
			return
		}
		if e.PreviousEventID < 0 || e.PreviousEventID >= e.ID {
			t.Errorf("history of %s: event %d (%s) points back to %d", arn, e.ID, e.Type, e.PreviousEventID)
		}
	}
	if n := len(h); n == 0 || !strings.HasPrefix(h[0].Type, "Execution") || !strings.HasPrefix(h[n-1].Type, "Execution") {
		t.Errorf("history of %s does not run from an Execution event to one: %v", arn, types(h))
	}
}

func types(h []wire.HistoryEvent) []string {
	out := make([]string, len(h))
	for i, e := range h {
		out[i] = e.Type
	}
	return out
}

// sameEnd fails t unless got ended as want did: status, error, cause and
// output (as JSON), and the same history events (in order, or as a multiset
// when branches interleave).
func sameEnd(t *testing.T, name string, got, want result, ordered bool) {
	t.Helper()
	if got.Status != want.Status || got.Error != want.Error || got.Cause != want.Cause {
		t.Errorf("%s ended %s (%s: %s), without the crash %s (%s: %s)", name, got.Status, got.Error, got.Cause, want.Status, want.Error, want.Cause)
	}
	if !jsonEqual(got.Output, want.Output) {
		t.Errorf("%s output %s, without the crash %s", name, got.Output, want.Output)
	}
	g, w := types(got.History), types(want.History)
	if !ordered {
		slices.Sort(g)
		slices.Sort(w)
	}
	if !slices.Equal(g, w) {
		t.Errorf("%s history:\n%v\nwithout the crash:\n%v", name, types(got.History), types(want.History))
	}
}

func jsonEqual(a, b string) bool {
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// poll calls cond with a growing pause (1ms up to 100ms) until it says done
// or ctx ends; it returns cond's last error when ctx ends.
func poll(ctx context.Context, cond func() (bool, error)) error {
	var last error
	for pause := time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		done, err := cond()
		if done {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			if last == nil {
				last = ctx.Err()
			}
			return last
		case <-time.After(pause):
		}
	}
}

// testCtx bounds one step of a test.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// eventually fails t unless cond holds within the duration.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	if err := poll(ctx, func() (bool, error) { return cond(), nil }); err != nil {
		t.Fatalf("%s: not within %s", what, within)
	}
}

// call is one request a task resource made to the test's endpoint.
type call struct {
	Path  string // which node's binding sent it: "/a/...", "/b/..."
	Key   string // the "key" of the task's input
	Token string // the Paystep-Task-Token header
}

// endpoint is the HTTP side of the Task resources the bindings point at.
// Paths:
//
//	…/token   acknowledges a .waitForTaskToken task and keeps its token
//	…/work    answers {"done": key} at once
//	…/hang    answers when the request is cancelled or the test ends
type endpoint struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []call
	hang  chan struct{}
}

func newEndpoint(t *testing.T) *endpoint {
	e := &endpoint{hang: make(chan struct{})}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve)) // 127.0.0.1
	t.Cleanup(func() {
		close(e.hang)
		e.srv.Close()
	})
	return e
}

func (e *endpoint) serve(w http.ResponseWriter, r *http.Request) {
	var in struct{ Key string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Key == "" {
		http.Error(w, `{"error":"Test.BadInput","cause":"want {\"key\": …}"}`, http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	e.calls = append(e.calls, call{Path: r.URL.Path, Key: in.Key, Token: r.Header.Get(resource.HeaderTaskToken)})
	e.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "/token"):
		fmt.Fprint(w, `{"ack":true}`)
	case strings.HasSuffix(r.URL.Path, "/work"):
		json.NewEncoder(w).Encode(map[string]string{"done": in.Key})
	case strings.HasSuffix(r.URL.Path, "/hang"):
		select {
		case <-r.Context().Done():
		case <-e.hang:
		}
		http.Error(w, `{"error":"Test.Hung"}`, http.StatusServiceUnavailable)
	default:
		http.NotFound(w, r)
	}
}

// snapshot returns the calls so far.
func (e *endpoint) snapshot() []call {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.calls)
}

// tokens returns the token of each key that has called so far, failing t
// when a key came with two different tokens (a second task, not a retry).
func (e *endpoint) tokens(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, c := range e.snapshot() {
		if old, ok := out[c.Key]; ok && old != c.Token {
			t.Errorf("key %s came with two task tokens: a task ran twice as two tasks", c.Key)
		}
		out[c.Key] = c.Token
	}
	return out
}

// has reports whether every key has called.
func (e *endpoint) has(keys ...string) bool {
	seen := map[string]bool{}
	for _, c := range e.snapshot() {
		seen[c.Key] = true
	}
	for _, k := range keys {
		if !seen[k] {
			return false
		}
	}
	return true
}

// url returns the endpoint's URL for path.
func (e *endpoint) url(path string) string { return e.srv.URL + path }

// writeBindings writes a bindings file into t's temporary directory.
func writeBindings(t *testing.T, bindings map[string]string) string {
	t.Helper()
	m := map[string]map[string]any{}
	for k, url := range bindings {
		m[k] = map[string]any{"endpoint": url, "timeout_seconds": 60}
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bindings.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// logBuffer collects a process's output while the test reads it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
