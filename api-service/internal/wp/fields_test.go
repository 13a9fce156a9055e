package wp

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
)

// TestParseDate holds parseDate to rest_parse_date and strtotime.
func TestParseDate(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tt := range []struct {
		in   string
		want time.Time // zero: invalid
	}{
		{"2017-02-14T10:00:00", utc("2017-02-14T09:00:00Z")}, // the site's zone
		{"2017-02-14 10:00:00", utc("2017-02-14T09:00:00Z")},
		{"2017-02-14t10:00:00Z", utc("2017-02-14T10:00:00Z")},
		{"2017-02-14T10:00:00+02", utc("2017-02-14T08:00:00Z")},
		{"2017-02-14T10:00:00-05:30", utc("2017-02-14T15:30:00Z")},
		{"2017-02-14T10:00:00.987Z", utc("2017-02-14T10:00:00Z")},
		{"2017-07-01T12:00:00", utc("2017-07-01T10:00:00Z")}, // summer time
		{"2017-02-30T00:00:00Z", utc("2017-03-02T00:00:00Z")},
		{"2017-02-14T24:00:00Z", utc("2017-02-15T00:00:00Z")},
		{"2017-02-00T00:00:00Z", utc("2017-01-31T00:00:00Z")},
		{"2017-13-01T00:00:00", time.Time{}},
		{"2017-00-01T00:00:00", time.Time{}},
		{"2017-02-32T00:00:00", time.Time{}},
		{"2017-02-14T10:60:00", time.Time{}},
		{"2017-02-14T10:00", time.Time{}},
		{"2017-02-14", time.Time{}},
		{"2017-02-14T10:00:00+0200", time.Time{}},
		{"2017-02-14T10:00:00 ", time.Time{}},
		{"14/02/2017", time.Time{}},
		{"", time.Time{}},
	} {
		got, ok := parseDate(tt.in, paris)
		if ok != !tt.want.IsZero() || ok && !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %v %v, want %v", tt.in, got, ok, tt.want)
		}
		if ok && got.Location() != time.UTC {
			t.Errorf("parseDate(%q) is in %v, not UTC", tt.in, got.Location())
		}
	}
}

