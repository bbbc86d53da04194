package sigv4_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/sigv4"
)

// FuzzParseAuthorization checks that parsing never panics, that every error is
// an IncompleteSignatureException, and that parse → format → parse is stable.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/states/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
		"AWS4-HMAC-SHA256 Credential=A/20250101/r/s/aws4_request,SignedHeaders=host,Signature=00",
		"AWS4-HMAC-SHA256 Credential= AKID /20250101/us-east-1/states/aws4_request, Signature=ab",
		"AWS4-HMAC-SHA512 Credential=x",
		"Bearer token",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e, Credential=a/b/c/d/e",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=Host, Signature=1",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		a, err := sigv4.ParseAuthorization(header)
		if err != nil {
			if !errors.Is(err, sigv4.ErrIncompleteSignature) {
				t.Fatalf("ParseAuthorization(%q) = %v, want an IncompleteSignatureException", header, err)
			}
			return
		}
		again, err := sigv4.ParseAuthorization(a.String())
		if err != nil {
			t.Fatalf("ParseAuthorization(%q) = %v after formatting %q", a.String(), err, header)
		}
		if diff := cmp.Diff(a, again); diff != "" {
			t.Fatalf("parse → format → parse of %q changed it (-first +second):\n%s", header, diff)
		}
	})
}

// FuzzVerify feeds arbitrary Authorization headers, dates and query strings to
// Verify: it must not panic and must answer an *sigv4.Error.
func FuzzVerify(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20250101T120000Z", "a=1&b=%20", []byte("{}"))
	f.Add("", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Fstates%2Faws4_request&X-Amz-Date=20250101T120000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires=60", []byte(nil))
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/states/aws4_request, SignedHeaders=content-length;host;transfer-encoding, Signature=zz", "20250101T120000Z", "%zz=%", []byte("x"))
	v := sigv4.NewVerifier(keys, func() time.Time { return now }, sigv4.Config{})
	f.Fuzz(func(t *testing.T, auth, date, rawQuery string, body []byte) {
		r := &http.Request{
			Method: http.MethodPost,
			URL:    &url.URL{Path: "/", RawQuery: rawQuery},
			Host:   "states.us-east-1.amazonaws.com",
			Header: http.Header{},
		}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if date != "" {
			r.Header.Set("X-Amz-Date", date)
		}
		_, err := v.Verify(r, body)
		var e *sigv4.Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("Verify = %v, want an *sigv4.Error", err)
		}
	})
}
