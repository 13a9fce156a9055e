package v1

import (
	"context"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/services/media"
)

// item is a media item as the dialect shows it: no URL of any kind.
type item struct {
	MediaID       string   `json:"media_id"`
	Status        string   `json:"status"`
	Type          string   `json:"type"`
	Filename      string   `json:"filename"`
	ContentType   string   `json:"content_type"`
	Size          int64    `json:"size"`
	Width         *int     `json:"width"`
	Height        *int     `json:"height"`
	Duration      *float64 `json:"duration"`
	FailureReason *string  `json:"failure_reason"`
	CreatedAt     string   `json:"created_at"`
}

// single is one item with the media_ids array PostEverywhere adds, and
// optionally what to do next.
type single struct {
	item
	MediaIDs []string `json:"media_ids"`
	NextStep string   `json:"next_step,omitempty"`
}

// kind is the item's type in the dialect: image, video or document; audio
// is a document (README, "Accepted types").
func kind(mimeType string) string {
	switch {
	case strings.HasPrefix(mimeType, "image/"):
		return "image"
	case strings.HasPrefix(mimeType, "video/"):
		return "video"
	}
	return "document"
}

func toItem(m *media.Media) item {
	it := item{
		MediaID: m.Key, Status: string(m.Status), Type: kind(m.MIME), Filename: m.ClientFilename,
		ContentType: m.MIME, Size: m.OriginalFilesize, Duration: m.Duration,
		CreatedAt: m.CreatedAt.UTC().Format(timestampFormat),
	}
	if it.Filename == "" {
		it.Filename = m.OriginalName()
	}
	if m.Status == media.StatusUploading {
		// The client sees one state until the item is usable.
		it.Status, it.Size = string(media.StatusProcessing), m.UploadSize
	}
	if m.Status == media.StatusFailed {
		reason := m.StatusError
		it.FailureReason = &reason
	}
	// The upload's own dimensions (upright), not those of a scaled copy.
	w, hgt := m.Width, m.Height
	if o, ok := m.FileByRole(media.RoleOriginal); ok && o.Width > 0 {
		w, hgt = o.Width, o.Height
	}
	if w > 0 && hgt > 0 {
		it.Width, it.Height = &w, &hgt
	}
	return it
}

func toSingle(m *media.Media, next string) single {
	return single{item: toItem(m), MediaIDs: []string{m.Key}, NextStep: next}
}

// find returns the caller's item, or not found for anyone else's: another
// library's ids don't exist for this key.
func (h *Handler) find(r *http.Request) (*media.Media, error) {
	id := r.PathValue("media_id")
	m, err := h.core.FindMediaByKey(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if c := callerOf(r); !media.Can(media.Caller{KeyID: c.key.ID}, m, nil).Read {
		return nil, apiErr(http.StatusNotFound, "not_found", "Media not found.")
	}
	return m, nil
}

func (h *Handler) handleMediaList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset := 20, 0
	var err error
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 100 {
			h.writeError(w, r, invalid("limit", "limit must be an integer from 1 to 100."))
			return
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			h.writeError(w, r, invalid("offset", "offset must be a non-negative integer."))
			return
		}
	}
	keyID := callerOf(r).key.ID
	f := media.Filter{
		APIKeyID: &keyID, IncludeUploading: true,
		Visibilities: []media.Visibility{media.VisibilityInherit, media.VisibilityPrivate},
		OrderBy:      media.OrderDate, Desc: true, Limit: limit, Offset: offset,
	}
	switch t := q.Get("type"); t {
	case "":
	case "image":
		f.MIMEPrefixes = []string{"image/"}
	case "video":
		f.MIMEPrefixes = []string{"video/"}
	case "document":
		// Audio is a document here, as kind says.
		f.MIMEPrefixes = []string{"application/", "text/", "audio/"}
	default:
		h.writeError(w, r, invalid("type", "type must be image, video or document."))
		return
	}
	items, _, err := h.core.ListMedia(r.Context(), f)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := struct {
		Items      []item   `json:"items"`
		MediaIDs   []string `json:"media_ids"`
		Pagination struct {
			Limit  int `json:"limit"`
			Offset int `json:"offset"`
		} `json:"pagination"`
	}{Items: []item{}, MediaIDs: []string{}}
	out.Pagination.Limit, out.Pagination.Offset = limit, offset
	for _, m := range items {
		out.Items = append(out.Items, toItem(m.Media))
		out.MediaIDs = append(out.MediaIDs, m.Key)
	}
	h.write(w, r, http.StatusOK, out)
}

