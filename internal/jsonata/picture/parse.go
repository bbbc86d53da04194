package picture

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// ParseDateTime is JSONata's $toMillis(s, picture): the instant s denotes,
// read with a date/time picture as FormatDateTime writes it, in
// milliseconds since the Unix epoch. ok is false when s does not match the
// picture, or the picture has no markers (JSONata's undefined).
//
// Components missing from the picture are filled in as jsonata-js does:
// those more significant than any given come from now (JSONata's evaluation
// timestamp, in milliseconds), less significant ones are zero (one for month
// and day). So "[H]:[m]" is a time today and "[Y]" midnight on 1 January.
// A gap between given components ("[M]-[D] [m]") is error D3136, as are ISO
// week dates ([X], [W], [x], [w]), which jsonata-js cannot parse either.
func ParseDateTime(s, picture string, now int64) (millis int64, ok bool, err error) {
	m, err := dateMatcherFor(picture)
	if err != nil {
		return 0, false, err
	}
	groups := m.re.FindStringSubmatch(s)
	if groups == nil || !m.hasMarkers {
		return 0, false, nil
	}
	comps := map[rune]component{}
	for i, p := range m.parts {
		if p.parse != nil {
			v, defined := p.parse(groups[i+1])
			comps[p.component] = component{v, defined}
		}
	}
	t, err := resolveDateTime(comps, now)
	if err != nil || math.IsNaN(t) {
		return 0, false, err
	}
	return int64(t), true, nil
}

// component is a parsed value; undefined where jsonata-js has undefined (a
// name it does not know).
type component struct {
	v       float64
	defined bool
}

// truthy is JavaScript's truthiness of a component.
func (c component) truthy() bool { return c.defined && c.v != 0 && !math.IsNaN(c.v) }

// Bit masks of the components that make up a date and a time, from most to
// least significant: Y X M x W w d D, and P H h m s f.
const (
	dateYMD  = 0b10100001
	dateYd   = 0b10000010
	dateYxwF = 0b01010100
	dateXWF  = 0b01001000
	timeHmsf = 0b010111
	timePhms = 0b101111
)

// resolveDateTime fills in missing components and computes the instant
// (the second half of parseDateTime in jsonata-js).
func resolveDateTime(comps map[rune]component, now int64) (float64, error) {
	mask := 0
	isType := func(t int) bool { return ^t&mask == 0 && t&mask != 0 }
	for _, c := range "YXMxWwdD" {
		mask <<= 1
		if comps[c].truthy() {
			mask++
		}
	}
	dateA := isType(dateYMD)
	dateB := !dateA && isType(dateYd)
	dateC := isType(dateYxwF)
	dateD := !dateC && isType(dateXWF)
	mask = 0
	for _, c := range "PHhmsf" {
		mask <<= 1
		if comps[c].truthy() {
			mask++
		}
	}
	timeA := isType(timeHmsf)
	timeB := !timeA && isType(timePhms)

	order := "YMD"
	switch {
	case dateB:
		order = "YD"
	case dateC:
		order = "XxwF"
	case dateD:
		order = "XWF"
	}
	if timeB {
		order += "Phmsf"
	} else {
		order += "Hmsf"
	}
	if math.Abs(float64(now)) > maxTimeClip {
		return 0, limitError("timestamp %d is outside the range of dates", now)
	}
	nowDT := newDateTime(now)
	startSpecified, endSpecified := false, false
	for _, c := range order {
		if comps[c].defined {
			startSpecified = true
			if endSpecified {
				return 0, newError("D3136", nil)
			}
			continue
		}
		switch {
		case startSpecified:
			v := 0.0
			if c == 'M' || c == 'D' || c == 'd' {
				v = 1
			}
			comps[c] = component{v, true}
			endSpecified = true
		case c == 'P':
			comps[c] = component{0, true} // "am"/"pm", never the 1 of a parsed "pm"
		default:
			comps[c] = component{nowDT.fragment(c), true}
		}
	}
	get := func(c rune) float64 {
		if v := comps[c]; v.defined {
			return v.v
		}
		return math.NaN()
	}
	month := 0.0
	if m := get('M'); m > 0 {
		month = m - 1
	}
	day := get('D')
	if dateB {
		first := jsDateUTC(get('Y'), 0, 1, 0, 0, 0, 0)
		derived := timeClip(first + (get('d')-1)*msPerDay)
		if math.IsNaN(derived) {
			month, day = math.NaN(), math.NaN()
		} else {
			dt := newDateTime(int64(derived))
			month, day = float64(dt.month), float64(dt.day)
		}
	}
	if dateC || dateD {
		return 0, newError("D3136", nil)
	}
	hour := get('H')
	if timeB {
		hour = get('h')
		if hour == 12 {
			hour = 0
		}
		if p := comps['P']; p.defined && p.v == 1 {
			hour += 12
		}
	}
	t := jsDateUTC(get('Y'), month, day, hour, get('m'), get('s'), get('f'))
	if z := comps['Z']; z.truthy() {
		t -= z.v * 60 * 1000
	} else if z := comps['z']; z.truthy() {
		t -= z.v * 60 * 1000
	}
	return t, nil
}

