package psptest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/testcard"
)

// Harness is what the conformance suite needs to drive one provider.
type Harness struct {
	Provider psp.Provider
	// PaymentMethod returns a payment-method token for one of Stripe's test
	// card numbers ("4242424242424242"). Defaults to Stripe's test tokens
	// (testcard's "pm_card_visa", …).
	PaymentMethod func(t *testing.T, number string) string
	// Authenticate answers the 3-D Secure challenge of an intent in
	// requires_action, as the customer would. Nil skips the 3-D Secure cases.
	Authenticate func(t *testing.T, in *psp.Intent, approve bool)
	// Settle makes a provider with asynchronous processing finish what is
	// pending (advance a fake clock, run due work). Nil: processing is
	// synchronous.
	Settle func(t *testing.T)
	// Stateless providers answer with canned objects (stripe-mock): the
	// suite then checks only the shape of each answer and the error mapping,
	// not the behaviour that needs memory (declines, amounts, idempotency).
	Stateless bool
}

var keySeq atomic.Int64

// key returns a fresh idempotency key.
func key(t *testing.T, op string) string {
	return fmt.Sprintf("psptest-%s-%s-%d", t.Name(), op, keySeq.Add(1))
}

// Run runs the conformance suite; newHarness is called once per case.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	cases := []struct {
		name      string
		stateless bool // runs against stateless providers too
		fn        func(t *testing.T, h *Harness)
	}{
		{"CreateAndRetrieve", true, testCreateAndRetrieve},
		{"MutatingCallsNeedAKey", true, testNeedKey},
		{"InvalidParamsFailCertainly", true, testInvalidParams},
		{"ConfirmSucceeds", true, testConfirmSucceeds},
		{"CreateAndConfirmInOneCall", true, testCreateConfirm},
		{"ManualCapture", true, testManualCapture},
		{"Cancel", true, testCancel},
		{"Refunds", true, testRefunds},
		{"NotFound", false, testNotFound},
		{"Declines", false, testDeclines},
		{"RetryAfterDecline", false, testRetryAfterDecline},
		{"CaptureLimits", false, testCaptureLimits},
		{"WrongStates", false, testWrongStates},
		{"RefundLimits", false, testRefundLimits},
		{"IdempotentReplay", false, testIdempotentReplay},
		{"IdempotencyKeyReuseWithOtherParams", false, testIdempotencyMismatch},
		{"ConcurrentConfirmsWithOneKey", false, testConcurrentConfirms},
		{"ThreeDSecure", false, testThreeDS},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			if h.Stateless && !tc.stateless {
				t.Skip("the provider is stateless (canned answers): this case needs a stateful one")
			}
			if h.PaymentMethod == nil {
				h.PaymentMethod = func(t *testing.T, number string) string { return tokenFor(t, number) }
			}
			tc.fn(t, h)
		})
	}
}

const (
	cardVisa        = "4242424242424242"
	cardDeclined    = "4000000000000002"
	cardNoFunds     = "4000000000009995"
	cardExpired     = "4000000000000069"
	cardProcessing  = "4000000000000119"
	cardIncorrect   = "4000000000000127"
	card3DS         = "4000002500003155"
	card3DSDeclined = "4000008400001629"
)

func (h *Harness) settle(t *testing.T, in *psp.Intent) *psp.Intent {
	t.Helper()
	if in == nil || in.Status != psp.StatusProcessing || h.Settle == nil {
		return in
	}
	h.Settle(t)
	got, err := h.Provider.Retrieve(context.Background(), in.Ref)
	if err != nil {
		t.Fatalf("Retrieve(%s) after settling = %v", in.Ref, err)
	}
	return got
}

func (h *Harness) create(t *testing.T, amount int64, capture psp.CaptureMethod) *psp.Intent {
	t.Helper()
	in, err := h.Provider.Create(context.Background(), psp.CreateParams{
		IdempotencyKey: key(t, "create"), Amount: amount, Currency: "EUR", CaptureMethod: capture,
		Description: "psptest", Metadata: map[string]string{psp.MetadataPaymentID: "pay_test"},
	})
	if err != nil {
		t.Fatalf("Create(%d EUR) = %v", amount, err)
	}
	return in
}

