package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"

	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/sfnclient"
	"github.com/paystep/paystep/internal/sigv4"
)

// The client commands (state-machines, executions, tasks, activities) talk
// to a paystep server through the Step Functions API. Each noun has verbs;
// every verb takes the connection flags below and -o.

const defaultEndpoint = "http://127.0.0.1:8080"

const connectionHelp = `
Connection (every sub-command):
  --endpoint URL      the server (env PAYSTEP_ENDPOINT; default ` + defaultEndpoint + `)
  --access-key ID     sign requests with SigV4 (env AWS_ACCESS_KEY_ID)
  --secret-key KEY    the secret of --access-key (env AWS_SECRET_ACCESS_KEY; prefer the env)
  --region REGION     the signature's region (env AWS_REGION; default us-east-1)
  -o table|json       tables for people (default), JSON for scripts
Requests are unsigned unless an access key and its secret are set.
`

// verb is one sub-command of a noun.
type verb struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, s stdio) error
}

// dispatch runs the verb args[0] of noun.
func dispatch(ctx context.Context, noun, usage string, verbs []verb, args []string, s stdio) error {
	names := make([]string, len(verbs))
	for i, v := range verbs {
		names[i] = v.name
	}
	if len(args) == 0 {
		return usagef("missing sub-command: want one of %s", strings.Join(names, ", "))
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(s.out, usage)
		fmt.Fprint(s.out, "\nSub-commands:\n")
		for _, v := range verbs {
			fmt.Fprintf(s.out, "  %-10s %s\n", v.name, v.summary)
		}
		fmt.Fprintf(s.out, "\nRun 'paystep %s <sub-command> --help' for its flags and examples.\n", noun)
		fmt.Fprint(s.out, connectionHelp)
		return flag.ErrHelp
	}
	for _, v := range verbs {
		if v.name == args[0] {
			return v.run(ctx, args[1:], s)
		}
	}
	if strings.HasPrefix(args[0], "-") {
		return usagef("missing sub-command before %s: want one of %s (flags go after it)", args[0], strings.Join(names, ", "))
	}
	return usagef("unknown sub-command %q: want one of %s", args[0], strings.Join(names, ", "))
}

// verbFlags is a verb's flag set, with the connection flags and -o.
type verbFlags struct {
	*flag.FlagSet
	conn *conn
	s    stdio
}

func newVerb(name, usage string, s stdio) *verbFlags {
	fs := newFlagSet(name, usage, s)
	return &verbFlags{FlagSet: fs, conn: connFlags(fs), s: s}
}

// args parses the command line and checks that it holds n positional
// arguments, what describing them.
func (v *verbFlags) args(args []string, n int, what string) ([]string, error) {
	return parseArgs(v.FlagSet, args, n, what)
}

// parseArgs parses args with fs and checks that they hold n positional
// arguments, what describing them.
func parseArgs(fs *flag.FlagSet, args []string, n int, what string) ([]string, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if err := wantArgs(pos, n, what); err != nil {
		return nil, err
	}
	return pos, nil
}

// run opens a session and runs fn in it; an error of fn is reported
// through fail.
func (v *verbFlags) run(fn func(ss *session) error) error {
	ss, err := v.conn.open(v.s)
	if err != nil {
		return err
	}
	if err := fn(ss); err != nil {
		return ss.fail(err)
	}
	return nil
}

// resolver turns a reference to a resource (a name, an ARN) into its ARN.
type resolver func(ss *session, ctx context.Context, ref string) (string, error)

// runOn runs a verb whose one argument names a resource (what describes
// it): it opens a session, resolves the argument and runs fn on the ARN.
func (v *verbFlags) runOn(ctx context.Context, args []string, what string, resolve resolver, fn func(ss *session, arn string) error) error {
	pos, err := v.args(args, 1, what)
	if err != nil {
		return err
	}
	return v.run(func(ss *session) error {
		arn, err := resolve(ss, ctx, pos[0])
		if err != nil {
			return err
		}
		return fn(ss, arn)
	})
}

// conn holds the connection flags of a verb.
type conn struct {
	endpoint  string
	region    string
	accessKey string
	secretKey string
	output    string
}

