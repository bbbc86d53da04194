// Package testcard knows Stripe's test card numbers and test payment-method
// tokens and what each one does, so the sandbox PSP and the fakes behave as
// Stripe's test mode does. It also holds the card-number checks the sandbox
// tokeniser needs (Luhn, brand). Nothing here is ever given a real card.
package testcard

import "strings"

// Behaviour is what happens when a card is charged.
type Behaviour int

// The behaviours.
const (
	// Succeeds: the charge succeeds.
	Succeeds Behaviour = iota + 1
	// Declines: the charge is declined with Code and DeclineCode.
	Declines
	// Authenticates: 3-D Secure is required; once approved the charge
	// succeeds, once failed it is declined with authentication failure.
	Authenticates
	// AuthenticatesThenDeclines: 3-D Secure is required; once approved the
	// charge is declined with Code and DeclineCode.
	AuthenticatesThenDeclines
	// RefundFails: the charge succeeds; a refund first succeeds, then fails
	// asynchronously with failure reason "expired_or_canceled_card".
	RefundFails
)

// Card is a test card.
type Card struct {
	Number      string // digits only
	Token       string // Stripe's test PaymentMethod ID, "pm_card_visa"
	Brand       string // "visa", "mastercard", "amex", …
	Funding     string // "credit", "debit", "prepaid"
	Behaviour   Behaviour
	Code        string // for declines: "card_declined", "expired_card", "incorrect_cvc", "processing_error"
	DeclineCode string // for declines: "generic_decline", "insufficient_funds", …
	Message     string // Stripe's message for the decline
	Description string
}

// Cards are Stripe's test cards paystep simulates, from Stripe's testing
// documentation.
var Cards = []Card{
	// Successful payments, by brand.
	{Number: "4242424242424242", Token: "pm_card_visa", Brand: "visa", Funding: "credit", Behaviour: Succeeds, Description: "Visa: succeeds"},
	{Number: "4000056655665556", Token: "pm_card_visa_debit", Brand: "visa", Funding: "debit", Behaviour: Succeeds, Description: "Visa (debit): succeeds"},
	{Number: "5555555555554444", Token: "pm_card_mastercard", Brand: "mastercard", Funding: "credit", Behaviour: Succeeds, Description: "Mastercard: succeeds"},
	{Number: "2223003122003222", Brand: "mastercard", Funding: "credit", Behaviour: Succeeds, Description: "Mastercard (2-series): succeeds"},
	{Number: "5200828282828210", Token: "pm_card_mastercard_debit", Brand: "mastercard", Funding: "debit", Behaviour: Succeeds, Description: "Mastercard (debit): succeeds"},
	{Number: "5105105105105100", Token: "pm_card_mastercard_prepaid", Brand: "mastercard", Funding: "prepaid", Behaviour: Succeeds, Description: "Mastercard (prepaid): succeeds"},
	{Number: "378282246310005", Token: "pm_card_amex", Brand: "amex", Funding: "credit", Behaviour: Succeeds, Description: "American Express: succeeds"},
	{Number: "371449635398431", Brand: "amex", Funding: "credit", Behaviour: Succeeds, Description: "American Express: succeeds"},
	{Number: "6011111111111117", Token: "pm_card_discover", Brand: "discover", Funding: "credit", Behaviour: Succeeds, Description: "Discover: succeeds"},
	{Number: "6011000990139424", Brand: "discover", Funding: "credit", Behaviour: Succeeds, Description: "Discover: succeeds"},
	{Number: "3056930009020004", Token: "pm_card_diners", Brand: "diners", Funding: "credit", Behaviour: Succeeds, Description: "Diners Club: succeeds"},
	{Number: "36227206271667", Brand: "diners", Funding: "credit", Behaviour: Succeeds, Description: "Diners Club (14 digits): succeeds"},
	{Number: "3566002020360505", Token: "pm_card_jcb", Brand: "jcb", Funding: "credit", Behaviour: Succeeds, Description: "JCB: succeeds"},
	{Number: "6200000000000005", Token: "pm_card_unionpay", Brand: "unionpay", Funding: "credit", Behaviour: Succeeds, Description: "UnionPay: succeeds"},
	{Number: "4000000000000077", Token: "pm_card_bypassPending", Brand: "visa", Funding: "credit", Behaviour: Succeeds, Description: "succeeds, funds available at once"},

	// Declines.
	{Number: "4000000000000002", Token: "pm_card_visa_chargeDeclined", Brand: "visa", Funding: "credit", Behaviour: Declines,
		Code: "card_declined", DeclineCode: "generic_decline", Message: "Your card was declined.", Description: "declined: generic_decline"},
	{Number: "4000000000009995", Token: "pm_card_visa_chargeDeclinedInsufficientFunds", Brand: "visa", Funding: "credit", Behaviour: Declines,
		Code: "card_declined", DeclineCode: "insufficient_funds", Message: "Your card has insufficient funds.", Description: "declined: insufficient_funds"},
	{Number: "4000000000009987", Token: "pm_card_visa_chargeDeclinedLostCard", Brand: "visa", Funding: "credit", Behaviour: Declines,
		Code: "card_declined", DeclineCode: "lost_card", Message: "Your card was declined.", Description: "declined: lost_card"},
	{Number: "4000000000009979", Token: "pm_card_visa_chargeDeclinedStolenCard", Brand: "visa", Funding: "credit", Behaviour: Declines,
		Code: "card_declined", DeclineCode: "stolen_card", Message: "Your card was declined.", Description: "declined: stolen_card"},
	{Number: "4000000000006975", Token: "pm_card_visa_chargeDeclinedVelocityLimitExceeded", Brand: "visa", Funding: "credit", Behaviour: Declines,
		Code: "card_declined", DeclineCode: "card_velocity_exceeded", Message: "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.", Description: "declined: card_velocity_exceeded"},
	{Number: "4100000000000019", Token: "pm_card_radarBlock", Brand: "visa", Funding: "credit", Behaviour: Declines,
		Code: "card_declined", DeclineCode: "fraudulent", Message: "Your card was declined.", Description: "blocked as fraudulent"},
	{Number: "4000000000000069", Token: "pm_card_chargeDeclinedExpiredCard", Brand: "visa", Funding: "credit", Behaviour: Declines,
		Code: "expired_card", DeclineCode: "expired_card", Message: "Your card has expired.", Description: "declined: expired_card"},
	{Number: "4000000000000127", Token: "pm_card_chargeDeclinedIncorrectCvc", Brand: "visa", Funding: "credit", Behaviour: Declines,
		Code: "incorrect_cvc", DeclineCode: "incorrect_cvc", Message: "Your card's security code is incorrect.", Description: "declined: incorrect_cvc"},
	{Number: "4000000000000119", Token: "pm_card_chargeDeclinedProcessingError", Brand: "visa", Funding: "credit", Behaviour: Declines,
		Code: "processing_error", DeclineCode: "processing_error", Message: "An error occurred while processing your card. Try again in a little bit.", Description: "declined: processing_error"},
	{Number: "4000000000000341", Token: "pm_card_chargeCustomerFail", Brand: "visa", Funding: "credit", Behaviour: Declines,
		Code: "card_declined", DeclineCode: "generic_decline", Message: "Your card was declined.", Description: "attaches, then every charge is declined"},

	// 3-D Secure.
	{Number: "4000002500003155", Token: "pm_card_authenticationRequiredOnSetup", Brand: "visa", Funding: "credit", Behaviour: Authenticates, Description: "3-D Secure required"},
	{Number: "4000002760003184", Token: "pm_card_authenticationRequired", Brand: "visa", Funding: "credit", Behaviour: Authenticates, Description: "3-D Secure always required"},
	{Number: "4000000000003220", Token: "pm_card_threeDSecure2Required", Brand: "visa", Funding: "credit", Behaviour: Authenticates, Description: "3-D Secure 2 required"},
	{Number: "4000000000003063", Token: "pm_card_threeDSecureRequired", Brand: "visa", Funding: "credit", Behaviour: Authenticates, Description: "3-D Secure required"},
	{Number: "4000008400001629", Token: "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", Brand: "visa", Funding: "credit", Behaviour: AuthenticatesThenDeclines,
		Code: "card_declined", DeclineCode: "insufficient_funds", Message: "Your card has insufficient funds.", Description: "3-D Secure required, then declined: insufficient_funds"},

	// Refunds.
	{Number: "4000000000005126", Token: "pm_card_refundFail", Brand: "visa", Funding: "credit", Behaviour: RefundFails, Description: "succeeds; refunds fail asynchronously"},
}

