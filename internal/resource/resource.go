// Package resource runs Task states' resources: it resolves a Resource
// string through the bindings table (internal/binding) and the registry of
// built-ins, and runs the AWS-named integrations paystep provides itself,
// such as arn:aws:states:::http:invoke.
//
// A Resource string is resolved in this order:
//
//  1. for arn:aws:states:::lambda:invoke, a binding of its FunctionName, by
//     name or ARN: the binding gets the Payload and its result comes back as
//     Lambda's answer, {"Payload": …, "StatusCode": 200, …};
//  2. a binding of the Resource string as written, then without its
//     .waitForTaskToken suffix, then, for an arn:aws:lambda:…:function:…
//     resource, of the function's ARN without a version or alias, then of
//     its name;
//  3. a built-in registered under the Resource string (later issues register
//     service integrations such as events:putEvents this way);
//  4. arn:aws:states:::http:invoke, which calls its ApiEndpoint;
//  5. an activity ARN: its tasks go to workers polling the server (Activity
//     names it; Invoke fails it, as paystep run must).
//
// Anything else fails the task with States.TaskFailed naming the resource.
//
// An HTTP Task's Authentication.ConnectionArn (or InvocationConfig's) names a
// connection of the bindings file (binding.Connection): its credentials and
// parameters go into the request, its OAuth token is cached per connection,
// and its redirects stay on the request's origin. A task that names no
// connection goes out without credentials, which AWS does not allow.
// A binding of kind activity makes Activity return the bound ARN, so the
// runner hands the task to workers; a binding of any other kind takes an
// activity ARN away from workers.
package resource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/binding"
	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/engine"
)

// Well-known resources.
const (
	HTTPInvoke     = "arn:aws:states:::http:invoke"
	LambdaInvoke   = "arn:aws:states:::lambda:invoke"
	StartExecution = "arn:aws:states:::states:startExecution"

	waitSuffix    = ".waitForTaskToken"
	servicePrefix = "arn:aws:states:::"
)

// Headers paystep sets on calls to bound endpoints.
const (
	HeaderTaskToken = "Paystep-Task-Token" // the task token: the callback token and an idempotency key
	HeaderResource  = "Paystep-Resource"   // the Task's Resource string
)

// Config configures a Registry.
type Config struct {
	Logger  *slog.Logger // Defaults to discarding.
	Clock   clock.Clock  // Times OAuth access tokens. Defaults to clock.System{}.
	Region  string       // For activity and Lambda ARNs made from names. Defaults to "us-east-1".
	Account string       // For activity and Lambda ARNs made from names. Defaults to "123456789012".

	// AllowPrivate lets http:invoke reach private, loopback, link-local and
	// other non-public addresses. Defaults to false: such calls fail.
	AllowPrivate bool
	// AllowNets are networks http:invoke may reach even when they are not
	// public, such as one internal API. Defaults to none.
	AllowNets []netip.Prefix

	// HTTPTimeout bounds one HTTP call (http:invoke or a bound endpoint
	// without timeout_seconds); a Task's TimeoutSeconds bounds it further.
	// Defaults to 60s, AWS's limit for HTTP Tasks.
	HTTPTimeout time.Duration
	// MaxResponseBytes bounds a response body. Defaults to 256 KiB, the
	// largest payload a state may pass on.
	MaxResponseBytes int64
}

// Call is one invocation of a bound resource as a Handler sees it.
type Call struct {
	Resource string          // the Task's Resource string, with any .waitForTaskToken suffix
	Key      string          // the binding key that matched, or the name the built-in is registered under
	Input    json.RawMessage // the task's input; for lambda:invoke, its Payload
	// Token is the task token. With .waitForTaskToken the task ends when it
	// is sent back; in every case it identifies the task, so a handler can
	// use it as an idempotency key (a task may be invoked again after a crash).
	Token        string
	WaitForToken bool
	Config       json.RawMessage // the binding's config, nil without one
}

