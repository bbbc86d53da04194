package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/bench"
	"github.com/paystep/paystep/internal/sfnclient"
)

const benchUsage = `Usage: paystep bench [-n N] [-c 1,16,64] [--endpoint URL [--server-pid PID] | --spawn [--db DSN]] [-o json]

Runs the payment-workflow benchmark (Validate → SelectPsp → Charge →
Parallel(NotifyEmail, NotifySms) → Persist, every Task an activity) against
a paystep server through the Step Functions API. It creates the activities
and the state machine, then for each concurrency level starts N executions
keeping C in flight. Workers long-poll GetActivityTask and answer at once
with SendTaskSuccess, except Charge, whose token goes to a separate webhook
sender, as a PSP's callback would.

It reports completed executions per second, p50/p99 from StartExecution to
the execution's end and from Charge's webhook to the end, and the CPU time
the server spent per execution: from /proc/PID/stat with --server-pid, or
of the server it starts itself with --spawn (this binary's 'serve' on a
free loopback port, with a fresh SQLite file in a temporary directory
unless --db is given). The driver's own CPU per execution is shown too.

Examples:
  paystep bench --spawn
  paystep bench --spawn --db 'postgres://paystep@127.0.0.1:5432/bench' -n 5000 -c 16,64
  paystep bench --endpoint http://127.0.0.1:8080 --server-pid "$(pgrep -f 'paystep serve')" -c 64
  paystep bench --spawn -n 500 -c 16 -o json | jq '.levels[0].executions_per_second'
  paystep bench --spawn --serve-flag=--log-level=warn -c 64
`

func benchCmd(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("bench", benchUsage, s)
	c := connFlags(fs)
	n := fs.Int("n", 1000, "executions per concurrency level")
	levels := fs.String("c", "1,16,64", "concurrency levels, comma-separated: executions kept in flight")
	workers := fs.Int("workers", 0, "pollers per activity and webhook senders (default: the level's concurrency)")
	spawn := fs.Bool("spawn", false, "start 'paystep serve' on a free loopback port and measure it")
	db := fs.String("db", "", "with --spawn, the server's database (default: a SQLite file in a temporary directory)")
	pid := fs.Int("server-pid", 0, "the server's process id, to read its CPU time from /proc")
	defFile := fs.String("definition", "", "a definition to run instead of the built-in payment workflow")
	name := fs.String("name", "bench-payment-workflow", "prefix of the names of the state machine and activities made for each level")
	timeout := fs.Duration("timeout", 10*time.Minute, "the longest a level may take")
	quiet := fs.Bool("quiet", false, "no progress lines")
	var serveFlags repeated
	fs.Var(&serveFlags, "serve-flag", "with --spawn, a flag for 'paystep serve', such as --serve-flag=--log-level=warn (repeatable)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("unexpected arguments %q", pos)
	}
	concs, err := parseLevels(*levels)
	if err != nil {
		return usagef("-c: %v", err)
	}
	if *n <= 0 {
		return usagef("-n must be positive")
	}
	if *workers < 0 || *timeout <= 0 {
		return usagef("--workers must not be negative and --timeout must be positive")
	}
	if (*db != "" || len(serveFlags) > 0) && !*spawn {
		return usagef("--db and --serve-flag go with --spawn")
	}
	if *spawn && (*pid != 0 || flagSet(fs, "endpoint")) {
		return usagef("--spawn starts its own server: do not give --endpoint or --server-pid")
	}
	definition := bench.Definition
	if *defFile != "" {
		if definition, err = os.ReadFile(*defFile); err != nil {
			return usagef("--definition: %v", err)
		}
	}
	if c.output != "table" && c.output != "json" {
		return usagef("-o must be table or json, not %q", c.output)
	}

	report := benchReport{Executions: *n}
	var serverCPU func() (time.Duration, error)
	if *spawn {
		srv, dbDesc, cleanup, err := spawnServer(ctx, *db, serveFlags)
		if err != nil {
			return err
		}
		defer cleanup()
		c.endpoint = srv.Endpoint
		report.ServerPID, report.Database = srv.PID, dbDesc
		serverCPU = func() (time.Duration, error) { return bench.ProcessCPU(srv.PID) }
		report.dbPath = sqlitePath(dbDesc)
	} else if *pid != 0 {
		if _, err := bench.ProcessCPU(*pid); err != nil {
			return usagef("--server-pid: %v", err)
		}
		report.ServerPID = *pid
		serverCPU = func() (time.Duration, error) { return bench.ProcessCPU(*pid) }
	}
	report.Endpoint = c.endpoint

	ss, err := c.open(s)
	if err != nil {
		return err
	}
	// Enough idle connections for every poller, sender and starter at the
	// highest level, so none is closed and reopened during a run.
	w := *workers
	if w == 0 {
		w = slices.Max(concs)
	}
	client, err := sfnclient.New(sfnclient.Config{
		Endpoint:     c.endpoint,
		Credentials:  ss.creds,
		Region:       c.region,
		MaxIdleConns: 8*w + 2*slices.Max(concs) + 16,
	})
	if err != nil {
		return usagef("--endpoint: %v", err)
	}
	ss.client = client

	runID := "bench-" + randomHex(4)
	for _, conc := range concs {
		// A level's own activities: see bench.Prepare.
		setup, err := bench.Prepare(ctx, client, definition, fmt.Sprintf("%s-c%d", *name, conc))
		if err != nil {
			return ss.benchErr(err)
		}
		cfg := bench.Config{
			Client: client, Setup: setup, Executions: *n, Concurrency: conc, Workers: *workers,
			RunID: runID, Timeout: *timeout, ServerCPU: serverCPU, ClientCPU: bench.SelfCPU,
		}
		if !*quiet {
			cfg.Progress = func(p bench.Progress) { printProgress(s.err, p, *n) }
		}
		res, err := bench.Run(ctx, cfg)
		report.Levels = append(report.Levels, newLevelReport(res))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return ss.benchErr(fmt.Errorf("level c=%d: %w", conc, err))
		}
		if !*quiet {
			fmt.Fprintf(s.err, "c=%-3d done: %d executions in %.1fs, %.1f/s\n", conc, res.Succeeded+res.Failed, res.Duration.Seconds(), res.PerSecond)
		}
	}
	if report.dbPath != "" {
		report.DatabaseBytes = fileSize(report.dbPath) + fileSize(report.dbPath+"-wal")
	}
	return ss.print(report, func(out io.Writer) { report.table(out) })
}

