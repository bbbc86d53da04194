package binding

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

const everyKindJSON = `{
	"ARN_OF_POSTPAYMENTS": {"result": {"paid": true, "amount": 4250}},
	"ARN_OF_NOTHING": {"result": null},
	"arn:aws:lambda:us-east-1:1:function:processEmails": {"error": "Email.Failed", "cause": "smtp down"},
	"processTexts": {"endpoint": "https://sms.example/run?x=1", "headers": {"X-Api-Key": "k"}, "timeout_seconds": 5},
	"ARN_OF_CHARGE": {"activity": "charge"},
	"ARN_OF_CAPTURE": {"activity": "arn:aws:states:eu-west-1:123456789012:activity:capture"},
	"arn:aws:states:us-east-1:000000000000:activity:bench-validate": {"builtin": "bench.validate", "config": {"delay": 0}}
}`

const everyKindYAML = `
# the same table as everyKindJSON
ARN_OF_POSTPAYMENTS:
  result: {paid: true, amount: 4250}
ARN_OF_NOTHING:
  result: null
"arn:aws:lambda:us-east-1:1:function:processEmails":
  error: Email.Failed
  cause: smtp down
processTexts:
  endpoint: https://sms.example/run?x=1
  headers:
    X-Api-Key: k
  timeout_seconds: 5
ARN_OF_CHARGE: {activity: charge}
ARN_OF_CAPTURE: {activity: "arn:aws:states:eu-west-1:123456789012:activity:capture"}
"arn:aws:states:us-east-1:000000000000:activity:bench-validate":
  builtin: bench.validate
  config: {delay: 0}
`

func TestParseEveryKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		doc    string
		format Format
	}{
		{"json", everyKindJSON, FormatJSON},
		{"json auto", everyKindJSON, FormatAuto},
		{"yaml", everyKindYAML, FormatYAML},
		{"yaml auto", everyKindYAML, FormatAuto},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb, err := Parse([]byte(tc.doc), tc.format)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]Kind{
				"ARN_OF_POSTPAYMENTS": KindResult,
				"ARN_OF_NOTHING":      KindResult,
				"arn:aws:lambda:us-east-1:1:function:processEmails": KindError,
				"processTexts":   KindEndpoint,
				"ARN_OF_CHARGE":  KindActivity,
				"ARN_OF_CAPTURE": KindActivity,
				"arn:aws:states:us-east-1:000000000000:activity:bench-validate": KindBuiltin,
			}
			got := map[string]Kind{}
			for _, k := range tb.Keys() {
				b, _ := tb.Lookup(k)
				got[k] = b.Kind()
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("kinds (-want +got):\n%s", diff)
			}
			b, _ := tb.Lookup("processTexts")
			if b.Endpoint != "https://sms.example/run?x=1" || b.Headers["X-Api-Key"] != "k" || b.TimeoutSeconds != 5 {
				t.Errorf("processTexts = %+v", b)
			}
			b, _ = tb.Lookup("ARN_OF_NOTHING")
			if string(b.Result) != "null" {
				t.Errorf("ARN_OF_NOTHING result = %s, want null", b.Result)
			}
			b, _ = tb.Lookup("arn:aws:lambda:us-east-1:1:function:processEmails")
			if b.Error != "Email.Failed" || b.Cause != "smtp down" {
				t.Errorf("processEmails = %+v", b)
			}
		})
	}
}

