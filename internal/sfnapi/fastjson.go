package sfnapi

import (
	"bytes"
	"unicode/utf8"

	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/sfnapi/wire"
)

// Every execution of a workflow of activities calls StartExecution,
// GetActivityTask and SendTaskSuccess once per task, and DescribeExecution:
// their requests and responses are read and written here without
// reflection. The bytes written are json.Marshal's, and a request is read
// into what wire.Decoder would read, or left to wire.Decoder whenever it
// is anything but the plain shape (the tests compare both ways).

// appendResponse appends out as json.Marshal writes it, for the responses
// of those actions; ok is false for any other type.
func appendResponse(b []byte, out any) (_ []byte, ok bool) {
	switch out := out.(type) {
	case *wire.SendTaskSuccessOutput:
		return append(b, "{}"...), true
	case *wire.GetActivityTaskOutput:
		b = append(b, '{')
		first := true
		if out.TaskToken != "" {
			b = appendMember(b, &first, "taskToken")
			b = engine.AppendJSONString(b, out.TaskToken, true)
		}
		if out.Input != "" {
			b = appendMember(b, &first, "input")
			b = engine.AppendJSONString(b, out.Input, true)
		}
		return append(b, '}'), true
	case *wire.StartExecutionOutput:
		b = append(b, `{"executionArn":`...)
		b = engine.AppendJSONString(b, out.ExecutionArn, true)
		b = append(b, `,"startDate":`...)
		b = wire.AppendEpoch(b, out.StartDate.Time)
		return append(b, '}'), true
	case *wire.DescribeExecutionOutput:
		return appendDescribeExecution(b, out), true
	}
	return b, false
}

func appendDescribeExecution(b []byte, out *wire.DescribeExecutionOutput) []byte {
	str := func(name, v string, omitEmpty bool) {
		if v != "" || !omitEmpty {
			b = append(b, ',', '"')
			b = append(b, name...)
			b = append(b, '"', ':')
			b = engine.AppendJSONString(b, v, true)
		}
	}
	details := func(name string, d *wire.CloudWatchEventsExecutionDataDetails) {
		if d != nil {
			b = append(b, ',', '"')
			b = append(b, name...)
			b = append(b, `":{"included":`...)
			if d.Included {
				b = append(b, "true}"...)
			} else {
				b = append(b, "false}"...)
			}
		}
	}
	date := func(name string, t wire.Time, omitZero bool) {
		if !omitZero || !t.IsZero() {
			b = append(b, ',', '"')
			b = append(b, name...)
			b = append(b, '"', ':')
			b = wire.AppendEpoch(b, t.Time)
		}
	}
	b = append(b, `{"executionArn":`...)
	b = engine.AppendJSONString(b, out.ExecutionArn, true)
	str("stateMachineArn", out.StateMachineArn, false)
	str("name", out.Name, true)
	str("status", out.Status, false)
	date("startDate", out.StartDate, false)
	date("stopDate", out.StopDate, true)
	str("input", out.Input, true)
	details("inputDetails", out.InputDetails)
	str("output", out.Output, true)
	details("outputDetails", out.OutputDetails)
	str("traceHeader", out.TraceHeader, true)
	str("mapRunArn", out.MapRunArn, true)
	str("error", out.Error, true)
	str("cause", out.Cause, true)
	str("stateMachineVersionArn", out.StateMachineVersionArn, true)
	str("stateMachineAliasArn", out.StateMachineAliasArn, true)
	if out.RedriveCount != nil {
		b = append(b, `,"redriveCount":`...)
		b = appendInt(b, int64(*out.RedriveCount))
	}
	date("redriveDate", out.RedriveDate, true)
	str("redriveStatus", out.RedriveStatus, true)
	str("redriveStatusReason", out.RedriveStatusReason, true)
	return append(b, '}')
}