// pay creates an intent and confirms it with card, settling asynchronous
// processing; it returns the intent and the confirmation's error.
func (h *Harness) pay(t *testing.T, amount int64, capture psp.CaptureMethod, card string) (*psp.Intent, error) {
	t.Helper()
	in := h.create(t, amount, capture)
	got, err := h.Provider.Confirm(context.Background(), psp.ConfirmParams{
		IdempotencyKey: key(t, "confirm"), Ref: in.Ref, PaymentMethod: h.PaymentMethod(t, card), ReturnURL: "https://shop.example/return",
	})
	if err != nil {
		return in, err
	}
	return h.settle(t, got), nil
}

func mustPay(t *testing.T, h *Harness, amount int64, capture psp.CaptureMethod) *psp.Intent {
	t.Helper()
	in, err := h.pay(t, amount, capture, cardVisa)
	if err != nil {
		t.Fatalf("Confirm with %s = %v", cardVisa, err)
	}
	return in
}

func wantFailed(t *testing.T, what string, err error, typ psp.ErrorType, code string) *psp.Error {
	t.Helper()
	if psp.OutcomeOf(err) != psp.Failed {
		t.Fatalf("%s = %v (outcome %s); want a Failed outcome", what, err, psp.OutcomeOf(err))
	}
	e, ok := errors.AsType[*psp.Error](err)
	if !ok {
		t.Fatalf("%s = %T %v; want a *psp.Error", what, err, err)
	}
	if (typ != "" && e.Type != typ) || (code != "" && e.Code != code) {
		t.Fatalf("%s = %v (type %q, code %q); want type %q, code %q", what, err, e.Type, e.Code, typ, code)
	}
	return e
}

func testCreateAndRetrieve(t *testing.T, h *Harness) {
	ctx := context.Background()
	in := h.create(t, 1050, "")
	if in.Ref == "" || in.Amount != 1050 || in.Currency != "EUR" || in.Created.IsZero() {
		t.Fatalf("Create = %+v; want a reference, 1050 EUR and a creation time", in)
	}
	if in.Status != psp.StatusRequiresPaymentMethod {
		t.Errorf("Create status = %s, want %s", in.Status, psp.StatusRequiresPaymentMethod)
	}
	got, err := h.Provider.Retrieve(ctx, in.Ref)
	if err != nil {
		t.Fatalf("Retrieve(%s) = %v", in.Ref, err)
	}
	if got.Ref != in.Ref || !got.Status.Valid() || got.Currency == "" {
		t.Errorf("Retrieve(%s) = %+v; want the same intent", in.Ref, got)
	}
	if h.Stateless {
		return
	}
	if got.Amount != 1050 || got.Currency != "EUR" || got.Metadata[psp.MetadataPaymentID] != "pay_test" || got.Description != "psptest" {
		t.Errorf("Retrieve(%s) = %+v; want 1050 EUR, description and metadata kept", in.Ref, got)
	}
}

func testNeedKey(t *testing.T, h *Harness) {
	ctx := context.Background()
	_, err := h.Provider.Create(ctx, psp.CreateParams{Amount: 100, Currency: "EUR"})
	wantFailed(t, "Create without a key", err, psp.ErrorTypeInvalidRequest, psp.CodeParameterMissing)
	_, err = h.Provider.Confirm(ctx, psp.ConfirmParams{Ref: "pi_x", PaymentMethod: "pm_card_visa"})
	wantFailed(t, "Confirm without a key", err, psp.ErrorTypeInvalidRequest, psp.CodeParameterMissing)
	_, err = h.Provider.Capture(ctx, psp.CaptureParams{Ref: "pi_x"})
	wantFailed(t, "Capture without a key", err, psp.ErrorTypeInvalidRequest, psp.CodeParameterMissing)
	_, err = h.Provider.Cancel(ctx, psp.CancelParams{Ref: "pi_x"})
	wantFailed(t, "Cancel without a key", err, psp.ErrorTypeInvalidRequest, psp.CodeParameterMissing)
	_, err = h.Provider.Refund(ctx, psp.RefundParams{Ref: "pi_x"})
	wantFailed(t, "Refund without a key", err, psp.ErrorTypeInvalidRequest, psp.CodeParameterMissing)
}

