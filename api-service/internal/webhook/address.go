package webhook

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// maxURLLength bounds a webhook URL; longer ones are almost surely abuse
// and some servers refuse request lines that long anyway.
const maxURLLength = 2048

// errNotPublic is returned, wrapped, for an address the sender must not
// reach: both ValidateURL and the dialer use it.
var errNotPublic = errors.New("webhook: address is not public")

// ValidateURL checks a webhook URL when it is registered, so users get a
// clear error up front rather than failed deliveries later. It wants an
// absolute http or https URL with a host, no user info (credentials in a
// URL end up in logs), at most 2048 bytes. Unless allowPrivate (for local
// development), it also wants https and refuses hosts that name this
// machine or a private network: literal IPs that aren't public and
// "localhost" or "*.localhost". Hostnames that resolve to private
// addresses are caught by the Sender when it connects; this check can't
// see DNS, which may change after it ran.
func ValidateURL(raw string, allowPrivate bool) error {
	if len(raw) > maxURLLength {
		return fmt.Errorf("webhook: URL is %d bytes, limit %d", len(raw), maxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhook: URL: %w", err)
	}
	if !u.IsAbs() || u.Opaque != "" || u.Host == "" {
		return errors.New("webhook: URL must be absolute, like https://example.com/hook")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowPrivate {
			return errors.New("webhook: URL must use https")
		}
	default:
		return fmt.Errorf("webhook: URL scheme %q: want https", u.Scheme)
	}
	if u.User != nil {
		return errors.New("webhook: URL must not hold user info")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("webhook: URL port %q: want 1-65535", p)
		}
	}

	host := u.Hostname()
	if strings.HasPrefix(u.Host, "[") {
		addr, err := netip.ParseAddr(host)
		if err != nil || !addr.Is6() {
			return fmt.Errorf("webhook: URL host %q is not an IPv6 address", host)
		}
		if !allowPrivate && !isPublic(addr) {
			return fmt.Errorf("%w: %s", errNotPublic, host)
		}
		return nil
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if !allowPrivate && !isPublic(addr) {
			return fmt.Errorf("%w: %s", errNotPublic, host)
		}
		return nil
	}
	name, err := checkHostname(host)
	if err != nil {
		return err
	}
	if !allowPrivate && (name == "localhost" || strings.HasSuffix(name, ".localhost")) {
		return fmt.Errorf("%w: %s", errNotPublic, host)
	}
	return nil
}

// checkHostname returns host lower-cased without a trailing dot, or an
// error if it isn't a plain ASCII DNS name. Non-ASCII names are refused
// because the HTTP client maps them through IDNA, which could turn a name
// that passed the checks here into another ("ｌｏｃａｌｈｏｓｔ" becomes
// "localhost"); users can register the xn-- form instead. Names whose last
// label is a number ("127.1", "2130706433", "0x7f.1") are refused because
// some resolvers read them as IPv4 addresses.
func checkHostname(host string) (string, error) {
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if name == "" || len(name) > 253 {
		return "", fmt.Errorf("webhook: URL host %q is not a valid hostname", host)
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return "", fmt.Errorf("webhook: URL host %q: use letters, digits, '-' and '.' (the xn-- form for international names)", host)
		}
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "", fmt.Errorf("webhook: URL host %q is not a valid hostname", host)
		}
	}
	if isNumericLabel(labels[len(labels)-1]) {
		return "", fmt.Errorf("webhook: URL host %q looks like a malformed IP address", host)
	}
	return name, nil
}

// isNumericLabel reports whether l is decimal digits or a 0x hex number,
// the forms inet_aton accepts in an IPv4 address.
func isNumericLabel(l string) bool {
	if rest, ok := strings.CutPrefix(l, "0x"); ok {
		l = rest
		if l == "" {
			return true
		}
		return strings.Trim(l, "0123456789abcdef") == ""
	}
	return strings.Trim(l, "0123456789") == ""
}

// notPublic lists ranges that the netip predicates used in isPublic don't
// cover but that aren't reachable public hosts either.
var notPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("::/96"),           // unspecified, loopback, IPv4-compatible
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001::/32"),       // Teredo, which tunnels to any IPv4
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
}

// Prefixes that embed an IPv4 address the network may translate to: the
// well-known NAT64 prefix (last 32 bits) and 6to4 (bits 16-47).
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// isPublic reports whether a is a unicast address on the public internet,
// so a webhook can't be aimed at this machine, its cloud metadata service
// (169.254.169.254) or a private network. IPv4 addresses mapped into IPv6,
// or embedded by NAT64 or 6to4, are judged by the IPv4 address.
func isPublic(a netip.Addr) bool {
	if !a.IsValid() || a.Zone() != "" {
		return false
	}
	a = a.Unmap()
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return isPublic(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return isPublic(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsUnspecified() ||
		a.IsMulticast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range notPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
