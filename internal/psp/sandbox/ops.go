package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/testcard"
	"github.com/paystep/paystep/internal/store"
)

// apiError is an error answer in Stripe's shape.
type apiError struct {
	Status      int
	Type        psp.ErrorType
	Code        string
	DeclineCode string
	Message     string
	Param       string
	Intent      *intent // the intent as left by a declined confirmation
	// Validation errors are not stored under an idempotency key, as Stripe
	// stores only requests that started executing.
	validation bool
}

// cardError is an intent's last_payment_error.
type cardError struct {
	Type        psp.ErrorType `json:"type"`
	Code        string        `json:"code,omitempty"`
	DeclineCode string        `json:"decline_code,omitempty"`
	Message     string        `json:"message,omitempty"`
	Method      string        `json:"method,omitempty"` // the payment method that failed
}

func badParam(param, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: psp.ErrorTypeInvalidRequest, Code: psp.CodeParameterInvalid,
		Param: param, Message: fmt.Sprintf(format, args...), validation: true}
}

func missingParam(param string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: psp.ErrorTypeInvalidRequest, Code: psp.CodeParameterMissing,
		Param: param, Message: "Missing required param: " + param + ".", validation: true}
}

func notFound(kind, param, id string) *apiError {
	return &apiError{Status: http.StatusNotFound, Type: psp.ErrorTypeInvalidRequest, Code: psp.CodeResourceMissing,
		Param: param, Message: fmt.Sprintf("No such %s: '%s'", kind, id), validation: true}
}

func unexpectedState(in *intent, action string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: psp.ErrorTypeInvalidRequest, Code: psp.CodeUnexpectedState,
		Message: fmt.Sprintf("This PaymentIntent's %s could not be performed because it has a status of %s.", action, in.Status)}
}

var currencyRE = regexp.MustCompile(`^[a-zA-Z]{3}$`)

// maxAmount is Stripe's largest amount: 99,999,999 minor units.
const maxAmount = 99_999_999

type createParams struct {
	Amount        int64
	Currency      string
	CaptureMethod psp.CaptureMethod
	Description   string
	Customer      string
	Metadata      map[string]string
	PaymentMethod string
	Confirm       bool
	ReturnURL     string
}

func checkAmount(param string, amount int64) *apiError {
	if amount < 1 {
		return badParam(param, "Invalid %s: must be a positive integer number of minor units, got %d.", param, amount)
	}
	if amount > maxAmount {
		return &apiError{Status: http.StatusBadRequest, Type: psp.ErrorTypeInvalidRequest, Code: psp.CodeAmountTooLarge,
			Param: param, Message: fmt.Sprintf("Amount must be no more than %d.", maxAmount), validation: true}
	}
	return nil
}

