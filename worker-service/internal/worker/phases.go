package worker

import (
	"context"
	"time"
)

// phases is where one job's time went, logged with job_done so that an
// operator (and `make bench`) sees what besides libvips a job costs: the
// read of the original from the object store, the renditions (imaging),
// the writes of the files, and the Postgres transaction that records them.
// What is left of duration_ms is loading and locking the item, the type's
// crops and the probe. The trace has the same stages as spans.
type phases struct {
	read, render, store, record time.Duration
}

type phasesKey struct{}

// withPhases makes ctx carry tm, for the stages of one job to fill in.
func withPhases(ctx context.Context, tm *phases) context.Context {
	return context.WithValue(ctx, phasesKey{}, tm)
}

// phasesOf is ctx's phases, or a throwaway one when the job has none
// (a test calling a stage alone).
func phasesOf(ctx context.Context) *phases {
	if tm, ok := ctx.Value(phasesKey{}).(*phases); ok {
		return tm
	}
	return &phases{}
}

// phase starts timing one stage; the returned func adds the time to *d.
func phase(d *time.Duration) func() {
	start := time.Now()
	return func() { *d += time.Since(start) }
}

// attrs are the phases as log attributes, in milliseconds.
func (tm phases) attrs() []any {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return []any{"read_ms", ms(tm.read), "render_ms", ms(tm.render), "store_ms", ms(tm.store), "record_ms", ms(tm.record)}
}
