// Package binding reads bindings files: the table that maps a Task state's
// Resource string to what runs it — a fixed result or error, an HTTP
// endpoint, an activity or a built-in. It only parses and checks the file;
// internal/resource runs the bindings.
//
// A bindings file is a JSON or YAML object from Resource string (or Lambda
// function name) to one binding:
//
//	ARN_OF_POSTPAYMENTS:      {result: {Status: PAID}}
//	ARN_OF_PROCESSTEXTS:      {error: Sms.Failed, cause: no route}
//	processEmails:            {endpoint: "https://mail.internal/run", headers: {X-Api-Key: k}, timeout_seconds: 10}
//	ARN_OF_CHARGE:            {activity: charge}
//	"arn:aws:states:us-east-1:000000000000:activity:bench-validate": {builtin: bench.validate, config: {}}
//
// The key $connections declares the EventBridge connections that http:invoke
// tasks name in Authentication.ConnectionArn (see ConnectionsKey and
// Connection). Their secrets may be written in the file or, better, read
// from environment variables that value_env, password_env and
// client_secret_env name when the file is loaded.
package binding

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// Kind is what a binding runs.
type Kind string

// The kinds of binding, named by the field that makes them.
const (
	KindResult   Kind = "result"   // a fixed result
	KindError    Kind = "error"    // a fixed error
	KindEndpoint Kind = "endpoint" // POST the input to an HTTP endpoint
	KindActivity Kind = "activity" // an activity that workers poll
	KindBuiltin  Kind = "builtin"  // a handler built into paystep
)

// Binding is what one key is bound to: exactly one of Result, Error,
// Endpoint, Activity or Builtin, plus the fields that go with it.
type Binding struct {
	Result json.RawMessage `json:"result,omitempty"` // any JSON, null included
	Error  string          `json:"error,omitempty"`  // the error name
	Cause  string          `json:"cause,omitempty"`  // with Error only

	Endpoint       string            `json:"endpoint,omitempty"`        // an http or https URL
	Headers        map[string]string `json:"headers,omitempty"`         // with Endpoint only
	TimeoutSeconds int               `json:"timeout_seconds,omitempty"` // with Endpoint only; 0 means the default

	Activity string `json:"activity,omitempty"` // an activity name or ARN

	Builtin string          `json:"builtin,omitempty"` // a built-in's registered name
	Config  json.RawMessage `json:"config,omitempty"`  // with Builtin only: handed to it on each call
}

// Kind returns what b runs. A Binding that came out of Parse has exactly one.
func (b Binding) Kind() Kind {
	switch {
	case len(b.Result) > 0:
		return KindResult
	case b.Error != "":
		return KindError
	case b.Endpoint != "":
		return KindEndpoint
	case b.Activity != "":
		return KindActivity
	case b.Builtin != "":
		return KindBuiltin
	}
	return ""
}

// Table maps keys (Resource strings, Lambda function names or ARNs) to bindings.
// It is read-only once parsed.
type Table struct {
	bindings    map[string]Binding
	connections map[string]Connection
}

// Lookup returns the binding of key.
func (t *Table) Lookup(key string) (Binding, bool) {
	if t == nil {
		return Binding{}, false
	}
	b, ok := t.bindings[key]
	return b, ok
}

// Keys returns the bound keys in order.
func (t *Table) Keys() []string {
	if t == nil {
		return nil
	}
	keys := make([]string, 0, len(t.bindings))
	for k := range t.bindings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Len returns the number of bindings.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.bindings)
}

// MarshalJSON writes the table in the JSON form Parse reads, keys in order.
// Secrets do not come out: one read from the environment is written as its
// variable (value_env: NAME), one written in the file as "[redacted]".
func (t *Table) MarshalJSON() ([]byte, error) {
	if t == nil {
		return []byte("{}"), nil
	}
	if len(t.connections) == 0 {
		return json.Marshal(t.bindings)
	}
	doc := make(map[string]any, len(t.bindings)+1)
	for k, b := range t.bindings {
		doc[k] = b
	}
	doc[ConnectionsKey] = encodeConnections(t.connections)
	return json.Marshal(doc)
}

