package wp

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/services/media"
)

// attachmentFields are the writable fields of an attachment (spec §6.1) as
// a create or an update request sends them, validated. A nil field was not
// sent. Both routes read, check and apply them here, in WordPress's three
// steps: the schema's validation (readFields, a 400 naming every bad
// field, before any permission check), the permission checks on what they
// ask (checkAuthor), and prepare_item_for_database's checks (prepare).
type attachmentFields struct {
	title, caption, description *string
	altText                     *string // sanitize_text_field applied
	// slug is sanitize_title of what was sent, maybe "": the title's then.
	slug                        *string
	post, author, featuredMedia *int64
	// status is as sent; prepare turns it into visibility.
	status     *string
	visibility *media.Visibility
	// date is the date asked for: date when sent, else date_gmt. resetDate
	// is a JSON null for either, which puts the date back to now.
	date                                *time.Time
	resetDate                           bool
	commentStatus, pingStatus, template *string
}

// attachmentStatuses are the statuses a request may ask for: WordPress's
// public post statuses. An attachment stores all but private as inherit.
var attachmentStatuses = []string{"publish", "future", "draft", "pending", "private"}

// readFields validates the writable fields in vals as WordPress's schema
// does, recording failures in p. current is the item an update changes
// (nil on create, or when it does not exist): its own status and template
// are always accepted, as check_status and check_template accept them.
func (h *Handler) readFields(p *params, vals map[string]any, current *media.Attachment) *attachmentFields {
	f := &attachmentFields{
		title:       textField(vals, "title", true),
		caption:     textField(vals, "caption", false),
		description: textField(vals, "description", false),
		post:        intValue(p, vals, "post"),
		author:      intValue(p, vals, "author"),
		// featured_media is checked where it is applied: create refuses
		// it, update ignores it (spec §6.3, §7).
		featuredMedia: intValue(p, vals, "featured_media"),
	}
	if alt := stringValue(p, vals, "alt_text"); alt != nil {
		clean := sanitizeText(*alt)
		f.altText = &clean
	}
	if s := stringValue(p, vals, "slug"); s != nil {
		slug := media.Slugify(*s)
		f.slug = &slug
	}
	if s := stringValue(p, vals, "status"); s != nil {
		if current == nil || *s != string(current.Visibility) {
			checkEnum(p, "status", *s, attachmentStatuses)
		}
		f.status = s
	}
	// Both dates are validated; date wins when both are sent
	// (prepare_item_for_database).
	gmt := h.dateValue(p, vals, "date_gmt", time.UTC, &f.resetDate)
	if f.date = h.dateValue(p, vals, "date", h.loc, &f.resetDate); f.date == nil {
		f.date = gmt
	}
	for _, d := range []struct {
		name string
		dst  **string
	}{{"comment_status", &f.commentStatus}, {"ping_status", &f.pingStatus}} {
		if s := stringValue(p, vals, d.name); s != nil && checkEnum(p, d.name, *s, []string{"open", "closed"}) {
			*d.dst = s
		}
	}
	if s := stringValue(p, vals, "template"); s != nil {
		// Pixelmill has no theme, so no page templates: only "" (none) is
		// one, besides the item's own. WordPress's message then lists an
		// empty set.
		if *s != "" && (current == nil || *s != current.Template) {
			p.fail("template", "rest_invalid_param", "template is not one of .")
		} else {
			f.template = s
		}
	}
	checkMeta(p, vals)
	return f
}

// checkEnum fails name unless v is one of values.
func checkEnum(p *params, name, v string, values []string) bool {
	for _, ok := range values {
		if v == ok {
			return true
		}
	}
	p.fail(name, "rest_not_in_enum", name+" is not one of "+joinEnum(values)+".")
	return false
}

// checkMeta validates meta: WordPress takes any array or object (a
// form's meta[key]=value is one) and writes only registered keys.
// Pixelmill registers none, so a valid meta changes nothing; anything else
// fails as WordPress's check_meta_is_array fails it, without details.
func checkMeta(p *params, vals map[string]any) {
	switch vals["meta"].(type) {
	case nil, map[string]any, []any:
	default:
		p.failPlain("meta", "Invalid parameter.")
	}
}

