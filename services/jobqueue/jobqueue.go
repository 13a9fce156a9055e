// Package jobqueue carries Pixelmill's jobs over NATS JetStream: the
// work-queue stream and its shared durable consumer, the publisher, the
// outbox relay, and the trace context in message headers.
package jobqueue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/pixelmill/pixelmill/services/config"
	"github.com/pixelmill/pixelmill/services/media"
)

// Names of the streams, their subjects and the workers' consumers.
const (
	// StreamName holds the jobs that make an item's own files (its
	// renditions, an edit, its crops); ConsumerName takes them.
	StreamName   = "MEDIA_JOBS"
	JobSubjects  = "media.jobs.>"
	ConsumerName = "media-workers"
	// DeriveStreamName holds the renditions asked for by image URL
	// parameters (media.DeriveSubject). Anyone may ask for those, so they
	// queue in a stream of their own: a burst of them never holds an
	// upload's job back, and the item jobs' stream and consumer keep the
	// shape older workers expect.
	DeriveStreamName   = "MEDIA_DERIVE"
	DeriveConsumerName = "media-derive"
)

// Config holds the broker address and the delivery policy.
type Config struct {
	URL string
	// AckWait is how long a delivery may go without an ack or an
	// InProgress heartbeat before JetStream redelivers it.
	AckWait time.Duration
	// MaxDeliver bounds deliveries; after the last the worker marks the
	// item failed. The spacing between deliveries is the worker's
	// NakWithDelay, not a consumer BackOff: JetStream uses a BackOff's
	// first step in place of AckWait, which would redeliver every job that
	// runs longer than that step while it is still running.
	MaxDeliver int
	// MaxAckPending caps jobs in flight across all workers.
	MaxAckPending int
	// Replicas of the stream (1 locally; 3 in a cluster).
	Replicas int
}

// DefaultConfig returns the settings `make up` uses.
func DefaultConfig() Config {
	return Config{
		URL:           "nats://127.0.0.1:54222",
		AckWait:       60 * time.Second,
		MaxDeliver:    5,
		MaxAckPending: 256,
		Replicas:      1,
	}
}

// Validate reports a config that can't work.
func (c Config) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("jobqueue: URL is empty"))
	}
	if c.AckWait < time.Second {
		errs = append(errs, errors.New("jobqueue: AckWait must be at least 1s"))
	}
	if c.MaxDeliver < 1 {
		errs = append(errs, errors.New("jobqueue: MaxDeliver must be at least 1"))
	}
	if c.MaxAckPending < 1 {
		errs = append(errs, errors.New("jobqueue: MaxAckPending must be at least 1"))
	}
	return errors.Join(errs...)
}

// Conn is a NATS connection with its JetStream context. The connection
// reconnects by itself forever; readiness is Ping.
type Conn struct {
	NC  *nats.Conn
	JS  jetstream.JetStream
	cfg Config
}

