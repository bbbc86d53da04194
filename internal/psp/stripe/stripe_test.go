package stripe_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sg "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/psptest"
	"github.com/paystep/paystep/internal/psp/sandbox"
	"github.com/paystep/paystep/internal/psp/stripe"
	"github.com/paystep/paystep/internal/psp/stripesig"
)

var start = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func newClient(t *testing.T, baseURL string) *stripe.Client {
	t.Helper()
	c, err := stripe.New(stripe.Config{APIKey: "sk_test_paystep", BaseURL: baseURL, Timeout: 10 * time.Second,
		WebhookSecrets: []stripesig.Secret{"whsec_old", "whsec_new"}, Clock: clock.NewFake(start)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Against stripe-mock: Stripe's own OpenAPI description validates every
// request the adapter sends, and its canned answers must decode.
func TestAdapterOverStripeMockConforms(t *testing.T) {
	t.Parallel()
	psptest.Run(t, func(t *testing.T) *psptest.Harness {
		return &psptest.Harness{Provider: newClient(t, stripeMock(t)), Stateless: true}
	})
}

func TestStripeMockRejectsWhatStripeWould(t *testing.T) {
	t.Parallel()
	c := newClient(t, stripeMock(t))
	// stripe-mock validates parameters against Stripe's spec: a capture
	// method Stripe does not know is refused before anything happens.
	_, err := c.Create(context.Background(), psp.CreateParams{IdempotencyKey: "k", Amount: 100, Currency: "EUR", CaptureMethod: "whenever"})
	if psp.OutcomeOf(err) != psp.Failed || !errors.Is(err, &psp.Error{Type: psp.ErrorTypeInvalidRequest}) {
		t.Errorf("Create with capture_method=whenever = %v; want a Failed invalid request", err)
	}
}

// Against the sandbox: the sandbox speaks Stripe's API, so stripe-go and
// the adapter run the whole stateful suite against it. This proves both
// the adapter's behaviour and the sandbox's fidelity to Stripe's wire format.
func TestAdapterOverSandboxConforms(t *testing.T) {
	t.Parallel()
	psptest.Run(t, func(t *testing.T) *psptest.Harness {
		fake := psptest.NewFake(sandbox.Config{})
		srv := httptest.NewServer(fake.Sandbox)
		t.Cleanup(srv.Close)
		return &psptest.Harness{
			Provider: newClient(t, srv.URL),
			Authenticate: func(t *testing.T, in *psp.Intent, approve bool) {
				if err := fake.Authenticate(in.Ref, approve); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

func TestDeclineCarriesTheIntentAndCode(t *testing.T) {
	t.Parallel()
	fake := psptest.NewFake(sandbox.Config{})
	srv := httptest.NewServer(fake.Sandbox)
	defer srv.Close()
	c := newClient(t, srv.URL)
	_, err := c.Create(context.Background(), psp.CreateParams{IdempotencyKey: "k", Amount: 100, Currency: "EUR",
		PaymentMethod: "pm_card_visa_chargeDeclinedInsufficientFunds", Confirm: true})
	var e *psp.Error
	if !errors.As(err, &e) || e.Outcome != psp.Failed || e.Type != psp.ErrorTypeCard || e.Code != "card_declined" ||
		e.DeclineCode != "insufficient_funds" || e.HTTPStatus != 402 || e.Intent == nil || e.Intent.Ref == "" {
		t.Errorf("declined Create = %#v", err)
	}
}

func TestOutcomesOfFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	answer := func(status int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	hangUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(hangUp.Close) // the subtests run after this function returns
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	for _, tc := range []struct {
		name    string
		url     string
		outcome psp.Outcome
		typ     psp.ErrorType
	}{
		{"500 may have acted", answer(500, `{"error":{"type":"api_error","message":"boom"}}`), psp.Unknown, psp.ErrorTypeAPI},
		{"409 key in flight", answer(409, `{"error":{"type":"idempotency_error","message":"in use"}}`), psp.Unknown, psp.ErrorTypeIdempotency},
		{"429 rate limited", answer(429, `{"error":{"type":"invalid_request_error","code":"rate_limit","message":"slow down"}}`), psp.Failed, psp.ErrorTypeRateLimit},
		{"401 bad key", answer(401, `{"error":{"type":"invalid_request_error","message":"Invalid API Key"}}`), psp.Failed, psp.ErrorTypeAuthentication},
		{"hang-up after send", hangUp.URL, psp.Unknown, psp.ErrorTypeConnection},
		{"connection refused", closed, psp.Failed, psp.ErrorTypeConnection},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := newClient(t, tc.url).Capture(ctx, psp.CaptureParams{IdempotencyKey: "k", Ref: "pi_1"})
			var e *psp.Error
			if !errors.As(err, &e) || e.Outcome != tc.outcome || e.Type != tc.typ || e.Provider != "stripe" || e.Op != "capture" {
				t.Errorf("Capture = %v; want outcome %s, type %s", err, tc.outcome, tc.typ)
			}
		})
	}
}

func TestTimeoutIsUnknown(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	c, err := stripe.New(stripe.Config{APIKey: "sk_test_x", BaseURL: slow.URL, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Confirm(context.Background(), psp.ConfirmParams{IdempotencyKey: "k", Ref: "pi_1", PaymentMethod: "pm_card_visa"})
	if psp.OutcomeOf(err) != psp.Unknown {
		t.Errorf("Confirm timing out = %v; want Unknown", err)
	}
}

func TestNewNeedsAKey(t *testing.T) {
	t.Parallel()
	if _, err := stripe.New(stripe.Config{}); err == nil || !strings.Contains(err.Error(), "no API key") {
		t.Errorf("New without a key = %v", err)
	}
}

const eventBody = `{
  "id": "evt_1PaYstep",
  "object": "event",
  "api_version": "2024-06-20",
  "created": 1893553445,
  "livemode": false,
  "pending_webhooks": 1,
  "request": {"id": "req_1", "idempotency_key": "pay_1:confirm:1"},
  "type": "payment_intent.payment_failed",
  "data": {"object": {
    "id": "pi_3PaYstep", "object": "payment_intent", "amount": 2599, "amount_capturable": 0, "amount_received": 0,
    "capture_method": "automatic", "created": 1893553440, "currency": "eur", "status": "requires_payment_method",
    "metadata": {"paystep_payment_id": "pay_1"}, "payment_method": null,
    "last_payment_error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
      "message": "Your card has insufficient funds.",
      "payment_method": {"id": "pm_1", "object": "payment_method", "type": "card",
        "card": {"brand": "visa", "last4": "9995", "exp_month": 12, "exp_year": 2034}}}
  }}
}`

func TestVerifyEventWithStripeGoSignatures(t *testing.T) {
	t.Parallel()
	c := newClient(t, "http://127.0.0.1:1")
	sign := func(secret string, at time.Time) http.Header {
		sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(eventBody), Secret: secret, Timestamp: at})
		h := http.Header{}
		h.Set("Stripe-Signature", sp.Header)
		return h
	}
	ev, err := c.VerifyEvent(sign("whsec_new", start), []byte(eventBody))
	if err != nil {
		t.Fatalf("VerifyEvent(signed by stripe-go with an active secret) = %v", err)
	}
	if ev.Provider != "stripe" || ev.ID != "evt_1PaYstep" || ev.Type != psp.EventPaymentFailed || ev.ProviderType != "payment_intent.payment_failed" ||
		ev.IntentRef != "pi_3PaYstep" || ev.PaymentID != "pay_1" || ev.Status != psp.StatusRequiresPaymentMethod ||
		ev.Amount != 2599 || ev.Currency != "EUR" || ev.FailureCode != "card_declined" || ev.DeclineCode != "insufficient_funds" ||
		ev.PaymentMethod == nil || ev.PaymentMethod.Last4 != "9995" || !ev.Created.Equal(time.Unix(1893553445, 0)) || string(ev.Raw) != eventBody {
		t.Errorf("VerifyEvent = %+v", ev)
	}
	if _, err := c.VerifyEvent(sign("whsec_old", start), []byte(eventBody)); err != nil {
		t.Errorf("VerifyEvent(older active secret) = %v", err)
	}
	for _, tc := range []struct {
		name   string
		header http.Header
		body   string
		want   error
	}{
		{"unknown secret", sign("whsec_revoked", start), eventBody, stripesig.ErrNoSignature},
		{"tampered body", sign("whsec_new", start), strings.Replace(eventBody, "2599", "1", 1), stripesig.ErrNoSignature},
		{"stale", sign("whsec_new", start.Add(-301*time.Second)), eventBody, stripesig.ErrOutsideTolerance},
		{"unsigned", http.Header{}, eventBody, stripesig.ErrNoHeader},
	} {
		if _, err := c.VerifyEvent(tc.header, []byte(tc.body)); !errors.Is(err, tc.want) {
			t.Errorf("VerifyEvent(%s) = %v; want %v", tc.name, err, tc.want)
		}
	}
}

// A header carrying several v1 signatures (Stripe sends one per active
// secret while a secret is rolled) passes if any matches; stripe-go agrees
// with stripesig on such headers.
func TestEveryV1IsTried(t *testing.T) {
	t.Parallel()
	header := stripesig.Sign(start, []byte(eventBody), "whsec_unknown", "whsec_new")
	h := http.Header{}
	h.Set("Stripe-Signature", header)
	if _, err := newClient(t, "http://127.0.0.1:1").VerifyEvent(h, []byte(eventBody)); err != nil {
		t.Errorf("VerifyEvent(second v1 matches) = %v", err)
	}
	if err := webhook.ValidatePayloadWithTolerance([]byte(eventBody), header, "whsec_new", 100*365*24*time.Hour); err != nil {
		t.Errorf("stripe-go rejects stripesig's header: %v", err)
	}
}

// The sandbox's events are Stripe's: the Stripe adapter parses them to the
// same normalised events the sandbox client does.
func TestSandboxEventsParseAsStripeEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := psptest.NewFake(sandbox.Config{})
	md := map[string]string{psp.MetadataPaymentID: "pay_9"}
	in, err := fake.Create(ctx, psp.CreateParams{IdempotencyKey: "a", Amount: 500, Currency: "EUR", Metadata: md, PaymentMethod: "pm_card_visa", Confirm: true})
	if err != nil {
		t.Fatal(err)
	}
	fake.Refund(ctx, psp.RefundParams{IdempotencyKey: "b", Ref: in.Ref, Amount: 200})
	fake.Create(ctx, psp.CreateParams{IdempotencyKey: "c", Amount: 500, Currency: "EUR", Metadata: md, PaymentMethod: "pm_card_visa_chargeDeclined", Confirm: true})
	fake.Create(ctx, psp.CreateParams{IdempotencyKey: "d", Amount: 500, Currency: "EUR", PaymentMethod: "pm_card_authenticationRequired", Confirm: true})
	events := fake.Sandbox.Events()
	if len(events) < 7 {
		t.Fatalf("only %d events", len(events))
	}
	for _, raw := range events {
		want, err := sandbox.ParseEvent("stripe", raw.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := stripe.ParseEvent(raw.Body)
		if err != nil {
			t.Fatalf("stripe.ParseEvent(%s) = %v", raw.Type, err)
		}
		if got.Type == psp.EventOther && raw.Type != "charge.refunded" {
			t.Errorf("%s parsed as other", raw.Type)
		}
		if got.ID != want.ID || got.Type != want.Type || got.IntentRef != want.IntentRef || got.RefundRef != want.RefundRef ||
			got.Status != want.Status || got.RefundStatus != want.RefundStatus || got.Amount != want.Amount || got.Currency != want.Currency ||
			got.PaymentID != want.PaymentID || got.DeclineCode != want.DeclineCode || got.FailureCode != want.FailureCode || !got.Created.Equal(want.Created) {
			t.Errorf("%s: stripe parsed %+v\nsandbox parsed %+v", raw.Type, got, want)
		}
	}
	// stripe-go's own strict parser accepts the sandbox's signed deliveries.
	body := events[1].Body
	header := stripesig.Sign(time.Now(), body, "whsec_x")
	if _, err := webhook.ConstructEventWithOptions(body, header, "whsec_x", webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true}); err != nil {
		t.Errorf("stripe-go ConstructEvent(sandbox event) = %v", err)
	}
	_ = sg.APIVersion
}

func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(eventBody))
	f.Add([]byte(`{"id":"evt_1","object":"event","type":"refund.updated","data":{"object":{"object":"refund","status":"failed"}}}`))
	f.Add([]byte(`{"id":"evt_1","type":"charge.refunded","data":{"object":{"object":"charge","payment_intent":"pi_1"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := stripe.ParseEvent(body)
		if err != nil {
			return
		}
		if ev.ID == "" || ev.ProviderType == "" || ev.Type == "" || string(ev.Raw) != string(body) {
			t.Fatalf("ParseEvent(%q) = %+v: accepted without an ID, a type or the raw body", body, ev)
		}
	})
}
