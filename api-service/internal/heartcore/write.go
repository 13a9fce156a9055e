package heartcore

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/api-service/internal/umbraco"
	"github.com/pixelmill/pixelmill/services/media"
)

// maxContentBytes bounds the JSON of an item (the body, or the multipart
// "content" part).
const maxContentBytes = 1 << 20

// fileProperty is the property a file part is named after. Custom upload
// properties are not supported: a type has one file.
const fileProperty = "umbracoFile"

var errEmptyBody = apiError(http.StatusBadRequest, "BadRequest", "Body cannot be empty.")

// request is a create or update as sent: the item's JSON and, from a
// multipart body, the file part still to be read.
type request struct {
	fields map[string]json.RawMessage
	file   *multipart.Part
	parts  *multipart.Reader
}

// readRequest reads the JSON of a create or update: the whole body, or a
// multipart body's "content" part, whose Content-Type may be JSON with a
// charset or missing. It stops at the first file part, which the caller
// streams; the JSON part must come before it, as every client sends it.
func readRequest(w http.ResponseWriter, r *http.Request, maxUpload int64) (*request, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		data, err := io.ReadAll(io.LimitReader(r.Body, maxContentBytes+1))
		if err != nil {
			return nil, bodyError(err)
		}
		return parseContent(data)
	}
	if params["boundary"] == "" {
		return nil, apiError(http.StatusBadRequest, "BadRequest", "The multipart body has no boundary.")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	req := &request{parts: mr}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bodyError(err)
		}
		name := part.FormName()
		switch {
		case strings.EqualFold(name, "content") && part.FileName() == "":
			if req.fields != nil {
				return nil, apiError(http.StatusBadRequest, "BadRequest", "The multipart body has two content parts.")
			}
			data, err := io.ReadAll(io.LimitReader(part, maxContentBytes+1))
			if err != nil {
				return nil, bodyError(err)
			}
			c, err := parseContent(data)
			if err != nil {
				return nil, err
			}
			req.fields = c.fields
		case part.FileName() != "" || name == fileProperty:
			if req.fields == nil {
				return nil, apiError(http.StatusBadRequest, "BadRequest", "The content part must come before the file parts.")
			}
			if name != fileProperty {
				return nil, validation(map[string][]string{name: {"Files are accepted for umbracoFile only."}})
			}
			req.file = part
			return req, nil
		}
	}
	if req.fields == nil {
		return nil, errEmptyBody
	}
	return req, nil
}

// parseContent decodes an item's JSON object.
func parseContent(data []byte) (*request, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errEmptyBody
	}
	if len(data) > maxContentBytes {
		return nil, apiError(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The item's JSON is over 1 MiB.")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return nil, apiError(http.StatusBadRequest, "BadRequest", "The body is not a JSON object.")
	}
	return &request{fields: fields}, nil
}

func bodyError(err error) error {
	if httpx.ErrBodyTooLarge(err) {
		return apiError(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is over the upload limit.")
	}
	return apiError(http.StatusBadRequest, "BadRequest", "The request body could not be read: "+err.Error())
}

// remainingParts drains the parts after the file: another file part can't
// be stored, so it refuses the request (before the item is recorded).
func (req *request) remainingParts() error {
	for {
		part, err := req.parts.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return bodyError(err)
		}
		if part.FileName() != "" {
			return validation(map[string][]string{part.FormName(): {"Only one file, for umbracoFile, is accepted."}})
		}
	}
}

// edit is what a create or update asks for, once validated.
type edit struct {
	alias      string
	name       *string
	parent     *string // "" = the root; nil = not given
	sortOrder  *int
	focal      *media.Point
	coords     map[string]media.Coords
	props      map[string]json.RawMessage
	fileName   string // umbracoFile's src or string, if given
	fileGiven  bool   // umbracoFile was in the JSON with a value
	typ        media.MediaType
	typeExists bool
}

// labels are derived from the file and ignored when clients send them
// back; system fields (underscore) are too.
var labels = map[string]bool{"umbracoWidth": true, "umbracoHeight": true, "umbracoBytes": true, "umbracoExtension": true}

