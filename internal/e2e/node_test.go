package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/binding"
	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/resource"
	"github.com/paystep/paystep/internal/sfnapi"
	"github.com/paystep/paystep/internal/store/postgres"
)

// A test node is this test binary run again as a child process: the parts
// `paystep serve` wires together (PostgreSQL store, bindings, runner, Step
// Functions API), with the knobs serve does not expose yet — the runner's
// Lease and PollInterval — so that a node killed with SIGKILL loses its
// claims within seconds instead of serve's fixed 30.
const (
	nodeEnv      = "PAYSTEP_E2E_NODE" // the node's id; set only in the child
	nodeDBEnv    = "PAYSTEP_E2E_DB"
	nodeBindEnv  = "PAYSTEP_E2E_BINDINGS"
	nodeLeaseEnv = "PAYSTEP_E2E_LEASE"
)

// startNode runs a test node on the PostgreSQL database at db.
func startNode(t *testing.T, id, db, bindings string, lease time.Duration) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), nodeEnv+"="+id, nodeDBEnv+"="+db, nodeBindEnv+"="+bindings, nodeLeaseEnv+"="+lease.String())
	return startProc(t, "node "+id, cmd)
}

// runNode is the child's main: it serves until it is killed.
func runNode() int {
	if err := node(); err != nil {
		fmt.Fprintln(os.Stderr, "node:", err)
		return 1
	}
	return 0
}

func node() error {
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	lease, err := time.ParseDuration(os.Getenv(nodeLeaseEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", nodeLeaseEnv, err)
	}
	table, err := binding.Load(os.Getenv(nodeBindEnv))
	if err != nil {
		return err
	}
	st, err := postgres.Open(ctx, os.Getenv(nodeDBEnv))
	if err != nil {
		return err
	}
	defer st.Close()
	res := resource.New(resource.Config{Logger: logger, AllowPrivate: true}, table)
	r, err := runner.New(runner.Config{
		Store: st, Resources: res, Logger: logger, NodeID: os.Getenv(nodeEnv),
		Lease: lease, PollInterval: 100 * time.Millisecond,
	})
	if err != nil {
		return err
	}
	api, err := sfnapi.New(sfnapi.Config{Store: st, Runner: r, Logger: logger, ActivityPoll: time.Second})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	runDone := make(chan error, 1)
	go func() { runDone <- r.Run(ctx) }()
	serveDone := make(chan error, 1)
	go func() { serveDone <- (&http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}).Serve(ln) }()
	fmt.Printf("node %s listening on http://%s\n", os.Getenv(nodeEnv), ln.Addr())
	select {
	case err := <-runDone:
		return fmt.Errorf("runner: %w", err)
	case err := <-serveDone:
		return fmt.Errorf("serve: %w", err)
	}
}
