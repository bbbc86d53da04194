// Package sfnclient is a small client of the Step Functions API (AWS JSON 1.0
// over HTTP) built on the wire types: one POST per call on keep-alive
// connections, SigV4-signed when credentials are set, unsigned otherwise.
// The CLI and the benchmark driver use it; it costs far less CPU per call
// than the AWS SDK, which matters when the client shares the machine with
// the server it measures.
package sfnclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/sigv4"
)

// Credentials sign requests with SigV4.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey sigv4.Secret
	SessionToken    string // optional
}

// Config configures a Client.
type Config struct {
	// Endpoint is the server's base URL, such as "http://127.0.0.1:8080".
	// Required.
	Endpoint string
	// HTTPClient sends the requests. Defaults to a client whose transport
	// keeps up to MaxIdleConns idle connections to the server.
	HTTPClient *http.Client
	// MaxIdleConns bounds the idle keep-alive connections of the default
	// HTTPClient. Defaults to 64.
	MaxIdleConns int
	// Credentials sign every request; nil sends them unsigned.
	Credentials *Credentials
	// Region goes into the signature's scope. Defaults to "us-east-1".
	Region string
	// Timeout bounds each call, long polls included. Defaults to 75s: a
	// GetActivityTask long poll lasts up to 60s.
	Timeout time.Duration
	// Clock dates signatures. Defaults to clock.System{}.
	Clock clock.Clock
}

// Client calls a Step Functions endpoint. It is safe for concurrent use.
type Client struct {
	url     string
	http    *http.Client
	creds   *Credentials
	region  string
	timeout time.Duration
	clock   clock.Clock
	signer  *v4.Signer
}

// New returns a client of cfg.Endpoint.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q is not an http:// or https:// URL with a host", cfg.Endpoint)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("endpoint %q has a query or fragment", cfg.Endpoint)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	c := &Client{url: u.String(), http: cfg.HTTPClient, creds: cfg.Credentials, region: cfg.Region, timeout: cfg.Timeout, clock: cfg.Clock}
	if c.http == nil {
		c.http = NewHTTPClient(cfg.MaxIdleConns)
	}
	if c.region == "" {
		c.region = "us-east-1"
	}
	if c.timeout <= 0 {
		c.timeout = 75 * time.Second
	}
	if c.clock == nil {
		c.clock = clock.System{}
	}
	if c.creds != nil {
		if c.creds.AccessKeyID == "" || c.creds.SecretAccessKey == "" {
			return nil, errors.New("credentials need both an access key ID and a secret access key")
		}
		c.signer = v4.NewSigner()
	}
	return c, nil
}

// NewHTTPClient returns an HTTP client for one server: keep-alive with up to
// maxIdle idle connections (64 when maxIdle <= 0), no proxy.
func NewHTTPClient(maxIdle int) *http.Client {
	if maxIdle <= 0 {
		maxIdle = 64
	}
	return &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        maxIdle,
		MaxIdleConnsPerHost: maxIdle,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}}
}

// Endpoint returns the URL requests go to.
func (c *Client) Endpoint() string { return c.url }

// HTTPError is an answer that is not the API's: a status other than 200
// without an AWS error body (a proxy, another server on the port).
type HTTPError struct {
	Status int
	Body   string // the start of the body
}

func (e *HTTPError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("HTTP %d without an error body", e.Status)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body)
}

// Call sends action with in as its request and decodes the answer into out
// (nil discards it). An error answer of the API is returned as a
// *wire.Error whose Code is AWS's error code; any other non-200 answer as an
// *HTTPError; both wrapped with the action's name.
func (c *Client) Call(ctx context.Context, action string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: encode request: %w", action, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	req.Header.Set("Content-Type", wire.ContentType)
	req.Header.Set("X-Amz-Target", wire.TargetPrefix+action)
	if c.signer != nil {
		if err := c.sign(ctx, req, body); err != nil {
			return fmt.Errorf("%s: sign: %w", action, err)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: read response: %w", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %w", action, decodeError(resp.StatusCode, data))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: decode response: %w", action, err)
	}
	return nil
}

func (c *Client) sign(ctx context.Context, req *http.Request, body []byte) error {
	sum := sha256.Sum256(body)
	creds := aws.Credentials{
		AccessKeyID:     c.creds.AccessKeyID,
		SecretAccessKey: string(c.creds.SecretAccessKey),
		SessionToken:    c.creds.SessionToken,
	}
	return c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "states", c.region, c.clock.Now())
}

// decodeError reads an error answer: AWS's {"__type","message"} body, whose
// code may come as "namespace#Code" or "Code:detail" from other servers.
func decodeError(status int, data []byte) error {
	var e wire.Error
	if json.Unmarshal(data, &e) == nil && e.Code != "" {
		if _, code, ok := strings.Cut(e.Code, "#"); ok {
			e.Code = code
		}
		e.Code, _, _ = strings.Cut(e.Code, ":")
		if e.Message == "" {
			// Some servers spell it "Message".
			var alt struct{ Message string }
			_ = json.Unmarshal(data, &alt)
			e.Message = alt.Message
		}
		e.Status = status
		return &e
	}
	snippet := strings.TrimSpace(string(data))
	if len(snippet) > 200 {
		snippet = snippet[:200] + "…"
	}
	return &HTTPError{Status: status, Body: snippet}
}

// Unreachable reports whether err says that no server listens at the
// endpoint (connection refused, unknown host).
func Unreachable(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// Code returns the API error code err carries, or "".
func Code(err error) string {
	var e *wire.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
