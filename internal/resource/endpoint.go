package resource

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/binding"
	"github.com/paystep/paystep/internal/engine"
)

// callEndpoint POSTs the call's input as JSON to a bound endpoint. A 2xx
// answer's body is the result; any other answer fails the task with the
// error its body names ({"error","cause"}, {"errorType","errorMessage"} or
// {"error":{"code"|"type","message"}}), else States.Http.StatusCode.<code>.
func (r *Registry) callEndpoint(ctx context.Context, bd *bound, call *Call) (json.RawMessage, error) {
	target := bd.b.Endpoint
	shown := target
	if u, err := url.Parse(target); err == nil {
		shown = redactURL(u)
	}
	timeout := r.cfg.HTTPTimeout
	if bd.b.TimeoutSeconds > 0 {
		timeout = time.Duration(bd.b.TimeoutSeconds) * time.Second
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errHTTPTimeout)
	defer cancel()
	input := call.Input
	if len(bytes.TrimSpace(input)) == 0 {
		input = json.RawMessage("null")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(input))
	if err != nil {
		return nil, taskFailed("the endpoint %s: %v", shown, err)
	}
	req.Header = bd.headers.Clone()
	req.Header.Set("Content-Type", "application/json")
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "paystep")
	}
	req.Header.Set(HeaderResource, call.Resource)
	if call.Token != "" {
		req.Header.Set(HeaderTaskToken, call.Token)
	}
	resp, err := r.trusted.Do(req)
	if err != nil {
		cause := context.Cause(ctx)
		switch {
		case errors.Is(cause, errHTTPTimeout):
			return nil, taskFailed("the endpoint %s did not answer within %s", shown, timeout)
		case errors.Is(cause, errTaskTimeout):
			return nil, &engine.TaskError{Name: asl.ErrorTimeout, Cause: fmt.Sprintf("the endpoint %s did not answer within the task's TimeoutSeconds", shown)}
		case cause != nil:
			return nil, fmt.Errorf("the endpoint %s: %w", shown, cause)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, taskFailed("the endpoint %s: %v", shown, err)
	}
	defer resp.Body.Close()
	data, err := readLimited(resp.Body, r.cfg.MaxResponseBytes, "the answer of the endpoint "+shown)
	if err != nil {
		var te *engine.TaskError
		if errors.As(err, &te) {
			return nil, te
		}
		return nil, taskFailed("the endpoint %s: reading its answer: %v", shown, err)
	}
	contentType := resp.Header.Get("Content-Type")
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, endpointError(resp.StatusCode, data, shown)
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return json.RawMessage("null"), nil
	case json.Valid(trimmed):
		return trimmed, nil
	case isText(contentType) && utf8.Valid(data):
		return jsonString(string(data)), nil
	}
	return nil, taskFailed("the endpoint %s answered %d with a body that is neither JSON nor text (Content-Type %q)", shown, resp.StatusCode, contentType)
}

func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && strings.HasPrefix(mt, "text/")
}

// endpointError names the failure a non-2xx answer reports.
func endpointError(status int, body []byte, shown string) *engine.TaskError {
	name, cause := errorFromBody(body)
	if !validErrorName(name) {
		name = fmt.Sprintf("%s%d", ErrorHTTPStatusPrefix, status)
		cause = ""
	}
	if cause == "" {
		switch text := strings.TrimSpace(string(body)); {
		case text != "" && utf8.ValidString(text):
			cause = text
		default:
			cause = fmt.Sprintf("the endpoint %s answered %d %s", shown, status, http.StatusText(status))
		}
	}
	return &engine.TaskError{Name: name, Cause: truncate(cause, maxCauseLen)}
}

// errorFromBody reads an error's name and cause from a JSON body written the
// way Step Functions (error, cause), Lambda (errorType, errorMessage) or a
// Stripe-like API ({"error": {"code", "type", "message"}}) writes them.
func errorFromBody(body []byte) (name, cause string) {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "", ""
	}
	str := func(keys ...string) string {
		for _, k := range keys {
			var s string
			if raw, ok := m[k]; ok && json.Unmarshal(raw, &s) == nil && s != "" {
				return s
			}
		}
		return ""
	}
	if name = str("error", "Error", "errorType"); name != "" {
		return name, str("cause", "Cause", "errorMessage")
	}
	var nested struct {
		Code, Type, Message string
	}
	if raw, ok := m["error"]; ok && json.Unmarshal(raw, &nested) == nil {
		name = nested.Code
		if name == "" {
			name = nested.Type
		}
		return name, nested.Message
	}
	return "", ""
}

func validErrorName(name string) bool {
	if name == "" || len(name) > binding.MaxErrorLen || !utf8.ValidString(name) {
		return false
	}
	for _, c := range name {
		if unicode.IsControl(c) {
			return false
		}
	}
	return true
}
