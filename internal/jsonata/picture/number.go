package picture

import "math"

// FormatNumber is JSONata's $formatNumber(value, picture, options): value
// written as XPath F&O 3.1 fn:format-number describes (§4.7), following
// jsonata-js 2.x exactly, down to its quirks. options overrides the decimal
// format properties: "decimal-separator" (default "."), "grouping-separator"
// (","), "exponent-separator" ("e"), "infinity" ("Infinity"), "minus-sign"
// ("-"), "NaN" ("NaN"), "percent" ("%"), "per-mille" ("‰"), "zero-digit"
// ("0"), "digit" ("#") and "pattern-separator" (";"). Unknown keys are
// ignored.
//
// jsonata-js never sees NaN or ±Infinity (they are not JSON numbers); here
// they give the "NaN" property, or the sub-picture's prefix, the "infinity"
// property and its suffix, as F&O specifies.
func FormatNumber(value float64, picture string, options map[string]string) (string, error) {
	p := numberProperties(options)
	subPictures := splitPicture([]rune(picture), p.patternSeparator)
	if len(subPictures) > 2 {
		return "", newError("D3080", nil)
	}
	parts := make([]numberParts, len(subPictures))
	for i, sp := range subPictures {
		parts[i] = p.splitParts(sp)
	}
	for _, part := range parts {
		if err := p.validate(part); err != nil {
			return "", err
		}
	}
	vars := make([]numberPicture, len(parts))
	for i, part := range parts {
		vars[i] = p.analyse(part)
	}
	if len(vars) == 1 {
		neg := vars[0]
		neg.prefix = concat(p.minusSign, neg.prefix)
		vars = append(vars, neg)
	}
	if math.IsNaN(value) {
		return string(p.nan), nil
	}
	pic := vars[0]
	if !(value >= 0) {
		pic = vars[1]
	}
	if math.IsInf(value, 0) {
		return string(concat(pic.prefix, p.infinity, pic.suffix)), nil
	}
	return string(p.format(value, pic)), nil
}

// properties is a decimal format (F&O 3.1 §4.7.1), each property a string.
type properties struct {
	decimalSeparator, groupingSeparator, exponentSeparator []rune
	infinity, minusSign, nan, percent, perMille            []rune
	zeroDigit, digit, patternSeparator                     []rune

	family []rune // the decimal digit family, from zeroDigit
	active [][]rune
}

func numberProperties(options map[string]string) *properties {
	get := func(key, def string) []rune {
		if v, ok := options[key]; ok {
			return []rune(v)
		}
		return []rune(def)
	}
	p := &properties{
		decimalSeparator:  get("decimal-separator", "."),
		groupingSeparator: get("grouping-separator", ","),
		exponentSeparator: get("exponent-separator", "e"),
		infinity:          get("infinity", "Infinity"),
		minusSign:         get("minus-sign", "-"),
		nan:               get("NaN", "NaN"),
		percent:           get("percent", "%"),
		perMille:          get("per-mille", "\u2030"),
		zeroDigit:         get("zero-digit", "0"),
		digit:             get("digit", "#"),
		patternSeparator:  get("pattern-separator", ";"),
	}
	if len(p.zeroDigit) > 0 {
		for r := p.zeroDigit[0]; r < p.zeroDigit[0]+10; r++ {
			p.family = append(p.family, r)
		}
	}
	for _, r := range p.family {
		p.active = append(p.active, []rune{r})
	}
	p.active = append(p.active, p.decimalSeparator, p.exponentSeparator, p.groupingSeparator, p.digit, p.patternSeparator)
	return p
}

func (p *properties) inFamily(r rune) bool {
	return len(p.family) > 0 && r >= p.family[0] && r < p.family[0]+10
}

func (p *properties) isActive(r rune) bool {
	for _, a := range p.active {
		if isChar(r, a) {
			return true
		}
	}
	return false
}

