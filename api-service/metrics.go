package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/postgres"
)

// observeBacklog registers the gauges read at each scrape from Postgres
// (outbox rows pending and the oldest's age; items processing and the
// oldest's age) and from JetStream (each job consumer's pending and
// unacknowledged messages; dead letters). Every replica reports the same
// values: a dashboard takes their max.
// The returned registration ends the observations.
func observeBacklog(outbox *postgres.OutboxStore, nc *jobqueue.Conn, log *slog.Logger) (metric.Registration, error) {
	m := otel.Meter("github.com/pixelmill/pixelmill/api-service")
	outboxPending, err1 := m.Int64ObservableGauge("pixelmill.outbox.pending", metric.WithUnit("{message}"),
		metric.WithDescription("Outbox rows (jobs and events) not yet published to NATS."))
	outboxAge, err2 := m.Float64ObservableGauge("pixelmill.outbox.oldest.age", metric.WithUnit("s"),
		metric.WithDescription("Age of the oldest outbox row not yet published."))
	processing, err3 := m.Int64ObservableGauge("pixelmill.items.processing", metric.WithUnit("{item}"),
		metric.WithDescription("Items whose processing has not ended."))
	processingAge, err4 := m.Float64ObservableGauge("pixelmill.items.processing.oldest.age", metric.WithUnit("s"),
		metric.WithDescription("Age of the newest job of the item processing longest."))
	pending, err5 := m.Int64ObservableGauge("pixelmill.queue.pending", metric.WithUnit("{message}"),
		metric.WithDescription("Jobs a consumer has not yet delivered (its lag), by consumer."))
	ackPending, err6 := m.Int64ObservableGauge("pixelmill.queue.ack_pending", metric.WithUnit("{message}"),
		metric.WithDescription("Jobs delivered and not yet acknowledged, by consumer."))
	dead, err7 := m.Int64ObservableGauge("pixelmill.deadletters", metric.WithUnit("{message}"),
		metric.WithDescription("Dead letters kept in MEDIA_DLQ."))
	for _, err := range []error{err1, err2, err3, err4, err5, err6, err7} {
		if err != nil {
			return nil, err
		}
	}
	return m.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if b, err := outbox.ReadBacklog(ctx); err != nil {
			log.WarnContext(ctx, "metrics_backlog", "err", err)
		} else {
			o.ObserveInt64(outboxPending, b.OutboxPending)
			o.ObserveFloat64(outboxAge, b.OutboxOldest.Seconds())
			o.ObserveInt64(processing, b.Processing)
			o.ObserveFloat64(processingAge, b.ProcessingOldest.Seconds())
		}
		if q, err := nc.ReadBacklog(ctx); err != nil {
			log.WarnContext(ctx, "metrics_queues", "err", err)
		} else {
			for name, n := range q.Pending {
				o.ObserveInt64(pending, int64(n), metric.WithAttributes(attribute.String("consumer", name)))
			}
			for name, n := range q.AckPending {
				o.ObserveInt64(ackPending, int64(n), metric.WithAttributes(attribute.String("consumer", name)))
			}
			o.ObserveInt64(dead, int64(q.DeadLetters))
		}
		return nil
	}, outboxPending, outboxAge, processing, processingAge, pending, ackPending, dead)
}

// beatReplica says every few seconds that this replica is alive, and
// divides the rate limits' budgets among the replicas alive (a beat within
// the last 15 s), logging when their number changes. At ctx's end the
// replica leaves, so the others take its share at their next beat.
func beatReplica(ctx context.Context, store *postgres.ReplicaStore, limiter *httpx.RateLimiter, log *slog.Logger) {
	id := uuid.New()
	last := 0
	beat := func() {
		bctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		n, err := store.Beat(bctx, id, 15*time.Second)
		if err != nil {
			log.WarnContext(ctx, "replica_beat_failed", "err", err)
			return
		}
		if n != last {
			limiter.SetShare(n)
			log.InfoContext(ctx, "api_replicas", "alive", n)
			last = n
		}
	}
	beat()
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			lctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			if err := store.Leave(lctx, id); err != nil {
				log.Warn("replica_leave_failed", "err", err)
			}
			return
		case <-t.C:
			beat()
		}
	}
}
