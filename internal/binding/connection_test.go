package binding

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const connectionsYAML = `
ARN_OF_X: {result: 1}
$connections:
  stripe:
    api_key: {name: Authorization, value: "Bearer sk_test_1"}
    invocation_http_parameters:
      header_parameters: {Stripe-Version: "2024-06-20", X-Count: 3}
      query_string_parameters: {expand: customer}
      body_parameters: {metadata: paystep, b: yes}
  psp: {basic: {username: merchant, password: pw}}
  "arn:aws:events:eu-west-1:123456789012:connection/ledger/3f2a":
    oauth_client_credentials:
      token_url: https://auth.example/oauth/token
      client_id: ledger-client
      client_secret: cs
      scope: ledger.write
      oauth_http_parameters: {body_parameters: {audience: "https://ledger.example"}}
`

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestParseConnections(t *testing.T) {
	t.Parallel()
	y, err := Parse([]byte(connectionsYAML), FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	if got := y.ConnectionKeys(); !cmp.Equal(got, []string{"arn:aws:events:eu-west-1:123456789012:connection/ledger/3f2a", "psp", "stripe"}) {
		t.Errorf("ConnectionKeys() = %q", got)
	}
	if y.Len() != 1 || !cmp.Equal(y.Keys(), []string{"ARN_OF_X"}) {
		t.Errorf("bindings = %q; $connections is not a binding", y.Keys())
	}

	_, s, ok := y.Connection("arn:aws:events:us-east-1:123456789012:connection/stripe/0f1e")
	if !ok || s.Kind() != AuthAPIKey || s.APIKey.Name != "Authorization" || s.APIKey.Value.Value() != "Bearer sk_test_1" {
		t.Fatalf("stripe = %+v, %v", s, ok)
	}
	params := func(ps []Param) map[string]string {
		m := map[string]string{}
		for _, p := range ps {
			m[p.Key] = p.Value.Value()
		}
		return m
	}
	if diff := cmp.Diff(map[string]string{"Stripe-Version": "2024-06-20", "X-Count": "3"}, params(s.Invocation.Headers)); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if got := params(s.Invocation.Body); got["b"] != "true" || got["metadata"] != "paystep" || s.Invocation.Body[0].Key != "b" {
		t.Errorf("body parameters = %v, want sorted, yes as true", s.Invocation.Body)
	}
	if got := params(s.Invocation.Query); got["expand"] != "customer" || s.Invocation.Len() != 5 {
		t.Errorf("query parameters = %v", s.Invocation.Query)
	}

	_, p, ok := y.Connection("arn:aws:events:us-east-1:123456789012:connection/psp")
	if !ok || p.Kind() != AuthBasic || p.Basic.Username != "merchant" || p.Basic.Password.Value() != "pw" {
		t.Errorf("psp = %+v, %v", p, ok)
	}
	// Declared under an ARN: found by that ARN only.
	key, l, ok := y.Connection("arn:aws:events:eu-west-1:123456789012:connection/ledger/3f2a")
	if !ok || key != "arn:aws:events:eu-west-1:123456789012:connection/ledger/3f2a" || l.Kind() != AuthOAuth {
		t.Fatalf("ledger = %q %+v, %v", key, l, ok)
	}
	o := l.OAuth
	if o.TokenURL != "https://auth.example/oauth/token" || o.ClientID != "ledger-client" || o.ClientSecret.Value() != "cs" || o.Scope != "ledger.write" ||
		o.HTTPMethod != "POST" || o.ClientAuth != ClientAuthBasic || params(o.Params.Body)["audience"] != "https://ledger.example" {
		t.Errorf("ledger OAuth = %+v", o)
	}
	if _, _, ok := y.Connection("arn:aws:events:eu-west-1:123456789012:connection/ledger/other"); ok {
		t.Error("a connection declared under its ARN was found by another ARN of the same name")
	}
	if _, _, ok := y.Connection("arn:aws:events:us-east-1:123456789012:connection/nope/1"); ok {
		t.Error("an undeclared connection was found")
	}

	// The JSON form gives the same table.
	jt, err := Parse([]byte(connectionsJSON), FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(y.connections, jt.connections, cmp.AllowUnexported(Secret{})); diff != "" {
		t.Errorf("YAML and JSON connections differ (-yaml +json):\n%s", diff)
	}
}

// connectionsJSON is connectionsYAML written as JSON.
const connectionsJSON = `{
	"ARN_OF_X": {"result": 1},
	"$connections": {
		"stripe": {"api_key": {"name": "Authorization", "value": "Bearer sk_test_1"},
			"invocation_http_parameters": {"header_parameters": {"Stripe-Version": "2024-06-20", "X-Count": 3},
				"query_string_parameters": {"expand": "customer"}, "body_parameters": {"metadata": "paystep", "b": true}}},
		"psp": {"basic": {"username": "merchant", "password": "pw"}},
		"arn:aws:events:eu-west-1:123456789012:connection/ledger/3f2a": {"oauth_client_credentials": {
			"token_url": "https://auth.example/oauth/token", "client_id": "ledger-client", "client_secret": "cs", "scope": "ledger.write",
			"oauth_http_parameters": {"body_parameters": {"audience": "https://ledger.example"}}}}
	}}`

func TestConnectionName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		arn, name string
		ok        bool
	}{
		{"arn:aws:events:us-east-1:123456789012:connection/stripe/0f1e2d3c-aaaa-bbbb-cccc-111122223333", "stripe", true},
		{"arn:aws:events:us-east-1:123456789012:connection/stripe", "stripe", true},
		{"arn:aws-cn:events:cn-north-1:123456789012:connection/a.b_c-d/1", "a.b_c-d", true},
		{"arn:aws:events:us-east-1:123456789012:connection/", "", false},
		{"arn:aws:events:us-east-1:123456789012:connection/bad name/1", "", false},
		{"arn:aws:events:us-east-1:123456789012:connection/a/b/c", "", false},
		{"arn:aws:events:us-east-1:123456789012:api-destination/a/1", "", false},
		{"arn:aws:states:us-east-1:123456789012:connection/a/1", "", false},
		{"arn:aws:events:us-east-1:12345:connection/a/1", "", false},
		{"arn:aws:events::123456789012:connection/a/1", "", false},
		{"stripe", "", false},
		{"", "", false},
	} {
		if name, ok := ConnectionName(tc.arn); name != tc.name || ok != tc.ok {
			t.Errorf("ConnectionName(%q) = %q, %v; want %q, %v", tc.arn, name, ok, tc.name, tc.ok)
		}
	}
}

