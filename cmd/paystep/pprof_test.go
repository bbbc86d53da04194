package main

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestServePprofFlag(t *testing.T) {
	t.Parallel()
	s := stdio{in: strings.NewReader(""), out: io.Discard, err: io.Discard}
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:0", "localhost:6060", "127.0.0.2:1"} {
		c, err := parseServeFlags([]string{"--pprof", addr}, s)
		if err != nil || c.pprof != addr {
			t.Errorf("parseServeFlags(--pprof %s) = %q, %v; want it accepted", addr, c.pprof, err)
		}
	}
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "10.0.0.1:6060", "example.com:6060", "6060"} {
		_, err := parseServeFlags([]string{"--pprof", addr}, s)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(ue.msg, "want a loopback host:port") {
			t.Errorf("parseServeFlags(--pprof %s) = %v, want a usage error", addr, err)
		}
	}
	c, err := parseServeFlags(nil, s)
	if err != nil || c.pprof != "" {
		t.Errorf("parseServeFlags() = pprof %q, %v; want it off by default", c.pprof, err)
	}
}

func TestServePprof(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	stop, err := servePprof("127.0.0.1:0", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	_, rest, ok := strings.Cut(logs.String(), "addr=")
	url, _, _ := strings.Cut(rest, "\n")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("log %q names no address", logs.String())
	}
	resp, err := http.Get(url + "goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine profile:") {
		t.Errorf("GET %sgoroutine = %d %.200s; want the goroutine profile", url, resp.StatusCode, body)
	}
}
