package worker

import (
	"context"
	"testing"
	"time"
)

// TestPhases checks that a job's stages add up in the phases its context
// carries, and that job_done's attributes are those phases in ms.
func TestPhases(t *testing.T) {
	var tm phases
	ctx := withPhases(context.Background(), &tm)
	for range 2 {
		done := phase(&phasesOf(ctx).store)
		time.Sleep(2 * time.Millisecond)
		done()
	}
	if tm.store < 4*time.Millisecond || tm.read != 0 {
		t.Fatalf("phases %+v: want store ≥ 4 ms from two stages, nothing read", tm)
	}
	attrs := tm.attrs()
	if len(attrs) != 8 || attrs[4] != "store_ms" || attrs[5].(float64) < 4 {
		t.Fatalf("attrs %v", attrs)
	}
	// A stage run outside a job (no phases in ctx) times into nothing.
	phase(&phasesOf(context.Background()).read)()
}
