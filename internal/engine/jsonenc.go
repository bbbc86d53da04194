package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// This file writes JSON without reflection for what the engine encodes on
// every step: decoded JSON values (map[string]any, []any, json.Number…),
// the details of history events and the Execution itself, which a runner
// stores after each step. The output is byte for byte what encoding/json
// writes (keys of maps sorted, the same escaping), which the tests check
// against encoding/json on generated values; any other type is handed to
// encoding/json.

// jsonEnc appends JSON to b. html escapes <, > and & as json.Marshal
// does; encode (history details, payloads) leaves them, like AWS.
type jsonEnc struct {
	b    []byte
	html bool
	err  error
}

// jsonAppender is a type that writes itself with a jsonEnc.
type jsonAppender interface {
	appendJSON(e *jsonEnc)
}

func (e *jsonEnc) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (e *jsonEnc) raw(s string) { e.b = append(e.b, s...) }

// key writes ,"name": (or "name": first); name needs no escaping.
func (e *jsonEnc) key(first bool, name string) {
	if !first {
		e.b = append(e.b, ',')
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, name...)
	e.b = append(e.b, '"', ':')
}

func (e *jsonEnc) str(s string) { e.b = appendString(e.b, s, e.html) }

func (e *jsonEnc) int(n int64) { e.b = strconv.AppendInt(e.b, n, 10) }

func (e *jsonEnc) bool(v bool) {
	if v {
		e.raw("true")
	} else {
		e.raw("false")
	}
}

// rawMessage writes m as encoding/json writes a json.RawMessage: null when
// nil, else compacted (and validated).
func (e *jsonEnc) rawMessage(m json.RawMessage) {
	if m == nil {
		e.raw("null")
		return
	}
	n := len(e.b)
	if b, ok := appendCompact(e.b, m); ok {
		e.b = b
	} else {
		buf := bytes.NewBuffer(e.b)
		if err := json.Compact(buf, m); err != nil {
			e.b = e.b[:n]
			e.fail(err)
			e.raw("null")
			return
		}
		e.b = buf.Bytes()
	}
	if e.html && needsHTMLEscape(e.b[n:]) {
		var esc bytes.Buffer
		json.HTMLEscape(&esc, e.b[n:])
		e.b = append(e.b[:n], esc.Bytes()...)
	}
}

// needsHTMLEscape reports whether json.HTMLEscape would change b: it has
// <, >, & or the first byte of U+2028 or U+2029.
func needsHTMLEscape(b []byte) bool {
	for _, c := range b {
		if c == '<' || c == '>' || c == '&' || c == 0xE2 {
			return true
		}
	}
	return false
}

// appendCompact appends src without insignificant whitespace, as
// json.Compact does, and reports true, when src is one JSON value nested
// at most maxCompactDepth deep; otherwise it reports false (json.Compact
// then says what is wrong).
func appendCompact(dst, src []byte) ([]byte, bool) {
	c := compactor{src: src, dst: dst}
	if !c.value() {
		return dst, false
	}
	c.space()
	if c.i != len(src) {
		return dst, false
	}
	return c.dst, true
}

const maxCompactDepth = 1000

type compactor struct {
	src, dst []byte
	i        int
	depth    int
}

