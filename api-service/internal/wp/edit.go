package wp

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/media"
)

// editableMIMEs are the types WordPress's image editor edits.
var editableMIMEs = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true, "image/avif": true, "image/heic": true}

// number reads a JSON number or a numeric form string.
func number(v any) (float64, bool) {
	var f float64
	switch t := v.(type) {
	case float64:
		f = t
	case string:
		var err error
		if f, err = strconv.ParseFloat(t, 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	// "NaN" and "Infinity" parse, but are no number WordPress accepts.
	return f, !math.IsNaN(f) && !math.IsInf(f, 0)
}

// flipParam reads the deprecated flip argument: {"flip":{…}} in JSON, or
// flip[horizontal]=1 in a form or query, which reads the same.
func flipParam(vals map[string]any) (h, v, ok bool) {
	f, ok := vals["flip"].(map[string]any)
	return truthy(f["horizontal"]), truthy(f["vertical"]), ok
}

// editOps validates the edit arguments (spec §10.1) and builds the
// operations: modifiers when sent, else the legacy flip, rotation and crop.
func editOps(vals map[string]any) ([]media.EditOp, error) {
	p := newParams(nil)
	var ops []media.EditOp
	// A JSON null is no argument, as WordPress's isset() sees it.
	if raw := vals["modifiers"]; raw != nil {
		list, _ := raw.([]any)
		if _, isArray := raw.([]any); !isArray {
			p.fail("modifiers", "rest_invalid_type", "modifiers is not of type array.")
		} else if len(list) == 0 {
			p.fail("modifiers", "rest_too_few_items", "modifiers must contain at least 1 items.")
		}
		for i, item := range list {
			op, ok := modifier(item)
			if !ok {
				p.fail("modifiers", "rest_one_of_multiple_matches", fmt.Sprintf("modifiers[%d] is not a valid flip, rotate or crop modifier.", i))
				break
			}
			ops = append(ops, op)
		}
		return ops, p.err()
	}
	if h, v, ok := flipParam(vals); ok && (h || v) {
		ops = append(ops, media.EditOp{Type: "flip", Horizontal: h, Vertical: v})
	}
	if raw := vals["rotation"]; raw != nil {
		n, isNum := number(raw)
		switch {
		case !isNum || n != float64(int(n)):
			p.fail("rotation", "rest_invalid_type", "rotation is not of type integer.")
		case n <= 0 || n >= 360:
			p.fail("rotation", "rest_out_of_bounds", "rotation must be between 0 (exclusive) and 360 (exclusive)")
		default:
			ops = append(ops, media.EditOp{Type: "rotate", Angle: n})
		}
	}
	crop := map[string]float64{}
	for _, k := range []string{"x", "y", "width", "height"} {
		raw := vals[k]
		if raw == nil {
			continue
		}
		n, isNum := number(raw)
		if !isNum {
			p.fail(k, "rest_invalid_type", k+" is not of type number.")
			continue
		}
		if n < 0 || n > 100 {
			p.fail(k, "rest_out_of_bounds", k+" must be between 0 (inclusive) and 100 (inclusive)")
			continue
		}
		crop[k] = n
	}
	if len(crop) == 4 {
		ops = append(ops, media.EditOp{Type: "crop", Left: crop["x"], Top: crop["y"], Width: crop["width"], Height: crop["height"]})
	}
	return ops, p.err()
}

// modifier parses one item of the modifiers array; it must match exactly
// one of WordPress's three shapes.
func modifier(item any) (media.EditOp, bool) {
	m, ok := item.(map[string]any)
	if !ok {
		return media.EditOp{}, false
	}
	args, ok := m["args"].(map[string]any)
	if !ok {
		return media.EditOp{}, false
	}
	switch m["type"] {
	case "flip":
		f, ok := args["flip"].(map[string]any)
		if !ok {
			return media.EditOp{}, false
		}
		return media.EditOp{Type: "flip", Horizontal: truthy(f["horizontal"]), Vertical: truthy(f["vertical"])}, true
	case "rotate":
		a, ok := number(args["angle"])
		return media.EditOp{Type: "rotate", Angle: a}, ok
	case "crop":
		op := media.EditOp{Type: "crop"}
		for k, dst := range map[string]*float64{"left": &op.Left, "top": &op.Top, "width": &op.Width, "height": &op.Height} {
			n, ok := number(args[k])
			if !ok {
				return media.EditOp{}, false
			}
			*dst = n
		}
		return op, true
	}
	return media.EditOp{}, false
}

// srcMatches reports whether src names one of the item's files: the
// attached file, the original, or a sub-size (spec §10.3 step 1).
func srcMatches(src string, m *media.Attachment) bool {
	if i := strings.IndexAny(src, "?#"); i >= 0 {
		src = src[:i]
	}
	if m.File == "" || !m.IsImage() {
		return false
	}
	names := []string{m.File, m.OriginalName()}
	for _, f := range m.Renditions() {
		names = append(names, f.Name)
	}
	for _, n := range names {
		if strings.HasSuffix(src, m.Dir+"/"+n) {
			return true
		}
	}
	return false
}

// handleMediaEdit is POST /wp/v2/media/{id}/edit: it answers 201 with a new
// item at once; a worker makes its pixels and sizes.
func (h *Handler) handleMediaEdit(w http.ResponseWriter, r *http.Request) {
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
	src, _ := vals["src"].(string)
	if src == "" {
		h.writeError(w, r, &restError{status: http.StatusBadRequest, code: "rest_missing_callback_param", message: "Missing parameter(s): src", params: map[string]string{"src": ""}})
		return
	}
	ops, err := editOps(vals)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	p := newParams(nil)
	title, caption, description := stringField(p, vals, "title"), stringField(p, vals, "caption"), stringField(p, vals, "description")
	alt := stringField(p, vals, "alt_text")
	if alt != nil {
		clean := sanitizeText(*alt)
		alt = &clean
	}
	post := intField(p, vals, "post")
	if err := p.err(); err != nil {
		h.writeError(w, r, err)
		return
	}
	u, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !u.CanUpload() {
		h.writeError(w, r, errorf(authRequired(u), "rest_cannot_edit_image", "Sorry, you are not allowed to upload media on this site."))
		return
	}
	parent, err := h.editable(r.Context(), u, id, "rest_cannot_edit", "Sorry, you are not allowed to edit this post.")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !srcMatches(src, parent) {
		h.writeError(w, r, errorf(http.StatusNotFound, "rest_unknown_attachment", "Unable to get meta information for file."))
		return
	}
	if !editableMIMEs[parent.MIME] {
		h.writeError(w, r, errorf(http.StatusBadRequest, "rest_cannot_edit_file_type", "This type of file cannot be edited."))
		return
	}
	if len(ops) == 0 {
		h.writeError(w, r, errorf(http.StatusBadRequest, "rest_image_not_edited", "The image was not edited. Edit the image before applying the changes."))
		return
	}
	ksesFields(u, &title, &caption, &description)
	// Fields left out are the parent's, as WordPress copies them.
	pick := func(v *string, def string) string {
		if v != nil {
			return *v
		}
		return def
	}
	fields := &media.AttachmentFields{
		PostID: post, Caption: pick(caption, parent.Caption),
		Description: pick(description, parent.Description), AltText: pick(alt, parent.AltText),
	}
	edited, err := h.core.EditMedia(r.Context(), parent.Media, u, ops, title, fields)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	m := &media.Attachment{Media: edited, AttachmentFields: *fields}
	// Edit declares no context argument: one sent shapes the answer, and
	// anything else is view.
	ctx, _ := vals["context"].(string)
	if ctx != "edit" && ctx != "embed" {
		ctx = "view"
	}
	h.headers(w)
	w.Header().Set("Location", fmt.Sprintf("%s/wp-json/wp/v2/media/%d", h.publicURL, m.ID))
	w.Header().Set("X-WP-Upload-Attachment-ID", strconv.FormatInt(m.ID, 10))
	httpx.WriteJSON(w, http.StatusCreated, h.render(r, m, ctx, fieldsParam(r)))
}
