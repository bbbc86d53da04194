package binding

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// ConnectionsKey is the top-level key of a bindings file under which
// connections are declared. It binds no Task: a Resource string is a URI,
// and neither a Lambda function's name nor an activity's may hold a "$".
// Every other key that starts with "$" is reserved.
//
//	$connections:
//	  stripe:   # found by arn:aws:events:REGION:ACCOUNT:connection/stripe/ID
//	    api_key: {name: Authorization, value_env: STRIPE_AUTHORIZATION}
//	    invocation_http_parameters:
//	      header_parameters: {Stripe-Version: "2024-06-20"}
const ConnectionsKey = "$connections"

// Connection is an EventBridge connection as paystep's http:invoke applies
// it: the credentials of one API (exactly one of APIKey, Basic or OAuth) and
// the parameters added to every call.
type Connection struct {
	APIKey *APIKey
	Basic  *Basic
	OAuth  *OAuth
	// Invocation is added to every call. On a conflict the connection's
	// value wins over the task's, as in AWS.
	Invocation HTTPParameters
}

// AuthKind is how a connection authorizes calls, named by its field.
type AuthKind string

// The kinds of authorization.
const (
	AuthAPIKey AuthKind = "api_key"                  // a header holding a key
	AuthBasic  AuthKind = "basic"                    // Authorization: Basic
	AuthOAuth  AuthKind = "oauth_client_credentials" // Authorization: Bearer, from a token endpoint
)

// Kind returns how c authorizes calls. A Connection that came out of Parse has exactly one.
func (c Connection) Kind() AuthKind {
	switch {
	case c.APIKey != nil:
		return AuthAPIKey
	case c.Basic != nil:
		return AuthBasic
	case c.OAuth != nil:
		return AuthOAuth
	}
	return ""
}

// APIKey sends a key in a header of its own name (EventBridge's API_KEY).
type APIKey struct {
	Name  string // the header, such as X-Api-Key or Authorization
	Value Secret
}

// Basic sends Authorization: Basic with a user name and password.
type Basic struct {
	Username string
	Password Secret
}

// OAuth gets an access token with the OAuth 2.0 client credentials grant
// (RFC 6749 §4.4) and sends it as Authorization: Bearer.
type OAuth struct {
	TokenURL     string // the token endpoint: an http or https URL
	ClientID     string
	ClientSecret Secret
	Scope        string // sent as scope when not empty
	HTTPMethod   string // POST (the default), GET or PUT
	// ClientAuth is how the client authenticates: "basic", an Authorization:
	// Basic header (RFC 6749 §2.3.1, the default), or "body", client_id and
	// client_secret in the form.
	ClientAuth string
	Params     HTTPParameters // added to every token request
}

// The ways an OAuth client authenticates to its token endpoint.
const (
	ClientAuthBasic = "basic"
	ClientAuthBody  = "body"
)

// HTTPParameters are header, query string and body parameters added to a
// request, each sorted by key.
type HTTPParameters struct {
	Headers []Param
	Query   []Param
	Body    []Param
}

// Len returns the number of parameters.
func (p HTTPParameters) Len() int { return len(p.Headers) + len(p.Query) + len(p.Body) }

// Param is one parameter. Every value is treated as a secret.
type Param struct {
	Key   string
	Value Secret
}

// Secret is a credential from a bindings file: written in it, or read from
// the environment variable it names. It never prints, logs or marshals its
// value; Value returns it.
type Secret struct {
	value string
	env   string // the variable it was read from; "" when written in the file
}

// NewSecret returns a secret holding value, as if written in a file.
func NewSecret(value string) Secret { return Secret{value: value} }

// Value returns the secret itself.
func (s Secret) Value() string { return s.value }

// Env returns the environment variable the secret was read from, or "".
func (s Secret) Env() string { return s.env }

const redacted = "[redacted]"

// String returns "[redacted]".
func (Secret) String() string { return redacted }

// Format writes "[redacted]" whatever the verb.
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue returns "[redacted]".
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON writes "[redacted]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// ConnectionName returns the name in an EventBridge connection ARN,
// arn:PARTITION:events:REGION:ACCOUNT:connection/NAME/ID (the /ID may be
// left out).
func ConnectionName(arn string) (name string, ok bool) {
	var f [6]string // arn, partition, service, region, account, resource
	rest := arn
	for i := range 5 {
		if f[i], rest, ok = strings.Cut(rest, ":"); !ok {
			return "", false
		}
	}
	f[5] = rest
	res, ok := strings.CutPrefix(f[5], "connection/")
	if f[0] != "arn" || !strings.HasPrefix(f[1], "aws") || !lowerDashes(f[1]) || f[2] != "events" ||
		f[3] == "" || !lowerDashes(f[3]) || len(f[4]) != 12 || !digits(f[4]) || !ok {
		return "", false
	}
	name, id, hasID := strings.Cut(res, "/")
	if !connectionName.MatchString(name) || (hasID && !connectionID.MatchString(id)) {
		return "", false
	}
	return name, true
}

