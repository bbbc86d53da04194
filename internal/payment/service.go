package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/idgen"
	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/store"
)

// Config configures a Service.
type Config struct {
	Clock  clock.Clock     // Defaults to clock.System{}.
	IDs    idgen.Generator // Defaults to idgen.Random{}.
	Logger *slog.Logger    // Defaults to discarding.
	// DefaultPSP names the provider of payments that name none. Defaults to
	// the first provider given.
	DefaultPSP string
	// CallTimeout bounds each PSP call. Defaults to 30s.
	CallTimeout time.Duration
	// SettleAfter is how long a PSP call may stay unanswered before
	// SettlePending takes it up. Defaults to a minute.
	SettleAfter time.Duration
	// MaxConflictRetries is how often a write that lost a race with another
	// writer is redone on fresh data. Defaults to 5.
	MaxConflictRetries int
	// EndedFunc, when set, is called in the transaction that moves a
	// payment to a terminal status (succeeded, failed, canceled), whatever
	// moved it: a webhook event, a status read, a cancel. Its error rolls
	// the move back. The task resources use it to record, in that same
	// transaction, the resumption of the task tokens waiting on the payment.
	EndedFunc func(ctx context.Context, q store.PaymentTx, p *Payment) error
}

// Service creates, confirms, captures, cancels and refunds payments through
// PSPs, storing every step. It is safe for concurrent use, by several nodes
// sharing one store too.
type Service struct {
	st        store.PaymentStore
	providers map[string]psp.Provider
	def       string
	clk       clock.Clock
	ids       idgen.Generator
	log       *slog.Logger
	timeout   time.Duration
	settle    time.Duration
	retries   int
	ended     func(ctx context.Context, q store.PaymentTx, p *Payment) error
	stats     stats
}

