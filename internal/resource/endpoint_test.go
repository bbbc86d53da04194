package resource

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/asl"
)

func TestEndpointPostsTheInputAndReturnsTheBody(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, replyJSON(200, ` {"sent": true, "id": "em_1"} `))
	// Bound endpoints are the operator's choice: 127.0.0.1 works without AllowPrivate.
	r := newRegistry(t, Config{}, fmt.Sprintf(`{"ARN_OF_PROCESSEMAILS": {"endpoint": "%s/emails?v=2", "headers": {"X-Api-Key": "k1"}}}`, srv.URL))
	out, err := invoke(t, r, "ARN_OF_PROCESSEMAILS", `{"email": "ada@example.com", "amount": 4250}`)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"sent": true, "id": "em_1"}` {
		t.Errorf("result = %s", out)
	}
	req := srv.only(t)
	want := recorded{Method: "POST", Path: "/emails", RawQuery: "v=2", Body: `{"email": "ada@example.com", "amount": 4250}`}
	if diff := cmp.Diff(want, req, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "Header" }, cmp.Ignore())); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	for name, want := range map[string]string{
		"Content-Type": "application/json", "X-Api-Key": "k1",
		HeaderTaskToken: "tok-1", HeaderResource: "ARN_OF_PROCESSEMAILS",
	} {
		if got := req.Header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
}

func TestEndpointWaitForTaskToken(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	r := newRegistry(t, Config{}, fmt.Sprintf(`{"ARN_OF_CHARGE": {"endpoint": "%s"}}`, srv.URL))
	// The binding without the suffix binds the resource with it; the token
	// is in the body as the Parameters put it, and in the header.
	out, err := invoke(t, r, "ARN_OF_CHARGE.waitForTaskToken", `{"token": "tok-1", "amount": 1050}`)
	if err != nil || string(out) != "null" {
		t.Errorf("Invoke = %s, %v; want null (a 202 with no body)", out, err)
	}
	req := srv.only(t)
	if req.Body != `{"token": "tok-1", "amount": 1050}` || req.Header.Get(HeaderTaskToken) != "tok-1" || req.Header.Get(HeaderResource) != "ARN_OF_CHARGE.waitForTaskToken" {
		t.Errorf("request = %+v", req)
	}
}

func TestEndpointAnswers(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/text":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, "queued")
		case "/binary":
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write([]byte{1, 2, 3})
		case "/redirect":
			http.Redirect(w, r, "/text", http.StatusFound)
		case "/sfn":
			replyJSON(400, `{"error": "Card.Declined", "cause": "insufficient funds"}`)(w, r)
		case "/lambda":
			replyJSON(500, `{"errorType": "ValueError", "errorMessage": "bad amount", "trace": []}`)(w, r)
		case "/stripe":
			replyJSON(402, `{"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}}`)(w, r)
		case "/stripe-no-code":
			replyJSON(402, `{"error": {"type": "card_error", "message": "Declined."}}`)(w, r)
		case "/plain":
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "try later\n")
		case "/empty":
			w.WriteHeader(http.StatusBadGateway)
		case "/badname":
			replyJSON(500, `{"error": "Bad\u0001Name", "cause": "x"}`)(w, r)
		case "/big":
			_, _ = io.WriteString(w, `"`+strings.Repeat("x", 200)+`"`)
		}
	})
	var doc strings.Builder
	doc.WriteString("{")
	for i, p := range []string{"text", "binary", "redirect", "sfn", "lambda", "stripe", "stripe-no-code", "plain", "empty", "badname", "big"} {
		if i > 0 {
			doc.WriteString(",")
		}
		fmt.Fprintf(&doc, `%q: {"endpoint": "%s/%s"}`, p, srv.URL, p)
	}
	doc.WriteString("}")
	r := newRegistry(t, Config{MaxResponseBytes: 100}, doc.String())

	out, err := invoke(t, r, "text", `{}`)
	if err != nil || string(out) != `"queued"` {
		t.Errorf("text answer = %s, %v; want the JSON string", out, err)
	}
	_, err = invoke(t, r, "binary", `{}`)
	wantTaskError(t, err, asl.ErrorTaskFailed, "neither JSON nor text")
	_, err = invoke(t, r, "redirect", `{}`)
	wantTaskError(t, err, "States.Http.StatusCode.302")
	_, err = invoke(t, r, "sfn", `{}`)
	wantTaskError(t, err, "Card.Declined", "insufficient funds")
	_, err = invoke(t, r, "lambda", `{}`)
	wantTaskError(t, err, "ValueError", "bad amount")
	_, err = invoke(t, r, "stripe", `{}`)
	wantTaskError(t, err, "card_declined", "Your card was declined.")
	_, err = invoke(t, r, "stripe-no-code", `{}`)
	wantTaskError(t, err, "card_error", "Declined.")
	te := wantTaskError(t, mustFail(t, r, "plain"), "States.Http.StatusCode.503")
	if te.Cause != "try later" {
		t.Errorf("plain cause = %q, want the body", te.Cause)
	}
	wantTaskError(t, mustFail(t, r, "empty"), "States.Http.StatusCode.502", "/empty answered 502 Bad Gateway")
	wantTaskError(t, mustFail(t, r, "badname"), "States.Http.StatusCode.500", `"error": "Bad\u0001Name"`)
	wantTaskError(t, mustFail(t, r, "big"), asl.ErrorDataLimitExceeded, "larger than 100 bytes")
}

