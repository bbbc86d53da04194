// Package paytask puts payments inside state machines: the built-in Task
// resources
//
//	arn:paystep:states:::payments:create[.waitForTaskToken]
//	arn:paystep:states:::payments:capture
//	arn:paystep:states:::payments:refund
//	arn:paystep:states:::payments:get
//
// registered in the resource registry, and the resumption of the task
// tokens that wait on a payment.
//
// payments:create takes amount (integer minor units), currency, customer,
// description, metadata, capture_method and psp, creates the payment and
// returns it, with pay_url, the customer's page (/pay/{id}). With
// .waitForTaskToken it also binds the task token to the payment (a row of
// payment_tasks) and the task ends when the payment does: success with the
// payment object when it succeeded, failure Payment.Failed (the decline
// code as the cause) or Payment.Canceled otherwise.
//
// Every task is idempotent on its token, because the runner may invoke a
// task again after a crash: the payment's ID (and a refund's) derives from
// the token, so a repeat finds the payment the first invocation made.
//
// A payment ends in a transaction of the payment service (a webhook event,
// a status read, a cancel); Ended, installed as payment.Config.EndedFunc,
// writes in that transaction one task_resumptions row per waiting token
// ("resume token T with outcome O") and unbinds the tokens. Sending the
// outcome to the engine (SendTaskSuccess, SendTaskFailure) commits in the
// engine's own transaction, so it cannot join ours: a Dispatcher delivers
// the rows after the commit, when kicked and on every poll (also after a
// restart), and marks each delivered. A delivery lost to a crash is made
// again; the engine answers a repeat with TaskTimedOut (the task is no
// longer awaited), which marks it delivered too. The transactional outbox
// makes the resumption exactly-once in effect. A token bound to a payment
// that has already ended gets its resumption at once, in the binding's
// transaction (payment.Service.Hold keeps the two from racing).
package paytask

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/resource"
	"github.com/paystep/paystep/internal/store"
)

// The resources, as Task states name them.
const (
	Prefix          = "arn:paystep:states:::payments:"
	ResourceCreate  = Prefix + "create"
	ResourceCapture = Prefix + "capture"
	ResourceRefund  = Prefix + "refund"
	ResourceGet     = Prefix + "get"
)

// The errors tasks fail with, for Retry and Catch.
const (
	ErrFailed       = "Payment.Failed"       // the payment failed; the cause is the decline code
	ErrCanceled     = "Payment.Canceled"     // the payment was canceled
	ErrInvalid      = "Payment.Invalid"      // bad parameters
	ErrNotFound     = "Payment.NotFound"     // no such payment or refund
	ErrInvalidState = "Payment.InvalidState" // the payment's status does not allow it
	ErrBusy         = "Payment.Busy"         // another operation on the payment is under way: retry
	ErrPSP          = "Payment.PSPError"     // the PSP refused; the cause says why
)

// Config configures Tasks.
type Config struct {
	Clock  clock.Clock  // Defaults to clock.System{}.
	Logger *slog.Logger // Defaults to discarding.
	// PublicURL is the server's address as customers reach it, for pay_url
	// ("https://pay.example.com"). Defaults to "" (a relative /pay/{id}).
	PublicURL string
	// Kick, when set, is called after a token was resumed at binding time,
	// to wake the Dispatcher.
	Kick func()
}

// Tasks is the payment built-ins and the recording of resumptions.
type Tasks struct {
	st  store.PaymentStore
	clk clock.Clock
	log *slog.Logger
	cfg Config
	svc *payment.Service
}

// New returns the built-ins over st, the payment service's store. Pass
// t.Ended as payment.Config.EndedFunc of the service, then Register them
// with that service.
func New(st store.PaymentStore, cfg Config) *Tasks {
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return &Tasks{st: st, clk: cfg.Clock, log: cfg.Logger, cfg: cfg}
}

// Register registers the built-ins in reg, running on svc.
func (t *Tasks) Register(reg *resource.Registry, svc *payment.Service) {
	t.svc = svc
	reg.Register(ResourceCreate, resource.HandlerFunc(t.create))
	reg.Register(ResourceCapture, resource.HandlerFunc(t.capture))
	reg.Register(ResourceRefund, resource.HandlerFunc(t.refund))
	reg.Register(ResourceGet, resource.HandlerFunc(t.get))
}

// PayURL is the customer's page of payment id.
func (t *Tasks) PayURL(id string) string { return t.cfg.PublicURL + "/pay/" + id }

