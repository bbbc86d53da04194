package payment_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/psp"
)

var now = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// spec is the lifecycle as the product brief states it, written out pair by
// pair: from → to, and the causes that may make the move. Every pair not
// listed is refused.
var spec = map[string]string{
	"created→processing":               "psp_response webhook psp_status",
	"created→requires_action":          "psp_response webhook psp_status",
	"created→requires_capture":         "psp_response webhook psp_status",
	"created→succeeded":                "webhook psp_status",
	"created→failed":                   "webhook psp_status",
	"created→canceled":                 "webhook psp_status api", // api: only while the PSP never saw it
	"processing→requires_action":       "psp_response webhook psp_status",
	"processing→requires_capture":      "psp_response webhook psp_status",
	"processing→succeeded":             "webhook psp_status",
	"processing→failed":                "webhook psp_status",
	"processing→canceled":              "webhook psp_status",
	"requires_action→processing":       "psp_response webhook psp_status",
	"requires_action→requires_capture": "psp_response webhook psp_status",
	"requires_action→succeeded":        "webhook psp_status",
	"requires_action→failed":           "webhook psp_status",
	"requires_action→canceled":         "webhook psp_status",
	"requires_capture→succeeded":       "webhook psp_status",
	"requires_capture→canceled":        "webhook psp_status",
}

var causes = []payment.CauseKind{payment.CauseAPI, payment.CausePSPResponse, payment.CauseWebhook, payment.CausePSPStatus}

func newPayment(status payment.Status) payment.Payment {
	return payment.Payment{ID: "pay_1", Amount: money.New(1050, "EUR"), Status: status, CaptureMethod: payment.CaptureAutomatic}
}

// TestTransitionTable tries every pair of statuses with every cause.
func TestTransitionTable(t *testing.T) {
	t.Parallel()
	tried := 0
	for _, from := range payment.Statuses {
		for _, to := range payment.Statuses {
			for _, cause := range causes {
				tried++
				name := string(from) + "→" + string(to)
				want := strings.Contains(" "+spec[name]+" ", " "+string(cause)+" ")
				p := newPayment(from)
				got, e, err := payment.Transition(p, to, payment.Cause{Kind: cause, EventID: "evt_1"}, now)
				if want {
					if err != nil {
						t.Errorf("Transition(%s, %s) = %v, want allowed", name, cause, err)
						continue
					}
					if got.Status != to || got.UpdatedAt != now || e.From != from || e.To != to || e.At != now || e.Cause.Kind != cause || e.Cause.EventID != "evt_1" {
						t.Errorf("Transition(%s, %s) = %+v, %+v", name, cause, got, e)
					}
					continue
				}
				var te *payment.TransitionError
				if !errors.As(err, &te) || te.From != from || te.To != to {
					t.Errorf("Transition(%s, %s) = %v, want a *TransitionError", name, cause, err)
					continue
				}
				prefix := "payment: cannot move from " + string(from) + " to " + string(to)
				if !strings.HasPrefix(err.Error(), prefix) {
					t.Errorf("Transition(%s, %s) error %q, want it to start %q", name, cause, err, prefix)
				}
				if got.Status != from {
					t.Errorf("refused Transition(%s, %s) moved the payment to %s", name, cause, got.Status)
				}
			}
		}
	}
	if tried != 7*7*4 {
		t.Errorf("tried %d combinations, want %d", tried, 7*7*4)
	}
}

func TestTransitionErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, to payment.Status
		cause    payment.CauseKind
		ref      string
		want     string
	}{
		{payment.Succeeded, payment.Processing, payment.CauseWebhook, "", "payment: cannot move from succeeded to processing"},
		{payment.Processing, payment.Succeeded, payment.CauseAPI, "", "payment: cannot move from processing to succeeded on api: a payment ends only on a verified PSP event or a PSP status read"},
		{payment.Processing, payment.Succeeded, payment.CausePSPResponse, "", "payment: cannot move from processing to succeeded on psp_response: a payment ends only on a verified PSP event or a PSP status read"},
		{payment.Created, payment.Processing, payment.CauseAPI, "", "payment: cannot move from created to processing on api: only the PSP's word moves a payment"},
		{payment.Created, payment.Canceled, payment.CauseAPI, "pi_1", "payment: cannot move from created to canceled on api: the PSP has the payment: cancel it there and wait for its event"},
	} {
		p := newPayment(tc.from)
		p.PSPReference = tc.ref
		_, _, err := payment.Transition(p, tc.to, payment.Cause{Kind: tc.cause}, now)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Transition(%s→%s, %s) = %v, want %q", tc.from, tc.to, tc.cause, err, tc.want)
		}
	}
	// A payment whose create call is unanswered may exist at the PSP.
	p := newPayment(payment.Created)
	p.Pending = payment.OpCreate
	if _, _, err := payment.Transition(p, payment.Canceled, payment.Cause{Kind: payment.CauseAPI}, now); err == nil {
		t.Error("canceling by API a payment whose creation is pending succeeded")
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	webhook := payment.Cause{Kind: payment.CauseWebhook, EventID: "evt_9"}
	answer := payment.Cause{Kind: payment.CausePSPResponse}
	for _, tc := range []struct {
		name    string
		from    payment.Status
		o       payment.Observation
		cause   payment.Cause
		want    payment.Status
		entries int
		wantErr bool
	}{
		{"answer processing", payment.Created, payment.Observation{Status: payment.Processing}, answer, payment.Processing, 1, false},
		{"answer succeeded stops at processing", payment.Created, payment.Observation{Status: payment.Succeeded}, answer, payment.Processing, 1, false},
		{"answer succeeded after capture stays", payment.RequiresCapture, payment.Observation{Status: payment.Succeeded}, answer, payment.RequiresCapture, 0, false},
		{"answer canceled stays", payment.Created, payment.Observation{Status: payment.Canceled}, answer, payment.Created, 0, false},
		{"answer needs action", payment.Created, payment.Observation{Status: payment.RequiresAction, NextActionURL: "https://psp/3ds"}, answer, payment.RequiresAction, 1, false},
		{"event succeeded", payment.Processing, payment.Observation{Status: payment.Succeeded, AmountReceived: 1050}, webhook, payment.Succeeded, 1, false},
		{"event overtakes the answer", payment.Created, payment.Observation{Status: payment.Succeeded}, webhook, payment.Succeeded, 1, false},
		{"stale processing after success", payment.Succeeded, payment.Observation{Status: payment.Processing}, webhook, payment.Succeeded, 0, false},
		{"stale created after processing", payment.Processing, payment.Observation{Status: payment.Created}, webhook, payment.Processing, 0, false},
		{"duplicate success", payment.Succeeded, payment.Observation{Status: payment.Succeeded}, webhook, payment.Succeeded, 0, false},
		{"contradiction", payment.Succeeded, payment.Observation{Status: payment.Canceled}, webhook, payment.Succeeded, 0, true},
		{"no status", payment.Created, payment.Observation{}, webhook, payment.Created, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, entries, err := payment.Apply(newPayment(tc.from), tc.o, tc.cause, now)
			if (err != nil) != tc.wantErr || got.Status != tc.want || len(entries) != tc.entries {
				t.Errorf("Apply = %s, %d entries, %v; want %s, %d entries, error %v", got.Status, len(entries), err, tc.want, tc.entries, tc.wantErr)
			}
		})
	}

	// Older events than the newest applied change nothing.
	p := newPayment(payment.RequiresAction)
	p.LastEventAt = now
	got, entries, err := payment.Apply(p, payment.Observation{Status: payment.Processing, At: now.Add(-time.Second)}, webhook, now)
	if err != nil || len(entries) != 0 || got.Status != payment.RequiresAction {
		t.Errorf("Apply(older event) = %s, %v, %v; want no change", got.Status, entries, err)
	}
	got, entries, err = payment.Apply(p, payment.Observation{Status: payment.Processing, At: now.Add(time.Second)}, webhook, now)
	if err != nil || len(entries) != 1 || got.Status != payment.Processing || got.LastEventAt != now.Add(time.Second) {
		t.Errorf("Apply(newer event) = %+v, %v, %v; want processing", got, entries, err)
	}

	// Failures carry their decline code into the log; success its amount.
	got, entries, err = payment.Apply(newPayment(payment.Processing), payment.Observation{Status: payment.Failed,
		Failure: &payment.Failure{Code: "card_declined", DeclineCode: "insufficient_funds"}}, webhook, now)
	if err != nil || got.Failure.DeclineCode != "insufficient_funds" || len(entries) != 1 || entries[0].Cause.Detail != "insufficient_funds" {
		t.Errorf("Apply(failed) = %+v, %+v, %v", got, entries, err)
	}
	got, _, _ = payment.Apply(newPayment(payment.RequiresCapture), payment.Observation{Status: payment.Succeeded, AmountReceived: 700}, webhook, now)
	if got.AmountCaptured != 700 {
		t.Errorf("captured = %d, want 700", got.AmountCaptured)
	}
	// The card summary survives an event naming the method only, and an
	// answer the event overtook still brings it.
	visa := &psp.PaymentMethod{Token: "pm_1", Brand: "visa", Last4: "4242", ExpMonth: 12, ExpYear: 2034}
	p = newPayment(payment.Processing)
	p.PaymentMethod = payment.Method{Token: "pm_1"}
	got, _, _ = payment.Apply(p, payment.Observation{Status: payment.Succeeded, Method: &psp.PaymentMethod{Token: "pm_1"}}, webhook, now)
	got, entries, err = payment.Apply(got, payment.Observation{Status: payment.Processing, Method: visa}, answer, now)
	if err != nil || len(entries) != 0 || got.Status != payment.Succeeded || got.PaymentMethod.Last4 != "4242" || got.PaymentMethod.Brand != "visa" {
		t.Errorf("Apply(stale answer with the card) = %+v, %v, %v; want succeeded with visa 4242", got, entries, err)
	}
	got, _, _ = payment.Apply(got, payment.Observation{Status: payment.Succeeded, Method: &psp.PaymentMethod{Token: "pm_1"}}, webhook, now)
	if got.PaymentMethod.Last4 != "4242" {
		t.Errorf("an event naming the method only dropped its summary: %+v", got.PaymentMethod)
	}
}

