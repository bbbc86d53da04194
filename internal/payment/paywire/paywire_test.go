package paywire_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/payment/paywire"
)

func TestNewPayment(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 1, 2, 3, 4, 5, 600_000_000, time.FixedZone("CET", 3600))
	p := &payment.Payment{ID: "pay_1", Amount: money.New(1050, "EUR"), Status: payment.Failed, CaptureMethod: payment.CaptureAutomatic,
		PSP: "sandbox", PSPReference: "pi_1", PaymentMethod: payment.Method{Token: "pm_1", Brand: "visa", Last4: "0002", ExpMonth: 12, ExpYear: 2034},
		Failure: payment.Failure{Code: "card_declined", DeclineCode: "generic_decline", Message: "Your card was declined."}, CreatedAt: at, UpdatedAt: at}
	got, err := json.Marshal(paywire.NewPayment(p))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"pay_1","object":"payment","amount":1050,"currency":"EUR","status":"failed","capture_method":"automatic",` +
		`"amount_captured":0,"amount_refunded":0,"amount_refund_pending":0,"customer":"","description":"","metadata":{},` +
		`"psp":"sandbox","psp_reference":"pi_1","payment_method":{"id":"pm_1","brand":"visa","last4":"0002","exp_month":12,"exp_year":2034},` +
		`"last_payment_error":{"code":"card_declined","decline_code":"generic_decline","message":"Your card was declined."},` +
		`"created_at":"2030-01-02T02:04:05.6Z","updated_at":"2030-01-02T02:04:05.6Z"}`
	if string(got) != want {
		t.Errorf("NewPayment = %s\nwant %s", got, want)
	}

	p = &payment.Payment{ID: "pay_2", Amount: money.New(5, "JPY"), Status: payment.Created, Metadata: map[string]string{"order": "42"}}
	got, _ = json.Marshal(paywire.NewPayment(p))
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	if m["payment_method"] != nil || m["last_payment_error"] != nil || m["created_at"] != "" || m["metadata"].(map[string]any)["order"] != "42" {
		t.Errorf("NewPayment(no method, no failure, no times) = %s", got)
	}
}

func TestNewRefund(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &payment.Refund{ID: "re_1", PaymentID: "pay_1", Amount: money.New(300, "EUR"), Status: payment.RefundFailed, Reason: "requested_by_customer",
		PSPReference: "re_psp", FailureReason: "expired_or_canceled_card", CreatedAt: at, UpdatedAt: at}
	got, err := json.Marshal(paywire.NewRefund(r))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"re_1","object":"refund","payment":"pay_1","amount":300,"currency":"EUR","status":"failed","reason":"requested_by_customer",` +
		`"metadata":{},"psp_reference":"re_psp","failure_reason":"expired_or_canceled_card","created_at":"2030-01-02T03:04:05Z","updated_at":"2030-01-02T03:04:05Z"}`
	if string(got) != want {
		t.Errorf("NewRefund = %s\nwant %s", got, want)
	}
}
