package resource

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/binding"
	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/engine"
)

const connARN = "arn:aws:events:us-east-1:123456789012:connection/%s/0f1e2d3c-aaaa-bbbb-cccc-111122223333"

// connTask is an http:invoke input calling url through the connection name.
func connTask(method, url, name, extra string) string {
	if extra != "" {
		extra = ", " + extra
	}
	return fmt.Sprintf(`{"ApiEndpoint": %q, "Method": %q, "Authentication": {"ConnectionArn": %q}%s}`, url, method, fmt.Sprintf(connARN, name), extra)
}

func TestHTTPInvokeSendsEachKindOfCredentials(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, replyJSON(200, `{}`))
	tokens := newTokenServer(t, 3600)
	r := newRegistry(t, local, fmt.Sprintf(`
$connections:
  stripe: {api_key: {name: Authorization, value: "Bearer sk_test_123"}}
  keyed: {api_key: {name: X-Api-Key, value: k-42}}
  psp: {basic: {username: "merchant 1", password: "pä:ss"}}
  ledger:
    oauth_client_credentials: {token_url: %q, client_id: ledger-client, client_secret: cs-1}
  "arn:aws:events:eu-west-1:123456789012:connection/byarn/77":
    api_key: {name: X-Api-Key, value: by-arn}
`, tokens.URL+"/token"))
	for _, tc := range []struct {
		name, arn, header, want string
	}{
		{"api key as Authorization", fmt.Sprintf(connARN, "stripe"), "Authorization", "Bearer sk_test_123"},
		{"api key in its own header", fmt.Sprintf(connARN, "keyed"), "X-Api-Key", "k-42"},
		{"basic", fmt.Sprintf(connARN, "psp"), "Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("merchant 1:pä:ss"))},
		{"oauth", fmt.Sprintf(connARN, "ledger"), "Authorization", "Bearer at-1-SECRET"},
		{"by name without an id", "arn:aws:events:us-east-1:123456789012:connection/keyed", "X-Api-Key", "k-42"},
		{"by its ARN", "arn:aws:events:eu-west-1:123456789012:connection/byarn/77", "X-Api-Key", "by-arn"},
		{"through InvocationConfig", fmt.Sprintf(connARN, "keyed"), "X-Api-Key", "k-42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the requests are told apart by their order.
			field := "Authentication"
			if strings.Contains(tc.name, "InvocationConfig") {
				field = "InvocationConfig"
			}
			before := len(srv.requests())
			_, err := invoke(t, r, HTTPInvoke, fmt.Sprintf(`{"ApiEndpoint": %q, "Method": "GET", %q: {"ConnectionArn": %q}}`, srv.URL+"/v1", field, tc.arn))
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.requests()
			if len(reqs) != before+1 {
				t.Fatalf("the server got %d requests, want %d", len(reqs), before+1)
			}
			if got := reqs[before].Header.Values(tc.header); !cmp.Equal(got, []string{tc.want}) {
				t.Errorf("%s = %q, want %q", tc.header, got, tc.want)
			}
		})
	}
	if n := tokens.fetches(); n != 1 {
		t.Errorf("the token endpoint got %d requests, want 1", n)
	}
}

// tokenServer is an OAuth token endpoint handing out at-1, at-2, … and an
// API that accepts the tokens not revoked.
type tokenServer struct {
	*recorder
	mu        sync.Mutex
	issued    int
	expiresIn int // seconds; 0 leaves expires_in out
	revoked   map[string]bool
}

