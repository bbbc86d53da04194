package resource

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/paystep/paystep/internal/binding"
	"github.com/paystep/paystep/internal/engine"
)

// recorded is one request a test server received.
type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

// recorder is a real HTTP server on 127.0.0.1 that records its requests
// and answers with handler.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newRecorder(t *testing.T, handler http.HandlerFunc) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(body)})
		rec.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (rec *recorder) requests() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.reqs...)
}

func (rec *recorder) only(t *testing.T) recorded {
	t.Helper()
	reqs := rec.requests()
	if len(reqs) != 1 {
		t.Fatalf("the server got %d requests, want 1: %+v", len(reqs), reqs)
	}
	return reqs[0]
}

func replyJSON(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func mustTable(t testing.TB, doc string) *binding.Table {
	t.Helper()
	tb, err := binding.Parse([]byte(doc), binding.FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func newRegistry(t *testing.T, cfg Config, doc string) *Registry {
	t.Helper()
	var tb *binding.Table
	if doc != "" {
		tb = mustTable(t, doc)
	}
	r := New(cfg, tb)
	t.Cleanup(r.Close)
	return r
}

func invoke(t *testing.T, r *Registry, resource, input string) (json.RawMessage, error) {
	t.Helper()
	return r.Invoke(context.Background(), &engine.Task{ID: 1, Resource: resource, Input: json.RawMessage(input), Token: "tok-1"})
}

// wantTaskError checks that err is a *engine.TaskError named name whose
// cause contains every one of causeParts.
func wantTaskError(t *testing.T, err error, name string, causeParts ...string) *engine.TaskError {
	t.Helper()
	var te *engine.TaskError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v (%T), want a TaskError %s", err, err, name)
	}
	if te.Name != name {
		t.Errorf("error name = %q (cause %q), want %q", te.Name, te.Cause, name)
	}
	for _, p := range causeParts {
		if !strings.Contains(te.Cause, p) {
			t.Errorf("cause %q does not contain %q", te.Cause, p)
		}
	}
	return te
}

// decode decodes a JSON result into a generic value.
func decode(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("result %s is not JSON: %v", data, err)
	}
	return v
}
