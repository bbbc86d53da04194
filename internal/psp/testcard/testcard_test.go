package testcard

import "testing"

func TestCardsAreConsistent(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range Cards {
		if !Luhn(c.Number) {
			t.Errorf("card %s fails the Luhn check", c.Number)
		}
		if got := Brand(c.Number); got != c.Brand {
			t.Errorf("Brand(%s) = %q, want %q", c.Number, got, c.Brand)
		}
		if (c.Behaviour == Declines || c.Behaviour == AuthenticatesThenDeclines) && (c.Code == "" || c.DeclineCode == "") {
			t.Errorf("declining card %s has no code", c.Number)
		}
		if seen[c.Number] || (c.Token != "" && seen[c.Token]) {
			t.Errorf("card %s or token %s listed twice", c.Number, c.Token)
		}
		seen[c.Number], seen[c.Token] = true, c.Token != ""
		if got, ok := Lookup(c.Number); !ok || got.Number != c.Number {
			t.Errorf("Lookup(%s) = %v, %v", c.Number, got.Number, ok)
		}
		if c.Token != "" {
			if got, ok := ByToken(c.Token); !ok || got.Number != c.Number {
				t.Errorf("ByToken(%s) = %v, %v", c.Token, got.Number, ok)
			}
		}
	}
}

func TestTheBriefsCards(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		number      string
		behaviour   Behaviour
		declineCode string
	}{
		{"4242424242424242", Succeeds, ""},
		{"4000002500003155", Authenticates, ""},
		{"4000000000000002", Declines, "generic_decline"},
		{"4000000000009995", Declines, "insufficient_funds"},
		{"4000000000000069", Declines, "expired_card"},
		{"4000000000000119", Declines, "processing_error"},
		{"4000008400001629", AuthenticatesThenDeclines, "insufficient_funds"},
	} {
		c, ok := Lookup(tc.number)
		if !ok || c.Behaviour != tc.behaviour || c.DeclineCode != tc.declineCode {
			t.Errorf("Lookup(%s) = %+v, %v; want behaviour %d, decline %q", tc.number, c, ok, tc.behaviour, tc.declineCode)
		}
	}
}

func TestLuhnAndBrand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		number string
		luhn   bool
		brand  string
	}{
		{"4242424242424241", false, "visa"},
		{"4242-4242", false, "visa"},
		{"42424242424242424242", false, "visa"},
		{"", false, "unknown"},
		{"79927398713", false, "unknown"}, // Luhn-valid but too short
		{"4111111111111111", true, "visa"},
		{"2720990000000007", true, "mastercard"},
		{"6011000000000004", true, "discover"},
		{"9999999999999995", true, "unknown"},
	} {
		if got := Luhn(tc.number); got != tc.luhn {
			t.Errorf("Luhn(%q) = %v, want %v", tc.number, got, tc.luhn)
		}
		if got := Brand(tc.number); got != tc.brand {
			t.Errorf("Brand(%q) = %q, want %q", tc.number, got, tc.brand)
		}
	}
	if got := Normalize("4242 4242-4242 4242"); got != "4242424242424242" {
		t.Errorf("Normalize = %q", got)
	}
}
