package httpx

import (
	"net/http"
	"testing"
)

// TestTrustedProxies: the forwarding headers count only from a trusted
// peer, read from the nearest hop past every trusted proxy.
func TestTrustedProxies(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, peer string
		header     http.Header
		want       string
	}{
		{"no proxy", "203.0.113.9:5000", nil, "203.0.113.9"},
		{"an untrusted peer's claim is ignored", "203.0.113.9:5000", http.Header{"X-Forwarded-For": {"198.51.100.1"}}, "203.0.113.9"},
		{"a trusted proxy's client", "10.1.2.3:5000", http.Header{"X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1"},
		{"a spoofed first hop is passed over", "10.1.2.3:5000", http.Header{"X-Forwarded-For": {"1.2.3.4, 198.51.100.1"}}, "198.51.100.1"},
		{"two trusted proxies", "127.0.0.1:5000", http.Header{"X-Forwarded-For": {"198.51.100.1, 10.9.9.9"}}, "198.51.100.1"},
		{"several header lines", "10.1.2.3:5000", http.Header{"X-Forwarded-For": {"1.2.3.4", "198.51.100.7, 10.0.0.2"}}, "198.51.100.7"},
		{"Forwarded", "10.1.2.3:5000", http.Header{"Forwarded": {`for=192.0.2.60;proto=https, for="[2001:db8::1]:4711"`}}, "2001:db8::1"},
		{"Forwarded with a port", "10.1.2.3:5000", http.Header{"Forwarded": {`for="192.0.2.61:8080"`}}, "192.0.2.61"},
		{"garbage stops the walk", "10.1.2.3:5000", http.Header{"X-Forwarded-For": {"198.51.100.1, nonsense"}}, "10.1.2.3"},
		{"a trusted proxy without headers", "10.1.2.3:5000", nil, "10.1.2.3"},
		{"IPv6 loopback proxy", "[::1]:5000", http.Header{"X-Forwarded-For": {"198.51.100.2"}}, "198.51.100.2"},
	} {
		r := &http.Request{RemoteAddr: tt.peer, Header: tt.header}
		if r.Header == nil {
			r.Header = http.Header{}
		}
		if got := trusted.Client(r); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	var none TrustedProxies
	r := &http.Request{RemoteAddr: "127.0.0.1:1", Header: http.Header{"X-Forwarded-For": {"198.51.100.1"}}}
	if got := none.Client(r); got != "127.0.0.1" {
		t.Errorf("no trusted proxy configured: %s", got)
	}
	if _, err := ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Error("a bad prefix is accepted")
	}
}