func newTokenServer(t *testing.T, expiresIn int) *tokenServer {
	ts := &tokenServer{expiresIn: expiresIn, revoked: map[string]bool{}}
	ts.recorder = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		switch r.URL.Path {
		case "/token":
			ts.issued++
			body := fmt.Sprintf(`{"access_token": "at-%d-SECRET", "token_type": "Bearer"`, ts.issued)
			if ts.expiresIn > 0 {
				body += fmt.Sprintf(`, "expires_in": %d`, ts.expiresIn)
			}
			replyJSON(200, body+"}")(w, r)
		case "/api":
			tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || ts.revoked[tok] || !strings.HasSuffix(tok, "-SECRET") {
				replyJSON(401, `{"message": "token expired"}`)(w, r)
				return
			}
			replyJSON(200, fmt.Sprintf(`{"token": %q}`, tok))(w, r)
		default:
			http.NotFound(w, r)
		}
	})
	return ts
}

func (ts *tokenServer) fetches() int {
	n := 0
	for _, req := range ts.requests() {
		if req.Path == "/token" {
			n++
		}
	}
	return n
}

func (ts *tokenServer) apiCalls() []recorded {
	var out []recorded
	for _, req := range ts.requests() {
		if req.Path == "/api" {
			out = append(out, req)
		}
	}
	return out
}

func (ts *tokenServer) revoke(tok string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.revoked[tok] = true
}

func oauthDoc(tokenURL, extra string) string {
	return fmt.Sprintf(`{"$connections": {"ledger": {"oauth_client_credentials": {"token_url": %q, "client_id": "ledger-client", "client_secret": "cs-1"%s}}}}`, tokenURL, extra)
}

func TestOAuthTokenIsFetchedOnceForManyCalls(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, 3600)
	r := newRegistry(t, local, oauthDoc(ts.URL+"/token", ""))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			out, err := invoke(t, r, HTTPInvoke, connTask("GET", ts.URL+"/api", "ledger", ""))
			if err == nil && !strings.Contains(string(out), `"token":"at-1-SECRET"`) {
				err = fmt.Errorf("result %s, want at-1 used", out)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := ts.fetches(); n != 1 {
		t.Errorf("the token endpoint got %d requests for 16 concurrent calls, want 1", n)
	}
	if n := len(ts.apiCalls()); n != 16 {
		t.Errorf("the API got %d calls, want 16", n)
	}
}

func TestOAuthTokenRequestIsAClientCredentialsGrant(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, 0)
	r := newRegistry(t, local, fmt.Sprintf(`
$connections:
  header: {oauth_client_credentials: {token_url: %[1]q, client_id: "id:1", client_secret: "s&2", scope: "ledger.write ledger.read",
    oauth_http_parameters: {header_parameters: {X-Tenant: acme}, query_string_parameters: {realm: r1}, body_parameters: {audience: "https://ledger"}}}}
  body: {oauth_client_credentials: {token_url: %[1]q, client_id: id-2, client_secret: s-2, client_auth: body}}
  get: {oauth_client_credentials: {token_url: %[1]q, client_id: id-3, client_secret: s-3, http_method: GET}}
`, ts.URL+"/token?v=1"))
	for _, name := range []string{"header", "body", "get"} {
		if _, err := invoke(t, r, HTTPInvoke, connTask("GET", ts.URL+"/api", name, "")); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var reqs []recorded
	for _, req := range ts.requests() {
		if req.Path == "/token" {
			reqs = append(reqs, req)
		}
	}
	if len(reqs) != 3 {
		t.Fatalf("token requests = %+v", reqs)
	}
	form := func(s string) url.Values { v, _ := url.ParseQuery(s); return v }

	h := reqs[0]
	user, pass, _ := (&http.Request{Header: h.Header}).BasicAuth()
	if h.Method != "POST" || user != url.QueryEscape("id:1") || pass != url.QueryEscape("s&2") || h.Header.Get("X-Tenant") != "acme" ||
		h.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("basic client auth request = %+v (user %q, password %q)", h, user, pass)
	}
	if diff := cmp.Diff(url.Values{"grant_type": {"client_credentials"}, "scope": {"ledger.write ledger.read"}, "audience": {"https://ledger"}}, form(h.Body)); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(url.Values{"v": {"1"}, "realm": {"r1"}}, form(h.RawQuery)); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}

	b := reqs[1]
	if b.Header.Get("Authorization") != "" {
		t.Errorf("client_auth body sent Authorization %q", b.Header.Get("Authorization"))
	}
	if diff := cmp.Diff(url.Values{"grant_type": {"client_credentials"}, "client_id": {"id-2"}, "client_secret": {"s-2"}}, form(b.Body)); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}

	g := reqs[2]
	if g.Method != "GET" || g.Body != "" || form(g.RawQuery).Get("grant_type") != "client_credentials" {
		t.Errorf("GET token request = %+v", g)
	}
}

