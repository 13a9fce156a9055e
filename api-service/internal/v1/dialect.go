package v1

import (
	"net/http"
	"slices"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
)

// The /v1 dialect's contract with main (httpx.Dialect).

// Owns is the package's Owns: requests under Prefixes.
func (h *Handler) Owns(r *http.Request) bool { return Owns(r) }

// Name is the dialect's name in metrics (pixelmill.dialect).
func (h *Handler) Name() string { return "v1" }

// LimitsItself is true: /v1 limits per key, so the per-IP limit leaves it
// alone.
func (h *Handler) LimitsItself() bool { return true }

// TooManyRequests answers in /v1's error format; the per-IP limit never
// refuses /v1's requests, so only a misconfiguration reaches it.
func (h *Handler) TooManyRequests(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, r, &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "Too many requests; retry after the time in Retry-After."})
}

// CORS: the OpenAPI document for any origin (API explorers read it with
// no key); everything else only for the origins PIXELMILL_CORS_ORIGINS
// lets in, with the headers of Bearer keys, Basic for key
// administration, raw uploads (Content-Disposition) and an event stream
// read with fetch (Last-Event-ID).
func (h *Handler) CORS() []httpx.CORSRoute {
	return []httpx.CORSRoute{
		{Match: func(r *http.Request) bool {
			return slices.ContainsFunc(Prefixes, func(p string) bool { return r.URL.Path == p+"/openapi.json" })
		}, Access: httpx.CORSPublic, Methods: httpx.ReadOnly, ExposeHeaders: httpx.RateLimitHeaders},
		{Match: Owns, Access: httpx.CORSPrivate,
			Methods:       []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodDelete},
			AllowHeaders:  []string{"Authorization", "Content-Type", "Content-Disposition", "Last-Event-ID", "X-Request-Id"},
			ExposeHeaders: slices.Concat(httpx.RateLimitHeaders, []string{"Allow", "WWW-Authenticate"})},
	}
}
