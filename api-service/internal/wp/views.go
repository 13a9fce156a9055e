package wp

import (
	"net/http"
	"sync"

	"github.com/pixelmill/pixelmill/services/media"
)

// views keeps the encoded anonymous view of items, so the hottest read of
// the API, an anonymous GET of a public item by id, is not rendered and
// encoded again for every request. It adds no invalidation of its own: a
// view is served only for the very *media.Attachment it was rendered from, and
// the core's item cache hands out the same pointer only while the item is
// unchanged (every change makes the next read a new one). Without that
// cache every read is a new pointer, and nothing is served from here.
type views struct {
	mu    sync.Mutex
	byID  map[int64]view
	limit int
}

type view struct {
	item  *media.Attachment
	query string // the request's raw query: _fields and context shape the body
	body  []byte
}

func newViews(limit int) *views {
	return &views{byID: map[int64]view{}, limit: limit}
}

// get returns the body rendered for m and query, if it is kept.
func (v *views) get(m *media.Attachment, query string) ([]byte, bool) {
	if v == nil {
		return nil, false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	e, ok := v.byID[m.ID]
	if !ok || e.item != m || e.query != query {
		return nil, false
	}
	return e.body, true
}

// put keeps body as m's view for query, in place of any other view of m.
// When full, an arbitrary other item's view makes room.
func (v *views) put(m *media.Attachment, query string, body []byte) {
	if v == nil || v.limit <= 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.byID[m.ID]; !ok && len(v.byID) >= v.limit {
		for id := range v.byID {
			delete(v.byID, id)
			break
		}
	}
	v.byID[m.ID] = view{item: m, query: query, body: body}
}

// memoizable reports whether the answer to r for m is the same for every
// anonymous reader and depends on nothing but m and the query: the view
// context of a public item, without _embed (which reads the author).
func memoizable(r *http.Request, u *media.User, m *media.Attachment, ctx string) bool {
	return u == nil && ctx == "view" && media.Can(media.Caller{}, m.Media, nil).Public && (r.URL.RawQuery == "" || !r.URL.Query().Has("_embed"))
}