func TestJSONAndYAMLGiveTheSameTable(t *testing.T) {
	t.Parallel()
	j, err := Parse([]byte(everyKindJSON), FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	y, err := Parse([]byte(everyKindYAML), FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	var jv, yv any
	for _, c := range []struct {
		tb  *Table
		out *any
	}{{j, &jv}, {y, &yv}} {
		b, err := json.Marshal(c.tb)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, c.out); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(jv, yv); diff != "" {
		t.Errorf("JSON and YAML tables differ (-json +yaml):\n%s", diff)
	}
}

// The seed 003 example must keep working as it was written for the first
// version of bindings files.
func TestLoadSeed003Example(t *testing.T) {
	t.Parallel()
	tb, err := Load(filepath.Join("..", "..", "examples", "seed003", "bindings.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, ok := tb.Lookup("ARN_OF_POSTPAYMENTS")
	if !ok || b.Kind() != KindResult || !strings.Contains(string(b.Result), `"Choices": "both"`) {
		t.Errorf("ARN_OF_POSTPAYMENTS = %+v, %v", b, ok)
	}
	if tb.Len() != 3 {
		t.Errorf("Len() = %d, want 3", tb.Len())
	}
}

func TestLoadChoosesTheFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		wantErr       string
	}{
		{"b.yaml", "A: {result: 1}\n", ""},
		{"b.yml", "A: {result: 1}\n", ""},
		{"b.json", `{"A": {"result": 1}}`, ""},
		{"b.conf", "A: {result: 1}\n", ""},     // YAML by content
		{"b.txt", ` {"A": {"result": 1}}`, ""}, // JSON by content
		{"c.json", "A: {result: 1}\n", "invalid JSON at line 1, column 1"},
	} {
		p := filepath.Join(dir, tc.name)
		if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		tb, err := Load(p)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), p+": ") {
				t.Errorf("Load(%s) error = %v, want %q after the file name", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Load(%s): %v", tc.name, err)
			continue
		}
		if b, ok := tb.Lookup("A"); !ok || string(b.Result) != "1" {
			t.Errorf("Load(%s): A = %+v, %v", tc.name, b, ok)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) error = %v, want not-exist", err)
	}
}

func TestLoadErrorNamesFileKeyAndProblem(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "bindings.yaml")
	doc := "ARN_OF_X:\n  endpoint: ftp://files.example/x\nARN_OF_Y:\n  result: 1\n  error: E\n"
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	want := p + `: bindings: "ARN_OF_X": endpoint "ftp://files.example/x" must be an http or https URL; "ARN_OF_Y": has both result and error: a binding is exactly one of result, error, endpoint, activity or builtin`
	if err == nil || err.Error() != want {
		t.Errorf("Load error =\n%v\nwant\n%s", err, want)
	}
	var be *Error
	if !errors.As(err, &be) || be.File != p || len(be.Problems) != 2 || be.Problems[0].Key != "ARN_OF_X" {
		t.Errorf("error = %#v, want an *Error with the file and two problems", err)
	}
}

