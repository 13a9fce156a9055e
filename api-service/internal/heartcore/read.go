package heartcore

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/umbraco"
	"github.com/pixelmill/pixelmill/services/media"
)

// rootLimit bounds the root listing, which Heartcore does not page: a
// library uploaded through WordPress keeps every file at the root.
const rootLimit = 1000

// maxPageSize bounds a children page.
const maxPageSize = 1000

type link struct {
	Href      string `json:"href"`
	Templated bool   `json:"templated,omitempty"`
}

// item is an item as the management API shows it: system fields with an
// underscore, then one key per property. Go's encoder writes map keys in
// sorted order, which puts the system fields first as Heartcore does.
func (h *Handler) item(m *media.Node) map[string]any {
	mt := h.types.Of(m.Media)
	self := h.base + "/media/" + m.Key
	out := map[string]any{
		"_createDate": umbraco.HeartcoreDate(m.CreatedAt),
		"_updateDate": umbraco.HeartcoreDate(m.UpdatedAt),
		"_id":         m.Key,
		"_links": map[string]link{
			"self":      {Href: self},
			"root":      {Href: h.base + "/media"},
			"children":  {Href: self + "/children"},
			"mediatype": {Href: h.base + "/media/type/" + mt.Alias},
		},
		"mediaTypeAlias": mt.Alias,
		"name":           m.Title,
		"sortOrder":      m.SortOrder,
	}
	out["_hasChildren"], out["_level"] = m.Tree.HasChildren, max(m.Tree.Level, 1)
	if m.Tree.ParentKey != "" {
		out["parentId"] = m.Tree.ParentKey
	}
	if !m.IsFolder() {
		ext := m.Ext
		bytes := strconv.FormatInt(umbraco.Bytes(m.Media), 10)
		switch mt.FileEditor {
		case media.EditorImageCropper:
			focal := media.Point{Left: 0.5, Top: 0.5}
			if m.Focal != nil {
				focal = *m.Focal
			}
			out["umbracoFile"] = map[string]any{"src": umbraco.FileURL(m.Media), "focalPoint": focal, "crops": nullable(umbraco.Crops(mt, m.Media))}
			if w, hgt := umbraco.Size(m.Media); w > 0 {
				out["umbracoWidth"], out["umbracoHeight"] = strconv.Itoa(w), strconv.Itoa(hgt)
			}
		default:
			out["umbracoFile"] = umbraco.FileURL(m.Media)
		}
		out["umbracoBytes"], out["umbracoExtension"] = bytes, ext
	}
	for k, v := range umbraco.Properties(mt, m) {
		out[k] = v
	}
	return out
}

// nullable turns an empty list of crops into null, as Heartcore shows a
// cropper without crop definitions.
func nullable(crops []umbraco.Crop) any {
	if len(crops) == 0 {
		return nil
	}
	return crops
}

func (h *Handler) items(ms []*media.Node) []map[string]any {
	out := make([]map[string]any, len(ms))
	for i, m := range ms {
		out[i] = h.item(m)
	}
	return out
}

// mediaLinks lists the templated item link and then one per item.
func (h *Handler) mediaLinks(ms []*media.Node) []link {
	links := []link{{Href: h.base + "/media/{id}", Templated: true}}
	for _, m := range ms {
		links = append(links, link{Href: h.base + "/media/" + m.Key})
	}
	return links
}

// handleRoot lists the root's items in sort order, without paging.
func (h *Handler) handleRoot(w http.ResponseWriter, r *http.Request) {
	items, _, err := h.core.Children(r.Context(), "", media.ChildQuery{Take: rootLimit})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"_links": map[string]any{
			"self":      link{Href: h.base + "/media"},
			"media":     h.mediaLinks(items),
			"children":  link{Href: h.base + "/media/{id}/children{?page,pageSize}", Templated: true},
			"mediatype": link{Href: h.base + "/media/type/{alias}", Templated: true},
		},
		"_embedded": map[string]any{"media": h.items(items)},
	})
}

