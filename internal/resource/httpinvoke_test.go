package resource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/engine"
)

// local lets http:invoke reach the test servers on 127.0.0.1.
var local = Config{AllowPrivate: true}

func TestHTTPInvokeGetShapesTheResultLikeAWS(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Add("X-Trace", "a")
		w.Header().Add("X-Trace", "b")
		_, _ = io.WriteString(w, `{"customer": {"id": "cus_1", "balance": 4250}}`)
	})
	r := newRegistry(t, local, "")
	out, err := invoke(t, r, HTTPInvoke, fmt.Sprintf(`{
		"ApiEndpoint": "%s/v1/customers?expand=all",
		"Method": "GET",
		"Headers": {"X-Custom": ["one", "two"], "X-Number": 7, "X-Skipped": null},
		"QueryParameters": {"q": "hello world", "tag": ["blue", "green"], "limit": 10, "ok": true}
	}`, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	req := srv.only(t)
	if req.Method != "GET" || req.Path != "/v1/customers" || req.Body != "" {
		t.Errorf("request = %+v", req)
	}
	q, _ := url.ParseQuery(req.RawQuery)
	wantQ := url.Values{"expand": {"all"}, "q": {"hello world"}, "tag": {"blue", "green"}, "limit": {"10"}, "ok": {"true"}}
	if diff := cmp.Diff(wantQ, q); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	if got := req.Header.Values("X-Custom"); !cmp.Equal(got, []string{"one", "two"}) || req.Header.Get("X-Number") != "7" || req.Header.Get("X-Skipped") != "" {
		t.Errorf("headers = %v", req.Header)
	}
	if req.Header.Get(HeaderTaskToken) != "" {
		t.Error("http:invoke sent the task token to a third party")
	}
	var res struct {
		StatusCode   int
		StatusText   string
		Headers      map[string][]string
		ResponseBody map[string]any
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("result %s: %v", out, err)
	}
	if res.StatusCode != 200 || res.StatusText != "OK" || !cmp.Equal(res.Headers["X-Trace"], []string{"a", "b"}) {
		t.Errorf("result = %s", out)
	}
	want := map[string]any{"customer": map[string]any{"id": "cus_1", "balance": 4250.0}}
	if diff := cmp.Diff(want, res.ResponseBody); diff != "" {
		t.Errorf("ResponseBody (-want +got):\n%s", diff)
	}
}

func TestHTTPInvokeRequestBodies(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
	r := newRegistry(t, local, "")
	body := `{"b": [1, "x y", true], "a": {"k": "v", "n": null}, "amount": 1050}`
	for _, tc := range []struct {
		name, params          string
		wantBody, wantContent string
	}{
		{"json", `"RequestBody": {"amount": 1050, "note": "<tea & cup>", "big": 12345678901234567890}`,
			`{"amount":1050,"note":"<tea & cup>","big":12345678901234567890}`, "application/json; charset=utf-8"},
		{"string", `"RequestBody": "plain text"`, "plain text", "text/plain; charset=utf-8"},
		{"own content type", `"RequestBody": "<x/>", "Headers": {"Content-Type": "application/xml"}`, "<x/>", "application/xml"},
		{"indices", `"RequestBody": ` + body + `, "Transform": {"RequestBodyEncoding": "URL_ENCODED"}`,
			"a%5Bk%5D=v&a%5Bn%5D=&amount=1050&b%5B0%5D=1&b%5B1%5D=x+y&b%5B2%5D=true", "application/x-www-form-urlencoded"},
		{"repeat", `"RequestBody": ` + body + `, "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "REPEAT"}}`,
			"a%5Bk%5D=v&a%5Bn%5D=&amount=1050&b=1&b=x+y&b=true", "application/x-www-form-urlencoded"},
		{"commas", `"RequestBody": ` + body + `, "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "COMMAS"}}`,
			"a%5Bk%5D=v&a%5Bn%5D=&amount=1050&b=1%2Cx+y%2Ctrue", "application/x-www-form-urlencoded"},
		{"brackets", `"RequestBody": ` + body + `, "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}}`,
			"a%5Bk%5D=v&a%5Bn%5D=&amount=1050&b%5B%5D=1&b%5B%5D=x+y&b%5B%5D=true", "application/x-www-form-urlencoded"},
		{"nested arrays of objects", `"RequestBody": {"items": [{"sku": "tea"}, {"sku": "cup"}]}, "Transform": {"RequestBodyEncoding": "URL_ENCODED"}}`,
			"items%5B0%5D%5Bsku%5D=tea&items%5B1%5D%5Bsku%5D=cup", "application/x-www-form-urlencoded"},
		{"none", `"RequestBody": {"a": 1}, "Transform": {"RequestBodyEncoding": "NONE"}`, `{"a":1}`, "application/json; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the requests are told apart by their order.
			before := len(srv.requests())
			out, err := invoke(t, r, HTTPInvoke, fmt.Sprintf(`{"ApiEndpoint": "%s/pay", "Method": "POST", %s}`, srv.URL, tc.params))
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.requests()
			if len(reqs) != before+1 {
				t.Fatalf("the server got %d requests, want %d", len(reqs), before+1)
			}
			req := reqs[before]
			if req.Body != tc.wantBody || req.Header.Get("Content-Type") != tc.wantContent {
				t.Errorf("body %q (%s), want %q (%s)", req.Body, req.Header.Get("Content-Type"), tc.wantBody, tc.wantContent)
			}
			if !strings.Contains(string(out), `"StatusCode":201`) || !strings.Contains(string(out), `"ResponseBody":""`) {
				t.Errorf("result = %s", out)
			}
		})
	}
}

