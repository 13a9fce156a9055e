package wp

import (
	"context"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
)

// Pixelmill's own additions to the WordPress dialect, registered the way a
// WordPress plugin registers its own: under the pixelmill/v1 namespace, and
// as the edit context's "pixelmill" field of an attachment. WordPress
// clients that don't know them see WordPress.

// pixelmillField is the edit context's "pixelmill" object: the item's key
// (its id in the Umbraco dialects and the media tree), its address among
// the image URLs (which take ?width=…&height=…), its focal point and its
// named crops, cut around that point.
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
	return object{{"key", m.Key, ""}, {"media_url", h.publicURL + m.MediaPath(), ""}, {"focal_point", focal, ""}, {"crops", crops, ""}}
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

// handleFolders is GET /wp-json/pixelmill/v1/folders: the media tree's
// folders (key, name, parent key), each after its parent, for a picker;
// the media list takes a key as pixelmill_folder. For users who may
// upload, as the tree is where uploads go.
func (h *Handler) handleFolders(w http.ResponseWriter, r *http.Request) {
	u, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !u.CanUpload() {
		h.writeError(w, r, errorf(authRequired(u), "rest_forbidden", "Sorry, you are not allowed to do that."))
		return
	}
	folders, err := h.core.Folders(r.Context())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]object, len(folders))
	for i, f := range folders {
		var parent any
		if f.ParentKey != "" {
			parent = f.ParentKey
		}
		out[i] = object{{"key", f.Key, ""}, {"name", f.Name, ""}, {"parent", parent, ""}}
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, out)
}

// folderFilter reads pixelmill_folder: a folder's key, or "root" for the
// top of the tree.
func (h *Handler) folderFilter(r *http.Request, p *params, f *media.Filter) {
	key := p.scalar("pixelmill_folder", "string")
	switch key {
	case "":
	case "root":
		f.InRootFolder = true
	default:
		id, err := h.core.NodeID(r.Context(), key)
		if err != nil {
			p.fail("pixelmill_folder", "rest_invalid_param", "pixelmill_folder is not a folder of the media tree.")
			return
		}
		f.Folder = &id
	}
}

// keyUser authenticates an API key sent as a Bearer token. A key made with
// the shared library's scopes acts for the administrator who made it:
// with umbraco:write as an editor of the library (never more: keys manage
// no users), with umbraco:read alone as a subscriber (reading, never
// changing). A key made for its own /v1 library alone is refused here.
func (h *Handler) keyUser(ctx context.Context, token string) (*media.User, error) {
	k, err := h.keys.Authenticate(ctx, token)
	if media.ErrorCode(err) == media.CodeUnauth {
		return nil, errorf(http.StatusUnauthorized, "rest_invalid_api_key", "Invalid or expired API key.")
	}
	if err != nil {
		return nil, err
	}
	if !k.Allows(media.ScopeUmbracoRead) && !k.Allows(media.ScopeUmbracoWrite) {
		return nil, errorf(http.StatusForbidden, "rest_forbidden_api_key",
			"This API key reaches only its own /v1 library; the shared library needs the umbraco:read or umbraco:write scope.")
	}
	owner, err := h.users.FindUserByID(ctx, k.UserID)
	if err != nil {
		return nil, err
	}
	acting := *owner
	switch {
	case !k.Allows(media.ScopeUmbracoWrite):
		acting.Role = media.RoleSubscriber
	case owner.CanManageUsers():
		acting.Role = media.RoleEditor
	}
	return &acting, nil
}

// noKeys refuses API keys on the routes of users and their application
// passwords: a key acts on media only, and may only ask who it acts as
// (GET users/me).
func (h *Handler) noKeys(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/wp-json/wp/v2/users/me" {
			next(w, r)
			return
		}
		if _, ok := httpx.BearerToken(r.Header.Get("Authorization")); ok && h.keys != nil {
			h.writeError(w, r, errorf(http.StatusForbidden, "rest_forbidden_api_key", "API keys can't manage users or application passwords; sign in with a password."))
			return
		}
		next(w, r)
	}
}

