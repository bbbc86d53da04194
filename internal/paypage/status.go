package paypage

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/paystep/paystep/internal/payment"
)

// statusJSON is what the page's script polls: the payment as the customer
// may see it, nothing more (no customer, no metadata, no PSP reference).
type statusJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// Final is true when the customer's part is over: the payment ended,
	// or it is authorised and waits for the merchant to capture it.
	Final         bool         `json:"final"`
	Amount        int64        `json:"amount"`
	Currency      string       `json:"currency"`
	AmountText    string       `json:"amount_text"` // "10.50 EUR"
	PaymentMethod *methodJSON  `json:"payment_method,omitempty"`
	Failure       *failureJSON `json:"failure,omitempty"`
	// NextActionURL is where the customer authenticates (3-D Secure) while
	// the payment requires action.
	NextActionURL string `json:"next_action_url,omitempty"`
}

type methodJSON struct {
	Brand string `json:"brand"`
	Last4 string `json:"last4"`
}

type failureJSON struct {
	Code        string `json:"code,omitempty"`
	DeclineCode string `json:"decline_code,omitempty"`
	Message     string `json:"message"`
}

type errorJSON struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Type    string `json:"type"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

func toStatusJSON(p *payment.Payment) statusJSON {
	out := statusJSON{ID: p.ID, Status: string(p.Status), Final: p.Status.Terminal() || p.Status == payment.RequiresCapture,
		Amount: p.Amount.Minor, Currency: string(p.Amount.Currency), AmountText: p.Amount.String()}
	if m := p.PaymentMethod; m.Last4 != "" {
		out.PaymentMethod = &methodJSON{Brand: m.Brand, Last4: m.Last4}
	}
	if f := p.Failure; p.Status == payment.Failed || f.Code != "" {
		out.Failure = &failureJSON{Code: f.Code, DeclineCode: f.DeclineCode, Message: failureMessage(f)}
	}
	if p.Status == payment.RequiresAction {
		out.NextActionURL = p.NextActionURL
	}
	return out
}

// failureMessage is the PSP's message for the customer, or a plain one.
func failureMessage(f payment.Failure) string {
	if f.Message != "" {
		return f.Message
	}
	if f.Code != "" {
		return fmt.Sprintf("The payment was not accepted (%s).", f.Code)
	}
	return "The payment was not accepted."
}

func (p *Handler) status(w http.ResponseWriter, r *http.Request) {
	pay := p.load(w, r, true)
	if pay == nil {
		return
	}
	writeJSON(w, http.StatusOK, toStatusJSON(pay))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("paypage: marshal %T: %v", v, err)) // our wire types always marshal
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
