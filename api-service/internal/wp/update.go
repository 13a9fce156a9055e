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

// handleMediaUpdate is POST|PUT|PATCH /wp/v2/media/{id} (spec §7).
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
	p := newParams(nil)
	upd := media.Update{
		Title: stringField(p, vals, "title"), Caption: stringField(p, vals, "caption"),
		Description: stringField(p, vals, "description"), Slug: stringField(p, vals, "slug"),
		AuthorID: intField(p, vals, "author"), PostID: intField(p, vals, "post"),
	}
	if alt := stringField(p, vals, "alt_text"); alt != nil {
		clean := sanitizeText(*alt)
		upd.AltText = &clean
	}
	if d := stringField(p, vals, "date"); d != nil {
		if t, ok := parseDate(*d, h.loc); ok {
			upd.Date = &t
		} else {
			p.fail("date", "rest_invalid_date", "Invalid date.")
		}
	}
	if d := stringField(p, vals, "date_gmt"); d != nil {
		if t, ok := parseDate(*d, time.UTC); ok {
			upd.Date = &t
		} else {
			p.fail("date_gmt", "rest_invalid_date", "Invalid date.")
		}
	}
	for name, dst := range map[string]**string{"comment_status": &upd.CommentStatus, "ping_status": &upd.PingStatus} {
		v := stringField(p, vals, name)
		if v != nil && *v != "open" && *v != "closed" {
			p.fail(name, "rest_not_in_enum", name+" is not one of open and closed.")
			continue
		}
		*dst = v
	}
	upd.Template = stringField(p, vals, "template")
	status := stringField(p, vals, "status")
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
	ksesFields(u, &upd.Title, &upd.Caption, &upd.Description)
	if upd.AuthorID != nil && *upd.AuthorID != m.AuthorID && !u.CanEditOthers() {
		h.writeError(w, r, errorf(authRequired(u), "rest_cannot_edit_others", "Sorry, you are not allowed to update posts as this user."))
		return
	}
	if status != nil {
		vis, err := statusUpdate(*status, m.Visibility, u)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		upd.Visibility = &vis
	}
	// On update WordPress checks only the parent's type, not the right to
	// edit it (spec §7).
	if upd.PostID != nil && *upd.PostID > 0 {
		if _, err := h.core.FindMedia(r.Context(), *upd.PostID); err == nil {
			h.writeError(w, r, &restError{status: http.StatusBadRequest, code: "rest_invalid_param", message: "Invalid parent type.",
				params: map[string]string{"post": "Invalid parent type."}})
			return
		}
	}
	m, err = h.core.UpdateMedia(r.Context(), id, upd)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, h.render(r, m, "edit"))
}

// statusUpdate applies WordPress's status rules on update: the current
// status is always accepted, others must be in the post enum, and anything
// but private is stored as inherit.
func statusUpdate(status string, current media.Visibility, u *media.User) (media.Visibility, error) {
	if status == string(current) {
		return current, nil
	}
	switch status {
	case "publish", "future", "draft", "pending", "private":
	default:
		return "", &restError{status: http.StatusBadRequest, code: "rest_invalid_param", message: "Invalid parameter(s): status",
			params: map[string]string{"status": "status is not one of publish, future, draft, pending, and private."}}
	}
	if (status == "private" || status == "publish" || status == "future") && !u.CanUpload() {
		return "", errorf(authRequired(u), "rest_cannot_publish", "Sorry, you are not allowed to publish posts in this post type.")
	}
	if status == "private" {
		return media.VisibilityPrivate, nil
	}
	return media.VisibilityInherit, nil
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
