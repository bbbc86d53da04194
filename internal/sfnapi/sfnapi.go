// Package sfnapi serves the AWS Step Functions API (AWS JSON 1.0 at POST /,
// the action in X-Amz-Target) on a store.Store and a durable runner, so that
// the AWS CLI and SDKs drive paystep unchanged. Errors are answered as AWS
// answers them: HTTP 400 with {"__type":"<Code>","message":"…"}.
package sfnapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/sigv4"
	"github.com/paystep/paystep/internal/store"
)

// Runner runs executions; *runner.Runner implements it. Errors it returns
// that are (or wrap) a *wire.Error reach the client as they are; any other
// error is an InternalFailure.
type Runner interface {
	StartExecution(ctx context.Context, in runner.StartInput) (runner.StartOutput, error)
	StartSyncExecution(ctx context.Context, in runner.StartInput) (*store.Execution, error)
	StopExecution(ctx context.Context, arn, errName, cause string) (time.Time, error)
	RedriveExecution(ctx context.Context, arn string) (time.Time, error)
	SendTaskSuccess(ctx context.Context, token, output string) error
	SendTaskFailure(ctx context.Context, token, errName, cause string) error
	SendTaskHeartbeat(ctx context.Context, token string) error
	GetActivityTask(ctx context.Context, activityARN, worker string, wait time.Duration) (runner.ActivityTask, error)
	// ForgetActivity tells the runner an activity was deleted.
	ForgetActivity(activityARN string)
}

var _ Runner = (*runner.Runner)(nil)

// Request describes one answered request, for metrics.
type Request struct {
	Action   string // "" when the request named none this API knows
	Status   int    // the HTTP status answered
	Code     string // the error's __type; "" on success
	Duration time.Duration
}

// Config configures a Handler.
type Config struct {
	Store  store.Store // Required.
	Runner Runner      // Required.
	// Region and Account go into the ARNs of new state machines and
	// activities. They default to "us-east-1" and "123456789012".
	Region  string
	Account string
	// Auth verifies SigV4 signatures. nil accepts every request, signed or
	// not, without checking its signature.
	Auth   *sigv4.Verifier
	Clock  clock.Clock  // Defaults to clock.System{}.
	Logger *slog.Logger // Defaults to discarding.
	// MaxBodyBytes bounds request bodies; a larger one is answered with a
	// 413 RequestEntityTooLargeException. Defaults to 4 MiB: a definition
	// of 1 MiB, AWS's limit, fits even with its JSON escaping.
	MaxBodyBytes int64
	// ActivityPoll is how long GetActivityTask waits for a task before it
	// answers with an empty one. Defaults to 60s, as AWS.
	ActivityPoll time.Duration
	// UUID makes revision and request ids. Defaults to random v4 UUIDs.
	UUID func() string
	// Observe is called after each request; nil for none.
	Observe func(Request)
}

// Handler is the Step Functions API as an http.Handler.
type Handler struct {
	store   store.Store
	runner  Runner
	region  string
	account string
	auth    *sigv4.Verifier
	clock   clock.Clock
	log     *slog.Logger
	maxBody int64
	poll    time.Duration
	uuid    func() string
	observe func(Request)

	polls       context.Context // cancelled by EndPolls
	cancelPolls context.CancelFunc
}

// New returns the API handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("sfnapi: Config.Store is required")
	}
	if cfg.Runner == nil {
		return nil, errors.New("sfnapi: Config.Runner is required")
	}
	h := &Handler{
		store: cfg.Store, runner: cfg.Runner, region: cfg.Region, account: cfg.Account, auth: cfg.Auth,
		clock: cfg.Clock, log: cfg.Logger, maxBody: cfg.MaxBodyBytes, poll: cfg.ActivityPoll,
		uuid: cfg.UUID, observe: cfg.Observe,
	}
	if h.region == "" {
		h.region = "us-east-1"
	}
	if h.account == "" {
		h.account = "123456789012"
	}
	if h.clock == nil {
		h.clock = clock.System{}
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxBody <= 0 {
		h.maxBody = 4 << 20
	}
	if h.poll <= 0 {
		h.poll = 60 * time.Second
	}
	if h.uuid == nil {
		h.uuid = newUUID
	}
	h.polls, h.cancelPolls = context.WithCancel(context.Background())
	return h, nil
}