// connFlags adds the connection flags and -o to fs.
func connFlags(fs *flag.FlagSet) *conn {
	c := &conn{}
	fs.StringVar(&c.endpoint, "endpoint", envOr("PAYSTEP_ENDPOINT", defaultEndpoint), "the paystep server's URL (env PAYSTEP_ENDPOINT)")
	fs.StringVar(&c.region, "region", envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", "us-east-1")), "region of SigV4 signatures (env AWS_REGION)")
	fs.StringVar(&c.accessKey, "access-key", "", "access key ID to sign requests with (env AWS_ACCESS_KEY_ID)")
	fs.StringVar(&c.secretKey, "secret-key", "", "secret access key of --access-key (env AWS_SECRET_ACCESS_KEY)")
	fs.StringVar(&c.output, "o", "table", "output format: table or json")
	return c
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// session is a connected verb: its client, its output format and its stdio.
type session struct {
	client   *sfnclient.Client
	creds    *sfnclient.Credentials // nil: unsigned
	endpoint string
	json     bool
	s        stdio
}

// open checks the connection flags and returns a session.
func (c *conn) open(s stdio) (*session, error) {
	if c.output != "table" && c.output != "json" {
		return nil, usagef("-o must be table or json, not %q", c.output)
	}
	key, secret := c.accessKey, c.secretKey
	if key == "" {
		key = os.Getenv("AWS_ACCESS_KEY_ID")
	}
	if secret == "" {
		secret = os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	var creds *sfnclient.Credentials
	switch {
	case key != "" && secret != "":
		creds = &sfnclient.Credentials{AccessKeyID: key, SecretAccessKey: sigv4.Secret(secret), SessionToken: os.Getenv("AWS_SESSION_TOKEN")}
	case c.accessKey != "" || c.secretKey != "":
		return nil, usagef("--access-key and --secret-key go together (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
	}
	client, err := sfnclient.New(sfnclient.Config{Endpoint: c.endpoint, Credentials: creds, Region: c.region, MaxIdleConns: 4})
	if err != nil {
		return nil, usagef("--endpoint: %v", err)
	}
	return &session{client: client, creds: creds, endpoint: c.endpoint, json: c.output == "json", s: s}, nil
}

// call sends one action and explains a failure the way an operator needs it.
func (ss *session) call(ctx context.Context, action string, in, out any) error {
	err := ss.client.Call(ctx, action, in, out)
	if err == nil {
		return nil
	}
	return ss.explain(err)
}

// do sends one action and prints its answer out (nil: an empty one) as
// print does.
func (ss *session) do(ctx context.Context, action string, in, out any, table func(w io.Writer)) error {
	if err := ss.call(ctx, action, in, out); err != nil {
		return err
	}
	if out == nil {
		out = struct{}{}
	}
	return ss.print(out, table)
}

// pages yields the items of a List action page by page, asking for the
// next page (through token, the NextToken of in) only when the loop goes
// on. page returns a page's items and its NextToken.
func pages[Out, Item any](ctx context.Context, ss *session, action string, in any, token *string, page func(*Out) ([]Item, string)) iter.Seq2[[]Item, error] {
	return func(yield func([]Item, error) bool) {
		for {
			var out Out
			if err := ss.call(ctx, action, in, &out); err != nil {
				yield(nil, err)
				return
			}
			items, next := page(&out)
			if !yield(items, nil) || next == "" {
				return
			}
			*token = next
		}
	}
}

// all collects every item of list.
func all[Item any](list iter.Seq2[[]Item, error]) ([]Item, error) {
	var items []Item
	for page, err := range list {
		if err != nil {
			return nil, err
		}
		items = append(items, page...)
	}
	return items, nil
}

// apiError is a failed call, ready to print: the server's code and message,
// or what went wrong on the way.
type apiError struct {
	code        string // AWS's error code, "" when the server did not answer one
	msg         string
	unreachable bool // no server answered
}

func (e *apiError) Error() string {
	if e.code == "" {
		return e.msg
	}
	return e.code + ": " + e.msg
}

func (ss *session) explain(err error) error {
	var we *wire.Error
	switch {
	case errors.As(err, &we):
		return &apiError{code: we.Code, msg: we.Message}
	case sfnclient.Unreachable(err):
		return &apiError{unreachable: true, msg: fmt.Sprintf("no paystep server answers at %s (%v).\nStart one with 'paystep serve', or point --endpoint (or PAYSTEP_ENDPOINT) at a running one.",
			ss.endpoint, rootCause(err))}
	case errors.Is(err, context.Canceled):
		return err
	}
	return &apiError{msg: err.Error()}
}

// rootCause is the innermost error: "connection refused" rather than the
// whole chain of wrapping.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// fail reports err: with -o json as {"error","message"} on stdout, then
// exit 1; otherwise it is returned for Main to print.
func (ss *session) fail(err error) error {
	var ae *apiError
	if !ss.json || !errors.As(err, &ae) {
		return err
	}
	code := ae.code
	switch {
	case ae.unreachable:
		code = "ServerUnreachable"
	case code == "":
		code = "ClientError"
	}
	_ = writeJSON(ss.s.out, map[string]string{"error": code, "message": ae.msg})
	return errSilent
}

// print writes v as JSON with -o json, or calls table otherwise.
func (ss *session) print(v any, table func(w io.Writer)) error {
	if ss.json {
		return writeJSON(ss.s.out, v)
	}
	table(ss.s.out)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// readArg returns a flag's text, or the file's contents for "@FILE" ("@-"
// reads standard input).
func readArg(name, v string, in io.Reader) (string, error) {
	path, ok := strings.CutPrefix(v, "@")
	if !ok {
		return v, nil
	}
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(in)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return "", usagef("%s: %v", name, err)
	}
	return string(data), nil
}

// readJSONArg is readArg for JSON text, checked locally so a typo gets a
// precise message before any request.
func readJSONArg(name, v string, in io.Reader) (string, error) {
	text, err := readArg(name, v, in)
	if err != nil {
		return "", err
	}
	if err := checkJSON(text); err != nil {
		return "", usagef("%s is not valid JSON: %v", name, err)
	}
	return text, nil
}

func checkJSON(text string) error {
	var v any
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("%v at byte %d", se, se.Offset)
		}
		if errors.Is(err, io.EOF) {
			return errors.New("it is empty")
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("it has data after the first JSON value")
	}
	return nil
}

// tagsFlag collects repeated --tag key=value flags.
type tagsFlag []wire.Tag

func (t *tagsFlag) String() string { return "" }

func (t *tagsFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	*t = append(*t, wire.Tag{Key: k, Value: val})
	return nil
}

// wantArgs checks the number of positional arguments.
func wantArgs(pos []string, n int, what string) error {
	if len(pos) != n {
		return usagef("want %s, got %d arguments", what, len(pos))
	}
	return nil
}

// isARN says whether a reference is an ARN rather than a name.
func isARN(ref string) bool { return strings.HasPrefix(ref, "arn:") }

// arnOf resolves ref, a name or an ARN: an ARN is taken as it is, a name
// looked up in list, whose items nameARN reads; missing is the error when no
// item has that name.
func arnOf[Item any](ref string, list iter.Seq2[[]Item, error], nameARN func(Item) (name, arn string), missing *apiError) (string, error) {
	if isARN(ref) {
		return ref, nil
	}
	for page, err := range list {
		if err != nil {
			return "", err
		}
		for _, it := range page {
			if name, arn := nameARN(it); name == ref {
				return arn, nil
			}
		}
	}
	return "", missing
}

// stateMachines lists the state machines, page by page.
func (ss *session) stateMachines(ctx context.Context) iter.Seq2[[]wire.StateMachineListItem, error] {
	in := wire.ListStateMachinesInput{MaxResults: wire.MaxResultsLimit}
	return pages(ctx, ss, wire.ActionListStateMachines, &in, &in.NextToken, func(out *wire.ListStateMachinesOutput) ([]wire.StateMachineListItem, string) {
		return out.StateMachines, out.NextToken
	})
}

// activities lists the activities, page by page.
func (ss *session) activities(ctx context.Context) iter.Seq2[[]wire.ActivityListItem, error] {
	in := wire.ListActivitiesInput{MaxResults: wire.MaxResultsLimit}
	return pages(ctx, ss, wire.ActionListActivities, &in, &in.NextToken, func(out *wire.ListActivitiesOutput) ([]wire.ActivityListItem, string) {
		return out.Activities, out.NextToken
	})
}

// stateMachineARN resolves a state machine given by name or ARN.
func (ss *session) stateMachineARN(ctx context.Context, ref string) (string, error) {
	return arnOf(ref, ss.stateMachines(ctx), func(sm wire.StateMachineListItem) (string, string) { return sm.Name, sm.StateMachineArn },
		&apiError{code: wire.StateMachineDoesNotExist, msg: fmt.Sprintf("no state machine is named %q ('paystep state-machines list' shows them)", ref)})
}

// activityARN resolves an activity given by name or ARN.
func (ss *session) activityARN(ctx context.Context, ref string) (string, error) {
	return arnOf(ref, ss.activities(ctx), func(a wire.ActivityListItem) (string, string) { return a.Name, a.ActivityArn },
		&apiError{code: wire.ActivityDoesNotExist, msg: fmt.Sprintf("no activity is named %q ('paystep activities list' shows them)", ref)})
}

// executionARN resolves an execution given by ARN, or by name together with
// its state machine (--state-machine).
func (ss *session) executionARN(ctx context.Context, ref, stateMachine string) (string, error) {
	if isARN(ref) {
		return ref, nil
	}
	if stateMachine == "" {
		return "", usagef("execution %q is not an ARN: give its ARN, or its name with --state-machine", ref)
	}
	smARN, err := ss.stateMachineARN(ctx, stateMachine)
	if err != nil {
		return "", err
	}
	a, err := wire.ParseARN(smARN, wire.ResourceStateMachine)
	if err != nil {
		return "", usagef("--state-machine: %q is not a state machine ARN", smARN)
	}
	a.Type, a.Qualifier = wire.ResourceExecution, ref
	return a.String(), nil
}
