package delivery

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pixelmill/pixelmill/services/media"
)

// maxIDs bounds the ids of one items request. Umbraco has no bound; the
// ids beyond it are ignored, as the query's take is capped (maxTake).
const maxIDs = maxTake

// handleMediaGet answers item/{id} and item/{path}: one item by key, or
// by the names from the root, each matched ignoring case.
func (h *Handler) handleMediaGet(w http.ResponseWriter, r *http.Request, c *call) {
	rest := itemPath(r.URL.EscapedPath())
	if c.version == 1 && rest == "" {
		// v1's item?id= with a trailing slash.
		h.handleMediaGetMany(w, r, c)
		return
	}
	s, ok := h.admit(w, r, c)
	if !ok {
		return
	}
	m, err := h.findItem(r.Context(), rest)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.writeOK(w, r, toItem(h.types.Of(m.Media), m, s))
}

// admit runs the access check and reads fields and expand; it has
// answered the request when it reports false.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request, c *call) (shaping, bool) {
	if !h.authorized(r) {
		writeProblem(w, r, problemUnauthorized)
		return shaping{}, false
	}
	s, p := c.shaping()
	if p != nil {
		writeProblem(w, r, p)
		return shaping{}, false
	}
	return s, true
}

// itemPath is what follows ".../media/item/" in an escaped request path.
func itemPath(escaped string) string {
	// "", "umbraco", "delivery", "api", "v2", "media", "item", rest
	parts := strings.SplitN(escaped, "/", 8)
	if len(parts) < 8 {
		return ""
	}
	return parts[7]
}

// itemRef is what item/{…} names: a key, or names from the root.
type itemRef struct {
	key   string
	names []string
}

// parseItemRef reads what follows item/ (still escaped) as ASP.NET and
// Umbraco do. Kestrel decodes the path except %2F; a single segment (a
// trailing slash allowed) that is a GUID matches the item/{id:guid} route,
// which never falls back to names. Otherwise, since OpenAPI clients encode
// the slashes of a path parameter, a path still holding %2F (any case) is
// URL-decoded once more, '+' as a space included (WebUtility.UrlDecode).
// Empty segments are ignored.
func parseItemRef(escaped string) itemRef {
	p := unescape(escaped, true)
	if key, ok := parseGUID(strings.TrimSuffix(p, "/")); ok {
		return itemRef{key: key}
	}
	if hasFold(p, "%2F") {
		p = unescapeQuery(p)
	}
	return itemRef{names: splitPath(p)}
}

// findItem resolves what follows item/ to a visible item.
func (h *Handler) findItem(ctx context.Context, escaped string) (*media.Node, error) {
	ref := parseItemRef(escaped)
	var m *media.Node
	var err error
	switch {
	case ref.key != "":
		m, err = h.core.FindNode(ctx, ref.key)
	case len(ref.names) > 0:
		m, err = h.core.FindNodeByPath(ctx, ref.names)
	default:
		return nil, media.Errorf(media.CodeNotFound, "media not found")
	}
	if err != nil {
		return nil, err
	}
	if !visible(m.Media) {
		return nil, media.Errorf(media.CodeNotFound, "media not found")
	}
	return m, nil
}

// handleMediaGetMany answers items?id=…&id=… (v1: item?id=): a bare array
// of the items that exist, in first-seen order, each once (Umbraco binds
// the ids to a HashSet<Guid>). A malformed id fails model binding.
func (h *Handler) handleMediaGetMany(w http.ResponseWriter, r *http.Request, c *call) {
	var keys []string
	var errs []bindError
	for _, v := range c.params.list("id") {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, bindError{"id", fmt.Sprintf("The value '%s' is invalid.", v)})
			continue
		}
		key, ok := parseGUID(v)
		if !ok {
			errs = append(errs, bindError{"id", fmt.Sprintf("The value '%s' is not valid.", v)})
			continue
		}
		if !slices.Contains(keys, key) && len(keys) < maxIDs {
			keys = append(keys, key)
		}
	}
	if errs != nil {
		writeProblem(w, r, validationProblem(errs))
		return
	}
	s, ok := h.admit(w, r, c)
	if !ok {
		return
	}
	out := []item{}
	if len(keys) > 0 {
		found, err := h.core.FindNodes(r.Context(), keys)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		for _, m := range found {
			if visible(m.Media) {
				out = append(out, toItem(h.types.Of(m.Media), m, s))
			}
		}
	}
	h.writeOK(w, r, out)
}

// handleMediaQuery answers ?fetch=children:…&filter=…&sort=…&skip=&take=
// with {total, items}. Checks run in Umbraco's order: skip and take bind
// (400), access (401), then fetch, filter and sort (400).
func (h *Handler) handleMediaQuery(w http.ResponseWriter, r *http.Request, c *call) {
	var errs []bindError
	skip, e := bindInt(c.params, "skip", 0)
	if e != nil {
		errs = append(errs, *e)
	}
	take, e := bindInt(c.params, "take", defaultTake)
	if e != nil {
		errs = append(errs, *e)
	}
	if errs != nil {
		writeProblem(w, r, validationProblem(errs))
		return
	}
	if !h.authorized(r) {
		writeProblem(w, r, problemUnauthorized)
		return
	}
	q, p := parseQuery(c.params)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	s, p := c.shaping()
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	found, total, err := h.runQuery(r.Context(), q, skip, take)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := pagedItems{Total: int64(total), Items: make([]item, 0, len(found))}
	for _, m := range found {
		out.Items = append(out.Items, toItem(h.types.Of(m.Media), m, s))
	}
	h.writeOK(w, r, out)
}

// runQuery returns a page of the children q selects and how many it
// selects in all. A parent that doesn't resolve has no children.
func (h *Handler) runQuery(ctx context.Context, q *mediaQuery, skip, take int) ([]*media.Node, int, error) {
	if q.source == sourceNone || q.noMatch {
		return nil, 0, nil
	}
	parent := ""
	switch q.source {
	case sourceKey:
		parent = q.key
	case sourcePath:
		m, err := h.core.FindNodeByPath(ctx, q.names)
		if media.ErrorCode(err) == media.CodeNotFound {
			return nil, 0, nil
		}
		if err != nil {
			return nil, 0, err
		}
		if !visible(m.Media) {
			return nil, 0, nil
		}
		parent = m.Key
	}
	cq := media.ChildQuery{MediaType: q.mediaType, Sort: q.sort, PublicOnly: true, NameContains: q.nameContains}
	cq.Skip, cq.Take = page(skip, take)
	items, total, err := h.core.Children(ctx, parent, cq)
	if media.ErrorCode(err) == media.CodeNotFound {
		return nil, 0, nil
	}
	return items, total, err
}