var (
	byNumber = map[string]Card{}
	byToken  = map[string]Card{}
)

func init() {
	for _, c := range Cards {
		byNumber[c.Number] = c
		if c.Token != "" {
			byToken[c.Token] = c
		}
	}
}

// Lookup returns the test card with number (digits only).
func Lookup(number string) (Card, bool) {
	c, ok := byNumber[number]
	return c, ok
}

// ByToken returns the test card behind one of Stripe's test PaymentMethod IDs.
func ByToken(token string) (Card, bool) {
	c, ok := byToken[token]
	return c, ok
}

// LiveCard is how an unknown (Luhn-valid) number behaves: as in Stripe's
// test mode, it is declined.
var LiveCard = Card{Behaviour: Declines, Code: "card_declined", DeclineCode: "test_mode_live_card",
	Message: "Your card was declined. Your request was in test mode, but used a non test card.", Funding: "unknown"}

// Normalize removes spaces and dashes from a typed card number.
func Normalize(number string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, number)
}

// Luhn reports whether number is all digits, 12 to 19 of them, and passes
// the Luhn check.
func Luhn(number string) bool {
	if len(number) < 12 || len(number) > 19 {
		return false
	}
	sum := 0
	double := false
	for i := len(number) - 1; i >= 0; i-- {
		c := number[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// Brand detects a card's brand from its leading digits, as Stripe names
// them: "visa", "mastercard", "amex", "discover", "diners", "jcb",
// "unionpay" or "unknown".
func Brand(number string) string {
	p := func(n int) int {
		if len(number) < n {
			return -1
		}
		v := 0
		for _, c := range number[:n] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	switch {
	case p(1) == 4:
		return "visa"
	case p(2) >= 51 && p(2) <= 55, p(4) >= 2221 && p(4) <= 2720:
		return "mastercard"
	case p(2) == 34, p(2) == 37:
		return "amex"
	case p(4) == 6011, p(2) == 65, p(3) >= 644 && p(3) <= 649:
		return "discover"
	case p(2) == 36, p(2) == 38, p(2) == 39, p(3) >= 300 && p(3) <= 305, p(3) == 309:
		return "diners"
	case p(4) >= 3528 && p(4) <= 3589:
		return "jcb"
	case p(2) == 62, p(2) == 81:
		return "unionpay"
	}
	return "unknown"
}