// dateMatcher is a compiled date/time picture for parsing.
type dateMatcher struct {
	re         *regexp.Regexp
	parts      []matchPart // one per capturing group
	hasMarkers bool
}

type matchPart struct {
	component rune
	parse     func(string) (float64, bool) // nil for literals
}

var matchers struct {
	sync.Mutex
	m map[string]*dateMatcher
}

// dateMatcherFor returns the matcher for picture, from a small cache.
func dateMatcherFor(picture string) (*dateMatcher, error) {
	matchers.Lock()
	m, ok := matchers.m[picture]
	matchers.Unlock()
	if ok {
		return m, nil
	}
	m, err := newDateMatcher(picture)
	if err != nil {
		return nil, err
	}
	matchers.Lock()
	if matchers.m == nil || len(matchers.m) >= 256 {
		matchers.m = map[string]*dateMatcher{}
	}
	matchers.m[picture] = m
	matchers.Unlock()
	return m, nil
}

// newDateMatcher builds the regular expression jsonata-js builds for a
// picture (generateRegex), with the parse function of each group.
func newDateMatcher(picture string) (*dateMatcher, error) {
	spec, err := analyseDateTimePicture(picture)
	if err != nil {
		return nil, err
	}
	m := &dateMatcher{}
	var re strings.Builder
	re.WriteString("(?i)^")
	for i := range spec {
		p := &spec[i]
		var expr string
		var parse func(string) (float64, bool)
		switch {
		case p.literal:
			expr = regexp.QuoteMeta(p.value)
		case p.component == 'Z' || p.component == 'z':
			expr, parse = timezoneMatcher(p)
		case p.component == 'f':
			expr = "[0-9]+"
			parse = func(s string) (float64, bool) {
				v, _ := strconv.ParseFloat("0."+s[:min(len(s), 3)], 64)
				return v * 1000, true
			}
		case p.integer != nil:
			if expr, err = integerRegexp(p.integer); err != nil {
				return nil, err
			}
			f := p.integer
			parse = func(s string) (float64, bool) { return f.parse(s), true }
		default:
			if expr, parse, err = nameMatcher(p); err != nil {
				return nil, err
			}
		}
		re.WriteString("(" + expr + ")")
		m.parts = append(m.parts, matchPart{component: p.component, parse: parse})
		m.hasMarkers = m.hasMarkers || parse != nil
	}
	re.WriteString("$")
	if m.re, err = regexp.Compile(re.String()); err != nil {
		return nil, limitError("picture %q cannot be used for parsing: %v", picture, err)
	}
	return m, nil
}

func timezoneMatcher(p *datePart) (string, func(string) (float64, bool)) {
	var sep []rune
	if p.integer.regular {
		sep = []rune{p.integer.regularChar}
	}
	expr := ""
	if p.component == 'z' {
		expr = "GMT"
	}
	expr += "[-+][0-9]+"
	if sep != nil {
		expr += regexp.QuoteMeta(string(sep)) + "[0-9]+"
	}
	isZ := p.component == 'z'
	return expr, func(s string) (float64, bool) {
		v := []rune(s)
		if isZ {
			v = substring(v, 3, len(v))
		}
		var hours, minutes float64
		if sep != nil {
			i := indexOf(v, sep, 0)
			hours = jsParseInt(string(substring(v, 0, i)))
			minutes = jsParseInt(string(substring(v, i+1, len(v))))
		} else if len(v)-1 <= 2 {
			hours = jsParseInt(string(v))
		} else {
			hours = jsParseInt(string(substring(v, 0, 3)))
			minutes = jsParseInt(string(substring(v, 3, len(v))))
		}
		if len(v) > 0 && v[0] == '-' {
			// jsonata-js adds the minutes of a negative offset: -05:30 as -4:30
			minutes = -minutes
		}
		return hours*60 + minutes, true
	}
}