// Handler is a built-in: code inside paystep that runs a Task. A
// *engine.TaskError fails the task with its name; any other error fails it
// as States.TaskFailed.
type Handler interface {
	Handle(ctx context.Context, c *Call) (json.RawMessage, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, c *Call) (json.RawMessage, error)

// Handle calls fn.
func (fn HandlerFunc) Handle(ctx context.Context, c *Call) (json.RawMessage, error) {
	return fn(ctx, c)
}

// Registry resolves and runs Task resources. It implements the runner's
// Resources interface: Activity tells which tasks go to activity workers,
// Invoke runs the others.
type Registry struct {
	cfg     Config
	logger  *slog.Logger
	table   *binding.Table
	bound   map[string]*bound
	guarded *http.Client // http:invoke: the address guard applies
	trusted *http.Client // bound endpoints: the operator chose them
	conns   map[string]*connection

	mu       sync.RWMutex
	builtins map[string]Handler
}

// bound is a binding ready to run.
type bound struct {
	key         string
	b           binding.Binding
	activityARN string
	headers     http.Header
}

var _ engine.Invoker = (*Registry)(nil)

// New returns a registry for the bindings of table (which may be nil).
// Register built-ins before the first Invoke; Check then reports bindings
// that name built-ins nobody registered.
func New(cfg Config, table *binding.Table) *Registry {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Account == "" {
		cfg.Account = "123456789012"
	}
	if cfg.HTTPTimeout <= 0 {
		cfg.HTTPTimeout = 60 * time.Second
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = 256 << 10
	}
	g := &guard{allowPrivate: cfg.AllowPrivate, allow: cfg.AllowNets}
	r := &Registry{
		cfg:    cfg,
		logger: cfg.Logger,
		table:  table,
		bound:  make(map[string]*bound, table.Len()),
		guarded: &http.Client{Transport: newTransport(g), CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("refusing to follow a redirect to a %s: URL", req.URL.Scheme)
			}
			return nil
		}},
		// A bound endpoint answers itself: its redirects are not followed.
		trusted:  &http.Client{Transport: newTransport(nil), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		builtins: map[string]Handler{},
	}
	for _, key := range table.Keys() {
		b, _ := table.Lookup(key)
		bd := &bound{key: key, b: b}
		switch b.Kind() {
		case binding.KindActivity:
			bd.activityARN = r.activityARN(b.Activity)
		case binding.KindEndpoint:
			bd.headers = http.Header{}
			for k, v := range b.Headers {
				bd.headers.Set(k, v)
			}
		}
		r.bound[key] = bd
	}
	keys := table.ConnectionKeys()
	r.conns = make(map[string]*connection, len(keys))
	for _, key := range keys {
		_, c, _ := table.Connection(key)
		r.conns[key] = r.newConnection(key, c)
	}
	return r
}

func (r *Registry) activityARN(nameOrARN string) string {
	if _, ok := binding.IsActivityARN(nameOrARN); ok {
		return nameOrARN
	}
	return fmt.Sprintf("arn:aws:states:%s:%s:activity:%s", r.cfg.Region, r.cfg.Account, nameOrARN)
}

// Register makes h the built-in called name: bindings name it with
// {"builtin": name}, and a Task whose Resource is name runs it directly.
// Registering a name twice is a bug and panics.
func (r *Registry) Register(name string, h Handler) {
	if name == "" || h == nil {
		panic("resource: Register needs a name and a handler")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.builtins[name]; dup {
		panic("resource: built-in " + name + " registered twice")
	}
	r.builtins[name] = h
}

func (r *Registry) builtin(name string) (Handler, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h, ok := r.builtins[name]
	return h, ok
}

// Check reports bindings that name built-ins nobody registered.
func (r *Registry) Check() error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var problems []binding.Problem
	for _, key := range r.table.Keys() {
		bd := r.bound[key]
		if bd.b.Kind() == binding.KindBuiltin {
			if _, ok := r.builtins[bd.b.Builtin]; !ok {
				problems = append(problems, binding.Problem{Key: key, Msg: fmt.Sprintf("no built-in is named %q (%s)", bd.b.Builtin, r.builtinList())})
			}
		}
	}
	if len(problems) > 0 {
		return &binding.Error{Problems: problems}
	}
	return nil
}

func (r *Registry) builtinList() string {
	if len(r.builtins) == 0 {
		return "none are registered"
	}
	names := make([]string, 0, len(r.builtins))
	for n := range r.builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return "registered: " + strings.Join(names, ", ")
}

// Close releases idle connections.
func (r *Registry) Close() {
	r.guarded.CloseIdleConnections()
	r.trusted.CloseIdleConnections()
}

// Activity returns the ARN of the activity whose workers run resource: the
// bound activity for a binding of kind activity, resource itself for an
// activity ARN that no binding overrides, and "" when Invoke runs it.
func (r *Registry) Activity(resource string) string {
	if bd, _ := r.lookup(resource); bd != nil {
		return bd.activityARN
	}
	if _, ok := binding.IsActivityARN(resource); ok {
		return resource
	}
	return ""
}

// lookup finds the binding of resource and the key that bound it, trying
// the Resource string, then without .waitForTaskToken, then for a Lambda
// function ARN the function's ARN without a version or alias and its name.
func (r *Registry) lookup(resource string) (*bound, string) {
	if bd, ok := r.bound[resource]; ok || len(r.bound) == 0 {
		return bd, resource
	}
	base, hasSuffix := strings.CutSuffix(resource, waitSuffix)
	if hasSuffix {
		if bd, ok := r.bound[base]; ok {
			return bd, base
		}
	}
	if strings.HasPrefix(base, "arn:aws") && strings.Contains(base, ":lambda:") {
		if fn, ok := lambdaFunction(base); ok {
			for _, key := range []string{fn.arn, fn.name} {
				if bd, ok := r.bound[key]; ok {
					return bd, key
				}
			}
		}
	}
	return nil, ""
}

