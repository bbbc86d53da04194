// Package webhook is the intake of PSP webhooks: /webhooks/sandbox,
// /webhooks/stripe, one psp.EventVerifier per provider.
//
// A request is handled in this order:
//
//  1. The raw body is read, at most Config.MaxBodyBytes (413 beyond).
//  2. The provider's verifier checks the signature on those raw bytes
//     (Stripe-Signature: t=…,v1=…, every active secret, a tolerance on the
//     timestamp from the injected clock) and parses the event. A bad or
//     stale signature, or a body that is not an event, gets 400 and changes
//     nothing.
//  3. In ONE transaction: the raw event is stored (webhook_events, kept for
//     audit), which de-duplicates it: (provider, event id) is unique, and a
//     duplicate gets 200 and changes nothing. Then the payment service
//     applies it (payment.Service.ApplyEvent): the transition, its log
//     entry with the event's ID, and the outgoing domain event; an event
//     older than the payment's state never moves it back. When the event
//     ends the payment, payment.Config.EndedFunc (package paytask) records
//     in the same transaction the resumption of every task token waiting on
//     the payment: a row of the task_resumptions outbox, "resume token T
//     with outcome O". Finally the event is marked processed.
//  4. After the commit Config.CommittedFunc wakes the outbox's dispatcher
//     (paytask.Dispatcher), which sends each resumption to the engine
//     (SendTaskSuccess, SendTaskFailure) and marks it delivered. The engine
//     commits in its own transaction, so the outbox is what makes the
//     resumption exactly-once in effect: a delivery a crash interrupted is
//     made again on the next poll or start, and the engine answers a repeat
//     with TaskTimedOut (no longer awaited), which counts as delivered.
//
// A transaction that lost a race with another writer of the payment
// (store.ErrConflict) is run again from the start. A verified event the
// payment's lifecycle refuses (a transition the table does not allow) is
// stored and marked processed without changing the payment, and logged as
// an error for an operator: redelivering it would not help. Other failures
// answer 500 and change nothing, so the PSP delivers the event again.
//
// Bodies are never logged: they may carry personal data.
package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/store"
)

// Config configures an Intake.
type Config struct {
	Clock  clock.Clock  // Defaults to clock.System{}.
	Logger *slog.Logger // Defaults to discarding.
	// MaxBodyBytes limits a webhook body. Defaults to 512 KiB.
	MaxBodyBytes int64
	// MaxConflictRetries is how often a transaction that lost a race with
	// another writer is run again. Defaults to 10.
	MaxConflictRetries int
	// CommittedFunc, when set, is called after an event changed a payment
	// and its transaction committed: it wakes the resumption dispatcher.
	CommittedFunc func()
}

// Intake handles POST /webhooks/{provider}.
type Intake struct {
	svc       *payment.Service
	verifiers map[string]psp.EventVerifier
	clk       clock.Clock
	log       *slog.Logger
	cfg       Config

	mu    sync.Mutex
	stats Stats
}

// New returns the intake for the providers' verifiers, by provider name
// ("sandbox", "stripe"), applying events through svc to its store.
// Its transactions run through svc (payment.Service.InTx), which counts
// what they did once they commit.
func New(svc *payment.Service, verifiers map[string]psp.EventVerifier, cfg Config) *Intake {
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 512 << 10
	}
	if cfg.MaxConflictRetries <= 0 {
		cfg.MaxConflictRetries = 10
	}
	return &Intake{svc: svc, verifiers: verifiers, clk: cfg.Clock, log: cfg.Logger, cfg: cfg, stats: Stats{}}
}

// Outcome is what became of a webhook request, in Stats.
type Outcome string

// The outcomes.
const (
	Applied         Outcome = "applied"          // it moved a payment or settled a refund
	Ignored         Outcome = "ignored"          // stored, but stale or about nothing paystep knows: nothing changed
	Duplicate       Outcome = "duplicate"        // stored before: nothing changed
	Refused         Outcome = "refused"          // the payment's lifecycle refused it: stored, not applied
	BadSignature    Outcome = "bad_signature"    // its signature or body was refused (400)
	BadRequest      Outcome = "bad_request"      // not a POST, or a body too large or unreadable
	UnknownProvider Outcome = "unknown_provider" // for a provider not configured (404), counted as provider "unknown"
	Failed          Outcome = "error"            // not processed (500): the PSP delivers it again
)

// StatsKey is a provider ("unknown" for one not configured) and an outcome.
type StatsKey struct {
	Provider string
	Outcome  Outcome
}

// Stats counts the webhook requests an Intake answered, for metrics.
type Stats map[StatsKey]uint64

// Stats returns the counts so far. The result is a copy.
func (in *Intake) Stats() Stats {
	in.mu.Lock()
	defer in.mu.Unlock()
	return maps.Clone(in.stats)
}

// count counts a request for provider, named by the request: a provider not
// configured counts as "unknown", so the label stays bounded.
func (in *Intake) count(provider string, o Outcome) {
	if _, ok := in.verifiers[provider]; !ok {
		provider = "unknown"
	}
	in.mu.Lock()
	in.stats[StatsKey{provider, o}]++
	in.mu.Unlock()
}

// Result is what became of an event.
type Result struct {
	EventID   string
	Duplicate bool   // stored before: nothing changed
	PaymentID string // the payment it is about, "" if none paystep knows
	Changed   bool   // the event moved the payment or a refund
	Refused   string // why the payment's lifecycle refused it, if it did
}

// VerifyError is a request whose signature or body was refused.
type VerifyError struct {
	Provider string
	Err      error
}