func mustFail(t *testing.T, r *Registry, resource string) error {
	t.Helper()
	out, err := invoke(t, r, resource, `{}`)
	if err == nil {
		t.Fatalf("Invoke(%s) = %s, want an error", resource, out)
	}
	return err
}

func TestEndpointTimeoutAndUnreachable(t *testing.T) {
	t.Parallel()
	slow := newRecorder(t, hang)
	gone := newRecorder(t, replyJSON(200, `{}`))
	gone.Close()
	r := newRegistry(t, Config{HTTPTimeout: 50 * time.Millisecond}, fmt.Sprintf(`{"slow": {"endpoint": %q}, "gone": {"endpoint": "%s/x?key=secret"}}`, slow.URL, gone.URL))
	_, err := invoke(t, r, "slow", `{}`)
	wantTaskError(t, err, asl.ErrorTaskFailed, "did not answer within 50ms")
	te := wantTaskError(t, mustFail(t, r, "gone"), asl.ErrorTaskFailed, gone.URL+"/x", "refused")
	if strings.Contains(te.Cause, "secret") {
		t.Errorf("cause %q shows the query string", te.Cause)
	}
}

func TestLambdaBindings(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, replyJSON(200, `{"emailed": true}`))
	r := newRegistry(t, Config{Region: "eu-west-1", Account: "111122223333"}, fmt.Sprintf(`{
		"processEmails": {"endpoint": %q},
		"arn:aws:lambda:eu-west-1:111122223333:function:processTexts": {"result": {"texted": true}},
		"failing": {"error": "Lambda.Unknown", "cause": "boom"},
		"arn:aws:states:::lambda:invoke": {"result": "catch-all"}
	}`, srv.URL))
	for _, tc := range []struct {
		name, resource, input string
		want                  any
	}{
		{"by name", LambdaInvoke, `{"FunctionName": "processEmails", "Payload": {"to": "ada"}}`,
			map[string]any{"ExecutedVersion": "$LATEST", "StatusCode": 200.0, "Payload": map[string]any{"emailed": true}}},
		{"by full ARN with an alias", LambdaInvoke, `{"FunctionName": "arn:aws:lambda:us-east-1:999999999999:function:processEmails:prod", "Payload": {}}`,
			map[string]any{"ExecutedVersion": "$LATEST", "StatusCode": 200.0, "Payload": map[string]any{"emailed": true}}},
		{"name bound by ARN", LambdaInvoke, `{"FunctionName": "processTexts"}`,
			map[string]any{"ExecutedVersion": "$LATEST", "StatusCode": 200.0, "Payload": map[string]any{"texted": true}}},
		{"name with qualifier bound by ARN", LambdaInvoke, `{"FunctionName": "processTexts:3"}`,
			map[string]any{"ExecutedVersion": "$LATEST", "StatusCode": 200.0, "Payload": map[string]any{"texted": true}}},
		{"partial ARN", LambdaInvoke, `{"FunctionName": "111122223333:function:processTexts"}`,
			map[string]any{"ExecutedVersion": "$LATEST", "StatusCode": 200.0, "Payload": map[string]any{"texted": true}}},
		{"event", LambdaInvoke, `{"FunctionName": "processTexts", "InvocationType": "Event"}`,
			map[string]any{"StatusCode": 202.0, "Payload": ""}},
		{"dry run", LambdaInvoke, `{"FunctionName": "processTexts", "InvocationType": "DryRun"}`,
			map[string]any{"StatusCode": 204.0, "Payload": ""}},
		{"unbound function falls to the resource's binding", LambdaInvoke, `{"FunctionName": "other"}`, "catch-all"},
		{"function ARN resource bound by name", "arn:aws:lambda:us-east-1:123456789012:function:processEmails", `{"to": "ada"}`,
			map[string]any{"emailed": true}},
		{"function ARN resource with a version", "arn:aws:lambda:eu-west-1:111122223333:function:processTexts:7", `{}`,
			map[string]any{"texted": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := invoke(t, r, tc.resource, tc.input)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, decode(t, out)); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
	reqs := srv.requests()
	if len(reqs) != 3 || reqs[0].Body != `{"to": "ada"}` || reqs[1].Body != `{}` {
		t.Errorf("the function got %+v; want the Payloads, then the input", reqs)
	}
	_, err := invoke(t, r, LambdaInvoke+".waitForTaskToken", `{"FunctionName": "failing", "Payload": {"token": "tok-1"}}`)
	wantTaskError(t, err, "Lambda.Unknown", "boom")
	_, err = invoke(t, r, LambdaInvoke, `{"FunctionName": "processTexts", "InvocationType": "Later"}`)
	wantTaskError(t, err, asl.ErrorRuntime, `InvocationType must be RequestResponse, Event or DryRun, not "Later"`)

	bare := newRegistry(t, Config{}, `{"x": {"result": 1}}`)
	_, err = invoke(t, bare, LambdaInvoke, `{"FunctionName": "nowhere", "Payload": {}}`)
	wantTaskError(t, err, asl.ErrorTaskFailed, "no binding for the Lambda function nowhere")
	_, err = invoke(t, bare, LambdaInvoke, `{"Payload": {}}`)
	wantTaskError(t, err, asl.ErrorRuntime, "needs a FunctionName")
}
