package wp

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pixelmill/pixelmill/api-service/internal/bracket"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/media"
)

// mediaTypes are the top-level types of WordPress's allowed MIME types,
// the values media_type accepts.
var mediaTypes = []string{"image", "video", "text", "application", "audio"}

// allowedMIMEs are WordPress's stock allowed MIME types; mime_type values
// outside them and the types Pixelmill accepts are dropped, as WordPress
// drops those outside its allowed list.
var allowedMIMEs = map[string]bool{
	"image/jpeg": true, "image/gif": true, "image/png": true, "image/bmp": true, "image/tiff": true,
	"image/webp": true, "image/avif": true, "image/x-icon": true, "image/heic": true, "image/heif": true,
	"video/mp4": true, "video/mpeg": true, "video/quicktime": true, "video/webm": true, "video/ogg": true,
	"audio/mpeg": true, "audio/ogg": true, "audio/wav": true, "audio/flac": true, "audio/aac": true,
	"text/plain": true, "text/csv": true, "application/pdf": true, "application/rtf": true, "application/zip": true,
	"application/msword": true,
}

// handleMediaList is GET /wp/v2/media with every parameter of spec §3.
func (h *Handler) handleMediaList(w http.ResponseWriter, r *http.Request) {
	u, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	vals, err := requestValues(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	p := newParams(vals)
	p.loc = h.loc
	ctx := p.enum("context", "view", "view", "embed", "edit")
	page := p.integer("page", 1, 1, 0)
	perPage := p.integer("per_page", 10, 1, 100)
	offset := p.integer("offset", -1, 0, 0)
	order := p.enum("order", "desc", "asc", "desc")
	orderBy := p.enum("orderby", "date", "author", "date", "id", "include", "modified", "parent", "relevance", "slug", "include_slugs", "title")
	f := media.Filter{
		// NUL can't reach Postgres text; sanitize_text_field drops it too.
		Search:        strings.TrimSpace(strings.ReplaceAll(p.scalar("search", "string"), "\x00", "")),
		SearchColumns: p.enumList("search_columns", "post_title", "post_content", "post_excerpt"),
		After:         p.date("after"), Before: p.date("before"),
		ModAfter: p.date("modified_after"), ModBefore: p.date("modified_before"),
		Authors: p.intList("author"), AuthorsNot: p.intList("author_exclude"),
		IDs: p.intList("include"), IDsNot: p.intList("exclude"),
		Parents: p.intList("parent"), ParentsNot: p.intList("parent_exclude"),
		Slugs:       p.list("slug"),
		SearchExact: p.enum("search_semantics", "", "exact") == "exact",
		Desc:        order == "desc", OrderBy: media.Order(orderBy),
	}
	for _, st := range p.enumList("status", "inherit", "private", "trash") {
		if st != "inherit" && !u.CanEditPosts() {
			p.fail("status", "rest_forbidden_status", "Status is forbidden.")
		}
		f.Visibilities = append(f.Visibilities, media.Visibility(st))
	}
	// Pixelmill's own filters: where items are in the pipeline, and in
	// the media tree.
	h.folderFilter(r, p, &f)
	for _, st := range p.enumList("processing_status", string(media.StatusProcessing), string(media.StatusReady), string(media.StatusFailed)) {
		f.Statuses = append(f.Statuses, media.Status(st))
	}
	types := p.enumList("media_type", mediaTypes...)
	for _, t := range types {
		f.MIMEPrefixes = append(f.MIMEPrefixes, t+"/")
	}
	for _, m := range p.list("mime_type") {
		if allowedMIMEs[m] || media.FamilyOf(m) != "" {
			f.MIMEs = append(f.MIMEs, m)
		}
	}
	if err := p.err(); err != nil {
		h.writeError(w, r, err)
		return
	}
	if ctx == "edit" && !u.CanEditPosts() {
		h.writeError(w, r, errorf(authRequired(u), "rest_forbidden_context", "Sorry, you are not allowed to edit posts in this post type."))
		return
	}
	if f.OrderBy == media.OrderRelevance && f.Search == "" {
		h.writeError(w, r, errorf(http.StatusBadRequest, "rest_no_search_term_defined", "You need to define a search term to order by relevance."))
		return
	}
	if f.OrderBy == media.OrderInclude && len(f.IDs) == 0 {
		h.writeError(w, r, errorf(http.StatusBadRequest, "rest_orderby_include_missing_include", "You need to define an include parameter to order by include."))
		return
	}
	f.Limit, f.Offset = perPage, (page-1)*perPage
	if offset >= 0 {
		f.Offset = offset
	}
	items, total, err := h.core.ListMedia(r.Context(), f)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	pages := (total + perPage - 1) / perPage
	if page > pages && total > 0 {
		h.writeError(w, r, errorf(http.StatusBadRequest, "rest_post_invalid_page_number", "The page number requested is larger than the number of pages available."))
		return
	}
	parents, err := h.parentsOf(r.Context(), items...)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	// Unreadable items are dropped after the count, as WordPress does: the
	// totals count them, the page does not show them.
	out := make([]object, 0, len(items))
	fields := fieldsParam(r)
	for _, m := range items {
		if ctx == "edit" || h.readableMedia(u, m, parents) {
			out = append(out, h.render(r, m, ctx, fields))
		}
	}
	h.headers(w)
	w.Header().Set("X-WP-Total", strconv.Itoa(total))
	w.Header().Set("X-WP-TotalPages", strconv.Itoa(pages))
	h.pageLinks(w, r, page, pages)
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, objects(out))
}

// pageLinks adds WordPress's Link rel=prev/next, keeping the request's
// other parameters in the order sent: their order is the order of an
// include= array, which orderby=include keeps on every page. Each name and
// value is escaped again, as WordPress's links are, so a sent '>', '"' or
// ',' can't end the link or add another.
func (h *Handler) pageLinks(w http.ResponseWriter, r *http.Request, page, pages int) {
	var kept []string
	for piece := range strings.SplitSeq(r.URL.RawQuery, "&") {
		name, value, hasValue := strings.Cut(piece, "=")
		name = bracket.Unescape(name)
		if base, _, _ := bracket.SplitName(name); piece == "" || base == "page" {
			continue
		}
		piece = url.QueryEscape(name)
		if hasValue {
			piece += "=" + url.QueryEscape(bracket.Unescape(value))
		}
		kept = append(kept, piece)
	}
	base := h.publicURL + "/wp-json/wp/v2/media?"
	if len(kept) > 0 {
		base += strings.Join(kept, "&") + "&"
	}
	link := func(p int) string { return base + "page=" + strconv.Itoa(p) }
	if page > 1 {
		prev := page - 1
		if prev > pages {
			prev = pages
		}
		w.Header().Add("Link", fmt.Sprintf(`<%s>; rel="prev"`, link(prev)))
	}
	if page < pages {
		w.Header().Add("Link", fmt.Sprintf(`<%s>; rel="next"`, link(page+1)))
	}
}