// EndPolls ends every GetActivityTask long poll, now and later, with an
// empty task, as if its wait had run out: a server shutting down calls it so
// that workers poll again elsewhere instead of holding the shutdown up.
func (h *Handler) EndPolls() { h.cancelPolls() }

// actionFunc decodes a request body and performs one action.
type actionFunc func(h *Handler, ctx context.Context, body []byte) (any, error)

// action adapts a method taking the action's input to an actionFunc.
func action[In, Out any](fn func(h *Handler, ctx context.Context, in *In) (*Out, error)) actionFunc {
	return func(h *Handler, ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if !decodePlain(body, in) {
			if err := (wire.Decoder{}).Unmarshal(body, in); err != nil {
				return nil, err
			}
		}
		return fn(h, ctx, in)
	}
}

var actions = map[string]actionFunc{
	wire.ActionCreateStateMachine:               action((*Handler).createStateMachine),
	wire.ActionDescribeStateMachine:             action((*Handler).describeStateMachine),
	wire.ActionUpdateStateMachine:               action((*Handler).updateStateMachine),
	wire.ActionDeleteStateMachine:               action((*Handler).deleteStateMachine),
	wire.ActionListStateMachines:                action((*Handler).listStateMachines),
	wire.ActionValidateStateMachineDefinition:   action((*Handler).validateStateMachineDefinition),
	wire.ActionDescribeStateMachineForExecution: action((*Handler).describeStateMachineForExecution),
	wire.ActionStartExecution:                   action((*Handler).startExecution),
	wire.ActionStartSyncExecution:               action((*Handler).startSyncExecution),
	wire.ActionStopExecution:                    action((*Handler).stopExecution),
	wire.ActionDescribeExecution:                action((*Handler).describeExecution),
	wire.ActionListExecutions:                   action((*Handler).listExecutions),
	wire.ActionGetExecutionHistory:              action((*Handler).getExecutionHistory),
	wire.ActionRedriveExecution:                 action((*Handler).redriveExecution),
	wire.ActionSendTaskSuccess:                  action((*Handler).sendTaskSuccess),
	wire.ActionSendTaskFailure:                  action((*Handler).sendTaskFailure),
	wire.ActionSendTaskHeartbeat:                action((*Handler).sendTaskHeartbeat),
	wire.ActionCreateActivity:                   action((*Handler).createActivity),
	wire.ActionDescribeActivity:                 action((*Handler).describeActivity),
	wire.ActionDeleteActivity:                   action((*Handler).deleteActivity),
	wire.ActionListActivities:                   action((*Handler).listActivities),
	wire.ActionGetActivityTask:                  action((*Handler).getActivityTask),
	wire.ActionTagResource:                      action((*Handler).tagResource),
	wire.ActionUntagResource:                    action((*Handler).untagResource),
	wire.ActionListTagsForResource:              action((*Handler).listTagsForResource),
}

// ServeHTTP answers one API request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.clock.Now()
	ctx := r.Context()
	reqID := h.uuid()
	w.Header().Set("x-amzn-RequestId", reqID)

	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // the request is answered: nothing refers to its body
			buf.Reset()
			bodyBuffers.Put(buf)
		}
	}()
	name, out, err := h.serve(ctx, r, buf)
	req := Request{Action: name, Status: http.StatusOK}
	if err == nil {
		if werr := writeResponse(w, out); werr != nil {
			// Marshalling failed (WriteJSON answered an InternalFailure) or
			// the client went away.
			err = werr
			req.Status, req.Code = http.StatusInternalServerError, wire.InternalFailure
		}
	} else {
		var e *wire.Error
		if !errors.As(err, &e) {
			e = wire.NewError(wire.InternalFailure, wire.InternalServerErrorMessage)
		}
		req.Status, req.Code = e.HTTPStatus(), e.Code
		wire.WriteErr(w, e)
	}
	req.Duration = h.clock.Now().Sub(start)
	if h.observe != nil {
		h.observe(req)
	}

	level := slog.LevelDebug
	if req.Code == wire.InternalFailure && ctx.Err() == nil {
		level = slog.LevelError
	}
	if !h.log.Enabled(ctx, level) {
		return // spare building the attributes of every request
	}
	attrs := []any{"request_id", reqID, "action", name, "status", req.Status, "duration_ms", req.Duration.Milliseconds()}
	switch {
	case req.Code == wire.InternalFailure && ctx.Err() != nil:
		h.log.DebugContext(ctx, "request abandoned by the client", append(attrs, "err", err)...)
	case req.Code == wire.InternalFailure:
		h.log.ErrorContext(ctx, "request failed", append(attrs, "err", err)...)
	case req.Code != "":
		h.log.DebugContext(ctx, "request", append(attrs, "code", req.Code)...)
	default:
		h.log.DebugContext(ctx, "request", attrs...)
	}
}

