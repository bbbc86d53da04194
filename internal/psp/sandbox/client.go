package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/stripesig"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	// BaseURL is where the sandbox is mounted: "http://127.0.0.1:8080/sandbox".
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>".
	APIKey stripesig.Secret
	// HTTPClient defaults to a client that does not follow redirects.
	HTTPClient *http.Client
	// Timeout bounds each call. Defaults to 30s.
	Timeout time.Duration
	// WebhookSecrets are the active secrets VerifyEvent accepts.
	WebhookSecrets []stripesig.Secret
	// Tolerance for webhook timestamps. Defaults to stripesig.DefaultTolerance.
	Tolerance time.Duration
	Clock     clock.Clock // Defaults to clock.System{}.
}

// Client is the psp.Provider for the sandbox, over HTTP.
type Client struct {
	cfg    ClientConfig
	base   string
	verify stripesig.Verifier
}

var (
	_ psp.Provider      = (*Client)(nil)
	_ psp.EventVerifier = (*Client)(nil)
)

// NewClient returns a client for the sandbox at cfg.BaseURL.
func NewClient(cfg ClientConfig) *Client {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	return &Client{
		cfg:    cfg,
		base:   strings.TrimRight(cfg.BaseURL, "/"),
		verify: stripesig.Verifier{Secrets: cfg.WebhookSecrets, Tolerance: cfg.Tolerance, Clock: cfg.Clock},
	}
}

// Name returns "sandbox".
func (c *Client) Name() string { return Name }

// expandIntent asks for the payment method and charge inline, for the card
// summary and the refunded amount.
var expandIntent = []string{"payment_method", "latest_charge"}

func withExpand(v url.Values) url.Values {
	for i, e := range expandIntent {
		v.Set("expand["+strconv.Itoa(i)+"]", e)
	}
	return v
}

func metadataForm(v url.Values, md map[string]string) {
	for k, val := range md {
		v.Set("metadata["+k+"]", val)
	}
}

// Create creates a payment intent.
func (c *Client) Create(ctx context.Context, p psp.CreateParams) (*psp.Intent, error) {
	if err := needKey("create", p.IdempotencyKey); err != nil {
		return nil, err
	}
	if err := checkParams("create", p.Amount, p.Currency); err != nil {
		return nil, err
	}
	v := url.Values{}
	v.Set("amount", strconv.FormatInt(p.Amount, 10))
	v.Set("currency", strings.ToLower(p.Currency))
	if p.CaptureMethod != "" {
		v.Set("capture_method", string(p.CaptureMethod))
	}
	setIf(v, "description", p.Description)
	setIf(v, "customer", p.Customer)
	setIf(v, "payment_method", p.PaymentMethod)
	setIf(v, "return_url", p.ReturnURL)
	if p.Confirm {
		v.Set("confirm", "true")
	}
	metadataForm(v, p.Metadata)
	return c.intentCall(ctx, "create", "/v1/payment_intents", p.IdempotencyKey, withExpand(v))
}

// Confirm confirms an intent with a payment method.
func (c *Client) Confirm(ctx context.Context, p psp.ConfirmParams) (*psp.Intent, error) {
	if err := needKey("confirm", p.IdempotencyKey); err != nil {
		return nil, err
	}
	v := url.Values{}
	setIf(v, "payment_method", p.PaymentMethod)
	setIf(v, "return_url", p.ReturnURL)
	return c.intentCall(ctx, "confirm", "/v1/payment_intents/"+url.PathEscape(p.Ref)+"/confirm", p.IdempotencyKey, withExpand(v))
}

// Capture captures an authorised intent.
func (c *Client) Capture(ctx context.Context, p psp.CaptureParams) (*psp.Intent, error) {
	if err := needKey("capture", p.IdempotencyKey); err != nil {
		return nil, err
	}
	v := url.Values{}
	if p.AmountToCapture != 0 {
		v.Set("amount_to_capture", strconv.FormatInt(p.AmountToCapture, 10))
	}
	return c.intentCall(ctx, "capture", "/v1/payment_intents/"+url.PathEscape(p.Ref)+"/capture", p.IdempotencyKey, withExpand(v))
}

// Cancel cancels an intent.
func (c *Client) Cancel(ctx context.Context, p psp.CancelParams) (*psp.Intent, error) {
	if err := needKey("cancel", p.IdempotencyKey); err != nil {
		return nil, err
	}
	v := url.Values{}
	setIf(v, "cancellation_reason", p.Reason)
	return c.intentCall(ctx, "cancel", "/v1/payment_intents/"+url.PathEscape(p.Ref)+"/cancel", p.IdempotencyKey, withExpand(v))
}

// Refund refunds a succeeded intent.
func (c *Client) Refund(ctx context.Context, p psp.RefundParams) (*psp.Refund, error) {
	if err := needKey("refund", p.IdempotencyKey); err != nil {
		return nil, err
	}
	v := url.Values{}
	v.Set("payment_intent", p.Ref)
	if p.Amount != 0 {
		v.Set("amount", strconv.FormatInt(p.Amount, 10))
	}
	setIf(v, "reason", p.Reason)
	metadataForm(v, p.Metadata)
	var w decodedRefund
	if err := c.call(ctx, "refund", http.MethodPost, "/v1/refunds", p.IdempotencyKey, v, &w); err != nil {
		return nil, err
	}
	return w.Refund(), nil
}

