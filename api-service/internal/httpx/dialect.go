package httpx

import "net/http"

// Dialect is one API Pixelmill speaks over its core (WordPress, /v1,
// Heartcore, the Delivery API, the image URLs). It is all main knows of
// one: main mounts each, and the shared middleware asks them about the
// requests they own.
type Dialect interface {
	// Register mounts the dialect's routes.
	Register(mux *http.ServeMux)
	// Name is the dialect's name in metrics: wordpress, v1, heartcore,
	// delivery, imageurl.
	Name() string
	// Owns reports whether a request, as it arrives, is the dialect's.
	Owns(r *http.Request) bool
	// LimitsItself reports whether the dialect rate-limits its own
	// requests (per key, say), so the per-IP limit leaves them alone.
	LimitsItself() bool
	// TooManyRequests answers a request of the dialect's refused by the
	// per-IP limit, in the dialect's own error format.
	TooManyRequests(w http.ResponseWriter, r *http.Request)
	// CORS says how the dialect answers pages of other origins; its
	// routes' matches are its own requests.
	CORS() []CORSRoute
}

// Dialects are the mounted dialects, in order: the first that owns a
// request answers for it, and the first is the default.
type Dialects []Dialect

// Register mounts every dialect.
func (ds Dialects) Register(mux *http.ServeMux) {
	for _, d := range ds {
		d.Register(mux)
	}
}

// Name is the name of the dialect that owns r, "" for a request none owns
// (health checks).
func (ds Dialects) Name(r *http.Request) string {
	for _, d := range ds {
		if d.Owns(r) {
			return d.Name()
		}
	}
	return ""
}

// owner is the dialect that owns r, or the first.
func (ds Dialects) owner(r *http.Request) Dialect {
	for _, d := range ds {
		if d.Owns(r) {
			return d
		}
	}
	return ds[0]
}

// LimitsItself is the per-IP limiter's skip: the requests of dialects that
// limit themselves.
func (ds Dialects) LimitsItself(r *http.Request) bool {
	for _, d := range ds {
		if d.LimitsItself() && d.Owns(r) {
			return true
		}
	}
	return false
}

// TooManyRequests answers a refusal of the per-IP limit as the request's
// dialect words one; a request no dialect owns gets the first's.
func (ds Dialects) TooManyRequests(w http.ResponseWriter, r *http.Request) {
	ds.owner(r).TooManyRequests(w, r)
}

// CORS is every dialect's CORS routes, in dialect order.
func (ds Dialects) CORS() []CORSRoute {
	var routes []CORSRoute
	for _, d := range ds {
		routes = append(routes, d.CORS()...)
	}
	return routes
}

// RateLimitHeaders are the headers of an answer under a rate limit (the
// per-IP one, or /v1's per key) and its request id, which a page on
// another origin may read.
var RateLimitHeaders = []string{"X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"}

// ReadOnly are the methods of a read-only CORS route.
var ReadOnly = []string{http.MethodGet, http.MethodHead}

// FileCORS is the CORS route of public file downloads (originals,
// renditions, image URLs): any origin, reads only, and the headers of
// conditional and range requests.
func FileCORS(match func(*http.Request) bool) CORSRoute {
	return CORSRoute{
		Match:   match,
		Access:  CORSPublic,
		Methods: ReadOnly,
		// Conditional and range requests a script may send by hand (a
		// plain Range is safelisted, If-* are not).
		AllowHeaders: []string{"Range", "If-None-Match", "If-Modified-Since", "If-Range"},
		ExposeHeaders: []string{"ETag", "Accept-Ranges", "Content-Range", "Content-Disposition", "Retry-After",
			"X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"},
	}
}
