package wp

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
)

// Pixelmill's own additions to the WordPress dialect, registered the way a
// WordPress plugin registers its own: under the pixelmill/v1 namespace, and
// as the edit context's "pixelmill" field of an attachment. WordPress
// clients that don't know them see WordPress.

// pixelmillField is the edit context's "pixelmill" object: the item's key
// (its id in the Umbraco dialects and the media tree), its focal point and
// its named crops, cut around that point.
func (h *Handler) pixelmillField(m *media.Attachment) object {
	var focal any
	if m.Focal != nil {
		focal = object{{"left", m.Focal.Left, ""}, {"top", m.Focal.Top, ""}}
	}
	crops := []object{}
	for _, f := range m.Files {
		if f.Role != media.RoleCrop {
			continue
		}
		crops = append(crops, object{{"alias", f.SizeName, ""}, {"width", f.Width, ""}, {"height", f.Height, ""},
			{"source_url", h.fileURL(m, f.Name), ""}})
	}
	slices.SortFunc(crops, func(a, b object) int { return strings.Compare(a[0].value.(string), b[0].value.(string)) })
	return object{{"key", m.Key, ""}, {"focal_point", focal, ""}, {"crops", crops, ""}}
}

// focalUpdate reads pixelmill.focal_point from an update: set reports
// whether it was given; a nil point clears it.
func focalUpdate(p *params, vals map[string]any) (point *media.Point, set bool) {
	ext, ok := vals["pixelmill"]
	if !ok {
		return nil, false
	}
	obj, ok := ext.(map[string]any)
	if !ok {
		p.fail("pixelmill", "rest_invalid_type", "pixelmill is not of type object.")
		return nil, false
	}
	v, ok := obj["focal_point"]
	if !ok {
		return nil, false
	}
	if v == nil {
		return nil, true
	}
	fp, _ := v.(map[string]any)
	left, lok := number(fp["left"])
	top, tok := number(fp["top"])
	pt := media.Point{Left: left, Top: top}
	if !lok || !tok || !pt.Valid() {
		p.fail("pixelmill", "rest_invalid_param", "pixelmill[focal_point] must be {left, top}, each from 0 to 1.")
		return nil, false
	}
	return &pt, true
}

// handleEvents is GET /wp-json/pixelmill/v1/events: a Server-Sent Events
// stream of the status changes (media.ready, media.failed) of the
// attachments the signed-in user may read, so a page can show an upload
// turning ready without polling. Each event's id resumes the stream with
// Last-Event-ID.
func (h *Handler) handleEvents(w http.ResponseWriter, r *http.Request) {
	u, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if u == nil {
		h.writeError(w, r, errorf(http.StatusUnauthorized, "rest_not_logged_in", "You are not currently logged in."))
		return
	}
	var after uint64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			h.writeError(w, r, &restError{status: http.StatusBadRequest, code: "rest_invalid_param", message: "Invalid parameter(s): Last-Event-ID",
				params: map[string]string{"Last-Event-ID": "Last-Event-ID must be an id this stream sent."}})
			return
		}
	}
	if h.events == nil {
		h.handleNoRoute(w, r)
		return
	}
	h.headers(w)
	httpx.StreamEvents(w, r, h.closing, h.events, after, h.log, func(ev jobqueue.SequencedEvent) (string, any, bool) {
		if ev.Event.APIKeyID != nil {
			return "", nil, false // a /v1 library's item
		}
		if _, err := h.findReadable(r.Context(), ev.Event.MediaID, u, false); err != nil {
			return "", nil, false // gone, or not this user's to read
		}
		return string(ev.Event.Type), object{{"id", ev.Event.MediaID, ""}, {"processing_status", string(ev.Event.Status), ""},
			{"processing_error", ev.Event.Error, ""}}, true
	})
}