func TestParseRejectsBadConnections(t *testing.T) {
	t.Parallel()
	const basic = `basic: {username: u, password: p}`
	for _, tc := range []struct{ doc, want string }{
		{"$connections: [1]", `"$connections": want an object from connection name`},
		{"$connections: {a: 1}", `"$connections.a": want an object with one of api_key, basic or oauth_client_credentials`},
		{"$connections: {a: {}}", `"$connections.a": needs one of api_key, basic or oauth_client_credentials`},
		{"$connections: {a: {" + basic + ", api_key: {name: K, value: v}}}", `"$connections.a": has both api_key and basic`},
		{"$connections: {a: {apikey: {name: K, value: v}}}", `"$connections.a": unknown field "apikey" (a connection has api_key`},
		{"$connections: {a: {api_key: {nme: K, value: v}}}", `"$connections.a": api_key: unknown field "nme"`},
		{"$connections: {a: {api_key: {name: 5, value: v}}}", `"$connections.a": api_key.name must be a string, not number`},
		{"$connections: {a: {api_key: 5}}", `"$connections.a": api_key must be an object`},
		{"$connections: {a: {api_key: {value: v}}}", `api_key.name is required`},
		{"$connections: {a: {api_key: {name: Bad Name, value: v}}}", `api_key.name "Bad Name" is not a valid header name`},
		{"$connections: {a: {api_key: {name: Host, value: v}}}", `api_key.name "Host" is a header paystep sets itself`},
		{"$connections: {a: {api_key: {name: K}}}", `needs api_key.value or api_key.value_env`},
		{"$connections: {a: {api_key: {name: K, value: v, value_env: V}}}", `has both api_key.value and api_key.value_env: give one`},
		{"$connections: {a: {api_key: {name: K, value: \"a\\nb\"}}}", `api_key.value has a line break or NUL`},
		{"$connections: {a: {api_key: {name: K, value_env: 1BAD}}}", `api_key.value_env: "1BAD" is not an environment variable's name`},
		{"$connections: {a: {basic: {password: p}}}", `basic.username is required`},
		{"$connections: {a: {basic: {username: \"u:v\", password: p}}}", `basic.username may not hold a colon`},
		{"$connections: {a: {basic: {username: u}}}", `needs basic.password or basic.password_env`},
		{"$connections: {a: {oauth_client_credentials: {client_id: c, client_secret: s}}}", `oauth_client_credentials.token_url is required`},
		{"$connections: {a: {oauth_client_credentials: {token_url: ftp://x, client_id: c, client_secret: s}}}", `oauth_client_credentials.token_url "ftp://x" must be an http or https URL`},
		{"$connections: {a: {oauth_client_credentials: {token_url: \"https://u:p@x\", client_id: c, client_secret: s}}}", `carries credentials in the URL`},
		{"$connections: {a: {oauth_client_credentials: {token_url: \"https://x\", client_secret: s}}}", `oauth_client_credentials.client_id is required`},
		{"$connections: {a: {oauth_client_credentials: {token_url: \"https://x\", client_id: c}}}", `needs oauth_client_credentials.client_secret or oauth_client_credentials.client_secret_env`},
		{"$connections: {a: {oauth_client_credentials: {token_url: \"https://x\", client_id: c, client_secret: s, http_method: DELETE}}}", `http_method must be GET, POST or PUT, not "DELETE"`},
		{"$connections: {a: {oauth_client_credentials: {token_url: \"https://x\", client_id: c, client_secret: s, client_auth: jwt}}}", `client_auth must be basic or body, not "jwt"`},
		{"$connections: {a: {oauth_client_credentials: {token_url: \"https://x\", client_id: 5, client_secret: s}}}", `oauth_client_credentials.client_id must be a string, not number`},
		{"$connections: {a: {oauth_client_credentials: {token_url: \"https://x\", client_id: c, client_secret: s, oauth_http_parameters: {headers: {}}}}}", `oauth_client_credentials.oauth_http_parameters: unknown field "headers"`},
		{"$connections: {a: {oauth_client_credentials: {token_url: \"https://x\", client_id: c, client_secret: s, oauth_http_parameters: {header_parameters: {Authorization: x}}}}}", `oauth_client_credentials.oauth_http_parameters.header_parameters.Authorization: the connection's authorization sets this header`},
		{"$connections: {a: {" + basic + ", invocation_http_parameters: {header_parameters: {X: [1]}}}}", `invocation_http_parameters.header_parameters.X must be a string or {value_env: NAME}`},
		{"$connections: {a: {" + basic + ", invocation_http_parameters: {header_parameters: {X: {env: Y}}}}}", `invocation_http_parameters.header_parameters.X must be a string or {value_env: NAME}`},
		{"$connections: {a: {" + basic + ", invocation_http_parameters: {header_parameters: 5}}}", `invocation_http_parameters.header_parameters must be an object, not number`},
		{"$connections: {a: {" + basic + ", invocation_http_parameters: {header_parameters: {Authorization: x}}}}", `invocation_http_parameters.header_parameters.Authorization: the connection's authorization sets this header`},
		{"$connections: {a: {api_key: {name: X-Key, value: v}, invocation_http_parameters: {header_parameters: {x-key: x}}}}", `header_parameters.x-key: the connection's authorization sets this header`},
		{"$connections: {a: {" + basic + ", invocation_http_parameters: {header_parameters: {Content-Length: 1}}}}", `header_parameters.Content-Length: a header paystep sets itself`},
		{"$connections: {a: {" + basic + ", invocation_http_parameters: {header_parameters: {\"Bad Name\": x}}}}", `"Bad Name" is not a valid header name`},
		{"$connections: {a: {" + basic + ", invocation_http_parameters: {headers: {}}}}", `invocation_http_parameters: unknown field "headers"`},
		{"$connections: {\"bad name\": {" + basic + "}}", `"$connections.bad name": the key is neither a connection name`},
		{`{"$connections": {"a": {"basic": {"username": "u", "password": "p"}}, "a": {}}}`, `"$connections.a": is declared twice`},
		{`{"$connections": {}, "$connections": {}}`, `"$connections": appears twice`},
		{"$conections: {}", `"$conections": keys starting with $ are reserved: $connections is the only one`},
		{"{\n  \"$connections\": {\"a\": {\"basic\": {\"username\": tru}}}\n}", `invalid JSON at line 2, column`},
	} {
		_, err := Parse([]byte(tc.doc), FormatAuto)
		var be *Error
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &be) {
			t.Errorf("Parse(%q) error = %v, want an *Error containing %q", tc.doc, err, tc.want)
		}
	}
}

