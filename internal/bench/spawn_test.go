package bench_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/bench"
)

// The happy path, a real `paystep serve`, is tested by cmd/paystep's
// `paystep bench --spawn` test; these are the ways a spawn fails.

func TestSpawnReportsAnEarlyExit(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	addr, err := bench.FreeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	_, err = bench.Spawn(context.Background(), sh, []string{"-c", "echo cannot open the database >&2; exit 3"}, addr, 20*time.Second)
	if err == nil || !strings.Contains(err.Error(), "exited before it answered") || !strings.Contains(err.Error(), "cannot open the database") {
		t.Errorf("Spawn of a process that exits = %v; want its exit and output", err)
	}
}

func TestSpawnGivesUpAndStopsTheProcess(t *testing.T) {
	t.Parallel()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep")
	}
	addr, err := bench.FreeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = bench.Spawn(context.Background(), sleep, []string{"60"}, addr, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not answer at http://"+addr+" within 300ms") {
		t.Errorf("Spawn of a process that never listens = %v", err)
	}
	// Spawn stopped it (SIGTERM ends sleep) instead of waiting out the minute.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Spawn took %v to give up", d)
	}
}

func TestSpawnMissingProgram(t *testing.T) {
	t.Parallel()
	if _, err := bench.Spawn(context.Background(), "/nonexistent/paystep", nil, "127.0.0.1:1", time.Second); err == nil {
		t.Error("Spawn of a missing program: nil error")
	}
}
