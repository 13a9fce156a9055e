package wp

import (
	"net/http"
	"net/url"
	"strings"
)

// Owns reports whether a request, before Rewrite, is for the REST API:
// under /wp-json, or ?rest_route= on the site's root.
func Owns(r *http.Request) bool {
	p := r.URL.Path
	if p == "/wp-json" || strings.HasPrefix(p, "/wp-json/") {
		return true
	}
	return (p == "/" || p == "") && r.URL.Query().Get("rest_route") != ""
}

// Rewrite applies WordPress's request conventions before routing: the
// ?rest_route= form of every route (for sites without pretty permalinks),
// and ?_method= or X-HTTP-Method-Override letting a POST act as another
// method (spec §1.4).
func Rewrite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if route := q.Get("rest_route"); route != "" && (r.URL.Path == "/" || r.URL.Path == "") {
			r.URL.Path = "/wp-json/" + strings.TrimPrefix(route, "/")
			r.URL.RawQuery = dropParam(r.URL.RawQuery, "rest_route")
		}
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/wp-json/") {
			m := q.Get("_method")
			if m == "" {
				m = r.Header.Get("X-HTTP-Method-Override")
			}
			switch m = strings.ToUpper(m); m {
			case http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodGet:
				r.Method = m
			}
		}
		next.ServeHTTP(w, r)
	})
}

// dropParam removes the pieces of a raw query named name and keeps every
// other piece as sent, byte for byte: re-encoding the parsed query would
// sort the names (include[10] before include[2], though orderby=include
// keeps the order sent) and drop what Go can't decode ("search=100%").
func dropParam(raw, name string) string {
	var kept []string
	for piece := range strings.SplitSeq(raw, "&") {
		key, _, _ := strings.Cut(piece, "=")
		if k, err := url.QueryUnescape(key); err == nil && k == name {
			continue
		}
		kept = append(kept, piece)
	}
	return strings.Join(kept, "&")
}
