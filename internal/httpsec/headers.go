// Package httpsec hardens paystep's public HTTP endpoints: security headers
// on every response (Headers) and token-bucket rate limits per client
// address and per API key, answered with 429 and Retry-After (Limiter).
//
// Both are middleware, func(http.Handler) http.Handler, for the endpoints a
// browser or the open internet reaches: the pay page (/pay/), the API with
// publishable keys (/v1/) and the sandbox's tokeniser.
package httpsec

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultCSP is the Content-Security-Policy of responses that are not
// pages (JSON, errors): nothing may load, nothing may frame them.
const DefaultCSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// HeadersConfig configures Headers. The zero value is strict.
type HeadersConfig struct {
	// CSP is the Content-Security-Policy. Defaults to DefaultCSP. A handler
	// may set its own on a response; it then replaces this one.
	CSP string
	// ReferrerPolicy defaults to "no-referrer": a page's URL (which names a
	// payment) is never sent to another site.
	ReferrerPolicy string
	// HSTSMaxAge is the max-age of Strict-Transport-Security, sent only on
	// requests that came over TLS. Defaults to 365 days; negative sends none.
	HSTSMaxAge time.Duration
	// TrustForwardedProto takes "X-Forwarded-Proto: https" as TLS, for a
	// server behind a TLS-terminating proxy that sets it. Off by default: a
	// client could send it over plain HTTP.
	TrustForwardedProto bool
}

// Headers returns middleware that sets the security headers on every
// response: Content-Security-Policy (with frame-ancestors 'none' unless the
// policy says otherwise), X-Content-Type-Options: nosniff,
// X-Frame-Options: DENY for browsers without frame-ancestors,
// Referrer-Policy and, over TLS, Strict-Transport-Security. They are set
// before the handler runs, so a handler can still replace one.
func Headers(cfg HeadersConfig) func(http.Handler) http.Handler {
	csp := cfg.CSP
	if csp == "" {
		csp = DefaultCSP
	}
	if !strings.Contains(csp, "frame-ancestors") {
		csp = strings.TrimRight(strings.TrimSpace(csp), ";") + "; frame-ancestors 'none'"
	}
	referrer := cfg.ReferrerPolicy
	if referrer == "" {
		referrer = "no-referrer"
	}
	hsts := ""
	switch {
	case cfg.HSTSMaxAge == 0:
		hsts = "max-age=" + strconv.Itoa(365*24*60*60)
	case cfg.HSTSMaxAge > 0:
		hsts = "max-age=" + strconv.FormatInt(int64(cfg.HSTSMaxAge/time.Second), 10)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", referrer)
			if hsts != "" && overTLS(r, cfg.TrustForwardedProto) {
				h.Set("Strict-Transport-Security", hsts)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func overTLS(r *http.Request, trustForwarded bool) bool {
	if r.TLS != nil {
		return true
	}
	return trustForwarded && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}
