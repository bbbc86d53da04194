package stripe_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stripe-mock is installed (once, cached) by scripts/stripe-mock, started
// here on a free 127.0.0.1 port for the package's tests, and stopped by its
// PID when they end.
var (
	mockURL string
	mockErr error
)

func TestMain(m *testing.M) {
	var cmd *exec.Cmd
	mockURL, cmd, mockErr = startStripeMock()
	code := m.Run()
	if cmd != nil {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
	os.Exit(code)
}

func startStripeMock() (string, *exec.Cmd, error) {
	root, err := repoRoot()
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, filepath.Join(root, "scripts", "stripe-mock"), "path")
	var stderr strings.Builder
	install.Stderr = &stderr
	out, err := install.Output()
	if err != nil {
		return "", nil, fmt.Errorf("scripts/stripe-mock path: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	cmd := exec.Command(strings.TrimSpace(string(out)), "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start stripe-mock: %w", err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "Listening for HTTP at address: "); ok {
				found <- addr
			}
		}
		close(found)
	}()
	select {
	case addr, ok := <-found:
		if ok && strings.HasPrefix(addr, "127.0.0.1:") {
			go func() {
				for range found { // keep draining its output
				}
			}()
			return "http://" + addr, cmd, nil
		}
	case <-time.After(30 * time.Second):
	}
	cmd.Process.Kill()
	cmd.Wait()
	return "", nil, errors.New("stripe-mock did not report an HTTP address on 127.0.0.1 within 30s")
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// stripeMock returns stripe-mock's URL. Without it the test fails under CI
// and is skipped elsewhere, saying why.
func stripeMock(t *testing.T) string {
	t.Helper()
	if mockErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("stripe-mock is required under CI and could not run: %v", mockErr)
		}
		t.Skipf("SKIPPED: stripe-mock could not run here (%v); CI requires it", mockErr)
	}
	return mockURL
}
