package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/sfnclient"
)

// Server is a server process the benchmark started and measures.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	PID      int
	cmd      *exec.Cmd
	log      *tail
	exited   chan struct{}
	waitErr  error
}

// FreeLoopbackAddr returns 127.0.0.1:PORT with a port nothing listens on
// right now.
func FreeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}

// Spawn starts path with args, a server that will listen on addr, and
// waits (up to ready) until its Step Functions API answers. Its standard
// output and error are kept, the last few KiB, for Log.
func Spawn(ctx context.Context, path string, args []string, addr string, ready time.Duration) (*Server, error) {
	cmd := exec.Command(path, args...)
	log := &tail{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	s := &Server{Endpoint: "http://" + addr, PID: cmd.Process.Pid, cmd: cmd, log: log, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	client, err := sfnclient.New(sfnclient.Config{Endpoint: s.Endpoint, Timeout: 2 * time.Second})
	if err != nil {
		s.Stop(time.Second)
		return nil, err
	}
	deadline := time.NewTimer(ready)
	defer deadline.Stop()
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := client.Call(ctx, wire.ActionListStateMachines, wire.ListStateMachinesInput{MaxResults: 1}, nil)
		if err == nil {
			return s, nil
		}
		if !sfnclient.Unreachable(err) {
			s.Stop(5 * time.Second)
			return nil, fmt.Errorf("the server at %s answers, but not as the API: %w", s.Endpoint, err)
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("the server exited before it answered (%v); its output:\n%s", s.waitErr, s.Log())
		case <-deadline.C:
			s.Stop(5 * time.Second)
			return nil, fmt.Errorf("the server did not answer at %s within %s; its output:\n%s", s.Endpoint, ready, s.Log())
		case <-ctx.Done():
			s.Stop(5 * time.Second)
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// Log returns the end of what the server printed.
func (s *Server) Log() string { return s.log.String() }

// Stop sends SIGTERM and waits up to grace for the process to exit, then
// kills it. It returns the process's exit error, nil for a clean exit.
func (s *Server) Stop(grace time.Duration) error {
	select {
	case <-s.exited:
		return s.waitErr
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop server %d: %w", s.PID, err)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-s.exited:
		return s.waitErr
	case <-timer.C:
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("server %d did not stop within %s of SIGTERM and was killed", s.PID, grace)
	}
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
