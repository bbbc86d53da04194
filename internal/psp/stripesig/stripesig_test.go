package stripesig

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/clock"
)

var (
	now     = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	payload = []byte(`{"id":"evt_1","object":"event","type":"payment_intent.succeeded"}`)
)

// reference computes a signature independently of Compute, from the
// definition: hex(HMAC-SHA256(secret, "<t>.<payload>")).
func reference(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.%s", ts, body)
	return hex.EncodeToString(mac.Sum(nil))
}

func TestSignMatchesDefinition(t *testing.T) {
	t.Parallel()
	got := Sign(now, payload, "whsec_a", "whsec_b")
	want := fmt.Sprintf("t=%d,v1=%s,v1=%s", now.Unix(),
		reference("whsec_a", now.Unix(), payload), reference("whsec_b", now.Unix(), payload))
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerifyAcceptsAnyV1AgainstAnySecret(t *testing.T) {
	t.Parallel()
	ts := now.Unix()
	good := reference("whsec_new", ts, payload)
	other := reference("whsec_unknown", ts, payload)
	v := &Verifier{Secrets: []Secret{"whsec_old", "whsec_new"}, Clock: clock.NewFake(now)}
	for _, header := range []string{
		fmt.Sprintf("t=%d,v1=%s", ts, good),
		fmt.Sprintf("t=%d,v1=%s,v1=%s", ts, other, good), // the match is not the first v1
		fmt.Sprintf("t=%d,v0=%s,v1=%s", ts, other, good), // v0 is ignored
		fmt.Sprintf("v1=%s, t=%d", good, ts),             // order and spaces do not matter
		Sign(now, payload, "whsec_old"),                  // the other active secret
	} {
		got, err := v.Verify(header, payload)
		if err != nil || !got.Equal(now) {
			t.Errorf("Verify(%q) = %v, %v; want %v, nil", header, got, err, now)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(now)
	v := &Verifier{Secrets: []Secret{"whsec_a"}, Clock: clk}
	sig := func(at time.Time, body []byte) string { return Sign(at, body, "whsec_a") }
	for _, tc := range []struct {
		name, header string
		body         []byte
		want         error
		msg          string
	}{
		{"no header", "", payload, ErrNoHeader, "no Stripe-Signature header"},
		{"blank header", "  ", payload, ErrNoHeader, "no Stripe-Signature header"},
		{"no timestamp", "v1=" + strings.Repeat("ab", 32), payload, ErrFormat, "no t= timestamp"},
		{"no v1", "t=1,v0=" + strings.Repeat("ab", 32), payload, ErrFormat, "no v1= signature"},
		{"not key=value", "t=1,garbage", payload, ErrFormat, `at byte 4: element "garbage" is not key=value`},
		{"bad timestamp", "t=yesterday,v1=" + strings.Repeat("ab", 32), payload, ErrFormat, `timestamp "yesterday" is not unix seconds`},
		{"negative timestamp", "t=-5,v1=" + strings.Repeat("ab", 32), payload, ErrFormat, "is not unix seconds"},
		{"two timestamps", "t=1,t=2,v1=" + strings.Repeat("ab", 32), payload, ErrFormat, "at byte 4: more than one t="},
		{"short v1", "t=1,v1=abcd", payload, ErrFormat, `v1 signature "abcd" is not 64 hex digits`},
		{"non-hex v1", "t=1,v1=" + strings.Repeat("zz", 32), payload, ErrFormat, "is not 64 hex digits"},
		{"other secret", Sign(now, payload, "whsec_b"), payload, ErrNoSignature, "tried 1 signatures against 1 secrets"},
		{"tampered body", sig(now, payload), append(bytes.Clone(payload), ' '), ErrNoSignature, "no v1 signature matches"},
		{"too old", sig(now.Add(-301*time.Second), payload), payload, ErrOutsideTolerance, "is 5m1s from now, outside the 5m0s tolerance"},
		{"too new", sig(now.Add(301*time.Second), payload), payload, ErrOutsideTolerance, "outside the 5m0s tolerance"},
		{"huge timestamp", sig(time.Unix(1<<60, 0), payload), payload, ErrOutsideTolerance, "outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Verify(tc.header, tc.body)
			if !errors.Is(err, tc.want) || err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Verify(%q) = %v; want %v containing %q", tc.header, err, tc.want, tc.msg)
			}
		})
	}
}

func TestVerifyToleranceEdges(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(now)
	v := &Verifier{Secrets: []Secret{"whsec_a"}, Clock: clk}
	header := Sign(now, payload, "whsec_a")
	clk.Advance(DefaultTolerance)
	if _, err := v.Verify(header, payload); err != nil {
		t.Errorf("Verify at exactly the tolerance = %v, want nil", err)
	}
	clk.Advance(time.Second)
	if _, err := v.Verify(header, payload); !errors.Is(err, ErrOutsideTolerance) {
		t.Errorf("Verify a second past the tolerance = %v, want ErrOutsideTolerance", err)
	}
	custom := &Verifier{Secrets: []Secret{"whsec_a"}, Clock: clk, Tolerance: time.Hour}
	if _, err := custom.Verify(header, payload); err != nil {
		t.Errorf("Verify with a 1h tolerance = %v, want nil", err)
	}
}

func TestVerifyWithoutSecrets(t *testing.T) {
	t.Parallel()
	v := &Verifier{Clock: clock.NewFake(now)}
	if _, err := v.Verify(Sign(now, payload, "whsec_a"), payload); !errors.Is(err, ErrNoSecrets) {
		t.Errorf("Verify with no secrets = %v, want ErrNoSecrets", err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	s := Secret("whsec_topsecret")
	for _, got := range []string{fmt.Sprint(s), fmt.Sprintf("%v %s", s, s), s.LogValue().String()} {
		if strings.Contains(got, "topsecret") {
			t.Errorf("secret printed as %q", got)
		}
	}
}

func TestParseFormatRoundTrip(t *testing.T) {
	t.Parallel()
	in := fmt.Sprintf("t=12,v0=%s,v1=%s,v9=x,v1=%s", strings.Repeat("00", 32), strings.Repeat("ab", 32), strings.Repeat("cd", 32))
	h, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("t=12,v1=%s,v1=%s", strings.Repeat("ab", 32), strings.Repeat("cd", 32))
	if got := h.String(); got != want {
		t.Errorf("Parse(%q).String() = %s, want %s", in, got, want)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Sign(now, payload, "whsec_a", "whsec_b"))
	f.Add("t=1,v1=" + strings.Repeat("ab", 32))
	f.Add("t=,v1=")
	f.Add(",,,=")
	f.Add("t=1,t=2")
	f.Fuzz(func(t *testing.T, header string) {
		h, err := Parse(header)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrNoHeader) {
				t.Fatalf("Parse(%q) = %v, neither ErrFormat nor ErrNoHeader", header, err)
			}
			return
		}
		again, err := Parse(h.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %v after formatting %q", h.String(), err, header)
		}
		if again.String() != h.String() {
			t.Fatalf("round trip of %q: %q then %q", header, h.String(), again.String())
		}
		v := &Verifier{Secrets: []Secret{"whsec_a"}, Clock: clock.NewFake(now)}
		if _, err := v.Verify(header, payload); err == nil {
			// Only a real signature can pass.
			if _, ok := findMatch(h, payload); !ok {
				t.Fatalf("Verify(%q) accepted a header with no matching signature", header)
			}
		}
	})
}

func findMatch(h Header, body []byte) ([]byte, bool) {
	want := Compute("whsec_a", h.Timestamp, body)
	for _, s := range h.V1 {
		if hmac.Equal(s, want) {
			return s, true
		}
	}
	return nil, false
}

func BenchmarkVerify(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 4<<10)
	v := &Verifier{Secrets: []Secret{"whsec_old", "whsec_new"}, Clock: clock.NewFake(now)}
	header := Sign(now, body, "whsec_new")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(header, body); err != nil {
			b.Fatal(err)
		}
	}
}
