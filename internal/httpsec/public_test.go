package httpsec_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/httpsec"
)

func TestPublic(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(start)
	pub := httpsec.NewPublic(httpsec.PublicConfig{
		API:            httpsec.LimitConfig{Every: time.Second, Burst: 3},
		PublishableKey: httpsec.LimitConfig{Every: time.Second, Burst: 2},
		// Page and Tokenize keep their defaults.
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Clock:          clk,
	})
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'")
		ok(w, r)
	})
	mux := http.NewServeMux()
	mux.Handle("/v1/", pub.API(http.HandlerFunc(ok)))
	mux.Handle("/pay/", pub.Page(page))
	mux.Handle("/sandbox/v1/payment_methods", pub.Tokenize(http.HandlerFunc(ok)))
	mux.Handle("/sandbox/", pub.Headers(http.HandlerFunc(ok)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := srv.Client()
	from := func(addr string, header ...string) []string {
		return append([]string{"X-Forwarded-For", addr}, header...)
	}

	type call struct {
		path   string
		header []string
		status int
		retry  string
	}
	run := func(name string, calls []call) {
		t.Helper()
		for i, cl := range calls {
			resp := get(t, c, srv.URL+cl.path, cl.header...)
			if resp.StatusCode != cl.status || resp.Header.Get("Retry-After") != cl.retry {
				t.Errorf("%s #%d GET %s %q = %d Retry-After %q; want %d %q", name, i, cl.path, cl.header, resp.StatusCode,
					resp.Header.Get("Retry-After"), cl.status, cl.retry)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("%s #%d: no security headers on a %d", name, i, resp.StatusCode)
			}
		}
	}

	// The API: three per address; a publishable key two, from any address.
	run("api", []call{
		{"/v1/payments", from("198.51.100.1"), 200, ""},
		{"/v1/payments", from("198.51.100.1"), 200, ""},
		{"/v1/payments", from("198.51.100.1"), 200, ""},
		{"/v1/payments", from("198.51.100.1"), 429, "1"},
		{"/v1/payments", from("198.51.100.2", "Authorization", "Bearer pk_a"), 200, ""},
		{"/v1/payments", from("198.51.100.3", "Authorization", "Bearer pk_a"), 200, ""},
		{"/v1/payments", from("198.51.100.4", "Authorization", "Bearer pk_a"), 429, "1"},
		{"/v1/payments", from("198.51.100.4", "Authorization", "Bearer sk_b"), 200, ""},
	})
	// The tokeniser: ten per address, then one every six seconds.
	var tok []call
	for range 10 {
		tok = append(tok, call{"/sandbox/v1/payment_methods", from("203.0.113.9"), 200, ""})
	}
	tok = append(tok, call{"/sandbox/v1/payment_methods", from("203.0.113.9"), 429, "6"},
		call{"/sandbox/v1/payment_methods", from("203.0.113.10"), 200, ""},
		call{"/sandbox/3ds/pi_1/x", from("203.0.113.9"), 200, ""}) // the challenge page is not the tokeniser
	run("tokenise", tok)
	clk.Advance(6 * time.Second)
	run("tokenise later", []call{{"/sandbox/v1/payment_methods", from("203.0.113.9"), 200, ""}})

	// The page: sixty at once per address, its own policy kept.
	var pg []call
	for range 60 {
		pg = append(pg, call{"/pay/pay_1/status", from("192.0.2.5"), 200, ""})
	}
	run("page", append(pg, call{"/pay/pay_1/status", from("192.0.2.5"), 429, "1"}))
	resp := get(t, c, srv.URL+"/pay/pay_1", from("192.0.2.6")...)
	if got := resp.Header.Get("Content-Security-Policy"); got != "default-src 'none'; script-src 'self'" {
		t.Errorf("the page's CSP = %q, want its own", got)
	}
	if got := fmt.Sprint(resp.StatusCode); got != "200" {
		t.Errorf("GET /pay/ from another address = %s", got)
	}
}
