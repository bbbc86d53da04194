package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/psp"
)

// Decoding Stripe-shaped objects into psp types. Expandable fields
// (payment_method, latest_charge) arrive as an ID or as the object.

type decodedMethod struct {
	ID   string `json:"id"`
	Card struct {
		Brand    string `json:"brand"`
		ExpMonth int    `json:"exp_month"`
		ExpYear  int    `json:"exp_year"`
		Last4    string `json:"last4"`
	} `json:"card"`
}

func (m *decodedMethod) method() *psp.PaymentMethod {
	return &psp.PaymentMethod{Token: m.ID, Brand: m.Card.Brand, Last4: m.Card.Last4, ExpMonth: m.Card.ExpMonth, ExpYear: m.Card.ExpYear}
}

type decodedIntent struct {
	ID               string            `json:"id"`
	Object           string            `json:"object"`
	Amount           int64             `json:"amount"`
	AmountCapturable int64             `json:"amount_capturable"`
	AmountReceived   int64             `json:"amount_received"`
	CaptureMethod    string            `json:"capture_method"`
	Created          int64             `json:"created"`
	Currency         string            `json:"currency"`
	Description      string            `json:"description"`
	Metadata         map[string]string `json:"metadata"`
	Status           string            `json:"status"`
	PaymentMethod    json.RawMessage   `json:"payment_method"`
	LatestCharge     json.RawMessage   `json:"latest_charge"`
	LastPaymentError *struct {
		Type          string         `json:"type"`
		Code          string         `json:"code"`
		DeclineCode   string         `json:"decline_code"`
		Message       string         `json:"message"`
		PaymentMethod *decodedMethod `json:"payment_method"`
	} `json:"last_payment_error"`
	NextAction *struct {
		Type          string `json:"type"`
		RedirectToURL *struct {
			URL string `json:"url"`
		} `json:"redirect_to_url"`
	} `json:"next_action"`
}

// expanded decodes an expandable field when it holds an object.
func expanded(raw json.RawMessage, into any) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return false
	}
	return json.Unmarshal(raw, into) == nil
}

func (w *decodedIntent) Intent() *psp.Intent {
	in := &psp.Intent{
		Ref: w.ID, Status: psp.Status(w.Status), Amount: w.Amount, Currency: strings.ToUpper(w.Currency),
		AmountCapturable: w.AmountCapturable, AmountReceived: w.AmountReceived,
		CaptureMethod: psp.CaptureMethod(w.CaptureMethod), Description: w.Description, Metadata: w.Metadata,
		Created: time.Unix(w.Created, 0).UTC(),
	}
	if in.CaptureMethod == "automatic_async" {
		in.CaptureMethod = psp.CaptureAutomatic
	}
	var m decodedMethod
	if expanded(w.PaymentMethod, &m) {
		in.PaymentMethod = m.method()
	} else if id := rawString(w.PaymentMethod); id != "" {
		in.PaymentMethod = &psp.PaymentMethod{Token: id}
	}
	var ch struct {
		AmountRefunded       int64 `json:"amount_refunded"`
		PaymentMethodDetails struct {
			Card struct {
				Brand    string `json:"brand"`
				ExpMonth int    `json:"exp_month"`
				ExpYear  int    `json:"exp_year"`
				Last4    string `json:"last4"`
			} `json:"card"`
		} `json:"payment_method_details"`
		PaymentMethod string `json:"payment_method"`
	}
	if expanded(w.LatestCharge, &ch) {
		in.AmountRefunded = ch.AmountRefunded
		if c := ch.PaymentMethodDetails.Card; in.PaymentMethod == nil && c.Last4 != "" {
			in.PaymentMethod = &psp.PaymentMethod{Token: ch.PaymentMethod, Brand: c.Brand, Last4: c.Last4, ExpMonth: c.ExpMonth, ExpYear: c.ExpYear}
		}
	}
	if e := w.LastPaymentError; e != nil {
		in.LastError = &psp.Decline{Code: e.Code, DeclineCode: e.DeclineCode, Message: e.Message}
	}
	if a := w.NextAction; a != nil && a.RedirectToURL != nil {
		in.NextAction = &psp.NextAction{Type: a.Type, RedirectURL: a.RedirectToURL.URL}
	}
	return in
}

func rawString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

