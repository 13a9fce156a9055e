package live

import (
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
)

func TestHub(t *testing.T) {
	t.Parallel()
	h := NewHub()
	a, stopA := h.Watch("k1")
	b, stopB := h.Watch("k1")
	c, stopC := h.Watch("k2")
	defer stopC()
	if h.Watching("k1") != 2 {
		t.Fatalf("watching k1 = %d, want 2", h.Watching("k1"))
	}
	h.Publish(media.Event{MediaKey: "k1", Status: media.StatusReady})
	for _, ch := range []<-chan media.Event{a, b} {
		select {
		case ev := <-ch:
			if ev.Status != media.StatusReady {
				t.Fatalf("event status %q", ev.Status)
			}
		default:
			t.Fatal("a watcher of k1 got nothing")
		}
	}
	select {
	case ev := <-c:
		t.Fatalf("k2's watcher got k1's event %+v", ev)
	default:
	}
	// A full buffer never blocks the publisher.
	h.Publish(media.Event{MediaKey: "k1"})
	h.Publish(media.Event{MediaKey: "k1"})
	stopA()
	stopB()
	if h.Watching("k1") != 0 {
		t.Fatalf("watching k1 after stop = %d", h.Watching("k1"))
	}
	if _, ok := h.waiters["k1"]; ok {
		t.Fatal("an item nobody watches is still held")
	}
}
