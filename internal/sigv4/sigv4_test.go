package sigv4_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/sigv4"
)

const (
	akid   = "AKIDEXAMPLE"
	secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

var (
	now   = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	creds = aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
	keys  = map[string]sigv4.Secret{akid: secret, "AKIDOTHER": "other-secret"}
)

// result is what the test server reports about one request.
type result struct {
	AccessKeyID string
	Code        string
	Message     string
	Status      int
}

// newServer starts a server that verifies every request with v.
func newServer(t *testing.T, v *sigv4.Verifier) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var res result
		id, err := v.Verify(r, body)
		var e *sigv4.Error
		switch {
		case err == nil:
			res.AccessKeyID = id
		case errors.As(err, &e):
			res.Code, res.Message, res.Status = e.Code, e.Message, e.Status
		default:
			res.Code = "not an *sigv4.Error: " + err.Error()
		}
		json.NewEncoder(w).Encode(res)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func defaultVerifier(cfg sigv4.Config) *sigv4.Verifier {
	return sigv4.NewVerifier(keys, func() time.Time { return now }, cfg)
}

func payloadHash(body string) string {
	h := sha256.Sum256([]byte(body))
	return hex.EncodeToString(h[:])
}

// request is one signed request to send.
type request struct {
	method   string
	target   string // path and query as put in the URL
	body     string
	header   map[string][]string
	signedAt time.Time
	service  string
	region   string
	creds    aws.Credentials
	// tamper changes the request after signing.
	tamper func(r *http.Request)
}

func (rq request) build(t *testing.T, base string) *http.Request {
	t.Helper()
	method := rq.method
	if method == "" {
		method = http.MethodPost
	}
	target := rq.target
	if target == "" {
		target = "/"
	}
	r, err := http.NewRequest(method, base+target, strings.NewReader(rq.body))
	if err != nil {
		t.Fatal(err)
	}
	if rq.body == "" {
		r.Body, r.ContentLength = http.NoBody, 0
	}
	for k, vs := range rq.header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return r
}

func (rq request) defaults() request {
	if rq.signedAt.IsZero() {
		rq.signedAt = now
	}
	if rq.service == "" {
		rq.service = "states"
	}
	if rq.region == "" {
		rq.region = "us-east-1"
	}
	if rq.creds.AccessKeyID == "" {
		rq.creds = creds
	}
	return rq
}

// send signs rq with the SDK's signer and sends it to srv.
func send(t *testing.T, srv *httptest.Server, rq request) result {
	t.Helper()
	rq = rq.defaults()
	r := rq.build(t, srv.URL)
	err := v4.NewSigner().SignHTTP(context.Background(), rq.creds, r, payloadHash(rq.body), rq.service, rq.region, rq.signedAt)
	if err != nil {
		t.Fatal(err)
	}
	if rq.tamper != nil {
		rq.tamper(r)
	}
	return do(t, srv, r)
}

func do(t *testing.T, srv *httptest.Server, r *http.Request) result {
	t.Helper()
	resp, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res result
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestVerifyAcceptsSDKSignedRequests(t *testing.T) {
	t.Parallel()
	srv := newServer(t, defaultVerifier(sigv4.Config{}))
	sfnHeaders := map[string][]string{
		"Content-Type": {"application/x-amz-json-1.0"},
		"X-Amz-Target": {"AWSStepFunctions.StartExecution"},
	}
	for _, tc := range []struct {
		name string
		rq   request
	}{
		{"empty body", request{}},
		{"empty object", request{body: `{}`, header: sfnHeaders}},
		{"start execution", request{body: `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:M","input":"{\"a\":1}"}`, header: sfnHeaders}},
		{"unicode body", request{body: `{"name":"zoë-日本-🚀"}`, header: sfnHeaders}},
		{"large body", request{body: `{"input":"` + strings.Repeat("x", 256<<10) + `"}`, header: sfnHeaders}},
		{"binary body", request{body: "\x00\x01\xff\xfe"}},
		{"query", request{method: http.MethodGet, target: "/?b=2&a=1"}},
		{"query sorted after encoding", request{method: http.MethodGet, target: "/?v=a%2Fb&v=a-b&V=upper"}},
		{"query with spaces and reserved", request{method: http.MethodGet, target: "/?q=a%20b%2Bc&empty=&x=%E2%9C%93&k%3Dey=%26"}},
		{"query key without value", request{method: http.MethodGet, target: "/?flag&z=1"}},
		{"extra headers", request{body: `{}`, header: map[string][]string{
			"X-Custom":     {"  lots   of    spaces  "},
			"X-Multi":      {"one", "two"},
			"X-Amz-Meta-K": {"v"},
			"Content-Type": {"application/x-amz-json-1.0"},
		}}},
		{"unicode path", request{method: http.MethodGet, target: "/caf%C3%A9/%C3%BC/%E6%97%A5%E6%9C%AC"}},
		{"escaped slash in path", request{method: http.MethodGet, target: "/a%2Fb/c"}},
		{"space in path", request{method: http.MethodGet, target: "/with%20space/x"}},
		{"unreserved path", request{method: http.MethodGet, target: "/~user/a-b_c.d"}},
		{"put", request{method: http.MethodPut, target: "/resource?x=1", body: "payload"}},
		{"other region", request{region: "eu-west-3"}},
		{"other key", request{creds: aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: "other-secret"}}},
		{"14 minutes old", request{signedAt: now.Add(-14 * time.Minute)}},
		{"14 minutes ahead", request{signedAt: now.Add(14 * time.Minute)}},
		{"exactly 15 minutes old", request{signedAt: now.Add(-15 * time.Minute)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := send(t, srv, tc.rq)
			want := result{AccessKeyID: tc.rq.defaults().creds.AccessKeyID}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Verify(%s %s) mismatch (-want +got):\n%s", tc.rq.method, tc.rq.target, diff)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	srv := newServer(t, defaultVerifier(sigv4.Config{}))
	mismatch := result{Code: sigv4.CodeInvalidSignature, Message: sigv4.MessageSignatureDoesNotMatch, Status: 400}
	sfn := map[string][]string{"X-Amz-Target": {"AWSStepFunctions.DescribeExecution"}, "Content-Type": {"application/x-amz-json-1.0"}}
	for _, tc := range []struct {
		name string
		rq   request
		want result
	}{
		{"tampered body", request{body: `{"a":1}`, header: sfn, tamper: func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(`{"a":2}`))
		}}, mismatch},
		{"tampered signed header", request{body: `{}`, header: sfn, tamper: func(r *http.Request) {
			r.Header.Set("X-Amz-Target", "AWSStepFunctions.DeleteStateMachine")
		}}, mismatch},
		{"tampered query", request{method: http.MethodGet, target: "/?a=1", tamper: func(r *http.Request) {
			r.URL.RawQuery = "a=2"
		}}, mismatch},
		{"tampered path", request{method: http.MethodGet, target: "/a", tamper: func(r *http.Request) {
			r.URL.Path = "/b"
		}}, mismatch},
		{"tampered method", request{method: http.MethodGet, target: "/a", tamper: func(r *http.Request) {
			r.Method = http.MethodDelete
		}}, mismatch},
		{"signed header removed", request{body: `{}`, header: sfn, tamper: func(r *http.Request) {
			r.Header.Del("X-Amz-Target")
		}}, result{Code: sigv4.CodeInvalidSignature, Message: "The request does not carry the signed header 'x-amz-target'.", Status: 400}},
		{"tampered signature", request{tamper: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-4]+"0000")
		}}, mismatch},
		{"signature not hex", request{tamper: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-4]+"zzzz")
		}}, mismatch},
		{"tampered date", request{tamper: func(r *http.Request) {
			r.Header.Set("X-Amz-Date", now.Add(time.Minute).Format("20060102T150405Z"))
		}}, mismatch},
		{"wrong secret", request{creds: aws.Credentials{AccessKeyID: akid, SecretAccessKey: "wrong"}}, mismatch},
		{"unknown key", request{creds: aws.Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: secret}},
			result{Code: sigv4.CodeUnrecognizedClient, Message: "The security token included in the request is invalid.", Status: 400}},
		{"16 minutes old", request{signedAt: now.Add(-16 * time.Minute)},
			result{Code: sigv4.CodeInvalidSignature, Message: "Signature expired: 20250101T114400Z is now earlier than 20250101T114500Z (20250101T120000Z - 15 min.)", Status: 400}},
		{"16 minutes ahead", request{signedAt: now.Add(16 * time.Minute)},
			result{Code: sigv4.CodeInvalidSignature, Message: "Signature not yet current: 20250101T121600Z is still later than 20250101T121500Z (20250101T120000Z + 15 min.)", Status: 400}},
		{"scope date differs from X-Amz-Date", request{tamper: func(r *http.Request) {
			r.Header.Set("X-Amz-Date", "20241231T235959Z")
		}}, result{Code: sigv4.CodeInvalidSignature, Message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20250101' != '20241231', from '20241231T235959Z'.", Status: 400}},
		{"wrong service", request{service: "lambda"},
			result{Code: sigv4.CodeInvalidSignature, Message: "Credential should be scoped to correct service: 'states'. ", Status: 400}},
		{"no authorization", request{tamper: func(r *http.Request) {
			r.Header.Del("Authorization")
		}}, result{Code: sigv4.CodeMissingAuthenticationToken, Message: "Missing Authentication Token", Status: 400}},
		{"no date", request{tamper: func(r *http.Request) {
			r.Header.Del("X-Amz-Date")
		}}, result{Code: sigv4.CodeIncompleteSignature, Message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", Status: 400}},
		{"bad date", request{tamper: func(r *http.Request) {
			r.Header.Set("X-Amz-Date", "2025-01-01T12:00:00Z")
		}}, result{Code: sigv4.CodeIncompleteSignature, Message: "Date must be in ISO-8601 'basic format'. Got '2025-01-01T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601", Status: 400}},
		{"not sigv4", request{tamper: func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer abc")
		}}, result{Code: sigv4.CodeIncompleteSignature, Message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.", Status: 400}},
		{"content sha256 mismatch", request{body: `{}`, header: map[string][]string{"X-Amz-Content-Sha256": {payloadHash("other")}}},
			result{Code: sigv4.CodeInvalidSignature, Message: "The provided 'x-amz-content-sha256' header does not match what was computed.", Status: 400}},
		{"unsigned payload", request{body: `{}`, header: map[string][]string{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}},
			result{Code: sigv4.CodeInvalidSignature, Message: "This service does not accept an unsigned payload (X-Amz-Content-Sha256: UNSIGNED-PAYLOAD).", Status: 400}},
		{"host not signed", request{tamper: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", strings.Replace(a, "SignedHeaders=host;", "SignedHeaders=", 1))
		}}, result{Code: sigv4.CodeInvalidSignature, Message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", Status: 400}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := send(t, srv, tc.rq)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Verify mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  sigv4.Config
		rq   request
		want result
	}{
		{"region allowed", sigv4.Config{Regions: []string{"eu-west-1", "us-east-1"}}, request{}, result{AccessKeyID: akid}},
		{"region refused", sigv4.Config{Regions: []string{"eu-west-1"}}, request{},
			result{Code: sigv4.CodeInvalidSignature, Message: "Credential should be scoped to a valid region, not 'us-east-1'. ", Status: 400}},
		{"second service", sigv4.Config{Services: []string{"states", "sync-states"}}, request{service: "sync-states"}, result{AccessKeyID: akid}},
		{"required header signed", sigv4.Config{RequireSignedHeaders: []string{"X-Amz-Target"}},
			request{header: map[string][]string{"X-Amz-Target": {"AWSStepFunctions.ListActivities"}}}, result{AccessKeyID: akid}},
		{"required header missing", sigv4.Config{RequireSignedHeaders: []string{"X-Amz-Target"}}, request{},
			result{Code: sigv4.CodeInvalidSignature, Message: "'x-amz-target' must be a 'SignedHeader' in the AWS Authorization.", Status: 400}},
		{"unsigned payload allowed", sigv4.Config{AllowUnsignedPayload: true},
			request{body: `{}`, header: map[string][]string{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}}, result{AccessKeyID: akid}},
		{"narrow skew", sigv4.Config{MaxSkew: 90 * time.Second}, request{signedAt: now.Add(-2 * time.Minute)},
			result{Code: sigv4.CodeInvalidSignature, Message: "Signature expired: 20250101T115800Z is now earlier than 20250101T115830Z (20250101T120000Z - 90 sec.)", Status: 400}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, defaultVerifier(tc.cfg))
			rq := tc.rq
			if rq.header["X-Amz-Content-Sha256"] != nil && tc.cfg.AllowUnsignedPayload {
				rq = rq.defaults()
				r := rq.build(t, srv.URL)
				if err := v4.NewSigner().SignHTTP(context.Background(), rq.creds, r, "UNSIGNED-PAYLOAD", rq.service, rq.region, rq.signedAt); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, do(t, srv, r)); diff != "" {
					t.Errorf("Verify mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if diff := cmp.Diff(tc.want, send(t, srv, rq)); diff != "" {
				t.Errorf("Verify mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// presign presigns rq with the SDK and returns the request to send.
func presign(t *testing.T, base string, rq request, expires string) *http.Request {
	t.Helper()
	rq = rq.defaults()
	r := rq.build(t, base)
	if expires != "" {
		q := r.URL.Query()
		q.Set("X-Amz-Expires", expires)
		r.URL.RawQuery = q.Encode()
	}
	signed, header, err := v4.NewSigner().PresignHTTP(context.Background(), rq.creds, r, payloadHash(rq.body), rq.service, rq.region, rq.signedAt)
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequest(rq.method, signed, strings.NewReader(rq.body))
	if err != nil {
		t.Fatal(err)
	}
	if rq.body == "" {
		out.Body, out.ContentLength = http.NoBody, 0
	}
	for k, vs := range header {
		if strings.EqualFold(k, "host") {
			continue
		}
		out.Header[k] = vs
	}
	if rq.tamper != nil {
		rq.tamper(out)
	}
	return out
}

func TestVerifyPresigned(t *testing.T) {
	t.Parallel()
	srv := newServer(t, defaultVerifier(sigv4.Config{}))
	ok := result{AccessKeyID: akid}
	mismatch := result{Code: sigv4.CodeInvalidSignature, Message: sigv4.MessageSignatureDoesNotMatch, Status: 400}
	for _, tc := range []struct {
		name    string
		rq      request
		expires string
		want    result
	}{
		{"get", request{method: http.MethodGet, target: "/"}, "", ok},
		{"get with query", request{method: http.MethodGet, target: "/path/%C3%A9?b=2&a=a%20b"}, "300", ok},
		{"post with body", request{method: http.MethodPost, body: `{"x":1}`}, "60", ok},
		{"signed header", request{method: http.MethodGet, header: map[string][]string{"X-Custom": {"v"}}}, "", ok},
		{"within expiry", request{method: http.MethodGet, signedAt: now.Add(-59 * time.Second)}, "60", ok},
		{"expired", request{method: http.MethodGet, signedAt: now.Add(-61 * time.Second)}, "60",
			result{Code: sigv4.CodeInvalidSignature, Message: "Signature expired: 20250101T115859Z is now earlier than 20250101T115900Z (20250101T120000Z - 60 sec.)", Status: 400}},
		{"expires too long", request{method: http.MethodGet}, "604801",
			result{Code: sigv4.CodeIncompleteSignature, Message: "X-Amz-Expires must be a whole number of seconds from 1 to 604800, got '604801'", Status: 400}},
		{"tampered query", request{method: http.MethodGet, target: "/?a=1", tamper: func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "a=1", "a=2", 1)
		}}, "", mismatch},
		{"tampered body", request{method: http.MethodPost, body: `{"x":1}`, tamper: func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(`{"x":2}`))
		}}, "", mismatch},
		{"extended expiry", request{method: http.MethodGet, signedAt: now.Add(-2 * time.Minute), tamper: func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=60", "X-Amz-Expires=600", 1)
		}}, "60", mismatch},
		{"also an authorization header", request{method: http.MethodGet, tamper: func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
		}}, "", result{Code: sigv4.CodeIncompleteSignature, Message: "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified", Status: 400}},
		{"missing signature", request{method: http.MethodGet, tamper: func(r *http.Request) {
			q := r.URL.Query()
			q.Del("X-Amz-Signature")
			r.URL.RawQuery = q.Encode()
		}}, "", result{Code: sigv4.CodeIncompleteSignature, Message: "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters.", Status: 400}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := do(t, srv, presign(t, srv.URL, tc.rq, tc.expires))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Verify mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyPresignedDisabled(t *testing.T) {
	t.Parallel()
	srv := newServer(t, defaultVerifier(sigv4.Config{DisablePresigned: true}))
	got := do(t, srv, presign(t, srv.URL, request{method: http.MethodGet}, ""))
	want := result{Code: sigv4.CodeMissingAuthenticationToken, Message: "Missing Authentication Token", Status: 400}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Verify mismatch (-want +got):\n%s", diff)
	}
}

// TestVerifyDateHeader signs with a Date header instead of X-Amz-Date, as
// SigV4 allows.
func TestVerifyDateHeader(t *testing.T) {
	t.Parallel()
	srv := newServer(t, defaultVerifier(sigv4.Config{}))
	date := now.Add(-time.Minute)
	r, err := http.NewRequest(http.MethodGet, srv.URL+"/x?y=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Date", date.Format(http.TimeFormat))
	host := strings.TrimPrefix(srv.URL, "http://")
	canonical := "GET\n/x\ny=1\ndate:" + date.Format(http.TimeFormat) + "\nhost:" + host + "\n\ndate;host\n" + payloadHash("")
	scope := "20250101/us-east-1/states/aws4_request"
	sig := hand(secret, "20250101", "us-east-1", "states", "AWS4-HMAC-SHA256\n"+date.Format("20060102T150405Z")+"\n"+scope+"\n"+payloadHash(canonical))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+akid+"/"+scope+", SignedHeaders=date;host, Signature="+sig)
	if diff := cmp.Diff(result{AccessKeyID: akid}, do(t, srv, r)); diff != "" {
		t.Errorf("Verify mismatch (-want +got):\n%s", diff)
	}
}

// TestVerifyInProcess verifies a request handed over without a network hop,
// as a client-side *http.Request (Host in URL, length in ContentLength).
func TestVerifyInProcess(t *testing.T) {
	t.Parallel()
	v := defaultVerifier(sigv4.Config{})
	body := `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:M"}`
	r := signedRequest(t, body)
	id, err := v.Verify(r, []byte(body))
	if err != nil || id != akid {
		t.Fatalf("Verify = %q, %v; want %q, nil", id, err, akid)
	}
	if _, err := v.Verify(r, []byte(body+" ")); !errors.Is(err, sigv4.ErrInvalidSignature) {
		t.Errorf("Verify(tampered body) = %v, want %v", err, sigv4.ErrInvalidSignature)
	}
}

func signedRequest(tb testing.TB, body string) *http.Request {
	tb.Helper()
	r, err := http.NewRequest(http.MethodPost, "https://states.us-east-1.amazonaws.com/", bytes.NewReader([]byte(body)))
	if err != nil {
		tb.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "AWSStepFunctions.DescribeStateMachine")
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payloadHash(body), "states", "us-east-1", now); err != nil {
		tb.Fatal(err)
	}
	return r
}

// hand computes a SigV4 signature from its definition, independently of the
// package under test.
func hand(secret, date, region, service, stringToSign string) string {
	mac := func(key []byte, s string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	k := mac([]byte("AWS4"+secret), date)
	k = mac(k, region)
	k = mac(k, service)
	k = mac(k, "aws4_request")
	return hex.EncodeToString(mac(k, stringToSign))
}

func TestErrorIs(t *testing.T) {
	t.Parallel()
	v := defaultVerifier(sigv4.Config{})
	r := signedRequest(t, "")
	r.Header.Del("Authorization")
	_, err := v.Verify(r, nil)
	if !errors.Is(err, sigv4.ErrMissingAuthenticationToken) || errors.Is(err, sigv4.ErrInvalidSignature) {
		t.Errorf("Verify without Authorization = %v; want it to match only ErrMissingAuthenticationToken", err)
	}
	if got, want := err.Error(), "sigv4: MissingAuthenticationTokenException: Missing Authentication Token"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	s := sigv4.Secret("hunter2")
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "secret", s, "keys", map[string]sigv4.Secret{"AKID": s})
	js, err := json.Marshal(map[string]sigv4.Secret{"AKID": s})
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%s %v %+v %#v %q", s, s, s, s, s),
		fmt.Sprintf("%v %#v", keys, keys), logged.String(), string(js),
	} {
		if strings.Contains(out, "hunter2") || strings.Contains(out, "EXAMPLEKEY") || strings.Contains(out, "other-secret") {
			t.Errorf("secret printed: %s", out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("output %s lacks [redacted]", out)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	v := defaultVerifier(sigv4.Config{})
	body := []byte(`{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:M","input":"{\"amount\":1050}"}`)
	r := signedRequest(b, string(body))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
}