type decodedRefund struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Amount        int64             `json:"amount"`
	Currency      string            `json:"currency"`
	Created       int64             `json:"created"`
	FailureReason string            `json:"failure_reason"`
	Metadata      map[string]string `json:"metadata"`
	PaymentIntent string            `json:"payment_intent"`
	Status        string            `json:"status"`
}

func (w *decodedRefund) Refund() *psp.Refund {
	return &psp.Refund{
		Ref: w.ID, IntentRef: w.PaymentIntent, Status: psp.RefundStatus(w.Status), Amount: w.Amount,
		Currency: strings.ToUpper(w.Currency), FailureReason: w.FailureReason, Metadata: w.Metadata,
		Created: time.Unix(w.Created, 0).UTC(),
	}
}

// ParseEvent parses a Stripe-shaped event body (already verified) into a
// normalised event for provider.
func ParseEvent(provider string, body []byte) (*psp.Event, error) {
	var w struct {
		ID       string `json:"id"`
		Object   string `json:"object"`
		Type     string `json:"type"`
		Created  int64  `json:"created"`
		Livemode bool   `json:"livemode"`
		Data     struct {
			Object json.RawMessage `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%s event: %w", provider, err)
	}
	if w.ID == "" || w.Type == "" || w.Object != "event" {
		return nil, fmt.Errorf("%s event: not an event object (id %q, type %q, object %q)", provider, clip(w.ID), clip(w.Type), clip(w.Object))
	}
	ev := &psp.Event{
		Provider: provider, ID: w.ID, Type: psp.EventTypeFromStripe(w.Type), ProviderType: w.Type,
		Created: time.Unix(w.Created, 0).UTC(), Livemode: w.Livemode, Raw: body,
	}
	var kind struct {
		Object string `json:"object"`
	}
	if err := json.Unmarshal(w.Data.Object, &kind); err != nil {
		return nil, fmt.Errorf("%s event %s: data.object: %w", provider, w.ID, err)
	}
	switch kind.Object {
	case "payment_intent":
		var pi decodedIntent
		if err := json.Unmarshal(w.Data.Object, &pi); err != nil {
			return nil, fmt.Errorf("%s event %s: payment_intent: %w", provider, w.ID, err)
		}
		in := pi.Intent()
		ev.IntentRef, ev.Status, ev.Amount, ev.Currency = in.Ref, in.Status, in.Amount, in.Currency
		ev.AmountReceived, ev.PaymentMethod = in.AmountReceived, in.PaymentMethod
		ev.PaymentID = in.Metadata[psp.MetadataPaymentID]
		if in.LastError != nil && ev.Type == psp.EventPaymentFailed {
			ev.FailureCode, ev.DeclineCode, ev.FailureMessage = in.LastError.Code, in.LastError.DeclineCode, in.LastError.Message
			if e := pi.LastPaymentError; e.PaymentMethod != nil && ev.PaymentMethod == nil {
				ev.PaymentMethod = e.PaymentMethod.method()
			}
		}
	case "refund":
		var re decodedRefund
		if err := json.Unmarshal(w.Data.Object, &re); err != nil {
			return nil, fmt.Errorf("%s event %s: refund: %w", provider, w.ID, err)
		}
		ev.RefundRef, ev.IntentRef, ev.RefundStatus = re.ID, re.PaymentIntent, psp.RefundStatus(re.Status)
		ev.Amount, ev.Currency, ev.FailureCode = re.Amount, strings.ToUpper(re.Currency), re.FailureReason
		ev.PaymentID = re.Metadata[psp.MetadataPaymentID]
		ev.Type = psp.RefundEventType(ev.Type, ev.RefundStatus)
	case "charge":
		var ch struct {
			ID             string            `json:"id"`
			PaymentIntent  string            `json:"payment_intent"`
			Amount         int64             `json:"amount"`
			AmountCaptured int64             `json:"amount_captured"`
			AmountRefunded int64             `json:"amount_refunded"`
			Currency       string            `json:"currency"`
			Metadata       map[string]string `json:"metadata"`
		}
		if err := json.Unmarshal(w.Data.Object, &ch); err != nil {
			return nil, fmt.Errorf("%s event %s: charge: %w", provider, w.ID, err)
		}
		ev.IntentRef, ev.Amount, ev.Currency = ch.PaymentIntent, ch.Amount, strings.ToUpper(ch.Currency)
		ev.AmountReceived, ev.AmountRefunded = ch.AmountCaptured, ch.AmountRefunded
		ev.PaymentID = ch.Metadata[psp.MetadataPaymentID]
	}
	return ev, nil
}
