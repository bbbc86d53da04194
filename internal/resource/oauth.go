package resource

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/engine"
)

// tokenSource holds a connection's OAuth access token. One fetch runs at a
// time; calls that need a token meanwhile wait for it instead of fetching
// their own.
type tokenSource struct {
	lock      chan struct{} // holds one value while a caller reads or fetches the token
	token     string
	refreshAt time.Time // zero: the token is kept until an API refuses it
}

func newTokenSource() *tokenSource { return &tokenSource{lock: make(chan struct{}, 1)} }

// maxTokenResponse bounds a token endpoint's answer.
const maxTokenResponse = 64 << 10

// token returns cn's access token, fetching one when there is none, when
// it is about to expire, or when the API refused it: refused is the token
// the API answered 401 to ("" for none). A token is refreshed a minute
// before it expires (a tenth of its lifetime before, if that is shorter).
func (r *Registry) token(ctx context.Context, cn *connection, refused string) (string, error) {
	ts := cn.token
	select {
	case ts.lock <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("http:invoke: waiting for the token of the connection %q: %w", cn.key, context.Cause(ctx))
	}
	defer func() { <-ts.lock }()
	if refused != "" && ts.token == refused {
		ts.token = ""
	}
	now := r.cfg.Clock.Now()
	if ts.token != "" && (ts.refreshAt.IsZero() || now.Before(ts.refreshAt)) {
		return ts.token, nil
	}
	tok, lifetime, expires, err := r.fetchToken(ctx, cn)
	if err != nil {
		return "", err
	}
	ts.token, ts.refreshAt = tok, time.Time{}
	if expires {
		ts.refreshAt = now.Add(lifetime - min(time.Minute, lifetime/10))
	}
	r.logger.InfoContext(ctx, "oauth token fetched", "connection", cn.key, "expires_in_seconds", int64(lifetime/time.Second), "refused_before", refused != "")
	return tok, nil
}

// fetchToken asks cn's token endpoint for an access token with the client
// credentials grant, through the address guard.
// It reports whether the token expires, and when.
func (r *Registry) fetchToken(ctx context.Context, cn *connection) (token string, lifetime time.Duration, expires bool, err error) {
	o := cn.c.OAuth
	u, err := url.Parse(o.TokenURL)
	if err != nil { // binding.Parse checked it
		return "", 0, false, taskFailed("http:invoke: the connection %q: token_url: %v", cn.key, err)
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if o.Scope != "" {
		form.Set("scope", o.Scope)
	}
	if o.ClientAuth == "body" {
		form.Set("client_id", o.ClientID)
		form.Set("client_secret", o.ClientSecret.Value())
	}
	for _, p := range o.Params.Body {
		form.Set(p.Key, p.Value.Value())
	}
	q := u.Query()
	for _, p := range o.Params.Query {
		q.Set(p.Key, p.Value.Value())
	}
	var body io.Reader
	if o.HTTPMethod == http.MethodGet {
		for k, v := range form {
			q[k] = v
		}
	} else {
		body = strings.NewReader(form.Encode())
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	ctx, cancel := context.WithTimeoutCause(ctx, r.cfg.HTTPTimeout, errHTTPTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, o.HTTPMethod, u.String(), body)
	if err != nil {
		return "", 0, false, taskFailed("http:invoke: the connection %q: %v", cn.key, err)
	}
	for _, p := range o.Params.Headers {
		req.Header.Set(p.Key, p.Value.Value())
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "paystep-http-task")
	if o.ClientAuth != "body" {
		// RFC 6749 §2.3.1: both are form-encoded before they are joined.
		req.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret.Value()))
	}
	shown := redactURL(u)
	failed := func(err error) error {
		var te *engine.TaskError
		if errors.As(err, &te) {
			return &engine.TaskError{Name: te.Name, Cause: fmt.Sprintf("http:invoke: the token endpoint of the connection %q: %s", cn.key, te.Cause)}
		}
		return err
	}
	resp, err := r.guarded.Do(req)
	if err != nil {
		return "", 0, false, failed(r.transportError(ctx, u, err))
	}
	defer resp.Body.Close()
	data, err := readLimited(resp.Body, maxTokenResponse, "the answer of "+shown)
	if err != nil {
		var te *engine.TaskError
		if !errors.As(err, &te) {
			err = r.transportError(ctx, u, err)
		}
		return "", 0, false, failed(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", 0, false, taskFailed("http:invoke: the token endpoint of the connection %q, %s, answered %d %s%s",
			cn.key, shown, resp.StatusCode, statusText(resp), oauthErrorText(data))
	}
	token, lifetime, expires, err = parseToken(resp.Header.Get("Content-Type"), data)
	if err != nil {
		return "", 0, false, taskFailed("http:invoke: the token endpoint of the connection %q, %s, answered %d: %v", cn.key, shown, resp.StatusCode, err)
	}
	return token, lifetime, expires, nil
}

// parseToken reads an access token response (RFC 6749 §5.1), in JSON or,
// as some servers answer, form-encoded.
func parseToken(contentType string, data []byte) (token string, lifetime time.Duration, expires bool, err error) {
	var tok, typ, expiresIn string
	if mt := strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0])); mt == "application/x-www-form-urlencoded" {
		v, err := url.ParseQuery(string(data))
		if err != nil {
			return "", 0, false, errors.New("the form-encoded response does not parse")
		}
		tok, typ, expiresIn = v.Get("access_token"), v.Get("token_type"), v.Get("expires_in")
	} else {
		var m struct {
			AccessToken string          `json:"access_token"`
			TokenType   string          `json:"token_type"`
			ExpiresIn   json.RawMessage `json:"expires_in"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return "", 0, false, errors.New("the response is not a JSON object with an access_token")
		}
		tok, typ = m.AccessToken, m.TokenType
		expiresIn = strings.Trim(string(bytes.TrimSpace(m.ExpiresIn)), `"`)
		if expiresIn == "null" {
			expiresIn = ""
		}
	}
	switch {
	case tok == "":
		return "", 0, false, errors.New("the response has no access_token")
	case strings.ContainsAny(tok, "\r\n\x00"):
		return "", 0, false, errors.New("the access_token has a line break or NUL")
	case typ != "" && !strings.EqualFold(typ, "bearer"):
		return "", 0, false, fmt.Errorf("the token_type is %q; paystep sends only Bearer tokens", truncate(typ, 64))
	}
	if expiresIn != "" {
		secs, err := strconv.ParseFloat(expiresIn, 64)
		if err != nil || secs < 0 || secs > 1e9 {
			return "", 0, false, fmt.Errorf("expires_in %q is not a number of seconds", truncate(expiresIn, 64))
		}
		lifetime, expires = time.Duration(secs*float64(time.Second)), true
	}
	return tok, lifetime, expires, nil
}

// oauthErrorText returns ": error (error_description)" from an OAuth error
// response (RFC 6749 §5.2), or "".
func oauthErrorText(data []byte) string {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error == "" {
		return ""
	}
	s := ": " + truncate(e.Error, 128)
	if e.Description != "" {
		s += " (" + truncate(e.Description, 512) + ")"
	}
	return s
}
