package money_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paystep/paystep/internal/money"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, cur string
		want    int64
		wantCur money.Currency
	}{
		{"10.50", "EUR", 1050, "EUR"},
		{"10.5", "EUR", 1050, "EUR"},
		{"10", "eur", 1000, "EUR"},
		{"0.01", "USD", 1, "USD"},
		{"-0.05", "USD", -5, "USD"},
		{"007.50", "GBP", 750, "GBP"},
		{"1000", "JPY", 1000, "JPY"},
		{"1.005", "KWD", 1005, "KWD"},
		{"1.5", "KWD", 1500, "KWD"},
		{"2.0001", "CLF", 20001, "CLF"},
		{"92233720368547758.07", "EUR", math.MaxInt64, "EUR"},
		{"-92233720368547758.08", "EUR", math.MinInt64, "EUR"},
		{"9223372036854775807", "JPY", math.MaxInt64, "JPY"},
	} {
		t.Run(tc.in+"_"+tc.cur, func(t *testing.T) {
			t.Parallel()
			got, err := money.Parse(tc.in, tc.cur)
			if err != nil || got.Minor != tc.want || got.Currency != tc.wantCur {
				t.Errorf("Parse(%q, %q) = %+v, %v; want %d %s", tc.in, tc.cur, got, err, tc.want, tc.wantCur)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, cur, want string }{
		{"10.505", "EUR", `money: parse "10.505" as EUR: EUR has 2 decimal places, got 3`},
		{"10.5", "JPY", `money: parse "10.5" as JPY: JPY has no minor units`},
		{"10.", "EUR", `money: parse "10." as EUR: want digits after the decimal point`},
		{".5", "EUR", `money: parse ".5" as EUR: want digits before any decimal point`},
		{"", "EUR", `money: parse "" as EUR: want digits before any decimal point`},
		{"-", "EUR", `money: parse "-" as EUR: want digits before any decimal point`},
		{"+1", "EUR", `money: parse "+1" as EUR: unexpected "+" at offset 0`},
		{"1,000.00", "EUR", `money: parse "1,000.00" as EUR: unexpected "," at offset 1`},
		{"1.0x", "EUR", `money: parse "1.0x" as EUR: unexpected "x" at offset 3`},
		{"-1.x", "EUR", `money: parse "-1.x" as EUR: unexpected "x" at offset 3`},
		{"1e3", "EUR", `money: parse "1e3" as EUR: unexpected "e" at offset 1`},
		{" 1", "EUR", `money: parse " 1" as EUR: unexpected " " at offset 0`},
		{"92233720368547758.08", "EUR", `money: parse "92233720368547758.08" as EUR: out of range`},
		{"-92233720368547758.09", "EUR", `money: parse "-92233720368547758.09" as EUR: out of range`},
		{"99999999999999999999999", "JPY", `money: parse "99999999999999999999999" as JPY: out of range`},
		{"1.00", "XYZ", `money: unknown currency "XYZ": want an ISO 4217 code such as EUR`},
		{"1.00", "EURO", `money: unknown currency "EURO": want an ISO 4217 code such as EUR`},
	} {
		t.Run(tc.in+"_"+tc.cur, func(t *testing.T) {
			t.Parallel()
			got, err := money.Parse(tc.in, tc.cur)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Parse(%q, %q) = %+v, %v; want error %q", tc.in, tc.cur, got, err, tc.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a    money.Amount
		want string
	}{
		{money.New(1050, "EUR"), "10.50"},
		{money.New(5, "EUR"), "0.05"},
		{money.New(0, "EUR"), "0.00"},
		{money.New(-5, "EUR"), "-0.05"},
		{money.New(1050, "JPY"), "1050"},
		{money.New(1050, "KWD"), "1.050"},
		{money.New(7, "KWD"), "0.007"},
		{money.New(math.MinInt64, "EUR"), "-92233720368547758.08"},
		{money.New(math.MaxInt64, "JPY"), "9223372036854775807"},
	} {
		if got := tc.a.Format(); got != tc.want {
			t.Errorf("%#v.Format() = %q, want %q", tc.a, got, tc.want)
		}
	}
	if got := money.New(1050, "EUR").String(); got != "10.50 EUR" {
		t.Errorf("String() = %q, want %q", got, "10.50 EUR")
	}
}

func TestArithmetic(t *testing.T) {
	t.Parallel()
	eur := func(m int64) money.Amount { return money.New(m, "EUR") }
	if got, err := eur(1050).Add(eur(25)); err != nil || got != eur(1075) {
		t.Errorf("1050 + 25 = %v, %v; want 10.75 EUR", got, err)
	}
	if got, err := eur(1050).Sub(eur(2000)); err != nil || got != eur(-950) {
		t.Errorf("1050 - 2000 = %v, %v; want -9.50 EUR", got, err)
	}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"add mixed", second(eur(1).Add(money.New(1, "USD"))), money.ErrCurrencyMismatch},
		{"sub mixed", second(eur(1).Sub(money.New(1, "USD"))), money.ErrCurrencyMismatch},
		{"add overflow", second(eur(math.MaxInt64).Add(eur(1))), money.ErrOverflow},
		{"add underflow", second(eur(math.MinInt64).Add(eur(-1))), money.ErrOverflow},
		{"sub overflow", second(eur(math.MaxInt64).Sub(eur(-1))), money.ErrOverflow},
		{"sub underflow", second(eur(math.MinInt64).Sub(eur(1))), money.ErrOverflow},
		{"sub min from zero", second(eur(0).Sub(eur(math.MinInt64))), money.ErrOverflow},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	if _, err := eur(1).Add(money.New(1, "USD")); err == nil || !strings.Contains(err.Error(), "0.01 EUR + 0.01 USD") {
		t.Errorf("mixed Add error = %v, want it to name both amounts", err)
	}
	if got, err := eur(math.MinInt64).Sub(eur(-1)); err != nil || got.Minor != math.MinInt64+1 {
		t.Errorf("MinInt64 - (-1) = %v, %v", got, err)
	}
}

func second(_ money.Amount, err error) error { return err }

func TestCurrency(t *testing.T) {
	t.Parallel()
	for code, exp := range map[string]int{"JPY": 0, "EUR": 2, "USD": 2, "KWD": 3, "BHD": 3, "CLF": 4, "KRW": 0} {
		c, err := money.ParseCurrency(code)
		if err != nil || c.Exponent() != exp {
			t.Errorf("ParseCurrency(%q) = %q (exponent %d), %v; want exponent %d", code, c, c.Exponent(), err, exp)
		}
	}
	if money.Currency("XAU").Exponent() != -1 || money.Currency("").Valid() {
		t.Error("unknown currencies should have exponent -1 and be invalid")
	}
	var a money.Amount
	if err := json.Unmarshal([]byte(`{"amount":1050,"currency":"eur"}`), &a); err != nil || a != money.New(1050, "EUR") {
		t.Errorf("Unmarshal = %+v, %v", a, err)
	}
	b, err := json.Marshal(a)
	if err != nil || string(b) != `{"amount":1050,"currency":"EUR"}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"amount":1,"currency":"zzz"}`), &a); err == nil {
		t.Error("Unmarshal of an unknown currency succeeded")
	}
	if _, err := json.Marshal(money.Amount{Minor: 1, Currency: "ZZZ"}); err == nil {
		t.Error("Marshal of an unknown currency succeeded")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"10.50", "0", "-0.01", "1.005", "92233720368547758.07", "1e3", ".5", "-", "1,0"} {
		for _, c := range []string{"EUR", "JPY", "KWD", "CLF"} {
			f.Add(s, c)
		}
	}
	f.Fuzz(func(t *testing.T, s, cur string) {
		a, err := money.Parse(s, cur)
		if err != nil {
			return
		}
		text := a.Format()
		b, err := money.Parse(text, cur)
		if err != nil {
			t.Fatalf("Parse(%q, %q) = %v, but Parse of its Format %q: %v", s, cur, a, text, err)
		}
		if a != b {
			t.Fatalf("Parse(%q) = %v, Parse(Format) = %v", s, a, b)
		}
		if text2 := b.Format(); text2 != text {
			t.Fatalf("Format not stable: %q then %q", text, text2)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := money.Parse("12345.67", "EUR"); err != nil {
			b.Fatal(err)
		}
	}
}
