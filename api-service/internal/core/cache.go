package core

import (
	"strconv"
	"sync"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/postgres"
)

// ItemCache keeps the items WordPress reads by id, so the hottest read of
// the API (GET /wp-json/wp/v2/media/{id}) costs no Postgres round trip.
// It is only as good as its invalidation: every committed change to an
// item or its files is announced by Postgres (postgres.MediaChannel) to
// every replica, which drops the item; while that LISTEN is down nothing
// is cached or served from the cache. An item read from Postgres while a
// change is announced is not kept, so a read that raced a write never
// outlives it. Each item is kept for ttl at most, a bound on staleness
// should the listener stop hearing without its connection failing (a
// peer gone without closing it, until TCP keepalive notices).
type ItemCache struct {
	mu   sync.Mutex
	live bool
	// version counts invalidations; a read keeps its item only if none
	// happened while it read.
	version uint64
	items   map[int64]cached
	max     int
	ttl     time.Duration
	now     func() time.Time
}

type cached struct {
	m       *media.Attachment
	expires time.Time
}

// NewItemCache returns a cache of at most max items, each kept ttl at
// most, off until its LISTEN is in place (OnListen).
func NewItemCache(max int, ttl time.Duration) *ItemCache {
	return &ItemCache{items: map[int64]cached{}, max: max, ttl: ttl, now: time.Now}
}

// OnListen follows the LISTEN on postgres.MediaChannel: each notification
// drops its item; when the connection comes up or goes down, everything
// is dropped (notifications may have been missed), and caching runs only
// while it is up.
func (c *ItemCache) OnListen(ev postgres.ListenEvent, payload string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version++
	switch ev {
	case postgres.Notified:
		if id, err := strconv.ParseInt(payload, 10, 64); err == nil {
			delete(c.items, id)
			return
		}
		clear(c.items) // a payload we can't read: play safe
	case postgres.Listening:
		c.live = true
		clear(c.items)
	case postgres.Lost:
		c.live = false
		clear(c.items)
	}
}

// get returns the cached item, if any. Items are shared: callers must not
// modify them.
func (c *ItemCache) get(id int64) (*media.Attachment, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[id]
	if ok && !c.now().Before(e.expires) {
		delete(c.items, id)
		return nil, false
	}
	return e.m, ok && c.live
}

// begin returns the version a read starts at, and whether its result may
// be kept at all.
func (c *ItemCache) begin() (uint64, bool) {
	if c == nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version, c.live
}

// put keeps m if nothing was invalidated since version.
func (c *ItemCache) put(m *media.Attachment, version uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.version != version {
		return
	}
	if len(c.items) >= c.max {
		for id := range c.items { // map order: a random victim
			delete(c.items, id)
			break
		}
	}
	c.items[m.ID] = cached{m: m, expires: c.now().Add(c.ttl)}
}

// drop forgets an item this replica just changed, before the notice of the
// change arrives.
func (c *ItemCache) drop(id int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version++
	delete(c.items, id)
}
