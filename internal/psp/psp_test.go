package psp_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/paystep/paystep/internal/psp"
)

func TestOutcomeOf(t *testing.T) {
	t.Parallel()
	declined := &psp.Error{Provider: "sandbox", Op: "confirm", Outcome: psp.Failed, Type: psp.ErrorTypeCard,
		Code: psp.CodeCardDeclined, DeclineCode: "insufficient_funds", Message: "Your card has insufficient funds."}
	lost := &psp.Error{Provider: "stripe", Op: "capture", Outcome: psp.Unknown, Type: psp.ErrorTypeConnection, Err: context.DeadlineExceeded}
	for _, tc := range []struct {
		err  error
		want psp.Outcome
	}{
		{nil, psp.Succeeded},
		{declined, psp.Failed},
		{fmt.Errorf("confirm pay_1: %w", declined), psp.Failed},
		{lost, psp.Unknown},
		{errors.New("something we cannot place"), psp.Unknown},
		{&psp.Error{}, psp.Unknown},
	} {
		if got := psp.OutcomeOf(tc.err); got != tc.want {
			t.Errorf("OutcomeOf(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
	if got, want := declined.Error(), "sandbox confirm: failed: card_declined (insufficient_funds): Your card has insufficient funds."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(lost, context.DeadlineExceeded) || !errors.Is(lost, psp.ErrUnknown) || errors.Is(lost, psp.ErrFailed) {
		t.Errorf("errors.Is on %v: want the cause and ErrUnknown, not ErrFailed", lost)
	}
	if !errors.Is(declined, psp.ErrDeclined) || !errors.Is(declined, &psp.Error{Code: psp.CodeCardDeclined}) || errors.Is(declined, psp.ErrNotFound) {
		t.Errorf("errors.Is on %v: want ErrDeclined and the code, not ErrNotFound", declined)
	}
	if d, ok := psp.DeclineOf(fmt.Errorf("wrapped: %w", declined)); !ok || d.DeclineCode != "insufficient_funds" || d.Code != psp.CodeCardDeclined {
		t.Errorf("DeclineOf = %+v, %v", d, ok)
	}
	if _, ok := psp.DeclineOf(lost); ok {
		t.Errorf("DeclineOf(a lost answer) found a decline")
	}
}

func TestTransportOutcome(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, refused := http.Get("http://" + addr)
	if got := psp.TransportOutcome(refused); got != psp.Failed {
		t.Errorf("TransportOutcome(%v) = %s, want failed", refused, got)
	}
	if got := psp.TransportOutcome(&net.DNSError{Err: "no such host", Name: "psp.invalid"}); got != psp.Failed {
		t.Errorf("TransportOutcome(DNS) = %s, want failed", got)
	}
	for _, err := range []error{context.DeadlineExceeded, errors.New("read: connection reset by peer"), &net.OpError{Op: "read", Err: errors.New("reset")}} {
		if got := psp.TransportOutcome(err); got != psp.Unknown {
			t.Errorf("TransportOutcome(%v) = %s, want unknown", err, got)
		}
	}
}

func TestEventTypes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]psp.EventType{
		"payment_intent.succeeded":                 psp.EventPaymentSucceeded,
		"payment_intent.payment_failed":            psp.EventPaymentFailed,
		"payment_intent.amount_capturable_updated": psp.EventPaymentAuthorized,
		"payment_intent.canceled":                  psp.EventPaymentCanceled,
		"customer.created":                         psp.EventOther,
		"":                                         psp.EventOther,
	} {
		if got := psp.EventTypeFromStripe(in); got != want {
			t.Errorf("EventTypeFromStripe(%q) = %s, want %s", in, got, want)
		}
	}
	for _, tc := range []struct {
		t    psp.EventType
		s    psp.RefundStatus
		want psp.EventType
	}{
		{psp.EventRefundCreated, psp.RefundSucceeded, psp.EventRefundSucceeded},
		{psp.EventRefundCreated, psp.RefundPending, psp.EventRefundCreated},
		{psp.EventRefundUpdated, psp.RefundSucceeded, psp.EventRefundSucceeded},
		{psp.EventRefundUpdated, psp.RefundFailed, psp.EventRefundFailed},
		{psp.EventRefundFailed, psp.RefundFailed, psp.EventRefundFailed},
	} {
		if got := psp.RefundEventType(tc.t, tc.s); got != tc.want {
			t.Errorf("RefundEventType(%s, %s) = %s, want %s", tc.t, tc.s, got, tc.want)
		}
	}
	if !psp.EventRefundFailed.IsRefund() || psp.EventPaymentFailed.IsRefund() {
		t.Errorf("IsRefund is wrong")
	}
	if !psp.StatusSucceeded.Terminal() || psp.StatusRequiresCapture.Terminal() || psp.Status("paid").Valid() {
		t.Errorf("Terminal/Valid are wrong")
	}
}
