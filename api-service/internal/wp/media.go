package wp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/bracket"
	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/media"
)

func (h *Handler) handleMediaGet(w http.ResponseWriter, r *http.Request) {
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
	ctx, err := contextParam(vals)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	u, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	m, err := h.findReadable(r.Context(), id, u, ctx == "edit")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.headers(w)
	w.Header().Add("Link", fmt.Sprintf("<%s/?attachment_id=%d>; rel=\"alternate\"; type=\"text/html\"", h.publicURL, m.ID))
	if !memoizable(r, u, m, ctx) {
		httpx.WriteJSON(w, http.StatusOK, h.render(r, m, ctx, fieldsParam(r)))
		return
	}
	body, ok := h.views.get(m, r.URL.RawQuery)
	if !ok {
		b, err := h.render(r, m, ctx, fieldsParam(r)).MarshalJSON()
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		body = append(b, '\n')
		h.views.put(m, r.URL.RawQuery, body)
	}
	httpx.WriteEncoded(w, http.StatusOK, body)
}

// contextParam validates context (view, embed or edit; view by default).
func contextParam(vals map[string]any) (string, error) {
	p := newParams(vals)
	c := p.enum("context", "view", "view", "embed", "edit")
	return c, p.err()
}

// handleMediaCreate is POST /wp/v2/media: a raw body with
// Content-Disposition, or multipart with a "file" part, checked in
// WordPress's order (spec §6): the fields' validation, the permission
// checks, the upload's own checks, then prepare_item_for_database's. Every
// check on the fields is made before the file is stored, so a refused
// field stores nothing; fields a multipart body sends after its file are
// checked once it is read, and their refusal removes it again before any
// row is written.
func (h *Handler) handleMediaCreate(w http.ResponseWriter, r *http.Request) {
	u, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	// The query is create's only parameter source besides a multipart
	// body's fields: a raw body is the file (spec §1.4).
	q := queryValues(r)
	c, folder, err := h.createAllowed(r.Context(), u, q)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.maxUpload)
	var m *media.Attachment
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		m, err = h.createMultipart(r, u, q)
	} else {
		m, err = h.createRaw(r, u, c, folder)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.headers(w)
	w.Header().Set("Location", fmt.Sprintf("%s/wp-json/wp/v2/media/%d", h.publicURL, m.ID))
	w.Header().Set("X-WP-Upload-Attachment-ID", strconv.FormatInt(m.ID, 10))
	httpx.WriteJSON(w, http.StatusCreated, h.attachment(m).filter("edit"))
}

// createFields are a create request's fields: the attachment's, and
// generate_sub_sizes=false (WordPress 7.1), which asks for metadata now
// and sizes on post-process.
type createFields struct {
	*attachmentFields
	deferSizes bool
}

// createAllowed validates a create request's fields and makes the
// permission checks on them, in WordPress's order: 400 rest_invalid_param
// naming every bad field; rest_post_exists; rest_cannot_edit_others;
// rest_cannot_create; and for a parent post rest_cannot_edit, then
// "Invalid parent type." for an attachment (checkParent). folder is the
// parent post's month, where the upload goes.
func (h *Handler) createAllowed(ctx context.Context, u *media.User, vals map[string]any) (*createFields, time.Time, error) {
	p := newParams(vals)
	c := &createFields{attachmentFields: h.readFields(p, vals, nil)}
	if b := boolValue(p, vals, "generate_sub_sizes"); b != nil {
		c.deferSizes = !*b
	}
	if err := p.err(); err != nil {
		return nil, time.Time{}, err
	}
	if createID(vals) {
		return nil, time.Time{}, errorf(http.StatusBadRequest, "rest_post_exists", "Cannot create existing post.")
	}
	if err := c.checkAuthor(u, true); err != nil {
		return nil, time.Time{}, err
	}
	if !u.CanUpload() {
		return nil, time.Time{}, errorf(authRequired(u), "rest_cannot_create", "Sorry, you are not allowed to create posts as this user.")
	}
	folder, err := h.checkParent(ctx, u, c.post)
	if err != nil {
		return nil, time.Time{}, err
	}
	return c, folder, nil
}

