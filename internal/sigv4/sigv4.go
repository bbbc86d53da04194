// Package sigv4 verifies AWS Signature Version 4 on incoming HTTP requests,
// signed in the Authorization header or presigned in the query string, and
// reports failures with the error codes AWS's JSON-protocol services use.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Secret is a secret access key. It never prints its value.
type Secret string

// LogValue hides the secret from log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// String hides the secret from fmt's %s and %v.
func (Secret) String() string { return "[redacted]" }

// GoString hides the secret from fmt's %#v.
func (Secret) GoString() string { return `"[redacted]"` }

// MarshalText hides the secret from encoders.
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Payload hashes a client may send in X-Amz-Content-Sha256 instead of the
// body's SHA-256.
const (
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	timeFormat      = "20060102T150405Z"
	dateFormat      = "20060102"
	maxPresignTTL   = 7 * 24 * time.Hour
)

// Config holds the knobs of a Verifier. The zero value verifies Step
// Functions requests from any region.
type Config struct {
	// Services are the accepted service names of the credential scope.
	// Defaults to []string{"states"}.
	Services []string
	// Regions are the accepted regions of the credential scope. Defaults to
	// any region.
	Regions []string
	// MaxSkew is how far X-Amz-Date may be from the clock, either way.
	// Defaults to 15 minutes, as AWS.
	MaxSkew time.Duration
	// RequireSignedHeaders names headers (lowercase) that must be among the
	// signed ones besides host, which always must; e.g. "x-amz-target" so a
	// captured request cannot be replayed as another action. Defaults to none.
	RequireSignedHeaders []string
	// AllowUnsignedPayload accepts X-Amz-Content-Sha256: UNSIGNED-PAYLOAD.
	// Defaults to false: the body must be signed.
	AllowUnsignedPayload bool
	// DisablePresigned rejects presigned URLs (query-string signatures).
	// Defaults to false: both forms are accepted.
	DisablePresigned bool
}

// Verifier checks request signatures against a fixed set of access keys.
// It is safe for concurrent use.
type Verifier struct {
	keys  map[string]Secret
	clock func() time.Time
	cfg   Config
}

// NewVerifier returns a Verifier for keys (access key ID to secret access
// key), reading the time from clock (time.Now when nil). keys is copied.
func NewVerifier(keys map[string]Secret, clock func() time.Time, cfg Config) *Verifier {
	if clock == nil {
		clock = time.Now
	}
	if len(cfg.Services) == 0 {
		cfg.Services = []string{"states"}
	}
	if cfg.MaxSkew <= 0 {
		cfg.MaxSkew = 15 * time.Minute
	}
	k := make(map[string]Secret, len(keys))
	for id, s := range keys {
		k[id] = s
	}
	return &Verifier{keys: k, clock: clock, cfg: cfg}
}

// signature is what Verify needs from either form of signing.
type signature struct {
	auth      Authorization
	amzDate   string    // as sent, e.g. 20250101T000000Z
	at        time.Time // amzDate parsed
	expires   time.Duration
	presigned bool
}

// Verify checks r's signature over body, which must be r's whole body (the
// caller reads it, bounded, before calling). It returns the access key ID that
// signed r, or an *Error whose Code, Message and Status the API answers with.
func (v *Verifier) Verify(r *http.Request, body []byte) (accessKeyID string, err error) {
	sig, err := v.parse(r)
	if err != nil {
		return "", err
	}
	cred := sig.auth.Credential
	if err := v.checkScope(cred, sig); err != nil {
		return "", err
	}
	if err := v.checkTime(sig); err != nil {
		return "", err
	}
	secret, ok := v.keys[cred.AccessKeyID]
	if !ok {
		return "", &Error{Code: CodeUnrecognizedClient, Message: MessageUnrecognizedClient, Status: http.StatusBadRequest}
	}
	payloadHash, err := v.payloadHash(r, body, sig.presigned)
	if err != nil {
		return "", err
	}
	canonical, err := canonicalRequest(r, sig, payloadHash)
	if err != nil {
		return "", err
	}
	want := sign(secret, cred, sig.amzDate, canonical)
	got, err := hex.DecodeString(sig.auth.Signature)
	if err != nil || !hmac.Equal(got, want) {
		return "", &Error{Code: CodeInvalidSignature, Message: MessageSignatureDoesNotMatch, Status: http.StatusBadRequest}
	}
	return cred.AccessKeyID, nil
}