// parseEdit validates the fields against the item's type (alias when the
// body names none, for updates) and reports every problem at once.
func (h *Handler) parseEdit(fields map[string]json.RawMessage, alias string) (*edit, error) {
	e := &edit{alias: alias}
	details := map[string][]string{}
	bad := func(field, msg string) { details[field] = append(details[field], msg) }
	if raw, ok := fields["mediaTypeAlias"]; ok {
		var a string
		if json.Unmarshal(raw, &a) != nil {
			bad("mediaTypeAlias", "Must be a string.")
		} else if alias != "" && a != alias {
			bad("mediaTypeAlias", "The media type of an item can't be changed.")
		} else {
			e.alias = a
		}
	}
	if e.alias == "" {
		bad("mediaTypeAlias", "The media type alias is required.")
	} else if e.typ, e.typeExists = h.types.Get(e.alias); !e.typeExists {
		bad("mediaTypeAlias", fmt.Sprintf("Media type '%s' does not exist.", e.alias))
	}
	if raw, ok := fields["name"]; ok {
		var n string
		if json.Unmarshal(raw, &n) != nil || strings.TrimSpace(n) == "" {
			bad("name", "The name is required.")
		} else if utf8.RuneCountInString(n) > 255 {
			bad("name", "The name is over 255 characters.")
		} else {
			n = strings.TrimSpace(n)
			e.name = &n
		}
	}
	if raw, ok := fields["parentId"]; ok {
		var p *string
		if json.Unmarshal(raw, &p) != nil {
			bad("parentId", "Must be a GUID or null.")
		} else if p == nil {
			root := ""
			e.parent = &root
		} else if _, err := uuid.Parse(*p); err != nil {
			bad("parentId", fmt.Sprintf("'%s' is not a GUID.", *p))
		} else {
			k := strings.ToLower(*p)
			e.parent = &k
		}
	}
	if raw, ok := fields["sortOrder"]; ok && string(raw) != "null" {
		var n int
		if json.Unmarshal(raw, &n) != nil || n < 0 {
			bad("sortOrder", "Must be a whole number from 0.")
		} else {
			e.sortOrder = &n
		}
	}
	if raw, ok := fields[fileProperty]; ok && string(raw) != "null" {
		h.parseFile(raw, e, bad)
	}
	for k, v := range fields {
		if strings.HasPrefix(k, "_") || labels[k] || k == "mediaTypeAlias" || k == "name" || k == "parentId" || k == "sortOrder" || k == fileProperty {
			continue
		}
		if !e.typeExists {
			continue
		}
		if _, ok := e.typ.Property(k); !ok {
			bad(k, fmt.Sprintf("Media type '%s' has no property '%s'.", e.alias, k))
			continue
		}
		if e.props == nil {
			e.props = map[string]json.RawMessage{}
		}
		e.props[k] = v
	}
	if len(details) > 0 {
		return nil, validation(details)
	}
	return e, nil
}

