package resource

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/paystep/paystep/internal/binding"
)

// connection is a connection of the bindings file, ready for http:invoke.
type connection struct {
	key    string // what it is declared under: a name or a connection ARN
	c      binding.Connection
	header http.Header  // the API key or Basic header, then the invocation header parameters
	client *http.Client // the guarded client, following redirects only to the same origin
	token  *tokenSource // OAuth only
}

func (r *Registry) newConnection(key string, c binding.Connection) *connection {
	cn := &connection{key: key, c: c, header: http.Header{}}
	for _, p := range c.Invocation.Headers {
		cn.header.Set(p.Key, p.Value.Value())
	}
	switch {
	case c.APIKey != nil:
		cn.header.Set(c.APIKey.Name, c.APIKey.Value.Value())
	case c.Basic != nil:
		cred := base64.StdEncoding.EncodeToString([]byte(c.Basic.Username + ":" + c.Basic.Password.Value()))
		cn.header.Set("Authorization", "Basic "+cred)
	case c.OAuth != nil:
		cn.token = newTokenSource()
	}
	client := *r.guarded
	check := r.guarded.CheckRedirect
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if from := via[0].URL; req.URL.Scheme != from.Scheme || req.URL.Host != from.Host {
			return &redirectError{from: from, to: req.URL, conn: key}
		}
		return check(req, via)
	}
	cn.client = &client
	return cn
}

// redirectError refuses a redirect that would carry a connection's
// credentials to another origin.
type redirectError struct {
	from, to *url.URL
	conn     string
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("refusing to follow a redirect to %s: it would carry the credentials of the connection %q, which are for %s",
		redactURL(e.to), e.conn, (&url.URL{Scheme: e.from.Scheme, Host: e.from.Host}).String())
}

// connectionFor finds the connection an HTTP Task names in
// Authentication.ConnectionArn or InvocationConfig.ConnectionArn; nil when
// it names none, which paystep allows (AWS requires one).
func (r *Registry) connectionFor(p *httpParams) (*connection, error) {
	var arn, field string
	if p.Authentication != nil {
		arn, field = p.Authentication.ConnectionArn, "Authentication.ConnectionArn"
		if arn == "" {
			return nil, runtimeError("the parameter Authentication.ConnectionArn is required with Authentication")
		}
	}
	if p.InvocationConfig != nil {
		ic := p.InvocationConfig.ConnectionArn
		switch {
		case ic == "":
			return nil, runtimeError("the parameter InvocationConfig.ConnectionArn is required with InvocationConfig")
		case arn != "" && ic != arn:
			return nil, runtimeError("Authentication.ConnectionArn and InvocationConfig.ConnectionArn name different connections (%s, %s)", arn, ic)
		}
		arn, field = ic, "InvocationConfig.ConnectionArn"
	}
	if arn == "" {
		return nil, nil
	}
	name, ok := binding.ConnectionName(arn)
	if !ok {
		return nil, runtimeError("%s %q is not an EventBridge connection ARN (arn:aws:events:REGION:ACCOUNT:connection/NAME/ID)", field, arn)
	}
	if key, _, ok := r.table.Connection(arn); ok {
		return r.conns[key], nil
	}
	declared := "none are declared"
	if keys := r.table.ConnectionKeys(); len(keys) > 0 {
		declared = "declared: " + strings.Join(keys, ", ")
	}
	return nil, taskFailed("http:invoke: no connection matches %s %s: declare one named %q (or keyed by the ARN) under %s in the bindings file (--bindings); %s",
		field, arn, name, binding.ConnectionsKey, declared)
}

// mergeQuery adds the connection's query string parameters to q; on a
// conflict the connection's value replaces the task's.
func (cn *connection) mergeQuery(q url.Values) {
	for _, p := range cn.c.Invocation.Query {
		q.Set(p.Key, p.Value.Value())
	}
}

// mergeHeader adds the connection's headers to h, replacing the task's.
func (cn *connection) mergeHeader(h http.Header) {
	for k, v := range cn.header {
		h[k] = append([]string(nil), v...)
	}
}

// mergeBody adds the connection's body parameters to a task's RequestBody:
// into its object, replacing members of the same name, or as the whole
// body when the task has none. A body that is not an object cannot take
// them: AWS fails such a task with States.Runtime.
func (cn *connection) mergeBody(raw json.RawMessage) (json.RawMessage, error) {
	params := cn.c.Invocation.Body
	if len(params) == 0 {
		return raw, nil
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	if raw[0] != '{' {
		return nil, runtimeError("RequestBody must be an object to take the body parameters of the connection %q", cn.key)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, runtimeError("RequestBody: %v", err)
	}
	used := make([]bool, len(params))
	var buf bytes.Buffer
	buf.WriteByte('{')
	member := func(key string, value []byte) {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.Write(jsonString(key))
		buf.WriteByte(':')
		buf.Write(value)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, runtimeError("RequestBody: %v", err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, runtimeError("RequestBody: %v", err)
		}
		for i, p := range params {
			if p.Key == key {
				v, used[i] = jsonString(p.Value.Value()), true
			}
		}
		member(key, v)
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return nil, runtimeError("RequestBody: %v", err)
	}
	for i, p := range params {
		if !used[i] {
			member(p.Key, jsonString(p.Value.Value()))
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
