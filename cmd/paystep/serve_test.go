package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/paytest"
)

func TestServeFlags(t *testing.T) {
	// Not parallel: it sets environment variables.
	t.Setenv("PAYSTEP_ADDR", "127.0.0.1:9999")
	t.Setenv("PAYSTEP_DB", "from-env.db")
	t.Setenv("PAYSTEP_LOG_FORMAT", "json")
	t.Setenv("PAYSTEP_ALLOW_PRIVATE_TARGETS", "true")
	t.Setenv("PAYSTEP_LEASE", "5s")
	var out, errb bytes.Buffer
	s := stdio{in: strings.NewReader(""), out: &out, err: &errb}
	c, err := parseServeFlags([]string{"--db", "from-flag.db", "--region", "eu-west-1"}, s)
	if err != nil {
		t.Fatal(err)
	}
	want := serveConfig{addr: "127.0.0.1:9999", db: "from-flag.db", region: "eu-west-1", account: "123456789012",
		allowPrivate: true, logLevel: "info", logFormat: "json", sandbox: true, lease: 5 * time.Second, pollInterval: time.Second}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("parseServeFlags = %+v, want %+v (a flag wins over its env var)", c, want)
	}

	for _, tc := range []struct {
		args []string
		env  [2]string
		want string
	}{
		{[]string{"--log-format", "xml"}, [2]string{}, "--log-format must be text or json"},
		{[]string{"--log-level", "loud"}, [2]string{}, "--log-level must be debug, info, warn or error"},
		{[]string{"--addr", "8080"}, [2]string{}, "--addr \"8080\": want host:port"},
		{[]string{"extra"}, [2]string{}, "unexpected argument \"extra\""},
		{[]string{"--public-url", "pay.example.com"}, [2]string{}, "--public-url \"pay.example.com\": want an http or https URL"},
		{[]string{"--sandbox-webhook-secret", "secret"}, [2]string{}, "--sandbox-webhook-secret must start with whsec_"},
		{[]string{"--sandbox-delay", "soon"}, [2]string{}, "--sandbox-delay \"soon\": want a duration"},
		{[]string{"--lease", "100ms"}, [2]string{}, "--lease \"100ms\": want a duration of at least 1s"},
		{[]string{"--poll-interval", "often"}, [2]string{}, "--poll-interval \"often\": want a duration of at least 10ms"},
		{[]string{"--stripe-secret-key", "sk_test_x"}, [2]string{}, "--stripe-secret-key needs --stripe-webhook-secret"},
		{[]string{"--stripe-webhook-secret", "whsec_x"}, [2]string{}, "--stripe-webhook-secret needs --stripe-secret-key"},
		{[]string{"--sandbox=false"}, [2]string{}, "--sandbox=false leaves no PSP"},
		{nil, [2]string{"PAYSTEP_ALLOW_PRIVATE_TARGETS", "maybe"}, "PAYSTEP_ALLOW_PRIVATE_TARGETS=\"maybe\": want true or false"},
	} {
		if tc.env[0] != "" {
			t.Setenv(tc.env[0], tc.env[1])
		}
		_, err := parseServeFlags(tc.args, s)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(ue.msg, tc.want) {
			t.Errorf("parseServeFlags(%q) = %v, want a usage error containing %q", tc.args, err, tc.want)
		}
	}
}

