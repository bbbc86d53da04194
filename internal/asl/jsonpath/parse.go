package jsonpath

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type segKind uint8

const (
	segName     segKind = iota // .name, ['a'], ['a','b']
	segIndex                   // [0], [-1], [0,2]
	segSlice                   // [1:3], [:2], [-2:], [::2]
	segWildcard                // .*, [*]
	segFilter                  // [?(...)]
)

// segment is one step of a path. With deep set it was written after "..".
type segment struct {
	kind    segKind
	deep    bool
	pos     int // offset in the source, for messages
	names   []string
	indexes []int
	slice   sliceSpec
	filter  expr
}

type sliceSpec struct {
	from, to, step *int
}

// parser is a recursive-descent parser over the path source. Filters embed
// paths ("@.price"), which are parsed by the same code in filter mode.
type parser struct {
	src string
	pos int
}

func (p *parser) errorf(pos int, format string, args ...any) error {
	return &SyntaxError{Path: p.src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parsePath() (*Path, error) {
	start := 0
	end := len(p.src)
	for start < end && isBlank(p.src[start]) {
		start++
	}
	for end > start && isBlank(p.src[end-1]) {
		end--
	}
	p.pos = start
	if start == end || p.src[start] != '$' {
		return nil, p.errorf(start, "a path must start with '$'")
	}
	path := &Path{src: p.src}
	p.pos++
	switch {
	case p.pos < end && p.src[p.pos] == '$':
		path.root = RootContext
		p.pos++
	case p.pos < end && isVarStart(p.src[p.pos:end]):
		path.root = RootVariable
		s := p.pos
		for p.pos < end {
			r, n := utf8.DecodeRuneInString(p.src[p.pos:end])
			if !isVarPart(r) {
				break
			}
			p.pos += n
		}
		path.variable = p.src[s:p.pos]
	default:
		path.root = RootInput
	}
	segs, err := p.parseSegments(end, false)
	if err != nil {
		return nil, err
	}
	if p.pos != end {
		return nil, p.errorf(p.pos, "unexpected %q", p.rest(end))
	}
	path.segs = segs
	path.definite = isDefinite(segs)
	return path, nil
}

func (p *parser) rest(end int) string {
	r := p.src[p.pos:end]
	if len(r) > 20 {
		r = r[:20] + "…"
	}
	return r
}

func isDefinite(segs []segment) bool {
	for i, s := range segs {
		if s.deep {
			return false
		}
		switch s.kind {
		case segName:
			if len(s.names) > 1 && i != len(segs)-1 {
				return false
			}
		case segIndex:
			if len(s.indexes) > 1 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// isVarStart reports whether s starts a variable name: a letter or '_'.
func isVarStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r)
}

// isVarPart reports whether r may continue a variable name (Unicode
// ID_Continue, approximately).
func isVarPart(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) ||
		unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Pc, r)
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isFilterStop reports whether c ends a path embedded in a filter expression.
func isFilterStop(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '<', '>', '=', '~', '!', ')', '&', '|', ',':
		return true
	}
	return false
}

// parseSegments parses segments up to end. In filter mode it stops before a
// character that ends an embedded path.
func (p *parser) parseSegments(end int, inFilter bool) ([]segment, error) {
	var segs []segment
	for p.pos < end {
		c := p.src[p.pos]
		if inFilter && isFilterStop(c) {
			break
		}
		start := p.pos
		switch c {
		case '.':
			deep := false
			p.pos++
			if p.pos < end && p.src[p.pos] == '.' {
				deep = true
				p.pos++
			}
			if p.pos >= end || inFilter && isFilterStop(p.src[p.pos]) {
				if deep {
					return nil, p.errorf(start, "a path must not end with '..'")
				}
				return nil, p.errorf(start, "a path must not end with '.'")
			}
			var s segment
			var err error
			switch p.src[p.pos] {
			case '.':
				return nil, p.errorf(p.pos, "unexpected '.'")
			case '[':
				s, err = p.parseBracket(end)
			case '*':
				s = segment{kind: segWildcard}
				p.pos++
			default:
				s, err = p.parseDotName(end, inFilter)
			}
			if err != nil {
				return nil, err
			}
			s.deep = deep
			s.pos = start
			segs = append(segs, s)
		case '[':
			s, err := p.parseBracket(end)
			if err != nil {
				return nil, err
			}
			s.pos = start
			segs = append(segs, s)
		default:
			if inFilter {
				return segs, nil
			}
			return nil, p.errorf(p.pos, "expected '.' or '[' but found %q", p.rest(end))
		}
	}
	return segs, nil
}

// parseDotName reads a name written after '.'. As in Jayway, it runs up to the
// next '.', '[' or the end; a blank or '(' is an error.
func (p *parser) parseDotName(end int, inFilter bool) (segment, error) {
	start := p.pos
	for p.pos < end {
		c := p.src[p.pos]
		if c == '.' || c == '[' || inFilter && isFilterStop(c) {
			break
		}
		if c == '(' {
			return segment{}, p.errorf(p.pos, "functions such as %s() are not supported", p.src[start:p.pos])
		}
		if isBlank(c) {
			return segment{}, p.errorf(p.pos, "use bracket notation ['my name'] for a name with blanks")
		}
		p.pos++
	}
	if p.pos == start {
		return segment{}, p.errorf(start, "expected a name")
	}
	return segment{kind: segName, names: []string{p.src[start:p.pos]}}, nil
}

func (p *parser) skipBlanks(end int) {
	for p.pos < end && isBlank(p.src[p.pos]) {
		p.pos++
	}
}

// expect consumes c after optional blanks.
func (p *parser) expect(end int, c byte) error {
	p.skipBlanks(end)
	if p.pos >= end {
		return p.errorf(p.pos, "expected '%c' but the path ended", c)
	}
	if p.src[p.pos] != c {
		return p.errorf(p.pos, "expected '%c' but found %q", c, p.rest(end))
	}
	p.pos++
	return nil
}

// parseBracket parses a bracketed segment starting at '['.
func (p *parser) parseBracket(end int) (segment, error) {
	open := p.pos
	p.pos++
	p.skipBlanks(end)
	if p.pos >= end {
		return segment{}, p.errorf(open, "unclosed '['")
	}
	switch c := p.src[p.pos]; {
	case c == '\'' || c == '"':
		var names []string
		for {
			p.skipBlanks(end)
			if p.pos >= end || p.src[p.pos] != '\'' && p.src[p.pos] != '"' {
				return segment{}, p.errorf(p.pos, "expected a quoted name")
			}
			name, err := p.parseQuoted(end)
			if err != nil {
				return segment{}, err
			}
			names = append(names, name)
			p.skipBlanks(end)
			if p.pos < end && p.src[p.pos] == ',' {
				p.pos++
				continue
			}
			if err := p.expect(end, ']'); err != nil {
				return segment{}, err
			}
			return segment{kind: segName, names: names}, nil
		}
	case c == '*':
		p.pos++
		if err := p.expect(end, ']'); err != nil {
			return segment{}, err
		}
		return segment{kind: segWildcard}, nil
	case c == '?':
		p.pos++
		if err := p.expect(end, '('); err != nil {
			return segment{}, err
		}
		x, err := p.parseOr(end)
		if err != nil {
			return segment{}, err
		}
		if err := p.expect(end, ')'); err != nil {
			return segment{}, err
		}
		if err := p.expect(end, ']'); err != nil {
			return segment{}, err
		}
		return segment{kind: segFilter, filter: x}, nil
	case c == '-' || c == ':' || c >= '0' && c <= '9':
		return p.parseIndexes(open, end)
	default:
		return segment{}, p.errorf(p.pos, "expected a quoted name, an index, a slice, '*' or a filter '?(' after '['")
	}
}

// parseIndexes parses "[1]", "[1,2]" or a slice "[a:b:c]"; p.pos is after '['.
func (p *parser) parseIndexes(open, end int) (segment, error) {
	close := strings.IndexByte(p.src[p.pos:end], ']')
	if close < 0 {
		return segment{}, p.errorf(open, "unclosed '['")
	}
	body := p.src[p.pos : p.pos+close]
	bodyPos := p.pos
	p.pos += close + 1
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(c >= '0' && c <= '9' || c == '-' || c == ':' || c == ',' || isBlank(c)) {
			return segment{}, p.errorf(bodyPos+i, "unexpected %q in an index or slice", c)
		}
	}
	if strings.Contains(body, ":") {
		parts := strings.Split(body, ":")
		if len(parts) > 3 || strings.Contains(body, ",") {
			return segment{}, p.errorf(bodyPos, "invalid slice %q", body)
		}
		var spec sliceSpec
		ptrs := []**int{&spec.from, &spec.to, &spec.step}
		for i, part := range parts {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, err := strconv.Atoi(part)
			if err != nil {
				return segment{}, p.errorf(bodyPos, "invalid slice %q", body)
			}
			*ptrs[i] = &n
		}
		if spec.step != nil && *spec.step == 0 {
			return segment{}, p.errorf(bodyPos, "slice step must not be 0")
		}
		return segment{kind: segSlice, slice: spec}, nil
	}
	var idx []int
	for part := range strings.SplitSeq(body, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return segment{}, p.errorf(bodyPos, "invalid index %q", strings.TrimSpace(part))
		}
		idx = append(idx, n)
	}
	return segment{kind: segIndex, indexes: idx}, nil
}