// benchErr explains an unreachable server; other errors keep their
// context (which level, which setup step).
func (ss *session) benchErr(err error) error {
	if sfnclient.Unreachable(err) {
		return ss.fail(ss.explain(err))
	}
	return err
}

// spawnServer starts this binary's 'serve' and returns it, a description
// of its database, and a function that stops it and removes its files.
func spawnServer(ctx context.Context, db string, extra []string) (*bench.Server, string, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, "", nil, fmt.Errorf("find this program to spawn 'paystep serve': %w", err)
	}
	dir, err := os.MkdirTemp("", "paystep-bench-")
	if err != nil {
		return nil, "", nil, err
	}
	removeDir := func() { os.RemoveAll(dir) }
	if db == "" {
		db = filepath.Join(dir, "paystep.db")
	}
	addr, err := bench.FreeLoopbackAddr()
	if err != nil {
		removeDir()
		return nil, "", nil, err
	}
	srv, err := bench.Spawn(ctx, exe, append(serveArgs(addr, db), extra...), addr, 30*time.Second)
	if err != nil {
		removeDir()
		return nil, "", nil, fmt.Errorf("spawn 'paystep serve': %w", err)
	}
	stop := func() {
		if err := srv.Stop(30 * time.Second); err != nil {
			fmt.Fprintf(os.Stderr, "paystep bench: the spawned server: %v\n", err)
		}
		removeDir()
	}
	return srv, redactDSN(db), stop, nil
}

// serveArgs are the arguments of the spawned 'paystep serve'.
func serveArgs(addr, db string) []string {
	return []string{"serve", "--addr", addr, "--db", db}
}

// sqlitePath is the file of a SQLite database description, "" for others.
func sqlitePath(db string) string {
	if strings.Contains(db, "://") {
		return ""
	}
	return db
}

// redactDSN hides a database URL's password.
func redactDSN(db string) string {
	if i := strings.Index(db, "://"); i >= 0 {
		rest := db[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if user, _, ok := strings.Cut(rest[:at], ":"); ok {
				return db[:i+3] + user + ":xxxxx" + rest[at:]
			}
		}
	}
	return db
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// repeated collects a repeatable flag.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// parseLevels reads "1,16,64".
func parseLevels(s string) ([]int, error) {
	var out []int
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive whole number", part)
		}
		out = append(out, n)
	}
	return out, nil
}