// textField reads title, caption or description: a string, or an object
// whose raw is one ({"raw": …} in JSON, name[raw]=… in a form). WordPress
// validates none of the three, so anything else is not sent. For the title
// an empty raw counts as not sent, as WordPress reads it.
func textField(vals map[string]any, name string, emptyRawAbsent bool) *string {
	switch t := vals[name].(type) {
	case string:
		return &t
	case map[string]any:
		if raw, ok := t["raw"].(string); ok && (raw != "" || !emptyRawAbsent) {
			return &raw
		}
	}
	return nil
}

// stringValue reads a string field; a JSON null is not sent.
func stringValue(p *params, vals map[string]any, name string) *string {
	switch t := vals[name].(type) {
	case nil:
		return nil
	case string:
		return &t
	}
	p.fail(name, "rest_invalid_type", name+" is not of type string.")
	return nil
}

// intValue reads an integer field from JSON (a whole number) or a form (its
// digits); a JSON null is not sent.
func intValue(p *params, vals map[string]any, name string) *int64 {
	if v, ok := vals[name]; !ok || v == nil {
		return nil
	}
	return intField(p, vals, name)
}

// dateValue reads a date-time field: RFC 3339 as rest_parse_date takes it,
// in loc when it names no zone. A JSON null sets reset.
func (h *Handler) dateValue(p *params, vals map[string]any, name string, loc *time.Location, reset *bool) *time.Time {
	v, ok := vals[name]
	if !ok {
		return nil
	}
	if v == nil {
		*reset = true
		return nil
	}
	s, ok := v.(string)
	if !ok {
		p.fail(name, "rest_invalid_type", name+" is not of type string,null.")
		return nil
	}
	t, ok := parseDate(s, loc)
	if !ok {
		p.fail(name, "rest_invalid_date", "Invalid date.")
		return nil
	}
	return &t
}

// checkAuthor is the permission check on author: making someone else the
// author needs edit_others_posts (create_item_permissions_check,
// update_item_permissions_check). author 0 asks nothing.
func (f *attachmentFields) checkAuthor(u *media.User, creating bool) error {
	if f.author == nil || *f.author == 0 || u != nil && *f.author == u.ID || u.CanEditOthers() {
		return nil
	}
	verb := "update"
	if creating {
		verb = "create"
	}
	return errorf(authRequired(u), "rest_cannot_edit_others", "Sorry, you are not allowed to "+verb+" posts as this user.")
}

// canPublish is WordPress's publish_posts: administrators, editors and
// authors, the roles that may also upload.
func canPublish(u *media.User) bool { return u.CanUpload() }

// prepare makes the checks of WordPress's prepare_item_for_database on a
// valid, permitted request: a status change needs publish_posts for
// private, publish and future (rest_cannot_publish), and another user as
// author must exist (rest_invalid_author). It sets f.visibility: private
// for private, inherit for every other status, as wp_insert_post stores an
// attachment's. current is nil on create.
func (h *Handler) prepare(ctx context.Context, u *media.User, f *attachmentFields, current *media.Attachment) error {
	if f.status != nil && (current == nil || *f.status != string(current.Visibility)) {
		switch *f.status {
		case "private":
			if !canPublish(u) {
				return errorf(authRequired(u), "rest_cannot_publish", "Sorry, you are not allowed to create private posts in this post type.")
			}
		case "publish", "future":
			if !canPublish(u) {
				return errorf(authRequired(u), "rest_cannot_publish", "Sorry, you are not allowed to publish posts in this post type.")
			}
		}
		vis := media.VisibilityInherit
		if *f.status == string(media.VisibilityPrivate) {
			vis = media.VisibilityPrivate
		}
		f.visibility = &vis
	}
	if f.author != nil && *f.author != 0 && (u == nil || *f.author != u.ID) {
		if _, err := h.users.FindUserByID(ctx, *f.author); err != nil {
			if media.ErrorCode(err) != media.CodeNotFound {
				return err
			}
			return errorf(http.StatusBadRequest, "rest_invalid_author", "Invalid author ID.")
		}
	}
	return nil
}

