package httpx

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustedProxies are the peers whose X-Forwarded-For and Forwarded headers
// say who the client is (PIXELMILL_TRUSTED_PROXIES). A request from any
// other peer is its own client, whatever it claims.
type TrustedProxies []netip.Prefix

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR
// prefixes ("10.0.0.0/8, 127.0.0.1").
func ParseTrustedProxies(s string) (TrustedProxies, error) {
	var out TrustedProxies
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (t TrustedProxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Client is the address of the client a request comes from: its peer's,
// unless the peer is a trusted proxy; then the address the forwarding
// headers give, read from the right (the nearest hop) past every trusted
// proxy, so a client can't put an address of its choice in front of them.
// X-Forwarded-For is read when present, else Forwarded's for= values.
func (t TrustedProxies) Client(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || len(t) == 0 || !t.trusts(peer) {
		return host
	}
	chain := forwardedFor(r.Header)
	client := peer
	for i := len(chain) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(chain[i])
		if err != nil {
			break // a hop that is no address: trust nothing before it
		}
		client = a.Unmap()
		if !t.trusts(client) {
			break
		}
	}
	return client.String()
}

// forwardedFor is the client addresses the forwarding headers list, the
// farthest first.
func forwardedFor(h http.Header) []string {
	var out []string
	if xff := h.Values("X-Forwarded-For"); len(xff) > 0 {
		for _, v := range xff {
			for _, f := range strings.Split(v, ",") {
				out = append(out, strings.TrimSpace(f))
			}
		}
		return out
	}
	for _, v := range h.Values("Forwarded") {
		for _, elem := range strings.Split(v, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || !strings.EqualFold(k, "for") {
					continue
				}
				val = strings.Trim(val, `"`)
				if strings.HasPrefix(val, "[") { // "[2001:db8::1]:4711"
					if end := strings.Index(val, "]"); end > 0 {
						val = val[1:end]
					}
				} else if host, _, err := net.SplitHostPort(val); err == nil {
					val = host
				}
				out = append(out, val)
			}
		}
	}
	return out
}

// RealIP sets each request's RemoteAddr to its client's address (Client)
// when it comes through a trusted proxy, so that the rate limits, the logs
// and the traces see the client, not the proxy.
func RealIP(next http.Handler, t TrustedProxies) http.Handler {
	if len(t) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := t.Client(r); c != "" {
			r2 := *r
			r2.RemoteAddr = net.JoinHostPort(c, "0")
			r = &r2
		}
		next.ServeHTTP(w, r)
	})
}