// prepareCreate makes the checks WordPress makes as it inserts the item:
// prepare's (rest_cannot_publish, rest_invalid_author), then
// featured_media, which no attachment on a stock site takes (WordPress
// refuses it once the file is stored and the row written; Pixelmill
// refuses it before).
func (h *Handler) prepareCreate(ctx context.Context, u *media.User, c *createFields) error {
	if err := h.prepare(ctx, u, c.attachmentFields, nil); err != nil {
		return err
	}
	if c.featuredMedia != nil && *c.featuredMedia != 0 {
		return errorf(http.StatusBadRequest, "rest_no_featured_media", "This site does not support post thumbnails on attachments with MIME type image.")
	}
	return nil
}

// apply copies the fields into up.
func (c *createFields) apply(up *core.Upload) {
	c.upload(up)
	up.SizesDeferred = c.deferSizes
}

// createRaw stores a raw body whose fields createAllowed passed.
func (h *Handler) createRaw(r *http.Request, u *media.User, c *createFields, folder time.Time) (*media.Attachment, error) {
	if r.ContentLength == 0 {
		return nil, errorf(http.StatusBadRequest, "rest_upload_no_data", "No data supplied.")
	}
	if r.Header.Get("Content-Type") == "" {
		return nil, errorf(http.StatusBadRequest, "rest_upload_no_content_type", "No Content-Type supplied.")
	}
	dispositions := r.Header.Values("Content-Disposition")
	if len(dispositions) == 0 {
		return nil, errorf(http.StatusBadRequest, "rest_upload_no_content_disposition", "No Content-Disposition supplied.")
	}
	name := FilenameFromDisposition(dispositions)
	if name == "" {
		return nil, errorf(http.StatusBadRequest, "rest_upload_invalid_disposition",
			"Invalid Content-Disposition supplied. Content-Disposition needs to be formatted as `attachment; filename=\"image.png\"` or similar.")
	}
	if err := h.prepareCreate(r.Context(), u, c); err != nil {
		return nil, err
	}
	up := core.Upload{Body: r.Body, ClientFilename: name, ContentMD5: r.Header.Get("Content-MD5"), Author: u, Folder: folder}
	c.apply(&up)
	m, err := h.upload(r.Context(), up)
	return m, uploadError(err, "rest_upload_sideload_error")
}

// upload stores an upload with its attachment fields (up.Post, which the
// fields were written into) and returns the item as WordPress holds it.
func (h *Handler) upload(ctx context.Context, up core.Upload) (*media.Attachment, error) {
	if up.Post == nil {
		up.Post = &media.AttachmentFields{}
	}
	m, err := h.core.Upload(ctx, up)
	if err != nil {
		return nil, err
	}
	return &media.Attachment{Media: m, AttachmentFields: *up.Post}, nil
}

// createMultipart streams the "file" part straight to storage. The fields
// sent before it, over those of the query string, are checked before it
// is stored; those sent after it once it is read (see uploadPart).
func (h *Handler) createMultipart(r *http.Request, u *media.User, q map[string]any) (*media.Attachment, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "rest_upload_no_data", "No data supplied.")
	}
	var form []bracket.Pair
	sawFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			if !sawFile {
				// No file at all: PHP sees neither $_FILES nor a body.
				return nil, errorf(http.StatusBadRequest, "rest_upload_no_data", "No data supplied.")
			}
			return nil, errorf(http.StatusInternalServerError, "rest_upload_unknown_error", "Specified file failed upload test.")
		}
		if err != nil {
			// Go's reader refuses some headers PHP takes (control
			// characters in a file name); the answer stays WordPress's.
			return nil, errorf(http.StatusInternalServerError, "rest_upload_unknown_error", "Malformed multipart body.")
		}
		sawFile = sawFile || part.FileName() != ""
		if part.FormName() == "file" && part.FileName() != "" {
			return h.uploadPart(r, u, part, mr, q, form)
		}
		if part.FileName() == "" && len(form) < bracket.MaxVars {
			v, err := io.ReadAll(io.LimitReader(part, 1<<20))
			if err != nil {
				return nil, uploadError(err, "rest_upload_unknown_error")
			}
			form = append(form, bracket.Pair{Name: part.FormName(), Value: string(v)})
		}
		part.Close()
	}
}

