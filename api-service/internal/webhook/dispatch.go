package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Store is what deliveries need of the webhook store.
type Store interface {
	FindWebhooks(ctx context.Context, apiKeyID int64) ([]*media.Webhook, error)
	FindWebhook(ctx context.Context, id string) (*media.Webhook, error)
	RecordWebhookAttempt(ctx context.Context, id string, at time.Time, status int, errText string) error
}

// Body is what a webhook receives: the event, with the item's id (UUID)
// and status. ID is the idempotency id, also sent as HeaderID.
type Body struct {
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	CreatedAt string   `json:"created_at"`
	Data      BodyData `json:"data"`
}

// BodyData is the item an event is about.
type BodyData struct {
	MediaID       string  `json:"media_id"`
	Status        string  `json:"status"`
	FailureReason *string `json:"failure_reason"`
}

// delivery is one event for one webhook, a message on the deliveries
// work queue.
type delivery struct {
	WebhookID string      `json:"webhook_id"`
	Event     media.Event `json:"event"`
}

// Dispatcher turns status events into signed webhook deliveries, in two
// JetStream steps: the fan-out reads each event once (a durable consumer
// shared by every API replica) and queues one delivery per interested
// webhook; the senders deliver each with its own retries, so one slow or
// failing receiver never delays another's.
type Dispatcher struct {
	store       Store
	conn        *jobqueue.Conn
	sender      *Sender
	log         *slog.Logger
	maxAttempts int
	// sem bounds deliveries in flight on this replica.
	sem chan struct{}
}

// NewDispatcher returns a dispatcher; maxAttempts bounds the attempts of
// one delivery (the last is at about the sum of Backoff's schedule).
func NewDispatcher(store Store, conn *jobqueue.Conn, sender *Sender, log *slog.Logger, maxAttempts int) *Dispatcher {
	return &Dispatcher{store: store, conn: conn, sender: sender, log: log, maxAttempts: max(maxAttempts, 1), sem: make(chan struct{}, 16)}
}

// Run consumes until ctx ends. It returns an error only when the streams
// can't be set up.
func (d *Dispatcher) Run(ctx context.Context) error {
	// AckWait covers the longest attempt (the sender's timeout) with room.
	fanout, senders, err := d.conn.EnsureWebhookStreams(ctx, max(2*d.sender.timeout, 30*time.Second), d.maxAttempts)
	if err != nil {
		return err
	}
	fc, err := fanout.Consume(func(msg jetstream.Msg) { d.fanOut(ctx, msg) })
	if err != nil {
		return err
	}
	defer fc.Stop()
	var wg sync.WaitGroup
	sc, err := senders.Consume(func(msg jetstream.Msg) {
		select {
		case d.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Add(1)
		go func() {
			defer func() { <-d.sem; wg.Done() }()
			d.send(ctx, msg)
		}()
	}, jetstream.PullMaxMessages(cap(d.sem)))
	if err != nil {
		return err
	}
	<-ctx.Done()
	sc.Stop()
	wg.Wait()
	return nil
}

// fanOut queues one delivery per webhook of the event's key that wants it.
// The delivery's Nats-Msg-Id is event and webhook, so a fan-out repeated
// after a crash queues nothing twice.
func (d *Dispatcher) fanOut(ctx context.Context, msg jetstream.Msg) {
	var ev media.Event
	if err := json.Unmarshal(msg.Data(), &ev); err != nil || ev.APIKeyID == nil {
		_ = msg.Ack() // not an item of a key: no webhooks
		return
	}
	hooks, err := d.store.FindWebhooks(ctx, *ev.APIKeyID)
	if err != nil {
		d.log.WarnContext(ctx, "webhook_fanout_failed", "event_id", ev.ID, "err", err)
		_ = msg.NakWithDelay(5 * time.Second)
		return
	}
	for _, h := range hooks {
		if !h.Wants(ev.Type) {
			continue
		}
		payload, _ := json.Marshal(delivery{WebhookID: h.ID, Event: ev})
		if err := d.conn.Publish(ctx, jobqueue.WebhookSubject(h.ID), payload, ev.ID+":"+h.ID, nil); err != nil {
			d.log.WarnContext(ctx, "webhook_fanout_failed", "event_id", ev.ID, "err", err)
			_ = msg.NakWithDelay(5 * time.Second)
			return
		}
	}
	_ = msg.Ack()
}

// send makes one attempt at a delivery: ack on a 2xx, retry later with
// back-off otherwise, and give up after the last attempt.
func (d *Dispatcher) send(ctx context.Context, msg jetstream.Msg) {
	var del delivery
	if err := json.Unmarshal(msg.Data(), &del); err != nil {
		_ = msg.Term()
		return
	}
	h, err := d.store.FindWebhook(ctx, del.WebhookID)
	if media.ErrorCode(err) == media.CodeNotFound {
		_ = msg.Ack() // deleted since: nothing to deliver to
		return
	}
	if err != nil {
		_ = msg.NakWithDelay(5 * time.Second)
		return
	}
	attempt := uint64(1)
	if meta, err := msg.Metadata(); err == nil {
		attempt = meta.NumDelivered
	}
	body, _ := json.Marshal(toBody(del.Event))
	// A heartbeat while the receiver thinks, so a slow answer within the
	// sender's timeout is never taken for a lost delivery.
	_ = msg.InProgress()
	status, derr := d.sender.Deliver(ctx, h.URL, []byte(h.Secret), del.Event.ID, body)
	errText := ""
	if derr != nil {
		errText = derr.Error()
	}
	if err := d.store.RecordWebhookAttempt(context.WithoutCancel(ctx), h.ID, time.Now(), status, errText); err != nil {
		d.log.WarnContext(ctx, "webhook_record_failed", "webhook_id", h.ID, "err", err)
	}
	log := d.log.With("webhook_id", h.ID, "event_id", del.Event.ID, "attempt", attempt, "status", status)
	outcome := "delivered"
	switch {
	case derr == nil:
		_ = msg.Ack()
		log.InfoContext(ctx, "webhook_delivered")
	case errors.Is(ctx.Err(), context.Canceled):
		_ = msg.Nak() // shutting down: another replica takes it now
		outcome = "interrupted"
	case attempt >= uint64(d.maxAttempts):
		_ = msg.TermWithReason("webhook gave up: " + errText)
		log.WarnContext(ctx, "webhook_abandoned", "err", derr)
		outcome = "abandoned"
	default:
		delay := Backoff(int(attempt))
		_ = msg.NakWithDelay(delay)
		log.InfoContext(ctx, "webhook_retry", "err", derr, "retry_in", delay.String())
		outcome = "retried"
	}
	deliveries.Add(ctx, 1, metric.WithAttributes(attribute.String("outcome", outcome)))
}

func toBody(ev media.Event) Body {
	b := Body{ID: ev.ID, Type: string(ev.Type), CreatedAt: ev.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		Data: BodyData{MediaID: ev.MediaKey, Status: string(ev.Status)}}
	if ev.Error != "" {
		b.Data.FailureReason = &ev.Error
	}
	return b
}

// deliveries counts webhook delivery attempts by outcome: delivered,
// retried, abandoned (the last attempt failed) or interrupted (shutdown).
var deliveries, _ = otel.Meter("github.com/pixelmill/pixelmill/api-service/internal/webhook").Int64Counter(
	"pixelmill.webhook.deliveries", metric.WithUnit("{attempt}"),
	metric.WithDescription("Webhook delivery attempts, by outcome: delivered, retried, abandoned, interrupted."))
