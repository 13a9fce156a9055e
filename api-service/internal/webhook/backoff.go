package webhook

import (
	"math/rand/v2"
	"time"
)

// schedule is the delay before each retry: quick at first to ride out a
// blip, then spreading out over about two hours, then hourly.
var schedule = [...]time.Duration{
	1 * time.Second,
	5 * time.Second,
	30 * time.Second,
	2 * time.Minute,
	10 * time.Minute,
	30 * time.Minute,
	1 * time.Hour,
}

// Backoff returns the delay before retry number attempt (1 = first retry):
// 1s, 5s, 30s, 2m, 10m, 30m, 1h, then 1h for every later retry. Each is
// jittered by up to ±20% so that deliveries which failed together (a
// receiver outage) don't all retry in the same instant. An attempt below 1
// counts as 1.
func Backoff(attempt int) time.Duration {
	i := min(max(attempt, 1), len(schedule)) - 1
	d := schedule[i]
	j := int64(d / 5)
	return d + time.Duration(rand.Int64N(2*j+1)-j)
}