func TestServeHelp(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runMain(t, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help exit %d", code)
	}
	for _, want := range []string{"PAYSTEP_DB", "PAYSTEP_AUTH", "--allow-private-targets", "Examples:", "aws stepfunctions --endpoint-url"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
}

func TestServeBadConfigFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keys := writeFile(t, "keys.txt", "AKIDONLY\n")
	bindings := writeFile(t, "bindings.json", `{"X": {"bogus": 1}}`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--auth", keys}, "line 1: want ACCESS_KEY_ID SECRET_ACCESS_KEY"},
		{[]string{"--auth", filepath.Join(dir, "missing.txt")}, "--auth:"},
		{[]string{"--bindings", bindings}, "--bindings:"},
	} {
		code, _, stderr := runMain(t, append([]string{"serve", "--db", filepath.Join(dir, "p.db"), "--addr", "127.0.0.1:0"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("serve %q = exit %d, %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// buildPaystep builds the binary into t's temporary directory.
func buildPaystep(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "paystep")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// servedProcess is a running `paystep serve`.
type servedProcess struct {
	url    string
	cmd    *exec.Cmd
	stderr *paytest.Buffer
	exited chan error
}

// startServe runs `paystep serve` on a free port of 127.0.0.1 and waits for
// it to say where it listens. It is killed when t ends if still running.
func startServe(t *testing.T, bin string, args ...string) *servedProcess {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "PAYSTEP_LOG_LEVEL=debug")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &servedProcess{cmd: cmd, stderr: &paytest.Buffer{}, exited: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout)
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case line, ok := <-lines:
		_, rest, found := strings.Cut(line, "listening on ")
		if !ok || !found {
			t.Fatalf("paystep serve printed %q, then: %s", line, p.stderr)
		}
		p.url, _, _ = strings.Cut(rest, " ")
	case <-time.After(30 * time.Second):
		t.Fatalf("paystep serve did not say where it listens within 30s: %s", p.stderr)
	}
	return p
}

// stop sends SIGTERM and checks that the server stops cleanly.
func (p *servedProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("paystep serve after SIGTERM: %v\n%s", err, p.stderr)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("paystep serve still runs 60s after SIGTERM")
	}
	if !strings.Contains(p.stderr.String(), "msg=stopped") {
		t.Errorf("paystep serve did not log that it stopped:\n%s", p.stderr)
	}
}

// awsCLI finds the AWS CLI: a test needing it fails under CI and is skipped
// elsewhere when it is missing.
func awsCLI(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err == nil {
		err = exec.Command(path, "--version").Run() // a shim without a real CLI behind it fails here
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI (aws) is needed: %v (scripts/test installs it)", err)
		}
		t.Skip("the AWS CLI (aws) is not installed: skipping the end-to-end test with it")
	}
	return path
}

// awsRun runs `aws stepfunctions --endpoint-url url args…` with dummy
// credentials, ignoring the user's AWS configuration.
func awsRun(t *testing.T, aws, url, key, secret string, args ...string) (string, string, error) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(aws, append([]string{"stepfunctions", "--endpoint-url", url, "--output", "json"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env,
		"AWS_ACCESS_KEY_ID="+key,
		"AWS_SECRET_ACCESS_KEY="+secret,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// awsRunner returns run(v, args…): `aws stepfunctions args…` against the
// served p with dummy credentials, its JSON output decoded into v (unless
// nil). A failure fails t with the server's log.
func awsRunner(t *testing.T, aws string, p *servedProcess) func(v any, args ...string) {
	return func(v any, args ...string) {
		t.Helper()
		out, stderr, err := awsRun(t, aws, p.url, "AKIDDUMMY", "dummy", args...)
		if err != nil {
			t.Fatalf("aws stepfunctions %s: %v\n%s\nserver log:\n%s", args[0], err, stderr, p.stderr)
		}
		if v != nil {
			if err := json.Unmarshal([]byte(out), v); err != nil {
				t.Fatalf("aws stepfunctions %s printed %q: %v", args[0], out, err)
			}
		}
	}
}

// TestServeEndToEnd drives a built `paystep serve` with the AWS CLI.
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	aws := awsCLI(t)
	bin := buildPaystep(t)
	t.Run("AWSCLI", func(t *testing.T) {
		t.Parallel()
		testServeWithTheAWSCLI(t, aws, bin)
	})
	t.Run("Auth", func(t *testing.T) {
		t.Parallel()
		testServeWithAuth(t, aws, bin)
	})
}

func testServeWithTheAWSCLI(t *testing.T, aws, bin string) {
	p := startServe(t, bin, "--db", filepath.Join(t.TempDir(), "paystep.db"))
	run := awsRunner(t, aws, p)

	var act struct{ ActivityArn string }
	run(&act, "create-activity", "--name", "Approve")
	def := `{"StartAt":"Approve","States":{"Approve":{"Type":"Task","Resource":"` + act.ActivityArn + `","End":true}}}`
	var sm struct{ StateMachineArn string }
	run(&sm, "create-state-machine", "--name", "Payments", "--definition", def, "--role-arn", "arn:aws:iam::123456789012:role/paystep")
	var ex struct{ ExecutionArn string }
	run(&ex, "start-execution", "--state-machine-arn", sm.StateMachineArn, "--name", "pay-1", "--input", `{"amount":1050,"currency":"EUR"}`)

	var task struct{ TaskToken, Input string }
	run(&task, "get-activity-task", "--activity-arn", act.ActivityArn, "--worker-name", "cli")
	if task.TaskToken == "" || task.Input != `{"amount":1050,"currency":"EUR"}` {
		t.Fatalf("get-activity-task = %+v", task)
	}
	run(nil, "send-task-success", "--task-token", task.TaskToken, "--task-output", `{"approved":true}`)

	var desc struct{ Status, Output string }
	for range 100 { // the runner records the result right after send-task-success answers
		run(&desc, "describe-execution", "--execution-arn", ex.ExecutionArn)
		if desc.Status != "RUNNING" {
			break
		}
	}
	if desc.Status != "SUCCEEDED" || desc.Output != `{"approved":true}` {
		t.Fatalf("describe-execution = %+v, want SUCCEEDED with the task's output", desc)
	}
	var hist struct {
		Events []struct {
			Type string `json:"type"`
			ID   int64  `json:"id"`
		} `json:"events"`
	}
	run(&hist, "get-execution-history", "--execution-arn", ex.ExecutionArn)
	var types []string
	for i, ev := range hist.Events {
		types = append(types, ev.Type)
		if ev.ID != int64(i+1) {
			t.Errorf("event %d has id %d", i, ev.ID)
		}
	}
	want := "ExecutionStarted TaskStateEntered ActivityScheduled ActivityStarted ActivitySucceeded TaskStateExited ExecutionSucceeded"
	if strings.Join(types, " ") != want {
		t.Errorf("get-execution-history types = %s, want %s", strings.Join(types, " "), want)
	}
	var list struct {
		Executions []struct{ Name, Status string }
	}
	run(&list, "list-executions", "--state-machine-arn", sm.StateMachineArn)
	if len(list.Executions) != 1 || list.Executions[0].Name != "pay-1" || list.Executions[0].Status != "SUCCEEDED" {
		t.Errorf("list-executions = %+v", list.Executions)
	}

	// An error comes back as the CLI expects AWS's.
	_, stderr, err := awsRun(t, aws, p.url, "AKIDDUMMY", "dummy", "describe-execution", "--execution-arn", ex.ExecutionArn+"-missing")
	if err == nil || !strings.Contains(stderr, "ExecutionDoesNotExist") {
		t.Errorf("describe-execution of a missing execution: %v, %q; want an ExecutionDoesNotExist error", err, stderr)
	}

	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `paystep_executions{status="SUCCEEDED"} 1`) {
		t.Errorf("/metrics lacks the succeeded execution:\n%s", body)
	}
	p.stop(t)
}

func testServeWithAuth(t *testing.T, aws, bin string) {
	keys := writeFile(t, "keys.json", `{"AKIDOPS": "ops-secret"}`)
	p := startServe(t, bin, "--db", filepath.Join(t.TempDir(), "paystep.db"), "--auth", keys)

	if out, stderr, err := awsRun(t, aws, p.url, "AKIDOPS", "ops-secret", "list-state-machines"); err != nil || !strings.Contains(out, `"stateMachines"`) {
		t.Errorf("list-state-machines signed with a good key: %v %q %q", err, out, stderr)
	}
	if _, stderr, err := awsRun(t, aws, p.url, "AKIDOPS", "wrong", "list-state-machines"); err == nil || !strings.Contains(stderr, "InvalidSignatureException") {
		t.Errorf("list-state-machines with a wrong secret: %v %q, want InvalidSignatureException", err, stderr)
	}
	if _, stderr, err := awsRun(t, aws, p.url, "AKIDNOBODY", "ops-secret", "list-state-machines"); err == nil || !strings.Contains(stderr, "UnrecognizedClientException") {
		t.Errorf("list-state-machines with an unknown key: %v %q, want UnrecognizedClientException", err, stderr)
	}
	resp, err := http.Post(p.url+"/", "application/x-amz-json-1.0", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "MissingAuthenticationTokenException") {
		t.Errorf("unsigned request = %d %s, want 400 MissingAuthenticationTokenException", resp.StatusCode, body)
	}
	p.stop(t)
}
