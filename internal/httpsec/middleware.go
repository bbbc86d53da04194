package httpsec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// KeyFunc names the bucket a request takes a token from. ok false lets the
// request through without taking one (the limit is not about it).
type KeyFunc func(r *http.Request) (key string, ok bool)

// Limit returns middleware that takes a token from l for each request with
// a key and answers 429 Too Many Requests, with Retry-After in whole
// seconds and an error body in paystep's API shape, when there is none.
func Limit(l *Limiter, key KeyFunc) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k, ok := key(r)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			allowed, wait := l.Allow(k)
			if allowed {
				next.ServeHTTP(w, r)
				return
			}
			secs := retrySeconds(wait)
			l.cfg.Logger.InfoContext(r.Context(), "rate limited", "scope", l.cfg.Scope, "method", r.Method, "path", r.URL.Path, "retry_after_s", secs)
			writeLimited(w, l.cfg.Scope, secs)
		})
	}
}

// retrySeconds rounds a wait up to whole seconds, at least one, as
// Retry-After takes.
func retrySeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

type limitedBody struct {
	Error struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeLimited(w http.ResponseWriter, scope string, secs int64) {
	var b limitedBody
	b.Error.Type, b.Error.Code = "rate_limit_error", "rate_limited"
	b.Error.Message = "too many requests for this " + scope + ": retry after " + strconv.FormatInt(secs, 10) + " s"
	raw, err := json.Marshal(b)
	if err != nil {
		panic("httpsec: marshal 429 body: " + err.Error()) // a struct of strings always marshals
	}
	h := w.Header()
	h.Set("Retry-After", strconv.FormatInt(secs, 10))
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusTooManyRequests)
	w.Write(append(raw, '\n'))
}

// ByAddress keys requests by the client's address: the connection's peer,
// or, when the peer is one of trustedProxies, the address X-Forwarded-For
// names nearest to it that is not a trusted proxy too. IPv6 addresses are
// grouped by /64, the block one customer usually holds.
func ByAddress(trustedProxies ...netip.Prefix) KeyFunc {
	trusted := func(a netip.Addr) bool {
		for _, p := range trustedProxies {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) (string, bool) {
		addr, ok := parseAddr(r.RemoteAddr)
		if !ok {
			return "addr:" + r.RemoteAddr, true // not an IP (a unix socket): one bucket for it
		}
		if trusted(addr) {
			hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
			for i := len(hops) - 1; i >= 0; i-- {
				hop, ok := parseAddr(strings.TrimSpace(hops[i]))
				if !ok {
					break // a garbled hop: trust nothing before it
				}
				addr = hop
				if !trusted(hop) {
					break
				}
			}
		}
		return "addr:" + group(addr), true
	}
}

// parseAddr reads "ip", "ip:port" or "[ip]:port".
func parseAddr(s string) (netip.Addr, bool) {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func group(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}

// ByAPIKey keys requests by the API key they carry ("Authorization: Bearer
// <key>", or the key as a Basic user name), when it starts with one of
// prefixes ("pk_" for publishable keys), or any key when no prefix is
// given; other requests are not limited by it. Buckets are named by a hash of the key, so the limiter holds no key.
func ByAPIKey(prefixes ...string) KeyFunc {
	return func(r *http.Request) (string, bool) {
		key := ""
		if k, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			key = strings.TrimSpace(k)
		} else if user, _, ok := r.BasicAuth(); ok {
			key = user
		}
		if key == "" {
			return "", false
		}
		match := len(prefixes) == 0
		for _, p := range prefixes {
			match = match || strings.HasPrefix(key, p)
		}
		if !match {
			return "", false
		}
		sum := sha256.Sum256([]byte(key))
		return "key:" + hex.EncodeToString(sum[:16]), true
	}
}

// PathPrefix limits a KeyFunc to requests whose path starts with one of
// prefixes, for one limiter shared by several endpoints of a mux.
func PathPrefix(key KeyFunc, prefixes ...string) KeyFunc {
	return func(r *http.Request) (string, bool) {
		for _, p := range prefixes {
			if strings.HasPrefix(r.URL.Path, p) {
				return key(r)
			}
		}
		return "", false
	}
}