func TestOAuthTokenIsRefetchedWhenItExpires(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, 3600)
	clk := clock.NewFake(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	r := newRegistry(t, Config{AllowPrivate: true, Clock: clk}, oauthDoc(ts.URL+"/token", ""))
	call := func(wantToken string) {
		t.Helper()
		out, err := invoke(t, r, HTTPInvoke, connTask("GET", ts.URL+"/api", "ledger", ""))
		if err != nil || !strings.Contains(string(out), fmt.Sprintf(`"token":%q`, wantToken)) {
			t.Fatalf("Invoke = %s, %v; want %s used", out, err, wantToken)
		}
	}
	call("at-1-SECRET")
	clk.Advance(3539 * time.Second) // a minute and a second before it expires
	call("at-1-SECRET")
	clk.Advance(2 * time.Second) // within the last minute: refreshed
	call("at-2-SECRET")
	call("at-2-SECRET")
	if n := ts.fetches(); n != 2 {
		t.Errorf("the token endpoint got %d requests, want 2", n)
	}
}

func TestOAuthTokenIsRefetchedOnceAfterA401(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, 0) // no expires_in: kept until refused
	clk := clock.NewFake(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	r := newRegistry(t, Config{AllowPrivate: true, Clock: clk}, oauthDoc(ts.URL+"/token", ""))
	task := connTask("POST", ts.URL+"/api", "ledger", `"RequestBody": {"amount": 1050}`)
	if _, err := invoke(t, r, HTTPInvoke, task); err != nil {
		t.Fatal(err)
	}
	clk.Advance(240 * time.Hour)
	if _, err := invoke(t, r, HTTPInvoke, task); err != nil {
		t.Fatal(err)
	}
	if n := ts.fetches(); n != 1 {
		t.Fatalf("the token endpoint got %d requests before the 401, want 1", n)
	}

	// The API refuses at-1: a new token is fetched and the request sent again, body and all.
	ts.revoke("at-1-SECRET")
	out, err := invoke(t, r, HTTPInvoke, task)
	if err != nil || !strings.Contains(string(out), `"token":"at-2-SECRET"`) {
		t.Fatalf("Invoke after the 401 = %s, %v; want at-2 used", out, err)
	}
	calls := ts.apiCalls()
	if len(calls) != 4 {
		t.Fatalf("the API got %d calls, want 4", len(calls))
	}
	last, retried := calls[3], calls[2]
	if retried.Header.Get("Authorization") != "Bearer at-1-SECRET" || last.Header.Get("Authorization") != "Bearer at-2-SECRET" || last.Body != `{"amount":1050}` || last.Body != retried.Body {
		t.Errorf("the refused call and its retry = %+v, %+v", retried, last)
	}

	// A token refused again fails the task with the 401, after one more fetch only.
	ts.revoke("at-2-SECRET")
	ts.revoke("at-3-SECRET")
	_, err = invoke(t, r, HTTPInvoke, task)
	wantTaskError(t, err, "States.Http.StatusCode.401", "token expired")
	if n := ts.fetches(); n != 3 {
		t.Errorf("the token endpoint got %d requests, want 3", n)
	}
	if n := len(ts.apiCalls()); n != 6 {
		t.Errorf("the API got %d calls, want 6", n)
	}
}

