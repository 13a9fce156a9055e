package heartcore

import (
	"net/http"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
)

// Heartcore's contract with main (httpx.Dialect).

// Owns is the package's Owns: requests under Prefix.
func (h *Handler) Owns(r *http.Request) bool { return Owns(r) }

// Name is the dialect's name in metrics (pixelmill.dialect).
func (h *Handler) Name() string { return "heartcore" }

// LimitsItself is true: the management API needs a key and is not under
// the per-IP limit.
func (h *Handler) LimitsItself() bool { return true }

// TooManyRequests answers in Heartcore's error envelope; the per-IP limit
// never refuses Heartcore's requests, so only a misconfiguration reaches
// it.
func (h *Handler) TooManyRequests(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, r, apiError(http.StatusTooManyRequests, "TooManyRequests", "Too many requests; retry after the time in Retry-After."))
}

// CORS: only the origins PIXELMILL_CORS_ORIGINS lets in, with what
// @umbraco/headless-client and the .NET client send (api-key or
// Authorization, api-version, umb-project-alias).
func (h *Handler) CORS() []httpx.CORSRoute {
	return []httpx.CORSRoute{{Match: Owns, Access: httpx.CORSPrivate,
		Methods:       []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete},
		AllowHeaders:  []string{"Api-Key", "Authorization", "Api-Version", "Umb-Project-Alias", "Content-Type", "Accept-Language", "X-Request-Id"},
		ExposeHeaders: []string{"X-Request-Id", "WWW-Authenticate"}}}
}
