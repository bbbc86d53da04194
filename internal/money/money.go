// Package money holds amounts of money as integer minor units of an ISO 4217
// currency. Decimal text is read and written only at the edges (Parse,
// Format), with each currency's exponent; there are no floats.
package money

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Conditions Add and Sub return, wrapped with the operands.
var (
	ErrCurrencyMismatch = errors.New("money: currencies differ")
	ErrOverflow         = errors.New("money: amount out of range")
)

// Amount is an amount of money.
type Amount struct {
	Minor    int64    `json:"amount"`   // minor units: 1050 with EUR is €10.50
	Currency Currency `json:"currency"` // ISO 4217
}

// New returns minor units of c.
func New(minor int64, c Currency) Amount { return Amount{Minor: minor, Currency: c} }

// Add returns a+b, or an error when the currencies differ or the sum
// overflows int64.
func (a Amount) Add(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, fmt.Errorf("%s + %s: %w", a, b, ErrCurrencyMismatch)
	}
	s := a.Minor + b.Minor
	if (b.Minor > 0 && s < a.Minor) || (b.Minor < 0 && s > a.Minor) {
		return Amount{}, fmt.Errorf("%s + %s: %w", a, b, ErrOverflow)
	}
	return Amount{Minor: s, Currency: a.Currency}, nil
}

// Sub returns a-b, or an error when the currencies differ or the difference
// overflows int64.
func (a Amount) Sub(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, fmt.Errorf("%s - %s: %w", a, b, ErrCurrencyMismatch)
	}
	d := a.Minor - b.Minor
	if (b.Minor > 0 && d > a.Minor) || (b.Minor < 0 && d < a.Minor) {
		return Amount{}, fmt.Errorf("%s - %s: %w", a, b, ErrOverflow)
	}
	return Amount{Minor: d, Currency: a.Currency}, nil
}

// IsZero reports whether a is zero minor units.
func (a Amount) IsZero() bool { return a.Minor == 0 }

// Format writes the amount as decimal text with the currency's exponent:
// "10.50" for 1050 EUR, "1050" for 1050 JPY, "1.050" for 1050 KWD. An
// unknown currency is written as plain minor units.
func (a Amount) Format() string {
	exp := a.Currency.Exponent()
	neg := a.Minor < 0
	u := uint64(a.Minor)
	if neg {
		u = -u // two's complement: right for math.MinInt64 too
	}
	digits := strconv.FormatUint(u, 10)
	if exp > 0 {
		if len(digits) <= exp {
			digits = strings.Repeat("0", exp-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-exp] + "." + digits[len(digits)-exp:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// String writes the amount with its currency: "10.50 EUR".
func (a Amount) String() string { return a.Format() + " " + string(a.Currency) }

// ParseError says why Parse refused its input.
type ParseError struct {
	Input    string
	Currency string
	Reason   string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("money: parse %q as %s: %s", e.Input, e.Currency, e.Reason)
}

// Parse reads decimal text in the currency's major units: Parse("10.50",
// "EUR") is 1050 EUR. It accepts an optional leading "-", digits, and at
// most as many decimal places as the currency has ("10.5" and "10.50" are
// EUR 1050, "10.505" is an error: it never rounds). Nothing else: no "+",
// no spaces, no thousands separators, no exponents.
func Parse(s, currency string) (Amount, error) {
	c, err := ParseCurrency(currency)
	if err != nil {
		return Amount{}, err
	}
	fail := func(reason string) (Amount, error) {
		return Amount{}, &ParseError{Input: s, Currency: string(c), Reason: reason}
	}
	text := s
	neg := strings.HasPrefix(text, "-")
	if neg {
		text = text[1:]
	}
	whole, frac, dot := strings.Cut(text, ".")
	exp := c.Exponent()
	switch {
	case whole == "":
		return fail("want digits before any decimal point")
	case dot && frac == "":
		return fail("want digits after the decimal point")
	case dot && exp == 0:
		return fail(string(c) + " has no minor units")
	case len(frac) > exp:
		return fail(fmt.Sprintf("%s has %d decimal places, got %d", c, exp, len(frac)))
	}
	var u uint64
	for i, part := range []string{whole, frac + strings.Repeat("0", exp-len(frac))} {
		for j := 0; j < len(part); j++ {
			ch := part[j]
			if ch < '0' || ch > '9' {
				pos := j + len(s) - len(text)
				if i == 1 {
					pos += len(whole) + 1
				}
				return fail(fmt.Sprintf("unexpected %q at offset %d", part[j:j+1], pos))
			}
			if u > (math.MaxUint64-9)/10 {
				return fail("out of range")
			}
			u = u*10 + uint64(ch-'0')
		}
	}
	switch {
	case !neg && u > math.MaxInt64, neg && u > math.MaxInt64+1:
		return fail("out of range")
	case neg:
		return Amount{Minor: int64(-u), Currency: c}, nil
	}
	return Amount{Minor: int64(u), Currency: c}, nil
}
