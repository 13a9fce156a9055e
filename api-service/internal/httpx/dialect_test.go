package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeDialect is a dialect owning one path prefix; it is a test double of
// the contract, not of a real dialect (those are tested end to end).
type fakeDialect struct {
	prefix string
	self   bool
}

func (d fakeDialect) Register(mux *http.ServeMux) {
	mux.HandleFunc(d.prefix, func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(d.prefix)) })
}
func (d fakeDialect) Owns(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, d.prefix) }
func (d fakeDialect) LimitsItself() bool        { return d.self }
func (d fakeDialect) Name() string              { return strings.Trim(d.prefix, "/") }
func (d fakeDialect) TooManyRequests(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "slow down, "+d.prefix, http.StatusTooManyRequests)
}
func (d fakeDialect) CORS() []CORSRoute {
	return []CORSRoute{{Match: d.Owns, Access: CORSPublic, Methods: ReadOnly}}
}

// TestDialects: routes mount, the per-IP limit skips the dialects that
// limit themselves, a refusal is worded by the request's dialect (the first
// for a request none owns), and CORS routes come in dialect order.
func TestDialects(t *testing.T) {
	ds := Dialects{fakeDialect{prefix: "/wp/"}, fakeDialect{prefix: "/v1/", self: true}, fakeDialect{prefix: "/media/"}}
	mux := http.NewServeMux()
	ds.Register(mux)
	for _, p := range []string{"/wp/", "/v1/", "/media/"} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p+"x", nil))
		if w.Body.String() != p {
			t.Errorf("GET %sx answered %q", p, w.Body.String())
		}
	}
	for path, skip := range map[string]bool{"/v1/media": true, "/wp/x": false, "/media/a.jpg": false, "/other": false} {
		if got := ds.LimitsItself(httptest.NewRequest(http.MethodGet, path, nil)); got != skip {
			t.Errorf("LimitsItself(%s) = %v, want %v", path, got, skip)
		}
	}
	for path, want := range map[string]string{"/media/a.jpg": "/media/", "/wp/x": "/wp/", "/other": "/wp/"} {
		w := httptest.NewRecorder()
		ds.TooManyRequests(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusTooManyRequests || !strings.Contains(w.Body.String(), want) {
			t.Errorf("429 of %s: %d %q, want the words of %s", path, w.Code, w.Body.String(), want)
		}
	}
	routes := ds.CORS()
	if len(routes) != 3 || !routes[1].Match(httptest.NewRequest(http.MethodGet, "/v1/x", nil)) {
		t.Errorf("CORS routes %d, the second not /v1's", len(routes))
	}
}
