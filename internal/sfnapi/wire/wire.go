// Package wire holds the Step Functions API's wire types: the request and
// response of every supported action with AWS's member names, the error body,
// epoch-seconds timestamps, and the helpers that decode a request, route it by
// X-Amz-Target and write the answer (AWS JSON 1.0 protocol).
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// ContentType is the media type of every request and response body.
const ContentType = "application/x-amz-json-1.0"

// TargetPrefix starts the X-Amz-Target header of every action.
const TargetPrefix = "AWSStepFunctions."

// The supported actions, as named in X-Amz-Target after TargetPrefix.
const (
	ActionCreateActivity                   = "CreateActivity"
	ActionCreateStateMachine               = "CreateStateMachine"
	ActionDeleteActivity                   = "DeleteActivity"
	ActionDeleteStateMachine               = "DeleteStateMachine"
	ActionDescribeActivity                 = "DescribeActivity"
	ActionDescribeExecution                = "DescribeExecution"
	ActionDescribeStateMachine             = "DescribeStateMachine"
	ActionDescribeStateMachineForExecution = "DescribeStateMachineForExecution"
	ActionGetActivityTask                  = "GetActivityTask"
	ActionGetExecutionHistory              = "GetExecutionHistory"
	ActionListActivities                   = "ListActivities"
	ActionListExecutions                   = "ListExecutions"
	ActionListStateMachines                = "ListStateMachines"
	ActionListTagsForResource              = "ListTagsForResource"
	ActionRedriveExecution                 = "RedriveExecution"
	ActionSendTaskFailure                  = "SendTaskFailure"
	ActionSendTaskHeartbeat                = "SendTaskHeartbeat"
	ActionSendTaskSuccess                  = "SendTaskSuccess"
	ActionStartExecution                   = "StartExecution"
	ActionStartSyncExecution               = "StartSyncExecution"
	ActionStopExecution                    = "StopExecution"
	ActionTagResource                      = "TagResource"
	ActionUntagResource                    = "UntagResource"
	ActionUpdateStateMachine               = "UpdateStateMachine"
	ActionValidateStateMachineDefinition   = "ValidateStateMachineDefinition"
)

// Actions lists the supported actions in alphabetical order.
var Actions = []string{
	ActionCreateActivity, ActionCreateStateMachine, ActionDeleteActivity, ActionDeleteStateMachine,
	ActionDescribeActivity, ActionDescribeExecution, ActionDescribeStateMachine,
	ActionDescribeStateMachineForExecution, ActionGetActivityTask, ActionGetExecutionHistory,
	ActionListActivities, ActionListExecutions, ActionListStateMachines, ActionListTagsForResource,
	ActionRedriveExecution, ActionSendTaskFailure, ActionSendTaskHeartbeat, ActionSendTaskSuccess,
	ActionStartExecution, ActionStartSyncExecution, ActionStopExecution, ActionTagResource,
	ActionUntagResource, ActionUpdateStateMachine, ActionValidateStateMachineDefinition,
}

var knownActions = func() map[string]bool {
	m := make(map[string]bool, len(Actions))
	for _, a := range Actions {
		m[a] = true
	}
	return m
}()

// Action returns the action r asks for, from its X-Amz-Target header
// ("AWSStepFunctions.StartExecution" → "StartExecution"). A missing header, a
// foreign prefix or an action this server does not support is an
// UnknownOperationException, as AWS answers.
func Action(r *http.Request) (string, error) {
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, TargetPrefix)
	if !ok || !knownActions[name] {
		if target == "" {
			return "", NewError(UnknownOperationException, "Missing X-Amz-Target header")
		}
		return "", NewError(UnknownOperationException, "Unknown operation: '"+target+"'")
	}
	return name, nil
}

// Decoder reads request bodies.
type Decoder struct {
	// MaxBytes bounds the body; a larger one is a 413
	// RequestEntityTooLargeException. Zero means no bound.
	MaxBytes int64
	// DisallowUnknownMembers turns members the target struct lacks into a
	// SerializationException. AWS ignores them (newer SDKs send members older
	// servers do not know), so the API leaves this off; tests turn it on to
	// prove the structs know every member the SDK sends. Member names match
	// case-insensitively either way (encoding/json), where AWS would ignore
	// "StateMachineArn" and then find stateMachineArn missing.
	DisallowUnknownMembers bool
}