func testInvalidParams(t *testing.T, h *Harness) {
	ctx := context.Background()
	for _, p := range []psp.CreateParams{
		{Amount: 0, Currency: "EUR"},
		{Amount: -5, Currency: "EUR"},
		{Amount: 100, Currency: "EURO"},
		{Amount: 100, Currency: ""},
	} {
		p.IdempotencyKey = key(t, "create")
		_, err := h.Provider.Create(ctx, p)
		e := wantFailed(t, fmt.Sprintf("Create(%d %q)", p.Amount, p.Currency), err, psp.ErrorTypeInvalidRequest, "")
		if e.Param == "" || e.Message == "" {
			t.Errorf("Create(%d %q) = %v; want the parameter named and a message", p.Amount, p.Currency, err)
		}
	}
}

func testConfirmSucceeds(t *testing.T, h *Harness) {
	in := mustPay(t, h, 2000, psp.CaptureAutomatic)
	if in.Ref == "" || !in.Status.Valid() {
		t.Fatalf("Confirm = %+v", in)
	}
	if h.Stateless {
		return
	}
	if in.Status != psp.StatusSucceeded || in.AmountReceived != 2000 {
		t.Errorf("Confirm with 4242 = %s, received %d; want succeeded, 2000", in.Status, in.AmountReceived)
	}
	pm := in.PaymentMethod
	if pm == nil || pm.Brand != "visa" || pm.Last4 != "4242" || pm.ExpMonth < 1 || pm.ExpYear < 2000 || pm.Token == "" {
		t.Errorf("Confirm payment method = %+v; want a visa ending 4242 with its expiry and token", pm)
	}
}

func testCreateConfirm(t *testing.T, h *Harness) {
	in, err := h.Provider.Create(context.Background(), psp.CreateParams{
		IdempotencyKey: key(t, "create"), Amount: 700, Currency: "usd", PaymentMethod: h.PaymentMethod(t, cardVisa), Confirm: true,
	})
	if err != nil {
		t.Fatalf("Create with confirm = %v", err)
	}
	in = h.settle(t, in)
	if in.Currency != "USD" {
		t.Errorf("Create currency = %q, want USD (upper case)", in.Currency)
	}
	if !h.Stateless && (in.Status != psp.StatusSucceeded || in.AmountReceived != 700) {
		t.Errorf("Create with confirm = %s, received %d; want succeeded, 700", in.Status, in.AmountReceived)
	}
}

func testManualCapture(t *testing.T, h *Harness) {
	ctx := context.Background()
	in := mustPay(t, h, 5000, psp.CaptureManual)
	if !h.Stateless && (in.Status != psp.StatusRequiresCapture || in.AmountCapturable != 5000 || in.AmountReceived != 0) {
		t.Fatalf("Confirm manual = %s, capturable %d, received %d; want requires_capture, 5000, 0", in.Status, in.AmountCapturable, in.AmountReceived)
	}
	got, err := h.Provider.Capture(ctx, psp.CaptureParams{IdempotencyKey: key(t, "capture"), Ref: in.Ref, AmountToCapture: 3000})
	if err != nil {
		t.Fatalf("Capture(3000) = %v", err)
	}
	if got.Ref == "" {
		t.Fatalf("Capture = %+v", got)
	}
	if !h.Stateless && (got.Status != psp.StatusSucceeded || got.AmountReceived != 3000 || got.AmountCapturable != 0) {
		t.Errorf("Capture(3000) = %s, received %d, capturable %d; want succeeded, 3000, 0", got.Status, got.AmountReceived, got.AmountCapturable)
	}
}

func testCancel(t *testing.T, h *Harness) {
	ctx := context.Background()
	in := h.create(t, 900, "")
	got, err := h.Provider.Cancel(ctx, psp.CancelParams{IdempotencyKey: key(t, "cancel"), Ref: in.Ref, Reason: "requested_by_customer"})
	if err != nil {
		t.Fatalf("Cancel = %v", err)
	}
	if h.Stateless {
		if got.Ref == "" || !got.Status.Valid() {
			t.Errorf("Cancel = %+v", got)
		}
		return
	}
	if got.Status != psp.StatusCanceled || got.Ref != in.Ref {
		t.Errorf("Cancel = %s %s, want %s canceled", got.Ref, got.Status, in.Ref)
	}
	auth := mustPay(t, h, 900, psp.CaptureManual)
	got, err = h.Provider.Cancel(ctx, psp.CancelParams{IdempotencyKey: key(t, "cancel"), Ref: auth.Ref})
	if err != nil || got.Status != psp.StatusCanceled || got.AmountCapturable != 0 {
		t.Errorf("Cancel an authorisation = %+v, %v; want canceled with nothing capturable", got, err)
	}
}