func TestHTTPInvokeNon2xxFailsWithTheStatusCode(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/text" {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, "slow down")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error": {"type": "invalid_request_error", "message": "No such customer"}}`)
	})
	r := newRegistry(t, local, "")
	_, err := invoke(t, r, HTTPInvoke, httpTask(srv.URL+"/json"))
	te := wantTaskError(t, err, "States.Http.StatusCode.404")
	var cause struct {
		StatusCode   int
		StatusText   string
		ResponseBody map[string]map[string]string
	}
	if err := json.Unmarshal([]byte(te.Cause), &cause); err != nil {
		t.Fatalf("cause %q is not the JSON of the response: %v", te.Cause, err)
	}
	if cause.StatusCode != 404 || cause.StatusText != "Not Found" || cause.ResponseBody["error"]["message"] != "No such customer" {
		t.Errorf("cause = %s", te.Cause)
	}
	_, err = invoke(t, r, HTTPInvoke, httpTask(srv.URL+"/text"))
	wantTaskError(t, err, "States.Http.StatusCode.429", `"ResponseBody":"slow down"`, `"StatusCode":429`)
}

func TestHTTPInvokeRejectsBadParametersBeforeCalling(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, replyJSON(200, `{}`))
	r := newRegistry(t, local, "")
	for _, tc := range []struct{ params, want string }{
		{`{"Method": "GET"}`, "the parameter ApiEndpoint is required"},
		{`{"ApiEndpoint": "URL"}`, "the parameter Method is required"},
		{`{"ApiEndpoint": "URL", "Method": "get"}`, `Method "get" is not one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS`},
		{`{"ApiEndpoint": "URL", "Method": "GET", "Headerz": {}}`, `unknown field "Headerz"`},
		{`{"ApiEndpoint": "URL", "Method": 5}`, "the parameter Method must not be number"},
		{`[1]`, "the parameters must be an object, not array"},
		{`{"ApiEndpoint": "URL", "Method": "GET", "Headers": {"Authorization": "Bearer sk_live"}}`, `may not set the header "Authorization"`},
		{`{"ApiEndpoint": "URL", "Method": "GET", "Headers": {"X-Amz-Date": "x"}}`, `may not set the header "X-Amz-Date"`},
		{`{"ApiEndpoint": "URL", "Method": "GET", "Headers": {"Host": "evil"}}`, `may not set the header "Host"`},
		{`{"ApiEndpoint": "URL", "Method": "GET", "Headers": {"Bad Name": "x"}}`, `"Bad Name" is not a valid header name`},
		{`{"ApiEndpoint": "URL", "Method": "GET", "Headers": {"X": "a\r\nInjected: 1"}}`, `Headers.X has a line break`},
		{`{"ApiEndpoint": "URL", "Method": "GET", "Headers": {"X": {"a": 1}}}`, `Headers.X must be a string, a number, a boolean or an array of them`},
		{`{"ApiEndpoint": "URL", "Method": "GET", "QueryParameters": {"q": [[1]]}}`, `QueryParameters.q must hold strings, numbers or booleans`},
		{`{"ApiEndpoint": "ftp://files.example/x", "Method": "GET"}`, `must be an https or http URL`},
		{`{"ApiEndpoint": "https://", "Method": "GET"}`, `has no host`},
		{`{"ApiEndpoint": "https://user:pw@api.example/", "Method": "GET"}`, `carries credentials`},
		{`{"ApiEndpoint": "URL", "Method": "POST", "RequestBody": [1], "Transform": {"RequestBodyEncoding": "URL_ENCODED"}}`, "RequestBody must be an object to be URL_ENCODED"},
		{`{"ApiEndpoint": "URL", "Method": "POST", "RequestBody": {}, "Transform": {"RequestBodyEncoding": "GZIP"}}`, `RequestBodyEncoding must be NONE or URL_ENCODED, not "GZIP"`},
		{`{"ApiEndpoint": "URL", "Method": "POST", "RequestBody": {}, "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "JSON"}}}`, `ArrayFormat must be INDICES, REPEAT, COMMAS or BRACKETS, not "JSON"`},
		{`{"ApiEndpoint": "URL", "Method": "POST", "RequestBody": {"a": [{"b": 1}]}, "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "COMMAS"}}}`, `RequestBody.a: the COMMAS array format encodes only arrays of strings`},
	} {
		params := strings.ReplaceAll(tc.params, `"URL"`, fmt.Sprintf("%q", srv.URL))
		_, err := invoke(t, r, HTTPInvoke, params)
		wantTaskError(t, err, asl.ErrorRuntime, "http:invoke: ", tc.want)
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("the server got %d requests, want none", n)
	}
}

