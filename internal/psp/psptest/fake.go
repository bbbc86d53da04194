// Package psptest holds what tests need around psp.Provider: a conformance
// suite every provider must pass (Run), an in-memory provider (Fake) for
// other packages' unit tests, and wrappers named by the behaviour they force
// (AlwaysApproves, AlwaysDeclines, UnknownAfterSend, Unreachable, Counting).
// It is imported by tests only.
package psptest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/sandbox"
	"github.com/paystep/paystep/internal/psp/stripesig"
	"github.com/paystep/paystep/internal/psp/testcard"
)

// Start is the time fakes' clocks start at.
var Start = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// Fake is the sandbox PSP served in-process, with no network: a complete,
// stateful provider that knows Stripe's test tokens ("pm_card_visa",
// "pm_card_visa_chargeDeclined", "pm_card_authenticationRequired", …).
// Its name is "sandbox".
type Fake struct {
	*sandbox.Client
	Sandbox *sandbox.Sandbox
	Clock   *clock.Fake
	secret  stripesig.Secret
}

var (
	_ psp.Provider      = (*Fake)(nil)
	_ psp.EventVerifier = (*Fake)(nil)
)

// FakeWebhookSecret signs a Fake's events unless its Config sets another.
const FakeWebhookSecret stripesig.Secret = "whsec_psptest"

// NewFake returns a Fake on a fake clock set to Start with sequential IDs.
// cfg may set ProcessingDelay, a WebhookURL, test modes; its Clock and NewID
// are replaced. Its VerifyEvent accepts events signed with the webhook
// secret (FakeWebhookSecret by default).
func NewFake(cfg sandbox.Config) *Fake {
	clk := clock.NewFake(Start)
	cfg.Clock, cfg.NewID = clk, sandbox.Sequential()
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://sandbox.invalid"
	}
	if cfg.WebhookSecret == "" {
		cfg.WebhookSecret = FakeWebhookSecret
	}
	sb := sandbox.New(cfg)
	c := sandbox.NewClient(sandbox.ClientConfig{
		BaseURL:        cfg.BaseURL,
		APIKey:         cfg.APIKey,
		HTTPClient:     &http.Client{Transport: handlerTransport{sb}},
		Clock:          clk,
		WebhookSecrets: []stripesig.Secret{cfg.WebhookSecret},
	})
	return &Fake{Client: c, Sandbox: sb, Clock: clk, secret: cfg.WebhookSecret}
}

// SignedEvent is an event as a webhook request would carry it.
type SignedEvent struct {
	ID, Type string      // Stripe's type: "payment_intent.succeeded"
	Header   http.Header // with Stripe-Signature
	Body     []byte
}

// SignedEvents returns every event emitted so far, oldest first, signed as
// a delivery now would be: feed them to a webhook intake, shuffled,
// duplicated or tampered with as a test needs.
func (f *Fake) SignedEvents() []SignedEvent {
	var out []SignedEvent
	for _, ev := range f.Sandbox.Events() {
		h := http.Header{}
		h.Set(stripesig.HeaderName, stripesig.Sign(f.Clock.Now(), ev.Body, f.secret))
		out = append(out, SignedEvent{ID: ev.ID, Type: ev.Type, Header: h, Body: ev.Body})
	}
	return out
}

// Authenticate answers an intent's 3-D Secure challenge.
func (f *Fake) Authenticate(ref string, approve bool) error {
	return f.Sandbox.CompleteChallenge(ref, approve)
}

// Settle advances the clock by d and performs what became due.
func (f *Fake) Settle(ctx context.Context, d time.Duration) {
	f.Clock.Advance(d)
	f.Sandbox.RunDue(ctx)
}

// handlerTransport serves requests with a handler in-process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// methodSwap replaces every payment method with a fixed token.
type methodSwap struct {
	psp.Provider
	token string
}

func (m methodSwap) Create(ctx context.Context, p psp.CreateParams) (*psp.Intent, error) {
	if p.PaymentMethod != "" {
		p.PaymentMethod = m.token
	}
	return m.Provider.Create(ctx, p)
}

func (m methodSwap) Confirm(ctx context.Context, p psp.ConfirmParams) (*psp.Intent, error) {
	p.PaymentMethod = m.token
	return m.Provider.Confirm(ctx, p)
}

// AlwaysApproves is a Fake on which every payment method is charged
// successfully, whatever token is given.
func AlwaysApproves() psp.Provider {
	return methodSwap{Provider: NewFake(sandbox.Config{}), token: "pm_card_visa"}
}

// AlwaysDeclines is a Fake on which every payment is declined with
// declineCode ("generic_decline", "insufficient_funds", "lost_card",
// "stolen_card", "expired_card", "incorrect_cvc", "processing_error", …).
func AlwaysDeclines(declineCode string) psp.Provider {
	for _, c := range testcard.Cards {
		if c.Behaviour == testcard.Declines && c.DeclineCode == declineCode && c.Token != "" {
			return methodSwap{Provider: NewFake(sandbox.Config{}), token: c.Token}
		}
	}
	panic(fmt.Sprintf("psptest: no test card declines with %q", declineCode))
}

// ErrSimulatedReset is the cause inside the errors UnknownAfterSend returns.
var ErrSimulatedReset = errors.New("psptest: connection reset after the request was sent (simulated)")

// UnknownAfterSendProvider is what UnknownAfterSend returns.
type UnknownAfterSendProvider struct {
	psp.Provider
	mu   sync.Mutex
	left int
}