func TestParseRejectsBadBindings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		doc  string
		want string
	}{
		{`{"A": {"result": 1, "error": "E"}}`, `"A": has both result and error`},
		{`{"A": {}}`, `"A": needs one of result, error, endpoint, activity or builtin`},
		{`{"A": {"cause": "c", "result": 1}}`, `"A": has a cause without an error`},
		{`{"A": {"resullt": 1}}`, `"A": unknown field "resullt"`},
		{`{"A": 1}`, `"A": want an object such as {"result": …}`},
		{`{"A": {"error": 5}}`, `"A": error must be a string, not number`},
		{`{"A": {"endpoint": "https://x", "timeout_seconds": "5"}}`, `"A": timeout_seconds must be a whole number, not string`},
		{`{"A": {"endpoint": "https://x", "headers": {"X": 1}}}`, `"A": headers must map header names to strings, not to a number`},
		{`[1]`, `want an object from Resource string to binding, not an array`},
		{`"x"`, `not a string`},
		{`{"A": {"result": 1}`, `unexpected end of the document`},
		{`{"A": {"result": 1}} {}`, `unexpected data after the object at line 1, column 22`},
		{"{\n  \"A\": {\"result\": tru}\n}", `invalid JSON at line 2, column`},
		{`{"A": {"result": 1}, "A": {"result": 2}}`, `"A": is bound twice`},
		{`{"": {"result": 1}}`, `an empty key binds nothing`},
		{`{" A": {"result": 1}}`, `" A": the key has blanks around it`},
		{`{"A": {"error": "E", "headers": {"X": "y"}}}`, `"A": has headers without an endpoint`},
		{`{"A": {"error": "E", "timeout_seconds": 3}}`, `"A": has timeout_seconds without an endpoint`},
		{`{"A": {"result": 1, "config": {}}}`, `"A": has config without a builtin`},
		{`{"A": {"endpoint": "https://x", "timeout_seconds": -1}}`, `timeout_seconds must be between 1 and 3600, not -1`},
		{`{"A": {"endpoint": "https://x", "timeout_seconds": 99999}}`, `not 99999`},
		{`{"A": {"endpoint": "/relative"}}`, `endpoint "/relative" must be an http or https URL`},
		{`{"A": {"endpoint": "http://"}}`, `endpoint "http://" has no host`},
		{`{"A": {"endpoint": "http://u:secret@host/"}}`, `carries credentials in the URL`},
		{`{"A": {"endpoint": "http://host/#frag"}}`, `has a #fragment`},
		{`{"A": {"endpoint": "http://h\u0000/"}}`, `endpoint "http://h\x00/" is not a URL`},
		{`{"A": {"endpoint": "https://x", "headers": {"Bad Name": "v"}}}`, `header "Bad Name" is not a valid header name`},
		{`{"A": {"endpoint": "https://x", "headers": {"content-type": "v"}}}`, `header "content-type" is set by paystep`},
		{`{"A": {"endpoint": "https://x", "headers": {"Paystep-Task-Token": "v"}}}`, `header "Paystep-Task-Token" is set by paystep`},
		{`{"A": {"endpoint": "https://x", "headers": {"X": "a\nb"}}}`, `header "X" has a line break`},
		{`{"A": {"activity": "has space"}}`, `activity "has space" is neither an activity name`},
		{`{"A": {"activity": "arn:aws:states:us-east-1:12:activity:x"}}`, `is neither an activity name`},
		{`{"A": {"builtin": "no spaces please"}}`, `builtin "no spaces please" is not a built-in's name`},
		{`{"A": {"error": "` + strings.Repeat("E", 257) + `"}}`, `error is longer than 256 characters`},
		{"A: [1", `invalid YAML`},
		{"A: {result: 1}\nA: {result: 2}\n", `invalid YAML`},
		{"- A\n", `not an array`},
		{"A: {result: 1}\n\xff", `not UTF-8`},
	} {
		_, err := Parse([]byte(tc.doc), FormatAuto)
		var be *Error
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &be) {
			t.Errorf("Parse(%q) error = %v, want an *Error containing %q", tc.doc, err, tc.want)
		}
	}
}

func TestEmptyDocumentsBindNothing(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"{}", "", "# nothing yet\n"} {
		tb, err := Parse([]byte(doc), FormatAuto)
		if err != nil || tb.Len() != 0 {
			t.Errorf("Parse(%q) = %v bindings, %v; want an empty table", doc, tb.Len(), err)
		}
	}
}

