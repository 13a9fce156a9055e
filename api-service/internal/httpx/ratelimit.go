package httpx

import (
	"context"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"golang.org/x/time/rate"
)

// RateLimitConfig sets the per-minute budgets: anonymous requests are
// counted per client IP, authenticated ones per credential (the login sent,
// so a password-guessing client is limited too). 0 disables a budget.
type RateLimitConfig struct {
	AnonPerMinute int // PIXELMILL_RATE_LIMIT_ANON
	AuthPerMinute int // PIXELMILL_RATE_LIMIT_AUTH
}

// DefaultRateLimitConfig returns the budgets `make up` uses.
func DefaultRateLimitConfig() RateLimitConfig {
	return RateLimitConfig{AnonPerMinute: 300, AuthPerMinute: 1200}
}

// RateLimiter is a token bucket per client: a burst of a minute's budget,
// refilled evenly over the minute.
type RateLimiter struct {
	cfg     RateLimitConfig
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
	now     func() time.Time
	// share is how many API replicas the budgets are divided among.
	share int
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewRateLimiter returns a limiter with cfg's budgets.
func NewRateLimiter(cfg RateLimitConfig) *RateLimiter {
	return &RateLimiter{cfg: cfg, buckets: map[string]*bucket{}, now: time.Now, share: 1}
}

// SetShare divides every budget among n API replicas: each replica allows
// a client its budget / n (rounded up), so a client the load balancer
// spreads over them gets its budget in all, within n requests a minute.
func (l *RateLimiter) SetShare(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.share = max(n, 1)
}

// Share is the number of replicas the budgets are divided among.
func (l *RateLimiter) Share() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.share
}

// idleBucket is how long an unused bucket is kept; a full bucket is the
// same as a new one, so forgetting it after a minute changes nothing.
const idleBucket = 2 * time.Minute

// Middleware limits every request but the health checks, CORS preflights
// and those that skip selects (a dialect that limits per API key itself).
// A browser sends a preflight before each new URL it calls with a
// credential, several a second for a page listing media, all counted
// against its IP's anonymous budget; refusing one fails the request it
// announces however much of its own budget is left. Preflights carry no
// credential (IsPreflight), and their answers (see CORS) read nothing
// from storage. deny writes the 429 in the dialect's own format; the
// X-RateLimit-* headers and Retry-After are set before it is called.
func (l *RateLimiter) Middleware(next http.Handler, skip func(*http.Request) bool, deny func(http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || IsPreflight(r) || (skip != nil && skip(r)) {
			next.ServeHTTP(w, r)
			return
		}
		key, perMinute := l.keyFor(r)
		if perMinute <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		d := l.Take(key, perMinute)
		d.SetHeaders(w.Header())
		if !d.OK {
			deny(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Decision is the outcome of spending one request of a budget.
type Decision struct {
	OK        bool
	Limit     int
	Remaining int
	Reset     time.Time // when the budget is full again
	Retry     int       // seconds until a request is allowed again; 0 when OK
}

// SetHeaders writes X-RateLimit-Limit, -Remaining, -Reset (Unix seconds) and,
// when refused, Retry-After.
func (d Decision) SetHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(d.Reset.Unix(), 10))
	if !d.OK {
		h.Set("Retry-After", strconv.Itoa(d.Retry))
	}
}

// AnonPerMinute is the budget of requests that carry no valid credential.
func (l *RateLimiter) AnonPerMinute() int { return l.cfg.AnonPerMinute }

// AuthPerMinute is the budget of each credential.
func (l *RateLimiter) AuthPerMinute() int { return l.cfg.AuthPerMinute }

// ClientIP is the address the per-IP budget counts by.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (l *RateLimiter) keyFor(r *http.Request) (string, int) {
	if login, _, ok := r.BasicAuth(); ok {
		return "cred:" + login, l.cfg.AuthPerMinute
	}
	if auth := r.Header.Get("Authorization"); auth != "" {
		return "cred:" + auth, l.cfg.AuthPerMinute
	}
	return "ip:" + ClientIP(r), l.cfg.AnonPerMinute
}

// Take spends one request of key's budget of perMinute requests: a token
// bucket holding a minute's budget, refilled evenly over the minute.
func (l *RateLimiter) Take(key string, perMinute int) Decision {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > idleBucket {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > idleBucket {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	// This replica's part of the budget; the headers show it.
	perMinute = (perMinute + l.share - 1) / l.share
	b, found := l.buckets[key]
	if !found || b.lim.Burst() != perMinute {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(float64(perMinute)/60), perMinute)}
		l.buckets[key] = b
	}
	b.seen = now
	d := Decision{OK: b.lim.AllowN(now, 1), Limit: perMinute}
	tokens := b.lim.TokensAt(now)
	perSecond := float64(perMinute) / 60
	d.Reset = now.Add(time.Duration(math.Ceil((float64(perMinute)-tokens)/perSecond)) * time.Second)
	if !d.OK {
		d.Retry = max(1, int(math.Ceil((1-tokens)/perSecond)))
		refusals.Add(context.Background(), 1, metric.WithAttributes(attribute.String("pixelmill.limit", limitKind(key))))
	}
	d.Remaining = max(0, int(math.Floor(tokens)))
	return d
}

// refusals counts the requests a rate limit refused, by limit: the
// per-IP one, or a credential's (a WordPress user, a /v1 key).
var refusals, _ = otel.Meter("github.com/pixelmill/pixelmill/api-service/internal/httpx").Int64Counter(
	"pixelmill.ratelimit.refusals", metric.WithUnit("{request}"),
	metric.WithDescription("Requests refused by a rate limit (429), by limit: ip or credential."))

// limitKind names the limit a bucket key is of.
func limitKind(key string) string {
	if strings.HasPrefix(key, "ip:") {
		return "ip"
	}
	return "credential"
}
