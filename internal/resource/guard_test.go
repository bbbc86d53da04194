package resource

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func TestGuardCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr   string
		reason string // "" means allowed
	}{
		{"93.184.216.34", ""},
		{"2606:2800:220:1:248:1893:25c8:1946", ""},
		{"8.8.8.8", ""},
		{"127.0.0.1", "a loopback address"},
		{"127.255.0.9", "a loopback address"},
		{"::1", "a loopback address"},
		{"::ffff:127.0.0.1", "a loopback address"},
		{"::ffff:10.0.0.1", "a private address"},
		{"10.0.0.1", "a private address"},
		{"172.16.5.4", "a private address"},
		{"192.168.1.1", "a private address"},
		{"fd00::1", "a private address"},
		{"169.254.169.254", "a link-local address"},
		{"fe80::1", "a link-local address"},
		{"0.0.0.0", "an unspecified address"},
		{"::", "an unspecified address"},
		{"0.1.2.3", `a "this network" address`},
		{"100.64.0.1", "a shared (carrier-grade NAT) address"},
		{"224.0.0.1", "a multicast address"},
		{"ff02::1", "a multicast address"},
		{"255.255.255.255", "a broadcast address"},
		{"240.0.0.1", "a reserved address"},
		{"198.18.0.1", "a benchmarking address"},
		{"64:ff9b::7f00:1", "a loopback address embedded in an IPv6 address"},
		{"64:ff9b::a9fe:a9fe", "a link-local address embedded in an IPv6 address"},
		{"2002:a00:1::", "a private address embedded in an IPv6 address"},
		{"::10.0.0.1", "a private address embedded in an IPv6 address"},
		{"64:ff9b::808:808", ""},
	} {
		err := guard{}.check(netip.MustParseAddr(tc.addr))
		var ae *AddressError
		switch {
		case tc.reason == "" && err != nil:
			t.Errorf("check(%s) = %v, want allowed", tc.addr, err)
		case tc.reason != "" && (!errors.As(err, &ae) || ae.Reason != tc.reason):
			t.Errorf("check(%s) = %v, want refused as %s", tc.addr, err, tc.reason)
		}
	}
}

func TestGuardAllowances(t *testing.T) {
	t.Parallel()
	loop := netip.MustParseAddr("127.0.0.1")
	if err := (guard{allowPrivate: true}).check(loop); err != nil {
		t.Errorf("allowPrivate: check(127.0.0.1) = %v", err)
	}
	g := guard{allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	if err := g.check(loop); err != nil {
		t.Errorf("allow 127.0.0.1/32: check(127.0.0.1) = %v", err)
	}
	if err := g.check(netip.MustParseAddr("::ffff:127.0.0.1")); err != nil {
		t.Errorf("allow 127.0.0.1/32: check(::ffff:127.0.0.1) = %v", err)
	}
	if err := g.check(netip.MustParseAddr("127.0.0.2")); err == nil {
		t.Error("allow 127.0.0.1/32: check(127.0.0.2) allowed, want refused")
	}
	if err := g.control("tcp", "not-an-address", nil); err == nil || !strings.Contains(err.Error(), "not an IP address") {
		t.Errorf("control(not-an-address) = %v", err)
	}
}

// httpTask is an http:invoke input calling url with GET, without a
// connection (which paystep allows).
func httpTask(url string) string {
	return fmt.Sprintf(`{"ApiEndpoint": %q, "Method": "GET"}`, url)
}

// TestHTTPInvokeRefusesPrivateTargets calls real servers, or addresses where
// none listen: the guard refuses before any connection is made.
func TestHTTPInvokeRefusesPrivateTargets(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, replyJSON(200, `{"ok":true}`))
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	r := newRegistry(t, Config{}, "")
	for _, tc := range []struct{ name, url, want string }{
		{"loopback", srv.URL, "refusing to connect to 127.0.0.1: a loopback address"},
		{"private", "http://10.20.30.40/", "refusing to connect to 10.20.30.40: a private address"},
		{"metadata", "http://169.254.169.254/latest/meta-data/", "refusing to connect to 169.254.169.254: a link-local address"},
		{"ipv6 loopback", "http://[::1]:" + port + "/", "refusing to connect to ::1: a loopback address"},
		{"ipv4-mapped", "http://[::ffff:127.0.0.1]:" + port + "/", "refusing to connect to 127.0.0.1: a loopback address"},
		{"name resolving to loopback", "http://localhost:" + port + "/", "a loopback address"},
		{"unspecified", "http://0.0.0.0:" + port + "/", "an unspecified address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := invoke(t, r, HTTPInvoke, httpTask(tc.url))
			wantTaskError(t, err, "States.TaskFailed", tc.want)
		})
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("the server got %d requests, want none", n)
	}
}

func TestHTTPInvokeRefusesRedirectsToPrivateTargets(t *testing.T) {
	t.Parallel()
	inner := newRecorder(t, replyJSON(200, `{"secret":"metadata"}`))
	_, innerPort, _ := net.SplitHostPort(inner.Listener.Addr().String())
	outer := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	// Only the outer server's address counts as public, as a test hook: the
	// guard itself is not weakened.
	r := newRegistry(t, Config{AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, "")
	for _, tc := range []struct{ to, want string }{
		{"http://169.254.169.254/latest/meta-data/", "refusing to connect to 169.254.169.254: a link-local address"},
		{"http://[::1]:" + innerPort + "/", "refusing to connect to ::1: a loopback address"},
		{"http://10.0.0.1/", "refusing to connect to 10.0.0.1: a private address"},
	} {
		_, err := invoke(t, r, HTTPInvoke, httpTask(outer.URL+"/?to="+tc.to))
		wantTaskError(t, err, "States.TaskFailed", tc.want)
	}
	if n := len(outer.requests()); n != 3 {
		t.Errorf("the outer server got %d requests, want 3", n)
	}
	if n := len(inner.requests()); n != 0 {
		t.Errorf("the private server got %d requests, want none", n)
	}
	// A redirect to an allowed address is followed.
	out, err := invoke(t, r, HTTPInvoke, httpTask(outer.URL+"/?to="+inner.URL+"/ok"))
	if err != nil || !strings.Contains(string(out), `"secret":"metadata"`) {
		t.Errorf("redirect to an allowed address = %s, %v", out, err)
	}
}

func TestTransportIgnoresProxyEnvironment(t *testing.T) {
	t.Parallel()
	if tr := newTransport(&guard{}); tr.Proxy != nil {
		t.Error("the guarded transport uses a proxy from the environment; the guard would check the proxy, not the target")
	}
}