// idFor derives an object's ID from a task token: the same task, invoked
// again, names the same object.
func idFor(prefix, token string) string {
	sum := sha256.Sum256([]byte(token))
	return prefix + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

// decode reads a task's input into v, strictly: unknown fields are refused,
// numbers kept as written.
func decode(resource string, input json.RawMessage, v any) error {
	if len(bytes.TrimSpace(input)) == 0 {
		input = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return &engine.TaskError{Name: ErrInvalid, Cause: fmt.Sprintf("%s: the task's input (its Parameters): %v", resource, err)}
	}
	return nil
}

func invalid(resource, param, format string, args ...any) error {
	return &engine.TaskError{Name: ErrInvalid, Cause: fmt.Sprintf("%s: %s: %s", resource, param, fmt.Sprintf(format, args...))}
}

// minorUnits parses an amount given as a JSON number: a whole number of
// minor units, never a decimal.
func minorUnits(resource, param string, n json.Number, required bool) (int64, error) {
	if n == "" {
		if required {
			return 0, invalid(resource, param, "required: a whole number of minor units (1050 is 10.50 EUR)")
		}
		return 0, nil
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || v <= 0 {
		return 0, invalid(resource, param, "%s is not a positive whole number of minor units (1050 is 10.50 EUR)", n)
	}
	return v, nil
}

// stringMap takes metadata whose values are strings, numbers or booleans
// (kept as written).
func stringMap(resource, param string, m map[string]any) (map[string]string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case json.Number:
			out[k] = v.String()
		case bool:
			out[k] = strconv.FormatBool(v)
		default:
			return nil, invalid(resource, param+"."+k, "want a string, a number or a boolean")
		}
	}
	return out, nil
}

// taskError turns the payment service's errors into task failures a
// definition can catch; unexpected ones stay States.TaskFailed.
func taskError(resource string, err error) error {
	cause := resource + ": " + err.Error()
	var (
		inv   *payment.InvalidError
		state *payment.StateError
		ref   *payment.RefundError
		trans *payment.TransitionError
		pe    *psp.Error
	)
	switch {
	case errors.As(err, &inv):
		return &engine.TaskError{Name: ErrInvalid, Cause: cause}
	case errors.Is(err, store.ErrNotFound):
		return &engine.TaskError{Name: ErrNotFound, Cause: cause}
	case errors.As(err, &state), errors.As(err, &ref), errors.As(err, &trans):
		return &engine.TaskError{Name: ErrInvalidState, Cause: cause}
	case errors.Is(err, payment.ErrBusy):
		return &engine.TaskError{Name: ErrBusy, Cause: cause}
	case errors.As(err, &pe) && pe.Outcome == psp.Failed:
		return &engine.TaskError{Name: ErrPSP, Cause: cause}
	}
	return err
}

type createInput struct {
	Amount        json.Number    `json:"amount"`
	Currency      string         `json:"currency"`
	Customer      string         `json:"customer"`
	Description   string         `json:"description"`
	Metadata      map[string]any `json:"metadata"`
	CaptureMethod string         `json:"capture_method"`
	PSP           string         `json:"psp"`
}

// create runs payments:create[.waitForTaskToken].
func (t *Tasks) create(ctx context.Context, c *resource.Call) (json.RawMessage, error) {
	var in createInput
	if err := decode(ResourceCreate, c.Input, &in); err != nil {
		return nil, err
	}
	amount, err := minorUnits(ResourceCreate, "amount", in.Amount, true)
	if err != nil {
		return nil, err
	}
	if in.Currency == "" {
		return nil, invalid(ResourceCreate, "currency", "required: an ISO 4217 code such as EUR")
	}
	meta, err := stringMap(ResourceCreate, "metadata", in.Metadata)
	if err != nil {
		return nil, err
	}
	if c.Token == "" {
		return nil, &engine.TaskError{Name: asl.ErrorRuntime, Cause: ResourceCreate + " needs a task token"}
	}
	p, err := t.svc.Create(ctx, payment.CreateParams{
		ID: idFor("pay", c.Token), Amount: money.New(amount, money.Currency(strings.ToUpper(in.Currency))),
		Customer: in.Customer, Description: in.Description, Metadata: meta,
		CaptureMethod: payment.CaptureMethod(in.CaptureMethod), PSP: in.PSP,
	})
	if err != nil {
		return nil, taskError(ResourceCreate, err)
	}
	if c.WaitForToken {
		if p, err = t.bind(ctx, p.ID, c.Token); err != nil {
			return nil, err
		}
		t.log.InfoContext(ctx, "task waits on payment", "payment_id", p.ID)
	}
	return t.paymentObject(p), nil
}

