package jobqueue

import (
	"context"
	"log/slog"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
)

// Outbox is what the relay needs of the outbox table.
type Outbox interface {
	RelayPending(ctx context.Context, limit int, publish func(context.Context, media.OutboxMessage) error) (int, error)
}

// Relay moves committed jobs from the Postgres outbox to JetStream.
type Relay struct {
	outbox Outbox
	conn   *Conn
	log    *slog.Logger
	kick   chan struct{}
	// Interval is the idle poll period; Kick wakes the relay sooner.
	Interval time.Duration
}

// NewRelay returns a relay; call Run in a goroutine.
func NewRelay(outbox Outbox, conn *Conn, log *slog.Logger) *Relay {
	return &Relay{outbox: outbox, conn: conn, log: log, kick: make(chan struct{}, 1), Interval: time.Second}
}

// Kick asks the relay to look at the outbox now, after a commit that added
// a job, so a job doesn't wait for the next poll.
func (r *Relay) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends. Publish failures (NATS down) are retried on the
// next tick; the rows stay in the outbox meanwhile, so nothing is lost.
func (r *Relay) Run(ctx context.Context) {
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	failing := false
	for {
		for {
			n, err := r.outbox.RelayPending(ctx, 100, func(ctx context.Context, m media.OutboxMessage) error {
				pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				return r.conn.Publish(pctx, m.Subject, m.Payload, m.ID, m.Headers)
			})
			if err != nil {
				if !failing && ctx.Err() == nil {
					r.log.WarnContext(ctx, "outbox_relay_failed", "err", err)
				}
				failing = true
				break
			}
			if failing {
				r.log.InfoContext(ctx, "outbox_relay_recovered")
				failing = false
			}
			if n < 100 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.kick:
		}
	}
}
