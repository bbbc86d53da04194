package sandbox

import (
	"encoding/json"
	"maps"
)

// The JSON objects below follow Stripe's API reference field for field (the
// subset the sandbox simulates), so stripe-go and Stripe-shaped parsers read
// them.

type wireIntent struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	Amount             int64             `json:"amount"`
	AmountCapturable   int64             `json:"amount_capturable"`
	AmountReceived     int64             `json:"amount_received"`
	CanceledAt         *int64            `json:"canceled_at"`
	CancellationReason *string           `json:"cancellation_reason"`
	CaptureMethod      string            `json:"capture_method"`
	ClientSecret       string            `json:"client_secret"`
	ConfirmationMethod string            `json:"confirmation_method"`
	Created            int64             `json:"created"`
	Currency           string            `json:"currency"`
	Customer           *string           `json:"customer"`
	Description        *string           `json:"description"`
	LastPaymentError   *wireCardError    `json:"last_payment_error"`
	LatestCharge       any               `json:"latest_charge"` // ID, or the charge when expanded
	Livemode           bool              `json:"livemode"`
	Metadata           map[string]string `json:"metadata"`
	NextAction         *wireNextAction   `json:"next_action"`
	PaymentMethod      any               `json:"payment_method"` // ID, or the method when expanded
	PaymentMethodTypes []string          `json:"payment_method_types"`
	Status             string            `json:"status"`
}

type wireCardError struct {
	Type          string             `json:"type"`
	Code          string             `json:"code,omitempty"`
	DeclineCode   string             `json:"decline_code,omitempty"`
	Message       string             `json:"message,omitempty"`
	Param         string             `json:"param,omitempty"`
	DocURL        string             `json:"doc_url,omitempty"`
	PaymentIntent *wireIntent        `json:"payment_intent,omitempty"`
	PaymentMethod *wirePaymentMethod `json:"payment_method,omitempty"`
}

type wireNextAction struct {
	Type          string       `json:"type"`
	RedirectToURL wireRedirect `json:"redirect_to_url"`
}

type wireRedirect struct {
	ReturnURL *string `json:"return_url"`
	URL       string  `json:"url"`
}

type wirePaymentMethod struct {
	ID       string            `json:"id"`
	Object   string            `json:"object"`
	Card     wireCard          `json:"card"`
	Created  int64             `json:"created"`
	Customer *string           `json:"customer"`
	Livemode bool              `json:"livemode"`
	Metadata map[string]string `json:"metadata"`
	Type     string            `json:"type"`
}

