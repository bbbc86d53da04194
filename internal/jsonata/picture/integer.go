package picture

import (
	"math"
	"strings"
)

// FormatInteger is JSONata's $formatInteger(value, picture): value, rounded
// down, written as XPath F&O 3.1 fn:format-integer describes, with the
// extensions and limits of jsonata-js. The picture is a decimal-digit pattern
// ("0000", "#,##0", "١" for Arabic-Indic digits, …), "A"/"a" for letters,
// "I"/"i" for roman numerals or "W"/"w"/"Ww" for English words, optionally
// followed by ";o" for ordinals ("1st", "first").
func FormatInteger(value float64, picture string) (string, error) {
	f, err := analyseIntegerPicture(picture)
	if err != nil {
		return "", err
	}
	return formatInt(math.Floor(value), f)
}

// ParseInteger is JSONata's $parseInteger(s, picture), the inverse of
// FormatInteger. Like jsonata-js it does not check s against the picture: a
// string it cannot read gives NaN (or whatever number JavaScript's parseInt
// makes of it), which the caller must not hand out as a JSON number.
func ParseInteger(s, picture string) (float64, error) {
	f, err := analyseIntegerPicture(picture)
	if err != nil {
		return 0, err
	}
	if f.primary == primarySequence {
		return 0, newError("D3130", f.token)
	}
	return f.parse(s) + 0, nil // no negative zero in JSON
}

type primary int

const (
	primaryDecimal primary = iota
	primaryLetters
	primaryRoman
	primaryWords
	primarySequence
)

type letterCase int

const (
	caseLower letterCase = iota
	caseUpper
	caseTitle
)

type groupingSeparator struct {
	position int // digit positions to the right of the separator
	char     rune
}

// intFormat is an analysed integer picture (analyseIntegerPicture in
// jsonata-js).
type intFormat struct {
	primary primary
	letters letterCase
	ordinal bool
	token   string // the picture of an unsupported numbering sequence

	// Decimal-digit patterns only. The digit counts are NaN where
	// jsonata-js leaves them undefined (letters, roman, words, sequences).
	zero            rune
	mandatoryDigits float64
	optionalDigits  float64
	regular         bool
	regularEvery    int
	regularChar     rune
	separators      []groupingSeparator // right to left
	parseWidth      float64             // exact digit count when parsing; 0 or NaN for any
}

// decimalGroups holds the zero of each Unicode decimal digit family
// recognised in decimal-digit patterns (all in the BMP, as in jsonata-js).
var decimalGroups = []rune{0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6,
	0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0,
	0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10}

func digitGroup(r rune) (rune, bool) {
	for _, g := range decimalGroups {
		if r >= g && r <= g+9 {
			return g, true
		}
	}
	return 0, false
}

func analyseIntegerPicture(picture string) (*intFormat, error) {
	f := &intFormat{primary: primaryDecimal, letters: caseLower, mandatoryDigits: math.NaN(), optionalDigits: math.NaN()}
	primaryFormat := picture
	if i := strings.LastIndexByte(picture, ';'); i != -1 {
		primaryFormat = picture[:i]
		f.ordinal = strings.HasPrefix(picture[i+1:], "o")
	}
	switch primaryFormat {
	case "A":
		f.primary, f.letters = primaryLetters, caseUpper
	case "a":
		f.primary = primaryLetters
	case "I":
		f.primary, f.letters = primaryRoman, caseUpper
	case "i":
		f.primary = primaryRoman
	case "W":
		f.primary, f.letters = primaryWords, caseUpper
	case "Ww":
		f.primary, f.letters = primaryWords, caseTitle
	case "w":
		f.primary = primaryWords
	default:
		var zero rune
		haveZero := false
		mandatory, optional, position := 0, 0, 0
		var seps []groupingSeparator
		rs := []rune(primaryFormat)
		for i := len(rs) - 1; i >= 0; i-- {
			r := rs[i]
			if g, ok := digitGroup(r); ok {
				mandatory++
				position++
				if !haveZero {
					zero, haveZero = g, true
				} else if g != zero {
					return nil, newError("D3131", nil)
				}
			} else if r == '#' {
				position++
				optional++
			} else {
				seps = append(seps, groupingSeparator{position: position, char: r})
			}
		}
		if mandatory == 0 {
			f.primary = primarySequence
			f.token = primaryFormat
			break
		}
		f.zero = zero
		f.mandatoryDigits = float64(mandatory)
		f.optionalDigits = float64(optional)
		if every := regularRepeat(seps); every > 0 {
			f.regular, f.regularEvery, f.regularChar = true, every, seps[0].char
		} else {
			f.separators = seps
		}
	}
	return f, nil
}

