package server_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/server"
	"github.com/paystep/paystep/internal/sfnapi"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/dbtest"
)

// newServer wires a real SQLite store, runner and API behind the server, as
// paystep serve does, and starts it on 127.0.0.1.
func newServer(t *testing.T) (string, store.Store, *runner.Runner) {
	t.Helper()
	st := dbtest.SQLite(t, dbtest.SQLitePath(t))
	r, err := runner.New(runner.Config{Store: st, Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	m := server.NewMetrics(server.MetricsConfig{Counts: st.ExecutionCounts, Stats: r.Stats, NoProcess: true})
	api, err := sfnapi.New(sfnapi.Config{Store: st, Runner: r, Observe: func(q sfnapi.Request) {
		m.ObserveRequest(q.Action, q.Status, q.Duration)
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Config{
		API:     api,
		Metrics: m,
		Ready: func(ctx context.Context) error {
			_, _, err := st.StateMachineList(ctx, "", 1)
			return err
		},
	}))
	t.Cleanup(srv.Close)
	return srv.URL, st, r
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func call(t *testing.T, url, action, body string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strconv.Itoa(resp.StatusCode) + " " + string(b)
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	url, st, _ := newServer(t)
	if status, body := get(t, url+"/healthz"); status != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", status, body)
	}
	if status, body := get(t, url+"/readyz"); status != 200 || body != "ready\n" {
		t.Errorf("/readyz = %d %q", status, body)
	}
	if status, _ := get(t, url+"/nothing-here"); status != 404 {
		t.Errorf("/nothing-here = %d, want 404", status)
	}
	// With the database gone the process is up but not ready.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if status, body := get(t, url+"/readyz"); status != 503 || !strings.Contains(body, "not ready") {
		t.Errorf("/readyz with the store closed = %d %q, want 503", status, body)
	}
	if status, _ := get(t, url+"/healthz"); status != 200 {
		t.Errorf("/healthz with the store closed = %d, want 200", status)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	url, _, r := newServer(t)
	const def = `{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Next\":\"B\"},\"B\":{\"Type\":\"Pass\",\"End\":true}}}`
	if got := call(t, url, "CreateStateMachine", `{"name":"M","definition":"`+def+`","roleArn":"arn:aws:iam::123456789012:role/r"}`); !strings.HasPrefix(got, "200 ") {
		t.Fatalf("CreateStateMachine = %s", got)
	}
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:M"
	for _, name := range []string{"a", "b"} {
		if got := call(t, url, "StartExecution", `{"stateMachineArn":"`+arn+`","name":"`+name+`"}`); !strings.HasPrefix(got, "200 ") {
			t.Fatalf("StartExecution = %s", got)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		ex, err := r.WaitExecution(ctx, "arn:aws:states:us-east-1:123456789012:execution:M:"+name)
		cancel()
		if err != nil || ex.Status != store.ExecutionSucceeded {
			t.Fatalf("execution %s: %v %v", name, ex, err)
		}
	}
	if got := call(t, url, "DescribeExecution", `{"executionArn":"`+arn+`"}`); !strings.HasPrefix(got, "400 ") {
		t.Fatalf("DescribeExecution of a machine ARN = %s, want 400", got)
	}

	status, body := get(t, url+"/metrics")
	if status != 200 {
		t.Fatalf("/metrics = %d", status)
	}
	for _, want := range []string{
		`paystep_executions{status="SUCCEEDED"} 2`,
		`paystep_executions{status="RUNNING"} 0`,
		`paystep_executions_count_up 1`,
		`paystep_executions_started_total 2`,
		`paystep_executions_finished_total{status="SUCCEEDED"} 2`,
		`paystep_api_requests_total{action="CreateStateMachine",code="200"} 1`,
		`paystep_api_requests_total{action="StartExecution",code="200"} 2`,
		`paystep_api_requests_total{action="DescribeExecution",code="400"} 1`,
		`paystep_api_request_duration_seconds_count{action="StartExecution"} 2`,
		`# TYPE paystep_task_latency_seconds summary`,
		`# TYPE paystep_timer_lag_seconds summary`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// Each execution committed at least one step.
	m := regexp.MustCompile(`(?m)^paystep_transitions_total (\d+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("/metrics lacks paystep_transitions_total:\n%s", body)
	}
	if n, _ := strconv.Atoi(m[1]); n < 2 {
		t.Errorf("paystep_transitions_total = %d, want at least 2", n)
	}
}

func TestMetricsWhenTheStoreFails(t *testing.T) {
	t.Parallel()
	m := server.NewMetrics(server.MetricsConfig{
		Counts:    func(context.Context) (map[store.ExecutionStatus]int64, error) { return nil, errors.New("disk on fire") },
		NoProcess: true,
	})
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	status, body := get(t, srv.URL)
	if status != 200 || !strings.Contains(body, "paystep_executions_count_up 0\n") || strings.Contains(body, "paystep_executions{") {
		t.Errorf("metrics with a failing store = %d:\n%s\nwant paystep_executions_count_up 0 and no counts", status, body)
	}
}