// NewService returns a Service over st, speaking to providers by name.
func NewService(st store.PaymentStore, providers []psp.Provider, cfg Config) (*Service, error) {
	if len(providers) == 0 {
		return nil, errors.New("payment: no PSP given")
	}
	s := &Service{st: st, providers: map[string]psp.Provider{}, def: cfg.DefaultPSP, clk: cfg.Clock, ids: cfg.IDs,
		log: cfg.Logger, timeout: cfg.CallTimeout, settle: cfg.SettleAfter, retries: cfg.MaxConflictRetries, ended: cfg.EndedFunc}
	for _, p := range providers {
		s.providers[p.Name()] = p
	}
	if s.def == "" {
		s.def = providers[0].Name()
	}
	if _, ok := s.providers[s.def]; !ok {
		return nil, fmt.Errorf("payment: default PSP %q is not among the providers", s.def)
	}
	if s.clk == nil {
		s.clk = clock.System{}
	}
	if s.ids == nil {
		s.ids = idgen.Random{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.timeout <= 0 {
		s.timeout = 30 * time.Second
	}
	if s.settle <= 0 {
		s.settle = time.Minute
	}
	if s.retries <= 0 {
		s.retries = 5
	}
	return s, nil
}

// InvalidError is a request with a bad parameter.
type InvalidError struct {
	Param   string
	Message string
}

func (e *InvalidError) Error() string { return "payment: " + e.Param + ": " + e.Message }

// StateError is an operation the payment's current state does not allow.
type StateError struct {
	PaymentID string
	Status    Status
	Op        Operation
	Reason    string
}

func (e *StateError) Error() string {
	return fmt.Sprintf("payment %s is %s: cannot %s: %s", e.PaymentID, e.Status, e.Op, e.Reason)
}

// ErrBusy says another operation on the payment is under way: try again
// later. It wraps store.ErrConflict.
var ErrBusy = fmt.Errorf("payment: another operation is under way: %w", store.ErrConflict)

// CreateParams describes a new payment.
type CreateParams struct {
	Amount        money.Amount
	Customer      string
	Description   string
	Metadata      map[string]string
	CaptureMethod CaptureMethod // "" is automatic
	PSP           string        // "" is the default PSP
	// ID, when set, is the payment's ID ("pay_…"), chosen by a caller that
	// must create at most one payment for one request, such as a state
	// machine's task (its ID derives from the task token). Create with an
	// ID that exists returns that payment, finishing its creation at the
	// PSP if a crash interrupted it; with other parameters it is refused.
	// "" gives a new ID.
	ID string
}

// Limits on what a payment carries.
const (
	MaxMetadataKeys  = 50
	MaxMetadataKey   = 40
	MaxMetadataValue = 500
	MaxText          = 1000 // customer, description, reasons
)

func validateText(param, v string) error {
	if len(v) > MaxText {
		return &InvalidError{Param: param, Message: fmt.Sprintf("longer than %d bytes", MaxText)}
	}
	return nil
}

func validateMetadata(m map[string]string) error {
	if len(m) > MaxMetadataKeys {
		return &InvalidError{Param: "metadata", Message: fmt.Sprintf("more than %d keys", MaxMetadataKeys)}
	}
	for k, v := range m {
		switch {
		case k == "" || len(k) > MaxMetadataKey:
			return &InvalidError{Param: "metadata", Message: fmt.Sprintf("key %q: want 1 to %d bytes", k, MaxMetadataKey)}
		case len(v) > MaxMetadataValue:
			return &InvalidError{Param: "metadata[" + k + "]", Message: fmt.Sprintf("longer than %d bytes", MaxMetadataValue)}
		}
	}
	return nil
}

// Create stores a new payment and creates it at its PSP. When the PSP's
// answer is lost the payment is returned with Pending set to OpCreate, and
// Settle (or the next Confirm) finishes the creation with the same key.
func (s *Service) Create(ctx context.Context, in CreateParams) (*Payment, error) {
	switch {
	case !in.Amount.Currency.Valid():
		return nil, &InvalidError{Param: "currency", Message: fmt.Sprintf("unknown currency %q", in.Amount.Currency)}
	case in.Amount.Minor <= 0:
		return nil, &InvalidError{Param: "amount", Message: "must be a positive number of minor units"}
	}
	if in.CaptureMethod == "" {
		in.CaptureMethod = CaptureAutomatic
	}
	if in.CaptureMethod != CaptureAutomatic && in.CaptureMethod != CaptureManual {
		return nil, &InvalidError{Param: "capture_method", Message: fmt.Sprintf("%q: want automatic or manual", in.CaptureMethod)}
	}
	if in.PSP == "" {
		in.PSP = s.def
	}
	if _, ok := s.providers[in.PSP]; !ok {
		return nil, &InvalidError{Param: "psp", Message: fmt.Sprintf("unknown PSP %q", in.PSP)}
	}
	for _, err := range []error{validateText("customer", in.Customer), validateText("description", in.Description), validateMetadata(in.Metadata)} {
		if err != nil {
			return nil, err
		}
	}
	var p *Payment
	prev, found, err := createOnce(ctx, s, in.ID, "pay", s.get, func(id string) error {
		now := s.clk.Now()
		p = &Payment{
			ID: id, Amount: in.Amount, Customer: in.Customer, Description: in.Description, Metadata: in.Metadata,
			PSP: in.PSP, Status: Created, CaptureMethod: in.CaptureMethod, Pending: OpCreate, Attempts: Attempts{Create: 1},
			CreatedAt: now, UpdatedAt: now,
		}
		first := Entry{To: Created, At: now, Cause: Cause{Kind: CauseAPI}}
		err := s.inTx(ctx, func(q *tx) error {
			rec, err := p.record()
			if err != nil {
				return err
			}
			if err := q.PaymentCreate(ctx, rec, entryRecords(p.ID, []Entry{first})...); err != nil {
				return err
			}
			p.Version = rec.Version
			noteMoves(q, p, []Entry{first})
			return q.DomainEventAppend(ctx, s.paymentEvent(p, first))
		})
		if err != nil {
			return fmt.Errorf("create payment: %w", err)
		}
		return nil
	})
	if found {
		return s.again(ctx, prev, in)
	}
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "payment created", "payment_id", p.ID, "amount_minor", p.Amount.Minor, "currency", string(p.Amount.Currency), "psp", p.PSP)
	return s.callCreate(ctx, p)
}

// createOnce makes at most one object for an ID its caller chose, such as
// a state machine's task, which derives the ID from its token; id "" makes
// a new one. A chosen ID starts with prefix and "_" and has at most 64
// bytes. When an object with the chosen ID exists, made before or by a
// concurrent request whose insert won (insert's store.ErrExists), get's
// answer is returned with found set, for the caller to answer the repeat;
// insert, which stores the object under id, runs only for an ID not taken.
func createOnce[T any](ctx context.Context, s *Service, id, prefix string, get func(context.Context, string) (T, error),
	insert func(id string) error) (existing T, found bool, err error) {
	if id == "" {
		return existing, false, insert(s.ids.New(prefix))
	}
	if !strings.HasPrefix(id, prefix+"_") || len(id) > 64 {
		return existing, false, &InvalidError{Param: "id", Message: fmt.Sprintf("%q: want %s_ and at most %d more characters", id, prefix, 63-len(prefix))}
	}
	if v, err := get(ctx, id); err == nil {
		return v, true, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return existing, false, err
	}
	err = insert(id)
	if errors.Is(err, store.ErrExists) {
		if v, gerr := get(ctx, id); gerr == nil {
			return v, true, nil // a concurrent request with the same ID won
		}
	}
	return existing, false, err
}

// again answers a Create of an ID that exists: the stored payment, when
// the parameters match, with its creation at the PSP finished if it was
// interrupted (the same idempotency key again, so the PSP creates one
// intent).
func (s *Service) again(ctx context.Context, p *Payment, in CreateParams) (*Payment, error) {
	if p.Amount != in.Amount || p.PSP != in.PSP || p.CaptureMethod != in.CaptureMethod || p.Customer != in.Customer || p.Description != in.Description {
		return nil, &InvalidError{Param: "id", Message: fmt.Sprintf("payment %s exists with other parameters", p.ID)}
	}
	if p.Pending == OpCreate {
		return s.Settle(ctx, p.ID)
	}
	return p, nil
}

// ctxs returns the context of a PSP call and of recording its answer: both
// outlive the caller's cancellation, so an answer is never lost to a
// client hanging up.
func (s *Service) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
}

