package wp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPageLinksEscape checks the Link header's prev/next URLs: the other
// parameters keep the order sent, page= is replaced, and every name and
// value is escaped again, so what a client sends can't close the link or
// add one (a raw '>' or ',') to the header.
func TestPageLinksEscape(t *testing.T) {
	t.Parallel()
	h := &Handler{publicURL: "https://example.test"}
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"include[0]=5&include[1]=3&include[10]=1&orderby=include&page=2",
			[]string{
				`<https://example.test/wp-json/wp/v2/media?include%5B0%5D=5&include%5B1%5D=3&include%5B10%5D=1&orderby=include&page=1>; rel="prev"`,
				`<https://example.test/wp-json/wp/v2/media?include%5B0%5D=5&include%5B1%5D=3&include%5B10%5D=1&orderby=include&page=3>; rel="next"`,
			}},
		{`x=>; rel="next", <https://evil/>&search=a,b+c%2Bd&flag&pct=100%`,
			[]string{`<https://example.test/wp-json/wp/v2/media?x=%3E%3B+rel%3D%22next%22%2C+%3Chttps%3A%2F%2Fevil%2F%3E&search=a%2Cb+c%2Bd&flag&pct=100%25&page=2>; rel="next"`}},
	} {
		req := httptest.NewRequest(http.MethodGet, "/wp-json/wp/v2/media", nil)
		req.URL.RawQuery = tt.query
		page := 1
		if strings.Contains(tt.query, "page=2") {
			page = 2
		}
		rec := httptest.NewRecorder()
		h.pageLinks(rec, req, page, 3)
		got := rec.Header().Values("Link")
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tt.query, got, tt.want)
		}
	}
}