func testRefunds(t *testing.T, h *Harness) {
	ctx := context.Background()
	in := mustPay(t, h, 1000, psp.CaptureAutomatic)
	re, err := h.Provider.Refund(ctx, psp.RefundParams{IdempotencyKey: key(t, "refund"), Ref: in.Ref, Amount: 300, Reason: "requested_by_customer"})
	if err != nil {
		t.Fatalf("Refund(300) = %v", err)
	}
	if re.Ref == "" || re.Currency == "" || re.Status == "" {
		t.Fatalf("Refund = %+v; want a reference, currency and status", re)
	}
	got, err := h.Provider.RetrieveRefund(ctx, re.Ref)
	if err != nil || got.Ref != re.Ref {
		t.Fatalf("RetrieveRefund(%s) = %+v, %v", re.Ref, got, err)
	}
	if h.Stateless {
		return
	}
	if re.Amount != 300 || re.IntentRef != in.Ref || (re.Status != psp.RefundSucceeded && re.Status != psp.RefundPending) {
		t.Errorf("Refund(300) = %+v; want 300 on %s, succeeded or pending", re, in.Ref)
	}
	rest, err := h.Provider.Refund(ctx, psp.RefundParams{IdempotencyKey: key(t, "refund"), Ref: in.Ref})
	if err != nil || rest.Amount != 700 {
		t.Fatalf("Refund(rest) = %+v, %v; want 700", rest, err)
	}
	if h.Settle != nil {
		h.Settle(t)
	}
	after, err := h.Provider.Retrieve(ctx, in.Ref)
	if err != nil || after.AmountRefunded != 1000 || after.Status != psp.StatusSucceeded {
		t.Errorf("Retrieve after refunds = %+v, %v; want 1000 refunded, still succeeded", after, err)
	}
	got, err = h.Provider.RetrieveRefund(ctx, rest.Ref)
	if err != nil || got.Status != psp.RefundSucceeded {
		t.Errorf("RetrieveRefund(%s) = %+v, %v; want succeeded", rest.Ref, got, err)
	}
}

func testNotFound(t *testing.T, h *Harness) {
	ctx := context.Background()
	_, err := h.Provider.Retrieve(ctx, "pi_doesnotexist")
	if !errors.Is(err, psp.ErrNotFound) {
		t.Errorf("Retrieve(unknown) = %v; want ErrNotFound", err)
	}
	_, err = h.Provider.Confirm(ctx, psp.ConfirmParams{IdempotencyKey: key(t, "confirm"), Ref: "pi_doesnotexist", PaymentMethod: h.PaymentMethod(t, cardVisa)})
	if !errors.Is(err, psp.ErrNotFound) {
		t.Errorf("Confirm(unknown) = %v; want ErrNotFound", err)
	}
	_, err = h.Provider.RetrieveRefund(ctx, "re_doesnotexist")
	if !errors.Is(err, psp.ErrNotFound) {
		t.Errorf("RetrieveRefund(unknown) = %v; want ErrNotFound", err)
	}
}

func testDeclines(t *testing.T, h *Harness) {
	for _, tc := range []struct{ card, code, decline string }{
		{cardDeclined, psp.CodeCardDeclined, "generic_decline"},
		{cardNoFunds, psp.CodeCardDeclined, "insufficient_funds"},
		{cardExpired, psp.CodeExpiredCard, "expired_card"},
		{cardProcessing, psp.CodeProcessingError, "processing_error"},
		{cardIncorrect, psp.CodeIncorrectCVC, "incorrect_cvc"},
	} {
		t.Run(tc.card, func(t *testing.T) {
			in, err := h.pay(t, 1500, "", tc.card)
			if h.Settle != nil && err == nil {
				// Asynchronous: the decline is on the settled intent.
				if in.Status != psp.StatusRequiresPaymentMethod || in.LastError == nil {
					t.Fatalf("settled decline = %+v; want requires_payment_method with the error", in)
				}
				if in.LastError.Code != tc.code || in.LastError.DeclineCode != tc.decline {
					t.Errorf("LastError = %+v; want %s/%s", in.LastError, tc.code, tc.decline)
				}
				return
			}
			e := wantFailed(t, "Confirm with "+tc.card, err, psp.ErrorTypeCard, tc.code)
			if e.DeclineCode != tc.decline || e.Message == "" {
				t.Errorf("Confirm with %s = %v; want decline code %s and a message", tc.card, err, tc.decline)
			}
			if d, ok := psp.DeclineOf(err); !ok || d.DeclineCode != tc.decline {
				t.Errorf("DeclineOf = %+v, %v", d, ok)
			}
			if e.Intent == nil || e.Intent.Status != psp.StatusRequiresPaymentMethod {
				t.Errorf("declined intent = %+v; want it back at requires_payment_method", e.Intent)
			}
			got, err := h.Provider.Retrieve(context.Background(), in.Ref)
			if err != nil || got.Status != psp.StatusRequiresPaymentMethod || got.LastError == nil || got.LastError.DeclineCode != tc.decline {
				t.Errorf("Retrieve after decline = %+v, %v; want requires_payment_method with the decline", got, err)
			}
		})
	}
}

