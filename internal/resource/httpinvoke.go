package resource

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/engine"
)

// HTTP Task error names, as AWS names them.
const (
	ErrorHTTPStatusPrefix = "States.Http.StatusCode." // + the status code, for a non-2xx answer
	ErrorHTTPSocket       = "States.Http.Socket"      // no answer: timeout, refused or reset connection
)

const maxCauseLen = 32768

// httpParams are the Parameters (or Arguments) of an HTTP Task.
type httpParams struct {
	ApiEndpoint      string // AWS's spelling
	Method           string
	Headers          map[string]any
	QueryParameters  map[string]any
	RequestBody      json.RawMessage
	Transform        *httpTransform
	Authentication   *connectionRef // names a connection of the bindings file; optional in paystep
	InvocationConfig *connectionRef // likewise (AWS's connection to a private API): the guard still applies
}

type httpTransform struct {
	RequestBodyEncoding    string
	RequestEncodingOptions *struct{ ArrayFormat string }
}

type connectionRef struct {
	ConnectionArn string
}

// httpOutput is an HTTP Task's result, shaped like AWS's.
type httpOutput struct {
	Headers      map[string][]string
	ResponseBody json.RawMessage // parsed JSON for a JSON response, else the text as a JSON string
	StatusCode   int
	StatusText   string
}

var httpMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}

// forbiddenHeader reports headers an HTTP Task may not set, as AWS forbids them.
func forbiddenHeader(name string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, "x-amz-") || strings.HasPrefix(n, "x-amzn-") || strings.HasPrefix(n, "x-forwarded-") {
		return true
	}
	switch n {
	case "a-im", "accept-charset", "accept-datetime", "accept-encoding", "authorization", "cache-control",
		"connection", "content-encoding", "content-length", "content-md5", "date", "expect", "forwarded", "from",
		"host", "http2-settings", "if-match", "if-modified-since", "if-none-match", "if-range",
		"if-unmodified-since", "max-forwards", "origin", "pragma", "proxy-authorization", "referer", "server",
		"te", "trailer", "transfer-encoding", "upgrade", "via", "warning":
		return true
	}
	return false
}

var headerToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func runtimeError(format string, args ...any) *engine.TaskError {
	return &engine.TaskError{Name: asl.ErrorRuntime, Cause: "http:invoke: " + fmt.Sprintf(format, args...)}
}

// httpInvoke runs arn:aws:states:::http:invoke. With a connection, the
// request carries its credentials and parameters; with an OAuth connection,
// an API's 401 fetches a new token and sends the request once more.
func (r *Registry) httpInvoke(ctx context.Context, call *Call) (json.RawMessage, error) {
	req, cn, err := r.httpRequest(ctx, call.Input)
	if err != nil {
		return nil, err
	}
	client := r.guarded
	var token string
	if cn != nil {
		client = cn.client
		if cn.token != nil {
			if token, err = r.token(ctx, cn, ""); err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+token)
		}
	}
	callCtx, cancel := context.WithTimeoutCause(req.Context(), r.cfg.HTTPTimeout, errHTTPTimeout)
	defer cancel()
	resp, err := client.Do(req.WithContext(callCtx))
	if err != nil {
		return nil, r.transportError(callCtx, req.URL, err)
	}
	if resp.StatusCode == http.StatusUnauthorized && token != "" {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, r.cfg.MaxResponseBytes))
		resp.Body.Close()
		cancel()
		r.logger.InfoContext(ctx, "oauth token refused by the API, fetching a new one", "connection", cn.key)
		if token, err = r.token(ctx, cn, token); err != nil {
			return nil, err
		}
		again := req.Clone(ctx)
		if req.GetBody != nil {
			if again.Body, err = req.GetBody(); err != nil {
				return nil, taskFailed("http:invoke: %v", err)
			}
		}
		again.Header.Set("Authorization", "Bearer "+token)
		callCtx, cancel = context.WithTimeoutCause(ctx, r.cfg.HTTPTimeout, errHTTPTimeout)
		defer cancel()
		if resp, err = client.Do(again.WithContext(callCtx)); err != nil {
			return nil, r.transportError(callCtx, req.URL, err)
		}
	}
	defer resp.Body.Close()
	data, err := readLimited(resp.Body, r.cfg.MaxResponseBytes, "the response of "+redactURL(req.URL))
	if err != nil {
		var te *engine.TaskError
		if errors.As(err, &te) {
			return nil, te
		}
		return nil, r.transportError(callCtx, req.URL, err)
	}
	out := httpOutput{Headers: resp.Header, StatusCode: resp.StatusCode, StatusText: statusText(resp)}
	if out.Headers == nil {
		out.Headers = map[string][]string{}
	}
	if isJSON(resp.Header.Get("Content-Type")) && json.Valid(data) {
		out.ResponseBody = data
	} else {
		if !utf8.Valid(data) {
			return nil, taskFailed("http:invoke: the response of %s is not UTF-8 text (Content-Type %q)", redactURL(req.URL), resp.Header.Get("Content-Type"))
		}
		out.ResponseBody = jsonString(string(data))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, taskFailed("http:invoke: %v", err)
	}
	result := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &engine.TaskError{Name: fmt.Sprintf("%s%d", ErrorHTTPStatusPrefix, resp.StatusCode), Cause: truncate(string(result), maxCauseLen)}
	}
	return result, nil
}

