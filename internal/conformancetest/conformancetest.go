// Package conformancetest runs the States Language conformance cases of
// ../shared/conformance/asl-dev.jsonl for tests: it loads the cases,
// compares an execution's outcome with what AWS recorded (under each case's
// normalisations), and runs a case in-process so that other runs (through
// the API, on a server) can be held to the same results. Only tests import
// it.
package conformancetest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/sharedtest"
)

// RoleARN is the role the executions run with; the recordings replaced
// AWS's role with a placeholder.
const RoleARN = "arn:aws:iam::111111111111:role/paystep"

// TaskFailure is how every Task fails in conformance runs: the recorded
// cases need no other AWS service, so no resource is bound.
var TaskFailure = &engine.TaskError{Name: "States.TaskFailed", Cause: "no resources in conformance runs"}

// Case is one line of asl-dev.jsonl.
type Case struct {
	ID         string          `json:"id"`
	Definition json.RawMessage `json:"definition"`
	Input      string          `json:"input"`
	Features   []string        `json:"features"`
	Expect     struct {
		Status string          `json:"status"`
		Output json.RawMessage `json:"output"`
		Error  *string         `json:"error"`
		Cause  *string         `json:"cause"`
	} `json:"expect"`
	HistoryTypes []string `json:"history_types"`
	Normalise    []struct {
		Kind        string `json:"kind"`
		What        string `json:"what"`
		Replacement string `json:"replacement"`
	} `json:"normalise"`
	HistoryOrdered bool `json:"history_ordered"`
}

