package httpx

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

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
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewRateLimiter returns a limiter with cfg's budgets.
func NewRateLimiter(cfg RateLimitConfig) *RateLimiter {
	return &RateLimiter{cfg: cfg, buckets: map[string]*bucket{}, now: time.Now}
}

// idleBucket is how long an unused bucket is kept; a full bucket is the
// same as a new one, so forgetting it after a minute changes nothing.
const idleBucket = 2 * time.Minute

// Middleware limits every request but the health checks. deny writes the
// 429 in the dialect's own format; the X-RateLimit-* headers and
// Retry-After are set before it is called.
func (l *RateLimiter) Middleware(next http.Handler, deny func(http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		key, perMinute := l.keyFor(r)
		if perMinute <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		ok, remaining, reset, retry := l.take(key, perMinute)
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(perMinute))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("X-RateLimit-Reset", strconv.Itoa(reset))
		if !ok {
			h.Set("Retry-After", strconv.Itoa(retry))
			deny(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (l *RateLimiter) keyFor(r *http.Request) (string, int) {
	if login, _, ok := r.BasicAuth(); ok {
		return "cred:" + login, l.cfg.AuthPerMinute
	}
	if auth := r.Header.Get("Authorization"); auth != "" {
		return "cred:" + auth, l.cfg.AuthPerMinute
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host, l.cfg.AnonPerMinute
}

// take spends one token of key's bucket. It reports whether the request may
// go on, the tokens left, the seconds until the bucket is full again, and
// (when refused) the seconds until a token is back.
func (l *RateLimiter) take(key string, perMinute int) (ok bool, remaining, reset, retry int) {
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
	b, found := l.buckets[key]
	if !found {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(float64(perMinute)/60), perMinute)}
		l.buckets[key] = b
	}
	b.seen = now
	ok = b.lim.AllowN(now, 1)
	tokens := b.lim.TokensAt(now)
	perSecond := float64(perMinute) / 60
	reset = int(math.Ceil((float64(perMinute) - tokens) / perSecond))
	if !ok {
		retry = max(1, int(math.Ceil((1-tokens)/perSecond)))
	}
	return ok, max(0, int(math.Floor(tokens))), reset, retry
}
