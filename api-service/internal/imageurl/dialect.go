package imageurl

import (
	"net/http"
	"strings"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
)

// The image URLs' contract with main (httpx.Dialect).

// Owns reports the requests under Prefix.
func (h *Handler) Owns(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, Prefix) }

// Name is the dialect's name in metrics (pixelmill.dialect).
func (h *Handler) Name() string { return "imageurl" }

// LimitsItself is false: the files are public, under the per-IP limit.
func (h *Handler) LimitsItself() bool { return false }

// TooManyRequests answers a refused file request in plain text, as a file
// server would (Retry-After is set by the limiter).
func (h *Handler) TooManyRequests(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "Too many requests; retry after the time in Retry-After.", http.StatusTooManyRequests)
}

// CORS: public downloads, for any origin.
func (h *Handler) CORS() []httpx.CORSRoute {
	return []httpx.CORSRoute{httpx.FileCORS(h.Owns)}
}
