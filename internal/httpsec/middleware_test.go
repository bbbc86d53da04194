package httpsec_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/httpsec"
)

func ok(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") }

func get(t *testing.T, c *http.Client, url string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	strict := httpsec.Headers(httpsec.HeadersConfig{})
	mux := http.NewServeMux()
	mux.HandleFunc("/json", ok)
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'self'")
		ok(w, r)
	})
	mux.HandleFunc("/missing", http.NotFound)
	plain := httptest.NewServer(strict(mux))
	t.Cleanup(plain.Close)
	tls := httptest.NewTLSServer(strict(mux))
	t.Cleanup(tls.Close)
	custom := httptest.NewServer(httpsec.Headers(httpsec.HeadersConfig{CSP: "default-src 'self';", ReferrerPolicy: "same-origin",
		HSTSMaxAge: time.Hour, TrustForwardedProto: true})(mux))
	t.Cleanup(custom.Close)

	for _, tc := range []struct {
		name   string
		srv    *httptest.Server
		path   string
		header []string
		want   map[string]string // "" means absent
	}{
		{"plain HTTP", plain, "/json", nil, map[string]string{
			"Content-Security-Policy": httpsec.DefaultCSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Referrer-Policy": "no-referrer", "Strict-Transport-Security": "",
		}},
		{"a 404 too", plain, "/missing", nil, map[string]string{
			"Content-Security-Policy": httpsec.DefaultCSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
		}},
		{"X-Forwarded-Proto is not trusted by default", plain, "/json", []string{"X-Forwarded-Proto", "https"}, map[string]string{
			"Strict-Transport-Security": "",
		}},
		{"TLS sends HSTS", tls, "/json", nil, map[string]string{
			"Strict-Transport-Security": "max-age=31536000", "X-Content-Type-Options": "nosniff",
		}},
		{"a handler's own policy wins", tls, "/page", nil, map[string]string{
			"Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'", "X-Content-Type-Options": "nosniff",
		}},
		{"a custom policy gets frame-ancestors 'none'", custom, "/json", nil, map[string]string{
			"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'", "Referrer-Policy": "same-origin",
			"Strict-Transport-Security": "",
		}},
		{"a trusted proxy's X-Forwarded-Proto", custom, "/json", []string{"X-Forwarded-Proto", "HTTPS"}, map[string]string{
			"Strict-Transport-Security": "max-age=3600",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := get(t, tc.srv.Client(), tc.srv.URL+tc.path, tc.header...)
			for k, want := range tc.want {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("GET %s: %s = %q, want %q", tc.path, k, got, want)
				}
			}
		})
	}
}

