// Package cardscan finds card numbers in text or bytes: runs of 13 to 19
// digits, possibly split by single spaces or dashes ("4242 4242 4242
// 4242", "4000-0025-0000-3155"), starting as the card brands' numbers do
// (2 to 6) and passing the Luhn check. Longer digit runs and runs starting
// 0, 1, 7, 8 or 9 (timestamps, order numbers) are not card numbers.
//
// The API refuses input holding one before it is stored or logged; tests
// scan pages, logs and database files with it for numbers that leaked.
package cardscan

// Contains reports whether s holds a card number.
func Contains[T ~string | ~[]byte](s T) bool {
	found := false
	scan(s, func(Match) bool {
		found = true
		return false
	})
	return found
}

// Find returns the card numbers in s, in order.
func Find[T ~string | ~[]byte](s T) []Match {
	var out []Match
	scan(s, func(m Match) bool {
		out = append(out, m)
		return true
	})
	return out
}

// Match is a card number found: its digits, without separators, and where
// it stands in the input, s[Start:End].
type Match struct {
	Digits     string
	Start, End int
}

// Masked returns the number with its first six and last four digits only,
// as it may be shown: "424242…4242".
func (m Match) Masked() string {
	return m.Digits[:6] + "…" + m.Digits[len(m.Digits)-4:]
}

// scan calls yield with each card number in s until yield returns false.
func scan[T ~string | ~[]byte](s T, yield func(Match) bool) {
	var digits [19]byte
	run, start := 0, 0 // digits in the current run, including any beyond 19
	end := func(i int) bool {
		n := run
		run = 0
		if n < 13 || n > 19 || digits[0] < '2' || digits[0] > '6' || !luhn(digits[:n]) {
			return true
		}
		return yield(Match{Digits: string(digits[:n]), Start: start, End: i})
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if run == 0 {
				start = i
			}
			if run < len(digits) {
				digits[run] = c
			}
			run++
		case (c == ' ' || c == '-') && run > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			// a separator inside a number: "4242 4242 4242 4242"
		default:
			if run > 0 && !end(i) {
				return
			}
		}
	}
	if run > 0 {
		end(len(s))
	}
}

// luhn reports whether the digits d pass the Luhn check.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}