func (h *Handler) handleGet(w http.ResponseWriter, r *http.Request) {
	m, err := h.core.FindNode(r.Context(), r.PathValue("id"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.item(m))
}

// handleChildren pages an item's children; page and pageSize default to 1
// and 10.
func (h *Handler) handleChildren(w http.ResponseWriter, r *http.Request) {
	page, err := intParam(r, "page", 1, 1, 1<<20)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	size, err := intParam(r, "pageSize", 10, 1, maxPageSize)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	items, total, err := h.core.Children(r.Context(), id, media.ChildQuery{Skip: (page - 1) * size, Take: size})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"_totalItems": total,
		"_totalPages": (total + size - 1) / size,
		"_page":       page,
		"_pageSize":   size,
		"_links": map[string]any{
			"self":  link{Href: fmt.Sprintf("%s/media/%s/children?page=%d&pageSize=%d", h.base, id, page, size)},
			"media": h.mediaLinks(items),
		},
		"_embedded": map[string]any{"media": h.items(items)},
	})
}

// intParam reads an integer query parameter within [lo, hi].
func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, &Error{Status: http.StatusBadRequest, Code: "BadRequest",
			Message: fmt.Sprintf("The value '%s' is not valid for %s: want a whole number from %d to %d.", raw, name, lo, hi)}
	}
	return n, nil
}

// typesDate is the creation and update date shown for media types: they
// come from configuration and have no history of their own.
var typesDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// mediaType is a type as GET /media/type shows it.
func (h *Handler) mediaType(t media.MediaType) map[string]any {
	var props []map[string]any
	add := func(alias, label, editor string, required bool) {
		props = append(props, map[string]any{"alias": alias, "label": label, "propertyEditorAlias": editor,
			"sortOrder": len(props), "validation": map[string]any{"required": required}})
	}
	switch t.FileEditor {
	case media.EditorImageCropper:
		add("umbracoFile", "Upload image", t.FileEditor, true)
		add("umbracoWidth", "Width", media.EditorLabel, false)
		add("umbracoHeight", "Height", media.EditorLabel, false)
		add("umbracoBytes", "Size", media.EditorLabel, false)
		add("umbracoExtension", "Type", media.EditorLabel, false)
	case media.EditorUploadField:
		add("umbracoFile", "Upload file", t.FileEditor, true)
		add("umbracoExtension", "Type", media.EditorLabel, false)
		add("umbracoBytes", "Size", media.EditorLabel, false)
	}
	for _, p := range t.Properties {
		add(p.Alias, p.Label, p.Editor, p.Required)
		if p.Description != "" {
			props[len(props)-1]["description"] = p.Description
		}
	}
	groups := []map[string]any{}
	if len(props) > 0 {
		groups = append(groups, map[string]any{"name": t.Name, "sortOrder": 0, "properties": props})
	}
	return map[string]any{
		"_id":          t.Key(),
		"_createDate":  umbraco.HeartcoreDate(typesDate),
		"_updateDate":  umbraco.HeartcoreDate(typesDate),
		"_links":       map[string]link{"self": {Href: h.base + "/media/type/" + t.Alias}},
		"alias":        t.Alias,
		"name":         t.Name,
		"compositions": []string{},
		"groups":       groups,
	}
}

func (h *Handler) handleTypes(w http.ResponseWriter, r *http.Request) {
	var out []map[string]any
	for _, t := range h.types.All() {
		out = append(out, h.mediaType(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"_links":    map[string]link{"self": {Href: h.base + "/media/type"}},
		"_embedded": map[string]any{"mediatypes": out},
	})
}

func (h *Handler) handleType(w http.ResponseWriter, r *http.Request) {
	alias := r.PathValue("alias")
	t, ok := h.types.Get(alias)
	if !ok {
		h.writeError(w, r, apiError(http.StatusNotFound, "NotFound", "Media Type with alias '"+alias+"' could not be found."))
		return
	}
	writeJSON(w, http.StatusOK, h.mediaType(t))
}
