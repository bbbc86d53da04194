package picture

import (
	"math"
	"strconv"
	"strings"
)

// This file reproduces the few pieces of JavaScript semantics the reference
// implementation leans on: Number→string conversion, toFixed, Math.round,
// parseInt, Date.UTC and String index arithmetic. Strings are handled as
// []rune, which matches JavaScript's UTF-16 code units for the Basic
// Multilingual Plane.

// jsNumberToString is JavaScript's Number::toString(x) (radix 10).
func jsNumberToString(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	case x == 0:
		return "0"
	}
	sign := ""
	if x < 0 {
		sign = "-"
		x = -x
	}
	s := strconv.FormatFloat(x, 'e', -1, 64) // d.ddde±XX
	e := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[e+1:])
	digits := strings.Replace(s[:e], ".", "", 1)
	k, n := len(digits), exp+1
	switch {
	case k <= n && n <= 21:
		return sign + digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return sign + digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return sign + "0." + strings.Repeat("0", -n) + digits
	}
	es := "+"
	if n-1 < 0 {
		es = "-"
	}
	m := digits[:1]
	if k > 1 {
		m += "." + digits[1:]
	}
	return sign + m + "e" + es + strconv.Itoa(abs(n-1))
}

// jsToFixed is JavaScript's Number.prototype.toFixed(dp) for x >= 0.
func jsToFixed(x float64, dp int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) || x >= 1e21 {
		return jsNumberToString(x)
	}
	// JavaScript breaks exact ties upwards, strconv to even. A tie needs the
	// odd significand of x to sit exactly at 2^-(dp+1).
	if x != 0 {
		frac, exp := math.Frexp(x)
		m := uint64(frac * (1 << 53))
		e := exp - 53
		for m&1 == 0 {
			m >>= 1
			e++
		}
		if e == -(dp + 1) {
			x = math.Nextafter(x, math.Inf(1))
		}
	}
	return strconv.FormatFloat(x, 'f', dp, 64)
}

// jsMathRound is JavaScript's Math.round: halves go towards +∞.
func jsMathRound(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == math.Trunc(x) {
		return x
	}
	f := math.Floor(x)
	if x-f >= 0.5 {
		return f + 1
	}
	return f
}

// shiftDecimal multiplies x by 10^n through its decimal representation, as
// jsonata's round() does to avoid binary rounding error.
func shiftDecimal(x float64, n int) float64 {
	s := strconv.FormatFloat(x, 'e', -1, 64)
	e := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[e+1:])
	v, _ := strconv.ParseFloat(s[:e]+"e"+strconv.Itoa(exp+n), 64)
	return v
}

// roundHalfEven is jsonata's $round(arg, precision): round half to even at
// precision decimal places.
func roundHalfEven(arg float64, precision int) float64 {
	if math.IsNaN(arg) || math.IsInf(arg, 0) {
		return arg
	}
	x := arg
	if precision != 0 {
		x = shiftDecimal(arg, precision)
		if math.IsInf(x, 0) || math.Abs(x) >= 1<<53 {
			return arg // already an integer at that precision
		}
	}
	r := jsMathRound(x)
	if math.Abs(r-x) == 0.5 && math.Abs(math.Mod(r, 2)) == 1 {
		r--
	}
	if precision != 0 {
		r = shiftDecimal(r, -precision)
	}
	if r == 0 {
		r = 0 // no negative zero in JSON
	}
	return r
}

// isJSSpace reports whether r matches JavaScript's \s.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// jsParseInt is JavaScript's parseInt(s) without a radix.
func jsParseInt(s string) float64 {
	s = strings.TrimLeftFunc(s, isJSSpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var v float64
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
		i := 0
		for ; i < len(s); i++ {
			d, ok := hexDigit(s[i])
			if !ok {
				break
			}
			v = v*16 + float64(d)
		}
		if i == 0 {
			return math.NaN()
		}
	} else {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return math.NaN()
		}
		v, _ = strconv.ParseFloat(s[:i], 64) // ±Inf on overflow, like JavaScript
	}
	if neg {
		v = -v
	}
	return v
}