func (h *Handler) handleMediaGet(w http.ResponseWriter, r *http.Request) {
	wait, err := h.waitParam(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	var m *media.Media
	if wait > 0 {
		m, err = h.waitForItem(r, wait)
	} else {
		m, err = h.find(r)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.write(w, r, http.StatusOK, toSingle(m, ""))
}

// waitParam reads ?wait=seconds, bounded by MaxWait.
func (h *Handler) waitParam(r *http.Request) (time.Duration, error) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return 0, nil
	}
	s, err := strconv.ParseFloat(v, 64)
	if err != nil || s < 0 || s != s || s > h.cfg.MaxWait.Seconds() {
		return 0, invalid("wait", fmt.Sprintf("wait must be a number of seconds from 0 to %g.", h.cfg.MaxWait.Seconds()))
	}
	return time.Duration(s * float64(time.Second)), nil
}

// waitForItem answers as soon as the item leaves processing, or when the
// wait is over, whichever is first. It is woken by the status events every
// replica hears, and reads Postgres for the truth each time.
func (h *Handler) waitForItem(r *http.Request, wait time.Duration) (*media.Media, error) {
	m, err := h.find(r)
	if err != nil {
		return nil, err
	}
	changed, stop := h.hub.Watch(m.Key)
	defer stop()
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	for {
		// Read after watching, so a change between the two is not missed.
		if m, err = h.find(r); err != nil || settled(m.Status) {
			return m, err
		}
		select {
		case <-changed:
		case <-ctx.Done():
			// Out of time (or the client left): the item as it is now.
			return h.find(r.WithContext(context.WithoutCancel(r.Context())))
		case <-h.closing.Done():
			return h.find(r)
		}
	}
}

// settled reports whether a status is final until someone acts again.
func settled(s media.Status) bool { return s == media.StatusReady || s == media.StatusFailed }

// v1Types are the content types the dialect accepts: every type a client
// may declare for its file (media.DeclaredTypes).
var v1Types = media.DeclaredTypes()

// accept is what a direct upload may be (core.Upload.Accept): the types of
// v1Types, each up to its maxSize. The core refuses the rest before
// storing anything.
func (h *Handler) accept() map[string]int64 {
	out := make(map[string]int64, len(v1Types))
	for _, ft := range v1Types {
		out[ft.MIME] = h.maxSize(ft)
	}
	return out
}

// maxSize is the largest file of a type.
func (h *Handler) maxSize(ft media.FileType) int64 {
	if strings.HasPrefix(ft.MIME, "video/") || strings.HasPrefix(ft.MIME, "audio/") {
		return h.cfg.MaxVideoBytes
	}
	return h.cfg.MaxImageBytes
}