func (t *txn) createIntent(p createParams) (*intent, *apiError) {
	if err := checkAmount("amount", p.Amount); err != nil {
		return nil, err
	}
	if !currencyRE.MatchString(p.Currency) {
		return nil, badParam("currency", "Invalid currency: %q is not a three-letter ISO 4217 code.", p.Currency)
	}
	switch p.CaptureMethod {
	case "", "automatic_async":
		p.CaptureMethod = psp.CaptureAutomatic
	case psp.CaptureAutomatic, psp.CaptureManual:
	default:
		return nil, badParam("capture_method", "Invalid capture_method: must be one of automatic, automatic_async or manual.")
	}
	if p.PaymentMethod != "" {
		if _, err := t.lookupMethod(p.PaymentMethod); err != nil {
			return nil, err
		}
	}
	in := &intent{
		ID:            t.s.cfg.NewID("pi"),
		Amount:        p.Amount,
		Currency:      lower(p.Currency),
		Status:        psp.StatusRequiresPaymentMethod,
		CaptureMethod: p.CaptureMethod,
		PaymentMethod: p.PaymentMethod,
		Description:   p.Description,
		Customer:      p.Customer,
		Metadata:      p.Metadata,
		Created:       t.now.Unix(),
		ReturnURL:     p.ReturnURL,
	}
	in.ClientSecret = in.ID + "_secret_" + t.s.cfg.NewID("cs")[3:]
	if in.PaymentMethod != "" {
		in.Status = psp.StatusRequiresConfirmation
	}
	t.addIntent(in)
	t.emit("payment_intent.created", in)
	if p.Confirm {
		return t.confirm(in.ID, "", p.ReturnURL)
	}
	return in, nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func (t *txn) getIntent(id string) (*intent, *apiError) {
	in := t.intent(id)
	if t.err != nil {
		return nil, errStorage
	}
	if in == nil {
		return nil, notFound("payment_intent", "intent", id)
	}
	return in, nil
}

// lookupMethod finds a tokenised method, or one of Stripe's test tokens
// ("pm_card_visa"), which it materialises on first use.
func (t *txn) lookupMethod(id string) (*method, *apiError) {
	if m := t.method(id); m != nil {
		return m, nil
	}
	if t.err != nil {
		return nil, errStorage
	}
	if c, ok := testcard.ByToken(id); ok {
		m := newMethod(id, c.Number, c, int(t.now.Month()), t.now.Year()+3, t.now.Unix())
		t.addMethod(m)
		return m, nil
	}
	return nil, notFound("PaymentMethod", "payment_method", id)
}

func (t *txn) confirm(id, pm, returnURL string) (*intent, *apiError) {
	in, err := t.getIntent(id)
	if err != nil {
		return nil, err
	}
	switch in.Status {
	case psp.StatusRequiresPaymentMethod, psp.StatusRequiresConfirmation, psp.StatusRequiresAction:
	default:
		return nil, unexpectedState(in, "confirm")
	}
	if pm != "" {
		if _, err := t.lookupMethod(pm); err != nil {
			return nil, err
		}
		in.PaymentMethod = pm
	}
	if in.PaymentMethod == "" {
		return nil, &apiError{Status: http.StatusBadRequest, Type: psp.ErrorTypeInvalidRequest, Code: psp.CodeUnexpectedState,
			Param: "payment_method", Message: "You cannot confirm this PaymentIntent because it's missing a payment method."}
	}
	if returnURL != "" {
		in.ReturnURL = returnURL
	}
	m, err := t.lookupMethod(in.PaymentMethod)
	if err != nil {
		return nil, err
	}
	in.LastError, in.Authenticated = nil, false
	switch m.Behaviour {
	case behaviourAuthenticates, behaviourAuthenticatesThenDeclines:
		in.Status = psp.StatusRequiresAction
		in.Challenge = t.s.cfg.NewID("3ds")
		t.emit("payment_intent.requires_action", in)
		return in, nil
	}
	return t.charge(in)
}

// charge attempts the payment with the attached method: at once, or after
// the processing delay.
func (t *txn) charge(in *intent) (*intent, *apiError) {
	if t.s.cfg.ProcessingDelay > 0 && in.Status != psp.StatusProcessing {
		in.Status = psp.StatusProcessing
		t.emit("payment_intent.processing", in)
		t.schedule(jobSettleCharge, in.ID, t.s.cfg.ProcessingDelay)
		return in, nil
	}
	m, err := t.lookupMethod(in.PaymentMethod)
	if err != nil {
		return nil, err
	}
	switch m.Behaviour {
	case behaviourDeclines, behaviourAuthenticatesThenDeclines:
		t.decline(in, &cardError{Type: psp.ErrorTypeCard, Code: m.Code, DeclineCode: m.DeclineCode, Message: m.Message, Method: m.ID})
		return nil, &apiError{Status: http.StatusPaymentRequired, Type: psp.ErrorTypeCard, Code: m.Code,
			DeclineCode: m.DeclineCode, Message: m.Message, Intent: in}
	}
	in.LatestCharge = t.s.cfg.NewID("ch")
	if in.CaptureMethod == psp.CaptureManual {
		in.Status = psp.StatusRequiresCapture
		in.AmountCapturable = in.Amount
		t.emit("payment_intent.amount_capturable_updated", in)
		return in, nil
	}
	in.Status = psp.StatusSucceeded
	in.AmountReceived = in.Amount
	t.emit("payment_intent.succeeded", in)
	return in, nil
}

func (t *txn) decline(in *intent, ce *cardError) {
	in.Status = psp.StatusRequiresPaymentMethod
	in.LastError = ce
	in.PaymentMethod = ""
	t.emit("payment_intent.payment_failed", in)
}

// completeChallenge finishes 3-D Secure for intent id: approve continues the
// payment, fail declines it with an authentication failure.
func (t *txn) completeChallenge(id, challenge string, approve bool) (*intent, *apiError) {
	in, err := t.getIntent(id)
	if err != nil {
		return nil, err
	}
	if challenge != in.Challenge || in.Status != psp.StatusRequiresAction {
		return nil, &apiError{Status: http.StatusBadRequest, Type: psp.ErrorTypeInvalidRequest, Code: psp.CodeUnexpectedState,
			Message: "This 3-D Secure challenge is not open: it was completed, replaced or never issued."}
	}
	in.Challenge = ""
	if !approve {
		t.decline(in, &cardError{Type: psp.ErrorTypeInvalidRequest, Code: "payment_intent_authentication_failure",
			Message: "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
			Method:  in.PaymentMethod})
		return in, nil
	}
	in.Authenticated = true
	t.charge(in) // a decline is recorded on the intent and announced by event
	return in, nil
}

func (t *txn) capture(id string, amount int64, hasAmount bool) (*intent, *apiError) {
	in, err := t.getIntent(id)
	if err != nil {
		return nil, err
	}
	if in.Status != psp.StatusRequiresCapture {
		return nil, unexpectedState(in, "capture")
	}
	if !hasAmount {
		amount = in.AmountCapturable
	}
	if amount < 1 {
		return nil, badParam("amount_to_capture", "Invalid amount_to_capture: must be a positive integer, got %d.", amount)
	}
	if amount > in.AmountCapturable {
		return nil, &apiError{Status: http.StatusBadRequest, Type: psp.ErrorTypeInvalidRequest, Code: psp.CodeAmountTooLarge,
			Param: "amount_to_capture", Message: fmt.Sprintf("The amount_to_capture (%d) cannot exceed the capturable amount (%d).", amount, in.AmountCapturable), validation: true}
	}
	in.AmountReceived = amount
	in.AmountCapturable = 0
	in.Status = psp.StatusSucceeded
	t.emit("payment_intent.succeeded", in)
	return in, nil
}

var cancelReasons = map[string]bool{"": true, "duplicate": true, "fraudulent": true, "requested_by_customer": true, "abandoned": true}

func (t *txn) cancel(id, reason string) (*intent, *apiError) {
	in, err := t.getIntent(id)
	if err != nil {
		return nil, err
	}
	if !cancelReasons[reason] {
		return nil, badParam("cancellation_reason", "Invalid cancellation_reason: must be one of duplicate, fraudulent, requested_by_customer or abandoned.")
	}
	switch in.Status {
	case psp.StatusRequiresPaymentMethod, psp.StatusRequiresConfirmation, psp.StatusRequiresAction, psp.StatusRequiresCapture:
	default:
		return nil, unexpectedState(in, "cancel")
	}
	in.Status = psp.StatusCanceled
	in.AmountCapturable = 0
	in.Challenge = ""
	in.CanceledAt = t.now.Unix()
	in.CancellationReason = reason
	t.emit("payment_intent.canceled", in)
	return in, nil
}

var refundReasons = map[string]bool{"": true, "duplicate": true, "fraudulent": true, "requested_by_customer": true}

func (t *txn) createRefund(piID string, amount int64, hasAmount bool, reason string, metadata map[string]string) (*refund, *apiError) {
	if piID == "" {
		return nil, missingParam("payment_intent")
	}
	if !refundReasons[reason] {
		return nil, badParam("reason", "Invalid reason: must be one of duplicate, fraudulent or requested_by_customer.")
	}
	in := t.intent(piID)
	if t.err != nil {
		return nil, errStorage
	}
	if in == nil {
		return nil, notFound("payment_intent", "payment_intent", piID)
	}
	if in.Status != psp.StatusSucceeded {
		return nil, &apiError{Status: http.StatusBadRequest, Type: psp.ErrorTypeInvalidRequest, Code: psp.CodeUnexpectedState,
			Param: "payment_intent", Message: fmt.Sprintf("This PaymentIntent (%s) does not have a successful charge to refund: its status is %s.", in.ID, in.Status)}
	}
	left := in.AmountReceived - in.AmountRefunded
	if left == 0 {
		return nil, &apiError{Status: http.StatusBadRequest, Type: psp.ErrorTypeInvalidRequest, Code: psp.CodeChargeAlreadyRefunded,
			Message: fmt.Sprintf("Charge %s has already been refunded.", in.LatestCharge)}
	}
	if !hasAmount {
		amount = left
	}
	if amount < 1 {
		return nil, badParam("amount", "Invalid amount: must be a positive integer, got %d.", amount)
	}
	if amount > left {
		return nil, &apiError{Status: http.StatusBadRequest, Type: psp.ErrorTypeInvalidRequest, Code: psp.CodeAmountTooLarge, Param: "amount",
			Message: fmt.Sprintf("Refund amount (%d %s) is greater than unrefunded amount on charge (%d %s).", amount, in.Currency, left, in.Currency), validation: true}
	}
	re := &refund{
		ID: t.s.cfg.NewID("re"), Intent: in.ID, Charge: in.LatestCharge, Amount: amount, Currency: in.Currency,
		Status: psp.RefundSucceeded, Reason: reason, Metadata: metadata, Created: t.now.Unix(),
	}
	in.AmountRefunded += amount
	t.addRefund(re)
	if t.s.cfg.ProcessingDelay > 0 {
		re.Status = psp.RefundPending
		t.schedule(jobSettleRefund, re.ID, t.s.cfg.ProcessingDelay)
	}
	t.emit("refund.created", re)
	t.emit("charge.refunded", in)
	if m := t.method(in.PaymentMethod); m != nil && m.Behaviour == behaviourRefundFails {
		// The refund looks fine at first and fails later, as Stripe's card does.
		t.schedule(jobFailRefund, re.ID, 2*t.s.cfg.ProcessingDelay+time.Second)
	}
	return re, nil
}

func (t *txn) getRefund(id string) (*refund, *apiError) {
	re := t.refund(id)
	if t.err != nil {
		return nil, errStorage
	}
	if re == nil {
		return nil, notFound("refund", "id", id)
	}
	return re, nil
}

// runJob performs a due job.
func (t *txn) runJob(j *store.SandboxJob) {
	switch j.Kind {
	case jobSettleCharge:
		in := t.intent(j.Ref)
		if in == nil || in.Status != psp.StatusProcessing {
			return
		}
		t.charge(in)
	case jobSettleRefund:
		re := t.refund(j.Ref)
		if re == nil || re.Status != psp.RefundPending {
			return
		}
		re.Status = psp.RefundSucceeded
		t.emit("refund.updated", re)
	case jobFailRefund:
		re := t.refund(j.Ref)
		if re == nil || re.Status != psp.RefundSucceeded {
			return
		}
		re.Status = psp.RefundFailed
		re.FailureReason = "expired_or_canceled_card"
		if in := t.intent(re.Intent); in != nil {
			in.AmountRefunded -= re.Amount
		}
		t.emit("refund.failed", re)
	default:
		t.s.log.WarnContext(t.ctx, "sandbox job of an unknown kind dropped", "kind", j.Kind, "ref", j.Ref)
	}
}

func parseInt(param, v string) (int64, *apiError) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badParam(param, "Invalid integer for %s: %q.", param, clip(v))
	}
	return n, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// tokenize turns card data into a payment method. Only the brand, last four