// TestReadFields checks the schema validation create and update share:
// what passes, and the 400's parameters, codes and messages when not.
func TestReadFields(t *testing.T) {
	t.Parallel()
	h := &Handler{loc: time.UTC}
	private := &media.Attachment{Media: &media.Media{Visibility: media.VisibilityPrivate}, AttachmentFields: media.AttachmentFields{Template: "old.php"}}
	type failure struct{ code, reason string }
	for _, tt := range []struct {
		name    string
		vals    map[string]any
		current *media.Attachment
		fails   map[string]failure // name → detail code ("" none) and reason
	}{
		{name: "every field valid", vals: map[string]any{
			"title": "T", "caption": map[string]any{"raw": "C"}, "description": "D", "alt_text": "A", "slug": "S",
			"status": "private", "date": "2017-02-14T10:00:00", "date_gmt": "2017-02-14T10:00:00Z", "author": "2",
			"comment_status": "closed", "ping_status": "open", "template": "", "meta": map[string]any{"k": "v"},
			"post": "0", "featured_media": float64(0)}},
		{name: "meta as a list", vals: map[string]any{"meta": []any{"x"}}},
		{name: "statuses", vals: map[string]any{"status": "inherit"}, fails: map[string]failure{
			"status": {"rest_not_in_enum", "status is not one of publish, future, draft, pending, and private."}}},
		{name: "the item's own status", vals: map[string]any{"status": "private"}, current: private},
		{name: "another status of an item", vals: map[string]any{"status": "inherit"}, current: private, fails: map[string]failure{
			"status": {"rest_not_in_enum", "status is not one of publish, future, draft, pending, and private."}}},
		{name: "bad values", vals: map[string]any{
			"date": "yesterday", "date_gmt": "", "author": "me", "comment_status": "", "ping_status": "maybe",
			"template": "full-width.php", "meta": "x", "slug": map[string]any{"a": "b"}, "post": "1.5"},
			fails: map[string]failure{
				"date":           {"rest_invalid_date", "Invalid date."},
				"date_gmt":       {"rest_invalid_date", "Invalid date."},
				"author":         {"rest_invalid_type", "author is not of type integer."},
				"comment_status": {"rest_not_in_enum", "comment_status is not one of open and closed."},
				"ping_status":    {"rest_not_in_enum", "ping_status is not one of open and closed."},
				"template":       {"rest_invalid_param", "template is not one of ."},
				"meta":           {"", "Invalid parameter."},
				"slug":           {"rest_invalid_type", "slug is not of type string."},
				"post":           {"rest_invalid_type", "post is not of type integer."},
			}},
		{name: "the item's own template", vals: map[string]any{"template": "old.php"}, current: private},
		{name: "JSON types", vals: map[string]any{"status": float64(1), "date": true, "author": float64(1.5)}, fails: map[string]failure{
			"status": {"rest_invalid_type", "status is not of type string."},
			"date":   {"rest_invalid_type", "date is not of type string,null."},
			"author": {"rest_invalid_type", "author is not of type integer."},
		}},
		{name: "nulls are not sent", vals: map[string]any{"status": nil, "slug": nil, "author": nil, "meta": nil, "date": nil}},
	} {
		p := newParams(tt.vals)
		h.readFields(p, tt.vals, tt.current)
		err := p.err()
		if len(tt.fails) == 0 {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var re *restError
		if !errors.As(err, &re) || re.status != http.StatusBadRequest || re.code != "rest_invalid_param" {
			t.Errorf("%s: %#v", tt.name, err)
			continue
		}
		if got, want := slices.Sorted(maps.Keys(re.params)), slices.Sorted(maps.Keys(tt.fails)); !slices.Equal(got, want) {
			t.Errorf("%s: failed %v, want %v", tt.name, got, want)
		}
		for name, f := range tt.fails {
			if re.params[name] != f.reason {
				t.Errorf("%s: %s reason %q, want %q", tt.name, name, re.params[name], f.reason)
			}
			d, ok := re.details[name].(map[string]any)
			if f.code == "" && ok || f.code != "" && (!ok || d["code"] != f.code) {
				t.Errorf("%s: %s details %v, want code %q", tt.name, name, re.details[name], f.code)
			}
		}
	}
}

// TestReadFieldsValues checks what valid fields read as: dates resolved
// (date before date_gmt), the slug sanitized, alt text stripped.
func TestReadFieldsValues(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("site", 3600)
	h := &Handler{loc: loc}
	read := func(vals map[string]any) *attachmentFields {
		t.Helper()
		p := newParams(vals)
		f := h.readFields(p, vals, nil)
		if err := p.err(); err != nil {
			t.Fatal(err)
		}
		return f
	}
	f := read(map[string]any{"date": "2017-02-14T10:00:00", "date_gmt": "2000-01-01T00:00:00", "slug": "My Slug!",
		"alt_text": "<b>alt</b>", "title": map[string]any{"raw": ""}, "caption": map[string]any{"raw": ""}})
	if f.date == nil || !f.date.Equal(time.Date(2017, 2, 14, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("date %v: the local date wins, in the site's zone", f.date)
	}
	if *f.slug != "my-slug" || *f.altText != "alt" || f.title != nil || f.caption == nil || *f.caption != "" {
		t.Errorf("slug %q alt %q title %v caption %v", *f.slug, *f.altText, f.title, f.caption)
	}
	f = read(map[string]any{"date_gmt": "2017-02-14T10:00:00"})
	if f.date == nil || !f.date.Equal(time.Date(2017, 2, 14, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("date_gmt %v: UTC without a zone", f.date)
	}
	f = read(map[string]any{"date": nil})
	if f.date != nil || !f.resetDate {
		t.Errorf("null date: %v %v", f.date, f.resetDate)
	}
}

// TestCheckAuthor is create_item_permissions_check's author rule.
func TestCheckAuthor(t *testing.T) {
	t.Parallel()
	author := &media.User{ID: 7, Role: media.RoleAuthor}
	editor := &media.User{ID: 8, Role: media.RoleEditor}
	id := func(n int64) *attachmentFields { return &attachmentFields{author: &n} }
	for _, tt := range []struct {
		u      *media.User
		f      *attachmentFields
		status int // 0: allowed
	}{
		{author, &attachmentFields{}, 0},
		{author, id(0), 0},
		{author, id(7), 0},
		{author, id(8), http.StatusForbidden},
		{editor, id(7), 0},
		{editor, id(999), 0}, // allowed here; prepare finds no such user
		{nil, id(7), http.StatusUnauthorized},
	} {
		err := tt.f.checkAuthor(tt.u, true)
		var re *restError
		if tt.status == 0 && err != nil || tt.status != 0 && (!errors.As(err, &re) || re.status != tt.status || re.code != "rest_cannot_edit_others") {
			t.Errorf("%v as %d: %v", tt.u, *tt.f.author, err)
		}
	}
	if err := id(8).checkAuthor(author, false); err == nil || err.(*restError).message != "Sorry, you are not allowed to update posts as this user." {
		t.Errorf("update message: %v", err)
	}
}

// TestUpdateSlug: a slug that sanitizes to nothing is the title's again.
func TestUpdateSlug(t *testing.T) {
	t.Parallel()
	u := &media.User{ID: 1, Role: media.RoleAdministrator}
	m := &media.Attachment{Media: &media.Media{Title: "Old Title"}, AttachmentFields: media.AttachmentFields{Slug: "old"}}
	empty, title := "", "New Title"
	if upd := (&attachmentFields{slug: &empty}).update(u, m, time.Now()); upd.Post.Slug == nil || *upd.Post.Slug != "old-title" {
		t.Errorf("empty slug: %v", upd.Post.Slug)
	}
	if upd := (&attachmentFields{slug: &empty, title: &title}).update(u, m, time.Now()); upd.Post.Slug == nil || *upd.Post.Slug != "new-title" {
		t.Errorf("empty slug, new title: %v", upd.Post.Slug)
	}
	now := time.Now()
	if upd := (&attachmentFields{resetDate: true}).update(u, m, now); upd.Date == nil || !upd.Date.Equal(now) {
		t.Errorf("null date: %v", upd.Date)
	}
}

func TestCreateID(t *testing.T) {
	t.Parallel()
	for v, want := range map[any]bool{"5": true, "0": false, "": false, float64(3): true, float64(0): false, "abc": true} {
		if got := createID(map[string]any{"id": v}); got != want {
			t.Errorf("id=%v: %v", v, got)
		}
	}
	if createID(map[string]any{}) {
		t.Error("no id")
	}
}