var (
	connectionName = regexp.MustCompile(`^[.\-_A-Za-z0-9]{1,64}$`)
	connectionID   = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	envName        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Connection finds the connection that a ConnectionArn names: the one
// declared under the ARN itself, else the one declared under the ARN's
// connection name. It returns the key it was declared under.
func (t *Table) Connection(arn string) (key string, c Connection, ok bool) {
	if t == nil {
		return "", Connection{}, false
	}
	if c, ok := t.connections[arn]; ok {
		return arn, c, true
	}
	if name, ok := ConnectionName(arn); ok {
		if c, ok := t.connections[name]; ok {
			return name, c, true
		}
	}
	return "", Connection{}, false
}

// ConnectionKeys returns the keys connections are declared under, in order.
func (t *Table) ConnectionKeys() []string {
	if t == nil {
		return nil
	}
	keys := make([]string, 0, len(t.connections))
	for k := range t.connections {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// The file form of connections. Secrets are a value or a variable's name.

type connectionFile struct {
	APIKey     *apiKeyFile `json:"api_key,omitempty"`
	Basic      *basicFile  `json:"basic,omitempty"`
	OAuth      *oauthFile  `json:"oauth_client_credentials,omitempty"`
	Invocation *paramsFile `json:"invocation_http_parameters,omitempty"`
}

type apiKeyFile struct {
	Name     string  `json:"name,omitempty"`
	Value    *string `json:"value,omitempty"`
	ValueEnv string  `json:"value_env,omitempty"`
}

type basicFile struct {
	Username    string  `json:"username,omitempty"`
	Password    *string `json:"password,omitempty"`
	PasswordEnv string  `json:"password_env,omitempty"`
}

type oauthFile struct {
	TokenURL        string      `json:"token_url,omitempty"`
	ClientID        string      `json:"client_id,omitempty"`
	ClientSecret    *string     `json:"client_secret,omitempty"`
	ClientSecretEnv string      `json:"client_secret_env,omitempty"`
	Scope           string      `json:"scope,omitempty"`
	HTTPMethod      string      `json:"http_method,omitempty"`
	ClientAuth      string      `json:"client_auth,omitempty"`
	Params          *paramsFile `json:"oauth_http_parameters,omitempty"`
}

type paramsFile struct {
	Headers map[string]paramValue `json:"header_parameters,omitempty"`
	Query   map[string]paramValue `json:"query_string_parameters,omitempty"`
	Body    map[string]paramValue `json:"body_parameters,omitempty"`
}

// paramValue is a parameter's value: a string (a number or boolean stands
// for its text) or {value_env: NAME}. Anything else leaves it bad, for the
// caller to report with the parameter's name.
type paramValue struct {
	value *string
	env   string
	bad   bool
}

func (v *paramValue) UnmarshalJSON(data []byte) error {
	*v = paramValue{}
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0 || string(data) == "null" || data[0] == '[':
		v.bad = true
	case data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		v.value = &s
	case data[0] == '{':
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var o struct {
			ValueEnv string `json:"value_env"`
		}
		if err := dec.Decode(&o); err != nil || o.ValueEnv == "" {
			v.bad = true
		}
		v.env = o.ValueEnv
	default:
		s := string(data) // a number, true or false
		v.value = &s
	}
	return nil
}

func (v paramValue) MarshalJSON() ([]byte, error) {
	if v.env != "" {
		return json.Marshal(map[string]string{"value_env": v.env})
	}
	if v.value == nil {
		return []byte("null"), nil
	}
	return json.Marshal(*v.value)
}

// decodeConnections reads the $connections member. Problems are keyed
// "$connections.KEY".
func decodeConnections(raw json.RawMessage, lookupEnv func(string) (string, bool)) (map[string]Connection, []Problem) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return nil, []Problem{{ConnectionsKey, "want an object from connection name (or connection ARN) to connection"}}
	}
	members, err := splitObject(raw)
	if err != nil {
		return nil, []Problem{{ConnectionsKey, err.Error()}}
	}
	out := make(map[string]Connection, len(members))
	var problems []Problem
	for _, m := range members {
		pkey := ConnectionsKey + "." + m.key
		if _, dup := out[m.key]; dup {
			problems = append(problems, Problem{pkey, "is declared twice"})
			continue
		}
		c, msgs := decodeConnection(m.key, m.value, lookupEnv)
		for _, msg := range msgs {
			problems = append(problems, Problem{pkey, msg})
		}
		out[m.key] = c
	}
	return out, problems
}

