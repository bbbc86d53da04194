package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/psp/stripesig"
)

// TestServeStripeWebhooks starts serve with Stripe as its only PSP and
// delivers signed and badly signed Stripe events to /webhooks/stripe.
func TestServeStripeWebhooks(t *testing.T) {
	t.Parallel()
	bin := buildPaystep(t)
	const secret = "whsec_servetest"
	p := startServe(t, bin, "--db", filepath.Join(t.TempDir(), "paystep.db"), "--sandbox=false",
		"--stripe-secret-key", "sk_test_servetest", "--stripe-webhook-secret", "whsec_old,"+secret,
		"--stripe-api-url", "http://127.0.0.1:9") // never called here
	body := []byte(`{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1700000000,"livemode":false,
"data":{"object":{"id":"pi_unknown","object":"payment_intent","status":"succeeded","amount":1050,"currency":"eur","metadata":{}}}}`)
	post := func(path, sig string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, p.url+path, strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(stripesig.HeaderName, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	now := time.Now()
	for _, tc := range []struct {
		path, sig string
		code      int
		want      string
	}{
		{"/webhooks/stripe", stripesig.Sign(now, body, "whsec_wrong"), 400, "signature"},
		{"/webhooks/stripe", stripesig.Sign(now.Add(-time.Hour), body, secret), 400, "tolerance"},
		{"/webhooks/stripe", stripesig.Sign(now, body, secret), 200, `{"received":true}`},
		{"/webhooks/stripe", stripesig.Sign(now, body, secret), 200, `"duplicate":true`},
		{"/webhooks/sandbox", stripesig.Sign(now, body, secret), 404, "no PSP named"},
	} {
		if code, got := post(tc.path, tc.sig); code != tc.code || !strings.Contains(got, tc.want) {
			t.Errorf("POST %s = %d %s, want %d with %q", tc.path, code, got, tc.code, tc.want)
		}
	}
	resp, err := http.Get(p.url + "/sandbox/v1/payment_methods")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /sandbox/… with the sandbox off = %d, want 404", resp.StatusCode)
	}
	if !strings.Contains(p.stderr.String(), "psps=stripe") {
		t.Errorf("serve did not log Stripe as its PSP:\n%s", p.stderr)
	}
	p.stop(t)
}
