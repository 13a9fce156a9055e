package core

import (
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/postgres"
)

func TestItemCache(t *testing.T) {
	c := NewItemCache(2, time.Minute)
	item := func(id int64) *media.Attachment { return &media.Attachment{Media: &media.Media{ID: id, Title: "x"}} }

	// Off until the LISTEN is in place: nothing is kept.
	v, keep := c.begin()
	if keep {
		t.Fatal("a cache without its listener must not keep items")
	}
	c.put(item(1), v)
	if _, ok := c.get(1); ok {
		t.Fatal("kept while not listening")
	}

	c.OnListen(postgres.Listening, "")
	v, keep = c.begin()
	if !keep {
		t.Fatal("listening: items may be kept")
	}
	c.put(item(1), v)
	if m, ok := c.get(1); !ok || m.ID != 1 {
		t.Fatal("a kept item is served")
	}

	// A read that raced a change is not kept.
	v, _ = c.begin()
	c.OnListen(postgres.Notified, "7")
	c.put(item(2), v)
	if _, ok := c.get(2); ok {
		t.Fatal("an item read across an invalidation was kept")
	}
	// A notice drops its item only.
	v, _ = c.begin()
	c.put(item(2), v)
	c.OnListen(postgres.Notified, "1")
	if _, ok := c.get(1); ok {
		t.Fatal("a changed item is still served")
	}
	if _, ok := c.get(2); !ok {
		t.Fatal("an unchanged item was dropped")
	}
	// This replica's own writes drop at once.
	c.drop(2)
	if _, ok := c.get(2); ok {
		t.Fatal("dropped item served")
	}
	// Bounded: a third item evicts one.
	for id := int64(10); id < 13; id++ {
		v, _ = c.begin()
		c.put(item(id), v)
	}
	if len(c.items) != 2 {
		t.Fatalf("%d items kept, bound 2", len(c.items))
	}
	// A payload that isn't an id, or a lost listener, drops everything,
	// and while lost nothing is served or kept.
	c.OnListen(postgres.Notified, "garbage")
	if len(c.items) != 0 {
		t.Fatal("an unreadable notice must drop everything")
	}
	v, _ = c.begin()
	c.put(item(3), v)
	c.OnListen(postgres.Lost, "")
	if _, ok := c.get(3); ok {
		t.Fatal("served while the listener is lost")
	}
	if _, keep := c.begin(); keep {
		t.Fatal("kept while the listener is lost")
	}
	// An item is kept for the time limit at most.
	c.OnListen(postgres.Listening, "")
	now := time.Now()
	c.now = func() time.Time { return now }
	v, _ = c.begin()
	c.put(item(4), v)
	if _, ok := c.get(4); !ok {
		t.Fatal("a fresh item is served")
	}
	now = now.Add(time.Minute)
	if _, ok := c.get(4); ok {
		t.Fatal("an item past its time limit is served")
	}
	// A nil cache is no cache.
	var none *ItemCache
	if _, ok := none.get(1); ok {
		t.Fatal("nil cache served")
	}
	none.drop(1)
}
