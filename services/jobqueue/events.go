package jobqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pixelmill/pixelmill/services/media"
)

// Names of the status-event stream and the webhook deliveries.
const (
	EventStreamName    = "MEDIA_EVENTS"
	EventSubjects      = "media.events.>"
	WebhookStreamName  = "WEBHOOK_DELIVERIES"
	WebhookSubjects    = "webhooks.deliveries.>"
	WebhookFanout      = "webhook-fanout"  // turns each event into one delivery per webhook
	WebhookSenders     = "webhook-senders" // sends the deliveries
	webhookSubjectBase = "webhooks.deliveries."
)

// EventRetention is how long status events stay in MEDIA_EVENTS: a live
// stream that reconnects with Last-Event-ID resumes within it.
const EventRetention = 24 * time.Hour

// EnsureEventStream creates or updates the status-event stream. The outbox
// relay publishes every event into it with the outbox id as Nats-Msg-Id;
// plain NATS subscribers (long polls) see each event as it is stored, and
// durable consumers (webhooks) and replays (event streams) read it later.
func (c *Conn) EnsureEventStream(ctx context.Context) error {
	_, err := c.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       EventStreamName,
		Subjects:   []string{EventSubjects},
		Retention:  jetstream.LimitsPolicy,
		Storage:    jetstream.FileStorage,
		Replicas:   max(c.cfg.Replicas, 1),
		MaxAge:     EventRetention,
		Duplicates: 2 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("ensure stream %s: %w", EventStreamName, err)
	}
	return nil
}

// SubscribeEvents calls fn for each status event as it is published, on
// this process only (every API replica hears every event). Events missed
// while disconnected are not replayed: listeners re-read Postgres.
func (c *Conn) SubscribeEvents(fn func(media.Event)) (func(), error) {
	sub, err := c.NC.Subscribe(EventSubjects, func(m *nats.Msg) {
		var ev media.Event
		if json.Unmarshal(m.Data, &ev) == nil && ev.MediaKey != "" {
			fn(ev)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", EventSubjects, err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// SequencedEvent is an event with its sequence in MEDIA_EVENTS, which an
// event stream uses as its resumable id.
type SequencedEvent struct {
	Seq   uint64
	Event media.Event
}

// ReadEvents sends the events of MEDIA_EVENTS to out until ctx ends: those
// after sequence after (0: only new ones). It uses an ordered consumer, so
// nothing is left on the server when the reader goes away.
func (c *Conn) ReadEvents(ctx context.Context, after uint64, out chan<- SequencedEvent) error {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{EventSubjects}, DeliverPolicy: jetstream.DeliverNewPolicy}
	if after > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, after+1
	}
	cons, err := c.JS.OrderedConsumer(ctx, EventStreamName, cfg)
	if err != nil {
		return fmt.Errorf("read %s: %w", EventStreamName, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("read %s: %w", EventStreamName, err)
	}
	go func() { <-ctx.Done(); it.Stop() }()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return ctx.Err()
			}
			return fmt.Errorf("read %s: %w", EventStreamName, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			continue
		}
		var ev media.Event
		if json.Unmarshal(msg.Data(), &ev) != nil {
			continue
		}
		select {
		case out <- SequencedEvent{Seq: meta.Sequence.Stream, Event: ev}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// EnsureWebhookStreams creates the webhook deliveries' work queue and the
// two durable consumers: the fan-out on MEDIA_EVENTS, and the senders on
// the deliveries. maxDeliver bounds attempts per delivery; retries are
// spaced by the sender's NakWithDelay (no consumer BackOff: see Config).
func (c *Conn) EnsureWebhookStreams(ctx context.Context, ackWait time.Duration, maxDeliver int) (fanout, senders jetstream.Consumer, err error) {
	if err := c.EnsureEventStream(ctx); err != nil {
		return nil, nil, err
	}
	_, err = c.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       WebhookStreamName,
		Subjects:   []string{WebhookSubjects},
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		Replicas:   max(c.cfg.Replicas, 1),
		Duplicates: 10 * time.Minute,
		MaxAge:     7 * 24 * time.Hour,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ensure stream %s: %w", WebhookStreamName, err)
	}
	fanout, err = c.JS.CreateOrUpdateConsumer(ctx, EventStreamName, jetstream.ConsumerConfig{
		Durable:        WebhookFanout,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        30 * time.Second,
		FilterSubjects: []string{"media.events.ready", "media.events.failed"},
		// Webhooks registered now hear of changes from now on.
		DeliverPolicy: jetstream.DeliverNewPolicy,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ensure consumer %s: %w", WebhookFanout, err)
	}
	senders, err = c.JS.CreateOrUpdateConsumer(ctx, WebhookStreamName, jetstream.ConsumerConfig{
		Durable:       WebhookSenders,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    maxDeliver,
		MaxAckPending: 1000,
		FilterSubject: WebhookSubjects,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ensure consumer %s: %w", WebhookSenders, err)
	}
	return fanout, senders, nil
}

// WebhookSubject is the subject of one webhook's deliveries.
func WebhookSubject(webhookID string) string { return webhookSubjectBase + webhookID }