func TestObserve(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   psp.Intent
		want payment.Status
	}{
		{psp.Intent{Status: psp.StatusRequiresPaymentMethod}, payment.Created},
		{psp.Intent{Status: psp.StatusRequiresPaymentMethod, LastError: &psp.Decline{Code: "card_declined"}}, payment.Failed},
		{psp.Intent{Status: psp.StatusRequiresConfirmation}, payment.Created},
		{psp.Intent{Status: psp.StatusRequiresAction}, payment.RequiresAction},
		{psp.Intent{Status: psp.StatusProcessing}, payment.Processing},
		{psp.Intent{Status: psp.StatusRequiresCapture}, payment.RequiresCapture},
		{psp.Intent{Status: psp.StatusSucceeded}, payment.Succeeded},
		{psp.Intent{Status: psp.StatusCanceled}, payment.Canceled},
	} {
		if got := payment.ObserveIntent(&tc.in).Status; got != tc.want {
			t.Errorf("ObserveIntent(%s, last error %v) = %s, want %s", tc.in.Status, tc.in.LastError, got, tc.want)
		}
	}
	ev := &psp.Event{Type: psp.EventPaymentFailed, Status: psp.StatusRequiresPaymentMethod, FailureCode: "card_declined", DeclineCode: "generic_decline", Created: now}
	if o := payment.ObserveEvent(ev); o.Status != payment.Failed || o.Failure.DeclineCode != "generic_decline" || o.At != now {
		t.Errorf("ObserveEvent(payment.failed) = %+v", o)
	}
}

func TestRefundArithmetic(t *testing.T) {
	t.Parallel()
	p := newPayment(payment.Succeeded)
	p.AmountCaptured = 1050
	r := payment.Refund{ID: "re_1", Amount: money.New(600, "EUR"), Status: payment.RefundPending}
	p, err := payment.StartRefund(p, r, now)
	if err != nil || p.AmountRefundPending != 600 || p.Refundable() != 450 {
		t.Fatalf("StartRefund = %+v, %v", p, err)
	}
	_, err = payment.StartRefund(p, payment.Refund{ID: "re_2", Amount: money.New(451, "EUR")}, now)
	if err == nil || err.Error() != "payment pay_1: cannot refund: 4.51 is more than the 4.50 that remains refundable" {
		t.Errorf("StartRefund(too much) = %v", err)
	}
	if _, err := payment.StartRefund(p, payment.Refund{Amount: money.New(1, "USD")}, now); err == nil {
		t.Error("StartRefund in another currency succeeded")
	}
	if _, err := payment.StartRefund(newPayment(payment.Processing), r, now); err == nil {
		t.Error("StartRefund of a processing payment succeeded")
	}
	if _, _, err := payment.SettleRefund(p, r, payment.RefundSucceeded, payment.Cause{Kind: payment.CauseAPI}, now); err == nil {
		t.Error("SettleRefund by the API succeeded")
	}
	p2, r2, err := payment.SettleRefund(p, r, payment.RefundSucceeded, payment.Cause{Kind: payment.CauseWebhook}, now)
	if err != nil || p2.AmountRefunded != 600 || p2.AmountRefundPending != 0 || r2.Status != payment.RefundSucceeded {
		t.Errorf("SettleRefund(succeeded) = %+v, %+v, %v", p2, r2, err)
	}
	if _, _, err := payment.SettleRefund(p2, r2, payment.RefundFailed, payment.Cause{Kind: payment.CauseWebhook}, now); err == nil {
		t.Error("a settled refund moved again")
	}
	p3, _, err := payment.SettleRefund(p, r, payment.RefundFailed, payment.Cause{Kind: payment.CausePSPResponse}, now)
	if err != nil || p3.AmountRefunded != 0 || p3.AmountRefundPending != 0 || p3.Refundable() != 1050 {
		t.Errorf("SettleRefund(failed) = %+v, %v", p3, err)
	}
}