// writeResponse answers out as wire.WriteJSON does, writing the responses
// of the actions every execution calls without reflection.
func writeResponse(w http.ResponseWriter, out any) error {
	body, ok := appendResponse(make([]byte, 0, 512), out)
	if !ok {
		return wire.WriteJSON(w, out)
	}
	w.Header().Set("Content-Type", wire.ContentType)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}

// serve checks, routes and performs the request, returning the action's
// name and its output.
func (h *Handler) serve(ctx context.Context, r *http.Request, buf *bytes.Buffer) (string, any, error) {
	if r.Method != http.MethodPost {
		return "", nil, &wire.Error{Code: wire.UnknownOperationException, Message: "Only POST is accepted, not " + r.Method, Status: http.StatusMethodNotAllowed}
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, h.maxBody))
	body := buf.Bytes()
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, wire.NewError(wire.RequestEntityTooLarge, "Request body is larger than "+strconv.FormatInt(tooBig.Limit, 10)+" bytes")
		}
		return "", nil, fmt.Errorf("read request body: %w", err)
	}
	if h.auth != nil {
		if _, err := h.auth.Verify(r, body); err != nil {
			var se *sigv4.Error
			if errors.As(err, &se) {
				return "", nil, &wire.Error{Code: se.Code, Message: se.Message, Status: se.Status}
			}
			return "", nil, fmt.Errorf("verify signature: %w", err)
		}
	}
	name, err := wire.Action(r)
	if err != nil {
		return "", nil, err
	}
	out, err := actions[name](h, ctx, body)
	return name, out, err
}

// bodyBuffers hold request bodies while their actions run. Actions copy
// what they keep (decoding makes strings), so a buffer is reused once the
// request is answered.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// now is the clock's time, truncated to microseconds as the store keeps it.
func (h *Handler) now() time.Time { return h.clock.Now().UTC().Truncate(time.Microsecond) }

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	hex.Encode(s[9:13], b[4:6])
	hex.Encode(s[14:18], b[6:8])
	hex.Encode(s[19:23], b[8:10])
	hex.Encode(s[24:36], b[10:16])
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return string(s[:])
}

// notFound turns store.ErrNotFound into the API's error of code for arn;
// other errors are wrapped with what was looked up.
func notFound(err error, code, what, arn string) error {
	if errors.Is(err, store.ErrNotFound) {
		return wire.NewError(code, what+" Does Not Exist: '"+arn+"'")
	}
	return fmt.Errorf("%s %s: %w", what, arn, err)
}

// pageCursor decodes a nextToken into the store's cursor.
func pageCursor(token string) (string, error) {
	return wire.DecodeToken(token)
}

// listPage reads one page of a List action from the store's list: it checks
// maxResults and the token, and returns the page and the next token. what
// names the listing in errors.
func listPage[T any](ctx context.Context, maxResults int32, token, what string, list func(ctx context.Context, cursor string, limit int) ([]T, string, error)) ([]T, string, error) {
	limit, err := wire.PageSize(maxResults)
	if err != nil {
		return nil, "", err
	}
	cursor, err := pageCursor(token)
	if err != nil {
		return nil, "", err
	}
	page, next, err := list(ctx, cursor, limit)
	if err != nil {
		return nil, "", invalidCursor(fmt.Errorf("%s: %w", what, err), token)
	}
	return page, nextToken(next), nil
}

// invalidCursor turns store.ErrInvalidCursor into an InvalidToken.
func invalidCursor(err error, token string) error {
	if errors.Is(err, store.ErrInvalidCursor) {
		return wire.NewError(wire.InvalidToken, "Invalid Token: '"+token+"'")
	}
	return err
}

// nextToken encodes the store's next cursor, "" staying "".
func nextToken(cursor string) string {
	if cursor == "" {
		return ""
	}
	return wire.EncodeToken(cursor)
}