// splitPicture is picture.split(sep).
func splitPicture(picture, sep []rune) [][]rune {
	if len(sep) == 0 {
		out := make([][]rune, len(picture))
		for i := range picture {
			out[i] = picture[i : i+1]
		}
		return out
	}
	var out [][]rune
	for {
		i := indexOf(picture, sep, 0)
		if i == -1 {
			return append(out, picture)
		}
		out = append(out, picture[:i])
		picture = picture[i+len(sep):]
	}
}

type numberParts struct {
	prefix, suffix, active, mantissa, exponent, integer, fractional, subPicture []rune
	hasExponent                                                                 bool
}

func (p *properties) splitParts(sub []rune) numberParts {
	isBoundary := func(r rune) bool { return p.isActive(r) && !isChar(r, p.exponentSeparator) }
	var prefix, suffix []rune
	for i, r := range sub {
		if isBoundary(r) {
			prefix = sub[:i]
			break
		}
	}
	for i := len(sub) - 1; i >= 0; i-- {
		if isBoundary(sub[i]) {
			suffix = sub[i+1:]
			break
		}
	}
	parts := numberParts{prefix: prefix, suffix: suffix, subPicture: sub}
	parts.active = substring(sub, len(prefix), len(sub)-len(suffix))
	// jsonata-js finds the exponent separator in the whole sub-picture but
	// cuts the active part at that index.
	if e := indexOf(sub, p.exponentSeparator, len(prefix)); e == -1 || e > len(sub)-len(suffix) {
		parts.mantissa = parts.active
	} else {
		parts.mantissa = substring(parts.active, 0, e)
		parts.exponent = substring(parts.active, e+1, len(parts.active))
		parts.hasExponent = true
	}
	if d := indexOf(parts.mantissa, p.decimalSeparator, 0); d == -1 {
		parts.integer = parts.mantissa
		parts.fractional = suffix
	} else {
		parts.integer = substring(parts.mantissa, 0, d)
		parts.fractional = substring(parts.mantissa, d+1, len(parts.mantissa))
	}
	return parts
}

// validate checks a sub-picture against F&O 3.1 §4.7.3. Like jsonata-js it
// runs every check and reports the last that failed.
func (p *properties) validate(parts numberParts) error {
	code := ""
	sub := parts.subPicture
	decimalPos := indexOf(sub, p.decimalSeparator, 0)
	if decimalPos != lastIndexOf(sub, p.decimalSeparator) {
		code = "D3081"
	}
	if indexOf(sub, p.percent, 0) != lastIndexOf(sub, p.percent) {
		code = "D3082"
	}
	if indexOf(sub, p.perMille, 0) != lastIndexOf(sub, p.perMille) {
		code = "D3083"
	}
	hasPercent, hasPerMille := contains(sub, p.percent), contains(sub, p.perMille)
	if hasPercent && hasPerMille {
		code = "D3084"
	}
	valid := false
	for _, r := range parts.mantissa {
		if p.inFamily(r) || isChar(r, p.digit) {
			valid = true
			break
		}
	}
	if !valid {
		code = "D3085"
	}
	for _, r := range parts.active {
		if !p.isActive(r) {
			code = "D3086"
			break
		}
	}
	if decimalPos != -1 {
		if charIs(sub, decimalPos-1, p.groupingSeparator) || charIs(sub, decimalPos+1, p.groupingSeparator) {
			code = "D3087"
		}
	} else if charIs(parts.integer, len(parts.integer)-1, p.groupingSeparator) {
		code = "D3088"
	}
	if contains(sub, concat(p.groupingSeparator, p.groupingSeparator)) {
		code = "D3089"
	}
	if pos := indexOf(parts.integer, p.digit, 0); pos != -1 && p.countFamily(substring(parts.integer, 0, pos)) > 0 {
		code = "D3090"
	}
	if pos := lastIndexOf(parts.fractional, p.digit); pos != -1 && p.countFamily(substring(parts.fractional, pos, len(parts.fractional))) > 0 {
		code = "D3091"
	}
	if parts.hasExponent && len(parts.exponent) > 0 && (hasPercent || hasPerMille) {
		code = "D3092"
	}
	if parts.hasExponent && (len(parts.exponent) == 0 || p.countFamily(parts.exponent) != len(parts.exponent)) {
		code = "D3093"
	}
	if code != "" {
		return newError(code, nil)
	}
	return nil
}