// upload applies the fields to a new item. Title, caption and description
// go through kses for the uploader; an empty title leaves WordPress's
// default (the file's name).
func (f *attachmentFields) upload(up *core.Upload) {
	text := func(p *string, title bool) string {
		if p == nil {
			return ""
		}
		return kses(up.Author, *p, title)
	}
	if f.title != nil && *f.title != "" {
		up.Title, up.TitleDefault = text(f.title, true), false
	}
	// The fields are written into the Post the caller gave (newUpload):
	// it reads back from it what the store recorded.
	if up.Post == nil {
		up.Post = &media.AttachmentFields{}
	}
	p := up.Post
	*p = media.AttachmentFields{Caption: text(f.caption, false), Description: text(f.description, false)}
	if f.altText != nil {
		p.AltText = *f.altText
	}
	if f.post != nil && *f.post > 0 {
		p.PostID = f.post
	}
	up.Visibility, up.Date, up.AuthorID = "", time.Time{}, 0
	if f.slug != nil {
		p.Slug = *f.slug
	}
	if f.visibility != nil {
		up.Visibility = *f.visibility
	}
	if f.date != nil {
		up.Date = *f.date
	}
	if f.author != nil {
		up.AuthorID = *f.author
	}
	if f.commentStatus != nil {
		p.CommentStatus = *f.commentStatus
	}
	if f.pingStatus != nil {
		p.PingStatus = *f.pingStatus
	}
}

// update is the change the fields make to m, for u. A slug that sanitizes
// to nothing is the title's again, as wp_insert_post makes it; now is the
// date a JSON null date resets to.
func (f *attachmentFields) update(u *media.User, m *media.Attachment, now time.Time) media.Update {
	upd := media.Update{
		Title: f.title, Visibility: f.visibility, Date: f.date,
		Post: media.AttachmentUpdate{
			Caption: f.caption, Description: f.description, AltText: f.altText, PostID: f.post,
			CommentStatus: f.commentStatus, PingStatus: f.pingStatus, Template: f.template,
		},
	}
	ksesFields(u, &upd.Title, &upd.Post.Caption, &upd.Post.Description)
	if f.author != nil && *f.author != 0 {
		upd.AuthorID = f.author
	}
	if f.resetDate && f.date == nil {
		upd.Date = &now
	}
	if f.slug != nil {
		slug := *f.slug
		if slug == "" {
			title := m.Title
			if upd.Title != nil {
				title = *upd.Title
			}
			slug = media.Slugify(title)
		}
		if slug != "" && slug != m.Slug {
			upd.Post.Slug = &slug
		}
	}
	return upd
}

// merged is base with over's values on top: WordPress takes a body's
// field before the query string's.
func merged(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// boolValue reads a boolean field as rest_is_boolean takes one: true,
// false, "true", "false", "1", "0" (any case), 1, 0.
func boolValue(p *params, vals map[string]any, name string) *bool {
	var b bool
	switch t := vals[name].(type) {
	case nil:
		return nil
	case bool:
		b = t
	case string:
		switch strings.ToLower(t) {
		case "true", "1":
			b = true
		case "false", "0":
		default:
			p.fail(name, "rest_invalid_type", name+" is not of type boolean.")
			return nil
		}
	case float64:
		if t != 0 && t != 1 {
			p.fail(name, "rest_invalid_type", name+" is not of type boolean.")
			return nil
		}
		b = t == 1
	default:
		p.fail(name, "rest_invalid_type", name+" is not of type boolean.")
		return nil
	}
	return &b
}

// createID reports whether a create request names an existing post: a
// non-empty id (PHP's empty() counts "0" as empty).
func createID(vals map[string]any) bool {
	switch v := vals["id"].(type) {
	case nil:
		return false
	case string:
		return v != "" && v != "0"
	case float64:
		return v != 0
	case bool:
		return v
	}
	return true
}