func TestOAuthTokenEndpointFailures(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/refuses":
			replyJSON(401, `{"error": "invalid_client", "error_description": "Client authentication failed"}`)(w, r)
		case "/no-token":
			replyJSON(200, `{"token_type": "bearer"}`)(w, r)
		case "/mac":
			replyJSON(200, `{"access_token": "x", "token_type": "mac"}`)(w, r)
		case "/form":
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			_, _ = io.WriteString(w, "access_token=form-token&token_type=bearer&expires_in=60")
		default:
			replyJSON(200, `{}`)(w, r)
		}
	})
	r := newRegistry(t, local, fmt.Sprintf(`
$connections:
  refuses: {oauth_client_credentials: {token_url: %[1]q, client_id: c, client_secret: s}}
  no-token: {oauth_client_credentials: {token_url: %[2]q, client_id: c, client_secret: s}}
  mac: {oauth_client_credentials: {token_url: %[3]q, client_id: c, client_secret: s}}
  form: {oauth_client_credentials: {token_url: %[4]q, client_id: c, client_secret: s}}
`, srv.URL+"/refuses", srv.URL+"/no-token", srv.URL+"/mac", srv.URL+"/form"))
	_, err := invoke(t, r, HTTPInvoke, connTask("GET", srv.URL+"/api", "refuses", ""))
	wantTaskError(t, err, asl.ErrorTaskFailed, `the token endpoint of the connection "refuses"`, "answered 401 Unauthorized: invalid_client (Client authentication failed)")
	_, err = invoke(t, r, HTTPInvoke, connTask("GET", srv.URL+"/api", "no-token", ""))
	wantTaskError(t, err, asl.ErrorTaskFailed, "has no access_token")
	_, err = invoke(t, r, HTTPInvoke, connTask("GET", srv.URL+"/api", "mac", ""))
	wantTaskError(t, err, asl.ErrorTaskFailed, `the token_type is "mac"`)
	if _, err := invoke(t, r, HTTPInvoke, connTask("GET", srv.URL+"/api", "form", "")); err != nil {
		t.Fatal(err)
	}
	if got := srv.requests(); got[len(got)-1].Header.Get("Authorization") != "Bearer form-token" {
		t.Errorf("API call with a form-encoded token = %+v", got[len(got)-1])
	}
	for _, req := range srv.requests() {
		if req.Path == "/api" && req.Header.Get("Authorization") != "Bearer form-token" {
			t.Errorf("the API was called without a token: %+v", req)
		}
	}
}

// TestOAuthTokenFetchPassesTheAddressGuard: the API's address is allowed,
// the token endpoint's is not, and the guard refuses it before connecting.
func TestOAuthTokenFetchPassesTheAddressGuard(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, replyJSON(200, `{}`))
	r := newRegistry(t, Config{AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
		oauthDoc("http://169.254.169.254/latest/api/token", ""))
	_, err := invoke(t, r, HTTPInvoke, connTask("GET", srv.URL+"/api", "ledger", ""))
	wantTaskError(t, err, asl.ErrorTaskFailed, `the token endpoint of the connection "ledger"`, "refusing to connect to 169.254.169.254: a link-local address")
	if n := len(srv.requests()); n != 0 {
		t.Errorf("the API got %d calls without a token, want none", n)
	}
}