func (e *VerifyError) Error() string { return e.Provider + " webhook: " + e.Err.Error() }
func (e *VerifyError) Unwrap() error { return e.Err }

// ErrUnknownProvider is a webhook for a provider that is not configured.
var ErrUnknownProvider = errors.New("webhook: unknown provider")

// Receive verifies and processes one webhook request's raw body. Errors are
// *VerifyError (refuse it, 400), ErrUnknownProvider (404) or failures to
// retry (500).
func (in *Intake) Receive(ctx context.Context, provider string, header http.Header, body []byte) (*Result, error) {
	res, err := in.receive(ctx, provider, header, body)
	var o Outcome
	switch {
	case errors.As(err, new(*VerifyError)):
		o = BadSignature
	case errors.Is(err, ErrUnknownProvider):
		o = UnknownProvider
	case err != nil:
		o = Failed
	case res.Duplicate:
		o = Duplicate
	case res.Refused != "":
		o = Refused
	case res.Changed:
		o = Applied
	default:
		o = Ignored
	}
	in.count(provider, o)
	return res, err
}

func (in *Intake) receive(ctx context.Context, provider string, header http.Header, body []byte) (*Result, error) {
	v, ok := in.verifiers[provider]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownProvider, provider)
	}
	ev, err := v.VerifyEvent(header, body)
	if err != nil {
		return nil, &VerifyError{Provider: provider, Err: err}
	}
	if ev.Provider != provider || ev.ID == "" {
		return nil, &VerifyError{Provider: provider, Err: fmt.Errorf("the event names provider %q and id %q", ev.Provider, ev.ID)}
	}
	ctx = context.WithoutCancel(ctx) // a verified event is processed even if the PSP hangs up
	for try := 0; ; try++ {
		res, err := in.process(ctx, ev, body)
		if errors.Is(err, store.ErrConflict) && try < in.cfg.MaxConflictRetries {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s event %s: %w", provider, ev.ID, err)
		}
		return res, nil
	}
}

// process runs the transaction of one verified event.
func (in *Intake) process(ctx context.Context, ev *psp.Event, body []byte) (*Result, error) {
	res := &Result{EventID: ev.ID}
	err := in.svc.InTx(ctx, func(q store.PaymentTx) error {
		*res = Result{EventID: ev.ID}
		now := in.clk.Now()
		err := q.WebhookEventInsert(ctx, &store.WebhookEvent{Provider: ev.Provider, EventID: ev.ID, Type: ev.ProviderType, Body: body, ReceivedAt: now})
		if errors.Is(err, store.ErrExists) {
			res.Duplicate = true
			return nil
		}
		if err != nil {
			return err
		}
		p, changed, err := in.svc.ApplyEvent(ctx, q, ev)
		var te *payment.TransitionError
		if errors.As(err, &te) {
			res.Refused = err.Error()
		} else if err != nil {
			return err
		}
		if p != nil {
			res.PaymentID = p.ID
		}
		res.Changed = changed
		return q.WebhookEventMarkProcessed(ctx, ev.Provider, ev.ID, now)
	})
	if err != nil {
		return nil, err
	}
	switch {
	case res.Refused != "":
		in.log.ErrorContext(ctx, "webhook event refused by the payment's lifecycle; stored, not applied", "psp", ev.Provider,
			"psp_event_id", ev.ID, "type", ev.ProviderType, "payment_id", res.PaymentID, "err", res.Refused)
	default:
		in.log.InfoContext(ctx, "webhook event", "psp", ev.Provider, "psp_event_id", ev.ID, "type", ev.ProviderType,
			"payment_id", res.PaymentID, "duplicate", res.Duplicate, "changed", res.Changed)
	}
	if res.Changed && in.cfg.CommittedFunc != nil {
		in.cfg.CommittedFunc()
	}
	return res, nil
}

type errorJSON struct {
	Error struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type receivedJSON struct {
	Received  bool `json:"received"`
	Duplicate bool `json:"duplicate,omitempty"`
}

// ServeHTTP handles POST /webhooks/{provider}.
func (in *Intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	provider := strings.Trim(strings.TrimPrefix(r.URL.Path, "/webhooks/"), "/")
	if r.Method != http.MethodPost {
		in.count(provider, BadRequest)
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "webhooks are delivered with POST")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, in.cfg.MaxBodyBytes))
	if err != nil {
		in.count(provider, BadRequest)
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the body is larger than %d bytes", in.cfg.MaxBodyBytes))
			return
		}
		writeError(w, http.StatusBadRequest, "body_unreadable", "the body could not be read")
		return
	}
	res, err := in.Receive(r.Context(), provider, r.Header, body)
	var ve *VerifyError
	switch {
	case errors.As(err, &ve):
		in.log.WarnContext(r.Context(), "webhook refused", "psp", provider, "err", ve.Err)
		writeError(w, http.StatusBadRequest, "signature_invalid", ve.Error())
		return
	case errors.Is(err, ErrUnknownProvider):
		writeError(w, http.StatusNotFound, "unknown_provider", fmt.Sprintf("no PSP named %q is configured: webhooks go to /webhooks/<provider>", provider))
		return
	case err != nil:
		in.log.ErrorContext(r.Context(), "webhook not processed; the PSP will deliver it again", "psp", provider, "err", err)
		writeError(w, http.StatusInternalServerError, "internal_error", "the event was not processed; deliver it again later")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(receivedJSON{Received: true, Duplicate: res.Duplicate})
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e errorJSON
	e.Error.Type, e.Error.Code, e.Error.Message = "invalid_request_error", code, msg
	if status >= 500 {
		e.Error.Type = "api_error"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(e)
}
