package wp

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/media"
)

// stringField reads a string field that may also be sent as {"raw": …}.
func stringField(p *params, vals map[string]any, name string) *string {
	v, ok := vals[name]
	if !ok {
		return nil
	}
	switch t := v.(type) {
	case string:
		return &t
	case map[string]any:
		if raw, ok := t["raw"].(string); ok {
			return &raw
		}
	case nil:
		empty := ""
		return &empty
	}
	p.fail(name, "rest_invalid_type", name+" is not of type string.")
	return nil
}

// intField reads an integer field from JSON (number) or form (string).
func intField(p *params, vals map[string]any, name string) *int64 {
	v, ok := vals[name]
	if !ok {
		return nil
	}
	var n int64
	switch t := v.(type) {
	case float64:
		if t != float64(int64(t)) {
			p.fail(name, "rest_invalid_type", name+" is not of type integer.")
			return nil
		}
		n = int64(t)
	case string:
		i, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			p.fail(name, "rest_invalid_type", name+" is not of type integer.")
			return nil
		}
		n = i
	default:
		p.fail(name, "rest_invalid_type", name+" is not of type integer.")
		return nil
	}
	return &n
}

// handleMediaUpdate is POST|PUT|PATCH /wp/v2/media/{id} (spec §7): the
// fields create takes (see attachmentFields), validated, checked and
// applied by the same code.
func (h *Handler) handleMediaUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := mediaID(r)
	if !ok {
		h.handleNoRoute(w, r)
		return
	}
	vals, err := requestValues(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	// check_status and check_template read the item before any
	// permission check: its own status and template are always valid.
	current, _ := h.core.FindAttachment(r.Context(), id)
	p := newParams(vals)
	f := h.readFields(p, vals, current)
	focal, setFocal := focalUpdate(p, vals)
	if err := p.err(); err != nil {
		h.writeError(w, r, err)
		return
	}
	u, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	m, err := h.editable(r.Context(), u, id, "rest_cannot_edit", "Sorry, you are not allowed to edit this post.")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := f.checkAuthor(u, false); err != nil {
		h.writeError(w, r, err)
		return
	}
	// On update WordPress checks only the parent's type, not the right to
	// edit it (spec §7).
	if f.post != nil && *f.post > 0 {
		if _, err := h.core.FindAttachment(r.Context(), *f.post); err == nil {
			h.writeError(w, r, &restError{status: http.StatusBadRequest, code: "rest_invalid_param", message: "Invalid parent type.",
				params: map[string]string{"post": "Invalid parent type."}})
			return
		}
	}
	if err := h.prepare(r.Context(), u, f, m); err != nil {
		h.writeError(w, r, err)
		return
	}
	m, err = h.core.UpdateMedia(r.Context(), id, f.update(u, m, time.Now()))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if setFocal {
		// The crops are cut again around the new point by a job; the item
		// is processing until they are.
		if _, err := h.core.UpdateNode(r.Context(), m.Key, media.NodeUpdate{Focal: focal, ClearFocal: focal == nil}); err != nil {
			h.writeError(w, r, err)
			return
		}
		if m, err = h.core.FindAttachment(r.Context(), id); err != nil {
			h.writeError(w, r, err)
			return
		}
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, h.render(r, m, "edit", fieldsParam(r)))
}

// handleMediaDelete is DELETE /wp/v2/media/{id} (spec §8): only force=true
// deletes, as media have no trash; every stored file goes with the item.
func (h *Handler) handleMediaDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := mediaID(r)
	if !ok {
		h.handleNoRoute(w, r)
		return
	}
	vals, err := requestValues(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	force := truthy(vals["force"])
	u, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	m, err := h.editable(r.Context(), u, id, "rest_cannot_delete", "Sorry, you are not allowed to delete this post.")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !force {
		h.writeError(w, r, errorf(http.StatusNotImplemented, "rest_trash_not_supported", "The post does not support trashing. Set 'force=true' to delete."))
		return
	}
	previous := h.attachment(m).filter("edit")
	if _, err := h.core.DeleteMedia(r.Context(), id); err != nil {
		h.writeError(w, r, err)
		return
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, object{{"deleted", true, ""}, {"previous", previous, ""}})
}