func TestConnectionSecretsFromTheEnvironment(t *testing.T) {
	t.Parallel()
	doc := `
$connections:
  a:
    api_key: {name: X-Key, value_env: A_KEY}
    invocation_http_parameters: {query_string_parameters: {token: {value_env: A_TOKEN}}}
  b: {basic: {username: u, password_env: B_PASSWORD}}
  c: {oauth_client_credentials: {token_url: "https://auth", client_id: c, client_secret_env: C_SECRET}}
`
	env := map[string]string{"A_KEY": "key-1", "A_TOKEN": "tok-1", "B_PASSWORD": "pw-1", "C_SECRET": "cs-1"}
	tb, err := ParseWith([]byte(doc), FormatYAML, Options{LookupEnv: lookupIn(env)})
	if err != nil {
		t.Fatal(err)
	}
	_, a, _ := tb.Connection("a")
	_, b, _ := tb.Connection("b")
	_, c, _ := tb.Connection("c")
	if a.APIKey.Value.Value() != "key-1" || a.APIKey.Value.Env() != "A_KEY" || a.Invocation.Query[0].Value.Value() != "tok-1" ||
		b.Basic.Password.Value() != "pw-1" || c.OAuth.ClientSecret.Value() != "cs-1" {
		t.Errorf("secrets = %q %q %q %q", a.APIKey.Value.Value(), a.Invocation.Query[0].Value.Value(), b.Basic.Password.Value(), c.OAuth.ClientSecret.Value())
	}

	// Every missing or empty variable is named with its field; values never appear.
	env = map[string]string{"A_KEY": "", "C_SECRET": "cs-secret-value"}
	_, err = ParseWith([]byte(doc), FormatYAML, Options{LookupEnv: lookupIn(env)})
	for _, want := range []string{
		`"$connections.a": api_key.value_env: the environment variable A_KEY is empty`,
		`"$connections.a": invocation_http_parameters.query_string_parameters.token.value_env: the environment variable A_TOKEN is not set`,
		`"$connections.b": basic.password_env: the environment variable B_PASSWORD is not set`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v, want it to contain %q", err, want)
		}
	}
	if err != nil && (strings.Contains(err.Error(), "cs-secret-value") || strings.Contains(err.Error(), `"$connections.c"`)) {
		t.Errorf("error = %v: it names the connection that is fine, or shows its secret", err)
	}
	// Parse has no environment.
	if _, err := Parse([]byte(doc), FormatYAML); err == nil || !strings.Contains(err.Error(), "A_KEY is not set") {
		t.Errorf("Parse error = %v, want A_KEY not set", err)
	}
}