func testRetryAfterDecline(t *testing.T, h *Harness) {
	in, err := h.pay(t, 1200, "", cardNoFunds)
	if err == nil && h.Settle == nil {
		t.Fatalf("Confirm with %s succeeded", cardNoFunds)
	}
	got, err := h.Provider.Confirm(context.Background(), psp.ConfirmParams{IdempotencyKey: key(t, "confirm"), Ref: in.Ref, PaymentMethod: h.PaymentMethod(t, cardVisa)})
	if err != nil {
		t.Fatalf("second Confirm with 4242 = %v", err)
	}
	got = h.settle(t, got)
	if got.Status != psp.StatusSucceeded || got.AmountReceived != 1200 || got.LastError != nil {
		t.Errorf("second Confirm = %+v; want succeeded, 1200 received, no last error", got)
	}
}

func testCaptureLimits(t *testing.T, h *Harness) {
	ctx := context.Background()
	in := mustPay(t, h, 1000, psp.CaptureManual)
	_, err := h.Provider.Capture(ctx, psp.CaptureParams{IdempotencyKey: key(t, "capture"), Ref: in.Ref, AmountToCapture: 1001})
	wantFailed(t, "Capture(1001 of 1000)", err, psp.ErrorTypeInvalidRequest, psp.CodeAmountTooLarge)
	got, err := h.Provider.Capture(ctx, psp.CaptureParams{IdempotencyKey: key(t, "capture"), Ref: in.Ref})
	if err != nil || got.AmountReceived != 1000 {
		t.Fatalf("Capture(all) = %+v, %v; want 1000 received", got, err)
	}
	_, err = h.Provider.Capture(ctx, psp.CaptureParams{IdempotencyKey: key(t, "capture"), Ref: in.Ref})
	wantFailed(t, "Capture twice", err, psp.ErrorTypeInvalidRequest, psp.CodeUnexpectedState)
}

func testWrongStates(t *testing.T, h *Harness) {
	ctx := context.Background()
	fresh := h.create(t, 100, "")
	_, err := h.Provider.Capture(ctx, psp.CaptureParams{IdempotencyKey: key(t, "capture"), Ref: fresh.Ref})
	wantFailed(t, "Capture before confirming", err, psp.ErrorTypeInvalidRequest, psp.CodeUnexpectedState)
	_, err = h.Provider.Refund(ctx, psp.RefundParams{IdempotencyKey: key(t, "refund"), Ref: fresh.Ref})
	wantFailed(t, "Refund before paying", err, psp.ErrorTypeInvalidRequest, "")
	_, err = h.Provider.Confirm(ctx, psp.ConfirmParams{IdempotencyKey: key(t, "confirm"), Ref: fresh.Ref})
	wantFailed(t, "Confirm without a payment method", err, psp.ErrorTypeInvalidRequest, "")

	paid := mustPay(t, h, 100, "")
	_, err = h.Provider.Cancel(ctx, psp.CancelParams{IdempotencyKey: key(t, "cancel"), Ref: paid.Ref})
	wantFailed(t, "Cancel a succeeded intent", err, psp.ErrorTypeInvalidRequest, psp.CodeUnexpectedState)
	_, err = h.Provider.Confirm(ctx, psp.ConfirmParams{IdempotencyKey: key(t, "confirm"), Ref: paid.Ref, PaymentMethod: h.PaymentMethod(t, cardVisa)})
	wantFailed(t, "Confirm a succeeded intent", err, psp.ErrorTypeInvalidRequest, psp.CodeUnexpectedState)

	canceled := h.create(t, 100, "")
	if _, err := h.Provider.Cancel(ctx, psp.CancelParams{IdempotencyKey: key(t, "cancel"), Ref: canceled.Ref}); err != nil {
		t.Fatal(err)
	}
	_, err = h.Provider.Confirm(ctx, psp.ConfirmParams{IdempotencyKey: key(t, "confirm"), Ref: canceled.Ref, PaymentMethod: h.PaymentMethod(t, cardVisa)})
	wantFailed(t, "Confirm a canceled intent", err, psp.ErrorTypeInvalidRequest, psp.CodeUnexpectedState)
}

