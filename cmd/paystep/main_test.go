package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunJSONReport(t *testing.T) {
	t.Parallel()
	def := writeFile(t, "sm.asl.json", `{"StartAt":"Charge","States":{
		"Charge":{"Type":"Task","Resource":"ARN_OF_CHARGE","Next":"Done"},
		"Done":{"Type":"Pass","End":true}}}`)
	bindings := writeFile(t, "bindings.json", `{"ARN_OF_CHARGE":{"result":{"charged":1050}}}`)
	code, stdout, stderr := runMain(t, "run", def, "--input", `{"amount":1050}`, "--bindings", bindings, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var rep struct {
		Status  string          `json:"status"`
		Output  json.RawMessage `json:"output"`
		Error   *string         `json:"error"`
		History []struct {
			Type            string `json:"type"`
			ID              int64  `json:"id"`
			PreviousEventID int64  `json:"previousEventId"`
		} `json:"history"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if rep.Status != "SUCCEEDED" || string(rep.Output) != `{"charged":1050}` || rep.Error != nil {
		t.Errorf("report = %+v", rep)
	}
	if len(rep.History) != 9 || rep.History[0].Type != "ExecutionStarted" || rep.History[8].Type != "ExecutionSucceeded" {
		t.Errorf("history = %+v", rep.History)
	}
}

func TestRunFailedExecutionStillExitsZeroWithJSON(t *testing.T) {
	t.Parallel()
	def := writeFile(t, "sm.asl.json", `{"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"UNBOUND","End":true}}}`)
	code, stdout, _ := runMain(t, "run", def, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d, want 0 for a FAILED execution with -o json", code)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep["status"] != "FAILED" || rep["error"] != "States.TaskFailed" || !strings.Contains(rep["cause"].(string), "UNBOUND") {
		t.Errorf("report = %v", rep)
	}
	// Without -o json a failure is an exit 1 with the reason on stderr.
	code, _, stderr := runMain(t, "run", def)
	if code != 1 || !strings.Contains(stderr, "FAILED") {
		t.Errorf("text mode: exit %d, stderr %q", code, stderr)
	}
}

func TestRunInvalidDefinition(t *testing.T) {
	t.Parallel()
	def := writeFile(t, "bad.asl.json", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}`)
	code, stdout, _ := runMain(t, "run", def, "-o", "json")
	var rep map[string]string
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	if code == 0 || rep["error"] != "InvalidDefinition" || !strings.Contains(rep["message"], "/States/A/Next") {
		t.Errorf("exit %d, report %v; want InvalidDefinition naming /States/A/Next", code, rep)
	}
}

func TestRunInputFromFile(t *testing.T) {
	t.Parallel()
	def := writeFile(t, "sm.asl.json", `{"StartAt":"A","States":{"A":{"Type":"Pass","OutputPath":"$.who","End":true}}}`)
	in := writeFile(t, "in.json", `{"who":"Ada"}`)
	code, stdout, stderr := runMain(t, "run", def, "--input", "@"+in)
	if code != 0 || strings.TrimSpace(stdout) != `"Ada"` {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run"}, "want exactly one definition file"},
		{[]string{"run", "x.json", "--input", "{not json"}, "--input is not valid JSON"},
		{[]string{"run", "x.json", "-o", "yaml"}, "-o must be text or json"},
		{[]string{"validate"}, "want exactly one definition file"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	} {
		code, _, stderr := runMain(t, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("paystep %v: exit %d, stderr %q; want it to mention %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := writeFile(t, "good.asl.json", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`)
	if code, stdout, _ := runMain(t, "validate", good); code != 0 || !strings.Contains(stdout, "valid") {
		t.Errorf("validate good: exit %d, %q", code, stdout)
	}
	bad := writeFile(t, "bad.asl.json", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`)
	code, stdout, _ := runMain(t, "validate", bad, "-o", "json")
	var rep struct {
		Result      string `json:"result"`
		Diagnostics []struct {
			Code, Location, Message string
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if code != 1 || rep.Result != "FAIL" || len(rep.Diagnostics) == 0 || rep.Diagnostics[0].Location != "/States/A/Next" {
		t.Errorf("validate bad: exit %d, %+v", code, rep)
	}
}

func TestSeed003ValidatesAndRuns(t *testing.T) {
	t.Parallel()
	def := "../../examples/seed003/state-machine.asl.json"
	if code, stdout, _ := runMain(t, "validate", def); code != 0 {
		t.Fatalf("validate seed 003: exit %d\n%s", code, stdout)
	}
	in := writeFile(t, "in.json", `{"WaitSeconds":1,"InvoiceId":"INV-1001"}`)
	code, stdout, stderr := runMain(t, "run", def, "--input", "@"+in, "--bindings", "../../examples/seed003/bindings.json", "--fast-waits", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Status string          `json:"status"`
		Output json.RawMessage `json:"output"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Status != "SUCCEEDED" || string(rep.Output) != `[{"email":"sent"},{"sms":"sent"}]` {
		t.Errorf("seed 003 run = %s %s, want both notifications sent", rep.Status, rep.Output)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runMain(t, "run", "--help")
	if code != 0 || !strings.Contains(stdout, "Examples:") || !strings.Contains(stdout, "--bindings") {
		t.Errorf("run --help: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runMain(t, "--help")
	if code != 0 || !strings.Contains(stdout, "validate") {
		t.Errorf("--help: exit %d\n%s", code, stdout)
	}
}