// Load reads asl-dev.jsonl from the shared folder.
func Load(tb testing.TB) []Case {
	tb.Helper()
	path := sharedtest.Path(tb, "conformance", "asl-dev.jsonl")
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var cases []Case
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		var c Case
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatalf("%s:%d: %v", path, line, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	if len(cases) == 0 {
		tb.Fatalf("%s holds no cases", path)
	}
	return cases
}

// DefinitionBytes returns the definition, which is occasionally a JSON string.
func (c *Case) DefinitionBytes() []byte {
	var s string
	if json.Unmarshal(c.Definition, &s) == nil {
		return []byte(s)
	}
	return c.Definition
}

// JSONata reports whether the case is tagged JSONata.
func (c *Case) JSONata() bool { return slices.Contains(c.Features, "JSONata") }

// Outcome is how an execution of a case ended.
type Outcome struct {
	Status       string
	Output       json.RawMessage
	Error, Cause string
	HistoryTypes []string
}

// Diff returns how o differs from what AWS recorded; none means the case passes.
func (c *Case) Diff(o Outcome) []string {
	m := c.matcher()
	var diffs []string
	if o.Status != c.Expect.Status {
		diffs = append(diffs, fmt.Sprintf("status = %s, want %s (error %q, cause %q)", o.Status, c.Expect.Status, o.Error, o.Cause))
	}
	if c.Expect.Status == "SUCCEEDED" {
		var got, want any
		_ = json.Unmarshal(o.Output, &got)
		_ = json.Unmarshal(c.Expect.Output, &want)
		if !m.json(want, got) {
			diffs = append(diffs, fmt.Sprintf("output = %s, want %s", o.Output, c.Expect.Output))
		}
	}
	if c.Expect.Error != nil && !m.str(*c.Expect.Error, o.Error) {
		diffs = append(diffs, fmt.Sprintf("error = %q, want %q", o.Error, *c.Expect.Error))
	}
	if c.Expect.Cause != nil && !m.str(*c.Expect.Cause, o.Cause) {
		diffs = append(diffs, fmt.Sprintf("cause = %q, want %q", o.Cause, *c.Expect.Cause))
	}
	types := slices.Clone(o.HistoryTypes)
	want := slices.Clone(c.HistoryTypes)
	if !c.HistoryOrdered {
		sort.Strings(types)
		sort.Strings(want)
	}
	if len(want) > 0 && !slices.Equal(types, want) { // some recordings kept no history
		diffs = append(diffs, fmt.Sprintf("history types = %v, want %v", types, want))
	}
	return diffs
}

// RunLocal runs c in-process (engine.RunLocal, a fake clock, waits
// skipped, every Task failing with TaskFailure) and returns its outcome, or
// the differences that kept it from running.
func RunLocal(c *Case) (Outcome, []string) {
	sm, err := asl.Load(c.DefinitionBytes(), asl.LoadOptions{})
	if err != nil {
		return Outcome{}, []string{fmt.Sprintf("Load: %v", err)}
	}
	clk := clock.NewFake(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	ex := engine.NewExecution("arn:aws:states:us-east-1:111111111111:execution:conformance:exec-1", "exec-1",
		"arn:aws:states:us-east-1:111111111111:stateMachine:conformance", "conformance", json.RawMessage(c.Input), clk.Now())
	ex.RoleARN = RoleARN
	uuids := 0
	history, err := engine.RunLocal(context.Background(), sm, ex, engine.InvokerFunc(func(context.Context, *engine.Task) (json.RawMessage, error) {
		return nil, TaskFailure
	}), engine.LocalConfig{Clock: clk, FastWaits: true, UUID: func() string {
		uuids++
		return fmt.Sprintf("6f1d2a3b-0000-4000-8000-%012d", uuids)
	}})
	if err != nil {
		return Outcome{}, []string{fmt.Sprintf("RunLocal: %v", err)}
	}
	o := Outcome{Status: string(ex.Status), Output: ex.Output, Error: ex.Error, Cause: ex.Cause}
	for _, e := range history {
		o.HistoryTypes = append(o.HistoryTypes, e.Type)
	}
	return o, nil
}

// CheckLocal runs c in-process (RunLocal) and returns its differences from
// what AWS recorded; none means the case passes.
func CheckLocal(c *Case) []string {
	o, diffs := RunLocal(c)
	if diffs != nil {
		return diffs
	}
	return c.Diff(o)
}

// Tally counts passes, overall, for the JSONata cases and by feature.
type Tally struct {
	Pass, Total               int
	JSONataPass, JSONataTotal int
	ByFeature                 map[string][2]int // pass, total
	Failures                  []string          // "id: diff; diff"
}

// Add records c's result.
func (t *Tally) Add(c *Case, diffs []string) {
	ok := len(diffs) == 0
	if t.ByFeature == nil {
		t.ByFeature = map[string][2]int{}
	}
	t.Total++
	if ok {
		t.Pass++
	} else {
		t.Failures = append(t.Failures, c.ID+": "+strings.Join(diffs, "; "))
	}
	if c.JSONata() {
		t.JSONataTotal++
		if ok {
			t.JSONataPass++
		}
	}
	for _, f := range c.Features {
		n := t.ByFeature[f]
		n[1]++
		if ok {
			n[0]++
		}
		t.ByFeature[f] = n
	}
}

// Log writes the tally by feature, the failures and the totals to tb's log.
func (t *Tally) Log(tb testing.TB, name string) {
	tb.Helper()
	features := make([]string, 0, len(t.ByFeature))
	for f := range t.ByFeature {
		features = append(features, f)
	}
	sort.Strings(features)
	for _, f := range features {
		tb.Logf("%-40s %4d/%d", f, t.ByFeature[f][0], t.ByFeature[f][1])
	}
	for _, f := range t.Failures {
		tb.Log("FAIL " + f)
	}
	tb.Logf("%s: %d/%d executions pass (%.1f%%); JSONata: %d/%d", name, t.Pass, t.Total, 100*t.Rate(), t.JSONataPass, t.JSONataTotal)
}

// Rate is the share of the cases that pass, 0 when there are none.
func (t *Tally) Rate() float64 {
	if t.Total == 0 {
		return 0
	}
	return float64(t.Pass) / float64(t.Total)
}

var placeholder = regexp.MustCompile(`<[A-Za-z_][A-Za-z0-9_:.-]*>`)

// matcher compares recorded values with ours under the case's normalisations:
// <placeholders> stand for whatever the engine produced at that spot, the role
// ARN was recorded as its replacement, "date" stands for a timestamp, and
// values replaced by jsonpath normalisations for anything.
type matcher struct {
	roleReplacement string
	anyValue        map[string]bool
}

func (c *Case) matcher() *matcher {
	m := &matcher{anyValue: map[string]bool{}}
	for _, n := range c.Normalise {
		switch {
		case n.Kind == "env" && n.What == "role_arn":
			m.roleReplacement = n.Replacement
		case n.Kind == "jsonpath":
			m.anyValue[n.Replacement] = true
		}
	}
	return m
}

func (m *matcher) str(want, got string) bool {
	if m.roleReplacement != "" {
		got = strings.ReplaceAll(got, RoleARN, m.roleReplacement)
	}
	if want == got || m.anyValue[want] {
		return true
	}
	if want == "date" { // the recordings replace every timestamp with "date"
		_, err := time.Parse(time.RFC3339Nano, got)
		return err == nil
	}
	if !placeholder.MatchString(want) {
		return false
	}
	parts := placeholder.Split(want, -1)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	re, err := regexp.Compile(`^(?s)` + strings.Join(parts, `.*?`) + `$`)
	return err == nil && re.MatchString(got)
}

// json compares decoded JSON: numbers by value, strings through str.
func (m *matcher) json(want, got any) bool {
	if w, ok := want.(string); ok && m.anyValue[w] {
		return true
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !m.json(wv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !m.json(w[i], g[i]) {
				return false
			}
		}
		return true
	case string:
		if g, ok := got.(string); ok {
			return m.str(w, g)
		}
		// A whole-value placeholder may stand for a non-string value.
		return placeholder.FindString(w) == w
	case float64:
		g, ok := got.(float64)
		if !ok {
			return false
		}
		return new(big.Float).SetFloat64(w).Cmp(new(big.Float).SetFloat64(g)) == 0
	default:
		return want == got
	}
}
