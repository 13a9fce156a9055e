package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	t.Parallel()
	l := NewRateLimiter(RateLimitConfig{AnonPerMinute: 3, AuthPerMinute: 5})
	now := time.Unix(1_700_000_000, 0)
	l.now = func() time.Time { return now }
	h := l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }),
		func(r *http.Request) bool { return r.URL.Path == "/skipped" },
		func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTooManyRequests) })
	call := func(ip, login string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/wp-json/wp/v2/media", nil)
		r.RemoteAddr = ip + ":1234"
		if login != "" {
			r.SetBasicAuth(login, "x")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i, want := range []string{"2", "1", "0"} {
		w := call("10.0.0.1", "")
		if w.Code != http.StatusNoContent || w.Header().Get("X-RateLimit-Remaining") != want || w.Header().Get("X-RateLimit-Limit") != "3" {
			t.Fatalf("request %d: %d remaining %s", i+1, w.Code, w.Header().Get("X-RateLimit-Remaining"))
		}
	}
	w := call("10.0.0.1", "")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "20" || w.Header().Get("X-RateLimit-Reset") != "1700000060" {
		t.Fatalf("over the limit: %d Retry-After %q Reset %q", w.Code, w.Header().Get("Retry-After"), w.Header().Get("X-RateLimit-Reset"))
	}
	// Another IP, and a credential, have budgets of their own.
	if w := call("10.0.0.2", ""); w.Code != http.StatusNoContent {
		t.Fatalf("other IP: %d", w.Code)
	}
	if w := call("10.0.0.1", "alice"); w.Code != http.StatusNoContent || w.Header().Get("X-RateLimit-Limit") != "5" {
		t.Fatalf("credential: %d limit %s", w.Code, w.Header().Get("X-RateLimit-Limit"))
	}
	// Tokens come back evenly: one every 20 s at 3 a minute.
	now = now.Add(20 * time.Second)
	if w := call("10.0.0.1", ""); w.Code != http.StatusNoContent {
		t.Fatalf("after 20s: %d", w.Code)
	}
	// Skipped paths (a dialect limiting by itself) pass untouched.
	skipped := httptest.NewRequest("GET", "/skipped", nil)
	skipped.RemoteAddr = "10.0.0.1:1"
	for range 5 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, skipped)
		if rec.Code != http.StatusNoContent || rec.Header().Get("X-RateLimit-Limit") != "" {
			t.Fatalf("skipped path: %d limit %q", rec.Code, rec.Header().Get("X-RateLimit-Limit"))
		}
	}
	// Health checks are never limited.
	r := httptest.NewRequest("GET", "/readyz", nil)
	r.RemoteAddr = "10.0.0.1:1"
	rec := httptest.NewRecorder()
	for range 10 {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, r)
	}
	if rec.Code != http.StatusNoContent {
		t.Fatalf("readyz limited: %d", rec.Code)
	}
}