func TestConnectionParametersMergeWithTheTasks(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, replyJSON(200, `{}`))
	r := newRegistry(t, local, `
$connections:
  psp:
    api_key: {name: X-Api-Key, value: k}
    invocation_http_parameters:
      header_parameters: {X-Tenant: conn-tenant, Content-Type: application/vnd.psp+json}
      query_string_parameters: {api-version: "2024-06-01", page: 9}
      body_parameters: {merchant: m-1, currency: eur}
  nobody: {api_key: {name: X-Api-Key, value: k}}
`)
	last := func() recorded { reqs := srv.requests(); return reqs[len(reqs)-1] }

	_, err := invoke(t, r, HTTPInvoke, connTask("POST", srv.URL+"/pay?page=1&keep=yes", "psp",
		`"Headers": {"X-Tenant": "task-tenant", "X-Task": "t", "Content-Type": "application/json"},
		 "QueryParameters": {"page": 2, "q": "x"},
		 "RequestBody": {"currency": "usd", "amount": 1050, "nested": {"merchant": "kept"}}`))
	if err != nil {
		t.Fatal(err)
	}
	req := last()
	if req.Header.Get("X-Tenant") != "conn-tenant" || req.Header.Get("X-Task") != "t" || req.Header.Get("X-Api-Key") != "k" ||
		req.Header.Get("Content-Type") != "application/vnd.psp+json" || len(req.Header.Values("X-Tenant")) != 1 {
		t.Errorf("headers = %v", req.Header)
	}
	q, _ := url.ParseQuery(req.RawQuery)
	if diff := cmp.Diff(url.Values{"api-version": {"2024-06-01"}, "page": {"9"}, "keep": {"yes"}, "q": {"x"}}, q); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	// The task's members keep their order; the connection's value wins; new ones come last.
	if want := `{"currency":"eur","amount":1050,"nested":{"merchant":"kept"},"merchant":"m-1"}`; req.Body != want {
		t.Errorf("body = %s, want %s", req.Body, want)
	}

	// Without a RequestBody, the body parameters are the body.
	if _, err := invoke(t, r, HTTPInvoke, connTask("POST", srv.URL+"/pay", "psp", "")); err != nil {
		t.Fatal(err)
	}
	if got := last().Body; got != `{"currency":"eur","merchant":"m-1"}` {
		t.Errorf("body = %s", got)
	}

	// URL_ENCODED encodes the merged body.
	if _, err := invoke(t, r, HTTPInvoke, connTask("POST", srv.URL+"/pay", "psp",
		`"RequestBody": {"amount": 1050, "currency": "usd"}, "Transform": {"RequestBodyEncoding": "URL_ENCODED"}`)); err != nil {
		t.Fatal(err)
	}
	if got := last(); got.Body != "amount=1050&currency=eur&merchant=m-1" || got.Header.Get("Content-Type") != "application/vnd.psp+json" {
		t.Errorf("URL_ENCODED body = %s (%s)", got.Body, got.Header.Get("Content-Type"))
	}

	// A body that is not an object cannot take them: States.Runtime, as in AWS.
	before := len(srv.requests())
	for _, body := range []string{`"text"`, `[1, 2]`, `7`} {
		_, err := invoke(t, r, HTTPInvoke, connTask("POST", srv.URL+"/pay", "psp", `"RequestBody": `+body))
		wantTaskError(t, err, asl.ErrorRuntime, `RequestBody must be an object to take the body parameters of the connection "psp"`)
	}
	if n := len(srv.requests()); n != before {
		t.Errorf("the server got %d requests for bodies that cannot merge, want none", n-before)
	}

	// A connection without body parameters leaves any body alone.
	if _, err := invoke(t, r, HTTPInvoke, connTask("POST", srv.URL+"/pay", "nobody", `"RequestBody": "plain"`)); err != nil {
		t.Fatal(err)
	}
	if got := last(); got.Body != "plain" || got.RawQuery != "" {
		t.Errorf("request = %+v", got)
	}
}

