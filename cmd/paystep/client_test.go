package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/bench"
	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/sfnapi"
	"github.com/paystep/paystep/internal/sigv4"
	"github.com/paystep/paystep/internal/store/dbtest"
)

// apiServer runs the real Step Functions API (sfnapi on a runner on a
// SQLite file) on a loopback HTTP server until the test ends and returns
// its URL. auth, when set, verifies signatures.
func apiServer(t *testing.T, auth *sigv4.Verifier) string {
	t.Helper()
	st := dbtest.Open(t, "sqlite")
	r, err := runner.New(runner.Config{Store: st, Exclusive: true, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- r.Run(ctx) }()
	h, err := sfnapi.New(sfnapi.Config{Store: st, Runner: r, Auth: auth, ActivityPoll: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		stop()
		if err := <-ran; err != nil {
			t.Errorf("runner: %v", err)
		}
	})
	return srv.URL
}

// cli runs paystep commands against one endpoint.
type cli struct {
	t        *testing.T
	endpoint string
}

// ok runs a command that must succeed and returns its standard output.
func (c cli) ok(args ...string) string {
	c.t.Helper()
	code, stdout, stderr := runMain(c.t, append(args, "--endpoint", c.endpoint)...)
	if code != 0 {
		c.t.Fatalf("paystep %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// json runs a command with -o json and decodes its output into v.
func (c cli) json(v any, args ...string) {
	c.t.Helper()
	out := c.ok(append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("paystep %s -o json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// fails runs a command that must fail with code and returns its stderr.
func (c cli) fails(code int, args ...string) string {
	c.t.Helper()
	got, stdout, stderr := runMain(c.t, append(args, "--endpoint", c.endpoint)...)
	if got != code {
		c.t.Fatalf("paystep %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, stdout, stderr)
	}
	return stderr
}

// sameJSON says whether two JSON texts hold the same value.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Errorf("%v: %s", err, a)
		return false
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatal(err)
	}
	return cmp.Equal(va, vb)
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

const paymentDef = `{"StartAt":"Charge","States":{
  "Charge":{"Type":"Task","Resource":"ACTIVITY","HeartbeatSeconds":60,"ResultPath":"$.charge","Next":"Done"},
  "Done":{"Type":"Pass","End":true}}}`

type activityTask struct {
	TaskToken string `json:"taskToken"`
	Input     string `json:"input"`
}

type describedExecution struct {
	ExecutionArn string `json:"executionArn"`
	Name         string `json:"name"`
	Status       string `json:"status"`
	Input        string `json:"input"`
	Output       string `json:"output"`
	Error        string `json:"error"`
	Cause        string `json:"cause"`
	RedriveCount int    `json:"redriveCount"`
}

func TestClientEndToEnd(t *testing.T) {
	t.Parallel()
	c := cli{t, apiServer(t, nil)}
	dir := t.TempDir()

	// Activities.
	var act struct {
		ActivityArn string `json:"activityArn"`
	}
	c.json(&act, "activities", "create", "charge", "--tag", "team=payments")
	if !strings.HasSuffix(act.ActivityArn, ":activity:charge") {
		t.Fatalf("activity ARN %q", act.ActivityArn)
	}
	mustContain(t, "activities list", c.ok("activities", "list"), "NAME", "charge", act.ActivityArn)
	var actDesc struct{ Name, ActivityArn string }
	c.json(&actDesc, "activities", "describe", "charge")
	if actDesc.Name != "charge" || actDesc.ActivityArn != act.ActivityArn {
		t.Errorf("activities describe charge = %+v", actDesc)
	}

	// State machines.
	def := strings.Replace(paymentDef, "ACTIVITY", act.ActivityArn, 1)
	defFile := filepath.Join(dir, "pay.asl.json")
	if err := os.WriteFile(defFile, []byte(def), 0o600); err != nil {
		t.Fatal(err)
	}
	created := c.ok("state-machines", "create", "pay", "--definition", defFile)
	mustContain(t, "state-machines create", created, "ARN", ":stateMachine:pay")
	mustContain(t, "state-machines list", c.ok("state-machines", "list"), "NAME", "TYPE", "pay", "STANDARD")
	var sm struct{ StateMachineArn, Name, Definition, Type string }
	c.json(&sm, "state-machines", "describe", "pay")
	if sm.Name != "pay" || sm.Definition != def || sm.Type != "STANDARD" {
		t.Errorf("state-machines describe pay = %+v", sm)
	}
	mustContain(t, "state-machines describe (table)", c.ok("state-machines", "describe", sm.StateMachineArn),
		"Name:", "pay", "Status:", "ACTIVE", "Definition:", `"StartAt": "Charge"`)
	// Update: Done becomes a Pass with a Result, visible in outputs later.
	def2 := strings.Replace(def, `"Done":{"Type":"Pass","End":true}`, `"Done":{"Type":"Pass","ResultPath":"$.receipt","Result":"sent","End":true}`, 1)
	if err := os.WriteFile(defFile, []byte(def2), 0o600); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "state-machines update", c.ok("state-machines", "update", "pay", "--definition", defFile), "UPDATED", sm.StateMachineArn)
	c.json(&sm, "state-machines", "describe", "pay")
	if sm.Definition != def2 {
		t.Errorf("after update the definition is %s", sm.Definition)
	}

	// An execution answered through the CLI: get-task, heartbeat, success.
	var started struct{ ExecutionArn string }
	c.json(&started, "executions", "start", "pay", "--input", `{"amount":1050,"currency":"EUR"}`, "--name", "order-1")
	if !strings.HasSuffix(started.ExecutionArn, ":execution:pay:order-1") {
		t.Fatalf("execution ARN %q", started.ExecutionArn)
	}
	var task activityTask
	c.json(&task, "activities", "get-task", "charge", "--worker", "w1")
	if task.TaskToken == "" || !strings.Contains(task.Input, `"amount":1050`) {
		t.Fatalf("get-task = %+v", task)
	}
	if out := c.ok("tasks", "heartbeat", task.TaskToken); out != "task heartbeat sent\n" {
		t.Errorf("tasks heartbeat printed %q", out)
	}
	tokenFile := filepath.Join(dir, "token.txt")
	if err := os.WriteFile(tokenFile, []byte(task.TaskToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("tasks", "success", "@"+tokenFile, "--output", `{"charged":1050}`)
	// The token works once.
	mustContain(t, "second tasks success", c.fails(1, "tasks", "success", task.TaskToken), "TaskTimedOut")
	// --follow returns once the execution has ended.
	hist := c.ok("executions", "history", "order-1", "--state-machine", "pay", "--follow", "--interval", "10ms")
	mustContain(t, "history --follow", hist, "ID", "TYPE", "ExecutionStarted", "ActivityScheduled", "ActivitySucceeded", "Done", "ExecutionSucceeded")
	var ex describedExecution
	c.json(&ex, "executions", "describe", started.ExecutionArn)
	if ex.Status != "SUCCEEDED" || !sameJSON(t, ex.Output, `{"amount":1050,"currency":"EUR","charge":{"charged":1050},"receipt":"sent"}`) {
		t.Errorf("executions describe = %+v", ex)
	}
	mustContain(t, "executions describe (table)", c.ok("executions", "describe", "order-1", "--state-machine", "pay"),
		"Status:", "SUCCEEDED", "Output:", `"charged": 1050`)
	var history struct {
		Events []struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"events"`
	}
	c.json(&history, "executions", "history", started.ExecutionArn)
	if n := len(history.Events); n < 5 || history.Events[0].Type != "ExecutionStarted" || history.Events[n-1].Type != "ExecutionSucceeded" {
		t.Errorf("history -o json = %+v", history.Events)
	}
	c.json(&history, "executions", "history", started.ExecutionArn, "--reverse")
	if history.Events[0].Type != "ExecutionSucceeded" {
		t.Errorf("history --reverse starts with %s", history.Events[0].Type)
	}

	// A failure, then a redrive that succeeds; input from a file.
	inputFile := filepath.Join(dir, "input.json")
	if err := os.WriteFile(inputFile, []byte(`{"amount":99}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("executions", "start", "pay", "--input", "@"+inputFile, "--name", "order-2")
	c.json(&task, "activities", "get-task", act.ActivityArn)
	c.ok("tasks", "failure", task.TaskToken, "--error", "Card.Declined", "--cause", "insufficient funds")
	c.ok("executions", "history", "order-2", "--state-machine", "pay", "--follow", "--interval", "10ms")
	c.json(&ex, "executions", "describe", "order-2", "--state-machine", "pay")
	if ex.Status != "FAILED" || ex.Error != "Card.Declined" || ex.Cause != "insufficient funds" {
		t.Errorf("failed execution = %+v", ex)
	}
	mustContain(t, "executions list --status FAILED", c.ok("executions", "list", "pay", "--status", "FAILED"), "order-2", "FAILED")
	mustContain(t, "executions redrive", c.ok("executions", "redrive", "order-2", "--state-machine", "pay"), "REDRIVEN", ":execution:pay:order-2")
	c.json(&task, "activities", "get-task", "charge")
	c.ok("tasks", "success", task.TaskToken, "--output", `{"charged":99}`)
	c.ok("executions", "history", "order-2", "--state-machine", "pay", "--follow", "--interval", "10ms")
	c.json(&ex, "executions", "describe", "order-2", "--state-machine", "pay")
	if ex.Status != "SUCCEEDED" || ex.RedriveCount != 1 {
		t.Errorf("redriven execution = %+v", ex)
	}

	// Stop.
	c.ok("executions", "start", "pay", "--name", "order-3")
	mustContain(t, "executions stop", c.ok("executions", "stop", "order-3", "--state-machine", "pay", "--error", "Ops.Stop", "--cause", "customer left"), "STOPPED")
	c.json(&ex, "executions", "describe", "order-3", "--state-machine", "pay")
	if ex.Status != "ABORTED" {
		t.Errorf("stopped execution = %+v", ex)
	}

	// Lists: one machine, all machines, by status, with a limit.
	var list struct {
		Executions []struct{ Name, Status string } `json:"executions"`
	}
	c.json(&list, "executions", "list")
	if len(list.Executions) != 3 || list.Executions[0].Name != "order-3" {
		t.Errorf("executions list = %+v, want order-3, order-2, order-1", list.Executions)
	}
	c.json(&list, "executions", "list", "pay", "--status", "SUCCEEDED")
	if len(list.Executions) != 2 {
		t.Errorf("executions list pay --status SUCCEEDED = %+v", list.Executions)
	}
	c.json(&list, "executions", "list", "pay", "--max", "1")
	if len(list.Executions) != 1 {
		t.Errorf("executions list --max 1 = %+v", list.Executions)
	}
	mustContain(t, "executions list (table)", c.ok("executions", "list", "pay"), "NAME", "STATUS", "order-1", "SUCCEEDED", "order-3", "ABORTED")

	// Deletes.
	c.ok("state-machines", "delete", "pay")
	mustContain(t, "describe a deleted machine", c.fails(1, "state-machines", "describe", "pay"), "StateMachineDoesNotExist", `"pay"`)
	c.ok("activities", "delete", "charge")
	mustContain(t, "activities list after delete", c.ok("activities", "list"), "NAME")
	if out := c.ok("activities", "list"); strings.Contains(out, "charge") {
		t.Errorf("activities list still shows charge:\n%s", out)
	}
}

// TestHistoryFollowPrintsWhileRunning: --follow prints events that happen
// after it started, and returns when the execution ends.
func TestHistoryFollowPrintsWhileRunning(t *testing.T) {
	t.Parallel()
	c := cli{t, apiServer(t, nil)}
	var act struct{ ActivityArn string }
	c.json(&act, "activities", "create", "charge")
	defFile := writeFile(t, "pay.asl.json", strings.Replace(paymentDef, "ACTIVITY", act.ActivityArn, 1))
	c.ok("state-machines", "create", "pay", "--definition", defFile)
	c.ok("executions", "start", "pay", "--name", "live")

	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, stderr := runMain(t, "executions", "history", "live", "--state-machine", "pay", "--follow", "--interval", "10ms", "-o", "json", "--endpoint", c.endpoint)
		done <- result{code, stdout, stderr}
	}()
	var task activityTask
	c.json(&task, "activities", "get-task", "charge")
	select {
	case r := <-done:
		t.Fatalf("history --follow returned before the execution ended: %+v", r)
	default:
	}
	c.ok("tasks", "success", task.TaskToken)
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("history --follow did not return within 20s of the execution's end")
	}
	if r.code != 0 {
		t.Fatalf("history --follow: exit %d, %s", r.code, r.stderr)
	}
	// One event per line, ids 1, 2, 3… without gaps or repeats.
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	for i, line := range lines {
		var ev struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, line)
		}
		if ev.ID != int64(i+1) {
			t.Errorf("line %d has event id %d", i+1, ev.ID)
		}
		if i == len(lines)-1 && ev.Type != "ExecutionSucceeded" {
			t.Errorf("last event %s, want ExecutionSucceeded", ev.Type)
		}
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	c := cli{t, apiServer(t, nil)}
	bad := writeFile(t, "bad.asl.json", `{"StartAt":"Nowhere","States":{"A":{"Type":"Pass","End":true}}}`)
	notJSON := writeFile(t, "broken.asl.json", `{"StartAt":`)
	for _, tc := range []struct {
		name string
		code int
		args []string
		want []string
	}{
		{"invalid definition", 1, []string{"state-machines", "create", "x", "--definition", bad}, []string{"InvalidDefinition", "Nowhere"}},
		{"definition not JSON", 2, []string{"state-machines", "create", "x", "--definition", notJSON}, []string{"--definition", "not valid JSON"}},
		{"definition missing", 2, []string{"state-machines", "create", "x"}, []string{"--definition FILE is required"}},
		{"unknown state machine", 1, []string{"executions", "start", "nope"}, []string{"StateMachineDoesNotExist", `"nope"`, "state-machines list"}},
		{"input not JSON", 2, []string{"executions", "start", "x", "--input", "{amount:1}"}, []string{"--input is not valid JSON"}},
		{"input file missing", 2, []string{"executions", "start", "x", "--input", "@/nonexistent/input.json"}, []string{"--input", "no such file"}},
		{"execution name without machine", 2, []string{"executions", "describe", "order-1"}, []string{"--state-machine"}},
		{"unknown execution", 1, []string{"executions", "describe", "arn:aws:states:us-east-1:123456789012:execution:pay:none"}, []string{"ExecutionDoesNotExist"}},
		{"garbled ARN", 1, []string{"executions", "describe", "arn:nonsense"}, []string{"InvalidArn"}},
		{"garbled token", 1, []string{"tasks", "success", "not-a-token"}, []string{"InvalidToken"}},
		{"bad status", 2, []string{"executions", "list", "--status", "DONE"}, []string{"--status", "RUNNING"}},
		{"bad output format", 2, []string{"state-machines", "list", "-o", "yaml"}, []string{"-o must be table or json"}},
		{"unknown verb", 2, []string{"executions", "explode"}, []string{`unknown sub-command "explode"`, "start, list"}},
		{"missing verb", 2, []string{"activities"}, []string{"missing sub-command before --endpoint", "get-task", "flags go after it"}},
		{"too many args", 2, []string{"state-machines", "describe", "a", "b"}, []string{"want one state machine"}},
		{"bad tag", 2, []string{"activities", "create", "a", "--tag", "novalue"}, []string{"want key=value"}},
		{"half the credentials", 2, []string{"state-machines", "list", "--access-key", "AKID"}, []string{"--access-key and --secret-key go together"}},
		{"follow and reverse", 2, []string{"executions", "history", "arn:x", "--follow", "--reverse"}, []string{"do not go together"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stderr := cli{t, c.endpoint}.fails(tc.code, tc.args...)
			mustContain(t, "stderr", stderr, tc.want...)
		})
	}
}

func TestClientServerNotRunning(t *testing.T) {
	t.Parallel()
	addr, err := bench.FreeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	c := cli{t, "http://" + addr}
	mustContain(t, "stderr", c.fails(1, "state-machines", "list"), "no paystep server answers at http://"+addr, "connection refused", "paystep serve", "PAYSTEP_ENDPOINT")
	code, stdout, _ := runMain(t, "executions", "list", "-o", "json", "--endpoint", c.endpoint)
	var body struct{ Error, Message string }
	if err := json.Unmarshal([]byte(stdout), &body); code != 1 || err != nil || body.Error != "ServerUnreachable" || !strings.Contains(body.Message, "paystep serve") {
		t.Errorf("-o json: exit %d, %q (%v)", code, stdout, err)
	}
}

// TestClientSignsRequests: with credentials the CLI signs with SigV4, which
// a server with --auth verifies; without them it is refused.
func TestClientSignsRequests(t *testing.T) {
	t.Parallel()
	verifier := sigv4.NewVerifier(map[string]sigv4.Secret{"AKIDPAYSTEPCLI": "cli-secret"}, time.Now, sigv4.Config{RequireSignedHeaders: []string{"x-amz-target"}})
	c := cli{t, apiServer(t, verifier)}
	mustContain(t, "signed create", c.ok("activities", "create", "signed", "--access-key", "AKIDPAYSTEPCLI", "--secret-key", "cli-secret"), ":activity:signed")
	mustContain(t, "signed list", c.ok("activities", "list", "--access-key", "AKIDPAYSTEPCLI", "--secret-key", "cli-secret", "--region", "eu-west-1"), "signed")
	mustContain(t, "unsigned", c.fails(1, "activities", "list"), sigv4.CodeMissingAuthenticationToken)
	mustContain(t, "wrong secret", c.fails(1, "activities", "list", "--access-key", "AKIDPAYSTEPCLI", "--secret-key", "guess"), sigv4.CodeInvalidSignature)
}

// TestClientHelp: every noun and every verb has help with examples.
func TestClientHelp(t *testing.T) {
	t.Parallel()
	nouns := map[string][]string{
		"state-machines": {"create", "list", "describe", "update", "delete"},
		"executions":     {"start", "list", "describe", "history", "stop", "redrive"},
		"tasks":          {"success", "failure", "heartbeat"},
		"activities":     {"create", "list", "describe", "delete", "get-task"},
	}
	for noun, verbs := range nouns {
		code, out, _ := runMain(t, noun, "--help")
		if code != 0 {
			t.Errorf("paystep %s --help: exit %d", noun, code)
		}
		mustContain(t, "paystep "+noun+" --help", out, append([]string{"Usage: paystep " + noun, "Examples:", "--endpoint", "PAYSTEP_ENDPOINT"}, verbs...)...)
		for _, verb := range verbs {
			code, out, _ := runMain(t, noun, verb, "--help")
			if code != 0 {
				t.Errorf("paystep %s %s --help: exit %d", noun, verb, code)
			}
			mustContain(t, "paystep "+noun+" "+verb+" --help", out, "Usage: paystep "+noun+" "+verb, "Examples:\n  paystep "+noun+" "+verb, "-endpoint", "-o string")
		}
	}
	code, out, _ := runMain(t, "bench", "--help")
	if code != 0 {
		t.Errorf("paystep bench --help: exit %d", code)
	}
	mustContain(t, "paystep bench --help", out, "Usage: paystep bench", "Examples:\n  paystep bench", "-spawn", "-server-pid")
}