func testRefundLimits(t *testing.T, h *Harness) {
	ctx := context.Background()
	in := mustPay(t, h, 500, "")
	_, err := h.Provider.Refund(ctx, psp.RefundParams{IdempotencyKey: key(t, "refund"), Ref: in.Ref, Amount: 501})
	wantFailed(t, "Refund(501 of 500)", err, psp.ErrorTypeInvalidRequest, psp.CodeAmountTooLarge)
	if _, err := h.Provider.Refund(ctx, psp.RefundParams{IdempotencyKey: key(t, "refund"), Ref: in.Ref, Amount: 400}); err != nil {
		t.Fatal(err)
	}
	_, err = h.Provider.Refund(ctx, psp.RefundParams{IdempotencyKey: key(t, "refund"), Ref: in.Ref, Amount: 101})
	wantFailed(t, "Refund(101 of the 100 left)", err, psp.ErrorTypeInvalidRequest, psp.CodeAmountTooLarge)
	if _, err := h.Provider.Refund(ctx, psp.RefundParams{IdempotencyKey: key(t, "refund"), Ref: in.Ref}); err != nil {
		t.Fatalf("Refund(rest) = %v", err)
	}
	_, err = h.Provider.Refund(ctx, psp.RefundParams{IdempotencyKey: key(t, "refund"), Ref: in.Ref})
	wantFailed(t, "Refund a fully refunded intent", err, psp.ErrorTypeInvalidRequest, psp.CodeChargeAlreadyRefunded)

	partial := mustPay(t, h, 800, psp.CaptureManual)
	if _, err := h.Provider.Capture(ctx, psp.CaptureParams{IdempotencyKey: key(t, "capture"), Ref: partial.Ref, AmountToCapture: 600}); err != nil {
		t.Fatal(err)
	}
	_, err = h.Provider.Refund(ctx, psp.RefundParams{IdempotencyKey: key(t, "refund"), Ref: partial.Ref, Amount: 700})
	wantFailed(t, "Refund(700 of 600 captured)", err, psp.ErrorTypeInvalidRequest, psp.CodeAmountTooLarge)
}

func testIdempotentReplay(t *testing.T, h *Harness) {
	ctx := context.Background()
	p := psp.CreateParams{IdempotencyKey: key(t, "create"), Amount: 4200, Currency: "GBP"}
	a, err := h.Provider.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Provider.Create(ctx, p)
	if err != nil || b.Ref != a.Ref {
		t.Fatalf("Create twice with one key = %v, %v; want the same intent %s", b, err, a.Ref)
	}
	cp := psp.ConfirmParams{IdempotencyKey: key(t, "confirm"), Ref: a.Ref, PaymentMethod: h.PaymentMethod(t, cardVisa)}
	c1, err := h.Provider.Confirm(ctx, cp)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := h.Provider.Confirm(ctx, cp)
	if err != nil || c2.Status != c1.Status {
		t.Fatalf("Confirm replayed = %+v, %v; want the first answer (%s)", c2, err, c1.Status)
	}
	rp := psp.RefundParams{IdempotencyKey: key(t, "refund"), Ref: a.Ref, Amount: 1000}
	h.settle(t, c1)
	r1, err := h.Provider.Refund(ctx, rp)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := h.Provider.Refund(ctx, rp)
	if err != nil || r2.Ref != r1.Ref {
		t.Fatalf("Refund replayed = %+v, %v; want %s", r2, err, r1.Ref)
	}
	got, err := h.Provider.Retrieve(ctx, a.Ref)
	if err != nil || got.AmountRefunded != 1000 {
		t.Errorf("after a replayed refund: refunded %d, %v; want 1000 (refunded once)", got.AmountRefunded, err)
	}
	// A replayed decline is the same decline.
	d, _ := h.pay(t, 300, "", cardDeclined)
	dp := psp.ConfirmParams{IdempotencyKey: key(t, "confirm"), Ref: d.Ref, PaymentMethod: h.PaymentMethod(t, cardNoFunds)}
	_, err1 := h.Provider.Confirm(ctx, dp)
	_, err2 := h.Provider.Confirm(ctx, dp)
	if h.Settle == nil {
		e1, _ := psp.DeclineOf(err1)
		e2, _ := psp.DeclineOf(err2)
		if e1.DeclineCode != "insufficient_funds" || e2 != e1 {
			t.Errorf("declined Confirm replayed = %v then %v; want the same insufficient_funds decline", err1, err2)
		}
	}
}