var errHTTPTimeout = errors.New("the HTTP call timed out")

// httpRequest checks an HTTP Task's parameters and builds its request,
// merging in the parameters of the connection it names (returned too). An
// OAuth connection's token is not in it yet.
func (r *Registry) httpRequest(ctx context.Context, input json.RawMessage) (*http.Request, *connection, error) {
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var p httpParams
	if err := dec.Decode(&p); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute) && ute.Field != "":
			return nil, nil, runtimeError("the parameter %s must not be %s", ute.Field, ute.Value)
		case errors.As(err, &ute):
			return nil, nil, runtimeError("the parameters must be an object, not %s", ute.Value)
		}
		return nil, nil, runtimeError("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if p.ApiEndpoint == "" {
		return nil, nil, runtimeError("the parameter ApiEndpoint is required")
	}
	if p.Method == "" {
		return nil, nil, runtimeError("the parameter Method is required")
	}
	if !slices.Contains(httpMethods, p.Method) {
		return nil, nil, runtimeError("Method %q is not one of %s", p.Method, strings.Join(httpMethods, ", "))
	}
	u, err := url.Parse(p.ApiEndpoint)
	switch {
	case err != nil:
		return nil, nil, runtimeError("ApiEndpoint %q is not a URL", p.ApiEndpoint)
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, nil, runtimeError("ApiEndpoint %q must be an https or http URL", redactURL(u))
	case u.Host == "":
		return nil, nil, runtimeError("ApiEndpoint %q has no host", p.ApiEndpoint)
	case u.User != nil:
		return nil, nil, runtimeError("ApiEndpoint %s carries credentials, which HTTP Tasks do not send", redactURL(u))
	}
	u.Fragment, u.RawFragment = "", ""
	var q url.Values
	if len(p.QueryParameters) > 0 {
		q = u.Query()
		for _, k := range sortedKeys(p.QueryParameters) {
			vals, err := scalarList(p.QueryParameters[k])
			if err != nil {
				return nil, nil, runtimeError("QueryParameters.%s %v", k, err)
			}
			for _, v := range vals {
				q.Add(k, v)
			}
		}
	}

	header := http.Header{}
	for _, k := range sortedKeys(p.Headers) {
		switch {
		case !headerToken.MatchString(k):
			return nil, nil, runtimeError("Headers: %q is not a valid header name", k)
		case forbiddenHeader(k):
			return nil, nil, runtimeError("Headers: HTTP Tasks may not set the header %q", k)
		}
		vals, err := scalarList(p.Headers[k])
		if err != nil {
			return nil, nil, runtimeError("Headers.%s %v", k, err)
		}
		for _, v := range vals {
			if strings.ContainsAny(v, "\r\n\x00") {
				return nil, nil, runtimeError("Headers.%s has a line break or NUL in its value", k)
			}
			header.Add(k, v)
		}
	}

	// The connection's parameters win over the task's, as in AWS.
	cn, err := r.connectionFor(&p)
	if err != nil {
		return nil, nil, err
	}
	if cn != nil {
		if len(cn.c.Invocation.Query) > 0 {
			if q == nil {
				q = u.Query()
			}
			cn.mergeQuery(q)
		}
		cn.mergeHeader(header)
		if p.RequestBody, err = cn.mergeBody(p.RequestBody); err != nil {
			return nil, nil, err
		}
	}
	if q != nil {
		u.RawQuery = q.Encode()
	}
	body, contentType, err := requestBody(p)
	if err != nil {
		return nil, nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, p.Method, u.String(), rd)
	if err != nil {
		return nil, nil, runtimeError("%v", err)
	}
	req.Header = header
	if body != nil && header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", contentType)
	}
	if header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "paystep-http-task")
	}
	return req, cn, nil
}

