package main

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRateLimitAcrossReplicas: with two API replicas alive, each takes
// half of a client's budget, so a client the balancer spreads over both
// gets its budget in all (4 a minute here: 2 on each), not twice it; when
// one replica leaves, the other takes the whole budget back.
func TestRateLimitAcrossReplicas(t *testing.T) {
	s := startStackEnv(t, 0, map[string]string{"PIXELMILL_RATE_LIMIT_ANON": "4"})
	replica := startAPIProcess(t, s)
	waitFor(t, 30*time.Second, "both replicas to count two alive", func() bool {
		return strings.Contains(s.apiLog.String(), `"msg":"api_replicas","alive":2`) &&
			strings.Contains(replica.out.String(), `"msg":"api_replicas","alive":2`)
	})
	get := func(base string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + "/wp-json/wp/v2/media")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("X-RateLimit-Limit")
	}
	allowed := 0
	for i := range 10 {
		base := s.base
		if i%2 == 1 {
			base = replica.base
		}
		status, limit := get(base)
		if limit != "2" {
			t.Fatalf("request %d: X-RateLimit-Limit %q, want each replica's half, 2", i+1, limit)
		}
		if status == 200 {
			allowed++
		} else if status != 429 {
			t.Fatalf("request %d: %d", i+1, status)
		}
	}
	if allowed != 4 {
		t.Fatalf("%d of 10 requests spread over two replicas allowed, want the budget, 4", allowed)
	}

	// The replica leaves at shutdown: the other takes the whole budget.
	if err := replica.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the remaining replica to count one alive", func() bool {
		log := s.apiLog.String()
		return strings.LastIndex(log, `"msg":"api_replicas","alive":1`) > strings.LastIndex(log, `"msg":"api_replicas","alive":2`)
	})
	if _, limit := get(s.base); limit != "4" {
		t.Fatalf("alone again: X-RateLimit-Limit %q, want 4", limit)
	}
}
