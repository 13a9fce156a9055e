package v1

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
)

// TestPanicAnswersInEnvelope: a handler that panics (here: a bearer key
// meets a handler built without a key store) still answers 500 in the
// dialect's envelope, with the rate-limit headers, not the shared
// recoverer's plain text.
func TestPanicAnswersInEnvelope(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := New(context.Background(), nil, nil, nil, nil, nil, nil, httpx.NewRateLimiter(httpx.RateLimitConfig{AnonPerMinute: 100, AuthPerMinute: 100}), nil, nil, log, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(httpx.Middleware(mux, log, "v1-test"))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/media", nil)
	req.Header.Set("Authorization", "Bearer pm_"+strings.Repeat("x", 43))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Data  any `json:"data"`
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
		Meta struct {
			RequestID string `json:"request_id"`
		} `json:"meta"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if resp.StatusCode != 500 || env.Error.Code != "internal_error" || env.Data != nil || env.Meta.RequestID == "" || resp.Header.Get("X-RateLimit-Limit") == "" {
		t.Fatalf("panic answered %d %+v, X-RateLimit-Limit %q", resp.StatusCode, env, resp.Header.Get("X-RateLimit-Limit"))
	}
}