// flagSet reports whether the command line set the flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func printProgress(w io.Writer, p bench.Progress, n int) {
	rate := 0.0
	if p.Elapsed > 0 {
		rate = float64(p.Completed) / p.Elapsed.Seconds()
	}
	fmt.Fprintf(w, "c=%-3d %6.1fs  started %d/%d  ended %d  failed %d  %.1f/s\n",
		p.Concurrency, p.Elapsed.Seconds(), p.Started, n, p.Completed, p.Failed, rate)
}

// benchReport is what bench prints; -o json writes it as it is.
type benchReport struct {
	Endpoint      string        `json:"endpoint"`
	Database      string        `json:"database,omitempty"`
	DatabaseBytes int64         `json:"database_bytes,omitempty"`
	ServerPID     int           `json:"server_pid,omitempty"`
	Executions    int           `json:"executions_per_level"`
	Levels        []levelReport `json:"levels"`
	dbPath        string
}

type latencyReport struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

type levelReport struct {
	Concurrency        int              `json:"concurrency"`
	Executions         int              `json:"executions"`
	Started            int              `json:"started"`
	Succeeded          int              `json:"succeeded"`
	Failed             int              `json:"failed"`
	Seconds            float64          `json:"seconds"`
	PerSecond          float64          `json:"executions_per_second"`
	StartToEndMS       latencyReport    `json:"start_to_end_ms"`
	WebhookToEndMS     latencyReport    `json:"webhook_to_end_ms"`
	ServerCPUMS        *float64         `json:"server_cpu_ms"` // null when not measured
	ServerCPUPerExecMS *float64         `json:"server_cpu_per_execution_ms"`
	ClientCPUPerExecMS float64          `json:"client_cpu_per_execution_ms"`
	Calls              map[string]int64 `json:"calls"`
	Errors             int64            `json:"errors"`
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func newLevelReport(r bench.Result) levelReport {
	lat := func(l bench.Latency) latencyReport { return latencyReport{millis(l.P50), millis(l.P99), millis(l.Max)} }
	lr := levelReport{
		Concurrency: r.Concurrency, Executions: r.Executions, Started: r.Started, Succeeded: r.Succeeded, Failed: r.Failed,
		Seconds: r.Duration.Seconds(), PerSecond: r.PerSecond,
		StartToEndMS: lat(r.StartToEnd), WebhookToEndMS: lat(r.WebhookToEnd),
		ClientCPUPerExecMS: millis(r.ClientCPUPerExecution()),
		Calls:              r.Calls, Errors: r.Errors,
	}
	if r.ServerCPU > 0 {
		total, per := millis(r.ServerCPU), millis(r.ServerCPUPerExecution())
		lr.ServerCPUMS, lr.ServerCPUPerExecMS = &total, &per
	}
	return lr
}

func (r benchReport) table(w io.Writer) {
	fields(w,
		"Endpoint", r.Endpoint,
		"Database", r.Database,
		"Database size", humanBytes(r.DatabaseBytes),
		"Server PID", intOrEmpty(r.ServerPID),
	)
	fmt.Fprintln(w)
	t := newTable(w, "C", "DONE", "FAILED", "EXEC/S", "START→END P50", "P99", "WEBHOOK→END P50", "P99", "SERVER CPU/EXEC", "CLIENT CPU/EXEC")
	for _, l := range r.Levels {
		server := "-"
		if l.ServerCPUPerExecMS != nil {
			server = fmt.Sprintf("%.2f ms", *l.ServerCPUPerExecMS)
		}
		t.row(strconv.Itoa(l.Concurrency), fmt.Sprintf("%d/%d", l.Succeeded+l.Failed, l.Executions), strconv.Itoa(l.Failed),
			fmt.Sprintf("%.1f", l.PerSecond),
			fmtMS(l.StartToEndMS.P50), fmtMS(l.StartToEndMS.P99), fmtMS(l.WebhookToEndMS.P50), fmtMS(l.WebhookToEndMS.P99),
			server, fmt.Sprintf("%.2f ms", l.ClientCPUPerExecMS))
	}
	t.flush()
	if r.ServerPID == 0 {
		fmt.Fprintln(w, "\nThe server's CPU was not measured: give --server-pid PID, or use --spawn.")
	}
}

func fmtMS(ms float64) string {
	if ms >= 1000 {
		return fmt.Sprintf("%.2f s", ms/1000)
	}
	return fmt.Sprintf("%.1f ms", ms)
}

func humanBytes(n int64) string {
	switch {
	case n == 0:
		return ""
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func intOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