// digits and expiry are kept; the number and CVC end with this call.
func (t *txn) tokenize(number, expMonth, expYear, cvc string) (*method, *apiError) {
	number = testcard.Normalize(number)
	if number == "" {
		return nil, missingParam("card[number]")
	}
	if !testcard.Luhn(number) {
		return nil, &apiError{Status: http.StatusPaymentRequired, Type: psp.ErrorTypeCard, Code: "incorrect_number",
			Param: "card[number]", Message: "Your card number is incorrect.", validation: true}
	}
	month, err := strconv.Atoi(expMonth)
	if err != nil || month < 1 || month > 12 {
		return nil, &apiError{Status: http.StatusPaymentRequired, Type: psp.ErrorTypeCard, Code: "invalid_expiry_month",
			Param: "card[exp_month]", Message: "Your card's expiration month is invalid.", validation: true}
	}
	year, err := strconv.Atoi(expYear)
	if err == nil && len(expYear) == 2 {
		year += 2000
	}
	now := t.now
	if err != nil || year < now.Year() || year > now.Year()+50 {
		return nil, &apiError{Status: http.StatusPaymentRequired, Type: psp.ErrorTypeCard, Code: "invalid_expiry_year",
			Param: "card[exp_year]", Message: "Your card's expiration year is invalid.", validation: true}
	}
	if year == now.Year() && month < int(now.Month()) {
		return nil, &apiError{Status: http.StatusPaymentRequired, Type: psp.ErrorTypeCard, Code: "invalid_expiry_month",
			Param: "card[exp_month]", Message: "Your card's expiration date is in the past.", validation: true}
	}
	brand := testcard.Brand(number)
	if cvc != "" {
		want := 3
		if brand == "amex" {
			want = 4
		}
		if len(cvc) != want || !allDigits(cvc) {
			return nil, &apiError{Status: http.StatusPaymentRequired, Type: psp.ErrorTypeCard, Code: "invalid_cvc",
				Param: "card[cvc]", Message: fmt.Sprintf("Your card's security code is invalid: it has %d digits.", want), validation: true}
		}
	}
	card, ok := testcard.Lookup(number)
	if !ok {
		card = testcard.LiveCard
	}
	card.Brand = brand
	m := newMethod(t.s.cfg.NewID("pm"), number, card, month, year, now.Unix()) // the number goes no further
	t.addMethod(m)
	return m, nil
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
