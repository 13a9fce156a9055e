package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testCORS is a route table like the API's: WordPress, a private part,
// a public one, and a path no route matches.
func testCORS(t *testing.T, cfg CORSConfig) http.Handler {
	t.Helper()
	prefix := func(p string) func(*http.Request) bool {
		return func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, p) }
	}
	c, err := NewCORS(cfg,
		CORSRoute{Match: prefix("/wp-json"), Access: CORSWordPress},
		CORSRoute{Match: prefix("/v1/"), Access: CORSPrivate, Methods: []string{"GET", "POST", "DELETE"},
			AllowHeaders: []string{"Authorization", "Content-Type"}, ExposeHeaders: []string{"X-Request-Id", "Retry-After"}},
		CORSRoute{Match: prefix("/media/"), Access: CORSPublic, Methods: []string{"GET", "HEAD"},
			AllowHeaders: []string{"Api-Key"}, ExposeHeaders: []string{"ETag"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Handler", "reached")
		w.WriteHeader(http.StatusOK)
	}))
}

func TestCORS(t *testing.T) {
	t.Parallel()
	const app, evil = "https://app.example.com", "https://evil.example"
	listed := CORSConfig{Origins: []string{app, "http://localhost:3000"}, PublicOrigins: []string{"*"}, MaxAge: 10 * time.Minute}
	anyOrigin := CORSConfig{Origins: []string{"*"}, PublicOrigins: []string{app}}
	closed := DefaultCORSConfig()
	type want struct {
		status  int
		handler bool   // the request reached the handler
		origin  string // Access-Control-Allow-Origin; "-" absent
		creds   bool
		methods string
		headers string
		expose  string
		maxAge  string
		vary    string
	}
	for _, tc := range []struct {
		name   string
		cfg    CORSConfig
		method string
		path   string
		header map[string]string
		want   want
	}{
		// WordPress: any origin echoed with credentials, on every method.
		{"wp get", closed, "GET", "/wp-json/wp/v2/media", map[string]string{"Origin": evil},
			want{200, true, evil, true, "OPTIONS, GET, POST, PUT, PATCH, DELETE", "", "", "", "Origin"}},
		{"wp post with credentials", closed, "POST", "/wp-json/wp/v2/media", map[string]string{"Origin": app, "Authorization": "Basic eDp5"},
			want{200, true, app, true, "OPTIONS, GET, POST, PUT, PATCH, DELETE", "", "", "", "Origin"}},
		{"wp preflight goes to the handler", closed, "OPTIONS", "/wp-json/wp/v2/media/5",
			map[string]string{"Origin": app, "Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "authorization"},
			want{200, true, app, true, "OPTIONS, GET, POST, PUT, PATCH, DELETE", "", "", "", "Origin"}},
		{"wp null origin kept", closed, "GET", "/wp-json/", map[string]string{"Origin": "null"},
			want{200, true, "null", true, "OPTIONS, GET, POST, PUT, PATCH, DELETE", "", "", "", "Origin"}},
		{"wp extension origin sanitized away", closed, "GET", "/wp-json/", map[string]string{"Origin": "chrome-extension://abcdef"},
			want{200, true, "", true, "OPTIONS, GET, POST, PUT, PATCH, DELETE", "", "", "", "Origin"}},
		{"wp anonymous get without origin varies", closed, "GET", "/wp-json/wp/v2/media", nil,
			want{200, true, "-", false, "", "", "", "", "Origin"}},
		{"wp logged-in get without origin", closed, "GET", "/wp-json/wp/v2/media", map[string]string{"Authorization": "Basic eDp5"},
			want{200, true, "-", false, "", "", "", "", ""}},
		{"wp post without origin", closed, "POST", "/wp-json/wp/v2/media", nil,
			want{200, true, "-", false, "", "", "", "", ""}},

		// Private: the listed origins with credentials, no one else.
		{"private listed get", listed, "GET", "/v1/media", map[string]string{"Origin": app},
			want{200, true, app, true, "", "", "X-Request-Id, Retry-After", "", "Origin"}},
		{"private unlisted get", listed, "GET", "/v1/media", map[string]string{"Origin": evil},
			want{200, true, "-", false, "", "", "", "", "Origin"}},
		{"private origins compare exactly", listed, "GET", "/v1/media", map[string]string{"Origin": "https://app.example.com:443"},
			want{200, true, "-", false, "", "", "", "", "Origin"}},
		{"private same-origin request", listed, "GET", "/v1/media", nil,
			want{200, true, "-", false, "", "", "", "", "Origin"}},
		{"private preflight listed", listed, "OPTIONS", "/v1/media",
			map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"},
			want{204, false, "http://localhost:3000", true, "GET, POST, DELETE", "Authorization, Content-Type", "", "600", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}},
		{"private preflight unlisted", listed, "OPTIONS", "/v1/media",
			map[string]string{"Origin": evil, "Access-Control-Request-Method": "DELETE"},
			want{204, false, "-", false, "", "", "", "", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}},
		{"private closed by default", closed, "OPTIONS", "/v1/media",
			map[string]string{"Origin": app, "Access-Control-Request-Method": "GET"},
			want{204, false, "-", false, "", "", "", "", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}},
		{"private any origin without credentials", anyOrigin, "GET", "/v1/media", map[string]string{"Origin": evil},
			want{200, true, "*", false, "", "", "X-Request-Id, Retry-After", "", ""}},
		{"private any origin preflight", anyOrigin, "OPTIONS", "/v1/media",
			map[string]string{"Origin": evil, "Access-Control-Request-Method": "DELETE"},
			want{204, false, "*", false, "GET, POST, DELETE", "Authorization, Content-Type", "", "", "Access-Control-Request-Method, Access-Control-Request-Headers"}},
		// An OPTIONS that is no preflight (no request method, or a
		// credential a browser never sends on one) is the handler's.
		{"plain options", listed, "OPTIONS", "/v1/media", map[string]string{"Origin": app},
			want{200, true, app, true, "", "", "X-Request-Id, Retry-After", "", "Origin"}},
		{"options with credentials is no preflight", listed, "OPTIONS", "/v1/media",
			map[string]string{"Origin": app, "Access-Control-Request-Method": "GET", "Authorization": "Bearer pm_x"},
			want{200, true, app, true, "", "", "X-Request-Id, Retry-After", "", "Origin"}},

		// Public: any origin by default, never with credentials, the
		// headers even without an Origin (a cached answer serves pages).
		{"public get", closed, "GET", "/media/ab/photo.jpg", map[string]string{"Origin": evil},
			want{200, true, "*", false, "", "", "ETag", "", ""}},
		{"public get without origin", closed, "GET", "/media/ab/photo.jpg", nil,
			want{200, true, "*", false, "", "", "ETag", "", ""}},
		{"public preflight", closed, "OPTIONS", "/media/ab/photo.jpg",
			map[string]string{"Origin": evil, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "api-key"},
			want{204, false, "*", false, "GET, HEAD", "Api-Key", "", "7200", "Access-Control-Request-Method, Access-Control-Request-Headers"}},
		{"public listed", anyOrigin, "GET", "/media/ab/photo.jpg", map[string]string{"Origin": app},
			want{200, true, app, false, "", "", "ETag", "", "Origin"}},
		{"public unlisted", anyOrigin, "GET", "/media/ab/photo.jpg", map[string]string{"Origin": evil},
			want{200, true, "-", false, "", "", "", "", "Origin"}},
		{"public closed", CORSConfig{}, "GET", "/media/ab/photo.jpg", map[string]string{"Origin": evil},
			want{200, true, "-", false, "", "", "", "", "Origin"}},

		// No route: nothing added, preflights included.
		{"no route", listed, "OPTIONS", "/healthz", map[string]string{"Origin": app, "Access-Control-Request-Method": "GET"},
			want{200, true, "-", false, "", "", "", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.path, nil)
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			testCORS(t, tc.cfg).ServeHTTP(w, r)
			h := w.Header()
			got := want{status: w.Code, handler: h.Get("X-Handler") != "",
				origin: h.Get("Access-Control-Allow-Origin"), creds: h.Get("Access-Control-Allow-Credentials") == "true",
				methods: h.Get("Access-Control-Allow-Methods"), headers: h.Get("Access-Control-Allow-Headers"),
				expose: h.Get("Access-Control-Expose-Headers"), maxAge: h.Get("Access-Control-Max-Age"), vary: strings.Join(h.Values("Vary"), ", ")}
			if _, ok := h["Access-Control-Allow-Origin"]; !ok {
				got.origin = "-"
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestCORSConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg CORSConfig
		ok  bool
	}{
		{DefaultCORSConfig(), true},
		{CORSConfig{}, true},
		{CORSConfig{Origins: []string{"https://a.example", "http://localhost:3000", "http://[::1]:8080"}, PublicOrigins: []string{"*"}, MaxAge: time.Hour}, true},
		{CORSConfig{Origins: []string{"*"}}, true},
		{CORSConfig{Origins: []string{"https://a.example/"}}, false},           // a trailing slash: never matches
		{CORSConfig{Origins: []string{"https://a.example/app"}}, false},        // a path
		{CORSConfig{Origins: []string{"a.example"}}, false},                    // no scheme
		{CORSConfig{Origins: []string{"https://A.example"}}, false},            // browsers send lower case
		{CORSConfig{Origins: []string{"https://a.example:443"}}, false},        // browsers leave the default port out
		{CORSConfig{Origins: []string{"null"}}, false},                         // any page can be "null"
		{CORSConfig{Origins: []string{"ftp://a.example"}}, false},              // not a web origin
		{CORSConfig{PublicOrigins: []string{"*", "https://a.example"}}, false}, // "*" alone
		{CORSConfig{MaxAge: -time.Second}, false},
		{CORSConfig{MaxAge: 25 * time.Hour}, false},
		{CORSConfig{MaxAge: 1500 * time.Millisecond}, false},
	} {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: Validate() = %v, want ok %v", tc.cfg, err, tc.ok)
		}
	}
	if _, err := NewCORS(CORSConfig{Origins: []string{"nope"}}); err == nil {
		t.Error("NewCORS took a bad config")
	}
}

func TestParseOrigins(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                                  "",
		"none":                              "",
		"*":                                 "*",
		" https://a.example , http://b:81,": "https://a.example|http://b:81",
	} {
		if got := strings.Join(ParseOrigins(in), "|"); got != want {
			t.Errorf("ParseOrigins(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSanitizeURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://app.example.com":     "https://app.example.com",
		"http://localhost:3000":       "http://localhost:3000",
		"http://[::1]:8080":           "http://[::1]:8080",
		"HTTPS://App.Example":         "HTTPS://App.Example", // kept as sent, as WordPress does
		"http://a.example<script>":    "http://a.examplescript",
		"http://a.example%0d%0aX: y":  "http://a.exampleX:%20y",
		"chrome-extension://abcdef":   "",
		"javascript:alert(1)":         "",
		"app.example.com":             "http://app.example.com",
		"http://exa mple.com":         "http://exa%20mple.com",
		"http://a.example/ü":          "http://a.example/ü",
		"moz-extension://1234-abcdef": "",
	} {
		if got := sanitizeURL(in); got != want {
			t.Errorf("sanitizeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRateLimiterSkipsPreflights: a preflight never spends a budget, so a
// page's requests are refused by their own budget or not at all; one that
// carries a credential is no preflight and is counted.
func TestRateLimiterSkipsPreflights(t *testing.T) {
	t.Parallel()
	l := NewRateLimiter(RateLimitConfig{AnonPerMinute: 1, AuthPerMinute: 1})
	h := l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }), nil,
		func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTooManyRequests) })
	preflight := func(auth string) int {
		r := httptest.NewRequest("OPTIONS", "/wp-json/wp/v2/media", nil)
		r.RemoteAddr = "10.0.0.9:1"
		r.Header.Set("Origin", "https://app.example.com")
		r.Header.Set("Access-Control-Request-Method", "GET")
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for i := range 5 {
		if code := preflight(""); code != http.StatusNoContent {
			t.Fatalf("preflight %d: %d", i+1, code)
		}
	}
	if preflight("Basic eDp5") != http.StatusNoContent || preflight("Basic eDp5") != http.StatusTooManyRequests {
		t.Fatal("an OPTIONS with a credential was not counted")
	}
}
