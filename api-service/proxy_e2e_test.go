package main

import (
	"net/http"
	"testing"
)

// TestTrustedProxy: behind a trusted proxy, the anonymous limit holds per
// client, by X-Forwarded-For; from a peer that is not trusted, the header
// is ignored and every claim shares the peer's budget.
func TestTrustedProxy(t *testing.T) {
	get := func(t *testing.T, base, xff string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/wp-json/wp/v2/media", nil)
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	limits := map[string]string{"PIXELMILL_RATE_LIMIT_ANON": "3"}

	trusted := map[string]string{"PIXELMILL_TRUSTED_PROXIES": "127.0.0.1, ::1"}
	for k, v := range limits {
		trusted[k] = v
	}
	s := startStackEnv(t, 0, trusted)
	for i := range 3 {
		if st := get(t, s.base, "198.51.100.1"); st != 200 {
			t.Fatalf("client A's request %d: %d", i+1, st)
		}
	}
	if st := get(t, s.base, "198.51.100.1"); st != 429 {
		t.Fatalf("client A's 4th request: %d, want 429", st)
	}
	if st := get(t, s.base, "198.51.100.2"); st != 200 {
		t.Fatalf("client B, behind the same proxy: %d, want its own budget", st)
	}
	// A client can't buy a new budget by naming another address before
	// the proxy's: the nearest untrusted hop is what counts.
	if st := get(t, s.base, "203.0.113.77, 198.51.100.1"); st != 429 {
		t.Fatalf("client A posing as another: %d, want 429", st)
	}

	u := startStackEnv(t, 0, limits)
	for i, claim := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		if st := get(t, u.base, claim); st != 200 {
			t.Fatalf("untrusted peer, request %d: %d", i+1, st)
		}
	}
	if st := get(t, u.base, "198.51.100.4"); st != 429 {
		t.Fatalf("an untrusted peer's X-Forwarded-For bought a new budget: %d", st)
	}
}
