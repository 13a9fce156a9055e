package wp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
)

// field is one key of a JSON object in WordPress's output order, with the
// contexts (view, edit, embed) it appears in.
type field struct {
	key      string
	value    any
	contexts string // letters: v=view, e=edit, m=embed
}

// object is a JSON object that keeps its key order, as WordPress's
// responses do.
type object []field

// MarshalJSON writes the fields in order. Nested objects are written into
// the same buffer by one encoder, so the output is produced in one pass
// instead of being re-encoded and re-validated at every level.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := o.encode(&b, enc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (o object) encode(b *bytes.Buffer, enc *json.Encoder) error {
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := encodeValue(b, enc, f.key); err != nil {
			return err
		}
		b.WriteByte(':')
		if err := encodeValue(b, enc, f.value); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// objects is a JSON array of objects written in one pass, like object.
type objects []object

// MarshalJSON writes the objects in order.
func (os objects) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := encodeValue(&b, enc, []object(os)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encodeValue writes v, without json.Encoder's trailing newline.
func encodeValue(b *bytes.Buffer, enc *json.Encoder, v any) error {
	switch v := v.(type) {
	case object:
		return v.encode(b, enc)
	case []object:
		if v == nil {
			b.WriteString("null")
			return nil
		}
		b.WriteByte('[')
		for i, o := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := o.encode(b, enc); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	}
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1)
	return nil
}

// filter keeps the fields visible in context ctx ("view", "edit", "embed"),
// recursively.
func (o object) filter(ctx string) object {
	letter := map[string]string{"view": "v", "edit": "e", "embed": "m"}[ctx]
	out := make(object, 0, len(o))
	for _, f := range o {
		if f.contexts != "" && !strings.Contains(f.contexts, letter) {
			continue
		}
		if sub, ok := f.value.(object); ok {
			f.value = sub.filter(ctx)
		}
		out = append(out, f)
	}
	return out
}

// wpDate formats a time in UTC as WordPress's *_gmt fields do: no zone
// suffix.
func wpDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

// localDate formats a time in the site's timezone, as WordPress's date and
// modified fields do.
func (h *Handler) localDate(t time.Time) string { return t.In(h.loc).Format("2006-01-02T15:04:05") }

// fileURL is a file's public URL; a private item's carries an expiring
// signature, so whoever may read the item can hand the URL to a browser.
func (h *Handler) fileURL(m *media.Attachment, name string) string {
	u := h.publicURL + "/wp-content/uploads/" + m.Dir + "/" + name
	if m.Visibility != media.VisibilityInherit {
		u += "?" + h.core.SignedQuery(m.Dir+"/"+name)
	}
	return u
}

// attachment renders an item as WordPress's attachment object, all
// contexts; call filter to narrow it.
func (h *Handler) attachment(m *media.Attachment) object {
	source := h.fileURL(m, m.File)
	rendered := func(raw string) object {
		return object{{"raw", raw, "e"}, {"rendered", html.EscapeString(raw), ""}}
	}
	paragraph := func(s string) string {
		if s == "" {
			return ""
		}
		return "<p>" + html.EscapeString(s) + "</p>\n"
	}
	mediaType := "file"
	if m.IsImage() {
		mediaType = "image"
	}
	var post any
	if m.PostID != nil {
		post = *m.PostID
	}
	var filesize any
	if m.OriginalFilesize > 0 {
		filesize = m.OriginalFilesize
	}
	o := object{
		{"id", m.ID, "vem"},
		{"date", h.localDate(m.CreatedAt), "vem"},
		{"date_gmt", wpDate(m.CreatedAt), "ve"},
		{"guid", object{{"rendered", h.fileURL(m, m.OriginalName()), ""}, {"raw", h.fileURL(m, m.OriginalName()), "e"}}, "ve"},
		{"modified", h.localDate(m.UpdatedAt), "ve"},
		{"modified_gmt", wpDate(m.UpdatedAt), "ve"},
		{"slug", m.Slug, "vem"},
		{"status", string(m.Visibility), "ve"},
		{"type", "attachment", "vem"},
		{"link", fmt.Sprintf("%s/?attachment_id=%d", h.publicURL, m.ID), "vem"},
		{"title", rendered(m.Title), "vem"},
		{"author", m.AuthorID, "vem"},
		{"featured_media", featuredMedia(m), "vem"},
		{"comment_status", m.CommentStatus, "ve"},
		{"ping_status", m.PingStatus, "ve"},
		{"template", m.Template, "ve"},
		{"meta", []any{}, "ve"},
		{"class_list", []string{fmt.Sprintf("post-%d", m.ID), "attachment", "type-attachment", "status-" + string(m.Visibility), "hentry"}, "ve"},
		{"permalink_template", fmt.Sprintf("%s/?attachment_id=%d", h.publicURL, m.ID), "e"},
		{"generated_slug", media.Slugify(m.Title), "e"},
		{"alt_text", m.AltText, "vem"},
		{"caption", object{{"raw", m.Caption, "e"}, {"rendered", paragraph(m.Caption), ""}}, "vem"},
		{"description", object{{"raw", m.Description, "e"}, {"rendered", h.descriptionHTML(m), ""}}, "ve"},
		{"media_type", mediaType, "vem"},
		{"mime_type", m.MIME, "vem"},
		{"media_details", h.mediaDetails(m), "vem"},
		{"post", post, "ve"},
		{"source_url", source, "vem"},
	}
	if m.IsImage() || m.MIME == media.PDF.MIME {
		o = append(o, field{"missing_image_sizes", h.missingSizes(m), "e"})
	} else {
		o = append(o, field{"missing_image_sizes", []string{}, "e"})
	}
	o = append(o,
		field{"filename", m.OriginalName(), "ve"},
		field{"filesize", filesize, "ve"},
	)
	if m.IsImage() {
		orientation := 1
		if m.ImageMeta != nil && m.ImageMeta.Orientation > 0 && !m.ImageMeta.Rotated {
			orientation = m.ImageMeta.Orientation
		}
		o = append(o,
			field{"exif_orientation", orientation, "e"},
			field{"image_quality", object{{"default", quality(m.MIME), ""}, {"sizes", object{}, ""}}, "e"},
			field{"image_output_format", nil, "e"},
			field{"image_save_progressive", false, "e"},
		)
	}
	// Pixelmill's own fields: where the item is in the pipeline.
	o = append(o,
		field{"processing_status", string(m.Status), "vem"},
		field{"processing_error", m.StatusError, "ve"},
		field{"pixelmill", h.pixelmillField(m), "e"},
	)
	return o
}