func appendMember(b []byte, first *bool, name string) []byte {
	if !*first {
		b = append(b, ',')
	}
	*first = false
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		return appendUint(b, uint64(-n))
	}
	return appendUint(b, uint64(n))
}

func appendUint(b []byte, n uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}

// stringMembers are where the string members of a request go, by their
// exact names.
type stringMembers struct {
	n     int
	names [4]string
	dsts  [4]*string
}

func (m *stringMembers) add(name string, dst *string) {
	m.names[m.n], m.dsts[m.n] = name, dst
	m.n++
}

func (m *stringMembers) find(name []byte) *string {
	for i := range m.n {
		if m.names[i] == string(name) {
			return m.dsts[i]
		}
	}
	return nil
}

// membersOf returns the members of the requests read here; ok is false
// for any other request.
func membersOf(in any) (m stringMembers, ok bool) {
	switch in := in.(type) {
	case *wire.SendTaskSuccessInput:
		m.add("taskToken", &in.TaskToken)
		m.add("output", &in.Output)
	case *wire.GetActivityTaskInput:
		m.add("activityArn", &in.ActivityArn)
		m.add("workerName", &in.WorkerName)
	case *wire.DescribeExecutionInput:
		m.add("executionArn", &in.ExecutionArn)
		m.add("includedData", &in.IncludedData)
	case *wire.StartExecutionInput:
		m.add("stateMachineArn", &in.StateMachineArn)
		m.add("name", &in.Name)
		m.add("input", &in.Input)
		m.add("traceHeader", &in.TraceHeader)
	default:
		return m, false
	}
	return m, true
}

// decodePlain reads body into in when it is a JSON object of string
// members, each named exactly as one of in's, with nothing after it, and
// reports whether it did; in is unchanged when it did not.
func decodePlain(body []byte, in any) bool {
	members, ok := membersOf(in)
	if !ok {
		return false
	}
	type assignment struct {
		dst *string
		v   string
	}
	var found [8]assignment
	n := 0
	p := plainParser{b: body}
	if !p.byte('{') {
		return false
	}
	if !p.byte('}') {
		for {
			name, ok := p.rawString()
			if !ok || !p.byte(':') {
				return false
			}
			dst := members.find(name)
			v, ok := p.string()
			if dst == nil || !ok || n == len(found) {
				return false
			}
			found[n] = assignment{dst, v}
			n++
			if p.byte('}') {
				break
			}
			if !p.byte(',') {
				return false
			}
		}
	}
	p.space()
	if p.i != len(p.b) {
		return false
	}
	for _, a := range found[:n] { // in order: the last of a repeated member wins, as in encoding/json
		*a.dst = a.v
	}
	return true
}

type plainParser struct {
	b []byte
	i int
}

func (p *plainParser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

// byte skips space and c, reporting whether c was there.
func (p *plainParser) byte(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// rawString reads a JSON string with no escapes and returns its bytes.
func (p *plainParser) rawString() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c < 0x20 || c == '\\' || c >= utf8.RuneSelf:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// string reads a JSON string as encoding/json does, for strings of valid
// UTF-8 with no \u escapes (anything else is left to encoding/json).
func (p *plainParser) string() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	escaped := false
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			raw := p.b[start:p.i]
			p.i++
			if !utf8.Valid(raw) {
				return "", false
			}
			if !escaped {
				return string(raw), true
			}
			return unescape(raw)
		case c < 0x20:
			return "", false
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return "", false
			}
			escaped = true
			p.i += 2
		default:
			p.i++
		}
	}
	return "", false
}

// unescape undoes the escapes other than \u of a JSON string's content.
func unescape(raw []byte) (string, bool) {
	var out bytes.Buffer
	out.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out.WriteByte(c)
			continue
		}
		i++
		switch raw[i] {
		case '"', '\\', '/':
			out.WriteByte(raw[i])
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		default: // \u, or not an escape at all
			return "", false
		}
	}
	return out.String(), true
}