// parseFile reads umbracoFile: the cropper's {src, focalPoint, crops} or
// the upload field's file name; either shape is accepted for either
// editor.
func (h *Handler) parseFile(raw json.RawMessage, e *edit, bad func(string, string)) {
	var name string
	if json.Unmarshal(raw, &name) == nil {
		e.fileName, e.fileGiven = name, name != ""
		return
	}
	var v struct {
		Src        string         `json:"src"`
		FocalPoint *media.Point   `json:"focalPoint"`
		Crops      []umbraco.Crop `json:"crops"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		bad(fileProperty, "Must be a file name or an object {src, focalPoint, crops}.")
		return
	}
	e.fileName, e.fileGiven = v.Src, v.Src != ""
	if v.FocalPoint != nil {
		if !v.FocalPoint.Valid() {
			bad(fileProperty, "focalPoint.left and focalPoint.top must be from 0 to 1.")
		} else {
			e.focal = v.FocalPoint
		}
	}
	if v.Crops != nil && e.typeExists {
		e.coords = map[string]media.Coords{}
		for _, c := range v.Crops {
			known := false
			for _, d := range e.typ.Crops {
				known = known || d.Alias == c.Alias
			}
			switch {
			case !known:
				bad(fileProperty, fmt.Sprintf("Media type '%s' has no crop '%s'.", e.alias, c.Alias))
			case c.Coordinates == nil:
			case !c.Coordinates.Valid():
				bad(fileProperty, fmt.Sprintf("The coordinates of crop '%s' must be insets from 0 to 1 that leave an area.", c.Alias))
			default:
				e.coords[c.Alias] = *c.Coordinates
			}
		}
	}
}

// checkRequired reports required custom properties a new item lacks.
func (e *edit) checkRequired() error {
	details := map[string][]string{}
	for _, p := range e.typ.Properties {
		if v, ok := e.props[p.Alias]; p.Required && (!ok || string(v) == "null" || string(v) == `""`) {
			details[p.Alias] = append(details[p.Alias], "Value cannot be null.")
		}
	}
	if len(details) > 0 {
		return validation(details)
	}
	return nil
}

// resolveParent turns a parent key into its row id, refusing what is not
// a folder of the tree.
func (h *Handler) resolveParent(r *http.Request, key string) (*int64, error) {
	if key == "" {
		return nil, nil
	}
	p, err := h.core.FindNode(r.Context(), key)
	if media.ErrorCode(err) == media.CodeNotFound {
		return nil, validation(map[string][]string{"parentId": {fmt.Sprintf("Media with id '%s' could not be found.", key)}})
	}
	if err != nil {
		return nil, err
	}
	if !p.IsFolder() {
		return nil, validation(map[string][]string{"parentId": {fmt.Sprintf("Media '%s' is not a folder.", key)}})
	}
	return &p.ID, nil
}

// fileBody checks a file part against the type before anything is stored:
// an image cropper takes only images the workers render.
func fileBody(part *multipart.Part, e *edit) (io.Reader, string, error) {
	br := bufio.NewReaderSize(part, 64<<10)
	head, _ := br.Peek(512)
	if ft, ok := media.SniffType(head); ok && e.typ.FileEditor == media.EditorImageCropper && !media.IsRenderable(ft.MIME) {
		return nil, "", validation(map[string][]string{fileProperty: {"The file is not an image: media type '" + e.alias + "' takes images."}})
	}
	name := part.FileName()
	if name == "" {
		name = e.fileName
	}
	return br, path.Base(name), nil
}

func (h *Handler) handleCreate(w http.ResponseWriter, r *http.Request) {
	req, err := readRequest(w, r, h.cfg.MaxUpload)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	e, err := h.parseEdit(req.fields, "")
	if err == nil && e.name == nil {
		err = validation(map[string][]string{"name": {"The name is required."}})
	}
	if err == nil {
		err = e.checkRequired()
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	parent := ""
	if e.parent != nil {
		parent = *e.parent
	}
	parentID, err := h.resolveParent(r, parent)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	p := media.Placement{MediaType: e.alias, ParentID: parentID, SortOrder: e.sortOrder, Focal: e.focal, CropCoords: e.coords,
		Properties: e.props, Dir: core.NewMediaDir()}
	var m *media.Node
	switch {
	case e.typ.IsFolder():
		if req.file != nil || e.fileGiven {
			err = validation(map[string][]string{fileProperty: {"Media type '" + e.alias + "' has no file."}})
			break
		}
		m, err = h.core.CreateFolder(r.Context(), caller(r), *e.name, p)
	case req.file == nil:
		err = validation(map[string][]string{fileProperty: {"Value cannot be null: send the file as a multipart part named umbracoFile."}})
	default:
		var body io.Reader
		var name string
		if body, name, err = fileBody(req.file, e); err != nil {
			break
		}
		m, err = h.core.CreateNode(r.Context(), core.Upload{Body: body, ClientFilename: name, Author: caller(r), Title: *e.name,
			Placement: &p, Trailer: func(*core.Upload) error { return req.remainingParts() }})
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, h.item(m))
}

func (h *Handler) handleUpdate(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("id")
	m, err := h.core.FindNode(r.Context(), key)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	req, err := readRequest(w, r, h.cfg.MaxUpload)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	e, err := h.parseEdit(req.fields, m.TypeAlias())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	u := media.NodeUpdate{Name: e.name, SortOrder: e.sortOrder, Focal: e.focal, CropCoords: e.coords, Properties: e.props}
	if e.parent != nil {
		if u.ParentID, err = h.resolveParent(r, *e.parent); err != nil {
			h.writeError(w, r, err)
			return
		}
		u.Move = true
	}
	// The file is checked first and replaced last: a refused field, move
	// or file changes nothing, and a new file comes with its new job.
	var body io.Reader
	var name string
	if req.file != nil {
		if m.IsFolder() {
			h.writeError(w, r, validation(map[string][]string{fileProperty: {"A folder has no file."}}))
			return
		}
		if body, name, err = fileBody(req.file, e); err != nil {
			h.writeError(w, r, err)
			return
		}
	}
	if m, err = h.core.UpdateNode(r.Context(), key, u); err != nil {
		if media.ErrorCode(err) == media.CodeInvalid {
			// The store refuses only a move: into a file, or under itself.
			err = validation(map[string][]string{"parentId": {media.ErrorMessage(err)}})
		}
		h.writeError(w, r, err)
		return
	}
	if body != nil {
		m, err = h.core.ReplaceFile(r.Context(), key, core.Upload{Body: body, ClientFilename: name, Author: caller(r),
			Trailer: func(*core.Upload) error { return req.remainingParts() }})
		if err != nil {
			h.writeError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, h.item(m))
}

func (h *Handler) handleDelete(w http.ResponseWriter, r *http.Request) {
	m, deleted, err := h.core.DeleteNode(r.Context(), r.PathValue("id"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := h.item(m)
	out["_deleteDate"] = umbraco.HeartcoreDate(deleted)
	writeJSON(w, http.StatusOK, out)
}