// UnknownAfterSend wraps p so that its first n mutating calls reach p (and
// take effect there) but answer with an Unknown outcome, as a connection
// reset after sending would. Later calls pass through; retrying with the same
// idempotency key then returns what p did.
func UnknownAfterSend(p psp.Provider, n int) *UnknownAfterSendProvider {
	return &UnknownAfterSendProvider{Provider: p, left: n}
}

func (u *UnknownAfterSendProvider) lose(op string, err error) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.left == 0 {
		return err
	}
	u.left--
	return &psp.Error{Provider: u.Name(), Op: op, Outcome: psp.Unknown, Type: psp.ErrorTypeConnection, Err: ErrSimulatedReset}
}

func (u *UnknownAfterSendProvider) Create(ctx context.Context, p psp.CreateParams) (*psp.Intent, error) {
	in, err := u.Provider.Create(ctx, p)
	if lerr := u.lose("create", err); lerr != err {
		return nil, lerr
	}
	return in, err
}

func (u *UnknownAfterSendProvider) Confirm(ctx context.Context, p psp.ConfirmParams) (*psp.Intent, error) {
	in, err := u.Provider.Confirm(ctx, p)
	if lerr := u.lose("confirm", err); lerr != err {
		return nil, lerr
	}
	return in, err
}

func (u *UnknownAfterSendProvider) Capture(ctx context.Context, p psp.CaptureParams) (*psp.Intent, error) {
	in, err := u.Provider.Capture(ctx, p)
	if lerr := u.lose("capture", err); lerr != err {
		return nil, lerr
	}
	return in, err
}

func (u *UnknownAfterSendProvider) Cancel(ctx context.Context, p psp.CancelParams) (*psp.Intent, error) {
	in, err := u.Provider.Cancel(ctx, p)
	if lerr := u.lose("cancel", err); lerr != err {
		return nil, lerr
	}
	return in, err
}

func (u *UnknownAfterSendProvider) Refund(ctx context.Context, p psp.RefundParams) (*psp.Refund, error) {
	re, err := u.Provider.Refund(ctx, p)
	if lerr := u.lose("refund", err); lerr != err {
		return nil, lerr
	}
	return re, err
}

// Unreachable is a provider no request reaches: every call fails for certain
// (connection refused before anything was sent).
type Unreachable struct{}

var _ psp.Provider = Unreachable{}

func (Unreachable) err(op string) error {
	return &psp.Error{Provider: "unreachable", Op: op, Outcome: psp.Failed, Type: psp.ErrorTypeConnection,
		Err: errors.New("psptest: connection refused (simulated)")}
}

func (Unreachable) Name() string { return "unreachable" }
func (u Unreachable) Create(context.Context, psp.CreateParams) (*psp.Intent, error) {
	return nil, u.err("create")
}
func (u Unreachable) Confirm(context.Context, psp.ConfirmParams) (*psp.Intent, error) {
	return nil, u.err("confirm")
}
func (u Unreachable) Capture(context.Context, psp.CaptureParams) (*psp.Intent, error) {
	return nil, u.err("capture")
}
func (u Unreachable) Cancel(context.Context, psp.CancelParams) (*psp.Intent, error) {
	return nil, u.err("cancel")
}
func (u Unreachable) Refund(context.Context, psp.RefundParams) (*psp.Refund, error) {
	return nil, u.err("refund")
}
func (u Unreachable) Retrieve(context.Context, string) (*psp.Intent, error) {
	return nil, u.err("retrieve")
}
func (u Unreachable) RetrieveRefund(context.Context, string) (*psp.Refund, error) {
	return nil, u.err("retrieve_refund")
}

// CountingProvider counts the calls that reach its provider, by operation.
type CountingProvider struct {
	psp.Provider
	mu    sync.Mutex
	calls map[string]int
}

// Counting wraps p to count calls: "create", "confirm", "capture",
// "cancel", "refund", "retrieve", "retrieve_refund".
func Counting(p psp.Provider) *CountingProvider {
	return &CountingProvider{Provider: p, calls: map[string]int{}}
}

// Calls returns how many op calls were made.
func (c *CountingProvider) Calls(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

func (c *CountingProvider) count(op string) {
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
}

func (c *CountingProvider) Create(ctx context.Context, p psp.CreateParams) (*psp.Intent, error) {
	c.count("create")
	return c.Provider.Create(ctx, p)
}

func (c *CountingProvider) Confirm(ctx context.Context, p psp.ConfirmParams) (*psp.Intent, error) {
	c.count("confirm")
	return c.Provider.Confirm(ctx, p)
}

func (c *CountingProvider) Capture(ctx context.Context, p psp.CaptureParams) (*psp.Intent, error) {
	c.count("capture")
	return c.Provider.Capture(ctx, p)
}

func (c *CountingProvider) Cancel(ctx context.Context, p psp.CancelParams) (*psp.Intent, error) {
	c.count("cancel")
	return c.Provider.Cancel(ctx, p)
}

func (c *CountingProvider) Refund(ctx context.Context, p psp.RefundParams) (*psp.Refund, error) {
	c.count("refund")
	return c.Provider.Refund(ctx, p)
}

func (c *CountingProvider) Retrieve(ctx context.Context, ref string) (*psp.Intent, error) {
	c.count("retrieve")
	return c.Provider.Retrieve(ctx, ref)
}

func (c *CountingProvider) RetrieveRefund(ctx context.Context, ref string) (*psp.Refund, error) {
	c.count("retrieve_refund")
	return c.Provider.RetrieveRefund(ctx, ref)
}