// handleMediaUpload is step 1 of a presigned upload.
func (h *Handler) handleMediaUpload(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Filename    *string `json:"filename"`
		ContentType *string `json:"content_type"`
		Size        *int64  `json:"size"`
		FileSize    *int64  `json:"file_size"` // the SDK's name for size
	}
	if err := decodeJSON(r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	if req.Size == nil {
		req.Size = req.FileSize
	}
	switch {
	case req.Filename == nil || strings.TrimSpace(*req.Filename) == "":
		h.writeError(w, r, invalid("filename", "filename is required."))
		return
	case len(*req.Filename) > 255:
		h.writeError(w, r, invalid("filename", "filename must be at most 255 characters."))
		return
	case req.ContentType == nil || *req.ContentType == "":
		h.writeError(w, r, invalid("content_type", "content_type is required."))
		return
	case req.Size == nil:
		h.writeError(w, r, invalid("size", "size (bytes) is required."))
		return
	}
	ft, ok := v1Types[strings.ToLower(*req.ContentType)]
	if !ok {
		h.writeError(w, r, invalid("content_type", "content_type must be one of image/jpeg, image/png, image/gif, image/webp, image/heic, image/heif, video/mp4, application/pdf."))
		return
	}
	if limit := h.maxSize(ft); *req.Size < 1 || *req.Size > limit {
		h.writeError(w, r, invalid("size", fmt.Sprintf("size must be from 1 to %d bytes for %s.", limit, ft.MIME)))
		return
	}
	c := callerOf(r)
	m, url, err := h.core.BeginUpload(r.Context(), core.UploadSession{
		Filename: path.Base(strings.ReplaceAll(*req.Filename, `\`, "/")), Type: ft, Size: *req.Size,
		Author: c.user, APIKeyID: c.key.ID, TTL: h.cfg.UploadTTL,
	})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	type method struct {
		Method      string            `json:"method"`
		ContentType string            `json:"content_type"`
		Headers     map[string]string `json:"headers"`
	}
	h.write(w, r, http.StatusCreated, struct {
		MediaID      string   `json:"media_id"`
		MediaIDs     []string `json:"media_ids"`
		Status       string   `json:"status"`
		UploadURL    string   `json:"upload_url"`
		UploadMethod method   `json:"upload_method"`
		Provider     string   `json:"provider"`
		ExpiresIn    int      `json:"expires_in"`
		MaxSize      int64    `json:"max_size"`
		NextStep     string   `json:"next_step"`
	}{
		MediaID: m.Key, MediaIDs: []string{m.Key}, Status: string(media.StatusProcessing), UploadURL: url,
		UploadMethod: method{Method: http.MethodPut, ContentType: ft.MIME, Headers: map[string]string{
			"Content-Type": ft.MIME, "Content-Length": strconv.FormatInt(*req.Size, 10)}},
		Provider: "s3", ExpiresIn: int(h.cfg.UploadTTL.Seconds()), MaxSize: h.maxSize(ft),
		NextStep: fmt.Sprintf("PUT the file's %d bytes to upload_url with Content-Type %s, then POST /v1/media/%s/complete.", *req.Size, ft.MIME, m.Key),
	})
}

const nextStepReady = `Attach the media by id: pass "media_ids": [...] where media is used; GET /v1/media/{media_id}?wait=30 waits until it is ready.`

// handleMediaComplete is step 3 of a presigned upload.
func (h *Handler) handleMediaComplete(w http.ResponseWriter, r *http.Request) {
	wait, err := h.waitParam(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	m, err := h.find(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	expired := m.Status == media.StatusUploading && m.UploadExpires != nil && time.Now().After(*m.UploadExpires)
	if m, err = h.core.CompleteUpload(r.Context(), m); err != nil {
		if expired {
			// A PUT that began before expiry may still have landed, so the
			// check ran; it found nothing usable.
			err = apiErr(http.StatusGone, "upload_expired", "The upload URL expired before the file arrived; start a new upload.")
		}
		h.writeError(w, r, err)
		return
	}
	if wait > 0 && !settled(m.Status) {
		if m, err = h.waitForItem(r, wait); err != nil {
			h.writeError(w, r, err)
			return
		}
	}
	h.write(w, r, http.StatusOK, toSingle(m, nextStepReady))
}

// handleMediaCreate is a direct upload: multipart with a "file" part, or
// the raw bytes with the name in ?filename= or Content-Disposition. The
// bytes stream through to storage; nothing holds the whole file.
func (h *Handler) handleMediaCreate(w http.ResponseWriter, r *http.Request) {
	wait, err := h.waitParam(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	c := callerOf(r)
	limit := max(h.cfg.MaxImageBytes, h.cfg.MaxVideoBytes)
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	up := core.Upload{Author: c.user, APIKeyID: &c.key.ID, Accept: h.accept()}
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		part, err := filePart(r, params["boundary"])
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		defer part.Close()
		up.Body, up.ClientFilename = part, part.FileName()
	} else {
		up.Body, up.ClientFilename = r.Body, r.URL.Query().Get("filename")
		if up.ClientFilename == "" {
			_, p, _ := mime.ParseMediaType(r.Header.Get("Content-Disposition"))
			up.ClientFilename = p["filename"]
		}
		if up.ClientFilename == "" {
			h.writeError(w, r, invalid("filename", "Send the file name as ?filename=, in Content-Disposition, or upload multipart with a file part."))
			return
		}
	}
	up.ClientFilename = path.Base(strings.ReplaceAll(up.ClientFilename, `\`, "/"))
	m, err := h.core.Upload(r.Context(), up)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if wait > 0 && !settled(m.Status) {
		r.SetPathValue("media_id", m.Key)
		if m, err = h.waitForItem(r, wait); err != nil {
			h.writeError(w, r, err)
			return
		}
	} else if m, err = h.core.FindMediaByKey(r.Context(), m.Key); err != nil {
		h.writeError(w, r, err)
		return
	}
	h.write(w, r, http.StatusCreated, toSingle(m, nextStepReady))
}

// filePart returns the multipart body's part named "file".
func filePart(r *http.Request, boundary string) (*multipart.Part, error) {
	if boundary == "" {
		return nil, apiErr(http.StatusBadRequest, "bad_request", "The multipart body has no boundary.")
	}
	mr := multipart.NewReader(r.Body, boundary)
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, invalid("file", "The multipart body has no part named file.")
		}
		if p.FormName() == "file" {
			if p.FileName() == "" {
				return nil, invalid("file", "The file part has no filename.")
			}
			return p, nil
		}
		p.Close()
	}
}

func (h *Handler) handleMediaDelete(w http.ResponseWriter, r *http.Request) {
	m, err := h.find(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if _, err := h.core.DeleteMedia(r.Context(), m.ID); err != nil {
		h.writeError(w, r, err)
		return
	}
	h.write(w, r, http.StatusOK, map[string]any{"media_id": m.Key, "deleted": true})
}