func TestIsActivityARN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s, name string
		ok      bool
	}{
		{"arn:aws:states:us-east-1:000000000000:activity:bench-validate", "bench-validate", true},
		{"arn:aws-cn:states:cn-north-1:123456789012:activity:a", "a", true},
		{"arn:aws:states:us-east-1:000000000000:stateMachine:x", "", false},
		{"arn:aws:states:us-east-1:0:activity:x", "", false},
		{"arn:aws:states:us-east-1:000000000000:activity:bad name", "", false},
		{"arn:aws:states:::http:invoke", "", false},
		{"arn:aws:states::000000000000:activity:x", "", false},
		{"arn:aws:lambda:us-east-1:000000000000:activity:x", "", false},
		{"arn:aws:states:us-east-1:000000000000:activity:a:b", "", false},
		{"arn:aws:states:us-east-1:000000000000:activity:", "", false},
		{"arn:aws:states:us-east-1:000000000000:activity:" + strings.Repeat("n", 81), "", false},
		{"arn:awsX:states:us-east-1:000000000000:activity:x", "", false},
		{"arn:aws:states:US-EAST-1:000000000000:activity:x", "", false},
		{"arn:aws:states:us-east-1:00000000000a:activity:x", "", false},
		{"arn:aws:states:us-east-1:000000000000:activity:tab\there", "", false},
		{"arn:aws-us-gov:states:us-gov-west-1:000000000000:activity:ünïcode", "ünïcode", true},
	} {
		if name, ok := IsActivityARN(tc.s); name != tc.name || ok != tc.ok {
			t.Errorf("IsActivityARN(%q) = %q, %v; want %q, %v", tc.s, name, ok, tc.name, tc.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		everyKindJSON, everyKindYAML, `{}`, `{"A": {"result": 1, "error": "E"}}`, `[1]`,
		`{"A": {"endpoint": "https://x", "headers": {"K": "v"}}}`, "A: {activity: b}\n", `{"A":{"result":"<&>"}}`,
		connectionsYAML, connectionsJSON, `{"$connections": {"a": {"api_key": {"name": "K", "value_env": "V"}}}}`,
		`{"$connections": {"a": {"basic": {"username": "u", "password": "p"}, "invocation_http_parameters": {"body_parameters": {"k": {"value_env": "X"}, "n": 1}}}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := Parse(data, FormatAuto)
		if err != nil {
			var be *Error
			if !errors.As(err, &be) || len(be.Problems) == 0 {
				t.Fatalf("Parse error %v is not an *Error with problems", err)
			}
			return
		}
		// parse → format → parse is stable, and every binding has one kind.
		first, err := json.Marshal(tb)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := Parse(first, FormatJSON)
		if err != nil {
			t.Fatalf("Parse(Marshal(t)) = %v\n%s", err, first)
		}
		second, _ := json.Marshal(again)
		if string(first) != string(second) {
			t.Fatalf("not stable:\n%s\n%s", first, second)
		}
		for _, k := range again.Keys() {
			if b, _ := again.Lookup(k); b.Kind() == "" {
				t.Fatalf("%q has no kind: %+v", k, b)
			}
		}
	})
}

func TestLoadEveryKindExample(t *testing.T) {
	t.Parallel()
	env := map[string]string{"STRIPE_SECRET_KEY": "sk_test_x", "PSP_PASSWORD": "pw", "LEDGER_CLIENT_SECRET": "cs", "LEDGER_TENANT_KEY": "tk"}
	tb, err := LoadWith(filepath.Join("..", "..", "examples", "bindings", "every-kind.yaml"), Options{LookupEnv: lookupIn(env)})
	if err != nil {
		t.Fatal(err)
	}
	auth := map[AuthKind]int{}
	for _, k := range tb.ConnectionKeys() {
		_, c, _ := tb.Connection(k)
		auth[c.Kind()]++
	}
	if diff := cmp.Diff(map[AuthKind]int{AuthAPIKey: 1, AuthBasic: 1, AuthOAuth: 1}, auth); diff != "" {
		t.Errorf("connection kinds (-want +got):\n%s", diff)
	}
	kinds := map[Kind]int{}
	for _, k := range tb.Keys() {
		b, _ := tb.Lookup(k)
		kinds[b.Kind()]++
	}
	if diff := cmp.Diff(map[Kind]int{KindResult: 1, KindError: 1, KindEndpoint: 1, KindActivity: 1, KindBuiltin: 1}, kinds); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
}

// FuzzIsActivityARN checks the hand-written ARN parser against AWS's rules
// written as regular expressions.
func FuzzIsActivityARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:states:us-east-1:000000000000:activity:bench-validate", "arn:aws-cn:states:cn-north-1:123456789012:activity:a",
		"arn:aws:states:us-east-1:000000000000:activity:a b", "arn:aws:states:::http:invoke", "arn:aws:states:us-east-1:000000000000:activity:\u0085",
	} {
		f.Add(s)
	}
	arn := regexp.MustCompile(`^arn:aws[a-z0-9-]*:states:[a-z0-9-]+:[0-9]{12}:activity:(.+)$`)
	name := regexp.MustCompile(`^[^\s<>{}\[\]?*"#%\\^|~` + "`" + `$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$`)
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := IsActivityARN(s)
		var want string
		m := arn.FindStringSubmatch(s)
		wantOK := m != nil && utf8.ValidString(s) && name.MatchString(m[1])
		if wantOK {
			want = m[1]
		}
		if got != want || ok != wantOK {
			t.Fatalf("IsActivityARN(%q) = %q, %v; want %q, %v", s, got, ok, want, wantOK)
		}
	})
}