func (p *properties) countFamily(rs []rune) int {
	n := 0
	for _, r := range rs {
		if p.inFamily(r) {
			n++
		}
	}
	return n
}

func (p *properties) countDigits(rs []rune) int {
	n := 0
	for _, r := range rs {
		if p.inFamily(r) || isChar(r, p.digit) {
			n++
		}
	}
	return n
}

// numberPicture is an analysed sub-picture (F&O 3.1 §4.7.4).
type numberPicture struct {
	integerGrouping    []int
	regularGrouping    int
	minimumInteger     int
	scalingFactor      int
	prefix, suffix     []rune
	fractionalGrouping []int
	minimumFractional  int
	maximumFractional  int
	minimumExponent    int
	subPicture         []rune
}

func (p *properties) analyse(parts numberParts) numberPicture {
	// groupingPositions keeps a jsonata-js quirk: after the first separator
	// it searches the integer part, whichever part it was given.
	groupingPositions := func(part []rune, toLeft bool) []int {
		var positions []int
		if len(p.groupingSeparator) == 0 {
			return nil // rejected as D3089 before we get here
		}
		for pos := indexOf(part, p.groupingSeparator, 0); pos != -1; pos = indexOf(parts.integer, p.groupingSeparator, pos+1) {
			if toLeft {
				positions = append(positions, p.countDigits(substring(part, 0, pos)))
			} else {
				positions = append(positions, p.countDigits(substring(part, pos, len(part))))
			}
		}
		return positions
	}
	np := numberPicture{prefix: parts.prefix, suffix: parts.suffix, subPicture: parts.subPicture}
	np.integerGrouping = groupingPositions(parts.integer, false)
	np.regularGrouping = regularPositions(np.integerGrouping)
	np.fractionalGrouping = groupingPositions(parts.fractional, true)
	np.minimumInteger = p.countFamily(parts.integer)
	np.scalingFactor = np.minimumInteger
	np.minimumFractional = p.countFamily(parts.fractional)
	np.maximumFractional = p.countDigits(parts.fractional)
	if np.minimumInteger == 0 && np.maximumFractional == 0 {
		if parts.hasExponent {
			np.minimumFractional, np.maximumFractional = 1, 1
		} else {
			np.minimumInteger = 1
		}
	}
	if parts.hasExponent && np.minimumInteger == 0 && contains(parts.integer, p.digit) {
		np.minimumInteger = 1
	}
	if np.minimumInteger == 0 && np.minimumFractional == 0 {
		np.minimumFractional = 1
	}
	if parts.hasExponent {
		np.minimumExponent = p.countFamily(parts.exponent)
	}
	return np
}

