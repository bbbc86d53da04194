// Package stripe is the psp.Provider for Stripe, over stripe-go: Stripe's
// PaymentIntents with paystep's idempotency keys, Stripe's errors mapped to
// psp outcomes, and webhook events verified with psp/stripesig (every v1
// signature against every active secret, 300 s tolerance) and normalised.
package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	sg "github.com/stripe/stripe-go/v85"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/stripesig"
)

// Name is the provider's name: webhooks arrive at /webhooks/stripe.
const Name = "stripe"

// Config configures a Client.
type Config struct {
	// APIKey is the secret key ("sk_live_…", "sk_test_…"). Required.
	APIKey stripesig.Secret
	// WebhookSecrets are the active endpoint signing secrets ("whsec_…");
	// an event signed with any of them is accepted.
	WebhookSecrets []stripesig.Secret
	// Tolerance for webhook timestamps. Defaults to 300 s.
	Tolerance time.Duration
	// BaseURL is the API's address. Defaults to Stripe's; tests point it at
	// stripe-mock.
	BaseURL string
	// HTTPClient defaults to a client with no overall timeout (each call
	// gets Timeout through its context).
	HTTPClient *http.Client
	// Timeout bounds each call. Defaults to 30 s.
	Timeout time.Duration
	// MaxNetworkRetries is how often stripe-go itself retries a call that
	// failed on the network, with the same idempotency key. Defaults to 0:
	// paystep settles unknown outcomes itself, from stored state.
	MaxNetworkRetries int64
	Clock             clock.Clock  // Defaults to clock.System{}.
	Logger            *slog.Logger // stripe-go's own messages go here at debug level. Defaults to discarding.
}

// Client is the Stripe provider.
type Client struct {
	cfg    Config
	api    *sg.Client
	verify stripesig.Verifier
}

var (
	_ psp.Provider      = (*Client)(nil)
	_ psp.EventVerifier = (*Client)(nil)
)

// New returns a Stripe client.
func New(cfg Config) (*Client, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("stripe: no API key configured")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	bc := &sg.BackendConfig{
		HTTPClient:        cfg.HTTPClient,
		MaxNetworkRetries: sg.Int64(cfg.MaxNetworkRetries),
		LeveledLogger:     slogLogger{cfg.Logger},
		EnableTelemetry:   sg.Bool(false),
	}
	if cfg.BaseURL != "" {
		bc.URL = sg.String(strings.TrimRight(cfg.BaseURL, "/"))
	}
	api := sg.NewClient(string(cfg.APIKey), sg.WithBackends(sg.NewBackendsWithConfig(bc)))
	return &Client{
		cfg:    cfg,
		api:    api,
		verify: stripesig.Verifier{Secrets: cfg.WebhookSecrets, Tolerance: cfg.Tolerance, Clock: cfg.Clock},
	}, nil
}

// slogLogger passes stripe-go's messages to slog at debug level: the
// adapter returns errors rather than logging them.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Debugf(format string, v ...any) {
	s.l.Debug("stripe-go: " + fmt.Sprintf(format, v...))
}
func (s slogLogger) Infof(format string, v ...any) {
	s.l.Debug("stripe-go: " + fmt.Sprintf(format, v...))
}
func (s slogLogger) Warnf(format string, v ...any) {
	s.l.Debug("stripe-go: " + fmt.Sprintf(format, v...))
}
func (s slogLogger) Errorf(format string, v ...any) {
	s.l.Debug("stripe-go: " + fmt.Sprintf(format, v...))
}

// Name returns "stripe".
func (c *Client) Name() string { return Name }

// expand asks for the payment method and the charge inline: the card
// summary and the refunded amount live there.
var expand = []*string{sg.String("payment_method"), sg.String("latest_charge")}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return sg.String(s)
}

func (c *Client) params(ctx context.Context, key string) (sg.Params, context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	p := sg.Params{Context: ctx}
	if key != "" {
		p.IdempotencyKey = sg.String(key)
	}
	return p, ctx, cancel
}