// bind binds token to payment id, or records its resumption at once when
// the payment has ended already.
func (t *Tasks) bind(ctx context.Context, id, token string) (*payment.Payment, error) {
	resumed := false
	p, err := t.svc.Hold(ctx, id, func(ctx context.Context, q store.PaymentTx, p *payment.Payment) error {
		if p.Status.Terminal() {
			resumed = true
			return t.resume(ctx, q, p, []string{token})
		}
		err := q.PaymentTaskAdd(ctx, &store.PaymentTask{PaymentID: id, TaskToken: token, CreatedAt: t.clk.Now()})
		if errors.Is(err, store.ErrExists) {
			return nil // bound by an earlier invocation of the task
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bind a task to payment %s: %w", id, err)
	}
	if resumed && t.cfg.Kick != nil {
		t.cfg.Kick()
	}
	return p, nil
}

// Output renders the payment a success outcome carries, as it is at
// delivery: the card summary an event overtook is read from the PSP first.
// It is DispatcherConfig.OutputFunc.
func (t *Tasks) Output(ctx context.Context, paymentID string) (json.RawMessage, error) {
	p, err := t.svc.FillMethod(ctx, paymentID)
	if err != nil && p == nil {
		return nil, err
	}
	if err != nil {
		t.log.WarnContext(ctx, "payment method summary unavailable", "payment_id", paymentID, "err", err)
	}
	return t.paymentObject(p), nil
}

// Ended is payment.Config.EndedFunc: in the transaction that ends p, it
// records the resumption of every token waiting on p and unbinds them.
func (t *Tasks) Ended(ctx context.Context, q store.PaymentTx, p *payment.Payment) error {
	tasks, err := q.PaymentTaskList(ctx, p.ID)
	if err != nil || len(tasks) == 0 {
		return err
	}
	tokens := make([]string, len(tasks))
	for i, pt := range tasks {
		tokens[i] = pt.TaskToken
	}
	if err := t.resume(ctx, q, p, tokens); err != nil {
		return err
	}
	return q.PaymentTaskDelete(ctx, p.ID, tokens...)
}

// resume records the resumption of tokens with p's end. A token resumed
// before is left as it is.
func (t *Tasks) resume(ctx context.Context, q store.PaymentTx, p *payment.Payment, tokens []string) error {
	now := t.clk.Now()
	rs := make([]*store.TaskResumption, 0, len(tokens))
	for _, tok := range tokens {
		r := &store.TaskResumption{TaskToken: tok, PaymentID: p.ID, CreatedAt: now, DueAt: now}
		switch p.Status {
		case payment.Succeeded:
			r.Outcome, r.Output = store.ResumeSuccess, t.paymentObject(p)
		case payment.Failed:
			r.Outcome, r.Error = store.ResumeFailure, ErrFailed
			r.Cause = firstOf(p.Failure.DeclineCode, p.Failure.Code, "failed")
		default:
			r.Outcome, r.Error, r.Cause = store.ResumeFailure, ErrCanceled, "canceled"
		}
		rs = append(rs, r)
	}
	for len(rs) > 0 {
		err := q.TaskResumptionAdd(ctx, rs...)
		var be *store.BatchError
		if !errors.As(err, &be) || !errors.Is(err, store.ErrExists) {
			if err == nil {
				t.log.InfoContext(ctx, "payment ended: task resumption recorded", "payment_id", p.ID, "status", string(p.Status), "tasks", len(rs))
			}
			return err
		}
		taken := map[string]bool{}
		for _, k := range be.Keys {
			taken[k] = true
		}
		var rest []*store.TaskResumption
		for _, r := range rs {
			if !taken[r.TaskToken] {
				rest = append(rest, r)
			}
		}
		rs = rest
	}
	return nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

type captureInput struct {
	PaymentID       string      `json:"payment_id"`
	AmountToCapture json.Number `json:"amount_to_capture"`
}

// capture runs payments:capture. A payment already captured, or whose
// capture is under way, is returned as it is, so a repeated task does not
// fail.
func (t *Tasks) capture(ctx context.Context, c *resource.Call) (json.RawMessage, error) {
	if c.WaitForToken {
		return nil, noWait(c.Resource)
	}
	var in captureInput
	if err := decode(ResourceCapture, c.Input, &in); err != nil {
		return nil, err
	}
	if in.PaymentID == "" {
		return nil, invalid(ResourceCapture, "payment_id", "required")
	}
	amount, err := minorUnits(ResourceCapture, "amount_to_capture", in.AmountToCapture, false)
	if err != nil {
		return nil, err
	}
	// A capture leaves no trace the payment could be asked about until the
	// PSP's event, so the task's token is kept as an idempotency key: a
	// repeated task finds it and does not capture again.
	key := &store.IdempotencyKey{Scope: "task", Key: "capture:" + idFor("", c.Token), Method: "TASK", Path: ResourceCapture,
		RequestHash: in.PaymentID, CreatedAt: t.clk.Now()}
	stored, err := t.st.IdempotencyBegin(ctx, key)
	switch {
	case errors.Is(err, store.ErrExists) && stored.RequestHash != in.PaymentID:
		return nil, invalid(ResourceCapture, "payment_id", "this task captured %s before", stored.RequestHash)
	case errors.Is(err, store.ErrExists) && stored.Status == 0:
		return nil, &engine.TaskError{Name: ErrBusy, Cause: ResourceCapture + ": the same task is capturing " + in.PaymentID}
	case errors.Is(err, store.ErrExists):
		p, err := t.svc.Get(ctx, in.PaymentID) // captured by an earlier invocation
		if err != nil {
			return nil, taskError(ResourceCapture, err)
		}
		return t.paymentObject(p), nil
	case err != nil:
		return nil, fmt.Errorf("%s: %w", ResourceCapture, err)
	}
	p, err := t.svc.Capture(ctx, in.PaymentID, amount)
	if err != nil {
		if rerr := t.st.IdempotencyRelease(context.WithoutCancel(ctx), key.Scope, key.Key, key.CreatedAt); rerr != nil {
			t.log.WarnContext(ctx, "releasing a capture task's key", "payment_id", in.PaymentID, "err", rerr)
		}
		return nil, taskError(ResourceCapture, err)
	}
	out := t.paymentObject(p)
	if err := t.st.IdempotencyFinish(context.WithoutCancel(ctx), key.Scope, key.Key, 200, nil, t.clk.Now()); err != nil {
		return nil, fmt.Errorf("%s: %w", ResourceCapture, err)
	}
	return out, nil
}

type refundInput struct {
	PaymentID string         `json:"payment_id"`
	Amount    json.Number    `json:"amount"`
	Reason    string         `json:"reason"`
	Metadata  map[string]any `json:"metadata"`
}

// refund runs payments:refund: the refund's ID derives from the token.
func (t *Tasks) refund(ctx context.Context, c *resource.Call) (json.RawMessage, error) {
	if c.WaitForToken {
		return nil, noWait(c.Resource)
	}
	var in refundInput
	if err := decode(ResourceRefund, c.Input, &in); err != nil {
		return nil, err
	}
	if in.PaymentID == "" {
		return nil, invalid(ResourceRefund, "payment_id", "required")
	}
	amount, err := minorUnits(ResourceRefund, "amount", in.Amount, false)
	if err != nil {
		return nil, err
	}
	meta, err := stringMap(ResourceRefund, "metadata", in.Metadata)
	if err != nil {
		return nil, err
	}
	if c.Token == "" {
		return nil, &engine.TaskError{Name: asl.ErrorRuntime, Cause: ResourceRefund + " needs a task token"}
	}
	r, err := t.svc.Refund(ctx, payment.RefundParams{ID: idFor("re", c.Token), PaymentID: in.PaymentID, Amount: amount, Reason: in.Reason, Metadata: meta})
	if err != nil {
		return nil, taskError(ResourceRefund, err)
	}
	return refundObject(r), nil
}

type getInput struct {
	PaymentID string `json:"payment_id"`
}

// get runs payments:get.
func (t *Tasks) get(ctx context.Context, c *resource.Call) (json.RawMessage, error) {
	if c.WaitForToken {
		return nil, noWait(c.Resource)
	}
	var in getInput
	if err := decode(ResourceGet, c.Input, &in); err != nil {
		return nil, err
	}
	if in.PaymentID == "" {
		return nil, invalid(ResourceGet, "payment_id", "required")
	}
	p, err := t.svc.Get(ctx, in.PaymentID)
	if err != nil {
		return nil, taskError(ResourceGet, err)
	}
	return t.paymentObject(p), nil
}

func noWait(resource string) error {
	return &engine.TaskError{Name: asl.ErrorRuntime, Cause: resource + ": only " + ResourceCreate + " supports .waitForTaskToken"}
}
