package httpx

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/pixelmill/pixelmill/services/jobqueue"
)

// sseHeartbeat keeps idle streams open through proxies that cut silent
// connections (nginx's default read timeout is 60 s).
const sseHeartbeat = 15 * time.Second

// EventReader reads the status events after a place in their stream.
type EventReader interface {
	ReadEvents(ctx context.Context, after uint64, out chan<- jobqueue.SequencedEvent) error
}

// StreamEvents answers a request with a Server-Sent Events stream of the
// status events after the place after, each shown as show words it (its
// event name and data) or left out when show says no. Each event's id is
// its place in the stream, so a client that reconnects with Last-Event-ID
// gets what it missed. The stream ends when the client goes, when closing
// ends (the server shuts down) or when reading fails.
func StreamEvents(w http.ResponseWriter, r *http.Request, closing context.Context, events EventReader, after uint64,
	log *slog.Logger, show func(jobqueue.SequencedEvent) (name string, data any, ok bool)) {
	rc := http.NewResponseController(w)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(closing, cancel)
	defer stop()
	in := make(chan jobqueue.SequencedEvent, 64)
	errc := make(chan error, 1)
	go func() { errc <- events.ReadEvents(ctx, after, in) }()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: don't buffer the stream
	w.WriteHeader(http.StatusOK)
	// retry: how long a browser's EventSource waits before reconnecting.
	fmt.Fprint(w, "retry: 3000\n: stream of media status changes\n\n")
	_ = rc.Flush()
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-errc:
			if err != nil && ctx.Err() == nil {
				log.WarnContext(ctx, "event_stream_failed", "err", err)
			}
			return
		case <-beat.C:
			fmt.Fprint(w, ": ping\n\n")
		case ev := <-in:
			name, data, ok := show(ev)
			if !ok {
				continue
			}
			body, _ := json.Marshal(data)
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.Seq, name, body)
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
