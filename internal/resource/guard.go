package resource

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// AddressError is a refused outbound connection: the address is one that
// HTTP Tasks may not reach (private, loopback, link-local, …).
type AddressError struct {
	Addr   netip.Addr
	Reason string // "a loopback address", …
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("refusing to connect to %s: %s (outbound HTTP calls to private networks are off; an operator can allow them)", e.Addr, e.Reason)
}

// guard decides which addresses outbound HTTP calls may connect to. It runs
// at dial time, on the address actually dialled, so a DNS name that resolves
// (or re-resolves) to a private address and a redirect to one are refused too.
type guard struct {
	allowPrivate bool
	allow        []netip.Prefix // reachable even though private; checked first
}

// Special-purpose ranges that IsPrivate, IsLoopback and friends do not cover.
var refusedPrefixes = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), `a "this network" address`},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (carrier-grade NAT) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol assignment address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("100::/64"), "a discard-only address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
}

// Prefixes that embed an IPv4 address; the embedded one is checked too.
var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// check returns an *AddressError when addr may not be reached.
func (g guard) check(addr netip.Addr) error {
	addr = addr.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	for _, p := range g.allow {
		if p.Contains(addr) {
			return nil
		}
	}
	if g.allowPrivate {
		return nil
	}
	if reason := refusal(addr); reason != "" {
		return &AddressError{Addr: addr, Reason: reason}
	}
	return nil
}

func refusal(addr netip.Addr) string {
	switch {
	case !addr.IsValid():
		return "not an IP address"
	case addr.IsUnspecified():
		return "an unspecified address"
	case addr.IsLoopback():
		return "a loopback address"
	case addr.IsPrivate():
		return "a private address"
	case addr.IsLinkLocalUnicast():
		return "a link-local address"
	case addr.IsMulticast():
		return "a multicast address"
	case addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "a broadcast address"
	}
	for _, r := range refusedPrefixes {
		if r.prefix.Contains(addr) {
			return r.reason
		}
	}
	if addr.Is6() {
		b := addr.As16()
		var v4 netip.Addr
		switch {
		case nat64Prefix.Contains(addr):
			v4 = netip.AddrFrom4([4]byte(b[12:16]))
		case sixToFour.Contains(addr):
			v4 = netip.AddrFrom4([4]byte(b[2:6]))
		case [12]byte(b[:12]) == [12]byte{}:
			v4 = netip.AddrFrom4([4]byte(b[12:16])) // IPv4-compatible ::a.b.c.d
		}
		if v4.IsValid() {
			if reason := refusal(v4); reason != "" {
				return reason + " embedded in an IPv6 address"
			}
		}
	}
	return ""
}

// control is a net.Dialer Control function: it sees the resolved address of
// every connection attempt, after DNS, before the connect.
func (g guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refusing to connect to %q: not an IP address and port", address)
	}
	return g.check(ap.Addr())
}

// newTransport returns a transport whose every connection passes the guard
// (when g is non-nil) and that ignores proxy environment variables, which
// would otherwise let the proxy's address stand in for the real one.
func newTransport(g *guard) *http.Transport {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if g != nil {
		d.Control = g.control
	}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 0, // each call has its own deadline
	}
}