func decodeConnection(key string, v json.RawMessage, lookupEnv func(string) (string, bool)) (Connection, []string) {
	var msgs []string
	add := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	if _, isARN := ConnectionName(key); !isARN && !connectionName.MatchString(key) {
		add("the key is neither a connection name (1–64 letters, digits and . _ -) nor a connection ARN (arn:aws:events:REGION:ACCOUNT:connection/NAME/ID)")
	}
	if t := bytes.TrimSpace(v); len(t) == 0 || t[0] != '{' {
		add("want an object with one of api_key, basic or oauth_client_credentials")
		return Connection{}, msgs
	}
	f, err := decodeConnectionFile(v)
	if err != nil {
		add("%s", err)
		return Connection{}, msgs
	}
	env := func(field, name string) (Secret, bool) {
		switch {
		case !envName.MatchString(name):
			add("%s: %q is not an environment variable's name", field, name)
		default:
			var value string
			var ok bool
			if lookupEnv != nil {
				value, ok = lookupEnv(name)
			}
			switch {
			case !ok:
				add("%s: the environment variable %s is not set", field, name)
			case value == "":
				add("%s: the environment variable %s is empty", field, name)
			default:
				return Secret{value: value, env: name}, true
			}
		}
		return Secret{}, false
	}
	// secret reads a required secret from its value or its _env field.
	secret := func(field string, value *string, envVar string) Secret {
		switch {
		case value != nil && envVar != "":
			add("has both %s and %s_env: give one", field, field)
		case envVar != "":
			s, _ := env(field+"_env", envVar)
			return s
		case value == nil || *value == "":
			add("needs %s or %s_env", field, field)
		default:
			return Secret{value: *value}
		}
		return Secret{}
	}
	params := func(field string, p *paramsFile) HTTPParameters {
		if p == nil {
			return HTTPParameters{}
		}
		list := func(sub string, m map[string]paramValue) []Param {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			out := make([]Param, 0, len(keys))
			for _, k := range keys {
				pv, name := m[k], field+"."+sub+"."+k
				if k == "" {
					add("%s.%s: a parameter needs a name", field, sub)
					continue
				}
				var s Secret
				if pv.bad {
					add("%s must be a string or {value_env: NAME}", name)
					continue
				}
				if pv.env != "" {
					var ok bool
					if s, ok = env(name+".value_env", pv.env); !ok {
						continue
					}
				} else {
					s = Secret{value: *pv.value}
				}
				out = append(out, Param{Key: k, Value: s})
			}
			return out
		}
		return HTTPParameters{
			Headers: list("header_parameters", p.Headers),
			Query:   list("query_string_parameters", p.Query),
			Body:    list("body_parameters", p.Body),
		}
	}

	var c Connection
	var kinds []string
	if f.APIKey != nil {
		kinds = append(kinds, string(AuthAPIKey))
		c.APIKey = &APIKey{Name: f.APIKey.Name, Value: secret("api_key.value", f.APIKey.Value, f.APIKey.ValueEnv)}
		switch {
		case c.APIKey.Name == "":
			add("api_key.name is required: the header that carries the key")
		case !headerName.MatchString(c.APIKey.Name):
			add("api_key.name %q is not a valid header name", c.APIKey.Name)
		case connectionReservedHeaders[strings.ToLower(c.APIKey.Name)]:
			add("api_key.name %q is a header paystep sets itself", c.APIKey.Name)
		}
		if v := c.APIKey.Value.Value(); strings.ContainsAny(v, "\r\n\x00") {
			add("api_key.value has a line break or NUL")
		} else if len(v) > maxHeaderValue {
			add("api_key.value is longer than %d bytes", maxHeaderValue)
		}
	}
	if f.Basic != nil {
		kinds = append(kinds, string(AuthBasic))
		c.Basic = &Basic{Username: f.Basic.Username, Password: secret("basic.password", f.Basic.Password, f.Basic.PasswordEnv)}
		switch {
		case c.Basic.Username == "":
			add("basic.username is required")
		case strings.ContainsAny(c.Basic.Username, ":\r\n\x00"):
			add("basic.username may not hold a colon, a line break or NUL")
		}
	}
	if f.OAuth != nil {
		kinds = append(kinds, string(AuthOAuth))
		o := f.OAuth
		c.OAuth = &OAuth{
			TokenURL: o.TokenURL, ClientID: o.ClientID, Scope: o.Scope, HTTPMethod: o.HTTPMethod, ClientAuth: o.ClientAuth,
			ClientSecret: secret("oauth_client_credentials.client_secret", o.ClientSecret, o.ClientSecretEnv),
			Params:       params("oauth_client_credentials.oauth_http_parameters", o.Params),
		}
		if c.OAuth.HTTPMethod == "" {
			c.OAuth.HTTPMethod = "POST"
		}
		if c.OAuth.ClientAuth == "" {
			c.OAuth.ClientAuth = ClientAuthBasic
		}
		if o.TokenURL == "" {
			add("oauth_client_credentials.token_url is required")
		} else if msg := checkURL(o.TokenURL); msg != "" {
			add("oauth_client_credentials.token_url %s", msg)
		}
		if o.ClientID == "" {
			add("oauth_client_credentials.client_id is required")
		}
		switch c.OAuth.HTTPMethod {
		case "GET", "POST", "PUT":
		default:
			add("oauth_client_credentials.http_method must be GET, POST or PUT, not %q", o.HTTPMethod)
		}
		switch c.OAuth.ClientAuth {
		case ClientAuthBasic, ClientAuthBody:
		default:
			add("oauth_client_credentials.client_auth must be basic or body, not %q", o.ClientAuth)
		}
		checkHeaderParams(add, "oauth_client_credentials.oauth_http_parameters", c.OAuth.Params.Headers, "authorization")
	}
	switch len(kinds) {
	case 0:
		add("needs one of api_key, basic or oauth_client_credentials")
	case 1:
	default:
		add("has both %s: a connection authorizes one way", strings.Join(kinds, " and "))
	}
	c.Invocation = params("invocation_http_parameters", f.Invocation)
	authHeader := "authorization"
	if c.APIKey != nil {
		authHeader = strings.ToLower(c.APIKey.Name)
	}
	checkHeaderParams(add, "invocation_http_parameters", c.Invocation.Headers, authHeader)
	return c, msgs
}