func (c *compactor) space() {
	for c.i < len(c.src) {
		switch c.src[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

// next skips space and returns the next byte, or 0 at the end.
func (c *compactor) next() byte {
	c.space()
	if c.i < len(c.src) {
		return c.src[c.i]
	}
	return 0
}

func (c *compactor) value() bool {
	switch ch := c.next(); {
	case ch == '{':
		return c.container('}')
	case ch == '[':
		return c.container(']')
	case ch == '"':
		return c.string()
	case ch == 't':
		return c.literal("true")
	case ch == 'f':
		return c.literal("false")
	case ch == 'n':
		return c.literal("null")
	case ch == '-' || '0' <= ch && ch <= '9':
		return c.number()
	}
	return false
}

// container copies an object (end '}') or an array (end ']').
func (c *compactor) container(end byte) bool {
	if c.depth++; c.depth > maxCompactDepth {
		return false
	}
	c.dst = append(c.dst, c.src[c.i])
	c.i++
	if c.next() == end {
		c.dst = append(c.dst, end)
		c.i++
		c.depth--
		return true
	}
	for {
		if end == '}' {
			if c.next() != '"' || !c.string() || c.next() != ':' {
				return false
			}
			c.dst = append(c.dst, ':')
			c.i++
		}
		if !c.value() {
			return false
		}
		switch c.next() {
		case ',':
			c.dst = append(c.dst, ',')
			c.i++
		case end:
			c.dst = append(c.dst, end)
			c.i++
			c.depth--
			return true
		default:
			return false
		}
	}
}

// string copies a string as it is, checking its escapes and that it has
// no control characters.
func (c *compactor) string() bool {
	start := c.i
	c.i++ // the opening quote
	for c.i < len(c.src) {
		if ch := c.src[c.i]; ch >= utf8.RuneSelf || plainJSON[ch] {
			c.i++ // the common case, ahead of the switch
			continue
		}
		switch ch := c.src[c.i]; {
		case ch == '"':
			c.i++
			c.dst = append(c.dst, c.src[start:c.i]...)
			return true
		case ch < 0x20:
			return false
		case ch == '\\':
			if c.i+1 >= len(c.src) {
				return false
			}
			switch c.src[c.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				c.i += 2
			case 'u':
				if c.i+6 > len(c.src) {
					return false
				}
				for _, h := range c.src[c.i+2 : c.i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
				c.i += 6
			default:
				return false
			}
		default:
			c.i++
		}
	}
	return false
}

func (c *compactor) literal(word string) bool {
	if len(c.src)-c.i < len(word) || string(c.src[c.i:c.i+len(word)]) != word {
		return false
	}
	c.dst = append(c.dst, word...)
	c.i += len(word)
	return true
}

// number copies a number of JSON's grammar.
func (c *compactor) number() bool {
	start := c.i
	digits := func() int {
		n := 0
		for c.i < len(c.src) && '0' <= c.src[c.i] && c.src[c.i] <= '9' {
			c.i++
			n++
		}
		return n
	}
	if c.src[c.i] == '-' {
		c.i++
	}
	switch {
	case c.i < len(c.src) && c.src[c.i] == '0':
		c.i++
	case digits() == 0:
		return false
	}
	if c.i < len(c.src) && c.src[c.i] == '.' {
		c.i++
		if digits() == 0 {
			return false
		}
	}
	if c.i < len(c.src) && (c.src[c.i] == 'e' || c.src[c.i] == 'E') {
		c.i++
		if c.i < len(c.src) && (c.src[c.i] == '+' || c.src[c.i] == '-') {
			c.i++
		}
		if digits() == 0 {
			return false
		}
	}
	c.dst = append(c.dst, c.src[start:c.i]...)
	return true
}

// time writes t as time.Time's MarshalJSON does.
func (e *jsonEnc) time(t time.Time) {
	if y := t.Year(); y < 0 || y > 9999 || t.Location() != time.UTC {
		m, err := t.MarshalJSON()
		if err != nil {
			e.fail(err)
			e.raw("null")
			return
		}
		e.b = append(e.b, m...)
		return
	}
	e.b = append(e.b, '"')
	e.b = t.AppendFormat(e.b, time.RFC3339Nano)
	e.b = append(e.b, '"')
}

// value writes a JSON value: the kinds decoding gives fast, history
// details by their appendJSON, anything else through encoding/json.
func (e *jsonEnc) value(v any) {
	switch v := v.(type) {
	case nil:
		e.raw("null")
	case string:
		e.str(v)
	case json.Number:
		s := string(v)
		if s == "" {
			s = "0"
		}
		if !isValidNumber(s) {
			e.fail(errors.New("json: invalid number literal " + strconv.Quote(s)))
			e.raw("null")
			return
		}
		e.raw(s)
	case bool:
		e.bool(v)
	case map[string]any:
		e.object(v)
	case []any:
		if v == nil {
			e.raw("null")
			return
		}
		e.b = append(e.b, '[')
		for i, x := range v {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.value(x)
		}
		e.b = append(e.b, ']')
	case float64:
		e.float(v)
	case int:
		e.int(int64(v))
	case int64:
		e.int(v)
	case jsonAppender:
		v.appendJSON(e)
	default:
		e.fallback(v)
	}
}

func (e *jsonEnc) object(m map[string]any) {
	if m == nil {
		e.raw("null")
		return
	}
	e.b = append(e.b, '{')
	switch len(m) {
	case 0:
	case 1:
		for k, x := range m {
			e.str(k)
			e.b = append(e.b, ':')
			e.value(x)
		}
	default:
		var stack [16]string
		for i, k := range sortedKeys(m, stack[:0]) {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.str(k)
			e.b = append(e.b, ':')
			e.value(m[k])
		}
	}
	e.b = append(e.b, '}')
}

// sortedKeys appends m's keys to buf in the order encoding/json writes
// them.
func sortedKeys[V any](m map[string]V, buf []string) []string {
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}

func (e *jsonEnc) stringMap(m map[string]string) {
	if m == nil {
		e.raw("null")
		return
	}
	var stack [16]string
	e.b = append(e.b, '{')
	for i, k := range sortedKeys(m, stack[:0]) {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.str(k)
		e.b = append(e.b, ':')
		e.str(m[k])
	}
	e.b = append(e.b, '}')
}

func (e *jsonEnc) ints(s []int) {
	if s == nil {
		e.raw("null")
		return
	}
	e.b = append(e.b, '[')
	for i, n := range s {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.int(int64(n))
	}
	e.b = append(e.b, ']')
}

// float writes f as encoding/json does (ES6 number formatting).
func (e *jsonEnc) float(f float64) {
	if f != f || f > 1.797693134862315708145274237317043567981e+308 || f < -1.797693134862315708145274237317043567981e+308 {
		e.fallback(f) // NaN or ±Inf: encoding/json's error
		return
	}
	abs := f
	if abs < 0 {
		abs = -abs
	}
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	e.b = strconv.AppendFloat(e.b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(e.b)
		if n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
			e.b[n-2] = e.b[n-1]
			e.b = e.b[:n-1]
		}
	}
}

// fallback writes v with encoding/json.
func (e *jsonEnc) fallback(v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(e.html)
	if err := enc.Encode(v); err != nil {
		e.fail(err)
		e.raw("null")
		return
	}
	e.b = append(e.b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// AppendJSONString appends s as a JSON string, escaped as encoding/json
// does (with html, also <, > and &, as json.Marshal does).
func AppendJSONString(b []byte, s string, html bool) []byte {
	return appendString(b, s, html)
}

const hexDigits = "0123456789abcdef"

// plainJSON and plainHTML tell the ASCII bytes a JSON string holds as they
// are (encoding/json's safeSet and htmlSafeSet).
var plainJSON, plainHTML = func() (j, h [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		j[b] = b != '"' && b != '\\'
		h[b] = j[b] && b != '<' && b != '>' && b != '&'
	}
	return j, h
}()

// appendString is encoding/json's appendString.
func appendString(dst []byte, src string, html bool) []byte {
	dst = append(dst, '"')
	plain := &plainJSON
	if html {
		plain = &plainHTML
	}
	start := 0
	for i := 0; i < len(src); {
		if b := src[i]; b < utf8.RuneSelf {
			if plain[b] {
				i++
				continue
			}
			dst = append(dst, src[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(src[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, src[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, src[start:]...)
	return append(dst, '"')
}

// isValidNumber is encoding/json's check of a json.Number.
func isValidNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	switch {
	default:
		return false
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = s[1:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		s = s[2:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}

// --- the Execution ---

// AppendJSON appends the execution as json.Marshal(ex) writes it, faster:
// a runner stores it after every step.
func (ex *Execution) AppendJSON(b []byte) ([]byte, error) {
	e := jsonEnc{b: b, html: true}
	ex.appendJSON(&e)
	return e.b, e.err
}

// field writes the key of a struct's field: {"name": for the first, else
// ,"name":. name needs no escaping.
func (e *jsonEnc) field(first bool, name string) {
	if first {
		e.b = append(e.b, '{', '"')
	} else {
		e.b = append(e.b, ',', '"')
	}
	e.b = append(e.b, name...)
	e.b = append(e.b, '"', ':')
}

func (e *jsonEnc) end() { e.b = append(e.b, '}') }

// strField writes a string member; intField an integer one.
func (e *jsonEnc) strField(first bool, name, v string) {
	e.field(first, name)
	e.str(v)
}

func (e *jsonEnc) intField(first bool, name string, v int64) {
	e.field(first, name)
	e.int(v)
}

// optStr and optInt write a member after the first unless it is empty,
// as encoding/json's omitempty does.
func (e *jsonEnc) optStr(name, v string) {
	if v != "" {
		e.strField(false, name, v)
	}
}

func (e *jsonEnc) optInt(name string, v int64) {
	if v != 0 {
		e.intField(false, name, v)
	}
}

func (ex *Execution) appendJSON(e *jsonEnc) {
	if ex == nil {
		e.raw("null")
		return
	}
	e.strField(true, "ARN", ex.ARN)
	e.strField(false, "Name", ex.Name)
	e.strField(false, "StateMachineARN", ex.StateMachineARN)
	e.strField(false, "StateMachineName", ex.StateMachineName)
	e.strField(false, "RoleARN", ex.RoleARN)
	e.strField(false, "Status", string(ex.Status))
	e.field(false, "Input")
	e.rawMessage(ex.Input)
	if len(ex.Output) > 0 {
		e.field(false, "Output")
		e.rawMessage(ex.Output)
	}
	e.optStr("Error", ex.Error)
	e.optStr("Cause", ex.Cause)
	e.field(false, "StartTime")
	e.time(ex.StartTime)
	if !ex.StopTime.IsZero() {
		e.field(false, "StopTime")
		e.time(ex.StopTime)
	}
	e.optInt("RedriveCount", int64(ex.RedriveCount))
	if p := ex.Redrive; p != nil {
		e.field(false, "Redrive")
		e.strField(true, "State", p.State)
		e.field(false, "Input")
		e.value(p.Input)
		if len(p.Vars) > 0 {
			e.field(false, "Vars")
			e.object(p.Vars)
		}
		if p.Fan != nil {
			e.field(false, "Fan")
			p.Fan.appendJSON(e)
		}
		e.end()
	}
	e.intField(false, "LastEventID", ex.LastEventID)
	e.intField(false, "NextFrameID", int64(ex.NextFrameID))
	e.intField(false, "NextTaskID", ex.NextTaskID)
	e.intField(false, "NextTimerID", ex.NextTimerID)
	e.field(false, "Frames")
	e.frames(ex.Frames)
	if len(ex.Timers) > 0 {
		e.field(false, "Timers")
		e.b = append(e.b, '[')
		for i := range ex.Timers {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			ex.Timers[i].appendJSON(e)
		}
		e.b = append(e.b, ']')
	}
	e.end()
}

// frames writes the map as encoding/json does: keys in the order of their
// decimal text.
func (e *jsonEnc) frames(m map[int]*Frame) {
	if m == nil {
		e.raw("null")
		return
	}
	var stack [16]int
	ids := stack[:0]
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareDecimal)
	e.b = append(e.b, '{')
	for i, id := range ids {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.b = append(e.b, '"')
		e.int(int64(id))
		e.b = append(e.b, '"', ':')
		m[id].appendJSON(e)
	}
	e.end()
}

// compareDecimal orders integers as their decimal text sorts.
func compareDecimal(a, b int) int {
	var x, y [24]byte
	return bytes.Compare(strconv.AppendInt(x[:0], int64(a), 10), strconv.AppendInt(y[:0], int64(b), 10))
}

// CompareDecimal64 orders integers as their decimal text sorts, the order
// of encoding/json's keys of an integer-keyed map.
func CompareDecimal64(a, b int64) int {
	var x, y [24]byte
	return bytes.Compare(strconv.AppendInt(x[:0], a, 10), strconv.AppendInt(y[:0], b, 10))
}

func (f *Frame) appendJSON(e *jsonEnc) {
	if f == nil {
		e.raw("null")
		return
	}
	e.intField(true, "ID", int64(f.ID))
	e.optInt("Parent", int64(f.Parent))
	e.optInt("Index", int64(f.Index))
	if f.Quiet {
		e.field(false, "Quiet")
		e.bool(true)
	}
	e.intField(false, "Phase", int64(f.Phase))
	e.strField(false, "State", f.State)
	e.field(false, "Input")
	if in, ok := f.encodedInput(); ok {
		e.appendEncoded(in)
	} else {
		e.value(f.Input)
	}
	if f.Effective != nil {
		e.field(false, "Effective")
		if in, ok := f.encodedInput(); ok && sameValue(f.Effective, f.Input) {
			e.appendEncoded(in) // no InputPath: the input itself
		} else {
			e.value(f.Effective)
		}
	}
	e.intField(false, "Entered", f.Entered)
	e.optInt("Last", f.Last)
	e.field(false, "EnteredAt")
	e.time(f.EnteredAt)
	if len(f.Retries) > 0 {
		e.field(false, "Retries")
		e.ints(f.Retries)
	}
	e.optInt("RetryN", int64(f.RetryN))
	if len(f.Vars) > 0 {
		e.field(false, "Vars")
		e.object(f.Vars)
	}
	if it := f.MapItem; it != nil {
		e.field(false, "MapItem")
		e.intField(true, "Index", int64(it.Index))
		e.field(false, "Value")
		e.value(it.Value)
		e.end()
	}
	if f.Task != nil {
		e.field(false, "Task")
		f.Task.appendJSON(e)
	}
	if f.Fan != nil {
		e.field(false, "Fan")
		f.Fan.appendJSON(e)
	}
	if f.Wait != nil {
		e.field(false, "Wait")
		e.intField(true, "TimerID", f.Wait.TimerID)
		e.end()
	}
	e.end()
}

func (t *Task) appendJSON(e *jsonEnc) {
	e.intField(true, "ID", t.ID)
	e.intField(false, "Frame", int64(t.Frame))
	e.strField(false, "Resource", t.Resource)
	e.intField(false, "Kind", int64(t.Kind))
	e.optStr("Token", t.Token)
	e.field(false, "Input")
	e.rawMessage(t.Input)
	e.optInt("TimeoutSeconds", t.TimeoutSeconds)
	e.optInt("HeartbeatSeconds", t.HeartbeatSeconds)
	if t.Started {
		e.field(false, "Started")
		e.bool(true)
	}
	if t.Submitted {
		e.field(false, "Submitted")
		e.bool(true)
	}
	e.optInt("HeartbeatTimer", t.HeartbeatTimer)
	e.optInt("TimeoutTimer", t.TimeoutTimer)
	e.end()
}

func (r *RedriveFan) appendJSON(e *jsonEnc) {
	e.intField(true, "Total", int64(r.Total))
	if len(r.Done) > 0 {
		e.field(false, "Done")
		e.branches(r.Done)
	}
	if len(r.Rerun) > 0 {
		e.field(false, "Rerun")
		e.branches(r.Rerun)
	}
	e.end()
}

func (e *jsonEnc) branches(bs []RedriveBranch) {
	e.b = append(e.b, '[')
	for i, b := range bs {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.intField(true, "Index", int64(b.Index))
		if b.Value != nil {
			e.field(false, "Value")
			e.value(b.Value)
		}
		e.end()
	}
	e.b = append(e.b, ']')
}

func (f *fanOut) appendJSON(e *jsonEnc) {
	e.field(true, "Map")
	e.bool(f.Map)
	e.field(false, "Distributed")
	e.bool(f.Distributed)
	e.field(false, "Items")
	e.value(f.Items)
	e.intField(false, "Total", int64(f.Total))
	e.intField(false, "Started", int64(f.Started))
	e.intField(false, "Running", int64(f.Running))
	e.intField(false, "Finished", int64(f.Finished))
	e.intField(false, "Failed", int64(f.Failed))
	e.field(false, "Results")
	e.value(f.Results)
	e.field(false, "Children")
	e.ints(f.Children)
	if len(f.Rerun) > 0 {
		e.field(false, "Rerun")
		e.ints(f.Rerun)
	}
	e.intField(false, "MaxConc", int64(f.MaxConc))
	e.intField(false, "TolCount", int64(f.TolCount))
	e.field(false, "TolPercent")
	e.float(f.TolPercent)
	e.field(false, "HasPercent")
	e.bool(f.HasPercent)
	e.strField(false, "FirstError", f.FirstError)
	e.strField(false, "FirstCause", f.FirstCause)
	e.end()
}

func (t *Timer) appendJSON(e *jsonEnc) {
	e.intField(true, "ID", t.ID)
	e.field(false, "At")
	e.time(t.At)
	e.intField(false, "Frame", int64(t.Frame))
	e.intField(false, "Kind", int64(t.Kind))
	e.optInt("Task", t.Task)
	e.end()
}

// cacheInput keeps in, the encoding of f.Input by encode, for the
// snapshots and StateEntered events that follow; "null" for a value that
// is not null says encode failed, and is not kept.
func (f *Frame) cacheInput(in []byte) {
	if string(in) == "null" && f.Input != nil {
		f.inputJSON, f.inputOf = nil, nil
		return
	}
	f.inputJSON, f.inputOf = in, f.Input
}

// encodedInput returns the encoding of f.Input if it was kept for the
// value f.Input holds. Values are never changed in place (paths, templates
// and ResultPath build new ones), so the same map or slice encodes the same.
func (f *Frame) encodedInput() ([]byte, bool) {
	if f.inputJSON == nil || !sameValue(f.inputOf, f.Input) {
		return nil, false
	}
	return f.inputJSON, true
}

// encodeFor is encode(v), taken from f's kept input when v is f's input.
func encodeFor(f *Frame, v any) []byte {
	if in, ok := f.encodedInput(); ok && sameValue(v, f.Input) {
		return in
	}
	return encode(v)
}

// sameValue reports whether a and b are the same JSON value: equal
// scalars, or the same map or slice.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && (x == nil) == (y == nil) && reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	case []any:
		y, ok := b.([]any)
		return ok && (x == nil) == (y == nil) && len(x) == len(y) && reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	case nil, string, bool, json.Number, float64:
		return a == b
	}
	return false
}

// appendEncoded appends in, a value written by encode (without HTML
// escaping), escaped as e needs: escaping <, > and & in encode's output
// gives exactly what escaping them while encoding gives.
func (e *jsonEnc) appendEncoded(in []byte) {
	if e.html && needsHTMLEscape(in) {
		var esc bytes.Buffer
		json.HTMLEscape(&esc, in)
		e.b = append(e.b, esc.Bytes()...)
		return
	}
	e.b = append(e.b, in...)
}

// --- history details ---

func (d dataDetails) appendJSON(e *jsonEnc) {
	e.field(true, "truncated")
	e.bool(d.Truncated)
	e.end()
}

func (d executionStartedDetails) appendJSON(e *jsonEnc) {
	e.strField(true, "input", d.Input)
	e.field(false, "inputDetails")
	d.InputDetails.appendJSON(e)
	e.optStr("roleArn", d.RoleArn)
	e.optStr("stateMachineArn", d.StateMachineArn)
	e.end()
}

func (d executionSucceededDetails) appendJSON(e *jsonEnc) {
	e.strField(true, "output", d.Output)
	e.field(false, "outputDetails")
	d.OutputDetails.appendJSON(e)
	e.end()
}

func (d outputDetails) appendJSON(e *jsonEnc) {
	e.strField(true, "output", d.Output)
	e.field(false, "outputDetails")
	d.OutputDetails.appendJSON(e)
	e.end()
}

func (d errorDetails) appendJSON(e *jsonEnc) {
	first := true
	e.b = append(e.b, '{')
	if d.Error != "" {
		e.key(first, "error")
		e.str(d.Error)
		first = false
	}
	if d.Cause != "" {
		e.key(first, "cause")
		e.str(d.Cause)
	}
	e.end()
}

func (d stateEnteredDetails) appendJSON(e *jsonEnc) {
	e.strField(true, "name", d.Name)
	e.strField(false, "input", d.Input)
	e.field(false, "inputDetails")
	d.InputDetails.appendJSON(e)
	e.end()
}

func (d stateExitedDetails) appendJSON(e *jsonEnc) {
	e.strField(true, "name", d.Name)
	e.strField(false, "output", d.Output)
	e.field(false, "outputDetails")
	d.OutputDetails.appendJSON(e)
	if len(d.AssignedVariables) > 0 {
		e.field(false, "assignedVariables")
		e.stringMap(d.AssignedVariables)
	}
	if d.AssignedVariablesDetails != nil {
		e.field(false, "assignedVariablesDetails")
		d.AssignedVariablesDetails.appendJSON(e)
	}
	e.end()
}

func (d mapIterationDetails) appendJSON(e *jsonEnc) {
	e.strField(true, "name", d.Name)
	e.intField(false, "index", int64(d.Index))
	e.end()
}

func (d taskScheduledDetails) appendJSON(e *jsonEnc) {
	e.strField(true, "resourceType", d.ResourceType)
	e.strField(false, "resource", d.Resource)
	e.strField(false, "region", d.Region)
	e.strField(false, "parameters", d.Parameters)
	e.optInt("timeoutInSeconds", d.TimeoutInSeconds)
	e.optInt("heartbeatInSeconds", d.HeartbeatInSeconds)
	e.end()
}

func (d taskResourceDetails) appendJSON(e *jsonEnc) {
	e.strField(true, "resourceType", d.ResourceType)
	e.strField(false, "resource", d.Resource)
	e.end()
}

func (d taskSucceededDetails) appendJSON(e *jsonEnc) {
	e.strField(true, "resourceType", d.ResourceType)
	e.strField(false, "resource", d.Resource)
	e.strField(false, "output", d.Output)
	e.field(false, "outputDetails")
	d.OutputDetails.appendJSON(e)
	e.end()
}

func (d taskFailedDetails) appendJSON(e *jsonEnc) {
	e.strField(true, "resourceType", d.ResourceType)
	e.strField(false, "resource", d.Resource)
	e.optStr("error", d.Error)
	e.optStr("cause", d.Cause)
	e.end()
}

func (d activityScheduledDetails) appendJSON(e *jsonEnc) {
	e.strField(true, "resource", d.Resource)
	e.strField(false, "input", d.Input)
	e.field(false, "inputDetails")
	d.InputDetails.appendJSON(e)
	e.optInt("timeoutInSeconds", d.TimeoutInSeconds)
	e.optInt("heartbeatInSeconds", d.HeartbeatInSeconds)
	e.end()
}

func (d activityStartedDetails) appendJSON(e *jsonEnc) {
	e.b = append(e.b, '{')
	if d.WorkerName != "" {
		e.key(true, "workerName")
		e.str(d.WorkerName)
	}
	e.end()
}
