package jobqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The dead-letter stream keeps jobs whose last delivery failed, for an
// operator to look at and replay (`worker-service dlq list|replay`).
const (
	DLQStreamName = "MEDIA_DLQ"
	DLQSubjects   = "media.dlq.>"
	// MaxDeliveriesAdvisory is what JetStream publishes when a message of
	// the job stream ran out of deliveries without being settled: a worker
	// died on every attempt. DeriveMaxDeliveriesAdvisory is the same for
	// the image URL renditions.
	MaxDeliveriesAdvisory       = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + StreamName + "." + ConsumerName
	DeriveMaxDeliveriesAdvisory = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + DeriveStreamName + "." + DeriveConsumerName
)

// Headers of a dead letter.
const (
	HeaderReason     = "Pixelmill-Failure-Reason"
	HeaderFailedAt   = "Pixelmill-Failed-At"
	HeaderDeliveries = "Pixelmill-Deliveries"
)

// DeadLetter is one job in the dead-letter stream.
type DeadLetter struct {
	Seq        uint64
	Subject    string
	Payload    []byte
	Reason     string
	FailedAt   time.Time
	Deliveries int
}

// EnsureDLQ creates the dead-letter stream. It keeps letters 30 days: long
// enough for an operator to act, short enough not to grow without bound.
func (c *Conn) EnsureDLQ(ctx context.Context) error {
	_, err := c.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:     DLQStreamName,
		Subjects: []string{DLQSubjects},
		Storage:  jetstream.FileStorage,
		Replicas: max(c.cfg.Replicas, 1),
		MaxAge:   30 * 24 * time.Hour,
	})
	if err != nil {
		return fmt.Errorf("ensure stream %s: %w", DLQStreamName, err)
	}
	return nil
}

// PublishDLQ stores a failed job with why it failed. kind is the job
// subject's last token.
func (c *Conn) PublishDLQ(ctx context.Context, kind string, payload []byte, reason string, deliveries int, trace map[string]string) error {
	msg := nats.NewMsg("media.dlq." + kind)
	msg.Data = payload
	for k, v := range trace {
		msg.Header.Set(k, v)
	}
	msg.Header.Set(HeaderReason, reason)
	msg.Header.Set(HeaderFailedAt, time.Now().UTC().Format(time.RFC3339))
	msg.Header.Set(HeaderDeliveries, strconv.Itoa(deliveries))
	if _, err := c.JS.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("publish dead letter: %w", err)
	}
	return nil
}

// ListDLQ returns every dead letter, oldest first.
func (c *Conn) ListDLQ(ctx context.Context) ([]DeadLetter, error) {
	s, err := c.JS.Stream(ctx, DLQStreamName)
	if err != nil {
		return nil, fmt.Errorf("dead-letter stream: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []DeadLetter
	for seq := info.State.FirstSeq; seq > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dead letter %d: %w", seq, err)
		}
		d := DeadLetter{Seq: seq, Subject: m.Subject, Payload: m.Data, Reason: m.Header.Get(HeaderReason)}
		d.FailedAt, _ = time.Parse(time.RFC3339, m.Header.Get(HeaderFailedAt))
		d.Deliveries, _ = strconv.Atoi(m.Header.Get(HeaderDeliveries))
		out = append(out, d)
	}
	return out, nil
}

// DeleteDLQ removes a dead letter once it was replayed.
func (c *Conn) DeleteDLQ(ctx context.Context, seq uint64) error {
	s, err := c.JS.Stream(ctx, DLQStreamName)
	if err != nil {
		return err
	}
	return s.DeleteMsg(ctx, seq)
}

// Exhausted is a job that ran out of deliveries, from the advisory.
type Exhausted struct {
	StreamSeq uint64
	Subject   string
	Payload   []byte
	Headers   nats.Header
}

// OnExhausted calls fn for each job JetStream gave up on (a worker died on
// every delivery, so none could record the failure). The subscription is a
// queue group: one worker of the fleet handles each advisory. fn's job is
// to record the failure and dead-letter it; the message is then removed
// from the job stream.
func (c *Conn) OnExhausted(fn func(context.Context, Exhausted) error) (func(), error) {
	var subs []*nats.Subscription
	stop := func() {
		for _, sub := range subs {
			_ = sub.Unsubscribe()
		}
	}
	for _, w := range []struct{ advisory, stream string }{
		{MaxDeliveriesAdvisory, StreamName},
		{DeriveMaxDeliveriesAdvisory, DeriveStreamName},
	} {
		sub, err := c.NC.QueueSubscribe(w.advisory, "pixelmill-dlq", func(m *nats.Msg) {
			var adv struct {
				StreamSeq uint64 `json:"stream_seq"`
			}
			if json.Unmarshal(m.Data, &adv) != nil || adv.StreamSeq == 0 {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := c.JS.Stream(ctx, w.stream)
			if err != nil {
				return
			}
			raw, err := s.GetMsg(ctx, adv.StreamSeq)
			if err != nil {
				return // already settled by someone else
			}
			if fn(ctx, Exhausted{StreamSeq: adv.StreamSeq, Subject: raw.Subject, Payload: raw.Data, Headers: raw.Header}) == nil {
				_ = s.DeleteMsg(ctx, adv.StreamSeq)
			}
		})
		if err != nil {
			stop()
			return nil, fmt.Errorf("subscribe %s: %w", w.advisory, err)
		}
		subs = append(subs, sub)
	}
	return stop, nil
}

// Backlog is what the queues hold, for the metrics: the messages each job
// consumer has not yet delivered and those delivered but not acked, and
// the dead letters kept.
type Backlog struct {
	// Pending and AckPending are by consumer name.
	Pending, AckPending map[string]uint64
	DeadLetters         uint64
}

// ReadBacklog reads the consumers' and the dead-letter stream's state from
// JetStream.
func (c *Conn) ReadBacklog(ctx context.Context) (Backlog, error) {
	b := Backlog{Pending: map[string]uint64{}, AckPending: map[string]uint64{}}
	for _, sc := range [][2]string{{StreamName, ConsumerName}, {DeriveStreamName, DeriveConsumerName}} {
		cons, err := c.JS.Consumer(ctx, sc[0], sc[1])
		if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
			// No worker has started yet: nothing is queued for it.
			b.Pending[sc[1]], b.AckPending[sc[1]] = 0, 0
			continue
		}
		if err != nil {
			return b, fmt.Errorf("consumer %s: %w", sc[1], err)
		}
		info, err := cons.Info(ctx)
		if err != nil {
			return b, fmt.Errorf("consumer %s: %w", sc[1], err)
		}
		b.Pending[sc[1]], b.AckPending[sc[1]] = info.NumPending, uint64(info.NumAckPending)
	}
	s, err := c.JS.Stream(ctx, DLQStreamName)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return b, nil
	}
	if err != nil {
		return b, fmt.Errorf("stream %s: %w", DLQStreamName, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return b, fmt.Errorf("stream %s: %w", DLQStreamName, err)
	}
	b.DeadLetters = info.State.Msgs
	return b, nil
}
