// Package live tells HTTP handlers when an item's status changes, so a
// client can wait for an item instead of polling for it. Events arrive from
// NATS (every API replica hears every one); the truth stays in Postgres,
// which handlers read again when woken or when their wait ends.
package live

import (
	"sync"

	"github.com/pixelmill/pixelmill/services/media"
)

// Hub fans status events out to the handlers waiting on each item.
type Hub struct {
	mu      sync.Mutex
	waiters map[string]map[chan media.Event]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{waiters: map[string]map[chan media.Event]struct{}{}} }

// Watch returns a channel that receives the item's next status events and
// a function to stop watching. Watch before reading the item's status, so
// no change can slip between the read and the wait.
func (h *Hub) Watch(mediaKey string) (<-chan media.Event, func()) {
	// Buffered: Publish never blocks on a slow handler; a handler only
	// needs to know that something changed, then it reads Postgres.
	ch := make(chan media.Event, 1)
	h.mu.Lock()
	set := h.waiters[mediaKey]
	if set == nil {
		set = map[chan media.Event]struct{}{}
		h.waiters[mediaKey] = set
	}
	set[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(set, ch)
		if len(set) == 0 && h.waiters[mediaKey] != nil && len(h.waiters[mediaKey]) == 0 {
			delete(h.waiters, mediaKey)
		}
		h.mu.Unlock()
	}
}

// Publish hands ev to everyone watching its item. A watcher whose buffer
// is full already knows of a change and misses nothing it needs.
func (h *Hub) Publish(ev media.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.waiters[ev.MediaKey] {
		select {
		case ch <- ev:
		default:
		}
	}
}

// Watching returns how many handlers watch an item, for tests and metrics.
func (h *Hub) Watching(mediaKey string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.waiters[mediaKey])
}