// Retrieve reads an intent.
func (c *Client) Retrieve(ctx context.Context, ref string) (*psp.Intent, error) {
	return c.intentCall(ctx, "retrieve", "/v1/payment_intents/"+url.PathEscape(ref), "", withExpand(url.Values{}))
}

// RetrieveRefund reads a refund.
func (c *Client) RetrieveRefund(ctx context.Context, ref string) (*psp.Refund, error) {
	var w decodedRefund
	if err := c.call(ctx, "retrieve_refund", http.MethodGet, "/v1/refunds/"+url.PathEscape(ref), "", nil, &w); err != nil {
		return nil, err
	}
	return w.Refund(), nil
}

// VerifyEvent checks a webhook request's Stripe-Signature against the raw
// body with the configured secrets and tolerance, then parses the event.
func (c *Client) VerifyEvent(header http.Header, body []byte) (*psp.Event, error) {
	if _, err := c.verify.Verify(header.Get(stripesig.HeaderName), body); err != nil {
		return nil, fmt.Errorf("sandbox webhook: %w", err)
	}
	return ParseEvent(Name, body)
}

func setIf(v url.Values, k, val string) {
	if val != "" {
		v.Set(k, val)
	}
}

func needKey(op, key string) error {
	if key == "" {
		return &psp.Error{Provider: Name, Op: op, Outcome: psp.Failed, Type: psp.ErrorTypeInvalidRequest,
			Code: psp.CodeParameterMissing, Param: "idempotency_key", Message: "every mutating call needs an idempotency key"}
	}
	return nil
}

func checkParams(op string, amount int64, currency string) error {
	if amount <= 0 {
		return &psp.Error{Provider: Name, Op: op, Outcome: psp.Failed, Type: psp.ErrorTypeInvalidRequest,
			Code: psp.CodeParameterInvalid, Param: "amount", Message: fmt.Sprintf("amount must be a positive number of minor units, got %d", amount)}
	}
	if len(currency) != 3 {
		return &psp.Error{Provider: Name, Op: op, Outcome: psp.Failed, Type: psp.ErrorTypeInvalidRequest,
			Code: psp.CodeParameterInvalid, Param: "currency", Message: fmt.Sprintf("currency must be a three-letter ISO 4217 code, got %q", currency)}
	}
	return nil
}

func (c *Client) intentCall(ctx context.Context, op, path, key string, v url.Values) (*psp.Intent, error) {
	var w decodedIntent
	method := http.MethodPost
	if op == "retrieve" {
		method = http.MethodGet
	}
	if err := c.call(ctx, op, method, path, key, v, &w); err != nil {
		return nil, err
	}
	return w.Intent(), nil
}

// call makes one API call and decodes a 2xx answer into out. Errors are
// *psp.Error with the outcome set.
func (c *Client) call(ctx context.Context, op, method, path, key string, v url.Values, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	target := c.base + path
	var body io.Reader
	if method == http.MethodGet {
		if len(v) > 0 {
			target += "?" + v.Encode()
		}
	} else {
		body = strings.NewReader(v.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return &psp.Error{Provider: Name, Op: op, Outcome: psp.Failed, Type: psp.ErrorTypeInvalidRequest, Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+string(c.cfg.APIKey))
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return &psp.Error{Provider: Name, Op: op, Outcome: psp.TransportOutcome(err), Type: psp.ErrorTypeConnection, Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return &psp.Error{Provider: Name, Op: op, Outcome: psp.Unknown, Type: psp.ErrorTypeConnection, HTTPStatus: resp.StatusCode,
			Err: fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		if err := json.Unmarshal(raw, out); err != nil {
			return &psp.Error{Provider: Name, Op: op, Outcome: psp.Unknown, Type: psp.ErrorTypeAPI, HTTPStatus: resp.StatusCode,
				RequestID: resp.Header.Get("Request-Id"), Err: fmt.Errorf("decode answer: %w", err)}
		}
		return nil
	}
	return errorFromResponse(op, resp, raw)
}

func errorFromResponse(op string, resp *http.Response, raw []byte) error {
	e := &psp.Error{Provider: Name, Op: op, Outcome: psp.Failed, HTTPStatus: resp.StatusCode, RequestID: resp.Header.Get("Request-Id")}
	var w struct {
		Error struct {
			Type          string         `json:"type"`
			Code          string         `json:"code"`
			DeclineCode   string         `json:"decline_code"`
			Message       string         `json:"message"`
			Param         string         `json:"param"`
			PaymentIntent *decodedIntent `json:"payment_intent"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		e.Type = psp.ErrorTypeAPI
		e.Message = "unreadable error answer: " + resp.Status
	} else {
		e.Type, e.Code, e.DeclineCode, e.Message, e.Param = psp.ErrorType(w.Error.Type), w.Error.Code, w.Error.DeclineCode, w.Error.Message, w.Error.Param
		if w.Error.PaymentIntent != nil {
			e.Intent = w.Error.PaymentIntent.Intent()
		}
	}
	switch {
	case resp.StatusCode >= 500:
		e.Outcome = psp.Unknown // the PSP may have acted before failing
		if e.Type == "" {
			e.Type = psp.ErrorTypeAPI
		}
	case resp.StatusCode == http.StatusConflict:
		e.Outcome = psp.Unknown // another request with this key is in flight
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Type = psp.ErrorTypeRateLimit
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
			e.RetryAfter = time.Duration(secs) * time.Second
		}
	case resp.StatusCode == http.StatusUnauthorized:
		e.Type = psp.ErrorTypeAuthentication
	}
	return e
}