// regularPositions returns the grouping interval if positions are all
// multiples of one, 0 otherwise.
func regularPositions(positions []int) int {
	if len(positions) == 0 {
		return 0
	}
	factor := 0
	for _, pos := range positions {
		factor = gcd(factor, pos)
	}
	for i := 1; i <= len(positions); i++ {
		found := false
		for _, pos := range positions {
			if pos == i*factor {
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

// format writes a finite value with pic (F&O 3.1 §4.7.5, bullets 3 to 14).
func (p *properties) format(value float64, pic numberPicture) []rune {
	adjusted := value
	if contains(pic.subPicture, p.percent) {
		adjusted = value * 100
	} else if contains(pic.subPicture, p.perMille) {
		adjusted = value * 1000
	}
	mantissa := adjusted
	exponent, hasExponent := 0, pic.minimumExponent != 0
	if hasExponent && mantissa != 0 {
		maxMantissa := math.Pow(10, float64(pic.scalingFactor))
		minMantissa := math.Pow(10, float64(pic.scalingFactor-1))
		for math.Abs(mantissa) < minMantissa {
			mantissa *= 10
			exponent--
		}
		for math.Abs(mantissa) > maxMantissa {
			mantissa /= 10
			exponent++
		}
	}
	rounded := roundHalfEven(mantissa, pic.maximumFractional)
	s := p.digitString(rounded, pic.maximumFractional)
	if dot := indexOf(s, []rune{'.'}, 0); dot == -1 {
		s = concat(s, p.decimalSeparator)
	} else {
		s = concat(s[:dot], p.decimalSeparator, s[dot+1:])
	}
	for len(p.zeroDigit) == 1 && len(s) > 0 && s[0] == p.zeroDigit[0] {
		s = s[1:]
	}
	for len(p.zeroDigit) == 1 && len(s) > 0 && s[len(s)-1] == p.zeroDigit[0] {
		s = s[:len(s)-1]
	}
	// bullets 8 and 9: pad to the minimum sizes
	decimalPos := indexOf(s, p.decimalSeparator, 0)
	padLeft := pic.minimumInteger - decimalPos
	padRight := pic.minimumFractional - (len(s) - decimalPos - 1)
	if padLeft > 0 {
		s = concat(repeatRunes(p.zeroDigit, padLeft), s)
	}
	if padRight > 0 {
		s = concat(s, repeatRunes(p.zeroDigit, padRight))
	}
	// bullet 10: integer grouping
	decimalPos = indexOf(s, p.decimalSeparator, 0)
	if pic.regularGrouping > 0 {
		groups := floorDivInt(decimalPos-1, pic.regularGrouping)
		for g := 1; g <= groups; g++ {
			at := decimalPos - g*pic.regularGrouping
			s = concat(slice(s, 0, at), p.groupingSeparator, slice(s, at, len(s)))
		}
	} else {
		for _, pos := range pic.integerGrouping {
			at := decimalPos - pos
			s = concat(slice(s, 0, at), p.groupingSeparator, slice(s, at, len(s)))
			decimalPos++
		}
	}
	// bullet 11: fractional grouping
	decimalPos = indexOf(s, p.decimalSeparator, 0)
	for _, pos := range pic.fractionalGrouping {
		at := pos + decimalPos + 1
		s = concat(slice(s, 0, at), p.groupingSeparator, slice(s, at, len(s)))
	}
	// bullet 12: drop a trailing decimal separator
	decimalPos = indexOf(s, p.decimalSeparator, 0)
	if !contains(pic.subPicture, p.decimalSeparator) || decimalPos == len(s)-1 {
		s = substring(s, 0, len(s)-1)
	}
	// bullet 13: the exponent
	if hasExponent {
		e := p.digitString(float64(exponent), 0)
		if padLeft := pic.minimumExponent - len(e); padLeft > 0 {
			e = concat(repeatRunes(p.zeroDigit, padLeft), e)
		}
		var sign []rune
		if exponent < 0 {
			sign = p.minusSign
		}
		s = concat(s, p.exponentSeparator, sign, e)
	}
	return concat(pic.prefix, s, pic.suffix)
}

// digitString is makeString in jsonata-js: |v| with dp decimals, in the
// decimal digit family.
func (p *properties) digitString(v float64, dp int) []rune {
	s := []rune(jsToFixed(math.Abs(v), dp))
	if string(p.zeroDigit) != "0" {
		for i, r := range s {
			if r >= '0' && r <= '9' {
				if len(p.family) == 0 {
					s[i] = 0xFFFD // jsonata-js writes "undefined"; keep it one character
				} else {
					s[i] = p.family[r-'0']
				}
			}
		}
	}
	return s
}

func repeatRunes(rs []rune, n int) []rune {
	out := make([]rune, 0, len(rs)*n)
	for range n {
		out = append(out, rs...)
	}
	return out
}

func floorDivInt(a, b int) int { return int(floorDiv(int64(a), int64(b))) }