func quality(mime string) int {
	if mime == "image/webp" {
		return 86
	}
	return 82
}

func (h *Handler) descriptionHTML(m *media.Attachment) string {
	inner := html.EscapeString(m.Title)
	if m.IsImage() {
		inner = fmt.Sprintf(`<img src="%s" alt="%s" />`, html.EscapeString(h.fileURL(m, m.File)), html.EscapeString(m.AltText))
	}
	out := fmt.Sprintf("<p class=\"attachment\"><a href=\"%s\">%s</a></p>\n", html.EscapeString(h.fileURL(m, m.File)), inner)
	if m.Description != "" {
		out += "<p>" + html.EscapeString(m.Description) + "</p>\n"
	}
	return out
}

// mediaDetails is WordPress's media_details (spec §5.2).
func (h *Handler) mediaDetails(m *media.Attachment) object {
	sizes := object{}
	for _, f := range m.Renditions() {
		sizes = append(sizes, field{f.SizeName, object{
			{"file", f.Name, ""}, {"width", f.Width, ""}, {"height", f.Height, ""},
			{"filesize", f.Filesize, ""}, {"mime_type", f.MIME, ""}, {"source_url", h.fileURL(m, f.Name), ""},
		}, ""})
	}
	if !m.IsImage() {
		// A PDF's sizes are its first page's preview, "full" among them
		// (WordPress ≥ 4.7); other files have none.
		d := append(avDetails(m), field{"sizes", sizes, ""})
		if orig := m.OriginalImage(); orig != "" {
			// A video's browser copy replaced it as the attached file.
			d = append(d, field{"original_image", orig, ""})
		}
		return d
	}
	if len(sizes) > 0 {
		sizes = append(sizes, field{"full", object{
			{"file", m.File, ""}, {"width", m.Width, ""}, {"height", m.Height, ""},
			{"mime_type", m.MIME, ""}, {"source_url", h.fileURL(m, m.File), ""},
		}, ""})
	}
	d := object{
		{"width", m.Width, ""},
		{"height", m.Height, ""},
		{"file", m.Dir + "/" + m.File, ""},
		{"filesize", m.Filesize, ""},
		{"sizes", sizes, ""},
	}
	if im := m.ImageMeta; im != nil {
		var orientation any = fmt.Sprint(im.Orientation)
		if im.Rotated {
			orientation = 1 // WordPress stores the integer 1 after it rotated the file
		}
		keywords := im.Keywords
		if keywords == nil {
			keywords = []string{}
		}
		d = append(d, field{"image_meta", object{
			{"aperture", im.Aperture, ""}, {"credit", im.Credit, ""}, {"camera", im.Camera, ""},
			{"caption", im.Caption, ""}, {"created_timestamp", im.CreatedTimestamp, ""},
			{"copyright", im.Copyright, ""}, {"focal_length", im.FocalLength, ""}, {"iso", im.ISO, ""},
			{"shutter_speed", im.ShutterSpeed, ""}, {"title", im.Title, ""}, {"orientation", orientation, ""},
			{"keywords", keywords, ""}, {"alt", im.Alt, ""},
		}, ""})
	}
	if orig := m.OriginalImage(); orig != "" {
		d = append(d, field{"original_image", orig, ""})
	}
	if m.ParentID != nil {
		// WordPress stores the id as it came in the URL: a string.
		d = append(d, field{"parent_image", object{{"attachment_id", strconv.FormatInt(*m.ParentID, 10), ""}, {"file", m.ParentFile, ""}}, ""})
	}
	return d
}

