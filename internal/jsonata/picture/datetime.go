package picture

import (
	"math"
	"strconv"
	"strings"
	"sync"
)

// ISOPicture is the picture FormatDateTime uses when given none: ISO 8601
// with milliseconds, "Z" for UTC.
const ISOPicture = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"

// maxWidth bounds the width modifiers of date/time markers. jsonata-js
// accepts up to what its string length limit allows (about 5e8).
const maxWidth = 4096

// FormatDateTime is JSONata's $fromMillis(millis, picture, timezone) and
// $now(picture, timezone): the instant millis (milliseconds since the Unix
// epoch) written as XPath F&O 3.1 §9.8 fn:format-dateTime describes, in the
// variant of jsonata-js 2.x. An empty picture means ISOPicture, e.g.
// "2018-01-01T00:00:00.000Z". timezone is "" for UTC or an offset "±HHMM"
// ("+0100", "-0500", also "0000"); "±HH:MM" is read as hours and minutes.
//
// JSONata passes millis through JavaScript's Date, which truncates a
// fractional value towards zero; callers holding a float64 should do the
// same. Instants beyond JavaScript's Date range (±8.64e15 ms) are an error.
func FormatDateTime(millis int64, picture, timezone string) (string, error) {
	var offHours, offMinutes int
	if timezone != "" {
		var err error
		if offHours, offMinutes, err = parseTimezone(timezone); err != nil {
			return "", err
		}
	}
	var parts []datePart
	if picture == "" {
		parts = isoParts()
	} else {
		var err error
		if parts, err = analyseDateTimePicture(picture); err != nil {
			return "", err
		}
	}
	if math.Abs(float64(millis)) > maxTimeClip {
		return "", limitError("timestamp %d is outside the range of dates", millis)
	}
	shifted := millis + int64((60*offHours+offMinutes)*60*1000)
	if math.Abs(float64(shifted)) > maxTimeClip {
		return "", limitError("timestamp %d is outside the range of dates", millis)
	}
	dt := newDateTime(shifted)
	var b strings.Builder
	for i := range parts {
		p := &parts[i]
		if p.literal {
			b.WriteString(p.value)
			continue
		}
		s, err := p.format(dt, offHours, offMinutes)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

var isoParts = sync.OnceValue(func() []datePart {
	parts, err := analyseDateTimePicture(ISOPicture)
	if err != nil {
		panic(err)
	}
	return parts
})

// parseTimezone reads "±HHMM" as JavaScript's parseInt does in jsonata-js,
// except that a negative offset's minutes are negative too (jsonata-js
// floors -530 to -6 hours and -30 minutes), and "±HH:MM" is hours and
// minutes (jsonata-js reads "+05:00" as 5 minutes).
func parseTimezone(tz string) (hours, minutes int, err error) {
	s := tz
	sign := 1
	if s != "" && (s[0] == '+' || s[0] == '-') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	digits := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	switch {
	case len(s) >= 1 && len(s) <= 4 && digits(s):
		v, _ := strconv.Atoi(s)
		return sign * (v / 100), sign * (v % 100), nil
	case len(s) == 5 && s[2] == ':' && digits(s[:2]) && digits(s[3:]):
		h, _ := strconv.Atoi(s[:2])
		m, _ := strconv.Atoi(s[3:])
		return sign * h, sign * m, nil
	}
	return 0, 0, limitError("timezone %q is not an offset such as +0100 or -0530", tz)
}

// width is a marker's width modifier; a bound is NaN when given but not a
// number, as parseInt leaves it in jsonata-js.
type width struct {
	min, max       float64
	hasMin, hasMax bool
}

// datePart is a literal or a variable marker of a date/time picture.
type datePart struct {
	literal bool
	value   string // the literal text

	component     rune
	width         *width
	presentation1 string
	presentation2 rune
	names         letterCase
	hasNames      bool
	integer       *intFormat // for integer-valued components and Z/z
	n             float64    // Y only: the number of year digits kept, -1 for all
}

var defaultPresentation = map[rune]string{
	'Y': "1", 'M': "1", 'D': "1", 'd': "1", 'F': "n", 'W': "1", 'w': "1", 'X': "1", 'x': "1", 'H': "1", 'h': "1",
	'P': "n", 'm': "01", 's': "01", 'f': "1", 'Z': "01:01", 'z': "01:01", 'C': "n", 'E': "n",
}

// analyseDateTimePicture splits a picture into literals and markers (F&O 3.1
// §9.8.4.1).
func analyseDateTimePicture(picture string) ([]datePart, error) {
	var spec []datePart
	addLiteral := func(s string) {
		if s != "" {
			spec = append(spec, datePart{literal: true, value: strings.ReplaceAll(s, "]]", "]")})
		}
	}
	start, pos := 0, 0
	for pos < len(picture) {
		if picture[pos] != '[' {
			pos++
			continue
		}
		if pos+1 < len(picture) && picture[pos+1] == '[' {
			addLiteral(picture[start:pos])
			spec = append(spec, datePart{literal: true, value: "["})
			pos += 2
			start = pos
			continue
		}
		addLiteral(picture[start:pos])
		end := strings.IndexByte(picture[pos:], ']')
		if end == -1 {
			return nil, newError("D3135", nil)
		}
		end += pos
		def, err := analyseMarker(picture[pos+1 : end])
		if err != nil {
			return nil, err
		}
		if def.integer != nil && def.component != 'Z' && def.component != 'z' && len(spec) > 0 {
			// An integer directly after another must be parsed at its exact width.
			if prev := &spec[len(spec)-1]; prev.integer != nil {
				prev.integer.parseWidth = prev.integer.mandatoryDigits
			}
		}
		spec = append(spec, def)
		pos = end + 1
		start = pos
	}
	addLiteral(picture[start:])
	return spec, nil
}

func analyseMarker(marker string) (datePart, error) {
	rs := []rune(strings.Map(func(r rune) rune {
		if isJSSpace(r) {
			return -1
		}
		return r
	}, marker))
	def := datePart{n: -1}
	if len(rs) > 0 {
		def.component = rs[0]
	}
	var presMod []rune
	if comma := lastIndexOf(rs, []rune{','}); comma != -1 {
		wm := rs[comma+1:]
		w := &width{}
		minText, maxText := wm, []rune(nil)
		hasMax := false
		if dash := indexOf(wm, []rune{'-'}, 0); dash != -1 {
			minText, maxText, hasMax = wm[:dash], wm[dash+1:], true
		}
		if string(minText) != "*" {
			w.min, w.hasMin = jsParseInt(string(minText)), true
		}
		if hasMax && string(maxText) != "*" {
			w.max, w.hasMax = jsParseInt(string(maxText)), true
		}
		if w.min > maxWidth || w.max > maxWidth {
			return def, limitError("width modifier in [%s] is larger than %d", marker, maxWidth)
		}
		def.width = w
		presMod = substring(rs, 1, comma)
	} else if len(rs) > 0 {
		presMod = rs[1:]
	}
	hasP1 := true
	switch {
	case len(presMod) == 1:
		def.presentation1 = string(presMod)
	case len(presMod) > 1:
		last := presMod[len(presMod)-1]
		if strings.ContainsRune("atco", last) {
			def.presentation2 = last
			def.presentation1 = string(presMod[:len(presMod)-1])
		} else {
			def.presentation1 = string(presMod)
		}
	default:
		def.presentation1, hasP1 = defaultPresentation[def.component]
	}
	if !hasP1 {
		return def, newError("D3132", string(def.component))
	}
	switch {
	case def.presentation1[0] == 'n':
		def.names, def.hasNames = caseLower, true
	case def.presentation1[0] == 'N':
		def.hasNames = true
		if len(def.presentation1) > 1 && def.presentation1[1] == 'n' {
			def.names = caseTitle
		} else {
			def.names = caseUpper
		}
	case strings.ContainsRune("YMDdFWwXxHhmsf", def.component):
		pattern := def.presentation1
		if def.presentation2 != 0 {
			pattern += ";" + string(def.presentation2)
		}
		f, err := analyseIntegerPicture(pattern)
		if err != nil {
			return def, err
		}
		def.integer = f
		if w := def.width; w != nil && w.hasMin && f.mandatoryDigits < w.min {
			f.mandatoryDigits = w.min
		}
		if def.component == 'Y' {
			if w := def.width; w != nil && w.hasMax {
				def.n = w.max
				f.mandatoryDigits = def.n
			} else if f.mandatoryDigits+f.optionalDigits >= 2 {
				def.n = f.mandatoryDigits + f.optionalDigits
			}
		}
	}
	if def.component == 'Z' || def.component == 'z' {
		f, err := analyseIntegerPicture(def.presentation1)
		if err != nil {
			return def, err
		}
		def.integer = f
	}
	return def, nil
}

var (
	dayNames   = []string{"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August",
		"September", "October", "November", "December"}
)

// format writes one marker (formatComponent in jsonata-js).
func (p *datePart) format(dt dateTime, offHours, offMinutes int) (string, error) {
	c := p.component
	switch {
	case strings.ContainsRune("YMDdFWwXxHhms", c):
		v := dt.fragment(c)
		if c == 'Y' && p.n != -1 {
			v = math.Mod(v, math.Pow(10, p.n))
		}
		if !p.hasNames {
			return formatInt(v, p.integer)
		}
		var name string
		switch c {
		case 'M', 'x':
			name = monthNames[int(v)-1]
		case 'F':
			name = dayNames[int(v)]
		default:
			return "", newError("D3133", string(c))
		}
		switch p.names {
		case caseUpper:
			name = strings.ToUpper(name)
		case caseLower:
			name = strings.ToLower(name)
		}
		if p.width != nil && p.width.hasMax && float64(len(name)) > p.width.max {
			name = string(substring([]rune(name), 0, int(p.width.max)))
		}
		return name, nil
	case c == 'f':
		if p.integer == nil {
			// jsonata-js fails with a TypeError on names for 'f'
			return "", newError("D3133", string(c))
		}
		return formatInt(dt.fragment(c), p.integer)
	case c == 'Z' || c == 'z':
		return p.formatTimezone(offHours, offMinutes)
	case c == 'P':
		if dt.hour >= 12 {
			if p.hasNames && p.names == caseUpper {
				return "PM", nil
			}
			return "pm", nil
		}
		if p.hasNames && p.names == caseUpper {
			return "AM", nil
		}
		return "am", nil
	case c == 'C' || c == 'E':
		return "ISO", nil
	}
	// jsonata-js writes "undefined" for a component letter it does not know
	// but that has a presentation modifier ("[q1]"); this is an error.
	return "", newError("D3132", string(c))
}

func (p *datePart) formatTimezone(offHours, offMinutes int) (string, error) {
	offset := offHours*100 + offMinutes
	f := p.integer
	var s string
	var err error
	if f.regular {
		s, err = formatInt(float64(offset), f)
	} else {
		switch f.mandatoryDigits {
		case 1, 2:
			s, err = formatInt(float64(offHours), f)
			if err == nil && offMinutes != 0 {
				// jsonata-js writes the sign again: "-5:-30"
				s += ":" + string(formatDecimal(math.Abs(float64(offMinutes)), &intFormat{zero: '0', mandatoryDigits: 2}))
			}
		case 3, 4:
			s, err = formatInt(float64(offset), f)
		default:
			var v any
			if !math.IsNaN(f.mandatoryDigits) {
				v = f.mandatoryDigits
			}
			return "", newError("D3134", v)
		}
	}
	if err != nil {
		return "", err
	}
	if offset >= 0 {
		s = "+" + s
	}
	if p.component == 'z' {
		s = "GMT" + s
	}
	if offset == 0 && p.presentation2 == 't' {
		s = "Z"
	}
	return s, nil
}

// dateTime is a JavaScript Date read with its UTC getters.
type dateTime struct {
	millis                    float64 // getTime()
	year                      float64
	month                     int // 0–11
	day, hour, minute, second int
	ms, weekday               int // weekday: 0 is Sunday
}

func newDateTime(millis int64) dateTime {
	days := floorDiv(millis, msPerDay)
	rem := millis - days*msPerDay
	y, m, d := civilFromDays(days)
	wd := int((days%7 + 11) % 7) // 1970-01-01 was a Thursday (4)
	return dateTime{
		millis:  float64(millis),
		year:    float64(y),
		month:   m - 1,
		day:     d,
		hour:    int(rem / 3600000),
		minute:  int(rem / 60000 % 60),
		second:  int(rem / 1000 % 60),
		ms:      int(rem % 1000),
		weekday: wd,
	}
}

// fragment is getDateTimeFragment in jsonata-js, for numeric components.
func (dt dateTime) fragment(c rune) float64 {
	switch c {
	case 'Y':
		return dt.year
	case 'M':
		return float64(dt.month + 1)
	case 'D':
		return float64(dt.day)
	case 'd':
		today := jsDateUTC(dt.year, float64(dt.month), float64(dt.day), 0, 0, 0, 0)
		firstJan := jsDateUTC(dt.year, 0, 1, 0, 0, 0, 0)
		return (today-firstJan)/msPerDay + 1
	case 'F':
		if dt.weekday == 0 {
			return 7
		}
		return float64(dt.weekday)
	case 'W':
		start := startOfFirstWeek(dt.year, 0)
		today := jsDateUTC(dt.year, float64(dt.month), float64(dt.day), 0, 0, 0, 0)
		week := deltaWeeks(start, today)
		if week > 52 {
			if today >= startOfFirstWeek(dt.year+1, 0) {
				week = 1
			}
		} else if week < 1 {
			week = deltaWeeks(startOfFirstWeek(dt.year-1, 0), today)
		}
		return math.Floor(week)
	case 'w':
		start := startOfFirstWeek(dt.year, float64(dt.month))
		today := jsDateUTC(dt.year, float64(dt.month), float64(dt.day), 0, 0, 0, 0)
		week := deltaWeeks(start, today)
		if week > 4 {
			ny, nm := nextMonth(dt.year, dt.month)
			if today >= startOfFirstWeek(ny, float64(nm)) {
				week = 1
			}
		} else if week < 1 {
			py, pm := previousMonth(dt.year, dt.month)
			week = deltaWeeks(startOfFirstWeek(py, float64(pm)), today)
		}
		return math.Floor(week)
	case 'X':
		switch {
		case dt.millis < startOfFirstWeek(dt.year, 0):
			return dt.year - 1
		case dt.millis >= startOfFirstWeek(dt.year+1, 0):
			return dt.year + 1
		}
		return dt.year
	case 'x':
		ny, nm := nextMonth(dt.year, dt.month)
		switch {
		case dt.millis < startOfFirstWeek(dt.year, float64(dt.month)):
			_, pm := previousMonth(dt.year, dt.month)
			return float64(pm + 1)
		case dt.millis >= startOfFirstWeek(ny, float64(nm)):
			return float64(nm + 1)
		}
		return float64(dt.month + 1)
	case 'H':
		return float64(dt.hour)
	case 'h':
		if h := dt.hour % 12; h != 0 {
			return float64(h)
		}
		return 12
	case 'm':
		return float64(dt.minute)
	case 's':
		return float64(dt.second)
	case 'f':
		return float64(dt.ms)
	}
	return math.NaN()
}

func nextMonth(y float64, m int) (float64, int) {
	if m == 11 {
		return y + 1, 0
	}
	return y, m + 1
}

func previousMonth(y float64, m int) (float64, int) {
	if m == 0 {
		return y - 1, 11
	}
	return y, m - 1
}

// startOfFirstWeek returns the millis of the Monday starting the first week
// of the month (ISO 8601: the week with the month's first Thursday).
func startOfFirstWeek(year, month float64) float64 {
	first := jsDateUTC(year, month, 1, 0, 0, 0, 0)
	if math.IsNaN(first) {
		return first
	}
	dow := newDateTime(int64(first)).weekday
	if dow == 0 {
		dow = 7
	}
	if dow > 4 {
		return first + float64(8-dow)*msPerDay
	}
	return first - float64(dow-1)*msPerDay
}

func deltaWeeks(start, end float64) float64 {
	return (end-start)/(msPerDay*7) + 1
}