// hang answers only when the client gives up.
func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

func TestHTTPInvokeTimeouts(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, hang)
	r := newRegistry(t, Config{AllowPrivate: true, HTTPTimeout: 50 * time.Millisecond}, "")
	_, err := invoke(t, r, HTTPInvoke, httpTask(srv.URL))
	wantTaskError(t, err, ErrorHTTPSocket, "no answer from "+srv.URL+" within 50ms")

	// The task's TimeoutSeconds ends the call first: States.Timeout.
	r = newRegistry(t, local, "")
	_, err = r.Invoke(context.Background(), &engine.Task{Resource: HTTPInvoke, Input: json.RawMessage(httpTask(srv.URL)), TimeoutSeconds: 1})
	wantTaskError(t, err, asl.ErrorTimeout, "TimeoutSeconds")

	// The caller giving up is not a task failure.
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("shutting down"))
	_, err = r.Invoke(ctx, &engine.Task{Resource: HTTPInvoke, Input: json.RawMessage(httpTask(srv.URL))})
	var te *engine.TaskError
	if errors.As(err, &te) || err == nil || !strings.Contains(err.Error(), "shutting down") {
		t.Errorf("cancelled call error = %v, want the context's cause and no task error", err)
	}
}

func TestHTTPInvokeSocketErrors(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, replyJSON(200, `{}`))
	addr := srv.URL
	srv.Close() // nothing listens there any more
	r := newRegistry(t, local, "")
	_, err := invoke(t, r, HTTPInvoke, httpTask(addr+"/x?api_key=secret"))
	te := wantTaskError(t, err, ErrorHTTPSocket, addr+"/x", "refused")
	if strings.Contains(te.Cause, "secret") {
		t.Errorf("cause %q shows the query string", te.Cause)
	}
}