// connectionReservedHeaders are headers that describe the request or the
// connection itself, which a connection may not set.
var connectionReservedHeaders = map[string]bool{
	"host": true, "content-length": true, "transfer-encoding": true, "connection": true, "te": true,
	"trailer": true, "upgrade": true, "expect": true, "keep-alive": true, "proxy-connection": true,
}

func checkHeaderParams(add func(string, ...any), field string, headers []Param, authHeader string) {
	for _, h := range headers {
		name := field + ".header_parameters." + h.Key
		v := h.Value.Value()
		switch lower := strings.ToLower(h.Key); {
		case !headerName.MatchString(h.Key):
			add("%s: %q is not a valid header name", name, h.Key)
		case connectionReservedHeaders[lower]:
			add("%s: a header paystep sets itself", name)
		case lower == authHeader:
			add("%s: the connection's authorization sets this header", name)
		case strings.ContainsAny(v, "\r\n\x00"):
			add("%s has a line break or NUL in its value", name)
		case len(v) > maxHeaderValue:
			add("%s is longer than %d bytes", name, maxHeaderValue)
		}
	}
}

// checkURL returns what is wrong with an http or https URL, or "".
func checkURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Sprintf("%q is not a URL: %v", s, errors.Unwrap(err))
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("%q must be an http or https URL", s)
	case u.Host == "":
		return fmt.Sprintf("%q has no host", s)
	case u.User != nil:
		return fmt.Sprintf("%q carries credentials in the URL: use client_id and client_secret", redactUser(u))
	case u.Fragment != "":
		return fmt.Sprintf("%q has a #fragment, which is never sent", s)
	}
	return ""
}