func hexDigit(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}

const (
	msPerDay    = 86400000
	maxTimeClip = 8.64e15 // the largest magnitude of a JavaScript Date
)

// daysFromCivil returns the days since 1970-01-01 of the proleptic Gregorian
// date y-m-d (m in 1..12).
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y int64, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// jsDateUTC is JavaScript's Date.UTC(y, mo, d, h, mi, s, ms), including its
// treatment of years 0–99 as 1900–1999. It returns NaN for invalid dates.
func jsDateUTC(y, mo, d, h, mi, s, ms float64) float64 {
	for _, v := range [...]float64{y, mo, d, h, mi, s, ms} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.NaN()
		}
	}
	yr := math.Trunc(y)
	if yr >= 0 && yr <= 99 {
		yr += 1900
	}
	mo = math.Trunc(mo)
	ym := yr + math.Floor(mo/12)
	if math.Abs(ym) > 400000 {
		return math.NaN()
	}
	mn := math.Mod(mo, 12)
	if mn < 0 {
		mn += 12
	}
	day := float64(daysFromCivil(int64(ym), int(mn)+1, 1)) + math.Trunc(d) - 1
	t := float64(math.Trunc(h)*3.6e6) + float64(math.Trunc(mi)*6e4) + float64(math.Trunc(s)*1e3) + math.Trunc(ms)
	return timeClip(float64(day*msPerDay) + t)
}

func timeClip(t float64) float64 {
	if math.IsNaN(t) || math.Abs(t) > maxTimeClip {
		return math.NaN()
	}
	return math.Trunc(t) + 0
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// String helpers with JavaScript's index semantics, on runes.

// indexOf is String.prototype.indexOf(needle, from).
func indexOf(h, needle []rune, from int) int {
	from = min(max(from, 0), len(h))
	if len(needle) == 0 {
		return from
	}
	for i := from; i+len(needle) <= len(h); i++ {
		if runesEqual(h[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}

// lastIndexOf is String.prototype.lastIndexOf(needle).
func lastIndexOf(h, needle []rune) int {
	for i := len(h) - len(needle); i >= 0; i-- {
		if runesEqual(h[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}

func contains(h, needle []rune) bool { return indexOf(h, needle, 0) != -1 }

func runesEqual(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// charIs reports whether the one-character string at h[i] (empty when out of
// range, like charAt) equals the string s.
func charIs(h []rune, i int, s []rune) bool {
	if i < 0 || i >= len(h) {
		return len(s) == 0
	}
	return len(s) == 1 && s[0] == h[i]
}

// isChar reports whether the one-character string c equals s.
func isChar(c rune, s []rune) bool { return len(s) == 1 && s[0] == c }

// substring is String.prototype.substring(a, b).
func substring(h []rune, a, b int) []rune {
	a = min(max(a, 0), len(h))
	b = min(max(b, 0), len(h))
	if a > b {
		a, b = b, a
	}
	return h[a:b]
}

// slice is String.prototype.slice(a, b).
func slice(h []rune, a, b int) []rune {
	rel := func(i int) int {
		if i < 0 {
			return max(len(h)+i, 0)
		}
		return min(i, len(h))
	}
	a, b = rel(a), rel(b)
	if a >= b {
		return nil
	}
	return h[a:b]
}

// substr is String.prototype.substr(start, length).
func substr(h []rune, start, length int) []rune {
	start = substrStart(h, start)
	if length <= 0 {
		return nil
	}
	return h[start:min(start+length, len(h))]
}

// substrFrom is String.prototype.substr(start).
func substrFrom(h []rune, start int) []rune { return h[substrStart(h, start):] }

func substrStart(h []rune, start int) int {
	if start < 0 {
		start = max(len(h)+start, 0)
	}
	return min(start, len(h))
}

// concat joins rune slices into a new slice.
func concat(parts ...[]rune) []rune {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]rune, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
