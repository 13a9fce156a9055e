package wp

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestRewriteRestRouteKeepsQuery checks that ?rest_route= is removed from
// the query and everything else is kept as sent: in order (an include
// array's order is the order orderby=include keeps) and undecodable pieces
// too (PHP reads "search=100%" as "100%").
func TestRewriteRestRouteKeepsQuery(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ query, want string }{
		{"rest_route=/wp/v2/media&include[0]=5&include[1]=3&include[2]=9&include[10]=1&orderby=include",
			"include[0]=5&include[1]=3&include[2]=9&include[10]=1&orderby=include"},
		{"search=100%&rest_route=%2Fwp%2Fv2%2Fmedia&b=2&a=1", "search=100%&b=2&a=1"},
		{"rest%5Froute=/wp/v2/media&x=a+b", "x=a+b"},
		{"rest_route=/wp/v2/media", ""},
	} {
		var path, raw string
		h := Rewrite(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { path, raw = r.URL.Path, r.URL.RawQuery }))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/?"+tt.query, nil))
		if path != "/wp-json/wp/v2/media" || raw != tt.want {
			t.Errorf("%s: path %q query %q, want %q", tt.query, path, raw, tt.want)
		}
	}
}
