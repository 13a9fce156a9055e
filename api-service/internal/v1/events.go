package v1

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
)

// sseHeartbeat keeps idle streams open through proxies that cut silent
// connections (nginx's default read timeout is 60 s).
const sseHeartbeat = 15 * time.Second

// eventOut is one event as the stream shows it: flat, since the SSE event
// name already says what happened. Webhooks wrap the same fields in
// webhook.Body, whose data is the item.
type eventOut struct {
	ID            string  `json:"id"`
	Type          string  `json:"type"`
	MediaID       string  `json:"media_id"`
	Status        string  `json:"status"`
	FailureReason *string `json:"failure_reason"`
	CreatedAt     string  `json:"created_at"`
}

func toEventOut(ev jobqueue.SequencedEvent) eventOut {
	out := eventOut{ID: ev.Event.ID, Type: string(ev.Event.Type), MediaID: ev.Event.MediaKey, Status: string(ev.Event.Status),
		CreatedAt: ev.Event.CreatedAt.UTC().Format(timestampFormat)}
	if ev.Event.Error != "" {
		out.FailureReason = &ev.Event.Error
	}
	return out
}

// handleMediaEvents is a Server-Sent Events stream of the status changes
// of the key's media. Each event's id is its place in the event stream: a
// client that reconnects with Last-Event-ID gets what it missed (within
// the stream's retention), so a dropped connection loses nothing.
func (h *Handler) handleMediaEvents(w http.ResponseWriter, r *http.Request) {
	var after uint64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			h.writeError(w, r, invalid("Last-Event-ID", "Last-Event-ID must be an id this stream sent."))
			return
		}
		after = n
	}
	rc := http.NewResponseController(w)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(h.closing, cancel)
	defer stop()
	events := make(chan jobqueue.SequencedEvent, 64)
	errc := make(chan error, 1)
	go func() { errc <- h.events.ReadEvents(ctx, after, events) }()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: don't buffer the stream
	w.WriteHeader(http.StatusOK)
	// retry: how long a browser's EventSource waits before reconnecting.
	fmt.Fprint(w, "retry: 3000\n: stream of media status changes\n\n")
	_ = rc.Flush()
	keyID := callerOf(r).key.ID
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-errc:
			if err != nil && ctx.Err() == nil {
				h.log.WarnContext(ctx, "event_stream_failed", "err", err)
			}
			return
		case <-beat.C:
			fmt.Fprint(w, ": ping\n\n")
		case ev := <-events:
			if !media.Can(media.Caller{KeyID: keyID}, &media.Media{APIKeyID: ev.Event.APIKeyID}, nil).Read {
				continue // another library's item
			}
			data, _ := json.Marshal(toEventOut(ev))
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.Seq, ev.Event.Type, data)
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