// missingSizes is missing_image_sizes: the sizes WordPress's maths gives for
// the upright original that no worker has stored yet.
func (h *Handler) missingSizes(m *media.Attachment) []string {
	made := map[string]bool{}
	for _, f := range m.Renditions() {
		made[f.SizeName] = true
	}
	if m.MIME == media.PDF.MIME {
		// WordPress 7.0: a PDF misses the fallback sizes it has not got.
		var missing []string
		for _, s := range h.sizes {
			if (s.Name == "thumbnail" || s.Name == "medium" || s.Name == "large") && !made[s.Name] {
				missing = append(missing, s.Name)
			}
		}
		return missing
	}
	w, hgt := m.Width, m.Height
	if orig, ok := m.FileByRole(media.RoleOriginal); ok && orig.Width > 0 {
		w, hgt = orig.Width, orig.Height
	}
	return media.MissingSizes(h.sizes, w, hgt, made)
}

// render is the attachment as a response: narrowed to the context, with
// _links, and cut to fields (fieldsParam's ?_fields=, nil for all; spec
// §1.6). The caller parses fields once per request: a list renders many
// items, and the query is the client's to make expensive.
func (h *Handler) render(r *http.Request, m *media.Attachment, ctx string, fields map[string]bool) object {
	o := h.attachment(m).filter(ctx)
	if fields == nil || fields["_links"] {
		o = append(o, field{"_links", h.links(m), ""})
	}
	if embed := r.URL.Query(); embed.Has("_embed") && (fields == nil || fields["_embedded"]) && m.AuthorID != 0 {
		want := embed.Get("_embed")
		if want == "" || want == "1" || strings.Contains(want, "author") {
			if u, err := h.users.FindUserByID(r.Context(), m.AuthorID); err == nil {
				o = append(o, field{"_embedded", object{{"author", []object{h.userJSON(u).filter("embed")}, ""}}, ""})
			}
		}
	}
	if fields != nil {
		o = o.pick(fields, "")
	}
	return o
}

// fieldsParam parses _fields (comma list or array) from the query; nil
// when absent.
func fieldsParam(r *http.Request) map[string]bool {
	p := newParams(queryValues(r))
	if !p.has("_fields") {
		return nil
	}
	names := p.list("_fields")
	if len(names) == 0 {
		return nil // an empty list selects nothing out, as wp_parse_list("") does
	}
	out := map[string]bool{"id": true}
	for _, f := range names {
		out[phpTrim(f)] = true
	}
	return out
}

// pick keeps the fields named in want: top-level names keep the whole
// value, dotted names ("title.raw") keep a nested part.
func (o object) pick(want map[string]bool, prefix string) object {
	out := object{}
	for _, f := range o {
		name := prefix + f.key
		if want[name] {
			out = append(out, f)
			continue
		}
		sub, ok := f.value.(object)
		if !ok {
			continue
		}
		nested := false
		for w := range want {
			nested = nested || strings.HasPrefix(w, name+".")
		}
		if nested {
			f.value = sub.pick(want, name+".")
			out = append(out, f)
		}
	}
	return out
}

// links is WordPress's _links for an attachment (spec §5.4).
func (h *Handler) links(m *media.Attachment) object {
	href := func(path string) []object { return []object{{{"href", h.publicURL + "/wp-json/wp/v2/" + path, ""}}} }
	l := object{
		{"self", href(fmt.Sprintf("media/%d", m.ID)), ""},
		{"collection", href("media"), ""},
		{"about", href("types/attachment"), ""},
	}
	if m.AuthorID != 0 {
		l = append(l, field{"author", []object{{{"embeddable", true, ""}, {"href", fmt.Sprintf("%s/wp-json/wp/v2/users/%d", h.publicURL, m.AuthorID), ""}}}, ""})
	}
	l = append(l, field{"replies", []object{{{"embeddable", true, ""}, {"href", fmt.Sprintf("%s/wp-json/wp/v2/comments?post=%d", h.publicURL, m.ID), ""}}}, ""})
	if m.PostID != nil {
		l = append(l, field{"https://api.w.org/attached-to", []object{{
			{"embeddable", true, ""}, {"post_type", "post", ""}, {"id", *m.PostID, ""},
			{"href", fmt.Sprintf("%s/wp-json/wp/v2/posts/%d", h.publicURL, *m.PostID), ""},
		}}, ""})
	}
	return l
}