func TestUnknownOrMalformedConnectionsFailTheTask(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, replyJSON(200, `{}`))
	none := newRegistry(t, local, "")
	some := newRegistry(t, local, `$connections: {psp: {api_key: {name: X-Api-Key, value: k}}, ledger: {basic: {username: u, password: p}}}`)

	arn := fmt.Sprintf(connARN, "stripe")
	_, err := invoke(t, none, HTTPInvoke, connTask("GET", srv.URL, "stripe", ""))
	wantTaskError(t, err, asl.ErrorTaskFailed, "no connection matches Authentication.ConnectionArn "+arn,
		`declare one named "stripe"`, "under $connections in the bindings file", "none are declared")
	_, err = invoke(t, some, HTTPInvoke, connTask("GET", srv.URL, "stripe", ""))
	wantTaskError(t, err, asl.ErrorTaskFailed, "declared: ledger, psp")

	for _, tc := range []struct{ params, want string }{
		{`"Authentication": {"ConnectionArn": "psp"}`, `Authentication.ConnectionArn "psp" is not an EventBridge connection ARN`},
		{`"Authentication": {}`, "Authentication.ConnectionArn is required"},
		{`"InvocationConfig": {"ConnectionArn": ""}`, "InvocationConfig.ConnectionArn is required"},
		{fmt.Sprintf(`"Authentication": {"ConnectionArn": %q}, "InvocationConfig": {"ConnectionArn": %q}`, fmt.Sprintf(connARN, "psp"), fmt.Sprintf(connARN, "ledger")),
			"name different connections"},
	} {
		_, err := invoke(t, some, HTTPInvoke, fmt.Sprintf(`{"ApiEndpoint": %q, "Method": "GET", %s}`, srv.URL, tc.params))
		wantTaskError(t, err, asl.ErrorRuntime, tc.want)
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("the server got %d requests, want none", n)
	}
}

func TestConnectionSecretsFromTheEnvironment(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, replyJSON(200, `{}`))
	env := map[string]string{"PSP_KEY": "k-from-env", "PSP_TENANT": "tenant-from-env"}
	tb, err := binding.ParseWith([]byte(`
$connections:
  psp:
    api_key: {name: X-Api-Key, value_env: PSP_KEY}
    invocation_http_parameters: {header_parameters: {X-Tenant: {value_env: PSP_TENANT}}}
`), binding.FormatYAML, binding.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	r := New(local, tb)
	t.Cleanup(r.Close)
	if _, err := invoke(t, r, HTTPInvoke, connTask("GET", srv.URL, "psp", "")); err != nil {
		t.Fatal(err)
	}
	if req := srv.only(t); req.Header.Get("X-Api-Key") != "k-from-env" || req.Header.Get("X-Tenant") != "tenant-from-env" {
		t.Errorf("headers = %v", req.Header)
	}
}

// TestConnectionRedirectsStayOnTheirOrigin: a connection's credentials go
// only where the request was sent.
func TestConnectionRedirectsStayOnTheirOrigin(t *testing.T) {
	t.Parallel()
	other := newRecorder(t, replyJSON(200, `{"other": true}`))
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		replyJSON(200, `{"same": true}`)(w, r)
	})
	r := newRegistry(t, local, `$connections: {psp: {api_key: {name: X-Api-Key, value: sk_secret}}}`)
	out, err := invoke(t, r, HTTPInvoke, connTask("GET", srv.URL+"/a?to=/b", "psp", ""))
	if err != nil || !strings.Contains(string(out), `"same":true`) {
		t.Fatalf("same-origin redirect = %s, %v", out, err)
	}
	if reqs := srv.requests(); len(reqs) != 2 || reqs[1].Path != "/b" || reqs[1].Header.Get("X-Api-Key") != "sk_secret" {
		t.Errorf("requests = %+v", reqs)
	}
	_, err = invoke(t, r, HTTPInvoke, connTask("GET", srv.URL+"/a?to="+url.QueryEscape(other.URL+"/steal"), "psp", ""))
	wantTaskError(t, err, asl.ErrorTaskFailed, "refusing to follow a redirect to "+other.URL+"/steal", `credentials of the connection "psp"`)
	if n := len(other.requests()); n != 0 {
		t.Errorf("the other origin got %d requests, want none", n)
	}
	// Without a connection, redirects are followed as before.
	if out, err := invoke(t, r, HTTPInvoke, httpTask(srv.URL+"/a?to="+url.QueryEscape(other.URL+"/x"))); err != nil || !strings.Contains(string(out), `"other":true`) {
		t.Errorf("redirect without a connection = %s, %v", out, err)
	}
}