// Create creates a PaymentIntent for cards.
func (c *Client) Create(ctx context.Context, p psp.CreateParams) (*psp.Intent, error) {
	if err := check("create", p.IdempotencyKey, true); err != nil {
		return nil, err
	}
	if p.Amount <= 0 {
		return nil, invalid("create", "amount", fmt.Sprintf("amount must be a positive number of minor units, got %d", p.Amount))
	}
	if len(p.Currency) != 3 {
		return nil, invalid("create", "currency", fmt.Sprintf("currency must be a three-letter ISO 4217 code, got %q", p.Currency))
	}
	base, ctx, cancel := c.params(ctx, p.IdempotencyKey)
	defer cancel()
	params := &sg.PaymentIntentCreateParams{
		Params:             base,
		Amount:             sg.Int64(p.Amount),
		Currency:           sg.String(strings.ToLower(p.Currency)),
		Description:        optString(p.Description),
		PaymentMethod:      optString(p.PaymentMethod),
		PaymentMethodTypes: []*string{sg.String("card")},
		Expand:             expand,
	}
	if p.CaptureMethod != "" {
		params.CaptureMethod = sg.String(string(p.CaptureMethod))
	}
	for k, v := range p.Metadata {
		params.AddMetadata(k, v)
	}
	// Stripe's customer parameter takes a Customer ID; free text is kept in
	// the metadata instead.
	if strings.HasPrefix(p.Customer, "cus_") {
		params.Customer = sg.String(p.Customer)
	} else if p.Customer != "" {
		params.AddMetadata("customer", p.Customer)
	}
	if p.Confirm {
		params.Confirm = sg.Bool(true)
		params.ReturnURL = optString(p.ReturnURL)
	}
	pi, err := c.api.V1PaymentIntents.Create(ctx, params)
	return intentResult("create", pi, err)
}

// Confirm confirms a PaymentIntent with a payment method.
func (c *Client) Confirm(ctx context.Context, p psp.ConfirmParams) (*psp.Intent, error) {
	if err := check("confirm", p.IdempotencyKey, true); err != nil {
		return nil, err
	}
	base, ctx, cancel := c.params(ctx, p.IdempotencyKey)
	defer cancel()
	pi, err := c.api.V1PaymentIntents.Confirm(ctx, p.Ref, &sg.PaymentIntentConfirmParams{
		Params: base, PaymentMethod: optString(p.PaymentMethod), ReturnURL: optString(p.ReturnURL), Expand: expand,
	})
	return intentResult("confirm", pi, err)
}

// Capture captures an authorised PaymentIntent.
func (c *Client) Capture(ctx context.Context, p psp.CaptureParams) (*psp.Intent, error) {
	if err := check("capture", p.IdempotencyKey, true); err != nil {
		return nil, err
	}
	base, ctx, cancel := c.params(ctx, p.IdempotencyKey)
	defer cancel()
	params := &sg.PaymentIntentCaptureParams{Params: base, Expand: expand}
	if p.AmountToCapture != 0 {
		params.AmountToCapture = sg.Int64(p.AmountToCapture)
	}
	pi, err := c.api.V1PaymentIntents.Capture(ctx, p.Ref, params)
	return intentResult("capture", pi, err)
}

// Cancel cancels a PaymentIntent.
func (c *Client) Cancel(ctx context.Context, p psp.CancelParams) (*psp.Intent, error) {
	if err := check("cancel", p.IdempotencyKey, true); err != nil {
		return nil, err
	}
	base, ctx, cancel := c.params(ctx, p.IdempotencyKey)
	defer cancel()
	pi, err := c.api.V1PaymentIntents.Cancel(ctx, p.Ref, &sg.PaymentIntentCancelParams{
		Params: base, CancellationReason: optString(p.Reason), Expand: expand,
	})
	return intentResult("cancel", pi, err)
}

// Refund refunds a succeeded PaymentIntent.
func (c *Client) Refund(ctx context.Context, p psp.RefundParams) (*psp.Refund, error) {
	if err := check("refund", p.IdempotencyKey, true); err != nil {
		return nil, err
	}
	base, ctx, cancel := c.params(ctx, p.IdempotencyKey)
	defer cancel()
	params := &sg.RefundCreateParams{Params: base, PaymentIntent: sg.String(p.Ref), Reason: optString(p.Reason)}
	if p.Amount != 0 {
		params.Amount = sg.Int64(p.Amount)
	}
	for k, v := range p.Metadata {
		params.AddMetadata(k, v)
	}
	re, err := c.api.V1Refunds.Create(ctx, params)
	if err != nil {
		return nil, mapError("refund", err)
	}
	return refundOf(re), nil
}

// Retrieve reads a PaymentIntent.
func (c *Client) Retrieve(ctx context.Context, ref string) (*psp.Intent, error) {
	base, ctx, cancel := c.params(ctx, "")
	defer cancel()
	pi, err := c.api.V1PaymentIntents.Retrieve(ctx, ref, &sg.PaymentIntentRetrieveParams{Params: base, Expand: expand})
	return intentResult("retrieve", pi, err)
}

