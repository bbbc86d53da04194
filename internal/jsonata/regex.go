package jsonata

import (
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsRegex is a regular expression literal (/pattern/flags). JavaScript
// syntax is translated to Go's RE2 syntax; features RE2 lacks (lookaround,
// backreferences) are rejected at compile time.
type jsRegex struct {
	source string
	flags  string
	re     *regexp.Regexp
}

func compileJSRegex(pattern, flags string) (*jsRegex, error) {
	var b strings.Builder
	prefix := ""
	if strings.Contains(flags, "i") {
		prefix += "i"
	}
	if strings.Contains(flags, "m") {
		prefix += "m"
	}
	if prefix != "" {
		b.WriteString("(?" + prefix + ")")
	}
	rs := []rune(pattern)
	inClass := false
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '\\' && i+1 < len(rs):
			n := rs[i+1]
			switch {
			case n == 'u' && i+5 < len(rs) && isHex4(rs[i+2:i+6]):
				b.WriteString(`\x{` + string(rs[i+2:i+6]) + `}`)
				i += 5
			case n == 'd' || n == 'D' || n == 'w' || n == 'W' || n == 's' || n == 'S' || n == 'b' || n == 'B':
				b.WriteRune('\\')
				b.WriteRune(n)
				i++
			case n == 'n':
				b.WriteString(`\n`)
				i++
			case n == 't':
				b.WriteString(`\t`)
				i++
			case n == 'r':
				b.WriteString(`\r`)
				i++
			case n == 'f':
				b.WriteString(`\f`)
				i++
			case n == 'v':
				b.WriteString(`\v`)
				i++
			case n == '0':
				b.WriteString(`\x00`)
				i++
			case n == 'x' && i+3 < len(rs) && isHex2(rs[i+2:i+4]):
				b.WriteString(`\x` + string(rs[i+2:i+4]))
				i += 3
			case n >= '1' && n <= '9':
				// backreferences are not supported by RE2
				return nil, errUnsupportedRegex
			case n < utf8.RuneSelf && !isAlnum(n):
				b.WriteRune('\\')
				b.WriteRune(n)
				i++
			default:
				// identity escape of a letter: match it literally
				b.WriteString(regexp.QuoteMeta(string(n)))
				i++
			}
		case c == '[' && !inClass:
			inClass = true
			b.WriteRune(c)
			if i+1 < len(rs) && rs[i+1] == '^' {
				b.WriteRune('^')
				i++
			}
			if i+1 < len(rs) && rs[i+1] == ']' {
				// JavaScript's [] matches nothing, [^] matches anything
				b.WriteString(`\x{10FFFF}-\x{10FFFF}`)
			}
		case c == '[' && inClass:
			b.WriteString(`\[`)
		case c == ']' && inClass:
			inClass = false
			b.WriteRune(c)
		case c == '(' && !inClass && i+2 < len(rs) && rs[i+1] == '?' && (rs[i+2] == '=' || rs[i+2] == '!'):
			return nil, errUnsupportedRegex
		case c == '(' && !inClass && i+3 < len(rs) && rs[i+1] == '?' && rs[i+2] == '<' && (rs[i+3] == '=' || rs[i+3] == '!'):
			return nil, errUnsupportedRegex
		default:
			b.WriteRune(c)
		}
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, err
	}
	return &jsRegex{source: pattern, flags: flags, re: re}, nil
}

var errUnsupportedRegex = &Error{Code: "S0303", Message: "unsupported regular expression feature"}

func isHex2(rs []rune) bool {
	if len(rs) != 2 {
		return false
	}
	for _, r := range rs {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_'
}

// String offsets: JSONata exposes positions in UTF-16 code units, as
// JavaScript does. These helpers convert between those and byte offsets.

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// utf16Offset converts a byte offset in s to a UTF-16 offset.
func utf16Offset(s string, byteOff int) int {
	if byteOff > len(s) {
		byteOff = len(s)
	}
	n := 0
	for _, r := range s[:byteOff] {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// byteOffset converts a UTF-16 offset in s to a byte offset.
func byteOffset(s string, u16 int) int {
	if u16 <= 0 {
		return 0
	}
	n := 0
	for i, r := range s {
		if n >= u16 {
			return i
		}
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return len(s)
}

// utf16Len is JavaScript's String.prototype.length.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

var _ = utf16.IsSurrogate