// decodeConnectionFile decodes a connection object by object, so that
// what is wrong is named with its path: api_key.name, basic: unknown field …
func decodeConnectionFile(v json.RawMessage) (connectionFile, error) {
	var top struct {
		APIKey     json.RawMessage `json:"api_key"`
		Basic      json.RawMessage `json:"basic"`
		OAuth      json.RawMessage `json:"oauth_client_credentials"`
		Invocation json.RawMessage `json:"invocation_http_parameters"`
	}
	var f connectionFile
	if err := strictDecode("", v, &top); err != nil {
		return f, err
	}
	var oauthParams json.RawMessage
	for _, part := range []struct {
		field string
		raw   json.RawMessage
		into  any
	}{
		{"api_key", top.APIKey, &f.APIKey},
		{"basic", top.Basic, &f.Basic},
		{"oauth_client_credentials", top.OAuth, &f.OAuth},
		{"invocation_http_parameters", top.Invocation, &f.Invocation},
	} {
		raw := bytes.TrimSpace(part.raw)
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		if raw[0] != '{' {
			return f, fmt.Errorf("%s must be an object", part.field)
		}
		if part.field == "oauth_client_credentials" {
			// Its parameters are decoded on their own, for the same reason.
			var o struct {
				oauthFile
				Params json.RawMessage `json:"oauth_http_parameters"`
			}
			if err := strictDecode(part.field, raw, &o); err != nil {
				return f, err
			}
			f.OAuth, oauthParams = &o.oauthFile, o.Params
			continue
		}
		if err := strictDecode(part.field, raw, part.into); err != nil {
			return f, err
		}
	}
	if raw := bytes.TrimSpace(oauthParams); len(raw) > 0 && string(raw) != "null" {
		const field = "oauth_client_credentials.oauth_http_parameters"
		if raw[0] != '{' {
			return f, fmt.Errorf("%s must be an object", field)
		}
		if err := strictDecode(field, raw, &f.OAuth.Params); err != nil {
			return f, err
		}
	}
	return f, nil
}

// strictDecode decodes data into v, refusing unknown fields, and words an
// error with field, the path of data.
func strictDecode(field string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	prefix := ""
	if field != "" {
		prefix = field + "."
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) && ute.Field != "" {
		name := strings.ReplaceAll(ute.Field, "oauthFile.", "") // the embedded struct of decodeConnectionFile
		return fmt.Errorf("%s%s must be %s, not %s", prefix, name, wantConnectionType(name), ute.Value)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	switch {
	case field != "":
		msg = field + ": " + msg
	case strings.HasPrefix(msg, "unknown field"):
		msg += " (a connection has api_key, basic or oauth_client_credentials, and invocation_http_parameters)"
	}
	return errors.New(msg)
}

func wantConnectionType(field string) string {
	for _, obj := range []string{"header_parameters", "query_string_parameters", "body_parameters"} {
		if field == obj || strings.HasSuffix(field, "."+obj) {
			return "an object"
		}
	}
	return "a string"
}

// encodeConnections writes connections in the file form, secrets written
// in the file as "[redacted]" and those read from the environment as their
// variable.
func encodeConnections(cs map[string]Connection) map[string]connectionFile {
	secret := func(s Secret) (*string, string) {
		if s.env != "" {
			return nil, s.env
		}
		r := redacted
		return &r, ""
	}
	params := func(p HTTPParameters) *paramsFile {
		if p.Len() == 0 {
			return nil
		}
		m := func(list []Param) map[string]paramValue {
			if len(list) == 0 {
				return nil
			}
			out := make(map[string]paramValue, len(list))
			for _, p := range list {
				v, env := secret(p.Value)
				out[p.Key] = paramValue{value: v, env: env}
			}
			return out
		}
		return &paramsFile{Headers: m(p.Headers), Query: m(p.Query), Body: m(p.Body)}
	}
	out := make(map[string]connectionFile, len(cs))
	for k, c := range cs {
		var f connectionFile
		if c.APIKey != nil {
			f.APIKey = &apiKeyFile{Name: c.APIKey.Name}
			f.APIKey.Value, f.APIKey.ValueEnv = secret(c.APIKey.Value)
		}
		if c.Basic != nil {
			f.Basic = &basicFile{Username: c.Basic.Username}
			f.Basic.Password, f.Basic.PasswordEnv = secret(c.Basic.Password)
		}
		if c.OAuth != nil {
			o := c.OAuth
			f.OAuth = &oauthFile{TokenURL: o.TokenURL, ClientID: o.ClientID, Scope: o.Scope, HTTPMethod: o.HTTPMethod, ClientAuth: o.ClientAuth, Params: params(o.Params)}
			f.OAuth.ClientSecret, f.OAuth.ClientSecretEnv = secret(o.ClientSecret)
		}
		f.Invocation = params(c.Invocation)
		out[k] = f
	}
	return out
}