// Connect dials NATS. It retries in the background when the server is not
// up yet, so services start in any order.
func Connect(cfg Config, name string) (*Conn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	nc, err := nats.Connect(cfg.URL,
		nats.Name(name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
	)
	if err != nil {
		return nil, fmt.Errorf("connect nats %s: %w", cfg.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &Conn{NC: nc, JS: js, cfg: cfg}, nil
}

// Close drains and closes the connection.
func (c *Conn) Close() { _ = c.NC.Drain() }

// Ping checks that the server and JetStream answer.
func (c *Conn) Ping(ctx context.Context) error {
	if !c.NC.IsConnected() {
		return errors.New("nats: not connected")
	}
	_, err := c.JS.AccountInfo(ctx)
	return err
}

// EnsureStream creates or updates the work-queue stream: a message leaves
// it once acked, so each job is done by one worker.
func (c *Conn) EnsureStream(ctx context.Context) (jetstream.Stream, error) {
	s, err := c.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       StreamName,
		Subjects:   []string{JobSubjects},
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		Replicas:   max(c.cfg.Replicas, 1),
		Duplicates: 2 * time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("ensure stream %s: %w", StreamName, err)
	}
	return s, nil
}

// EnsureConsumer creates or updates the durable pull consumer of the item
// jobs that all workers share, so N workers split the jobs.
func (c *Conn) EnsureConsumer(ctx context.Context) (jetstream.Consumer, error) {
	if _, err := c.EnsureStream(ctx); err != nil {
		return nil, err
	}
	return c.ensureConsumer(ctx, StreamName, ConsumerName, JobSubjects)
}

// EnsureDeriveStream creates or updates the work-queue stream of the
// image URL renditions.
func (c *Conn) EnsureDeriveStream(ctx context.Context) error {
	_, err := c.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:      DeriveStreamName,
		Subjects:  []string{media.DeriveSubject},
		Retention: jetstream.WorkQueuePolicy,
		Storage:   jetstream.FileStorage,
		Replicas:  max(c.cfg.Replicas, 1),
		// A request that finds nothing made asks again; an hour-old ask
		// has nobody waiting for it.
		MaxAge:     time.Hour,
		Duplicates: 2 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("ensure stream %s: %w", DeriveStreamName, err)
	}
	return nil
}

// EnsureDeriveConsumer creates or updates the durable pull consumer of the
// image URL renditions, which every worker also reads, in a slot of its
// own.
func (c *Conn) EnsureDeriveConsumer(ctx context.Context) (jetstream.Consumer, error) {
	if err := c.EnsureDeriveStream(ctx); err != nil {
		return nil, err
	}
	return c.ensureConsumer(ctx, DeriveStreamName, DeriveConsumerName, media.DeriveSubject)
}

func (c *Conn) ensureConsumer(ctx context.Context, stream, name, subject string) (jetstream.Consumer, error) {
	cons, err := c.JS.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable:       name,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.cfg.AckWait,
		MaxDeliver:    c.cfg.MaxDeliver,
		MaxAckPending: c.cfg.MaxAckPending,
		FilterSubject: subject,
	})
	if err != nil {
		return nil, fmt.Errorf("ensure consumer %s: %w", name, err)
	}
	return cons, nil
}

// Publish sends payload on subject with msgID as Nats-Msg-Id, so a retry
// within the duplicate window is dropped by the server, and waits for the
// stream's ack. headers (trace context) are carried along.
func (c *Conn) Publish(ctx context.Context, subject string, payload []byte, msgID string, headers map[string]string) error {
	msg := nats.NewMsg(subject)
	msg.Data = payload
	for k, v := range headers {
		msg.Header.Set(k, v)
	}
	_, err := c.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID))
	if err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	return nil
}

// InjectTrace returns the trace context of ctx as headers for a message.
func InjectTrace(ctx context.Context) map[string]string {
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	return carrier
}

// ExtractTrace returns ctx carrying the trace context of a message's
// headers, so a worker's span continues the upload's trace.
func ExtractTrace(ctx context.Context, h nats.Header) context.Context {
	carrier := propagation.MapCarrier{}
	for k := range h {
		carrier[k] = h.Get(k)
	}
	return otel.GetTextMapPropagator().Extract(ctx, carrier)
}

// ConfigFromEnv reads PIXELMILL_NATS_URL and the delivery policy
// variables; a bad value is remembered by e.
func ConfigFromEnv(e *config.Env) Config {
	d := DefaultConfig()
	c := Config{
		URL:           e.String("PIXELMILL_NATS_URL", d.URL),
		AckWait:       e.Duration("PIXELMILL_JOB_ACK_WAIT", d.AckWait),
		MaxDeliver:    e.Int("PIXELMILL_JOB_MAX_DELIVER", d.MaxDeliver),
		MaxAckPending: e.Int("PIXELMILL_JOB_MAX_ACK_PENDING", d.MaxAckPending),
		Replicas:      e.Int("PIXELMILL_NATS_REPLICAS", d.Replicas),
	}
	e.Check("jobqueue", c.Validate())
	return c
}