// requestBody encodes RequestBody: as JSON, as the text of a JSON string,
// or URL-encoded with Transform.RequestBodyEncoding URL_ENCODED.
func requestBody(p httpParams) (body []byte, contentType string, err error) {
	encoding, arrays := "NONE", ArrayIndices
	if p.Transform != nil {
		if p.Transform.RequestBodyEncoding != "" {
			encoding = p.Transform.RequestBodyEncoding
		}
		if o := p.Transform.RequestEncodingOptions; o != nil && o.ArrayFormat != "" {
			arrays = o.ArrayFormat
		}
	}
	switch encoding {
	case "NONE", "URL_ENCODED":
	default:
		return nil, "", runtimeError("Transform.RequestBodyEncoding must be NONE or URL_ENCODED, not %q", encoding)
	}
	switch arrays {
	case ArrayIndices, ArrayRepeat, ArrayCommas, ArrayBrackets:
	default:
		return nil, "", runtimeError("Transform.RequestEncodingOptions.ArrayFormat must be INDICES, REPEAT, COMMAS or BRACKETS, not %q", arrays)
	}
	raw := bytes.TrimSpace(p.RequestBody)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, "", nil
	}
	if encoding == "URL_ENCODED" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, "", runtimeError("RequestBody: %v", err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, "", runtimeError("RequestBody must be an object to be URL_ENCODED")
		}
		form, err := formEncode(obj, arrays)
		if err != nil {
			return nil, "", runtimeError("%v", err)
		}
		return []byte(form), "application/x-www-form-urlencoded", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, "", runtimeError("RequestBody: %v", err)
		}
		return []byte(s), "text/plain; charset=utf-8", nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, "", runtimeError("RequestBody: %v", err)
	}
	return buf.Bytes(), "application/json; charset=utf-8", nil
}

// transportError names a failed HTTP call: a refused address or redirect
// fails the task with States.TaskFailed; a timeout or a broken connection with
// States.Http.Socket. When the caller's context ended, the error is not a
// task failure and is returned as such.
func (r *Registry) transportError(ctx context.Context, u *url.URL, err error) error {
	target := redactURL(u)
	var ae *AddressError
	if errors.As(err, &ae) {
		return taskFailed("http:invoke %s: %v", target, ae)
	}
	var re *redirectError
	if errors.As(err, &re) {
		return taskFailed("http:invoke %s: %v", target, re)
	}
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errHTTPTimeout):
		return &engine.TaskError{Name: ErrorHTTPSocket, Cause: fmt.Sprintf("no answer from %s within %s", target, r.cfg.HTTPTimeout)}
	case errors.Is(cause, errTaskTimeout):
		return &engine.TaskError{Name: asl.ErrorTimeout, Cause: fmt.Sprintf("no answer from %s within the task's TimeoutSeconds", target)}
	case cause != nil:
		return fmt.Errorf("http:invoke %s: %w", target, cause)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text repeats the full URL, query and all
	}
	return &engine.TaskError{Name: ErrorHTTPSocket, Cause: fmt.Sprintf("%s: %v", target, err)}
}

func statusText(resp *http.Response) string {
	if _, text, ok := strings.Cut(resp.Status, " "); ok && text != "" {
		return text
	}
	return http.StatusText(resp.StatusCode)
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func jsonString(s string) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a valid UTF-8 string always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// scalarList turns a header or query value into its texts: a scalar gives
// one, an array of scalars one each, null none.
func scalarList(v any) ([]string, error) {
	if list, ok := v.([]any); ok {
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, ok := scalarText(e)
			if !ok {
				return nil, errors.New("must hold strings, numbers or booleans, not objects or nested arrays")
			}
			out = append(out, s)
		}
		return out, nil
	}
	if v == nil {
		return nil, nil
	}
	s, ok := scalarText(v)
	if !ok {
		return nil, errors.New("must be a string, a number, a boolean or an array of them, not an object")
	}
	return []string{s}, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
