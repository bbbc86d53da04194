package asl_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/sharedtest"
)

type conformanceCase struct {
	ID              string          `json:"id"`
	Definition      json.RawMessage `json:"definition"`
	Type            string          `json:"type"`
	Features        []string        `json:"features"`
	MessageContains string          `json:"message_contains"`
	Diagnostics     []struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Location string `json:"location"`
		Severity string `json:"severity"`
	} `json:"diagnostics"`
}

func readCases(t *testing.T, name string) []conformanceCase {
	t.Helper()
	f, err := os.Open(sharedtest.Path(t, "conformance", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []conformanceCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var c conformanceCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s has no cases", name)
	}
	return cases
}

// definitionBytes returns the definition text: a JSON string holds the text
// itself, an object is the text as recorded (member order kept).
func definitionBytes(raw json.RawMessage) []byte {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []byte(s)
	}
	return raw
}

var (
	awsMessage   = regexp.MustCompile(`(?s)Invalid State Machine Definition: '(.*)'$`)
	valueErrArgs = regexp.MustCompile(`(?s)Args=\[(.*)\] in definition`)
)

// expectedSubstance extracts what must appear in our error from a recorded
// message: AWS's text inside "Invalid State Machine Definition: '...'", or
// the argument of LocalStack's ValueError, unquoted as Python prints it.
func expectedSubstance(msg string) string {
	if m := awsMessage.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	if m := valueErrArgs.FindStringSubmatch(msg); m != nil {
		return unquotePython(m[1])
	}
	return msg
}

// unquotePython undoes Python's repr of a str: the outer quotes and the
// escapes of quotes and backslashes (\xNN and friends stay as written: they
// are what the message contains).
func unquotePython(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '\\', '\'', '"':
				b.WriteByte(s[i+1])
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// normalise makes message comparison insensitive to whitespace runs.
func normalise(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestConformanceInvalid(t *testing.T) {
	t.Parallel()
	cases := readCases(t, "invalid-dev.jsonl")
	pass := 0
	for _, c := range cases {
		want := normalise(expectedSubstance(c.MessageContains))
		_, err := asl.Load(definitionBytes(c.Definition), asl.LoadOptions{Type: c.Type})
		var de *asl.DefinitionError
		switch {
		case err == nil:
			t.Logf("FAIL %s: Load succeeded, want an error containing %q", c.ID, want)
		case !errors.As(err, &de):
			t.Logf("FAIL %s: error %T %v is not a *DefinitionError", c.ID, err, err)
		case !strings.Contains(normalise(de.Error()), want):
			t.Logf("FAIL %s:\n got: %s\nwant: %s", c.ID, de.Error(), want)
		case !hasDiagnostics(c, asl.Validate(definitionBytes(c.Definition), asl.LoadOptions{Type: c.Type})):
			t.Logf("FAIL %s: Validate = %+v, want %+v", c.ID, asl.Validate(definitionBytes(c.Definition), asl.LoadOptions{Type: c.Type}), c.Diagnostics)
		default:
			pass++
		}
	}
	t.Logf("invalid-dev: %d/%d passed", pass, len(cases))
	if pass*10 < len(cases)*9 {
		t.Errorf("invalid-dev: %d/%d passed, want at least 90%%", pass, len(cases))
	}
}

// hasDiagnostics reports whether got includes every diagnostic the case
// recorded from ValidateStateMachineDefinition.
func hasDiagnostics(c conformanceCase, got []asl.Diagnostic) bool {
	for _, w := range c.Diagnostics {
		found := false
		for _, g := range got {
			loc := g.Pointer
			if w.Location != "" && loc != w.Location {
				continue
			}
			if g.Code == w.Code && g.Severity == w.Severity && normalise(g.Message) == normalise(w.Message) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// TestConformanceValid loads every definition AWS ran.
func TestConformanceValid(t *testing.T) {
	t.Parallel()
	for _, c := range readCases(t, "asl-dev.jsonl") {
		if _, err := asl.Load(definitionBytes(c.Definition), asl.LoadOptions{Type: c.Type}); err != nil {
			t.Errorf("%s: Load: %v", c.ID, err)
		}
	}
}