// RetrieveRefund reads a refund.
func (c *Client) RetrieveRefund(ctx context.Context, ref string) (*psp.Refund, error) {
	base, ctx, cancel := c.params(ctx, "")
	defer cancel()
	re, err := c.api.V1Refunds.Retrieve(ctx, ref, &sg.RefundRetrieveParams{Params: base})
	if err != nil {
		return nil, mapError("retrieve_refund", err)
	}
	return refundOf(re), nil
}

func check(op, key string, mutating bool) error {
	if mutating && key == "" {
		return &psp.Error{Provider: Name, Op: op, Outcome: psp.Failed, Type: psp.ErrorTypeInvalidRequest,
			Code: psp.CodeParameterMissing, Param: "idempotency_key", Message: "every mutating call needs an idempotency key"}
	}
	return nil
}

func invalid(op, param, msg string) error {
	return &psp.Error{Provider: Name, Op: op, Outcome: psp.Failed, Type: psp.ErrorTypeInvalidRequest,
		Code: psp.CodeParameterInvalid, Param: param, Message: msg}
}

func intentResult(op string, pi *sg.PaymentIntent, err error) (*psp.Intent, error) {
	if err != nil {
		return nil, mapError(op, err)
	}
	return intentOf(pi), nil
}

// mapError turns a stripe-go error into a *psp.Error with its outcome.
func mapError(op string, err error) error {
	se, ok := errors.AsType[*sg.Error](err)
	if !ok {
		// Not an answer from Stripe: the network or our context.
		return &psp.Error{Provider: Name, Op: op, Outcome: psp.TransportOutcome(err), Type: psp.ErrorTypeConnection, Err: err}
	}
	e := &psp.Error{
		Provider: Name, Op: op, Outcome: psp.Failed, Type: psp.ErrorType(se.Type), Code: string(se.Code),
		DeclineCode: string(se.DeclineCode), Param: se.Param, Message: se.Msg, HTTPStatus: se.HTTPStatusCode,
		RequestID: se.RequestID,
	}
	if se.PaymentIntent != nil {
		e.Intent = intentOf(se.PaymentIntent)
	}
	switch {
	case se.HTTPStatusCode >= 500:
		e.Outcome = psp.Unknown // Stripe may have acted before failing
	case se.HTTPStatusCode == http.StatusConflict:
		e.Outcome = psp.Unknown // another request with this key is in flight
	case se.HTTPStatusCode == http.StatusTooManyRequests:
		e.Type = psp.ErrorTypeRateLimit
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		e.Type = psp.ErrorTypeAuthentication
	}
	return e
}

func intentOf(pi *sg.PaymentIntent) *psp.Intent {
	in := &psp.Intent{
		Ref: pi.ID, Status: psp.Status(pi.Status), Amount: pi.Amount, Currency: strings.ToUpper(string(pi.Currency)),
		AmountCapturable: pi.AmountCapturable, AmountReceived: pi.AmountReceived,
		CaptureMethod: psp.CaptureMethod(pi.CaptureMethod), Description: pi.Description, Metadata: pi.Metadata,
		Created: time.Unix(pi.Created, 0).UTC(),
	}
	if in.CaptureMethod == "automatic_async" {
		in.CaptureMethod = psp.CaptureAutomatic
	}
	if pm := pi.PaymentMethod; pm != nil {
		in.PaymentMethod = &psp.PaymentMethod{Token: pm.ID}
		if card := pm.Card; card != nil {
			in.PaymentMethod.Brand, in.PaymentMethod.Last4 = string(card.Brand), card.Last4
			in.PaymentMethod.ExpMonth, in.PaymentMethod.ExpYear = int(card.ExpMonth), int(card.ExpYear)
		}
	}
	if ch := pi.LatestCharge; ch != nil {
		in.AmountRefunded = ch.AmountRefunded
		if d := ch.PaymentMethodDetails; d != nil && d.Card != nil && (in.PaymentMethod == nil || in.PaymentMethod.Last4 == "") {
			in.PaymentMethod = &psp.PaymentMethod{Token: ch.PaymentMethod, Brand: string(d.Card.Brand), Last4: d.Card.Last4,
				ExpMonth: int(d.Card.ExpMonth), ExpYear: int(d.Card.ExpYear)}
		}
	}
	if e := pi.LastPaymentError; e != nil {
		in.LastError = &psp.Decline{Code: string(e.Code), DeclineCode: string(e.DeclineCode), Message: e.Msg}
	}
	if a := pi.NextAction; a != nil {
		// Without a return_url Stripe asks for its own SDK (use_stripe_sdk)
		// instead of giving a redirect: pass ReturnURL when confirming.
		in.NextAction = &psp.NextAction{Type: string(a.Type)}
		if a.RedirectToURL != nil {
			in.NextAction.RedirectURL = a.RedirectToURL.URL
		}
	}
	return in
}