func (v *Verifier) parse(r *http.Request) (signature, error) {
	header := r.Header.Get("Authorization")
	q := r.URL.Query()
	if q.Has("X-Amz-Algorithm") && !v.cfg.DisablePresigned {
		if header != "" {
			return signature{}, incomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified")
		}
		return parsePresigned(q)
	}
	if header == "" {
		return signature{}, &Error{Code: CodeMissingAuthenticationToken, Message: MessageMissingAuthenticationToken, Status: http.StatusBadRequest}
	}
	auth, err := ParseAuthorization(header)
	if err != nil {
		return signature{}, err
	}
	sig := signature{auth: auth}
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		sig.amzDate = d
		if sig.at, err = time.Parse(timeFormat, d); err != nil {
			return signature{}, badDate(d)
		}
	} else if d := r.Header.Get("Date"); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			return signature{}, badDate(d)
		}
		sig.at, sig.amzDate = t.UTC(), t.UTC().Format(timeFormat)
	} else {
		return signature{}, incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	return sig, nil
}

func badDate(d string) *Error {
	return incomplete("Date must be in ISO-8601 'basic format'. Got '" + d + "'. See http://en.wikipedia.org/wiki/ISO_8601")
}

func parsePresigned(q url.Values) (signature, error) {
	var missing []string
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if q.Get(k) == "" {
			missing = append(missing, "'"+k+"'")
		}
	}
	if len(missing) > 0 {
		return signature{}, incomplete("AWS query-string parameters must include " + strings.Join(missing, ", ") + ". Re-examine the query-string parameters.")
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != Algorithm {
		return signature{}, incomplete("X-Amz-Algorithm only supports '" + Algorithm + "', got '" + alg + "'")
	}
	cred, err := ParseCredential(q.Get("X-Amz-Credential"))
	if err != nil {
		return signature{}, err
	}
	names, err := parseSignedHeaders(q.Get("X-Amz-SignedHeaders"))
	if err != nil {
		return signature{}, err
	}
	d := q.Get("X-Amz-Date")
	at, err := time.Parse(timeFormat, d)
	if err != nil {
		return signature{}, badDate(d)
	}
	sig := signature{
		auth:      Authorization{Credential: cred, SignedHeaders: names, Signature: q.Get("X-Amz-Signature")},
		amzDate:   d,
		at:        at,
		expires:   maxPresignTTL,
		presigned: true,
	}
	if e := q.Get("X-Amz-Expires"); e != "" {
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil || n <= 0 || time.Duration(n)*time.Second > maxPresignTTL {
			return signature{}, incomplete("X-Amz-Expires must be a whole number of seconds from 1 to 604800, got '" + e + "'")
		}
		sig.expires = time.Duration(n) * time.Second
	}
	return sig, nil
}