// integerRegexp is generateRegex in jsonata-js for an integer format.
func integerRegexp(f *intFormat) (string, error) {
	upper := f.letters == caseUpper
	switch f.primary {
	case primaryLetters:
		if upper {
			return "[A-Z]+", nil
		}
		return "[a-z]+", nil
	case primaryRoman:
		if upper {
			return "[MDCLXVI]+", nil
		}
		return "[mdclxvi]+", nil
	case primaryWords:
		return wordsRegexp, nil
	case primaryDecimal:
		expr := "[0-9]+"
		if w := f.parseWidth; w != 0 && !math.IsNaN(w) {
			expr = "[0-9]{" + jsNumberToString(w) + "}"
		}
		if f.ordinal {
			expr += "(?:th|st|nd|rd)"
		}
		return expr, nil
	}
	return "", newError("D3130", f.token)
}

var wordsRegexp = "(?:" + strings.Join(wordKeys, "|") + `|and|[\-, ])+`

func nameMatcher(p *datePart) (string, func(string) (float64, bool), error) {
	lookup := map[string]float64{}
	key := func(name string) string {
		if p.width != nil && p.width.hasMax && p.width.max != 0 && !math.IsNaN(p.width.max) {
			return string(substring([]rune(name), 0, int(p.width.max)))
		}
		return name
	}
	switch p.component {
	case 'M', 'x':
		for i, name := range monthNames {
			lookup[key(name)] = float64(i + 1)
		}
	case 'F':
		for i, name := range dayNames[1:] {
			lookup[key(name)] = float64(i + 1)
		}
	case 'P':
		lookup = map[string]float64{"am": 0, "AM": 0, "pm": 1, "PM": 1}
	default:
		return "", nil, newError("D3133", string(p.component))
	}
	return "[a-zA-Z]+", func(s string) (float64, bool) {
		v, ok := lookup[s]
		return v, ok
	}, nil
}

var isoRegexp = regexp.MustCompile(`^(\d{4})(-[01]\d)?(-[0-3]\d)?(T[0-2]\d:[0-5]\d:[0-5]\d)?(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$`)

// ParseISO is JSONata's $toMillis(s) without a picture: an ISO 8601
// timestamp "YYYY[-MM[-DD]][THH:mm:ss[.fff]][Z|±HH[:]mm]" in milliseconds
// since the Unix epoch. jsonata-js checks s with this pattern (error D3110)
// and hands it to JavaScript's Date.parse; so does this, with two
// differences: a timestamp without an offset is UTC here (JavaScript takes
// local time), and what passes the pattern but Date.parse rejects, or reads
// by its legacy rules ("2018-13", "2018-01-01+01:00", "2018.5"), is D3110
// rather than NaN or a guess.
func ParseISO(s string) (int64, error) {
	m := isoRegexp.FindStringSubmatch(s)
	if m == nil {
		return 0, newError("D3110", s)
	}
	bad := func() (int64, error) { return 0, newError("D3110", s) }
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	year, month, day := atoi(m[1]), 1, 1
	clock, frac, zone := m[4], m[5], m[6]
	if m[2] != "" {
		month = atoi(m[2][1:])
	} else if m[3] != "" {
		return bad() // a day without a month
	}
	if m[3] != "" {
		day = atoi(m[3][1:])
	}
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return bad()
	}
	var hour, minute, second, ms int
	if clock != "" {
		hour, minute, second = atoi(clock[1:3]), atoi(clock[4:6]), atoi(clock[7:9])
	} else if frac != "" || (zone != "" && zone != "Z") {
		return bad()
	}
	if frac != "" {
		ms = atoi((frac[1:] + "00")[:3])
	}
	if hour > 24 || hour == 24 && (minute != 0 || second != 0 || strings.Trim(frac, ".0") != "") {
		return bad()
	}
	t := (daysFromCivil(int64(year), month, 1)+int64(day-1))*msPerDay +
		int64(hour)*3600000 + int64(minute)*60000 + int64(second)*1000 + int64(ms)
	if zone != "" && zone != "Z" {
		zh, zm := atoi(zone[1:3]), atoi(zone[len(zone)-2:])
		if zh > 23 {
			return bad()
		}
		off := int64(zh*60+zm) * 60000
		if zone[0] == '-' {
			off = -off
		}
		t -= off
	}
	return t, nil
}
