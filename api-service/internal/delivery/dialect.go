package delivery

import (
	"net/http"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
)

// The Delivery API's contract with main (httpx.Dialect).

// Owns is the package's Owns: requests under either version's base.
func (h *Handler) Owns(r *http.Request) bool { return Owns(r) }

// Name is the dialect's name in metrics (pixelmill.dialect).
func (h *Handler) Name() string { return "delivery" }

// LimitsItself is false: the Delivery API is public, under the per-IP
// limit.
func (h *Handler) LimitsItself() bool { return false }

// TooManyRequests answers as ProblemDetails, as ASP.NET's rate limiter.
func (h *Handler) TooManyRequests(w http.ResponseWriter, r *http.Request) { TooManyRequests(w, r) }

// CORS: any origin, reads only, with the headers Umbraco's front ends send
// to every Delivery endpoint (Api-Key for a private API, Accept-Language,
// Preview, Start-Item, which media ignores).
func (h *Handler) CORS() []httpx.CORSRoute {
	return []httpx.CORSRoute{{Match: Owns, Access: httpx.CORSPublic, Methods: httpx.ReadOnly,
		AllowHeaders:  []string{"Api-Key", "Accept-Language", "Preview", "Start-Item", "X-Request-Id"},
		ExposeHeaders: httpx.RateLimitHeaders}}
}