func TestLimitOverHTTP(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(start)
	byAddr := httpsec.NewLimiter(httpsec.LimitConfig{Every: 10 * time.Second, Burst: 2, Scope: "address", Clock: clk})
	byKey := httpsec.NewLimiter(httpsec.LimitConfig{Every: 3 * time.Second, Burst: 1, Scope: "API key", Clock: clk})
	h := httpsec.Limit(byAddr, httpsec.PathPrefix(httpsec.ByAddress(), "/pay/"))(
		httpsec.Limit(byKey, httpsec.ByAPIKey("pk_"))(http.HandlerFunc(ok)))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := srv.Client()

	// Per address on /pay/: two, then 429 with Retry-After.
	for i, want := range []int{200, 200, 429} {
		if resp := get(t, c, srv.URL+"/pay/pay_1"); resp.StatusCode != want {
			t.Fatalf("GET /pay/ #%d = %d, want %d", i, resp.StatusCode, want)
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/pay/pay_1", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Error struct{ Type, Code, Message string }
	}
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "10" || resp.Header.Get("Content-Type") != "application/json" ||
		body.Error.Type != "rate_limit_error" || body.Error.Code != "rate_limited" || !strings.Contains(body.Error.Message, "this address: retry after 10 s") {
		t.Errorf("429 = %d Retry-After %q %+v", resp.StatusCode, resp.Header.Get("Retry-After"), body.Error)
	}
	// Other paths are not limited by address.
	if resp := get(t, c, srv.URL+"/v1/payments"); resp.StatusCode != 200 {
		t.Errorf("GET /v1/payments = %d, want 200", resp.StatusCode)
	}
	clk.Advance(10 * time.Second)
	if resp := get(t, c, srv.URL+"/pay/pay_1"); resp.StatusCode != 200 {
		t.Errorf("GET /pay/ after the wait = %d, want 200", resp.StatusCode)
	}

	// Per publishable key: one each, whichever address; secret keys pass.
	for _, tc := range []struct {
		auth string
		want int
		rest string
	}{
		{"Bearer pk_one", 200, ""}, {"Bearer pk_one", 429, "3"}, {"Bearer pk_two", 200, ""},
		{"Bearer sk_secret", 200, ""}, {"Bearer sk_secret", 200, ""},
		{"Basic " + basic("pk_two"), 429, "3"},
	} {
		resp := get(t, c, srv.URL+"/v1/payments", "Authorization", tc.auth)
		if resp.StatusCode != tc.want || resp.Header.Get("Retry-After") != tc.rest {
			t.Errorf("%s: %d Retry-After %q, want %d %q", tc.auth, resp.StatusCode, resp.Header.Get("Retry-After"), tc.want, tc.rest)
		}
	}
}

func basic(user string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, "")
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

func TestByAddress(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	key := httpsec.ByAddress(proxies...)
	for _, tc := range []struct {
		remote, xff, want string
	}{
		{"203.0.113.7:5123", "", "addr:203.0.113.7"},
		{"203.0.113.7:5123", "198.51.100.1", "addr:203.0.113.7"}, // not from a proxy: the header is ignored
		{"10.1.2.3:80", "198.51.100.1", "addr:198.51.100.1"},
		{"10.1.2.3:80", "6.6.6.6, 198.51.100.1, 10.9.9.9", "addr:198.51.100.1"}, // spoofed leftmost hop ignored
		{"10.1.2.3:80", "10.4.4.4", "addr:10.4.4.4"},                            // proxies all the way
		{"10.1.2.3:80", "garbage, 10.4.4.4", "addr:10.4.4.4"},
		{"10.1.2.3:80", "", "addr:10.1.2.3"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", "addr:2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "", "addr:2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.1]:443", "", "addr:192.0.2.1"},
		{"[fd00::1]:80", "2001:db8:9:9::1", "addr:2001:db8:9:9::/64"},
		{"@", "", "addr:@"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got, ok := key(r); !ok || got != tc.want {
			t.Errorf("ByAddress(%q, X-Forwarded-For %q) = %q, %v; want %q", tc.remote, tc.xff, got, ok, tc.want)
		}
	}
}

func TestByAPIKey(t *testing.T) {
	t.Parallel()
	pk := httpsec.ByAPIKey("pk_")
	anyKey := httpsec.ByAPIKey()
	r := func(auth string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		return r
	}
	a, okA := pk(r("Bearer pk_abc"))
	b, okB := pk(r("Basic " + basic("pk_abc")))
	c, okC := pk(r("Bearer pk_abd"))
	if !okA || !okB || !okC || a != b || a == c || strings.Contains(a, "pk_abc") {
		t.Errorf("ByAPIKey(pk_) = %q %v, %q %v, %q %v: want one hashed bucket per key", a, okA, b, okB, c, okC)
	}
	for _, auth := range []string{"", "Bearer sk_abc", "Bearer ", "Token pk_abc"} {
		if k, ok := pk(r(auth)); ok {
			t.Errorf("ByAPIKey(pk_) with %q = %q, want no key", auth, k)
		}
	}
	if _, ok := anyKey(r("Bearer sk_abc")); !ok {
		t.Error("ByAPIKey() refused a secret key; with no prefixes it takes any")
	}
}

func FuzzByAddress(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "1.2.3.4, 10.0.0.1", "[::1]:80", ",,,", "fe80::1%eth0", "2001:db8::1, garbage"} {
		f.Add("10.0.0.1:80", s)
		f.Add(s, "")
	}
	key := httpsec.ByAddress(netip.MustParsePrefix("10.0.0.0/8"))
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		k, ok := key(r)
		if !ok || !strings.HasPrefix(k, "addr:") || k == "addr:" && remote != "" {
			t.Errorf("ByAddress(%q, %q) = %q, %v", remote, xff, k, ok)
		}
		if k2, _ := key(r); k2 != k {
			t.Errorf("ByAddress(%q, %q) = %q, then %q", remote, xff, k, k2)
		}
	})
}
