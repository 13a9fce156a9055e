package worker

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

// The worker's instruments: jobs by kind and outcome, their duration, how
// long they waited between the outbox and a worker, the jobs in flight,
// and libvips's memory.
var (
	meter       = otel.Meter("github.com/pixelmill/pixelmill/worker-service/internal/worker")
	jobsDone, _ = meter.Int64Counter("pixelmill.jobs", metric.WithUnit("{job}"),
		metric.WithDescription("Jobs ended, by kind and outcome: done, dropped (no longer wanted), failed (final), retried."))
	jobDuration, _ = meter.Float64Histogram("pixelmill.job.duration", metric.WithUnit("s"),
		metric.WithDescription("Time a job ran, from its start to its outcome, by kind and outcome."),
		metric.WithExplicitBucketBoundaries(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
	queueWait, _ = meter.Float64Histogram("pixelmill.job.queue.wait", metric.WithUnit("s"),
		metric.WithDescription("Time from a job's outbox row to a worker starting it, by kind."),
		metric.WithExplicitBucketBoundaries(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
	inFlight, _ = meter.Int64UpDownCounter("pixelmill.jobs.in_flight", metric.WithUnit("{job}"),
		metric.WithDescription("Jobs running in this worker, by kind."))
)

func init() {
	mem, _ := meter.Int64ObservableGauge("pixelmill.vips.memory", metric.WithUnit("By"),
		metric.WithDescription("Memory libvips has allocated now (current) and at most since start (peak)."))
	_, _ = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		if now, high, ok := imaging.Memory(); ok {
			o.ObserveInt64(mem, now, metric.WithAttributes(attribute.String("state", "current")))
			o.ObserveInt64(mem, high, metric.WithAttributes(attribute.String("state", "peak")))
		}
		return nil
	}, mem)
}

// observeStart records a job's start: its wait since its outbox row, and
// one more in flight. The returned function records its end.
func observeStart(ctx context.Context, msg jetstream.Msg, job media.Job) func(outcome string) {
	kind := metric.WithAttributes(attribute.String("kind", string(job.Kind)))
	if h := msg.Headers(); h != nil {
		if at, err := time.Parse(time.RFC3339Nano, h.Get(media.QueuedAtHeader)); err == nil {
			queueWait.Record(ctx, time.Since(at).Seconds(), kind)
		}
	}
	inFlight.Add(ctx, 1, kind)
	start := time.Now()
	return func(outcome string) {
		inFlight.Add(ctx, -1, kind)
		attrs := metric.WithAttributes(attribute.String("kind", string(job.Kind)), attribute.String("outcome", outcome))
		jobsDone.Add(ctx, 1, attrs)
		jobDuration.Record(ctx, time.Since(start).Seconds(), attrs)
	}
}
