package v1

import (
	"net/http"
	"strconv"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
)

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
	keyID := callerOf(r).key.ID
	httpx.StreamEvents(w, r, h.closing, h.events, after, h.log, func(ev jobqueue.SequencedEvent) (string, any, bool) {
		if !media.Can(media.Caller{KeyID: keyID}, &media.Media{APIKeyID: ev.Event.APIKeyID}, nil).Read {
			return "", nil, false // another library's item
		}
		return string(ev.Event.Type), toEventOut(ev), true
	})
}