func testIdempotencyMismatch(t *testing.T, h *Harness) {
	ctx := context.Background()
	k := key(t, "create")
	if _, err := h.Provider.Create(ctx, psp.CreateParams{IdempotencyKey: k, Amount: 100, Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	_, err := h.Provider.Create(ctx, psp.CreateParams{IdempotencyKey: k, Amount: 101, Currency: "EUR"})
	e := wantFailed(t, "Create with a used key and another amount", err, psp.ErrorTypeIdempotency, "")
	if e.Message == "" {
		t.Errorf("idempotency error without a message: %v", err)
	}
}

func testConcurrentConfirms(t *testing.T, h *Harness) {
	ctx := context.Background()
	in := h.create(t, 999, psp.CaptureManual)
	cp := psp.ConfirmParams{IdempotencyKey: key(t, "confirm"), Ref: in.Ref, PaymentMethod: h.PaymentMethod(t, cardVisa)}
	var wg sync.WaitGroup
	results := make([]error, 20)
	for i := range results {
		wg.Go(func() {
			_, results[i] = h.Provider.Confirm(ctx, cp)
		})
	}
	wg.Wait()
	for _, err := range results {
		// A provider may answer "in flight" (Unknown) to a concurrent twin;
		// it must never fail or charge twice.
		if err != nil && psp.OutcomeOf(err) != psp.Unknown {
			t.Errorf("concurrent Confirm = %v; want success or Unknown", err)
		}
	}
	got, err := h.Provider.Retrieve(ctx, in.Ref)
	if err != nil {
		t.Fatal(err)
	}
	got = h.settle(t, got)
	if got.Status != psp.StatusRequiresCapture || got.AmountCapturable != 999 {
		t.Errorf("after concurrent confirms: %s, capturable %d; want requires_capture, 999 (one authorisation)", got.Status, got.AmountCapturable)
	}
}

func testThreeDS(t *testing.T, h *Harness) {
	if h.Authenticate == nil {
		t.Skip("the harness cannot answer 3-D Secure challenges")
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		card    string
		approve bool
		status  psp.Status
		code    string
	}{
		{"approved", card3DS, true, psp.StatusSucceeded, ""},
		{"failed", card3DS, false, psp.StatusRequiresPaymentMethod, "payment_intent_authentication_failure"},
		{"approved then declined", card3DSDeclined, true, psp.StatusRequiresPaymentMethod, psp.CodeCardDeclined},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := h.pay(t, 2500, "", tc.card)
			if err != nil {
				t.Fatalf("Confirm with %s = %v", tc.card, err)
			}
			if in.Status != psp.StatusRequiresAction || in.NextAction == nil || in.NextAction.RedirectURL == "" {
				t.Fatalf("Confirm with %s = %+v; want requires_action with a redirect URL", tc.card, in)
			}
			h.Authenticate(t, in, tc.approve)
			got, err := h.Provider.Retrieve(ctx, in.Ref)
			if err != nil {
				t.Fatal(err)
			}
			got = h.settle(t, got)
			if got.Status != tc.status {
				t.Fatalf("after authentication: %s; want %s", got.Status, tc.status)
			}
			if tc.code != "" && (got.LastError == nil || got.LastError.Code != tc.code) {
				t.Errorf("after authentication: last error %+v; want code %s", got.LastError, tc.code)
			}
			if tc.status == psp.StatusSucceeded && got.AmountReceived != 2500 {
				t.Errorf("after authentication: received %d, want 2500", got.AmountReceived)
			}
		})
	}
}

// tokenFor returns Stripe's test PaymentMethod ID for a test card number.
func tokenFor(t *testing.T, number string) string {
	t.Helper()
	c, ok := testcard.Lookup(number)
	if !ok || c.Token == "" {
		t.Fatalf("psptest: no test token for card %s", number)
	}
	return c.Token
}
