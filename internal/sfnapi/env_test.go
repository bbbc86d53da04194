package sfnapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/sfnapi"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/dbtest"
)

const (
	region  = "us-east-1"
	account = "123456789012"
	roleARN = "arn:aws:iam::123456789012:role/paystep"
)

// env is a real API server on 127.0.0.1: the handler over a real store
// and a real runner, and an AWS SDK client of it.
type env struct {
	handler *sfnapi.Handler
	client  *sfn.Client
	store   store.Store
	runner  *runner.Runner
	url     string
	tokens  *callbacks
	backend string
}

type envOptions struct {
	cfg       sfnapi.Config    // Store and Runner are filled in
	resources runner.Resources // the runner's; defaults to the callbacks
	account   string           // defaults to account
	keys      credentials.StaticCredentialsProvider
	wrap      func(http.Handler) http.Handler // around the handler; nil for none
}

// newEnv starts a server on backend ("sqlite" or "postgres"; the latter
// skips without TEST_DATABASE_URL). Everything stops when t ends.
func newEnv(t testing.TB, backend string, opts ...func(*envOptions)) *env {
	t.Helper()
	cb := &callbacks{byExecution: map[string]chan string{}}
	o := envOptions{keys: credentials.NewStaticCredentialsProvider("AKIDTEST", "test-secret", ""), resources: cb, account: account}
	o.cfg.ActivityPoll = time.Second // an empty poll ends soon
	for _, f := range opts {
		f(&o)
	}
	st := dbtest.Open(t, backend)
	r, err := runner.New(runner.Config{
		Store:        st,
		Resources:    o.resources,
		Region:       region,
		Account:      o.account,
		Exclusive:    backend == "sqlite",
		PollInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("runner.Run: %v", err)
		}
	})
	o.cfg.Store, o.cfg.Runner, o.cfg.Region, o.cfg.Account = st, r, region, o.account
	h, err := sfnapi.New(o.cfg)
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler = h
	if o.wrap != nil {
		handler = o.wrap(h)
	}
	srv := httptest.NewServer(handler) // 127.0.0.1
	t.Cleanup(srv.Close)
	return &env{
		handler: h,
		client:  newClient(srv.URL, o.keys),
		store:   st,
		runner:  r,
		url:     srv.URL,
		tokens:  cb,
		backend: backend,
	}
}

func newClient(url string, creds aws.CredentialsProvider) *sfn.Client {
	return sfn.New(sfn.Options{
		Region:           region,
		BaseEndpoint:     aws.String(url),
		Credentials:      creds,
		RetryMaxAttempts: 1,
		APIOptions:       []func(*middleware.Stack) error{noHostPrefix},
	})
}

// noHostPrefix keeps StartSyncExecution from prefixing the host with
// "sync-", as it does for AWS's endpoints.
func noHostPrefix(stack *middleware.Stack) error {
	stack.Finalize.Remove("EndpointHostPrefix")
	return nil
}

// forEachBackend runs fn on SQLite and, with TEST_DATABASE_URL, PostgreSQL,
// each with a server of its own, in parallel with each other and with the
// other tests (it marks t parallel); ctx is the subtest's context.
func forEachBackend(t *testing.T, fn func(ctx context.Context, t *testing.T, e *env)) {
	t.Parallel()
	for _, b := range dbtest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t.Context(), t, newEnv(t, b))
		})
	}
}

// callbacks is the remote side of .waitForTaskToken tasks (a payment
// provider, a person approving): it keeps each token it is handed, by the
// execution named in the task's input, for the test to send back. Activity
// ARNs go to the runner's activities.
type callbacks struct {
	mu          sync.Mutex
	byExecution map[string]chan string
}

func (c *callbacks) Activity(resource string) string {
	if strings.HasPrefix(resource, "arn:aws:states:") && strings.Contains(resource, ":activity:") {
		return resource
	}
	return ""
}

func (c *callbacks) ch(name string) chan string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.byExecution[name]
	if !ok {
		ch = make(chan string, 4)
		c.byExecution[name] = ch
	}
	return ch
}

func (c *callbacks) Invoke(_ context.Context, t *engine.Task) (json.RawMessage, error) {
	var in struct{ Execution, Token string }
	if err := json.Unmarshal(t.Input, &in); err != nil || in.Token == "" {
		return nil, &engine.TaskError{Name: "Test.BadInput", Cause: "want {Execution, Token} as input, got " + string(t.Input)}
	}
	c.ch(in.Execution) <- in.Token
	return json.RawMessage(`{}`), nil
}

// token waits for the task token of the execution named name.
func (c *callbacks) token(t *testing.T, name string) string {
	t.Helper()
	select {
	case tok := <-c.ch(name):
		return tok
	case <-time.After(20 * time.Second):
		t.Fatalf("no task token for execution %s within 20s", name)
		return ""
	}
}

// wantCode fails t unless err is an API error with code.
func wantCode(t *testing.T, what string, err error, code string) *smithy.GenericAPIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: error %v, want an API error %s", what, err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("%s: error code %s (%s), want %s", what, ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	return &smithy.GenericAPIError{Code: ae.ErrorCode(), Message: ae.ErrorMessage()}
}

func must[T any](t *testing.T, what string) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// wait returns the execution once it ended, from the runner.
func (e *env) wait(t *testing.T, arn string) *store.Execution {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	ex, err := e.runner.WaitExecution(ctx, arn)
	if err != nil {
		t.Fatalf("WaitExecution(%s): %v", arn, err)
	}
	return ex
}

// waitForEvent waits until the execution's history, read through the API,
// holds an event of the type.
func (e *env) waitForEvent(t *testing.T, arn string, typ types.HistoryEventType) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		out, err := e.client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000})
		if err != nil {
			t.Fatalf("GetExecutionHistory(%s): %v", arn, err)
		}
		if slices.ContainsFunc(out.Events, func(ev types.HistoryEvent) bool { return ev.Type == typ }) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("history of %s has no %s after 20s: %v", arn, typ, eventTypes(out.Events))
		}
	}
}

// createMachine creates a STANDARD machine of definition and returns its ARN.
func (e *env) createMachine(t testing.TB, name, definition string) string {
	t.Helper()
	out, err := e.client.CreateStateMachine(t.Context(), &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String(roleARN),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine(%s): %v", name, err)
	}
	return aws.ToString(out.StateMachineArn)
}

func (e *env) start(t *testing.T, smARN, name, input string) string {
	t.Helper()
	out, err := e.client.StartExecution(t.Context(), &sfn.StartExecutionInput{
		StateMachineArn: aws.String(smARN), Name: aws.String(name), Input: aws.String(input),
	})
	if err != nil {
		t.Fatalf("StartExecution(%s): %v", name, err)
	}
	return aws.ToString(out.ExecutionArn)
}

const (
	passDef = `{"StartAt":"Greet","States":{"Greet":{"Type":"Pass","Parameters":{"greeting.$":"States.Format('Hello, {}', $.name)"},"End":true}}}`
	waitDef = `{"StartAt":"Sleep","States":{"Sleep":{"Type":"Wait","Seconds":86400,"End":true}}}`
	// callbackDef hands a token to the callbacks resource and waits for it.
	callbackDef = `{"StartAt":"Pay","States":{"Pay":{"Type":"Task","Resource":"arn:aws:states:::psp:pay.waitForTaskToken",
"Parameters":{"Execution.$":"$$.Execution.Name","Token.$":"$$.Task.Token"},"End":true}}}`
)
