package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/paytest"
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
		r := paytest.Do(t, "POST", p.url+path, string(body), stripesig.HeaderName, sig)
		return r.Status, string(r.Body)
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
	if r := paytest.Do(t, "GET", p.url+"/sandbox/v1/payment_methods", ""); r.Status != http.StatusNotFound {
		t.Errorf("GET /sandbox/… with the sandbox off = %d, want 404", r.Status)
	}
	if !strings.Contains(p.stderr.String(), "psps=stripe") {
		t.Errorf("serve did not log Stripe as its PSP:\n%s", p.stderr)
	}
	p.stop(t)
}