func appendNew(keys []string, more ...string) []string {
	for _, k := range more {
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// errTaskTimeout is the cause of a call's context ending at the task's TimeoutSeconds.
var errTaskTimeout = errors.New("the task's TimeoutSeconds elapsed")

// Invoke runs t's resource and returns its result. Failures are
// *engine.TaskError values with AWS's error names.
func (r *Registry) Invoke(ctx context.Context, t *engine.Task) (json.RawMessage, error) {
	if t.TimeoutSeconds > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, time.Duration(t.TimeoutSeconds)*time.Second, errTaskTimeout)
		defer cancel()
	}
	out, err := r.invoke(ctx, t)
	if err != nil && errors.Is(context.Cause(ctx), errTaskTimeout) {
		var te *engine.TaskError
		if !errors.As(err, &te) || te.Name != asl.ErrorTimeout {
			return nil, &engine.TaskError{Name: asl.ErrorTimeout, Cause: fmt.Sprintf("%s did not answer within the task's TimeoutSeconds (%d)", t.Resource, t.TimeoutSeconds)}
		}
	}
	return out, err
}

func (r *Registry) invoke(ctx context.Context, t *engine.Task) (json.RawMessage, error) {
	resource := t.Resource
	base, wait := strings.CutSuffix(resource, waitSuffix)
	call := &Call{Resource: resource, Input: t.Input, Token: t.Token, WaitForToken: wait}

	// A Lambda function bound by name or ARN, through lambda:invoke.
	if base == LambdaInvoke {
		if out, ok, err := r.invokeLambda(ctx, call); ok {
			return out, err
		}
	}
	if bd, key := r.lookup(resource); bd != nil {
		call.Key = key
		return r.run(ctx, bd, call)
	}
	for _, name := range []string{resource, base} {
		if h, ok := r.builtin(name); ok {
			call.Key = name
			return h.Handle(ctx, call)
		}
	}
	if svc, pattern, ok := strings.Cut(strings.TrimPrefix(base, servicePrefix), "."); ok && strings.HasPrefix(base, servicePrefix) && strings.HasPrefix(pattern, "sync") {
		if svc == "states:startExecution" {
			return nil, taskFailed("%s runs a nested execution, which only `paystep serve` can run", resource)
		}
		return nil, &engine.TaskError{Name: asl.ErrorRuntime, Cause: fmt.Sprintf("%s: the .%s pattern is supported only for %s", resource, pattern, StartExecution)}
	}
	switch {
	case base == HTTPInvoke:
		return r.httpInvoke(ctx, call)
	case base == StartExecution:
		return nil, taskFailed("%s starts a nested execution, which only `paystep serve` can run", resource)
	}
	if _, ok := binding.IsActivityARN(resource); ok {
		return nil, taskFailed("%s is an activity: its tasks go to workers polling `paystep serve` (GetActivityTask), which this runner does not serve", resource)
	}
	if base == LambdaInvoke {
		if fn := lambdaFunctionName(t.Input); fn != "" {
			return nil, taskFailed("no binding for the Lambda function %s (FunctionName of %s)", fn, resource)
		}
		return nil, &engine.TaskError{Name: asl.ErrorRuntime, Cause: resource + " needs a FunctionName parameter"}
	}
	return nil, taskFailed("no binding for the resource %s", resource)
}

func taskFailed(format string, args ...any) *engine.TaskError {
	return &engine.TaskError{Name: asl.ErrorTaskFailed, Cause: fmt.Sprintf(format, args...)}
}

// run runs one binding.
func (r *Registry) run(ctx context.Context, bd *bound, call *Call) (json.RawMessage, error) {
	b := bd.b
	switch b.Kind() {
	case binding.KindResult:
		return b.Result, nil
	case binding.KindError:
		return nil, &engine.TaskError{Name: b.Error, Cause: b.Cause}
	case binding.KindEndpoint:
		return r.callEndpoint(ctx, bd, call)
	case binding.KindActivity:
		return nil, taskFailed("%s is bound to the activity %s: its tasks go to workers polling `paystep serve` (GetActivityTask), which this runner does not serve", call.Resource, bd.activityARN)
	case binding.KindBuiltin:
		h, ok := r.builtin(b.Builtin)
		if !ok {
			return nil, taskFailed("%s is bound to the built-in %q, which is not registered", call.Resource, b.Builtin)
		}
		call.Config = b.Config
		return h.Handle(ctx, call)
	}
	return nil, taskFailed("the binding %q has no kind", bd.key) // Parse makes this impossible
}

// readLimited reads at most max bytes of body; over that it fails with
// States.DataLimitExceeded.
func readLimited(body io.Reader, max int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &engine.TaskError{Name: asl.ErrorDataLimitExceeded, Cause: fmt.Sprintf("%s is larger than %d bytes", what, max)}
	}
	return data, nil
}

// redactURL drops a URL's query and credentials, which may hold secrets,
// for use in causes.
func redactURL(u *url.URL) string {
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return c.String()
}