func (v *Verifier) checkScope(c Credential, sig signature) error {
	if c.Terminator != Terminator {
		return invalid("Credential should be scoped with a valid terminator: '" + Terminator + "', not '" + c.Terminator + "'. ")
	}
	if !slices.Contains(v.cfg.Services, c.Service) {
		return invalid("Credential should be scoped to correct service: '" + v.cfg.Services[0] + "'. ")
	}
	if len(v.cfg.Regions) > 0 && !slices.Contains(v.cfg.Regions, c.Region) {
		return invalid("Credential should be scoped to a valid region, not '" + c.Region + "'. ")
	}
	if day := sig.at.Format(dateFormat); c.Date != day {
		return invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" + c.Date + "' != '" + day + "', from '" + sig.amzDate + "'.")
	}
	if !slices.Contains(sig.auth.SignedHeaders, "host") {
		return invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	for _, h := range v.cfg.RequireSignedHeaders {
		if !slices.Contains(sig.auth.SignedHeaders, strings.ToLower(h)) {
			return invalid("'" + strings.ToLower(h) + "' must be a 'SignedHeader' in the AWS Authorization.")
		}
	}
	return nil
}

func (v *Verifier) checkTime(sig signature) error {
	now := v.clock().UTC()
	skew := v.cfg.MaxSkew
	if sig.presigned {
		if now.After(sig.at.Add(sig.expires)) {
			return invalid("Signature expired: " + sig.amzDate + " is now earlier than " + now.Add(-sig.expires).Format(timeFormat) +
				" (" + now.Format(timeFormat) + " - " + strconv.FormatInt(int64(sig.expires/time.Second), 10) + " sec.)")
		}
	} else if sig.at.Before(now.Add(-skew)) {
		return invalid("Signature expired: " + sig.amzDate + " is now earlier than " + now.Add(-skew).Format(timeFormat) +
			" (" + now.Format(timeFormat) + " - " + formatSkew(skew) + ")")
	}
	if sig.at.After(now.Add(skew)) {
		return invalid("Signature not yet current: " + sig.amzDate + " is still later than " + now.Add(skew).Format(timeFormat) +
			" (" + now.Format(timeFormat) + " + " + formatSkew(skew) + ")")
	}
	return nil
}

func formatSkew(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min."
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec."
}

func (v *Verifier) payloadHash(r *http.Request, body []byte, presigned bool) (string, error) {
	sum := sha256.Sum256(body)
	computed := hex.EncodeToString(sum[:])
	declared := r.Header.Get("X-Amz-Content-Sha256")
	if declared == "" && presigned {
		declared = r.URL.Query().Get("X-Amz-Content-Sha256")
	}
	switch {
	case declared == "":
		return computed, nil
	case declared == UnsignedPayload:
		if !v.cfg.AllowUnsignedPayload {
			return "", invalid("This service does not accept an unsigned payload (X-Amz-Content-Sha256: " + UnsignedPayload + ").")
		}
		return declared, nil
	case declared != computed:
		return "", invalid("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return computed, nil
}

// canonicalRequest builds the SigV4 canonical request of r.
func canonicalRequest(r *http.Request, sig signature, payloadHash string) (string, error) {
	var b strings.Builder
	b.Grow(256)
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery, sig.presigned))
	b.WriteByte('\n')
	for _, name := range sig.auth.SignedHeaders {
		values, ok := headerValues(r, name)
		if !ok {
			return "", invalid("The request does not carry the signed header '" + name + "'.")
		}
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range values {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(trimAll(v))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(sig.auth.SignedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String(), nil
}

// headerValues finds a signed header, including those net/http moves out of
// Header on the server side.
func headerValues(r *http.Request, name string) ([]string, bool) {
	switch name {
	case "host":
		if r.Host != "" {
			return []string{r.Host}, true
		}
		return []string{r.URL.Host}, r.URL.Host != ""
	case "content-length":
		if v := r.Header.Values("Content-Length"); len(v) > 0 {
			return v, true
		}
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}, true
		}
		return nil, false
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}, true
		}
	}
	v := r.Header.Values(name)
	return v, len(v) > 0
}

// trimAll trims leading and trailing whitespace and collapses inner runs of
// spaces to one, as SigV4 canonical header values require.
func trimAll(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// canonicalURI encodes the path as sent once more, as every service but S3
// expects (the SDKs' signers do the same).
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if u.Opaque != "" {
		p = u.Opaque
		if strings.HasPrefix(p, "//") {
			p = p[2:]
		}
		if i := strings.IndexByte(p, '/'); i >= 0 {
			p = p[i:]
		} else {
			p = ""
		}
	}
	if p == "" {
		return "/"
	}
	return uriEncode(p, false)
}

// canonicalQuery sorts the query parameters by encoded name, then value,
// leaving out X-Amz-Signature for presigned requests.
func canonicalQuery(raw string, presigned bool) string {
	if raw == "" {
		return ""
	}
	type param struct{ k, v string }
	var params []param
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = queryUnescape(k), queryUnescape(v)
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		params = append(params, param{uriEncode(k, true), uriEncode(v, true)})
	}
	slices.SortFunc(params, func(a, b param) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

func queryUnescape(s string) string {
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s // sent malformed: sign it as sent, re-encoded
	}
	return u
}

// uriEncode percent-encodes every byte outside A-Z a-z 0-9 - _ . ~ (and /
// unless encodeSlash) with uppercase hex.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && (encodeSlash || s[i] != '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (!encodeSlash && c == '/') {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// sign returns the signature of the canonical request.
func sign(secret Secret, c Credential, amzDate, canonical string) []byte {
	h := sha256.Sum256([]byte(canonical))
	stringToSign := Algorithm + "\n" + amzDate + "\n" + c.Scope() + "\n" + hex.EncodeToString(h[:])
	key := signingKey(secret, c)
	return hmacSHA256(key, stringToSign)
}

func signingKey(secret Secret, c Credential) []byte {
	k := hmacSHA256([]byte("AWS4"+string(secret)), c.Date)
	k = hmacSHA256(k, c.Region)
	k = hmacSHA256(k, c.Service)
	return hmacSHA256(k, c.Terminator)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
