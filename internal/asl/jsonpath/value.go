package jsonpath

import (
	"encoding/json"
	"strconv"
	"strings"
)

// NumberText returns the decimal text of a JSON number value.
// written, or a Go number formatted exactly.
func NumberText(v any) (string, bool) {
	switch n := v.(type) {
	case json.Number:
		return string(n), true
	case float64:
		return strconv.FormatFloat(n, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(n), 'g', -1, 32), true
	case int:
		return strconv.Itoa(n), true
	case int64:
		return strconv.FormatInt(n, 10), true
	case int32:
		return strconv.FormatInt(int64(n), 10), true
	case int16:
		return strconv.FormatInt(int64(n), 10), true
	case int8:
		return strconv.FormatInt(int64(n), 10), true
	case uint:
		return strconv.FormatUint(uint64(n), 10), true
	case uint64:
		return strconv.FormatUint(n, 10), true
	case uint32:
		return strconv.FormatUint(uint64(n), 10), true
	case uint16:
		return strconv.FormatUint(uint64(n), 10), true
	case uint8:
		return strconv.FormatUint(uint64(n), 10), true
	}
	return "", false
}

func jsonNumber(s string) json.Number { return json.Number(s) }

// decimal is a parsed decimal number: ±0.digits × 10^exp. digits is a slice
// of the source without leading or trailing zeros; it may contain the
// decimal point, which comparisons skip. Zero has no digits.
type decimal struct {
	neg    bool
	digits string
	exp    int64
}

const maxExp = 1 << 40 // exponents beyond this compare as if clamped

// parseDecimal parses a decimal number as Java's BigDecimal(String) accepts
// it: optional sign, digits with an optional point, optional exponent. It
// does not allocate.
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	point := i // index of the point, or of the end of the digits
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	raw := s[start:i]
	point -= start
	if raw == "" || raw == "." {
		return decimal{}, false
	}
	var exp int64
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			eneg = s[i] == '-'
			i++
		}
		es := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if exp < maxExp {
				exp = exp*10 + int64(s[i]-'0')
			}
			i++
		}
		if i == es {
			return decimal{}, false
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return decimal{}, false
	}
	first := strings.IndexFunc(raw, func(r rune) bool { return r >= '1' && r <= '9' })
	if first < 0 {
		return d, true // zero
	}
	last := strings.LastIndexFunc(raw, func(r rune) bool { return r >= '1' && r <= '9' })
	d.digits = raw[first : last+1]
	if first < point {
		d.exp = int64(point-first) + exp
	} else {
		d.exp = -int64(first-point-1) + exp
	}
	return d, true
}

// compareDigits compares digit strings, skipping decimal points.
func compareDigits(a, b string) int {
	i, j := 0, 0
	for {
		if i < len(a) && a[i] == '.' {
			i++
		}
		if j < len(b) && b[j] == '.' {
			j++
		}
		switch {
		case i == len(a) && j == len(b):
			return 0
		case i == len(a):
			return -1
		case j == len(b):
			return 1
		case a[i] != b[j]:
			return cmpInt(int(a[i]), int(b[j]))
		}
		i++
		j++
	}
}

func (d decimal) sign() int {
	switch {
	case d.digits == "":
		return 0
	case d.neg:
		return -1
	}
	return 1
}

func compareDecimal(a, b decimal) int {
	sa, sb := a.sign(), b.sign()
	if sa != sb {
		return cmpInt(sa, sb)
	}
	if sa == 0 {
		return 0
	}
	c := 0
	switch {
	case a.exp != b.exp:
		if a.exp < b.exp {
			c = -1
		} else {
			c = 1
		}
	default:
		c = compareDigits(a.digits, b.digits)
	}
	return c * sa
}

// compareNumbers compares two decimal texts by value. Unparsable text sorts
// as zero; callers pass numbers.
func compareNumbers(a, b string) int {
	if a == b {
		return 0
	}
	da, _ := parseDecimal(a)
	db, _ := parseDecimal(b)
	return compareDecimal(da, db)
}

// validNumber reports whether s is a JSON number.
func validNumber(s string) bool {
	return s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && json.Valid([]byte(s))
}

// decimalInt returns the value of an integral decimal text that fits int64.
func decimalInt(s string) (int64, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	d, ok := parseDecimal(s)
	if !ok {
		return 0, false
	}
	if d.digits == "" {
		return 0, true
	}
	digits := strings.ReplaceAll(d.digits, ".", "")
	if d.exp < int64(len(digits)) || d.exp > 19 {
		return 0, false
	}
	text := digits + strings.Repeat("0", int(d.exp)-len(digits))
	if d.neg {
		text = "-" + text
	}
	n, err := strconv.ParseInt(text, 10, 64)
	return n, err == nil
}

// Equal reports whether two JSON values are equal: numbers by decimal value
// (1 equals 1.0), objects and arrays member by member.
func Equal(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, av := range a {
			bv, ok := bm[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !Equal(a[i], bl[i]) {
				return false
			}
		}
		return true
	}
	at, ok := NumberText(a)
	if !ok {
		return false
	}
	bt, ok := NumberText(b)
	return ok && compareNumbers(at, bt) == 0
}
