package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type runResult struct {
	Status string          `json:"status"`
	Output json.RawMessage `json:"output"`
	Error  *string         `json:"error"`
	Cause  *string         `json:"cause"`
}

func runJSON(t *testing.T, args ...string) runResult {
	t.Helper()
	code, stdout, stderr := runMain(t, append(append([]string{"run"}, args...), "-o", "json")...)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var rep runResult
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	return rep
}

func TestRunSeed003WithYAMLBindings(t *testing.T) {
	t.Parallel()
	rep := runJSON(t, "../../examples/seed003/state-machine.asl.json", "--input", "@../../examples/seed003/input.json",
		"--bindings", "../../examples/seed003/bindings.yaml", "--fast-waits")
	if rep.Status != "SUCCEEDED" {
		t.Errorf("status %s: %v %v", rep.Status, deref(rep.Error), deref(rep.Cause))
	}
}

func TestRunCallsABoundEndpoint(t *testing.T) {
	t.Parallel()
	var gotBody, gotToken string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody, gotToken = string(b), r.Header.Get("Paystep-Task-Token")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"emailed": "ada@example.com"}`)
	}))
	defer srv.Close()
	def := writeFile(t, "sm.asl.json", `{"StartAt":"Email","States":{
		"Email":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"processEmails","Payload":{"to.$":"$.email"}},
			"ResultSelector":{"r.$":"$.Payload"},"End":true}}}`)
	bindings := writeFile(t, "bindings.yml", fmt.Sprintf("processEmails:\n  endpoint: %s/emails\n", srv.URL))
	rep := runJSON(t, def, "--input", `{"email":"ada@example.com"}`, "--bindings", bindings)
	if rep.Status != "SUCCEEDED" || string(rep.Output) != `{"r":{"emailed":"ada@example.com"}}` {
		t.Errorf("status %s, output %s, %v %v", rep.Status, rep.Output, deref(rep.Error), deref(rep.Cause))
	}
	if gotBody != `{"to":"ada@example.com"}` || gotToken == "" {
		t.Errorf("endpoint got body %q, token %q", gotBody, gotToken)
	}
}

func TestRunHTTPInvokeGuard(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok": true}`)
	}))
	defer srv.Close()
	def := writeFile(t, "sm.asl.json", fmt.Sprintf(`{"StartAt":"Call","States":{
		"Call":{"Type":"Task","Resource":"arn:aws:states:::http:invoke",
			"Parameters":{"ApiEndpoint":"%s/x","Method":"GET"},"OutputPath":"$.ResponseBody","End":true}}}`, srv.URL))
	rep := runJSON(t, def)
	if rep.Status != "FAILED" || deref(rep.Error) != "States.TaskFailed" || !strings.Contains(deref(rep.Cause), "refusing to connect to 127.0.0.1: a loopback address") {
		t.Errorf("without --allow-private: status %s, %v: %v", rep.Status, deref(rep.Error), deref(rep.Cause))
	}
	rep = runJSON(t, def, "--allow-private")
	if rep.Status != "SUCCEEDED" || string(rep.Output) != `{"ok":true}` {
		t.Errorf("with --allow-private: status %s, output %s, %v: %v", rep.Status, rep.Output, deref(rep.Error), deref(rep.Cause))
	}
}

func TestRunFailsActivitiesClearly(t *testing.T) {
	t.Parallel()
	def := writeFile(t, "sm.asl.json", `{"StartAt":"Charge","States":{
		"Charge":{"Type":"Task","Resource":"arn:aws:states:us-east-1:000000000000:activity:bench-charge","End":true}}}`)
	rep := runJSON(t, def)
	if rep.Status != "FAILED" || deref(rep.Error) != "States.TaskFailed" || !strings.Contains(deref(rep.Cause), "is an activity") || !strings.Contains(deref(rep.Cause), "paystep serve") {
		t.Errorf("status %s, %v: %v", rep.Status, deref(rep.Error), deref(rep.Cause))
	}
	// Bound to a fixed result, the activity ARN runs in-process.
	bindings := writeFile(t, "b.json", `{"arn:aws:states:us-east-1:000000000000:activity:bench-charge": {"result": {"charged": true}}}`)
	rep = runJSON(t, def, "--bindings", bindings)
	if rep.Status != "SUCCEEDED" || string(rep.Output) != `{"charged":true}` {
		t.Errorf("bound: status %s, output %s", rep.Status, rep.Output)
	}
}

func TestRunRejectsBadBindings(t *testing.T) {
	t.Parallel()
	def := writeFile(t, "sm.asl.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	for _, tc := range []struct{ name, content, want string }{
		{"b.yaml", "ARN_X:\n  endpoint: ftp://x\n", `b.yaml: bindings: "ARN_X": endpoint "ftp://x" must be an http or https URL`},
		{"b.json", `{"ARN_X": {"builtin": "payments.create"}}`, `b.json: bindings: "ARN_X": no built-in is named "payments.create" (none are registered)`},
		{"b.json", `{"ARN_X": {"result": 1}`, `b.json: bindings: invalid JSON`},
	} {
		code, _, stderr := runMain(t, "run", def, "--bindings", writeFile(t, tc.name, tc.content))
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
