// Package paywire is the JSON of payments and refunds as paystep shows them
// outside: in snake_case, like the /v1 API's bodies and the payment task
// resources' outputs, which both build on these objects.
package paywire

import (
	"time"

	"github.com/paystep/paystep/internal/payment"
)

// Payment is a payment's fields common to every place that shows one. The
// API and the tasks embed it in their own objects with what they add.
type Payment struct {
	ID                  string            `json:"id"`
	Object              string            `json:"object"` // "payment"
	Amount              int64             `json:"amount"`
	Currency            string            `json:"currency"`
	Status              string            `json:"status"`
	CaptureMethod       string            `json:"capture_method"`
	AmountCaptured      int64             `json:"amount_captured"`
	AmountRefunded      int64             `json:"amount_refunded"`
	AmountRefundPending int64             `json:"amount_refund_pending"`
	Customer            string            `json:"customer"`
	Description         string            `json:"description"`
	Metadata            map[string]string `json:"metadata"` // {} when empty
	PSP                 string            `json:"psp"`
	PSPReference        string            `json:"psp_reference"`
	PaymentMethod       *Method           `json:"payment_method"`
	LastPaymentError    *Error            `json:"last_payment_error"`
	CreatedAt           string            `json:"created_at"`
	UpdatedAt           string            `json:"updated_at"`
}

// Method is the card summary of a payment method: never its number.
type Method struct {
	ID       string `json:"id"` // the PSP's token
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
}

// Error is why a payment's last attempt failed.
type Error struct {
	Code        string `json:"code"`
	DeclineCode string `json:"decline_code,omitempty"`
	Message     string `json:"message,omitempty"`
}

// Refund is a refund.
type Refund struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"` // "refund"
	Payment       string            `json:"payment"`
	Amount        int64             `json:"amount"`
	Currency      string            `json:"currency"`
	Status        string            `json:"status"`
	Reason        string            `json:"reason"`
	Metadata      map[string]string `json:"metadata"` // {} when empty
	PSPReference  string            `json:"psp_reference"`
	FailureReason string            `json:"failure_reason,omitempty"`
	CreatedAt     string            `json:"created_at"`
	UpdatedAt     string            `json:"updated_at"`
}

// NewPayment returns p's common fields.
func NewPayment(p *payment.Payment) Payment {
	out := Payment{
		ID: p.ID, Object: "payment", Amount: p.Amount.Minor, Currency: string(p.Amount.Currency), Status: string(p.Status),
		CaptureMethod: string(p.CaptureMethod), AmountCaptured: p.AmountCaptured, AmountRefunded: p.AmountRefunded,
		AmountRefundPending: p.AmountRefundPending, Customer: p.Customer, Description: p.Description,
		Metadata: orEmpty(p.Metadata), PSP: p.PSP, PSPReference: p.PSPReference,
		CreatedAt: Time(p.CreatedAt), UpdatedAt: Time(p.UpdatedAt),
	}
	if m := p.PaymentMethod; m.Token != "" {
		out.PaymentMethod = &Method{ID: m.Token, Brand: m.Brand, Last4: m.Last4, ExpMonth: m.ExpMonth, ExpYear: m.ExpYear}
	}
	if f := p.Failure; f.Code != "" || f.DeclineCode != "" {
		out.LastPaymentError = &Error{Code: f.Code, DeclineCode: f.DeclineCode, Message: f.Message}
	}
	return out
}

// NewRefund returns r.
func NewRefund(r *payment.Refund) Refund {
	return Refund{
		ID: r.ID, Object: "refund", Payment: r.PaymentID, Amount: r.Amount.Minor, Currency: string(r.Amount.Currency),
		Status: string(r.Status), Reason: r.Reason, Metadata: orEmpty(r.Metadata), PSPReference: r.PSPReference,
		FailureReason: r.FailureReason, CreatedAt: Time(r.CreatedAt), UpdatedAt: Time(r.UpdatedAt),
	}
}

// Time is t in UTC as RFC 3339 with the fraction it has, or "" when zero.
func Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