func TestHTTPInvokeResponseLimitsAndText(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `"`+strings.Repeat("x", 200)+`"`)
		case "/binary":
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write([]byte{0xff, 0xfe, 0x00})
		case "/badjson":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"half":`)
		default:
			_, _ = io.WriteString(w, "<html>ok & done</html>")
		}
	})
	r := newRegistry(t, Config{AllowPrivate: true, MaxResponseBytes: 100}, "")
	_, err := invoke(t, r, HTTPInvoke, httpTask(srv.URL+"/big"))
	wantTaskError(t, err, asl.ErrorDataLimitExceeded, "larger than 100 bytes")
	_, err = invoke(t, r, HTTPInvoke, httpTask(srv.URL+"/binary"))
	wantTaskError(t, err, asl.ErrorTaskFailed, "not UTF-8 text")
	out, err := invoke(t, r, HTTPInvoke, httpTask(srv.URL+"/badjson"))
	if err != nil || !strings.Contains(string(out), `"ResponseBody":"{\"half\":"`) {
		t.Errorf("invalid JSON body = %s, %v; want it as text", out, err)
	}
	out, err = invoke(t, r, HTTPInvoke, httpTask(srv.URL+"/page"))
	if err != nil || !strings.Contains(string(out), `"ResponseBody":"<html>ok & done</html>"`) {
		t.Errorf("HTML body = %s, %v; want it as text", out, err)
	}
}

// TestHTTPInvokeInAnExecution runs a definition with the engine: a 503 is
// retried by the state's Retry on States.Http.StatusCode.503, and
// ResultSelector reads the AWS-shaped result.
func TestHTTPInvokeInAnExecution(t *testing.T) {
	t.Parallel()
	calls := 0
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		calls++ // the engine invokes one task at a time
		if calls == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		replyJSON(200, `{"id": "pi_1", "status": "succeeded"}`)(w, r)
	})
	def := fmt.Sprintf(`{"StartAt": "Charge", "States": {
		"Charge": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
			"Parameters": {"ApiEndpoint": "%s/charges", "Method": "POST",
				"Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/psp/1"},
				"RequestBody": {"amount.$": "$.amount", "currency": "eur"}},
			"ResultSelector": {"id.$": "$.ResponseBody.id", "code.$": "$.StatusCode"},
			"Retry": [{"ErrorEquals": ["States.Http.StatusCode.503"], "IntervalSeconds": 1, "MaxAttempts": 2}],
			"End": true}}}`, srv.URL)
	sm, err := asl.Load([]byte(def), asl.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ex := engine.NewExecution("arn:aws:states:us-east-1:000000000000:execution:sm:1", "1", "arn:aws:states:us-east-1:000000000000:stateMachine:sm", "sm", json.RawMessage(`{"amount": 1050}`), time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	r := newRegistry(t, local, `$connections: {psp: {api_key: {name: X-Api-Key, value: k-1}}}`)
	if _, err := engine.RunLocal(context.Background(), sm, ex, r, engine.LocalConfig{FastWaits: true}); err != nil {
		t.Fatal(err)
	}
	if ex.Status != engine.StatusSucceeded || !cmp.Equal(decode(t, ex.Output), map[string]any{"id": "pi_1", "code": 200.0}) {
		t.Errorf("execution %s: output %s, error %s: %s", ex.Status, ex.Output, ex.Error, ex.Cause)
	}
	reqs := srv.requests()
	if len(reqs) != 2 || reqs[1].Body != `{"amount":1050,"currency":"eur"}` || reqs[1].Header.Get("X-Api-Key") != "k-1" {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestHTTPInvokeWaitForTaskToken(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, replyJSON(202, `{"queued": true}`))
	r := newRegistry(t, local, "")
	out, err := invoke(t, r, HTTPInvoke+".waitForTaskToken", fmt.Sprintf(`{"ApiEndpoint": "%s/jobs", "Method": "POST", "RequestBody": {"callback_token": "tok-1"}}`, srv.URL))
	if err != nil || !strings.Contains(string(out), `"StatusCode":202`) {
		t.Fatalf("Invoke = %s, %v", out, err)
	}
	if req := srv.only(t); req.Body != `{"callback_token":"tok-1"}` {
		t.Errorf("body = %q, want the token as the Parameters put it", req.Body)
	}
}

// FuzzHTTPRequest checks the parser of HTTP Task parameters: it never panics,
// and what it accepts is a request paystep may send.
func FuzzHTTPRequest(f *testing.F) {
	for _, seed := range []string{
		`{"ApiEndpoint": "https://api.example/v1?a=1", "Method": "GET", "QueryParameters": {"q": ["a", 1, true, null]}}`,
		`{"ApiEndpoint": "https://api.example", "Method": "POST", "Headers": {"X-A": ["1", "2"]}, "RequestBody": {"a": [1, {"b": 2}]},
		  "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}}}`,
		`{"ApiEndpoint": "http://h/p#frag", "Method": "PUT", "RequestBody": "text"}`,
		`{"ApiEndpoint": "https://h", "Method": "GET", "Headers": {"Host": "x"}}`,
		`[]`, `{"Method": 1}`,
		`{"ApiEndpoint": "https://h/?k=task", "Method": "POST", "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/c/1"},
		  "Headers": {"X-T": "task"}, "QueryParameters": {"q": "task"}, "RequestBody": {"b": "task", "c": [1]}}`,
		`{"ApiEndpoint": "https://h", "Method": "GET", "InvocationConfig": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/nope"}}`,
	} {
		f.Add([]byte(seed))
	}
	r := New(Config{}, mustTable(f, `$connections: {c: {basic: {username: u, password: p},
		invocation_http_parameters: {header_parameters: {X-T: conn}, query_string_parameters: {q: conn}, body_parameters: {b: conn}}}}`))
	f.Fuzz(func(t *testing.T, input []byte) {
		req, _, err := r.httpRequest(context.Background(), input)
		if err != nil {
			var te *engine.TaskError
			if !errors.As(err, &te) || (te.Name != asl.ErrorRuntime && te.Name != asl.ErrorTaskFailed) || !strings.HasPrefix(te.Cause, "http:invoke: ") {
				t.Fatalf("error %v is not a States.Runtime or States.TaskFailed naming http:invoke", err)
			}
			return
		}
		if s := req.URL.Scheme; (s != "http" && s != "https") || req.URL.Host == "" || req.URL.User != nil || req.URL.Fragment != "" {
			t.Fatalf("accepted the URL %q", req.URL)
		}
		for name, vals := range req.Header {
			if name == "Authorization" && cmp.Equal(vals, []string{"Basic dTpw"}) {
				continue // the connection's, base64("u:p")
			}
			if forbiddenHeader(name) {
				t.Fatalf("accepted the header %q", name)
			}
			for _, v := range vals {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("accepted the header value %q", v)
				}
			}
		}
	})
}
