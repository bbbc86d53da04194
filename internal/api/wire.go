package api

import (
	"encoding/json"

	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/payment/paywire"
	"github.com/paystep/paystep/internal/store"
)

// The request and response bodies of /v1, snake_case.

type createPaymentRequest struct {
	Amount        int64             `json:"amount"`
	Currency      string            `json:"currency"`
	Customer      string            `json:"customer"`
	Description   string            `json:"description"`
	Metadata      map[string]string `json:"metadata"`
	CaptureMethod string            `json:"capture_method"`
	PSP           string            `json:"psp"`
}

type confirmRequest struct {
	PaymentMethod string `json:"payment_method"`
	ReturnURL     string `json:"return_url"`
}

type captureRequest struct {
	AmountToCapture int64 `json:"amount_to_capture"`
}

type cancelRequest struct{}

type createRefundRequest struct {
	Payment  string            `json:"payment"`
	Amount   int64             `json:"amount"`
	Reason   string            `json:"reason"`
	Metadata map[string]string `json:"metadata"`
}

type nextActionJSON struct {
	Type        string `json:"type"`
	RedirectURL string `json:"redirect_url"`
}

type transitionJSON struct {
	From       string `json:"from"`
	To         string `json:"to"`
	At         string `json:"at"`
	Cause      string `json:"cause"`
	PSPEventID string `json:"psp_event_id,omitempty"`
	Detail     string `json:"detail,omitempty"`
}

// paymentJSON is a payment as the API shows it: with its next action,
// the PSP call under way and, for one payment, its transitions.
type paymentJSON struct {
	paywire.Payment
	NextAction       *nextActionJSON  `json:"next_action"`
	PendingOperation string           `json:"pending_operation,omitempty"`
	Transitions      []transitionJSON `json:"transitions,omitempty"`
}

type eventJSON struct {
	ID        string `json:"id"`
	Object    string `json:"object"`
	Type      string `json:"type"`
	CreatedAt string `json:"created_at"`
	Data      struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

type listJSON[T any] struct {
	Object     string `json:"object"`
	Data       []T    `json:"data"`
	HasMore    bool   `json:"has_more"`
	NextCursor string `json:"next_cursor,omitempty"`
}

type errorJSON struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Type        string `json:"type"`
	Code        string `json:"code,omitempty"`
	DeclineCode string `json:"decline_code,omitempty"`
	Message     string `json:"message"`
	Param       string `json:"param,omitempty"`
	// Payment is the payment the error is about, as it now stands.
	Payment *paymentJSON `json:"payment,omitempty"`
}

func toPaymentJSON(p *payment.Payment, log []payment.Entry) paymentJSON {
	out := paymentJSON{Payment: paywire.NewPayment(p), PendingOperation: string(p.Pending)}
	if p.Status == payment.RequiresAction && p.NextActionURL != "" {
		out.NextAction = &nextActionJSON{Type: "redirect_to_url", RedirectURL: p.NextActionURL}
	}
	for _, e := range log {
		out.Transitions = append(out.Transitions, transitionJSON{From: string(e.From), To: string(e.To), At: paywire.Time(e.At),
			Cause: string(e.Cause.Kind), PSPEventID: e.Cause.EventID, Detail: e.Cause.Detail})
	}
	return out
}

func toEventJSON(e *store.DomainEvent) eventJSON {
	out := eventJSON{ID: e.ID, Object: "event", Type: e.Type, CreatedAt: paywire.Time(e.CreatedAt)}
	out.Data.Object = e.Data
	if len(out.Data.Object) == 0 {
		out.Data.Object = json.RawMessage("null")
	}
	return out
}