// Not parallel: it sets the process environment, which Load reads.
func TestLoadReadsSecretsFromTheProcessEnvironment(t *testing.T) {
	t.Setenv("PAYSTEP_TEST_CONNECTION_KEY", "from-the-process")
	p := filepath.Join(t.TempDir(), "bindings.yaml")
	doc := "$connections: {a: {api_key: {name: X-Key, value_env: PAYSTEP_TEST_CONNECTION_KEY}}}\n"
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	tb, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, a, _ := tb.Connection("a"); a.APIKey.Value.Value() != "from-the-process" {
		t.Errorf("value = %q", a.APIKey.Value.Value())
	}
	t.Setenv("PAYSTEP_TEST_CONNECTION_KEY", "")
	if _, err := Load(p); err == nil || !strings.HasPrefix(err.Error(), p+": bindings: ") || !strings.Contains(err.Error(), "PAYSTEP_TEST_CONNECTION_KEY is empty") {
		t.Errorf("Load error = %v", err)
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	t.Parallel()
	const secret = "sk_live_do_not_print"
	tb, err := Parse([]byte(`$connections: {a: {api_key: {name: K, value: `+secret+`}, invocation_http_parameters: {body_parameters: {pin: `+secret+`}}},
		b: {basic: {username: u, password: `+secret+`}},
		c: {oauth_client_credentials: {token_url: "https://x", client_id: c, client_secret: `+secret+`}}}`), FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	text := slog.New(slog.NewTextHandler(&out, nil))
	js := slog.New(slog.NewJSONHandler(&out, nil))
	for _, key := range tb.ConnectionKeys() {
		_, c, _ := tb.Connection(key)
		fmt.Fprintf(&out, "%v %+v %#v %s %q\n", c, c, c, c.Invocation, c.Invocation.Body)
		for _, s := range []Secret{secretOf(c), NewSecret(secret)} {
			fmt.Fprintf(&out, "%v %+v %#v %s %q %x %d\n", s, s, s, s, s, s, s)
			text.Info("secret", "s", s, "c", c, "api_key", c.APIKey, "basic", c.Basic, "oauth", c.OAuth)
			js.Info("secret", "s", s, "c", c, "api_key", c.APIKey, "basic", c.Basic, "oauth", c.OAuth)
			b, _ := json.Marshal(s)
			out.Write(b)
		}
		b, _ := json.Marshal(c)
		out.Write(b)
	}
	b, _ := json.Marshal(tb)
	out.Write(b)
	if strings.Contains(out.String(), secret) {
		t.Errorf("a secret printed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "[redacted]") {
		t.Errorf("nothing says [redacted]; the test printed nothing useful:\n%s", out.String())
	}
	if NewSecret(secret).Value() != secret {
		t.Error("Value does not return the secret")
	}
}

func secretOf(c Connection) Secret {
	switch {
	case c.APIKey != nil:
		return c.APIKey.Value
	case c.Basic != nil:
		return c.Basic.Password
	}
	return c.OAuth.ClientSecret
}

// MarshalJSON writes secrets from the environment as their variable and
// those written in the file as [redacted], so the table round-trips
// without them.
func TestMarshalWritesNoSecrets(t *testing.T) {
	t.Parallel()
	doc := `$connections: {a: {api_key: {name: K, value_env: A_KEY}, invocation_http_parameters: {header_parameters: {X-T: {value_env: A_T}, X-U: plain}}},
		b: {basic: {username: u, password: written-in-the-file}}}`
	opts := Options{LookupEnv: lookupIn(map[string]string{"A_KEY": "env-secret", "A_T": "env-t"})}
	tb, err := ParseWith([]byte(doc), FormatYAML, opts)
	if err != nil {
		t.Fatal(err)
	}
	first, err := json.Marshal(tb)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"env-secret", "env-t", "written-in-the-file", "plain"} {
		if bytes.Contains(first, []byte(s)) {
			t.Errorf("MarshalJSON shows %q: %s", s, first)
		}
	}
	for _, s := range []string{`"value_env":"A_KEY"`, `"X-T":{"value_env":"A_T"}`, `"password":"[redacted]"`, `"X-U":"[redacted]"`} {
		if !bytes.Contains(first, []byte(s)) {
			t.Errorf("MarshalJSON lacks %s: %s", s, first)
		}
	}
	again, err := ParseWith(first, FormatJSON, opts)
	if err != nil {
		t.Fatalf("Parse(Marshal(t)) = %v\n%s", err, first)
	}
	if _, a, _ := again.Connection("a"); a.APIKey.Value.Value() != "env-secret" {
		t.Errorf("the environment secret did not come back: %q", a.APIKey.Value.Value())
	}
	second, _ := json.Marshal(again)
	if !bytes.Equal(first, second) {
		t.Errorf("not stable:\n%s\n%s", first, second)
	}
}
