package engine

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
	"github.com/paystep/paystep/internal/sharedtest"
)

// conformanceCase is one line of asl-dev.jsonl.
type conformanceCase struct {
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

// LoadConformance reads asl-dev.jsonl.
func loadConformance(t testing.TB) []conformanceCase {
	t.Helper()
	f, err := os.Open(sharedtest.Path(t, "conformance", "asl-dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []conformanceCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var c conformanceCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("asl-dev.jsonl: %v", err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// definitionBytes returns the definition, which is occasionally a JSON string.
func (c *conformanceCase) definitionBytes() []byte {
	var s string
	if json.Unmarshal(c.Definition, &s) == nil {
		return []byte(s)
	}
	return c.Definition
}

func (c *conformanceCase) jsonata() bool { return slices.Contains(c.Features, "JSONata") }

// runConformanceCase runs c in-process and returns the differences from what AWS recorded.
func runConformanceCase(c *conformanceCase) []string {
	sm, err := asl.Load(c.definitionBytes(), asl.LoadOptions{})
	if err != nil {
		return []string{fmt.Sprintf("Load: %v", err)}
	}
	clk := clock.NewFake(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	ex := NewExecution("arn:aws:states:us-east-1:111111111111:execution:conformance:exec-1", "exec-1",
		"arn:aws:states:us-east-1:111111111111:stateMachine:conformance", "conformance", json.RawMessage(c.Input), clk.Now())
	ex.RoleARN = "arn:aws:iam::111111111111:role/paystep"
	m := c.matcher(ex.RoleARN)
	uuids := 0
	history, err := RunLocal(context.Background(), sm, ex, InvokerFunc(func(context.Context, *Task) (json.RawMessage, error) {
		return nil, &TaskError{Name: "States.TaskFailed", Cause: "no resources in conformance runs"}
	}), LocalConfig{Clock: clk, FastWaits: true, UUID: func() string {
		uuids++
		return fmt.Sprintf("6f1d2a3b-0000-4000-8000-%012d", uuids)
	}})
	if err != nil {
		return []string{fmt.Sprintf("RunLocal: %v", err)}
	}
	var diffs []string
	if string(ex.Status) != c.Expect.Status {
		diffs = append(diffs, fmt.Sprintf("status = %s, want %s (error %q, cause %q)", ex.Status, c.Expect.Status, ex.Error, ex.Cause))
	}
	if c.Expect.Status == "SUCCEEDED" {
		var got, want any
		_ = json.Unmarshal(ex.Output, &got)
		_ = json.Unmarshal(c.Expect.Output, &want)
		if !m.json(want, got) {
			diffs = append(diffs, fmt.Sprintf("output = %s, want %s", ex.Output, c.Expect.Output))
		}
	}
	if c.Expect.Error != nil && !m.str(*c.Expect.Error, ex.Error) {
		diffs = append(diffs, fmt.Sprintf("error = %q, want %q", ex.Error, *c.Expect.Error))
	}
	if c.Expect.Cause != nil && !m.str(*c.Expect.Cause, ex.Cause) {
		diffs = append(diffs, fmt.Sprintf("cause = %q, want %q", ex.Cause, *c.Expect.Cause))
	}
	types := make([]string, len(history))
	for i, e := range history {
		types[i] = e.Type
	}
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

func TestConformanceASL(t *testing.T) {
	t.Parallel()
	cases := loadConformance(t)
	type tally struct{ pass, total int }
	byFeature := map[string]*tally{}
	var pass, total, jsonataPass, jsonataTotal int
	var failures []string
	for i := range cases {
		c := &cases[i]
		diffs := runConformanceCase(c)
		ok := len(diffs) == 0
		if c.jsonata() {
			jsonataTotal++
			if ok {
				jsonataPass++
			}
		}
		total++
		if ok {
			pass++
		} else {
			failures = append(failures, c.ID+": "+strings.Join(diffs, "; "))
		}
		for _, f := range c.Features {
			tl := byFeature[f]
			if tl == nil {
				tl = &tally{}
				byFeature[f] = tl
			}
			tl.total++
			if ok {
				tl.pass++
			}
		}
	}
	features := make([]string, 0, len(byFeature))
	for f := range byFeature {
		features = append(features, f)
	}
	sort.Strings(features)
	for _, f := range features {
		t.Logf("%-40s %4d/%d", f, byFeature[f].pass, byFeature[f].total)
	}
	for _, f := range failures {
		t.Log("FAIL " + f)
	}
	rate := float64(pass) / float64(total)
	t.Logf("asl-dev: %d/%d executions pass (%.1f%%); JSONata: %d/%d", pass, total, 100*rate, jsonataPass, jsonataTotal)
	if total == 0 || rate < 0.97 {
		t.Errorf("conformance pass rate %.1f%% is below 97%%", 100*rate)
	}
}

var placeholder = regexp.MustCompile(`<[A-Za-z_][A-Za-z0-9_:.-]*>`)

// matcher compares recorded values with ours under the case's normalisations:
// <placeholders> stand for whatever the engine produced at that spot, the role
// ARN was recorded as its replacement, "date" stands
// for a timestamp, and values replaced by jsonpath normalisations for anything.
type matcher struct {
	roleARN, roleReplacement string
	anyValue                 map[string]bool
}

func (c *conformanceCase) matcher(roleARN string) *matcher {
	m := &matcher{roleARN: roleARN, anyValue: map[string]bool{}}
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
		got = strings.ReplaceAll(got, m.roleARN, m.roleReplacement)
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