type wireCard struct {
	Brand    string `json:"brand"`
	Country  string `json:"country"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
	Funding  string `json:"funding"`
	Last4    string `json:"last4"`
}

type wireCharge struct {
	ID                   string            `json:"id"`
	Object               string            `json:"object"`
	Amount               int64             `json:"amount"`
	AmountCaptured       int64             `json:"amount_captured"`
	AmountRefunded       int64             `json:"amount_refunded"`
	Captured             bool              `json:"captured"`
	Created              int64             `json:"created"`
	Currency             string            `json:"currency"`
	Livemode             bool              `json:"livemode"`
	Metadata             map[string]string `json:"metadata"`
	Paid                 bool              `json:"paid"`
	PaymentIntent        string            `json:"payment_intent"`
	PaymentMethod        string            `json:"payment_method"`
	PaymentMethodDetails struct {
		Card wireCard `json:"card"`
		Type string   `json:"type"`
	} `json:"payment_method_details"`
	Refunded bool   `json:"refunded"`
	Status   string `json:"status"`
}

type wireRefund struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Amount        int64             `json:"amount"`
	Charge        string            `json:"charge"`
	Created       int64             `json:"created"`
	Currency      string            `json:"currency"`
	FailureReason *string           `json:"failure_reason,omitempty"`
	Metadata      map[string]string `json:"metadata"`
	PaymentIntent string            `json:"payment_intent"`
	Reason        *string           `json:"reason"`
	Status        string            `json:"status"`
}

type wireEvent struct {
	ID              string        `json:"id"`
	Object          string        `json:"object"`
	APIVersion      string        `json:"api_version"`
	Created         int64         `json:"created"`
	Data            wireEventData `json:"data"`
	Livemode        bool          `json:"livemode"`
	PendingWebhooks int           `json:"pending_webhooks"`
	Request         wireEventReq  `json:"request"`
	Type            string        `json:"type"`
}

type wireEventData struct {
	Object json.RawMessage `json:"object"`
}

type wireEventReq struct {
	ID             *string `json:"id"`
	IdempotencyKey *string `json:"idempotency_key"`
}

type wireError struct {
	Error wireCardError `json:"error"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (t *txn) renderMethod(m *method) *wirePaymentMethod {
	return &wirePaymentMethod{
		ID: m.ID, Object: "payment_method", Created: m.Created, Metadata: map[string]string{}, Type: "card",
		Card: wireCard{Brand: m.Brand, Country: "US", ExpMonth: m.ExpMonth, ExpYear: m.ExpYear, Funding: m.Funding, Last4: m.Last4},
	}
}

// renderIntent renders in; expand names the fields to expand
// ("payment_method", "latest_charge").
func (t *txn) renderIntent(in *intent, expand map[string]bool) *wireIntent {
	w := &wireIntent{
		ID: in.ID, Object: "payment_intent", Amount: in.Amount, AmountCapturable: in.AmountCapturable,
		AmountReceived: in.AmountReceived, CaptureMethod: string(in.CaptureMethod), ClientSecret: in.ClientSecret,
		ConfirmationMethod: "automatic", Created: in.Created, Currency: in.Currency, Customer: strPtr(in.Customer),
		Description: strPtr(in.Description), Metadata: maps.Clone(in.Metadata), PaymentMethodTypes: []string{"card"},
		Status: string(in.Status), CancellationReason: strPtr(in.CancellationReason),
	}
	if w.Metadata == nil {
		w.Metadata = map[string]string{}
	}
	if in.CanceledAt != 0 {
		w.CanceledAt = &in.CanceledAt
	}
	if in.PaymentMethod != "" {
		w.PaymentMethod = in.PaymentMethod
		if m := t.method(in.PaymentMethod); m != nil && expand["payment_method"] {
			w.PaymentMethod = t.renderMethod(m)
		}
	}
	if in.LatestCharge != "" {
		w.LatestCharge = in.LatestCharge
		if expand["latest_charge"] {
			w.LatestCharge = t.renderCharge(in)
		}
	}
	if e := in.LastError; e != nil {
		w.LastPaymentError = &wireCardError{Type: string(e.Type), Code: e.Code, DeclineCode: e.DeclineCode, Message: e.Message}
		if m := t.method(e.Method); m != nil {
			w.LastPaymentError.PaymentMethod = t.renderMethod(m)
		}
	}
	if in.Status == "requires_action" && in.Challenge != "" {
		w.NextAction = &wireNextAction{Type: "redirect_to_url", RedirectToURL: wireRedirect{
			ReturnURL: strPtr(in.ReturnURL),
			URL:       t.s.cfg.BaseURL + "/3ds/" + in.ID + "/" + in.Challenge,
		}}
	}
	return w
}

func (t *txn) renderCharge(in *intent) *wireCharge {
	c := &wireCharge{
		ID: in.LatestCharge, Object: "charge", Amount: in.Amount, AmountCaptured: in.AmountReceived,
		AmountRefunded: in.AmountRefunded, Captured: in.AmountReceived > 0, Created: in.Created, Currency: in.Currency,
		Metadata: maps.Clone(in.Metadata), Paid: true, PaymentIntent: in.ID, PaymentMethod: in.PaymentMethod,
		Refunded: in.AmountReceived > 0 && in.AmountRefunded == in.AmountReceived, Status: "succeeded",
	}
	if c.Metadata == nil {
		c.Metadata = map[string]string{}
	}
	c.PaymentMethodDetails.Type = "card"
	if m := t.method(in.PaymentMethod); m != nil {
		c.PaymentMethodDetails.Card = t.renderMethod(m).Card
	}
	return c
}

func (t *txn) renderRefund(re *refund) *wireRefund {
	w := &wireRefund{
		ID: re.ID, Object: "refund", Amount: re.Amount, Charge: re.Charge, Created: re.Created, Currency: re.Currency,
		FailureReason: strPtr(re.FailureReason), Metadata: maps.Clone(re.Metadata), PaymentIntent: re.Intent,
		Reason: strPtr(re.Reason), Status: string(re.Status),
	}
	if w.Metadata == nil {
		w.Metadata = map[string]string{}
	}
	return w
}

// renderBareError renders an error that carries no intent.
func renderBareError(e *apiError) *wireError {
	return &wireError{Error: wireCardError{Type: string(e.Type), Code: e.Code, DeclineCode: e.DeclineCode, Message: e.Message, Param: e.Param}}
}

func (t *txn) renderError(e *apiError) *wireError {
	w := renderBareError(e)
	if e.Intent != nil {
		w.Error.PaymentIntent = t.renderIntent(e.Intent, nil)
		if le := e.Intent.LastError; le != nil {
			if m := t.method(le.Method); m != nil {
				w.Error.PaymentMethod = t.renderMethod(m)
			}
		}
	}
	return w
}