// handleUploadBegin is POST /wp-json/pixelmill/v1/uploads, step 1 of a
// presigned upload, for files too large to send through the API: the
// declared filename, content_type and size give an attachment waiting for
// its bytes and a URL that takes exactly those bytes with a PUT, straight
// into storage, for the upload TTL. Step 2 is the PUT; step 3 is
// …/uploads/{key}/complete.
func (h *Handler) handleUploadBegin(w http.ResponseWriter, r *http.Request) {
	u, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !u.CanUpload() {
		h.writeError(w, r, errorf(authRequired(u), "rest_cannot_create", "Sorry, you are not allowed to create posts as this user."))
		return
	}
	vals, err := requestValues(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	p := newParams(vals)
	name := path.Base(strings.ReplaceAll(strings.TrimSpace(p.scalar("filename", "string")), `\`, "/"))
	declared := strings.ToLower(strings.TrimSpace(p.scalar("content_type", "string")))
	size, sizeErr := strconv.ParseInt(p.scalar("size", "integer"), 10, 64)
	ft, known := media.DeclaredTypes()[declared]
	switch {
	case name == "" || name == "." || name == "/" || len(name) > 255:
		p.fail("filename", "rest_invalid_param", "filename is the file's name, 1 to 255 characters.")
	case !known:
		p.fail("content_type", "rest_invalid_param", "content_type is not a type this site accepts.")
	case sizeErr != nil || size < 1:
		p.fail("size", "rest_invalid_param", "size is the file's length in bytes.")
	}
	if err := p.err(); err != nil {
		h.writeError(w, r, err)
		return
	}
	if size > h.maxUpload {
		h.writeError(w, r, errorf(http.StatusRequestEntityTooLarge, "rest_upload_file_too_big", "The uploaded file exceeds the maximum upload size for this site."))
		return
	}
	m, url, err := h.core.BeginUpload(r.Context(), core.UploadSession{Filename: name, Type: ft, Size: size, Author: u,
		Post: &media.AttachmentFields{}, TTL: h.uploadTTL})
	if err != nil {
		h.writeError(w, r, uploadError(err, "rest_upload_sideload_error"))
		return
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusCreated, object{{"id", m.ID, ""}, {"key", m.Key, ""}, {"upload_url", url, ""},
		{"upload_method", object{{"method", http.MethodPut, ""}, {"headers", object{{"Content-Type", ft.MIME, ""}}, ""}}, ""},
		{"expires_in", int(h.uploadTTL.Seconds()), ""}})
}

// handleUploadComplete is POST /wp-json/pixelmill/v1/uploads/{key}/complete:
// the stored bytes are checked (there, of the declared size and type) and
// the attachment starts processing; it answers with the attachment. Calling
// it again answers the same.
func (h *Handler) handleUploadComplete(w http.ResponseWriter, r *http.Request) {
	u, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	m, err := h.core.FindMediaByKey(r.Context(), r.PathValue("key"))
	if err != nil || m.APIKeyID != nil || u == nil || (m.AuthorID != u.ID && !u.CanEditOthers()) {
		h.writeError(w, r, errorf(http.StatusNotFound, "rest_post_invalid_id", "Invalid post ID."))
		return
	}
	if m.Status == media.StatusUploading && m.UploadExpires != nil && time.Now().After(*m.UploadExpires) {
		h.writeError(w, r, errorf(http.StatusGone, "rest_upload_expired", "The upload URL expired before the upload was completed; begin again."))
		return
	}
	if _, err := h.core.CompleteUpload(r.Context(), m); err != nil {
		if media.ErrorCode(err) == media.CodeConflict {
			err = errorf(http.StatusConflict, "rest_upload_incomplete", media.ErrorMessage(err))
		}
		h.writeError(w, r, err)
		return
	}
	a, err := h.core.FindAttachment(r.Context(), m.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, h.render(r, a, "edit", fieldsParam(r)))
}
