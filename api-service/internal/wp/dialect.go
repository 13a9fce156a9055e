package wp

import (
	"net/http"
	"strings"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
)

// The WordPress dialect's contract with main (httpx.Dialect).

// Owns is the package's Owns: the REST API's requests.
func (h *Handler) Owns(r *http.Request) bool { return Owns(r) }

// Name is the dialect's name in metrics (pixelmill.dialect).
func (h *Handler) Name() string { return "wordpress" }

// LimitsItself is false: WordPress's requests are under the per-IP limit.
func (h *Handler) LimitsItself() bool { return false }

// TooManyRequests answers a request over its rate limit, as WordPress
// words errors.
func (h *Handler) TooManyRequests(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, r, errorf(http.StatusTooManyRequests, "rest_too_many_requests", "Too many requests. Try again after the time in Retry-After."))
}

// CORS: WordPress's own headers for any origin (rest_send_cors_headers;
// the dialect sets Access-Control-Allow-Headers and -Expose-Headers on
// every REST answer, and answers OPTIONS itself), and the uploads' files
// public, as a web server serves wp-content/uploads.
func (h *Handler) CORS() []httpx.CORSRoute {
	return []httpx.CORSRoute{
		{Match: Owns, Access: httpx.CORSWordPress},
		httpx.FileCORS(func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/wp-content/uploads/") }),
	}
}