// Format is the syntax of a bindings document.
type Format int

// Formats. FormatAuto reads JSON when the first non-blank byte is '{' or '['
// and YAML otherwise.
const (
	FormatAuto Format = iota
	FormatJSON
	FormatYAML
)

// Problem is one thing wrong with a bindings document.
type Problem struct {
	Key string // the binding's key; "" for the document as a whole
	Msg string
}

func (p Problem) String() string {
	if p.Key == "" {
		return p.Msg
	}
	return fmt.Sprintf("%q: %s", p.Key, p.Msg)
}

// Error lists what is wrong with a bindings document.
type Error struct {
	File     string // "" when parsed from bytes
	Problems []Problem
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	msg := "bindings: " + strings.Join(parts, "; ")
	if e.File != "" {
		msg = e.File + ": " + msg
	}
	return msg
}

// Load reads a bindings file. Files named *.yaml or *.yml are YAML, *.json
// JSON; any other name is told by its content. Secrets that connections
// read from the environment are read from the process's, once, here.
func Load(path string) (*Table, error) {
	return LoadWith(path, Options{LookupEnv: os.LookupEnv})
}

// LoadWith reads a bindings file as Load does, with opts.
func LoadWith(path string, opts Options) (*Table, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	format := FormatAuto
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		format = FormatJSON
	case ".yaml", ".yml":
		format = FormatYAML
	}
	t, err := ParseWith(data, format, opts)
	if err != nil {
		var be *Error
		if errors.As(err, &be) {
			be.File = path
			return nil, be
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Limits on what a binding may hold.
const (
	MaxErrorLen     = 256   // an error name, as AWS allows
	MaxCauseLen     = 32768 // a cause, as AWS allows
	MaxKeyLen       = 2048  // a key: a Resource string or a function name
	MaxTimeout      = 3600  // timeout_seconds at most
	maxActivityName = 80
	maxBuiltinName  = 256
	maxHeaderValue  = 8192
)

// Options tune ParseWith and LoadWith.
type Options struct {
	// LookupEnv reads the environment variables that connections name for
	// their secrets (value_env, password_env, client_secret_env). Nil finds
	// none, so every such reference is a problem.
	LookupEnv func(name string) (string, bool)
}

// Parse reads a bindings document without an environment: a connection
// whose secret comes from an environment variable is a problem. On failure
// the error is an *Error that lists every problem with its key.
func Parse(data []byte, format Format) (*Table, error) {
	return ParseWith(data, format, Options{})
}

// ParseWith reads a bindings document as Parse does, with opts.
func ParseWith(data []byte, format Format, opts Options) (*Table, error) {
	if format == FormatAuto {
		format = FormatYAML
		if trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
			format = FormatJSON
		}
	}
	if format == FormatYAML {
		if !utf8.Valid(data) {
			return nil, &Error{Problems: []Problem{{Msg: "the YAML is not UTF-8 text"}}}
		}
		j, err := yaml.YAMLToJSONStrict(data)
		if err != nil {
			return nil, &Error{Problems: []Problem{{Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")}}}
		}
		if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
			j = []byte("{}") // an empty YAML file
		}
		data = j
	}
	raw, err := splitObject(data)
	if err != nil {
		return nil, &Error{Problems: []Problem{{Msg: err.Error()}}}
	}
	t := &Table{bindings: make(map[string]Binding, len(raw))}
	var problems []Problem
	sawConnections := false
	for _, kv := range raw {
		if strings.HasPrefix(kv.key, "$") {
			switch {
			case kv.key != ConnectionsKey:
				problems = append(problems, Problem{kv.key, "keys starting with $ are reserved: " + ConnectionsKey + " is the only one"})
			case sawConnections:
				problems = append(problems, Problem{kv.key, "appears twice"})
			default:
				sawConnections = true
				var more []Problem
				t.connections, more = decodeConnections(kv.value, opts.LookupEnv)
				problems = append(problems, more...)
			}
			continue
		}
		if _, dup := t.bindings[kv.key]; dup {
			problems = append(problems, Problem{kv.key, "is bound twice"})
			continue
		}
		b, err := decodeBinding(kv.value)
		if err != nil {
			problems = append(problems, Problem{kv.key, err.Error()})
			continue
		}
		for _, msg := range check(kv.key, b) {
			problems = append(problems, Problem{kv.key, msg})
		}
		t.bindings[kv.key] = b
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Key < problems[j].Key })
		return nil, &Error{Problems: problems}
	}
	return t, nil
}

type member struct {
	key   string
	value json.RawMessage
}

// splitObject reads a JSON object's members in order, keeping duplicates,
// so a key bound twice is reported instead of silently replaced.
func splitObject(data []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonProblem(data, dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("want an object from Resource string to binding, not %s", describeToken(tok))
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonProblem(data, dec, err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%q: %w", key, jsonProblem(data, dec, err))
		}
		out = append(out, member{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonProblem(data, dec, err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		for end < int64(len(data)) && strings.IndexByte(" \t\r\n", data[end]) >= 0 {
			end++
		}
		return nil, fmt.Errorf("unexpected data after the object at %s", position(data, end))
	}
	return out, nil
}

func describeToken(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}

// jsonProblem turns a decoding error into one that says where, by line and column.
func jsonProblem(data []byte, dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at %s: %s", position(data, max(se.Offset-1, 0)), se.Error())
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: unexpected end of the document")
	}
	return fmt.Errorf("invalid JSON at %s: %w", position(data, dec.InputOffset()), err)
}

func position(data []byte, off int64) string {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

func decodeBinding(v json.RawMessage) (Binding, error) {
	if t := bytes.TrimSpace(v); len(t) == 0 || t[0] != '{' {
		return Binding{}, errors.New(`want an object such as {"result": …}, {"error": …}, {"endpoint": …}, {"activity": …} or {"builtin": …}`)
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	var b Binding
	if err := dec.Decode(&b); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			if strings.HasPrefix(ute.Field, "headers") {
				return Binding{}, fmt.Errorf("headers must map header names to strings, not to a %s", ute.Value)
			}
			return Binding{}, fmt.Errorf("%s must be %s, not %s", ute.Field, wantType(ute.Field), ute.Value)
		}
		return Binding{}, errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	return b, nil
}

func wantType(field string) string {
	switch {
	case field == "timeout_seconds":
		return "a whole number"
	}
	return "a string"
}

var (
	headerName  = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	builtinName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]*$`)
)

// IsActivityARN reports whether s is an activity's ARN,
// arn:PARTITION:states:REGION:ACCOUNT:activity:NAME, and returns its name.
// The runner asks for every task, so it does not use regular expressions.
func IsActivityARN(s string) (name string, ok bool) {
	var f [6]string // arn, partition, service, region, account, resource type
	rest := s
	for i := range f {
		if f[i], rest, ok = strings.Cut(rest, ":"); !ok {
			return "", false
		}
	}
	if f[0] != "arn" || !strings.HasPrefix(f[1], "aws") || !lowerDashes(f[1]) || f[2] != "states" ||
		f[3] == "" || !lowerDashes(f[3]) || len(f[4]) != 12 || !digits(f[4]) || f[5] != "activity" || !ValidActivityName(rest) {
		return "", false
	}
	return rest, true
}

func lowerDashes(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidActivityName reports whether s may name an activity. AWS's rule: 1–80
// characters, none of them whitespace, brackets, wildcards, special
// characters or control characters.
func ValidActivityName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxActivityName || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c < utf8.RuneSelf {
			if !nameASCII[c] {
				return false
			}
		} else if unicode.IsSpace(c) || c <= 0x9f {
			return false
		}
	}
	return true
}

// nameASCII marks the ASCII characters an activity name may hold.
var nameASCII = func() (ok [utf8.RuneSelf]bool) {
	for c := rune(0x21); c < 0x7f; c++ {
		ok[c] = !strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", c)
	}
	return ok
}()

// reservedHeaders are set by paystep on every call to a bound endpoint.
var reservedHeaders = map[string]bool{
	"content-type": true, "content-length": true, "host": true, "transfer-encoding": true,
	"connection": true, "paystep-task-token": true, "paystep-resource": true,
}

// check returns what is wrong with b, bound to key.
func check(key string, b Binding) []string {
	var msgs []string
	add := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	switch {
	case key == "":
		add("an empty key binds nothing: use the Task's Resource string or a Lambda function name")
	case strings.TrimSpace(key) != key:
		add("the key has blanks around it")
	case len(key) > MaxKeyLen:
		add("the key is longer than %d bytes", MaxKeyLen)
	}
	var kinds []string
	for _, k := range []struct {
		name string
		set  bool
	}{
		{"result", len(b.Result) > 0},
		{"error", b.Error != ""},
		{"endpoint", b.Endpoint != ""},
		{"activity", b.Activity != ""},
		{"builtin", b.Builtin != ""},
	} {
		if k.set {
			kinds = append(kinds, k.name)
		}
	}
	switch len(kinds) {
	case 0:
		add("needs one of result, error, endpoint, activity or builtin")
	case 1:
	default:
		add("has both %s: a binding is exactly one of result, error, endpoint, activity or builtin", strings.Join(kinds, " and "))
	}
	if b.Cause != "" && b.Error == "" {
		add("has a cause without an error")
	}
	if b.Error != "" && len(b.Error) > MaxErrorLen {
		add("error is longer than %d characters", MaxErrorLen)
	}
	if len(b.Cause) > MaxCauseLen {
		add("cause is longer than %d characters", MaxCauseLen)
	}
	if b.Endpoint == "" {
		if len(b.Headers) > 0 {
			add("has headers without an endpoint")
		}
		if b.TimeoutSeconds != 0 {
			add("has timeout_seconds without an endpoint")
		}
	} else {
		msgs = append(msgs, checkEndpoint(b)...)
	}
	if b.Activity != "" {
		if _, ok := IsActivityARN(b.Activity); !ok && !ValidActivityName(b.Activity) {
			add("activity %q is neither an activity name (1–%d characters, no blanks or special characters) nor an activity ARN (arn:aws:states:REGION:ACCOUNT:activity:NAME)", b.Activity, maxActivityName)
		}
	}
	if b.Builtin != "" && (len(b.Builtin) > maxBuiltinName || !builtinName.MatchString(b.Builtin)) {
		add("builtin %q is not a built-in's name (letters, digits and . _ : / -)", b.Builtin)
	}
	if len(b.Config) > 0 && b.Builtin == "" {
		add("has config without a builtin")
	}
	return msgs
}

func checkEndpoint(b Binding) []string {
	var msgs []string
	add := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	u, err := url.Parse(b.Endpoint)
	switch {
	case err != nil:
		add("endpoint %q is not a URL: %v", b.Endpoint, errors.Unwrap(err))
	case u.Scheme != "http" && u.Scheme != "https":
		add("endpoint %q must be an http or https URL", b.Endpoint)
	case u.Host == "":
		add("endpoint %q has no host", b.Endpoint)
	case u.User != nil:
		add("endpoint %q carries credentials in the URL: put them in headers instead", redactUser(u))
	case u.Fragment != "":
		add("endpoint %q has a #fragment, which is never sent", b.Endpoint)
	}
	if b.TimeoutSeconds < 0 || b.TimeoutSeconds > MaxTimeout {
		add("timeout_seconds must be between 1 and %d, not %d", MaxTimeout, b.TimeoutSeconds)
	}
	names := make([]string, 0, len(b.Headers))
	for name := range b.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		value := b.Headers[name]
		switch {
		case !headerName.MatchString(name):
			add("header %q is not a valid header name", name)
		case reservedHeaders[strings.ToLower(name)]:
			add("header %q is set by paystep and cannot be bound", name)
		case strings.ContainsAny(value, "\r\n\x00"):
			add("header %q has a line break or NUL in its value", name)
		case len(value) > maxHeaderValue:
			add("header %q is longer than %d bytes", name, maxHeaderValue)
		}
	}
	return msgs
}

func redactUser(u *url.URL) string {
	c := *u
	c.User = url.User("REDACTED")
	return c.String()
}