// DecodeRequest decodes r's JSON body into v with a Decoder bounded by
// maxBytes that ignores unknown members, as AWS does.
func DecodeRequest(r *http.Request, maxBytes int64, v any) error {
	return Decoder{MaxBytes: maxBytes}.Decode(r, v)
}

// Decode reads r's body into v. An empty body counts as {} (the protocol
// requires servers to accept it). Malformed JSON, a value of the wrong type
// and trailing data are SerializationExceptions.
func (d Decoder) Decode(r *http.Request, v any) error {
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	if d.MaxBytes > 0 {
		body = http.MaxBytesReader(nil, body, d.MaxBytes)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return NewError(RequestEntityTooLarge, "Request body is larger than "+strconv.FormatInt(tooBig.Limit, 10)+" bytes")
		}
		return fmt.Errorf("read request body: %w", err)
	}
	return d.Unmarshal(data, v)
}

// Unmarshal decodes a request body already read, as Decode does.
func (d Decoder) Unmarshal(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if d.DisallowUnknownMembers {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return serializationError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return NewError(SerializationException, "Unexpected data after the end of the JSON document")
	}
	return nil
}

func serializationError(err error) *Error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &syntax):
		return NewError(SerializationException, "Malformed JSON at offset "+strconv.FormatInt(syntax.Offset, 10)+": "+syntax.Error())
	case errors.As(err, &typ):
		member := typ.Field
		if member == "" {
			member = "the request"
		}
		return NewError(SerializationException, "Cannot deserialize "+member+": expected "+kindOf(typ.Type)+", got a JSON "+typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return NewError(SerializationException, "Malformed JSON: unexpected end of input")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return NewError(SerializationException, "Unknown member "+name)
	}
	return NewError(SerializationException, err.Error())
}

func kindOf(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	if t == reflect.TypeFor[Time]() {
		return "a timestamp (epoch seconds)"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map:
		return "a map"
	case reflect.Struct:
		return "a structure"
	case reflect.Pointer:
		return kindOf(t.Elem())
	}
	return "a value"
}

// WriteJSON answers 200 with v as the body.
func WriteJSON(w http.ResponseWriter, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		WriteErr(w, err)
		return fmt.Errorf("marshal response: %w", err)
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body)
	return err
}

// Time is a timestamp as the protocol sends it: epoch seconds as a JSON
// number, fractional for sub-second precision (1735732800.123). Marshalling
// keeps milliseconds, as AWS does; unmarshalling takes any JSON number,
// exponent forms included (1.735732800123E9), exactly.
type Time struct{ time.Time }

// NewTime wraps t.
func NewTime(t time.Time) Time { return Time{t} }

// MarshalJSON writes t as epoch seconds with up to three decimals.
func (t Time) MarshalJSON() ([]byte, error) {
	return AppendEpoch(nil, t.Time), nil
}

// AppendEpoch appends t in epoch seconds, with milliseconds when non-zero.
func AppendEpoch(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	sec, frac := ms/1000, ms%1000
	b = strconv.AppendUint(b, uint64(sec), 10)
	if frac != 0 {
		b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
	}
	return b
}

// UnmarshalJSON reads epoch seconds from a JSON number. null leaves t as is.
func (t *Time) UnmarshalJSON(data []byte) error {
	s := string(bytes.TrimSpace(data))
	if s == "null" {
		return nil
	}
	if s == "" || !(s[0] == '-' || '0' <= s[0] && s[0] <= '9') || len(s) > 64 || !json.Valid([]byte(s)) {
		return fmt.Errorf("timestamp %.64q is not a JSON number", s)
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		// Bound the exponent before big.Rat expands it.
		if exp, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+")); err != nil || exp > 30 || exp < -30 {
			return fmt.Errorf("timestamp %s is out of range", s)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return fmt.Errorf("timestamp %.64q is not a JSON number", s)
	}
	sec, rem := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int)) // truncated towards zero
	if !sec.IsInt64() {
		return fmt.Errorf("timestamp %s is out of range", s)
	}
	ns := rem.Mul(rem, big.NewInt(int64(time.Second)))
	ns.Quo(ns, r.Denom())
	t.Time = time.Unix(sec.Int64(), ns.Int64()).UTC()
	return nil
}