// callCreate makes the pending create call of p and records its answer.
func (s *Service) callCreate(ctx context.Context, p *Payment) (*Payment, error) {
	key := p.IdempotencyKey(OpCreate)
	meta := map[string]string{psp.MetadataPaymentID: p.ID}
	for k, v := range p.Metadata {
		if k != psp.MetadataPaymentID {
			meta[k] = v
		}
	}
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	in, err := callPSP(s, p.PSP, string(OpCreate), func(pr psp.Provider) (*psp.Intent, error) {
		return pr.Create(cctx, psp.CreateParams{
			IdempotencyKey: key, Amount: p.Amount.Minor, Currency: string(p.Amount.Currency),
			CaptureMethod: psp.CaptureMethod(p.CaptureMethod), Description: p.Description, Customer: p.Customer, Metadata: meta,
		})
	})
	return s.record(cctx, p.ID, OpCreate, *p.Attempts.of(OpCreate), in, err)
}

// record stores the answer of a payment's PSP call, if the call is still
// the pending one (Settle may have recorded it first), and returns the
// payment with the call's error for a certain failure.
func (s *Service) record(ctx context.Context, id string, op Operation, attempt int, in *psp.Intent, callErr error) (*Payment, error) {
	outcome := psp.OutcomeOf(callErr)
	if outcome == psp.Unknown {
		s.log.WarnContext(ctx, "PSP outcome unknown; the payment will be settled", "payment_id", id, "op", string(op), "attempt", attempt, "err", callErr)
		p, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	p, err := s.update(ctx, id, func(p *Payment, now time.Time) ([]Entry, error) {
		if p.Pending != op || *p.Attempts.of(op) != attempt {
			// Recorded already, or overtaken: a webhook event that ended the
			// payment cleared the pending call. The answer's status is stale
			// then, but its card summary is news when the event named the
			// method by its token only.
			if outcome == psp.Succeeded && in != nil && p.fillMethod(in.PaymentMethod) {
				return nil, nil
			}
			return nil, errUnchanged
		}
		p.Pending = ""
		p.UpdatedAt = now
		if outcome == psp.Failed {
			if pe, ok := errors.AsType[*psp.Error](callErr); ok && (pe.Type == psp.ErrorTypeCard || op == OpConfirm) {
				p.Failure = Failure{Code: pe.Code, DeclineCode: pe.DeclineCode, Message: pe.Message}
			}
			return nil, nil
		}
		if op == OpCreate {
			p.PSPReference = in.Ref
		}
		if op == OpConfirm {
			p.Failure = Failure{}
		}
		moved, entries, err := Apply(*p, ObserveIntent(in), Cause{Kind: CausePSPResponse, Detail: string(op)}, now)
		if err != nil {
			s.log.ErrorContext(ctx, "PSP answer contradicts the payment", "payment_id", id, "op", string(op), "err", err)
			return nil, nil // keep what we know; the events will tell
		}
		*p = moved
		return entries, nil
	})
	if err != nil {
		return nil, fmt.Errorf("record %s of payment %s: %w", op, id, err)
	}
	if outcome == psp.Failed {
		return p, fmt.Errorf("%s payment %s: %w", op, id, callErr)
	}
	return p, nil
}

var errUnchanged = errors.New("unchanged")

// update loads a payment in a transaction, lets fn change it, and stores it
// with fn's log entries and their events. When another writer moved the
// payment in between it starts again on fresh data. fn returning
// errUnchanged stores nothing; then also, which runs in the same transaction
// after a save, does not run either.
func (s *Service) update(ctx context.Context, id string, fn func(p *Payment, now time.Time) ([]Entry, error),
	also ...func(ctx context.Context, q store.PaymentTx, p *Payment) error) (*Payment, error) {
	ctx = context.WithoutCancel(ctx)
	var out *Payment
	err := s.retryTx(ctx, func(q *tx) error {
		p, err := load(ctx, q, id)
		if err != nil {
			return err
		}
		entries, err := fn(p, s.clk.Now())
		out = p
		if errors.Is(err, errUnchanged) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.save(ctx, q, p, entries); err != nil {
			return err
		}
		for _, fn := range also {
			if err := fn(ctx, q, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func load(ctx context.Context, q store.PaymentQueries, id string) (*Payment, error) {
	rec, err := q.PaymentGet(ctx, id)
	if err != nil {
		return nil, err
	}
	return fromRecord(rec)
}

// save stores p, its new log entries and an event for each, and when an
// entry ends the payment, calls Config.EndedFunc.
func (s *Service) save(ctx context.Context, q store.PaymentTx, p *Payment, entries []Entry) error {
	if p.Status.Terminal() {
		p.Pending = "" // nothing is left to settle
	}
	rec, err := p.record()
	if err != nil {
		return err
	}
	if err := q.PaymentSave(ctx, rec, entryRecords(p.ID, entries)...); err != nil {
		return err
	}
	p.Version = rec.Version
	noteMoves(q, p, entries)
	var evs []*store.DomainEvent
	for _, e := range entries {
		evs = append(evs, s.paymentEvent(p, e))
		s.log.InfoContext(ctx, "payment moved", "payment_id", p.ID, "from", string(e.From), "to", string(e.To),
			"cause", string(e.Cause.Kind), "psp_event_id", e.Cause.EventID)
	}
	if err := q.DomainEventAppend(ctx, evs...); err != nil {
		return err
	}
	if s.ended != nil && len(entries) > 0 && entries[len(entries)-1].To.Terminal() {
		if err := s.ended(ctx, q, p); err != nil {
			return fmt.Errorf("payment %s ended: %w", p.ID, err)
		}
	}
	return nil
}

// Hold runs fn in a transaction holding payment id as it is when that
// transaction commits: the payment is written back unchanged first, so a
// concurrent move of it conflicts and one of the two is redone on fresh
// data. This is how something is attached to a payment atomically with
// its status, such as a task token that must resume when it ends (p
// already terminal: resume now; not yet: EndedFunc will see the token).
func (s *Service) Hold(ctx context.Context, id string, fn func(ctx context.Context, q store.PaymentTx, p *Payment) error) (*Payment, error) {
	p, err := s.update(ctx, id, func(*Payment, time.Time) ([]Entry, error) { return nil, nil }, fn)
	if err != nil {
		return nil, fmt.Errorf("hold payment %s: %w", id, err)
	}
	return p, nil
}

// begin marks op as pending on payment id after check approves it, with a
// new attempt unless check asks to repeat the pending one. It refuses with
// ErrBusy when another writer got there first, so concurrent callers never
// make two calls.
func (s *Service) begin(ctx context.Context, id string, op Operation, check func(p *Payment) (repeat bool, err error)) (*Payment, error) {
	var out *Payment
	err := s.inTx(ctx, func(q *tx) error {
		p, err := load(ctx, q, id)
		if err != nil {
			return err
		}
		repeat, err := check(p)
		if err != nil {
			return err
		}
		out = p
		if repeat {
			return nil
		}
		if p.Pending != "" {
			return fmt.Errorf("payment %s: %s pending: %w", id, p.Pending, ErrBusy)
		}
		p.Pending = op
		*p.Attempts.of(op)++
		p.UpdatedAt = s.clk.Now()
		return s.save(ctx, q, p, nil)
	})
	if errors.Is(err, store.ErrConflict) && !errors.Is(err, ErrBusy) {
		err = fmt.Errorf("payment %s: %w", id, ErrBusy)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// stale reports whether p's pending call has gone unanswered long enough to
// be taken for lost rather than in flight, so that repeating it does not
// race the first caller.
func (s *Service) stale(p *Payment) bool {
	return !p.UpdatedAt.After(s.clk.Now().Add(-s.settle))
}

// ensureCreated makes sure the PSP has the payment, creating it (again)
// when the first try failed or was lost.
func (s *Service) ensureCreated(ctx context.Context, p *Payment) (*Payment, error) {
	if p.PSPReference != "" {
		return p, nil
	}
	p, err := s.begin(ctx, p.ID, OpCreate, func(p *Payment) (bool, error) {
		if p.Status != Created {
			return false, &StateError{PaymentID: p.ID, Status: p.Status, Op: OpCreate, Reason: "it is no longer new"}
		}
		return p.Pending == OpCreate && s.stale(p), nil
	})
	if err != nil {
		return nil, err
	}
	if p.PSPReference != "" {
		return p, nil
	}
	p, err = s.callCreate(ctx, p)
	if err != nil {
		return p, err
	}
	if p.PSPReference == "" {
		return p, fmt.Errorf("payment %s: the PSP has not confirmed its creation yet: %w", p.ID, ErrBusy)
	}
	return p, nil
}

// ConfirmParams confirms a payment.
type ConfirmParams struct {
	PaymentMethod string // the PSP's token ("pm_…"), never card data
	ReturnURL     string // where 3-D Secure sends the customer back to
}

// Confirm attempts the payment with a payment method. The payment ends
// later, on the PSP's event; Confirm returns it processing, requiring
// action (see NextActionURL) or authorised. A decline is an error wrapping
// the *psp.Error, and the payment stays created with its Failure set.
func (s *Service) Confirm(ctx context.Context, id string, in ConfirmParams) (*Payment, error) {
	if in.PaymentMethod == "" {
		return nil, &InvalidError{Param: "payment_method", Message: "required: a payment-method token from the PSP"}
	}
	p, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Status != Created {
		return nil, &StateError{PaymentID: id, Status: p.Status, Op: OpConfirm, Reason: "only a created payment can be confirmed"}
	}
	if p, err = s.ensureCreated(ctx, p); err != nil {
		return p, err
	}
	p, err = s.begin(ctx, id, OpConfirm, func(p *Payment) (bool, error) {
		if p.Status != Created {
			return false, &StateError{PaymentID: id, Status: p.Status, Op: OpConfirm, Reason: "only a created payment can be confirmed"}
		}
		if p.Pending == OpConfirm && p.PaymentMethod.Token == in.PaymentMethod && s.stale(p) {
			return true, nil // the same confirmation, unanswered for long: repeat its key
		}
		if p.Pending == "" {
			p.PaymentMethod = Method{Token: in.PaymentMethod}
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return s.callConfirm(ctx, p, in.ReturnURL)
}

func (s *Service) callConfirm(ctx context.Context, p *Payment, returnURL string) (*Payment, error) {
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	in, err := callPSP(s, p.PSP, string(OpConfirm), func(pr psp.Provider) (*psp.Intent, error) {
		return pr.Confirm(cctx, psp.ConfirmParams{
			IdempotencyKey: p.IdempotencyKey(OpConfirm), Ref: p.PSPReference, PaymentMethod: p.PaymentMethod.Token, ReturnURL: returnURL,
		})
	})
	return s.record(cctx, p.ID, OpConfirm, p.Attempts.Confirm, in, err)
}

// Capture captures an authorised payment: amount minor units of it, or all
// of it when amount is 0. It stays requires_capture until the PSP's event
// says the money moved.
func (s *Service) Capture(ctx context.Context, id string, amount int64) (*Payment, error) {
	p, err := s.begin(ctx, id, OpCapture, func(p *Payment) (bool, error) {
		if p.Status != RequiresCapture {
			return false, &StateError{PaymentID: id, Status: p.Status, Op: OpCapture, Reason: "only an authorised payment (requires_capture) can be captured"}
		}
		if amount < 0 || amount > p.Amount.Minor {
			return false, &InvalidError{Param: "amount_to_capture", Message: fmt.Sprintf("want 1 to %d minor units, or none for all", p.Amount.Minor)}
		}
		if amount == 0 {
			amount = p.Amount.Minor
		}
		if p.Pending == "" {
			p.AmountCaptured = amount // what is asked for, until the PSP says what it took
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return s.callCapture(ctx, p)
}

func (s *Service) callCapture(ctx context.Context, p *Payment) (*Payment, error) {
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	in, err := callPSP(s, p.PSP, string(OpCapture), func(pr psp.Provider) (*psp.Intent, error) {
		return pr.Capture(cctx, psp.CaptureParams{
			IdempotencyKey: p.IdempotencyKey(OpCapture), Ref: p.PSPReference, AmountToCapture: p.AmountCaptured,
		})
	})
	return s.record(cctx, p.ID, OpCapture, p.Attempts.Capture, in, err)
}

// Cancel cancels a payment that has not ended, or releases an
// authorisation. A payment the PSP never saw is canceled at once; others
// when the PSP's event says so.
func (s *Service) Cancel(ctx context.Context, id string) (*Payment, error) {
	canceled, err := s.update(ctx, id, func(p *Payment, now time.Time) ([]Entry, error) {
		if p.Status.Terminal() {
			return nil, &StateError{PaymentID: id, Status: p.Status, Op: OpCancel, Reason: "it has ended"}
		}
		if p.PSPReference != "" || p.Pending != "" {
			return nil, errUnchanged
		}
		moved, e, err := Transition(*p, Canceled, Cause{Kind: CauseAPI, Detail: "canceled before reaching the PSP"}, now)
		if err != nil {
			return nil, err
		}
		*p = moved
		return []Entry{e}, nil
	})
	if err != nil {
		return nil, err
	}
	if canceled.Status == Canceled {
		return canceled, nil
	}
	p, err := s.begin(ctx, id, OpCancel, func(p *Payment) (bool, error) {
		if p.Status.Terminal() {
			return false, &StateError{PaymentID: id, Status: p.Status, Op: OpCancel, Reason: "it has ended"}
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return s.callCancel(ctx, p)
}

func (s *Service) callCancel(ctx context.Context, p *Payment) (*Payment, error) {
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	in, err := callPSP(s, p.PSP, string(OpCancel), func(pr psp.Provider) (*psp.Intent, error) {
		return pr.Cancel(cctx, psp.CancelParams{IdempotencyKey: p.IdempotencyKey(OpCancel), Ref: p.PSPReference})
	})
	return s.record(cctx, p.ID, OpCancel, p.Attempts.Cancel, in, err)
}

// Get returns a payment.
func (s *Service) Get(ctx context.Context, id string) (*Payment, error) {
	return s.get(ctx, id)
}

func (s *Service) get(ctx context.Context, id string) (*Payment, error) {
	p, err := load(ctx, s.st, id)
	if err != nil {
		return nil, fmt.Errorf("get payment: %w", err)
	}
	return p, nil
}

// Log returns a payment's transition log.
func (s *Service) Log(ctx context.Context, id string) ([]Entry, error) {
	recs, err := s.st.PaymentTransitionList(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("payment %s log: %w", id, err)
	}
	out := make([]Entry, len(recs))
	for i, r := range recs {
		out[i] = entryFromRecord(r)
	}
	return out, nil
}

// ListParams selects payments, newest first.
type ListParams = store.PaymentFilter

// List pages through payments.
func (s *Service) List(ctx context.Context, f ListParams) ([]*Payment, string, error) {
	recs, next, err := s.st.PaymentList(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("list payments: %w", err)
	}
	out := make([]*Payment, len(recs))
	for i, r := range recs {
		if out[i], err = fromRecord(r); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// Settle finishes the PSP call of a payment whose answer was lost: it makes
// the call again with the same idempotency key, so the PSP does it at most
// once, and then reads the payment's status from the PSP, which may end
// it. A payment with nothing pending is returned as is.
func (s *Service) Settle(ctx context.Context, id string) (*Payment, error) {
	p, err := s.get(ctx, id)
	if err != nil || p.Pending == "" {
		return p, err
	}
	op := p.Pending
	s.log.InfoContext(ctx, "settling a PSP call", "payment_id", id, "op", string(op), "idempotency_key", p.IdempotencyKey(op))
	switch op {
	case OpCreate:
		p, err = s.callCreate(ctx, p)
	case OpConfirm:
		p, err = s.callConfirm(ctx, p, "")
	case OpCapture:
		p, err = s.callCapture(ctx, p)
	case OpCancel:
		p, err = s.callCancel(ctx, p)
	default:
		return p, fmt.Errorf("payment %s: unknown pending operation %q", id, op)
	}
	if err != nil || p.Pending != "" || p.PSPReference == "" {
		return p, err
	}
	return s.readStatus(ctx, p)
}

// readStatus reads the intent from the PSP and applies its status: a PSP
// status read, which may end the payment.
func (s *Service) readStatus(ctx context.Context, p *Payment) (*Payment, error) {
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	in, err := s.retrieve(cctx, p)
	if err != nil {
		return p, err
	}
	return s.update(cctx, p.ID, func(p *Payment, now time.Time) ([]Entry, error) {
		moved, entries, err := Apply(*p, ObserveIntent(in), Cause{Kind: CausePSPStatus}, now)
		if err != nil {
			return nil, err
		}
		if len(entries) == 0 {
			return nil, errUnchanged
		}
		*p = moved
		return entries, nil
	})
}

// retrieve reads p's intent from its PSP.
func (s *Service) retrieve(ctx context.Context, p *Payment) (*psp.Intent, error) {
	in, err := callPSP(s, p.PSP, CallRetrieve, func(pr psp.Provider) (*psp.Intent, error) { return pr.Retrieve(ctx, p.PSPReference) })
	if err != nil {
		return nil, fmt.Errorf("read payment %s from %s: %w", p.ID, p.PSP, err)
	}
	return in, nil
}

// FillMethod completes the card summary (brand, last4, expiry) of a
// payment whose method is known by its token only, as a webhook event that
// overtook the PSP's answer leaves it, by reading the intent from the PSP.
// Other payments are returned as they are. It changes nothing else.
func (s *Service) FillMethod(ctx context.Context, id string) (*Payment, error) {
	p, err := s.get(ctx, id)
	if err != nil || p.PaymentMethod.Token == "" || p.PaymentMethod.Last4 != "" || p.PSPReference == "" {
		return p, err
	}
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	in, err := s.retrieve(cctx, p)
	if err != nil {
		return p, err
	}
	if !p.fillMethod(in.PaymentMethod) {
		return p, nil
	}
	return s.update(cctx, id, func(p *Payment, now time.Time) ([]Entry, error) {
		if !p.fillMethod(in.PaymentMethod) {
			return nil, errUnchanged
		}
		return nil, nil
	})
}

// SettlePending settles every payment and refund whose PSP call has gone
// unanswered for Config.SettleAfter, up to limit of each, and returns how
// many it settled. A loop calls it; tests call it themselves.
func (s *Service) SettlePending(ctx context.Context, limit int) (int, error) {
	before := s.clk.Now().Add(-s.settle)
	ps, err := s.st.PaymentListPending(ctx, before, limit)
	if err != nil {
		return 0, fmt.Errorf("settle: %w", err)
	}
	n := 0
	var errs []error
	for _, rec := range ps {
		p, err := s.Settle(ctx, rec.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if p.Pending == "" {
			n++
		}
	}
	rs, err := s.st.RefundListPending(ctx, before, limit)
	if err != nil {
		return n, errors.Join(append(errs, fmt.Errorf("settle: %w", err))...)
	}
	for _, rec := range rs {
		r, err := s.SettleRefund(ctx, rec.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !r.Pending {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// EventData is the data of the outbox events about payments and refunds
// ("payment.succeeded", "refund.created", …), as JSON.
type EventData struct {
	ID             string `json:"id"`
	Object         string `json:"object"` // "payment" or "refund"
	PaymentID      string `json:"payment_id,omitempty"`
	Status         string `json:"status"`
	PreviousStatus string `json:"previous_status,omitempty"`
	Amount         int64  `json:"amount"`
	Currency       string `json:"currency"`
	AmountCaptured int64  `json:"amount_captured,omitempty"`
	AmountRefunded int64  `json:"amount_refunded,omitempty"`
	Customer       string `json:"customer,omitempty"`
	Cause          string `json:"cause,omitempty"`
	PSPEventID     string `json:"psp_event_id,omitempty"`
	FailureCode    string `json:"failure_code,omitempty"`
	DeclineCode    string `json:"decline_code,omitempty"`
	At             string `json:"at"`
}

func (s *Service) paymentEvent(p *Payment, e Entry) *store.DomainEvent {
	d := EventData{
		ID: p.ID, Object: "payment", Status: string(e.To), PreviousStatus: string(e.From), Amount: p.Amount.Minor,
		Currency: string(p.Amount.Currency), AmountCaptured: p.AmountCaptured, AmountRefunded: p.AmountRefunded,
		Customer: p.Customer, Cause: string(e.Cause.Kind), PSPEventID: e.Cause.EventID, At: e.At.Format(time.RFC3339Nano),
	}
	if e.To == Failed {
		d.FailureCode, d.DeclineCode = p.Failure.Code, p.Failure.DeclineCode
	}
	return s.event("payment."+string(e.To), p.ID, e.At, d)
}

func (s *Service) event(typ, objectID string, at time.Time, d EventData) *store.DomainEvent {
	b, err := json.Marshal(d)
	if err != nil {
		panic(fmt.Sprintf("payment: marshal event data: %v", err)) // plain strings and numbers
	}
	return &store.DomainEvent{ID: s.ids.New("evt"), Type: typ, ObjectID: objectID, Data: b, CreatedAt: at}
}
