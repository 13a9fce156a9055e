package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// ListenEvent is what a Listen callback is told.
type ListenEvent int

// The events of a LISTEN connection.
const (
	// Listening: the LISTEN is (again) in place. Notifications sent while
	// none listened are gone, so whatever they would have said is unknown.
	Listening ListenEvent = iota
	// Lost: the connection failed; notifications are missed until the
	// next Listening.
	Lost
	// Notified: a notification arrived, with its payload.
	Notified
)

// Listen calls fn for each notification on channel, and when its LISTEN
// connection comes up or goes down, until ctx ends. It holds one pooled
// connection for the LISTEN and reconnects after an error.
func (db *DB) Listen(ctx context.Context, channel string, log *slog.Logger, fn func(ev ListenEvent, payload string)) {
	delay := 200 * time.Millisecond
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, channel, fn)
		fn(Lost, "")
		if ctx.Err() != nil {
			return
		}
		log.WarnContext(ctx, "listen_failed", "channel", channel, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}

func (db *DB) listenOnce(ctx context.Context, channel string, fn func(ListenEvent, string)) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection keeps its LISTEN, so it must not go back to the pool.
	pc := conn.Hijack()
	defer pc.Close(context.Background())
	if _, err := pc.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	fn(Listening, "")
	for {
		n, err := pc.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		fn(Notified, n.Payload)
	}
}
