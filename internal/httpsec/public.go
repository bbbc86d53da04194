package httpsec

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/paystep/paystep/internal/clock"
)

// PublicConfig configures Public: the limits of each kind of public
// endpoint, each per client address unless it says otherwise. A zero
// LimitConfig takes the default below; Scope, Clock and Logger are filled
// in from here.
type PublicConfig struct {
	// Page limits the pay page with its assets and status polls (about one
	// a second while a payment is under way). Defaults to 60 at once, then
	// 4 a second.
	Page LimitConfig
	// API limits /v1 by address, whatever the key. Defaults to 100 at once,
	// then 20 a second.
	API LimitConfig
	// PublishableKey limits /v1 per publishable key (pk_…), whatever the
	// address. Defaults to 200 at once, then 20 a second.
	PublishableKey LimitConfig
	// Tokenize limits the PSP's tokeniser, where card-testing attacks aim.
	// Defaults to 10 at once, then one every 6 seconds.
	Tokenize LimitConfig
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (see ByAddress).
	TrustedProxies []netip.Prefix
	// Headers configures the security headers (HSTS, proxies).
	Headers HeadersConfig
	Clock   clock.Clock  // Defaults to clock.System{}.
	Logger  *slog.Logger // Defaults to discarding.
}

// Public hardens paystep's public endpoints: security headers on every
// response and a rate limit per kind of endpoint. Mount each handler
// through its method:
//
//	pub := httpsec.NewPublic(httpsec.PublicConfig{Clock: clk, Logger: logger})
//	mux.Handle("/v1/", pub.API(apiHandler))
//	mux.Handle("/pay/", pub.Page(payPage))
//	mux.Handle("/sandbox/", pub.Headers(http.StripPrefix("/sandbox", sb)))
//	mux.Handle("POST /sandbox/v1/payment_methods", pub.Tokenize(http.StripPrefix("/sandbox", sb)))
type Public struct {
	headers                     func(http.Handler) http.Handler
	page, api, pk, tokenize     *Limiter
	byAddress, byPublishableKey KeyFunc
}

// NewPublic returns the hardening configured by cfg.
func NewPublic(cfg PublicConfig) *Public {
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	limiter := func(c LimitConfig, every time.Duration, burst int, scope string) *Limiter {
		if c.Every <= 0 && c.Burst <= 0 {
			c.Every, c.Burst = every, burst
		}
		c.Scope, c.Clock, c.Logger = scope, cfg.Clock, cfg.Logger
		return NewLimiter(c)
	}
	return &Public{
		headers:          Headers(cfg.Headers),
		page:             limiter(cfg.Page, 250*time.Millisecond, 60, "address"),
		api:              limiter(cfg.API, 50*time.Millisecond, 100, "address"),
		pk:               limiter(cfg.PublishableKey, 50*time.Millisecond, 200, "publishable key"),
		tokenize:         limiter(cfg.Tokenize, 6*time.Second, 10, "address"),
		byAddress:        ByAddress(cfg.TrustedProxies...),
		byPublishableKey: ByAPIKey("pk_"),
	}
}

// Headers adds the security headers only, for public endpoints without a
// limit of their own (the sandbox's 3-D Secure page, webhooks).
func (p *Public) Headers(h http.Handler) http.Handler { return p.headers(h) }

// API hardens paystep's API: per address, then per publishable key.
func (p *Public) API(h http.Handler) http.Handler {
	return p.headers(Limit(p.api, p.byAddress)(Limit(p.pk, p.byPublishableKey)(h)))
}

// Page hardens the pay page, which sets its own Content-Security-Policy.
func (p *Public) Page(h http.Handler) http.Handler {
	return p.headers(Limit(p.page, p.byAddress)(h))
}

// Tokenize hardens the PSP's tokeniser.
func (p *Public) Tokenize(h http.Handler) http.Handler {
	return p.headers(Limit(p.tokenize, p.byAddress)(h))
}
