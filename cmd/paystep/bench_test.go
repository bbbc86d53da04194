package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paystep/paystep/internal/store/dbtest"
)

// TestBenchAgainstServer runs two small levels against the real API served
// in this process, so --server-pid is this process.
func TestBenchAgainstServer(t *testing.T) {
	t.Parallel()
	endpoint := apiServer(t, nil)
	code, stdout, stderr := runMain(t, "bench", "--endpoint", endpoint, "--server-pid", strconv.Itoa(os.Getpid()),
		"-n", "12", "-c", "1,4", "-o", "json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	var rep struct {
		Endpoint   string `json:"endpoint"`
		ServerPID  int    `json:"server_pid"`
		Executions int    `json:"executions_per_level"`
		Levels     []struct {
			Concurrency  int     `json:"concurrency"`
			Succeeded    int     `json:"succeeded"`
			Failed       int     `json:"failed"`
			PerSecond    float64 `json:"executions_per_second"`
			StartToEndMS struct {
				P50, P99 float64
			} `json:"start_to_end_ms"`
			WebhookToEndMS struct {
				P50, P99 float64
			} `json:"webhook_to_end_ms"`
			ServerCPUPerExecMS *float64       `json:"server_cpu_per_execution_ms"`
			Calls              map[string]int `json:"calls"`
			Errors             int            `json:"errors"`
		} `json:"levels"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if rep.Endpoint != endpoint || rep.ServerPID != os.Getpid() || rep.Executions != 12 || len(rep.Levels) != 2 {
		t.Fatalf("report = %+v", rep)
	}
	for i, l := range rep.Levels {
		if l.Concurrency != []int{1, 4}[i] || l.Succeeded != 12 || l.Failed != 0 || l.Errors != 0 || l.PerSecond <= 0 ||
			l.StartToEndMS.P50 <= 0 || l.StartToEndMS.P50 > l.StartToEndMS.P99 || l.WebhookToEndMS.P50 <= 0 ||
			l.ServerCPUPerExecMS == nil || l.Calls["StartExecution"] != 12 || l.Calls["SendTaskSuccess"] != 72 {
			t.Errorf("level %d = %+v", i, l)
		}
	}

	// The table, with progress lines on stderr.
	code, stdout, stderr = runMain(t, "bench", "--endpoint", endpoint, "-n", "3", "-c", "2")
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	mustContain(t, "bench table", stdout, "Endpoint:", endpoint, "EXEC/S", "START→END P50", "WEBHOOK→END P50", "SERVER CPU/EXEC", "3/3", "--server-pid")
	mustContain(t, "bench stderr", stderr, "c=2", "done: 3 executions")
}

// TestBenchSpawn runs a built paystep's `bench --spawn`, which starts the
// same binary's `serve` on SQLite (and on PostgreSQL when it is there),
// measures it, stops it and removes its files.
func TestBenchSpawn(t *testing.T) {
	t.Parallel()
	bin := buildPaystep(t)
	for _, backend := range dbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			// One level with every execution in flight keeps it short.
			args := []string{"bench", "--spawn", "-n", "8", "-c", "8", "-o", "json", "--quiet", "--serve-flag=--log-level=warn"}
			if backend == "postgres" {
				args = append(args, "--db", dbtest.PostgresURL(t))
			}
			cmd := exec.Command(bin, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("paystep %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr.String())
			}
			var rep struct {
				Endpoint      string `json:"endpoint"`
				Database      string `json:"database"`
				DatabaseBytes int64  `json:"database_bytes"`
				ServerPID     int    `json:"server_pid"`
				Levels        []struct {
					Succeeded          int      `json:"succeeded"`
					ServerCPUPerExecMS *float64 `json:"server_cpu_per_execution_ms"`
				} `json:"levels"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("%v\n%s", err, stdout.String())
			}
			if !strings.HasPrefix(rep.Endpoint, "http://127.0.0.1:") || rep.ServerPID <= 0 || len(rep.Levels) != 1 {
				t.Fatalf("report = %s", stdout.String())
			}
			for _, l := range rep.Levels {
				if l.Succeeded != 8 || l.ServerCPUPerExecMS == nil || *l.ServerCPUPerExecMS <= 0 {
					t.Errorf("level = %+v; want 8 succeeded and the server's CPU", l)
				}
			}
			switch backend {
			case "sqlite":
				if rep.DatabaseBytes <= 0 || !strings.HasSuffix(rep.Database, "paystep.db") {
					t.Errorf("database %q of %d bytes", rep.Database, rep.DatabaseBytes)
				}
				if _, err := os.Stat(filepath.Dir(rep.Database)); !os.IsNotExist(err) {
					t.Errorf("the temporary directory %s is still there (%v)", filepath.Dir(rep.Database), err)
				}
			case "postgres":
				if !strings.HasPrefix(rep.Database, "postgres://") || rep.DatabaseBytes != 0 {
					t.Errorf("database %q of %d bytes; want the URL and no file size", rep.Database, rep.DatabaseBytes)
				}
			}
			// The server was stopped (and reaped) before bench exited.
			if _, err := os.Stat("/proc/" + strconv.Itoa(rep.ServerPID)); !os.IsNotExist(err) {
				t.Errorf("the spawned server %d still runs", rep.ServerPID)
			}
		})
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://bench:s3cret@127.0.0.1:5432/db?sslmode=disable": "postgres://bench:xxxxx@127.0.0.1:5432/db?sslmode=disable",
		"postgres://bench@127.0.0.1/db":                             "postgres://bench@127.0.0.1/db",
		"/tmp/x/paystep.db":                                         "/tmp/x/paystep.db",
	} {
		if got := redactDSN(in); got != want {
			t.Errorf("redactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBenchUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-c", "1,x"}, `-c: "x" is not a positive whole number`},
		{[]string{"-c", "0"}, `"0" is not a positive`},
		{[]string{"-n", "0"}, "-n must be positive"},
		{[]string{"--db", "x.db"}, "--db and --serve-flag go with --spawn"},
		{[]string{"--serve-flag=--log-level=warn"}, "go with --spawn"},
		{[]string{"--spawn", "--endpoint", "http://127.0.0.1:1"}, "do not give --endpoint"},
		{[]string{"--server-pid", "1073741824"}, "--server-pid"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"--definition", "/nonexistent.json"}, "--definition"},
	} {
		code, _, stderr := runMain(t, append([]string{"bench"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("bench %v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}
