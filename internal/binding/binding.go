// Package binding resolves a Task state's Resource string to what runs it.
// For now a binding is a fixed result or a fixed error; later kinds (HTTP
// endpoints, activities, built-ins) plug in through the same table.
package binding

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/paystep/paystep/internal/engine"
)

// Binding is what one Resource string is bound to: exactly one of Result or Error.
type Binding struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
	Cause  string          `json:"cause,omitempty"`
}

// Table maps Resource strings to bindings.
type Table struct {
	bindings map[string]Binding
}

var _ engine.Invoker = (*Table)(nil)

// Parse reads a bindings document: a JSON object from Resource string to
// {"result": <any JSON>} or {"error": "Name", "cause": "text"}.
func Parse(data []byte) (*Table, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var raw map[string]Binding
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("bindings: %w", err)
	}
	var problems []string
	for res, b := range raw {
		switch {
		case strings.TrimSpace(res) == "":
			problems = append(problems, "an empty resource name")
		case len(b.Result) > 0 && b.Error != "":
			problems = append(problems, fmt.Sprintf("%q has both result and error", res))
		case len(b.Result) == 0 && b.Error == "":
			problems = append(problems, fmt.Sprintf("%q needs a result or an error", res))
		case b.Cause != "" && b.Error == "":
			problems = append(problems, fmt.Sprintf("%q has a cause without an error", res))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("bindings: %s", strings.Join(problems, "; "))
	}
	return &Table{bindings: raw}, nil
}

// Load reads a bindings file.
func Load(path string) (*Table, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ErrUnbound is the cause of a task whose Resource has no binding.
var ErrUnbound = errors.New("no binding for this resource")

// Invoke runs the binding of t.Resource. An unbound resource fails the task
// with States.TaskFailed, as an unreachable resource does.
func (tb *Table) Invoke(_ context.Context, t *engine.Task) (json.RawMessage, error) {
	b, ok := tb.lookup(t.Resource)
	if !ok {
		return nil, &engine.TaskError{Name: "States.TaskFailed", Cause: fmt.Sprintf("%v: %s", ErrUnbound, t.Resource)}
	}
	if b.Error != "" {
		return nil, &engine.TaskError{Name: b.Error, Cause: b.Cause}
	}
	return b.Result, nil
}

func (tb *Table) lookup(resource string) (Binding, bool) {
	if tb == nil {
		return Binding{}, false
	}
	b, ok := tb.bindings[resource]
	return b, ok
}