// regularRepeat returns the interval of evenly spaced, identical grouping
// separators, or 0 if they are not regular.
func regularRepeat(seps []groupingSeparator) int {
	if len(seps) == 0 {
		return 0
	}
	for _, s := range seps[1:] {
		if s.char != seps[0].char {
			return 0
		}
	}
	factor := 0
	for _, s := range seps {
		factor = gcd(factor, s.position)
	}
	for i := 1; i <= len(seps); i++ {
		found := false
		for _, s := range seps {
			if s.position == i*factor {
				found = true
				break
			}
		}
		if !found {
			return 0
		}
	}
	return factor
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// maxRoman bounds roman numerals: jsonata-js recurses once per numeral and
// overflows its stack near ten million.
const maxRoman = 1e7

// formatInt is _formatInteger in jsonata-js.
func formatInt(value float64, f *intFormat) (string, error) {
	negative := value < 0
	value = math.Abs(value)
	var out string
	switch f.primary {
	case primaryLetters:
		if math.IsInf(value, 0) {
			return "", limitError("cannot format %v as letters", value)
		}
		a := 'a'
		if f.letters == caseUpper {
			a = 'A'
		}
		out = decimalToLetters(value, a)
	case primaryRoman:
		if value > maxRoman {
			return "", limitError("cannot format %v as a roman numeral", value)
		}
		out = decimalToRoman(value)
		if f.letters == caseUpper {
			out = strings.ToUpper(out)
		}
	case primaryWords:
		if math.IsNaN(value) || math.IsInf(value, 0) {
			return "", limitError("cannot format %v in words", value)
		}
		out = numberToWords(value, f.ordinal)
		switch f.letters {
		case caseUpper:
			out = strings.ToUpper(out)
		case caseLower:
			out = strings.ToLower(out)
		}
	case primaryDecimal:
		out = string(formatDecimal(value, f))
	default:
		return "", newError("D3130", f.token)
	}
	if negative {
		out = "-" + out
	}
	return out, nil
}

func formatDecimal(value float64, f *intFormat) []rune {
	s := []rune(jsNumberToString(value))
	if pad := f.mandatoryDigits - float64(len(s)); pad > 0 {
		s = append([]rune(strings.Repeat("0", int(pad))), s...)
	}
	if f.zero != '0' {
		for i, r := range s {
			s[i] = r + f.zero - '0'
		}
	}
	if f.regular {
		n := (len(s) - 1) / f.regularEvery
		for i := n; i > 0; i-- {
			pos := len(s) - i*f.regularEvery
			s = concat(substr(s, 0, pos), []rune{f.regularChar}, substrFrom(s, pos))
		}
	} else {
		for i := len(f.separators) - 1; i >= 0; i-- {
			sep := f.separators[i]
			pos := len(s) - sep.position
			s = concat(substr(s, 0, pos), []rune{sep.char}, substrFrom(s, pos))
		}
	}
	if f.ordinal && len(s) > 0 {
		suffix := "th"
		if len(s) == 1 || s[len(s)-2] != '1' {
			switch s[len(s)-1] {
			case '1':
				suffix = "st"
			case '2':
				suffix = "nd"
			case '3':
				suffix = "rd"
			}
		}
		s = append(s, []rune(suffix)...)
	}
	return s
}

// parse reads s as f describes (the parse functions of generateRegex in
// jsonata-js, for integers).
func (f *intFormat) parse(s string) float64 {
	switch f.primary {
	case primaryLetters:
		a := 'a'
		if f.letters == caseUpper {
			a = 'A'
		}
		return lettersToDecimal(s, a)
	case primaryRoman:
		if f.letters != caseUpper {
			s = strings.ToUpper(s)
		}
		return romanToDecimal(s)
	case primaryWords:
		return wordsToNumber(strings.ToLower(s))
	case primaryDecimal:
		digits, ok := f.digits(s)
		if !ok {
			return math.NaN()
		}
		return jsParseInt(digits)
	}
	return math.NaN()
}

// digits strips the ordinal suffix and grouping separators from s and maps
// its digits to ASCII. It reports false where jsonata-js would throw a
// RangeError (a character mapped outside Unicode).
func (f *intFormat) digits(s string) (string, bool) {
	rs := []rune(s)
	if f.ordinal {
		rs = substring(rs, 0, len(rs)-2)
	}
	out := rs[:0:0]
	for _, r := range rs {
		if f.regular && r == ',' { // jsonata-js strips ',' whatever the separator
			continue
		}
		if !f.regular && f.isSeparator(r) {
			continue
		}
		if f.zero != '0' {
			r = r - f.zero + '0'
			if r < 0 || r > 0x10FFFF {
				return "", false
			}
		}
		out = append(out, r)
	}
	return string(out), true
}

func (f *intFormat) isSeparator(r rune) bool {
	for _, s := range f.separators {
		if s.char == r {
			return true
		}
	}
	return false
}

func decimalToLetters(value float64, a rune) string {
	var letters []rune
	for value > 0 {
		letters = append(letters, rune(math.Mod(value-1, 26))+a)
		value = math.Floor((value - 1) / 26)
	}
	for i, j := 0, len(letters)-1; i < j; i, j = i+1, j-1 {
		letters[i], letters[j] = letters[j], letters[i]
	}
	return string(letters)
}

func lettersToDecimal(letters string, a rune) float64 {
	rs := []rune(letters)
	var v float64
	for i := range rs {
		v += float64(rs[len(rs)-i-1]-a+1) * math.Pow(26, float64(i))
	}
	return v
}

var romanNumerals = []struct {
	value   float64
	numeral string
}{
	{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"},
	{50, "l"}, {40, "xl"}, {10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"},
}

func decimalToRoman(value float64) string {
	var b strings.Builder
	for _, n := range romanNumerals {
		for value >= n.value {
			b.WriteString(n.numeral)
			value -= n.value
		}
	}
	return b.String()
}

var romanValues = map[rune]float64{'M': 1000, 'D': 500, 'C': 100, 'L': 50, 'X': 10, 'V': 5, 'I': 1}

func romanToDecimal(roman string) float64 {
	rs := []rune(roman)
	decimal, maxSeen := 0.0, 1.0
	for i := len(rs) - 1; i >= 0; i-- {
		v, ok := romanValues[rs[i]]
		if !ok {
			return math.NaN() // undefined poisons the sum in jsonata-js
		}
		if v < maxSeen {
			decimal -= v
		} else {
			maxSeen = v
			decimal += v
		}
	}
	return decimal
}

var (
	fewWords = []string{"Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
		"Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"}
	ordinalWords = []string{"Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
		"Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth"}
	decadeWords    = []string{"Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"}
	magnitudeWords = []string{"Thousand", "Million", "Billion", "Trillion"}
)

// numberToWords writes a non-negative integer in English words, title case.
func numberToWords(value float64, ordinal bool) string {
	return lookupWords(value, false, ordinal)
}

func lookupWords(num float64, prev, ord bool) string {
	if num < 0 || math.IsNaN(num) || math.IsInf(num, 0) {
		return "" // unreachable for the integers jsonata-js passes
	}
	var words string
	switch {
	case num <= 19:
		if prev {
			words = " and "
		}
		if ord {
			words += ordinalWords[int(num)]
		} else {
			words += fewWords[int(num)]
		}
	case num < 100:
		tens, rem := math.Floor(num/10), math.Mod(num, 10)
		if prev {
			words = " and "
		}
		words += decadeWords[int(tens)-2]
		if rem > 0 {
			words += "-" + lookupWords(rem, false, ord)
		} else if ord {
			words = words[:len(words)-1] + "ieth"
		}
	case num < 1000:
		hundreds, rem := math.Floor(num/100), math.Mod(num, 100)
		if prev {
			words = ", "
		}
		words += fewWords[int(hundreds)] + " Hundred"
		if rem > 0 {
			words += lookupWords(rem, true, ord)
		} else if ord {
			words += "th"
		}
	default:
		// floor(log10(num) / 3), capped at the largest magnitude word
		mag := 1
		for mag < len(magnitudeWords) && num >= math.Pow10(3*(mag+1)) {
			mag++
		}
		factor := math.Pow10(3 * mag)
		mant := math.Floor(num / factor)
		rem := num - float64(mant*factor)
		if prev {
			words = ", "
		}
		words += lookupWords(mant, false, false) + " " + magnitudeWords[mag-1]
		if rem > 0 {
			words += lookupWords(rem, true, ord)
		} else if ord {
			words += "th"
		}
	}
	return words
}

// wordKeys lists the words wordsToNumber knows, in jsonata-js's order (which
// the parsing regular expression's alternation follows).
var wordKeys, wordValues = func() ([]string, map[string]float64) {
	var keys []string
	values := map[string]float64{}
	add := func(w string, v float64) {
		if _, ok := values[w]; !ok {
			keys = append(keys, w)
		}
		values[w] = v
	}
	for i, w := range fewWords {
		add(strings.ToLower(w), float64(i))
	}
	for i, w := range ordinalWords {
		add(strings.ToLower(w), float64(i))
	}
	for i, w := range decadeWords {
		lw := strings.ToLower(w)
		add(lw, float64(i+2)*10)
		add(lw[:len(lw)-1]+"ieth", float64(i+2)*10)
	}
	add("hundredth", 100)
	for i, w := range magnitudeWords {
		lw := strings.ToLower(w)
		v := math.Pow10((i + 1) * 3)
		add(lw, v)
		add(lw+"th", v)
	}
	return keys, values
}()

// wordsToNumber reads English words, lower case, as a number.
func wordsToNumber(text string) float64 {
	segs := []float64{0}
	for _, part := range splitWords(text) {
		v, ok := wordValues[part]
		if !ok {
			v = math.NaN()
		}
		top := segs[len(segs)-1]
		segs = segs[:len(segs)-1]
		if v < 100 {
			if top >= 1000 {
				segs = append(segs, top)
				top = 0
			}
			segs = append(segs, top+v)
		} else {
			segs = append(segs, top*v) // NaN for unknown words
		}
	}
	var sum float64
	for _, s := range segs {
		sum += s
	}
	return sum
}

// splitWords is text.split(/,\s|\sand\s|[\s\\-]/).
func splitWords(text string) []string {
	rs := []rune(text)
	var parts []string
	start := 0
	for i := 0; i < len(rs); {
		n := 0
		switch {
		case rs[i] == ',' && i+1 < len(rs) && isJSSpace(rs[i+1]):
			n = 2
		case isJSSpace(rs[i]) && i+4 < len(rs) && string(rs[i+1:i+4]) == "and" && isJSSpace(rs[i+4]):
			n = 5
		case isJSSpace(rs[i]) || rs[i] == '\\' || rs[i] == '-':
			n = 1
		}
		if n == 0 {
			i++
			continue
		}
		parts = append(parts, string(rs[start:i]))
		i += n
		start = i
	}
	return append(parts, string(rs[start:]))
}