// parseQuoted parses a string in single or double quotes with backslash
// escapes (\uXXXX, \n, \t, ...; any other escaped character stands for
// itself, as in Jayway).
func (p *parser) parseQuoted(end int) (string, error) {
	q := p.src[p.pos]
	start := p.pos
	p.pos++
	var b strings.Builder
	plain := p.pos
	for p.pos < end {
		c := p.src[p.pos]
		switch c {
		case q:
			s := p.src[plain:p.pos]
			p.pos++
			if b.Len() == 0 {
				return s, nil
			}
			b.WriteString(s)
			return b.String(), nil
		case '\\':
			b.WriteString(p.src[plain:p.pos])
			p.pos++
			if p.pos >= end {
				return "", p.errorf(start, "unterminated string")
			}
			e := p.src[p.pos]
			p.pos++
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'u':
				if p.pos+4 > end {
					return "", p.errorf(p.pos-2, "invalid \\u escape")
				}
				n, err := strconv.ParseUint(p.src[p.pos:p.pos+4], 16, 32)
				if err != nil {
					return "", p.errorf(p.pos-2, "invalid \\u escape")
				}
				p.pos += 4
				r := rune(n)
				if isHighSurrogate(r) && p.pos+6 <= end && p.src[p.pos] == '\\' && p.src[p.pos+1] == 'u' {
					if lo, err := strconv.ParseUint(p.src[p.pos+2:p.pos+6], 16, 32); err == nil && isLowSurrogate(rune(lo)) {
						r = (r-0xD800)<<10 + (rune(lo) - 0xDC00) + 0x10000
						p.pos += 6
					}
				}
				b.WriteRune(r)
			default:
				b.WriteByte(e)
			}
			plain = p.pos
			// A multi-byte character after '\' was written by its first byte;
			// the rest follows as plain text.
		default:
			p.pos++
		}
	}
	return "", p.errorf(start, "unterminated string")
}

func isHighSurrogate(r rune) bool { return r >= 0xD800 && r < 0xDC00 }
func isLowSurrogate(r rune) bool  { return r >= 0xDC00 && r < 0xE000 }
