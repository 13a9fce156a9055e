package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Listen calls wake each time a notification arrives on channel, until ctx
// ends. It holds one pooled connection for the LISTEN and reconnects after
// an error; wake is also called after each (re)connect, since a
// notification sent while no connection listened is gone.
func (db *DB) Listen(ctx context.Context, channel string, log *slog.Logger, wake func()) {
	delay := 200 * time.Millisecond
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, channel, wake)
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

func (db *DB) listenOnce(ctx context.Context, channel string, wake func()) error {
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
	wake()
	for {
		if _, err := pc.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