// uploadPart stores the file part once the fields sent so far (form, over
// q) pass every check. Fields that follow the part are read after it, and
// checked again with the others before the item is recorded.
func (h *Handler) uploadPart(r *http.Request, u *media.User, part *multipart.Part, mr *multipart.Reader, q map[string]any, form []bracket.Pair) (*media.Attachment, error) {
	ctx := r.Context()
	check := func(form []bracket.Pair) (*createFields, time.Time, error) {
		c, folder, err := h.createAllowed(ctx, u, merged(q, bracket.Parse(form).Map()))
		if err == nil {
			err = h.prepareCreate(ctx, u, c)
		}
		return c, folder, err
	}
	c, folder, err := check(form)
	if err != nil {
		return nil, err
	}
	// part.FileName() keeps only the base name, so "<b>Bold</b> Name.jpg"
	// would lose everything before the "/"; the title wants the whole name
	// (the stored name is sanitized separately).
	name := part.FileName()
	if _, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		name = params["filename"]
	}
	// Multipart uploads are titled from the client's name up to its last
	// dot, unsanitized apart from tags (spec §6.6), unless a title is sent.
	title := ""
	if i := strings.LastIndex(name, "."); i > 0 {
		title = sanitizeText(name[:i])
	}
	up := core.Upload{Body: part, ClientFilename: name, ContentMD5: r.Header.Get("Content-MD5"), Author: u, Folder: folder, Title: title, TitleDefault: true}
	c.apply(&up)
	up.Trailer = func(up *core.Upload) error {
		more, err := readFields(mr)
		if err != nil || len(more) == 0 {
			return err
		}
		names := slices.Sorted(maps.Keys(more))
		for _, k := range names {
			form = append(form, bracket.Pair{Name: k, Value: more[k]})
		}
		c, folder, err := check(form)
		if err != nil {
			return err
		}
		up.Title, up.TitleDefault, up.Folder = title, true, folder
		c.apply(up)
		return nil
	}
	m, err := h.upload(ctx, up)
	return m, uploadError(err, "rest_upload_unknown_error")
}

// readFields reads the plain fields that follow the file part.
func readFields(mr *multipart.Reader) (map[string]string, error) {
	out := map[string]string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "rest_upload_unknown_error", "Malformed multipart body.")
		}
		if part.FileName() == "" {
			v, err := io.ReadAll(io.LimitReader(part, 1<<20))
			if err != nil {
				return nil, errorf(http.StatusBadRequest, "rest_upload_unknown_error", "Malformed multipart body.")
			}
			out[part.FormName()] = string(v)
		}
		part.Close()
	}
}

// uploadError maps the core's upload refusals to WordPress's codes: an
// empty body is rest_upload_no_data, a bad hash 412, a refused type a 500
// with the handler's message (WordPress's own, odd as it is).
func uploadError(err error, handlerCode string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrEmptyFile) && handlerCode == "rest_upload_sideload_error":
		return errorf(http.StatusBadRequest, "rest_upload_no_data", "No data supplied.")
	case errors.Is(err, core.ErrEmptyFile):
		// The multipart handler's failures are 500s with its message
		// (_wp_handle_upload's, and PHP's for a cut-off upload).
		return errorf(http.StatusInternalServerError, handlerCode, "File is empty. Please upload something more substantial.")
	case errors.Is(err, core.ErrPartial):
		return errorf(http.StatusInternalServerError, handlerCode, "The uploaded file was only partially uploaded.")
	case errors.Is(err, core.ErrHashMismatch):
		return errorf(http.StatusPreconditionFailed, "rest_upload_hash_mismatch", "Content hash did not match expected.")
	case errors.Is(err, core.ErrFileType):
		return errorf(http.StatusInternalServerError, handlerCode, "Sorry, you are not allowed to upload this file type.")
	}
	return err
}

// FilenameFromDisposition is WordPress's get_filename_from_disposition,
// step for step: per header (one with a ";"), the pieces' keys and values
// are trimmed and a later key wins; a header whose filename PHP's empty()
// calls empty ("", "0") is skipped; otherwise its filename, unquoted (a
// leading and a trailing quote go, so a lone quote leaves nothing), becomes
// the result. filename*= is not understood. The caller treats an empty
// result ("" or "0") as no name.
func FilenameFromDisposition(values []string) string {
	name := ""
	for _, v := range values {
		v = phpTrim(v)
		_, rest, ok := strings.Cut(v, ";")
		if !ok {
			continue
		}
		attrs := map[string]string{}
		for _, piece := range strings.Split(rest, ";") {
			if k, val, ok := strings.Cut(piece, "="); ok {
				attrs[phpTrim(k)] = phpTrim(val)
			}
		}
		f := attrs["filename"]
		if f == "" || f == "0" {
			continue
		}
		if strings.HasPrefix(f, `"`) && strings.HasSuffix(f, `"`) {
			f = strings.TrimSuffix(strings.TrimPrefix(f, `"`), `"`)
		}
		name = f
	}
	if name == "0" {
		return ""
	}
	return name
}

