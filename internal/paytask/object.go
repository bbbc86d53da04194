package paytask

import (
	"encoding/json"

	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/payment/paywire"
)

// paymentJSON is a payment as tasks return it: the /v1 API's object plus
// the pay page's address.
type paymentJSON struct {
	paywire.Payment
	PayURL string `json:"pay_url"`
}

// paymentObject renders p as tasks return it.
func (t *Tasks) paymentObject(p *payment.Payment) json.RawMessage {
	return mustMarshal(paymentJSON{Payment: paywire.NewPayment(p), PayURL: t.PayURL(p.ID)})
}

func refundObject(r *payment.Refund) json.RawMessage {
	return mustMarshal(paywire.NewRefund(r))
}

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("paytask: marshal: " + err.Error()) // strings, numbers and string maps only
	}
	return b
}