func refundOf(re *sg.Refund) *psp.Refund {
	out := &psp.Refund{
		Ref: re.ID, Status: psp.RefundStatus(re.Status), Amount: re.Amount, Currency: strings.ToUpper(string(re.Currency)),
		FailureReason: string(re.FailureReason), Metadata: re.Metadata, Created: time.Unix(re.Created, 0).UTC(),
	}
	if re.PaymentIntent != nil {
		out.IntentRef = re.PaymentIntent.ID
	}
	return out
}

// VerifyEvent checks a webhook request's Stripe-Signature on the raw body
// against every active secret (every v1 signature, the configured
// tolerance), then parses the event.
func (c *Client) VerifyEvent(header http.Header, body []byte) (*psp.Event, error) {
	if _, err := c.verify.Verify(header.Get(stripesig.HeaderName), body); err != nil {
		return nil, fmt.Errorf("stripe webhook: %w", err)
	}
	return ParseEvent(body)
}

// ParseEvent parses a Stripe event body (already verified) into a
// normalised event.
func ParseEvent(body []byte) (*psp.Event, error) {
	var ev sg.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, fmt.Errorf("stripe event: %w", err)
	}
	if ev.ID == "" || ev.Type == "" || ev.Data == nil || len(ev.Data.Raw) == 0 {
		return nil, fmt.Errorf("stripe event: not an event object (id %q, type %q)", clip(ev.ID), clip(string(ev.Type)))
	}
	out := &psp.Event{
		Provider: Name, ID: ev.ID, Type: psp.EventTypeFromStripe(string(ev.Type)), ProviderType: string(ev.Type),
		Created: time.Unix(ev.Created, 0).UTC(), Livemode: ev.Livemode, Raw: body,
	}
	var kind struct {
		Object string `json:"object"`
	}
	if err := json.Unmarshal(ev.Data.Raw, &kind); err != nil {
		return nil, fmt.Errorf("stripe event %s: data.object: %w", ev.ID, err)
	}
	switch kind.Object {
	case "payment_intent":
		var pi sg.PaymentIntent
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
			return nil, fmt.Errorf("stripe event %s: payment_intent: %w", ev.ID, err)
		}
		in := intentOf(&pi)
		out.IntentRef, out.Status, out.Amount, out.Currency = in.Ref, in.Status, in.Amount, in.Currency
		out.AmountReceived, out.PaymentMethod = in.AmountReceived, in.PaymentMethod
		out.PaymentID = in.Metadata[psp.MetadataPaymentID]
		if e := pi.LastPaymentError; e != nil && out.Type == psp.EventPaymentFailed {
			out.FailureCode, out.DeclineCode, out.FailureMessage = string(e.Code), string(e.DeclineCode), e.Msg
			if pm := e.PaymentMethod; pm != nil && pm.Card != nil && (out.PaymentMethod == nil || out.PaymentMethod.Last4 == "") {
				out.PaymentMethod = &psp.PaymentMethod{Token: pm.ID, Brand: string(pm.Card.Brand), Last4: pm.Card.Last4,
					ExpMonth: int(pm.Card.ExpMonth), ExpYear: int(pm.Card.ExpYear)}
			}
		}
	case "refund":
		var re sg.Refund
		if err := json.Unmarshal(ev.Data.Raw, &re); err != nil {
			return nil, fmt.Errorf("stripe event %s: refund: %w", ev.ID, err)
		}
		r := refundOf(&re)
		out.RefundRef, out.IntentRef, out.RefundStatus = r.Ref, r.IntentRef, r.Status
		out.Amount, out.Currency, out.FailureCode = r.Amount, r.Currency, r.FailureReason
		out.PaymentID = r.Metadata[psp.MetadataPaymentID]
		out.Type = psp.RefundEventType(out.Type, out.RefundStatus)
	case "charge":
		var ch sg.Charge
		if err := json.Unmarshal(ev.Data.Raw, &ch); err != nil {
			return nil, fmt.Errorf("stripe event %s: charge: %w", ev.ID, err)
		}
		if ch.PaymentIntent != nil {
			out.IntentRef = ch.PaymentIntent.ID
		}
		out.Amount, out.Currency = ch.Amount, strings.ToUpper(string(ch.Currency))
		out.AmountReceived, out.AmountRefunded = ch.AmountCaptured, ch.AmountRefunded
		out.PaymentID = ch.Metadata[psp.MetadataPaymentID]
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