// phpTrim trims what PHP's trim() does: ASCII whitespace and NUL, not the
// Unicode spaces strings.TrimSpace would also take.
func phpTrim(s string) string { return strings.Trim(s, " \t\n\r\x00\x0B") }

var (
	scriptOrStyle = regexp.MustCompile(`(?is)<script[^>]*>.*?</script>|<style[^>]*>.*?</style>`)
	anyTag        = regexp.MustCompile(`<[^>]*>`)
	octetRE       = regexp.MustCompile(`%[a-fA-F0-9]{2}`)
)

// sanitizeText is WordPress's sanitize_text_field in the order it works:
// script and style elements go with their content, then every tag, a lone
// "<" is escaped, then %XX octets until none is left (removing one can make another), then
// whitespace runs collapse.
func sanitizeText(s string) string {
	s = scriptOrStyle.ReplaceAllString(s, "")
	s = anyTag.ReplaceAllString(s, "")
	// A "<" that opened no tag is escaped (wp_pre_kses_less_than).
	s = strings.ReplaceAll(s, "<", "&lt;")
	for octetRE.MatchString(s) {
		s = octetRE.ReplaceAllString(s, "")
	}
	return strings.Join(strings.Fields(s), " ")
}

// handleMediaPostProcess is POST /wp/v2/media/{id}/post-process with
// action=create-image-subsizes: it queues a job for the sizes still missing
// and answers the item's current state (edit context). Idempotent.
func (h *Handler) handleMediaPostProcess(w http.ResponseWriter, r *http.Request) {
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
	p := newParams(vals)
	if !p.has("action") {
		h.writeError(w, r, &restError{status: http.StatusBadRequest, code: "rest_missing_callback_param",
			message: "Missing parameter(s): action", params: map[string]string{"action": ""}})
		return
	}
	// A value sent but empty is there, so it fails the enum, as in
	// WordPress, rather than counting as missing.
	if p.enum("action", "", "create-image-subsizes"); vals["action"] == "" {
		p.fail("action", "rest_not_in_enum", "action is not one of create-image-subsizes.")
	}
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
	if missing := h.missingSizes(m); len(missing) > 0 && m.Status != media.StatusProcessing {
		if err := h.core.Requeue(r.Context(), id, missing); err != nil {
			h.writeError(w, r, err)
			return
		}
		if m, err = h.core.FindAttachment(r.Context(), id); err != nil {
			h.writeError(w, r, err)
			return
		}
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, h.attachment(m).filter("edit"))
}

// handleFileGet serves a stored file by its uploads path, with ETag,
// Range and caching, from object storage.
func (h *Handler) handleFileGet(w http.ResponseWriter, r *http.Request) {
	u, _ := h.user(r)
	f, obj, err := h.core.OpenFile(r.Context(), r.PathValue("path"), r.URL.Query(), u)
	if err != nil {
		if media.ErrorCode(err) == media.CodeNotFound {
			http.NotFound(w, r)
			return
		}
		h.writeError(w, r, err)
		return
	}
	// A stored name never changes content except when a job regenerates
	// it identically, so clients may cache for a day.
	httpx.ServeObject(w, r, f.MIME, obj, "public, max-age=86400")
}

// checkParent applies WordPress's rules for the post an upload is attached
// to (spec §6.2 step 5, §6.3 steps 1-2): an attachment is not a parent
// ("Invalid parent type."); the post must exist and the user must be able
// to edit it; an upload to a dated post (not a page) goes to that post's
// month folder, returned as folder.
func (h *Handler) checkParent(ctx context.Context, u *media.User, post *int64) (folder time.Time, err error) {
	if post == nil || *post == 0 {
		return time.Time{}, nil
	}
	if m, err := h.core.FindAttachment(ctx, *post); err == nil {
		if !canEdit(u, m) {
			return time.Time{}, errorf(authRequired(u), "rest_cannot_edit", "Sorry, you are not allowed to upload media to this post.")
		}
		return time.Time{}, &restError{status: http.StatusBadRequest, code: "rest_invalid_param", message: "Invalid parent type.",
			params: map[string]string{"post": "Invalid parent type."}}
	}
	p, err := h.posts.FindPostByID(ctx, *post)
	if err != nil || !p.Editable(u) {
		return time.Time{}, errorf(authRequired(u), "rest_cannot_edit", "Sorry, you are not allowed to upload media to this post.")
	}
	if p.Type == "post" {
		return p.Date, nil
	}
	return time.Time{}, nil
}