// TestConnectionSecretsStayOutOfLogsAndCauses runs every kind of
// connection, a token refusal and failures with a logger that writes
// everything, and looks for the secrets in what it wrote and in the causes.
func TestConnectionSecretsStayOutOfLogsAndCauses(t *testing.T) {
	t.Parallel()
	secrets := []string{"sk_live_APIKEY", "pw-BASIC-secret", "cs-CLIENT-secret", "qp-QUERY-secret", "bp-BODY-secret", "hp-HEADER-secret", "at-1-SECRET", "at-2-SECRET"}
	ts := newTokenServer(t, 3600)
	var logs bytes.Buffer // the handler serializes its writes
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	doc := fmt.Sprintf(`
$connections:
  key: {api_key: {name: X-Api-Key, value: sk_live_APIKEY}}
  basic: {basic: {username: u, password: pw-BASIC-secret}}
  oauth:
    oauth_client_credentials: {token_url: %q, client_id: c, client_secret: cs-CLIENT-secret}
    invocation_http_parameters:
      query_string_parameters: {token: qp-QUERY-secret}
      body_parameters: {pin: bp-BODY-secret}
      header_parameters: {X-Secret: hp-HEADER-secret}
`, ts.URL+"/token")
	tb, err := binding.Parse([]byte(doc), binding.FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	r := New(Config{AllowPrivate: true, Logger: logger}, tb)
	t.Cleanup(r.Close)

	var causes []string
	run := func(input string) {
		out, err := r.Invoke(context.Background(), &engine.Task{Resource: HTTPInvoke, Input: []byte(input)})
		if te, ok := err.(*engine.TaskError); ok {
			causes = append(causes, te.Cause)
		}
		// Not the output: the API's answer is the task's data, and this one echoes tokens.
		logger.Info("task done", "output_bytes", len(out), "error", err)
	}
	for _, name := range []string{"key", "basic", "oauth"} {
		run(connTask("POST", ts.URL+"/api", name, `"RequestBody": {"a": 1}`)) // key and basic get 401s
		run(connTask("POST", ts.URL+"/nowhere", name, ""))
		run(connTask("POST", "http://127.0.0.1:1/refused", name, ""))
	}
	ts.revoke("at-1-SECRET")
	run(connTask("POST", ts.URL+"/api?x=1", "oauth", "")) // refused, refetched
	run(connTask("POST", ts.URL+"/api", "oauth", `"RequestBody": "text"`))

	// Log the connections themselves, every way a careless line might.
	for _, key := range tb.ConnectionKeys() {
		_, c, _ := tb.Connection(key)
		logger.Info("connection", "value", c, "ptr", &c, "key", c.APIKey, "basic", c.Basic, "oauth", c.OAuth, "params", c.Invocation)
		logger.Info(fmt.Sprintf("%v %+v %#v %s %v %+v", c, c, c, c.Invocation, c.Invocation.Body, c.Invocation.Query))
	}
	js, _ := tb.MarshalJSON()
	logger.Info("table", "json", string(js))

	text := logs.String()
	if !strings.Contains(text, "oauth token fetched") || !strings.Contains(text, "oauth token refused by the API") {
		t.Fatalf("the logs lack the token lines, so this test proves little:\n%s", text)
	}
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("the logs show the secret %q:\n%s", s, text)
		}
		for _, c := range causes {
			if strings.Contains(c, s) {
				t.Errorf("a cause shows the secret %q: %s", s, c)
			}
		}
	}
	if len(causes) < 6 {
		t.Errorf("only %d tasks failed; the failures were not exercised", len(causes))
	}
}
