// Package stripesig signs and verifies webhook payloads the way Stripe does:
// a Stripe-Signature header "t=<unix seconds>,v1=<hex>[,v1=<hex>…]" where
// each v1 is the HMAC-SHA256, keyed with the whole "whsec_…" secret, of
// "<t>.<raw body>".
//
// Verify accepts a payload when any v1 in the header matches any active
// secret (so secrets can be rolled while both are live) and the timestamp is
// within the tolerance of the injected clock. Comparisons are constant-time.
package stripesig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/clock"
)

// HeaderName is the HTTP header that carries the signature.
const HeaderName = "Stripe-Signature"

// DefaultTolerance is how far a signature's timestamp may be from now:
// Stripe's libraries use five minutes.
const DefaultTolerance = 300 * time.Second

// Secret is a webhook signing secret ("whsec_…"). It never prints its value.
type Secret string

// LogValue keeps the secret out of logs.
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// String keeps the secret out of formatted output.
func (Secret) String() string { return "[redacted]" }

// Errors callers branch on; Verify's errors wrap one of them.
var (
	ErrNoHeader         = errors.New("stripesig: no Stripe-Signature header")
	ErrFormat           = errors.New("stripesig: malformed Stripe-Signature header")
	ErrNoSignature      = errors.New("stripesig: no v1 signature matches the payload")
	ErrOutsideTolerance = errors.New("stripesig: timestamp outside the tolerance")
	ErrNoSecrets        = errors.New("stripesig: no signing secret configured")
)

const (
	maxHeaderLen          = 8 << 10
	maxSignaturesInHeader = 32
)

// FormatError says what is wrong with a header and where.
type FormatError struct {
	Offset int    // byte offset of the offending element in the header
	Msg    string // what is wrong there
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("stripesig: malformed Stripe-Signature header at byte %d: %s", e.Offset, e.Msg)
}

// Is makes errors.Is(err, ErrFormat) true.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

// ToleranceError is a timestamp too far from now.
type ToleranceError struct {
	Timestamp, Now time.Time
	Tolerance      time.Duration
}

func (e *ToleranceError) Error() string {
	return fmt.Sprintf("stripesig: timestamp %d is %s from now, outside the %s tolerance",
		e.Timestamp.Unix(), e.Now.Sub(e.Timestamp).Abs().Truncate(time.Second), e.Tolerance)
}

// Is makes errors.Is(err, ErrOutsideTolerance) true.
func (e *ToleranceError) Is(target error) bool { return target == ErrOutsideTolerance }

// Header is a parsed Stripe-Signature header.
type Header struct {
	Timestamp int64    // unix seconds, from t=
	V1        [][]byte // decoded v1 signatures, in order
}

// Parse parses a Stripe-Signature header. Elements are comma-separated
// key=value pairs; exactly one t= is required, at least one v1=; other
// schemes (v0=, future ones) are skipped as Stripe's libraries do. Each v1 must
// be 64 hex digits.
func Parse(header string) (Header, error) {
	var h Header
	if strings.TrimSpace(header) == "" {
		return h, ErrNoHeader
	}
	if len(header) > maxHeaderLen {
		return h, &FormatError{Offset: maxHeaderLen, Msg: fmt.Sprintf("longer than %d bytes", maxHeaderLen)}
	}
	sawT := false
	off := 0
	for i, part := range strings.Split(header, ",") {
		if i > 0 {
			off++ // the comma
		}
		start := off
		off += len(part)
		item := strings.TrimSpace(part)
		key, value, ok := strings.Cut(item, "=")
		if !ok || key == "" {
			return Header{}, &FormatError{Offset: start, Msg: fmt.Sprintf("element %q is not key=value", clip(item))}
		}
		switch key {
		case "t":
			if sawT {
				return Header{}, &FormatError{Offset: start, Msg: "more than one t= timestamp"}
			}
			ts, err := strconv.ParseInt(value, 10, 64)
			if err != nil || ts < 0 || value[0] == '+' {
				return Header{}, &FormatError{Offset: start, Msg: fmt.Sprintf("timestamp %q is not unix seconds", clip(value))}
			}
			h.Timestamp, sawT = ts, true
		case "v1":
			if len(h.V1) == maxSignaturesInHeader {
				return Header{}, &FormatError{Offset: start, Msg: fmt.Sprintf("more than %d v1 signatures", maxSignaturesInHeader)}
			}
			sig, err := hex.DecodeString(value)
			if err != nil || len(sig) != sha256.Size {
				return Header{}, &FormatError{Offset: start, Msg: fmt.Sprintf("v1 signature %q is not %d hex digits", clip(value), 2*sha256.Size)}
			}
			h.V1 = append(h.V1, sig)
		}
	}
	if !sawT {
		return Header{}, &FormatError{Offset: 0, Msg: "no t= timestamp"}
	}
	if len(h.V1) == 0 {
		return Header{}, &FormatError{Offset: 0, Msg: "no v1= signature"}
	}
	return h, nil
}

// String formats h as a header: "t=…,v1=…[,v1=…]".
func (h Header) String() string {
	var b strings.Builder
	b.WriteString("t=")
	b.WriteString(strconv.FormatInt(h.Timestamp, 10))
	for _, s := range h.V1 {
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(s))
	}
	return b.String()
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Compute returns the v1 signature of payload at unix time ts with secret.
func Compute(secret Secret, ts int64, payload []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	var buf [20]byte
	mac.Write(strconv.AppendInt(buf[:0], ts, 10))
	mac.Write([]byte{'.'})
	mac.Write(payload)
	return mac.Sum(nil)
}

// Sign returns the Stripe-Signature header for payload signed at t with each
// of secrets (one v1 per secret, as Stripe does while a secret is rolled).
func Sign(t time.Time, payload []byte, secrets ...Secret) string {
	h := Header{Timestamp: t.Unix()}
	for _, s := range secrets {
		h.V1 = append(h.V1, Compute(s, h.Timestamp, payload))
	}
	return h.String()
}

// Verifier checks signatures against the active secrets.
type Verifier struct {
	// Secrets are the active signing secrets; a payload signed with any of
	// them is accepted.
	Secrets []Secret
	// Tolerance is how far the timestamp may be from now, either way.
	// Defaults to DefaultTolerance.
	Tolerance time.Duration
	// Clock defaults to clock.System{}.
	Clock clock.Clock
}

// Verify checks header against payload, the raw request body, and returns
// the signature's time. It tries every v1 against every secret, all of them
// in constant time, and only then looks at the timestamp, so a bad signature
// is reported as such whatever its age.
func (v *Verifier) Verify(header string, payload []byte) (time.Time, error) {
	h, err := Parse(header)
	if err != nil {
		return time.Time{}, err
	}
	if len(v.Secrets) == 0 {
		return time.Time{}, ErrNoSecrets
	}
	matched := false
	for _, secret := range v.Secrets {
		want := Compute(secret, h.Timestamp, payload)
		for _, got := range h.V1 {
			if hmac.Equal(want, got) {
				matched = true
			}
		}
	}
	if !matched {
		return time.Time{}, fmt.Errorf("%w (tried %d signatures against %d secrets)", ErrNoSignature, len(h.V1), len(v.Secrets))
	}
	clk := v.Clock
	if clk == nil {
		clk = clock.System{}
	}
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	ts, now := time.Unix(h.Timestamp, 0).UTC(), clk.Now()
	if now.Sub(ts).Abs() > tol {
		return ts, &ToleranceError{Timestamp: ts, Now: now, Tolerance: tol}
	}
	return ts, nil
}
