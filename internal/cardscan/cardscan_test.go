package cardscan_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paystep/paystep/internal/cardscan"
)

func TestContains(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"4242424242424242", true},
		{"4242 4242 4242 4242", true},
		{"4000-0025-0000-3155", true},
		{"card: 378282246310005.", true}, // Amex, 15 digits
		{"6200000000000005", true},       // UnionPay
		{"30569309025904", true},         // Diners, 14 digits
		{"4242424242424241", false},      // Luhn fails
		{"1767225600000", false},         // a timestamp in milliseconds
		{"0000000000000000", false},      // passes Luhn, no brand starts 0
		{"424242424242", false},          // 12 digits
		{"42424242424242424242", false},  // 20 digits
		{"4242  4242 4242 4242", false},  // double space splits the run
		{"order 42, amount 1050", false},
		{"", false},
	} {
		if got := cardscan.Contains(tc.in); got != tc.want {
			t.Errorf("Contains(%q) = %v, want %v", tc.in, got, tc.want)
		}
		if got := cardscan.Contains([]byte(tc.in)); got != tc.want {
			t.Errorf("Contains([]byte(%q)) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string // masked
	}{
		{"4242424242424242", []string{"424242…4242"}},
		{`{"card_number":"4242 4242 4242 4242"}`, []string{"424242…4242"}},
		{"x4000-0025-0000-3155y and 4000000000000002", []string{"400000…3155", "400000…0002"}},
		{"\x00\x134000002500003155\x00", []string{"400000…3155"}},
		{"amex 378282246310005.", []string{"378282…0005"}},
		{"4242424242424241", nil},     // Luhn fails
		{"1767225600000000", nil},     // a timestamp: no brand starts 1
		{"424242424242", nil},         // 12 digits
		{"42424242424242424242", nil}, // 20 digits
		{"4242  4242 4242 4242", nil}, // a double space ends the run
		{"pm_card_visa last4 4242", nil},
	} {
		var got []string
		for _, m := range cardscan.Find([]byte(tc.in)) {
			got = append(got, m.Masked())
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Find(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFindPlaces(t *testing.T) {
	t.Parallel()
	in := "card 4000-0025-0000-3155, again 4242424242424242"
	got := cardscan.Find(in)
	want := []cardscan.Match{
		{Digits: "4000002500003155", Start: 5, End: 24},
		{Digits: "4242424242424242", Start: 32, End: len(in)},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Find(%q) = %+v, want %+v", in, got, want)
	}
	for _, m := range got {
		if digits := strings.ReplaceAll(in[m.Start:m.End], "-", ""); digits != m.Digits {
			t.Errorf("in[%d:%d] = %q, want the digits %s", m.Start, m.End, in[m.Start:m.End], m.Digits)
		}
	}
}

func FuzzFind(f *testing.F) {
	for _, s := range []string{"4242 4242 4242 4242", "x4000-0025-0000-3155y", "1-2-3", " - ", "9999999999999999999999"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := cardscan.Find(b)
		if cardscan.Contains(b) != (len(got) > 0) || cardscan.Contains(string(b)) != (len(got) > 0) {
			t.Errorf("Contains(%q) disagrees with Find = %v", b, got)
		}
		// Letters around the input never change what is found: runs end at them.
		for _, w := range [][]byte{append(append([]byte("a"), b...), 'a'), append(append([]byte("a "), b...), " a"...)} {
			if wrapped := cardscan.Find(w); len(wrapped) != len(got) {
				t.Errorf("Find(%q) = %v, but %v when wrapped", b, got, wrapped)
			}
		}
		for _, m := range got {
			if n := len(m.Digits); n < 13 || n > 19 || m.Start < 0 || m.End > len(b) || m.Start >= m.End {
				t.Errorf("Find(%q) found %+v: not 13 to 19 digits within the input", b, m)
				continue
			}
			if len(m.Masked()) != len("424242…4242") {
				t.Errorf("Find(%q) found %q: not masked as 6…4", b, m.Masked())
			}
			if digits := strings.NewReplacer(" ", "", "-", "").Replace(string(b[m.Start:m.End])); digits != m.Digits {
				t.Errorf("Find(%q): input[%d:%d] = %q, not the digits %s", b, m.Start, m.End, b[m.Start:m.End], m.Digits)
			}
		}
	})
}

func BenchmarkContains(b *testing.B) {
	body := []byte(strings.Repeat(`{"amount":1050,"currency":"EUR","description":"order 1767225600000 of tea","metadata":{"k":"v"}}`, 10))
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if cardscan.Contains(body) {
			b.Fatal("found a card")
		}
	}
}
