package main

// Black-box tests of the WordPress dialect (spec §16) against the live
// stack: real Postgres, NATS, MinIO and a worker process.

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// wpClient calls the live API as one user (empty login: anonymous).
type wpClient struct {
	t           *testing.T
	base        string
	login, pass string
}

type wpResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r wpResponse) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// code returns the error code of a WordPress error body.
func (r wpResponse) code() string {
	var e struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Code
}

func (c wpClient) do(method, path string, body io.Reader, header map[string]string) wpResponse {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if c.login != "" {
		req.SetBasicAuth(c.login, c.pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return wpResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

func (c wpClient) form(method, path string, vals url.Values) wpResponse {
	c.t.Helper()
	return c.do(method, path, strings.NewReader(vals.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

func (c wpClient) raw(path, file, name string, extra map[string]string) wpResponse {
	c.t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		c.t.Fatal(err)
	}
	h := map[string]string{"Content-Type": "image/jpeg", "Content-Disposition": "attachment; filename=" + name}
	for k, v := range extra {
		h[k] = v
	}
	return c.do("POST", path, bytes.NewReader(data), h)
}

func (c wpClient) multipart(path, file, clientName, field string, extra map[string]string) wpResponse {
	c.t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		c.t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, _ := mw.CreateFormFile(field, clientName)
	part.Write(data)
	mw.Close()
	h := map[string]string{"Content-Type": mw.FormDataContentType()}
	for k, v := range extra {
		h[k] = v
	}
	return c.do("POST", path, &buf, h)
}

func expect(t *testing.T, r wpResponse, status int, code string) {
	t.Helper()
	if r.status != status || code != "" && r.code() != code {
		t.Fatalf("got %d %s, want %d %s: %s", r.status, r.code(), status, code, r.body)
	}
}

// wpUser creates a user with a role and an application password, and
// returns a client that authenticates with that application password.
func wpUser(t *testing.T, admin wpClient, login string, role string) (wpClient, int64) {
	t.Helper()
	r := admin.form("POST", "/wp-json/wp/v2/users", url.Values{"username": {login}, "email": {login + "@example.test"}, "password": {"pw-" + login}, "roles": {role}})
	expect(t, r, 201, "")
	var u struct {
		ID    int64    `json:"id"`
		Roles []string `json:"roles"`
	}
	r.json(t, &u)
	if len(u.Roles) != 1 || u.Roles[0] != role {
		t.Fatalf("roles %v", u.Roles)
	}
	self := wpClient{t: t, base: admin.base, login: login, pass: "pw-" + login}
	r = self.form("POST", "/wp-json/wp/v2/users/me/application-passwords", url.Values{"name": {"tests"}})
	expect(t, r, 201, "")
	var ap struct {
		Password string `json:"password"`
	}
	r.json(t, &ap)
	if len(strings.ReplaceAll(ap.Password, " ", "")) != 24 {
		t.Fatalf("application password %q", ap.Password)
	}
	return wpClient{t: t, base: admin.base, login: login, pass: ap.Password}, u.ID
}

func filepathMatch(pattern, s string) (bool, error) { return regexp.MatchString(pattern, s) }

func ids(t *testing.T, r wpResponse) []int64 {
	t.Helper()
	var items []struct {
		ID int64 `json:"id"`
	}
	r.json(t, &items)
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestWordPressDialect(t *testing.T) {
	dir := testdataDir(t)
	s := startStack(t, 1)
	admin := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
	anon := wpClient{t: t, base: s.base}
	editor, _ := wpUser(t, admin, "editor1", "editor")
	author, authorID := wpUser(t, admin, "author1", "author")
	contrib, _ := wpUser(t, admin, "contrib1", "contributor")
	jpg := filepath.Join(dir, "photo-640x480.jpg")
	png := filepath.Join(dir, "alpha.png")
	const media = "/wp-json/wp/v2/media"

	t.Run("raw upload checks in WordPress's order", func(t *testing.T) {
		c := wpClient{t: t, base: s.base, login: author.login, pass: author.pass}
		expect(t, c.do("POST", media, nil, nil), 400, "rest_upload_no_data")
		data, _ := os.ReadFile(jpg)
		expect(t, c.do("POST", media, bytes.NewReader(data), map[string]string{"Content-Type": ""}), 400, "rest_upload_no_content_type")
		expect(t, c.do("POST", media, bytes.NewReader(data), map[string]string{"Content-Type": "image/jpeg"}), 400, "rest_upload_no_content_disposition")
		for _, d := range []string{"attachment", `filename="foo.jpg"`, `unknown; notfilename="foo.jpg"`} {
			expect(t, c.do("POST", media, bytes.NewReader(data), map[string]string{"Content-Type": "image/jpeg", "Content-Disposition": d}), 400, "rest_upload_invalid_disposition")
		}
		expect(t, c.raw(media, jpg, "canola.jpg", map[string]string{"Content-MD5": "abc123"}), 412, "rest_upload_hash_mismatch")
		sum := md5.Sum(data)
		expect(t, c.raw(media, jpg, "canola.jpg", map[string]string{"Content-MD5": hex.EncodeToString(sum[:])}), 201, "")
	})

	t.Run("fields, defaults and names of a raw upload", func(t *testing.T) {
		q := "?title=My%20title%20is%20very%20cool&caption=This%20is%20a%20better%20caption.&description=Without%20a%20description%2C%20my%20attachment%20is%20descriptionless.&alt_text=Alt%20text%20is%20stored%20outside%20post%20schema."
		r := author.raw(media+q, jpg, "canola.jpg", nil)
		expect(t, r, 201, "")
		var a map[string]any
		r.json(t, &a)
		raw := func(k string) any { return a[k].(map[string]any)["raw"] }
		if raw("title") != "My title is very cool" || raw("caption") != "This is a better caption." ||
			raw("description") != "Without a description, my attachment is descriptionless." || a["alt_text"] != "Alt text is stored outside post schema." {
			t.Errorf("fields: %v %v %v %v", raw("title"), raw("caption"), raw("description"), a["alt_text"])
		}
		if a["status"] != "inherit" || a["type"] != "attachment" || a["author"] != float64(authorID) || a["post"] != nil ||
			a["comment_status"] != "open" || a["ping_status"] != "closed" || a["template"] != "" || a["featured_media"] != float64(0) {
			t.Errorf("defaults: %v", a)
		}
		if meta, ok := a["meta"].([]any); !ok || len(meta) != 0 {
			t.Errorf("meta = %v, want []", a["meta"])
		}
		if cl := fmt.Sprint(a["class_list"]); !strings.Contains(cl, "type-attachment") || !strings.Contains(cl, "status-inherit") {
			t.Errorf("class_list %s", cl)
		}
		file := a["media_details"].(map[string]any)["file"].(string)
		if ok, _ := filepathMatch(`^\d{4}/\d{2}/canola(-\d+)?\.jpg$`, file); !ok {
			t.Errorf("media_details.file %q is not uploads-relative", file)
		}
		var spaced attachment
		data, _ := os.ReadFile(jpg)
		author.do("POST", media, bytes.NewReader(data), map[string]string{"Content-Type": "image/jpeg", "Content-Disposition": "attachment; filename = my foo picture.jpg"}).json(t, &spaced)
		if !strings.HasSuffix(spaced.MediaDetails.File, "/my-foo-picture.jpg") || spaced.Title.Raw != "my-foo-picture" {
			t.Errorf("spaced name: %s %q", spaced.MediaDetails.File, spaced.Title.Raw)
		}
		var parent attachment
		r.json(t, &parent)
		expect(t, editor.raw(fmt.Sprintf("%s?post=%d", media, parent.ID), jpg, "child.jpg", nil), 400, "rest_invalid_param")
		expect(t, author.multipart(media, png, "codeispoetry.png", "file", map[string]string{"Content-MD5": "abc123"}), 412, "rest_upload_hash_mismatch")
		pngData, _ := os.ReadFile(png)
		sum := md5.Sum(pngData)
		r = author.multipart(media, png, "codeispoetry.png", "file", map[string]string{"Content-MD5": hex.EncodeToString(sum[:])})
		expect(t, r, 201, "")
		var cp attachment
		r.json(t, &cp)
		if cp.Title.Raw != "codeispoetry" || cp.MIME != "image/png" {
			t.Errorf("multipart png: %q %s", cp.Title.Raw, cp.MIME)
		}
	})

	t.Run("generate_sub_sizes=false, then post-process makes the sizes", func(t *testing.T) {
		r := author.raw(media+"?generate_sub_sizes=false&context=edit", jpg, "deferred.jpg", nil)
		expect(t, r, 201, "")
		var a attachment
		r.json(t, &a)
		a = s.waitDone(t, a.ID)
		if a.ProcessingStatus != "ready" || len(a.MediaDetails.Sizes) != 0 || strings.Join(a.MissingSizes, ",") != "thumbnail,medium" {
			t.Fatalf("deferred: %s sizes %d missing %v", a.ProcessingStatus, len(a.MediaDetails.Sizes), a.MissingSizes)
		}
		path := fmt.Sprintf("%s/%d/post-process", media, a.ID)
		expect(t, contrib.form("POST", path, url.Values{"action": {"create-image-subsizes"}}), 403, "rest_cannot_edit")
		r = author.form("POST", path, url.Values{"action": {"create-image-subsizes"}})
		expect(t, r, 200, "")
		a = s.waitDone(t, a.ID)
		var names []string
		for _, sz := range a.MediaDetails.Sizes {
			names = append(names, sz.Name)
		}
		if a.ProcessingStatus != "ready" || len(a.MissingSizes) != 0 || strings.Join(names, ",") != "medium,thumbnail,full" {
			t.Errorf("after post-process: %s missing %v sizes %v", a.ProcessingStatus, a.MissingSizes, names)
		}
		expect(t, author.form("POST", path, url.Values{"action": {"create-image-subsizes"}}), 200, "")
		// A sideways JPEG keeps its stored shape and orientation until sizes are made.
		var side map[string]any
		r = admin.raw(media+"?generate_sub_sizes=false", filepath.Join(dir, "exif", "iphone-4s.jpg"), "deferred-side.jpg", nil)
		var sa attachment
		r.json(t, &sa)
		s.waitDone(t, sa.ID)
		admin.do("GET", fmt.Sprintf("%s/%d?context=edit", media, sa.ID), nil, nil).json(t, &side)
		md := side["media_details"].(map[string]any)
		if md["width"] != float64(205) || md["height"] != float64(102) || side["exif_orientation"] != float64(6) || md["original_image"] != nil {
			t.Errorf("deferred sideways: %vx%v exif_orientation %v original %v", md["width"], md["height"], side["exif_orientation"], md["original_image"])
		}
	})

	t.Run("media attached to posts", func(t *testing.T) {
		post := func(c wpClient, path string, vals url.Values) int64 {
			t.Helper()
			r := c.form("POST", path, vals)
			expect(t, r, 201, "")
			var p struct {
				ID int64 `json:"id"`
			}
			r.json(t, &p)
			return p.ID
		}
		published := post(editor, "/wp-json/wp/v2/posts", url.Values{"title": {"Published"}, "status": {"publish"}, "date": {"2017-02-14T10:00:00"}})
		page := post(editor, "/wp-json/wp/v2/pages", url.Values{"title": {"Page"}, "status": {"publish"}, "date": {"2017-02-14T10:00:00"}})
		draft := post(editor, "/wp-json/wp/v2/posts", url.Values{"title": {"Draft"}, "status": {"draft"}})
		expect(t, contrib.form("POST", "/wp-json/wp/v2/posts", url.Values{"status": {"publish"}}), 403, "rest_cannot_publish")

		// Uploading to someone else's post needs edit_others_posts.
		expect(t, author.raw(fmt.Sprintf("%s?post=%d", media, published), jpg, "x.jpg", nil), 403, "rest_cannot_edit")
		expect(t, author.raw(media+"?post=999999999", jpg, "x.jpg", nil), 403, "rest_cannot_edit")
		// Files go to the post's month; a page's to the current month.
		var toPost, toPage, toDraft, loose attachment
		editor.raw(fmt.Sprintf("%s?post=%d", media, published), jpg, "attached.jpg", nil).json(t, &toPost)
		editor.raw(fmt.Sprintf("%s?post=%d", media, page), jpg, "onpage.jpg", nil).json(t, &toPage)
		editor.raw(fmt.Sprintf("%s?post=%d", media, draft), jpg, "ondraft.jpg", nil).json(t, &toDraft)
		editor.raw(media, jpg, "loose.jpg", nil).json(t, &loose)
		if !strings.Contains(toPost.SourceURL, "/2017/02/") || strings.Contains(toPage.SourceURL, "/2017/02/") {
			t.Errorf("folders: post %s page %s", toPost.SourceURL, toPage.SourceURL)
		}
		include := fmt.Sprintf("%s?include=%d,%d,%d&per_page=100", media, toPost.ID, toDraft.ID, loose.ID)
		r := anon.do("GET", include, nil, nil)
		if got := ids(t, r); len(got) != 2 || slices.Contains(got, toDraft.ID) || r.header.Get("X-WP-Total") != "3" {
			t.Errorf("anonymous list: %v, X-WP-Total %s", got, r.header.Get("X-WP-Total"))
		}
		if got := ids(t, editor.do("GET", include, nil, nil)); len(got) != 3 {
			t.Errorf("editor list: %v", got)
		}
		expect(t, anon.do("GET", fmt.Sprintf("%s/%d", media, toDraft.ID), nil, nil), 401, "rest_forbidden")
		expect(t, anon.do("GET", fmt.Sprintf("%s/%d", media, toPost.ID), nil, nil), 200, "")
		if got := ids(t, editor.do("GET", fmt.Sprintf("%s?parent=%d", media, published), nil, nil)); !slices.Equal(got, []int64{toPost.ID}) {
			t.Errorf("parent=%d: %v", published, got)
		}
		// A parent that no longer exists leaves the attachment readable.
		expect(t, editor.do("DELETE", fmt.Sprintf("/wp-json/wp/v2/posts/%d?force=true", draft), nil, nil), 200, "")
		expect(t, anon.do("GET", fmt.Sprintf("%s/%d", media, toDraft.ID), nil, nil), 200, "")
		var links struct {
			Links map[string][]map[string]any `json:"_links"`
		}
		anon.do("GET", fmt.Sprintf("%s/%d", media, toPost.ID), nil, nil).json(t, &links)
		if at := links.Links["https://api.w.org/attached-to"]; len(at) != 1 || at[0]["id"] != float64(published) || at[0]["post_type"] != "post" {
			t.Errorf("attached-to link: %v", links.Links)
		}
	})

	t.Run("who may upload", func(t *testing.T) {
		contribC := wpClient{t: t, base: s.base, login: contrib.login, pass: contrib.pass}
		expect(t, contribC.raw(media, jpg, "x.jpg", nil), 403, "rest_cannot_create")
		anonC := wpClient{t: t, base: s.base}
		expect(t, anonC.raw(media, jpg, "x.jpg", nil), 401, "rest_cannot_create")
		authorC := wpClient{t: t, base: s.base, login: author.login, pass: author.pass}
		expect(t, authorC.raw(media+"?author=1", jpg, "x.jpg", nil), 403, "rest_cannot_edit_others")
		expect(t, authorC.raw(media+"?featured_media=5", jpg, "x.jpg", nil), 400, "rest_no_featured_media")
		expect(t, authorC.raw(media+"?id=5", jpg, "x.jpg", nil), 400, "rest_post_exists")
		bad := wpClient{t: t, base: s.base, login: "admin", pass: "wrong"}
		expect(t, bad.raw(media, jpg, "x.jpg", nil), 401, "")
	})

	t.Run("the bytes decide the type", func(t *testing.T) {
		c := wpClient{t: t, base: s.base, login: author.login, pass: author.pass}
		evil := filepath.Join(t.TempDir(), "evil.php")
		os.WriteFile(evil, []byte("<?php echo 'hi';"), 0o600)
		before := ids(t, admin.do("GET", media+"?per_page=100", nil, nil))
		r := c.raw(media, evil, "evil.php", map[string]string{"Content-Type": "text/plain"})
		expect(t, r, 500, "rest_upload_sideload_error")
		if !strings.Contains(string(r.body), "Sorry, you are not allowed to upload this file type.") {
			t.Errorf("message: %s", r.body)
		}
		expect(t, c.multipart(media, evil, "evil.php", "file", nil), 500, "rest_upload_unknown_error")
		expect(t, c.multipart(media, jpg, "canola.jpg", "upload", nil), 500, "rest_upload_unknown_error")
		if after := ids(t, admin.do("GET", media+"?per_page=100", nil, nil)); len(after) != len(before) {
			t.Errorf("refused uploads created items: %v → %v", before, after)
		}
		r = c.raw(media, png, "image.jpg", nil)
		expect(t, r, 201, "")
		var a attachment
		r.json(t, &a)
		if a.MIME != "image/png" || !strings.HasSuffix(a.MediaDetails.File, "image.png") {
			t.Errorf("PNG named .jpg: mime %s file %s", a.MIME, a.MediaDetails.File)
		}
	})

	t.Run("titles, alt text and unique names", func(t *testing.T) {
		c := wpClient{t: t, base: s.base, login: editor.login, pass: editor.pass}
		var first, second attachment
		c.raw(media, jpg, "dup.jpg", nil).json(t, &first)
		c.raw(media, jpg, "dup.jpg", nil).json(t, &second)
		if !strings.HasSuffix(second.MediaDetails.File, "/dup-1.jpg") || second.Title.Raw != "dup-1" {
			t.Errorf("second raw upload: file %s title %s", second.MediaDetails.File, second.Title.Raw)
		}
		var m1, m2 struct {
			Slug  string `json:"slug"`
			Title struct {
				Raw string `json:"raw"`
			} `json:"title"`
		}
		c.multipart(media, jpg, "mp.jpg", "file", nil).json(t, &m1)
		c.multipart(media, jpg, "mp.jpg", "file", nil).json(t, &m2)
		if m1.Slug != "mp" || m2.Slug != "mp-2" || m2.Title.Raw != "mp" {
			t.Errorf("multipart twice: slugs %s %s title %s", m1.Slug, m2.Slug, m2.Title.Raw)
		}
		for name, want := range map[string]string{"Filename With Spaces.jpg": "Filename With Spaces", "Filename.With.Periods.jpg": "Filename.With.Periods", "<b>Bold</b> Name.jpg": "Bold Name"} {
			var a attachment
			c.multipart(media, jpg, name, "file", nil).json(t, &a)
			if a.Title.Raw != want {
				t.Errorf("%q: title %q, want %q", name, a.Title.Raw, want)
			}
		}
		var sub attachment
		c.raw(media, jpg, "photo-150x150.jpg", nil).json(t, &sub)
		if !strings.HasSuffix(sub.MediaDetails.File, "photo-150x150-1.jpg") {
			t.Errorf("sub-size-like name stored as %s", sub.MediaDetails.File)
		}
		var alt struct {
			AltText string `json:"alt_text"`
		}
		c.raw(media+"?alt_text="+url.QueryEscape("<script>alert(document.cookie)</script>"), jpg, "alt.jpg", nil).json(t, &alt)
		if alt.AltText != "" {
			t.Errorf("unsafe alt_text kept: %q", alt.AltText)
		}
		c.raw(media+"?alt_text=test%20alt%20text", jpg, "alt.jpg", nil).json(t, &alt)
		if alt.AltText != "test alt text" {
			t.Errorf("alt_text %q", alt.AltText)
		}
	})

	t.Run("list parameters", func(t *testing.T) {
		all := admin.do("GET", media+"?per_page=100", nil, nil)
		expect(t, all, 200, "")
		total := len(ids(t, all))
		if all.header.Get("X-WP-Total") != fmt.Sprint(total) {
			t.Errorf("X-WP-Total %s for %d items", all.header.Get("X-WP-Total"), total)
		}
		if got := ids(t, admin.do("GET", media+"?media_type=video", nil, nil)); len(got) != 0 {
			t.Errorf("media_type=video: %v", got)
		}
		empty := admin.do("GET", media+"?media_type=video", nil, nil)
		if empty.header.Get("X-WP-Total") != "0" || empty.header.Get("X-WP-TotalPages") != "0" {
			t.Errorf("empty headers %v", empty.header)
		}
		pngs := ids(t, admin.do("GET", media+"?mime_type=image/png", nil, nil))
		both := ids(t, admin.do("GET", media+"?per_page=100&mime_type=image/jpeg,image/png", nil, nil))
		union := ids(t, admin.do("GET", media+"?per_page=100&media_type=audio&mime_type=image/png", nil, nil))
		if len(pngs) == 0 || len(both) != total || !slices.Equal(union, pngs) {
			t.Errorf("mime filters: png %v both %d/%d union %v", pngs, len(both), total, union)
		}
		expect(t, admin.do("GET", media+"?media_type=image,invalid,video", nil, nil), 400, "rest_invalid_param")
		expect(t, admin.do("GET", media+"?per_page=101", nil, nil), 400, "rest_invalid_param")
		expect(t, admin.do("GET", media+"?per_page=0", nil, nil), 400, "rest_invalid_param")
		expect(t, admin.do("GET", media+"?context=banana", nil, nil), 400, "rest_invalid_param")
		expect(t, admin.do("GET", media+"?status=publish&context=edit", nil, nil), 400, "rest_invalid_param")
		expect(t, anon.do("GET", media+"?context=edit", nil, nil), 401, "rest_forbidden_context")
		expect(t, anon.do("GET", media+"?status=private", nil, nil), 400, "rest_invalid_param")
		expect(t, admin.do("GET", media+"?after=foo&before=bar", nil, nil), 400, "rest_invalid_param")
		expect(t, admin.do("GET", media+"?orderby=relevance", nil, nil), 400, "rest_no_search_term_defined")
		expect(t, admin.do("GET", media+"?orderby=include", nil, nil), 400, "rest_orderby_include_missing_include")
		expect(t, admin.do("GET", media+"?page=1000", nil, nil), 400, "rest_post_invalid_page_number")
		allIDs := ids(t, all)
		a, b := allIDs[0], allIDs[len(allIDs)-1]
		if got := ids(t, admin.do("GET", fmt.Sprintf("%s?include=%d,%d&orderby=include", media, b, a), nil, nil)); !slices.Equal(got, []int64{b, a}) {
			t.Errorf("orderby=include: %v", got)
		}
		if got := ids(t, admin.do("GET", fmt.Sprintf("%s?include=%d,%d&orderby=id&order=asc", media, b, a), nil, nil)); !slices.Equal(got, []int64{min(a, b), max(a, b)}) {
			t.Errorf("orderby=id asc: %v", got)
		}
		if got := ids(t, admin.do("GET", fmt.Sprintf("%s?per_page=100&exclude=%d", media, a), nil, nil)); len(got) != total-1 || slices.Contains(got, a) {
			t.Errorf("exclude: %v", got)
		}
		byAuthor := ids(t, admin.do("GET", fmt.Sprintf("%s?author=%d&per_page=100", media, authorID), nil, nil))
		notAuthor := ids(t, admin.do("GET", fmt.Sprintf("%s?author_exclude=%d&per_page=100", media, authorID), nil, nil))
		if len(byAuthor) == 0 || len(byAuthor)+len(notAuthor) != total {
			t.Errorf("author %d + author_exclude %d != %d", len(byAuthor), len(notAuthor), total)
		}
		unattached := ids(t, admin.do("GET", media+"?per_page=100&parent=0", nil, nil))
		attached := ids(t, admin.do("GET", media+"?per_page=100&parent_exclude=0", nil, nil))
		if len(unattached) == 0 || len(attached) == 0 || len(unattached)+len(attached) != total {
			t.Errorf("parent=0 %d + parent_exclude=0 %d != %d", len(unattached), len(attached), total)
		}
		if got := ids(t, admin.do("GET", media+"?parent=999999999", nil, nil)); len(got) != 0 {
			t.Errorf("parent=999999999: %v", got)
		}
		if got := ids(t, admin.do("GET", media+"?slug=dup,mp", nil, nil)); len(got) != 2 {
			t.Errorf("slug=dup,mp: %v", got)
		}
		if got := ids(t, admin.do("GET", media+"?slug=mp,dup&orderby=include_slugs", nil, nil)); len(got) != 2 || got[0] == got[1] {
			t.Errorf("orderby=include_slugs: %v", got)
		}
		future := "2999-01-01T00:00:00Z"
		if got := ids(t, admin.do("GET", media+"?after="+future, nil, nil)); len(got) != 0 {
			t.Errorf("after the future: %v", got)
		}
		if got := ids(t, admin.do("GET", media+"?per_page=100&before="+future+"&modified_before="+future, nil, nil)); len(got) != total {
			t.Errorf("before the future: %d of %d", len(got), total)
		}
		if got := ids(t, admin.do("GET", media+"?modified_after="+future, nil, nil)); len(got) != 0 {
			t.Errorf("modified after the future: %v", got)
		}
		if got := ids(t, admin.do("GET", media+"?search=Filename&search_columns=post_title&per_page=100", nil, nil)); len(got) != 2 {
			t.Errorf("search in titles: %v", got)
		}
		if got := ids(t, admin.do("GET", media+"?search=Filename&search_columns=post_excerpt", nil, nil)); len(got) != 0 {
			t.Errorf("search in captions: %v", got)
		}
		for _, ob := range []string{"author", "modified", "parent", "slug", "title", "date", "id"} {
			expect(t, admin.do("GET", media+"?orderby="+ob+"&order=asc", nil, nil), 200, "")
		}
		var bySlug []struct {
			Slug string `json:"slug"`
		}
		admin.do("GET", media+"?orderby=slug&order=asc&per_page=100", nil, nil).json(t, &bySlug)
		if !slices.IsSortedFunc(bySlug, func(a, b struct {
			Slug string `json:"slug"`
		}) int {
			return strings.Compare(a.Slug, b.Slug)
		}) {
			t.Errorf("orderby=slug not sorted: %v", bySlug)
		}
		var embedded []struct {
			Embedded struct {
				Author []struct {
					ID   int64  `json:"id"`
					Name string `json:"name"`
				} `json:"author"`
			} `json:"_embedded"`
		}
		admin.do("GET", fmt.Sprintf("%s?_embed&author=%d", media, authorID), nil, nil).json(t, &embedded)
		if len(embedded) == 0 || len(embedded[0].Embedded.Author) != 1 || embedded[0].Embedded.Author[0].ID != authorID {
			t.Errorf("_embed author: %+v", embedded)
		}
		if head := admin.do("HEAD", media, nil, nil); head.status != 200 || len(head.body) != 0 || head.header.Get("X-WP-Total") == "" {
			t.Errorf("HEAD: %d %q %v", head.status, head.body, head.header)
		}
		// PNG bytes uploaded as image.jpg were stored as image.png.
		if got := ids(t, admin.do("GET", media+"?search=image.png", nil, nil)); len(got) != 1 || !slices.Contains(pngs, got[0]) {
			t.Errorf("search by file name: %v, want one of %v", got, pngs)
		}
		page := admin.do("GET", media+"?per_page=1&page=2", nil, nil)
		links := strings.Join(page.header.Values("Link"), ",")
		if page.header.Get("X-WP-TotalPages") != fmt.Sprint(total) || !strings.Contains(links, `rel="prev"`) || !strings.Contains(links, `rel="next"`) || !strings.Contains(links, "page=3") {
			t.Errorf("paging: pages %s links %s", page.header.Get("X-WP-TotalPages"), links)
		}
		if got := ids(t, admin.do("GET", media+"?per_page=1&offset=1", nil, nil)); len(got) != 1 || got[0] != allIDs[1] {
			t.Errorf("offset=1: %v, want [%d]", got, allIDs[1])
		}
	})

	// One ready item for the single, update, delete and post-process cases.
	var item attachment
	author.raw(media, jpg, "canola.jpg", nil).json(t, &item)
	item = s.waitDone(t, item.ID)
	itemPath := fmt.Sprintf("%s/%d", media, item.ID)

	t.Run("HEIC is accepted and rendered as JPEG", func(t *testing.T) {
		r := editor.raw(media, filepath.Join(dir, "photo.heic"), "phone.heic", nil)
		expect(t, r, 201, "")
		var a attachment
		r.json(t, &a)
		a = s.waitDone(t, a.ID)
		if a.ProcessingStatus != "ready" || a.MIME != "image/heic" || len(a.MediaDetails.Sizes) == 0 {
			t.Fatalf("heic: %s %s sizes %d %s", a.ProcessingStatus, a.MIME, len(a.MediaDetails.Sizes), a.ProcessingError)
		}
		for _, sz := range a.MediaDetails.Sizes {
			if _, format, _ := fetchImage(t, sz.SourceURL); format != "jpeg" {
				t.Errorf("%s is %s", sz.File, format)
			}
		}
	})

	t.Run("1920x1080 sizes and filesize (spec 29, 57)", func(t *testing.T) {
		var a attachment
		editor.raw(media, filepath.Join(dir, "photo-1920x1080.jpg"), "33772.jpg", nil).json(t, &a)
		a = s.waitDone(t, a.ID)
		checkSizes(t, a, map[string]dims{"medium": {300, 169}, "large": {1024, 576}, "thumbnail": {150, 150}, "medium_large": {768, 432}, "1536x1536": {1536, 864}},
			[]string{"medium", "large", "thumbnail", "medium_large", "1536x1536", "full"})
		var got map[string]any
		anon.do("GET", fmt.Sprintf("%s/%d", media, a.ID), nil, nil).json(t, &got)
		st, _ := os.Stat(filepath.Join(dir, "photo-1920x1080.jpg"))
		if got["filesize"] != float64(st.Size()) || got["filename"] != "33772.jpg" {
			t.Errorf("filesize %v (file has %d), filename %v", got["filesize"], st.Size(), got["filename"])
		}
		if a.MediaDetails.Sizes[4].File != "33772-1536x864.jpg" || a.MediaDetails.OriginalImage != "" {
			t.Errorf("1536x1536 file %s, original_image %q", a.MediaDetails.Sizes[4].File, a.MediaDetails.OriginalImage)
		}
	})

	t.Run("single item contexts and _fields", func(t *testing.T) {
		var view map[string]any
		anon.do("GET", itemPath, nil, nil).json(t, &view)
		if _, ok := view["caption"].(map[string]any)["raw"]; ok {
			t.Error("view context shows caption.raw")
		}
		if _, ok := view["missing_image_sizes"]; ok {
			t.Error("view context shows missing_image_sizes")
		}
		var embed map[string]any
		anon.do("GET", itemPath+"?context=embed", nil, nil).json(t, &embed)
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range embed {
				if !yield(k) {
					return
				}
			}
		})
		want := []string{"_links", "alt_text", "author", "caption", "date", "featured_media", "id", "link", "media_details", "media_type", "mime_type", "processing_status", "slug", "source_url", "title", "type"}
		if !slices.Equal(keys, want) {
			t.Errorf("embed keys %v", keys)
		}
		r := editor.do("GET", itemPath+"?context=edit&_fields=id,slug", nil, nil)
		if string(r.body) != fmt.Sprintf(`{"id":%d,"slug":"canola"}`, item.ID)+"\n" && !strings.HasPrefix(string(r.body), fmt.Sprintf(`{"id":%d,"slug":"canola`, item.ID)) {
			t.Errorf("_fields=id,slug: %s", r.body)
		}
		expect(t, anon.do("GET", media+"/abc", nil, nil), 404, "rest_no_route")
		expect(t, anon.do("GET", media+"/999999", nil, nil), 404, "rest_post_invalid_id")
	})

	t.Run("author HTML is filtered, the administrator's kept", func(t *testing.T) {
		html := "<div>div</div> <strong>strong</strong> <script>oh noes</script>"
		vals := url.Values{"title": {html}, "caption": {html}, "description": {html}}
		var a, b struct {
			Title, Caption, Description struct {
				Raw string `json:"raw"`
			}
		}
		author.form("POST", itemPath, vals).json(t, &a)
		if a.Title.Raw != "div <strong>strong</strong> " || a.Caption.Raw != "<div>div</div> <strong>strong</strong> " || a.Description.Raw != a.Caption.Raw {
			t.Errorf("author: %+v", a)
		}
		admin.form("POST", itemPath, vals).json(t, &b)
		if b.Title.Raw != html || b.Caption.Raw != html {
			t.Errorf("admin: %+v", b)
		}
	})

	t.Run("update", func(t *testing.T) {
		r := author.form("POST", itemPath, url.Values{"title": {"New title"}, "caption": {"Cap"}, "description": {"Desc"}, "alt_text": {"Alt"}})
		expect(t, r, 200, "")
		var got struct {
			Title, Caption, Description struct {
				Raw string `json:"raw"`
			}
			AltText string `json:"alt_text"`
		}
		r.json(t, &got)
		if got.Title.Raw != "New title" || got.Caption.Raw != "Cap" || got.Description.Raw != "Desc" || got.AltText != "Alt" {
			t.Errorf("update echoed %+v", got)
		}
		r = admin.do("PATCH", itemPath, strings.NewReader(`{"title":{"raw":"JSON title"}}`), map[string]string{"Content-Type": "application/json"})
		expect(t, r, 200, "")
		expect(t, admin.do("PATCH", itemPath, strings.NewReader(`{"title":`), map[string]string{"Content-Type": "application/json"}), 400, "rest_invalid_json")
		var editorItem attachment
		editor.raw(media, jpg, "editors.jpg", nil).json(t, &editorItem)
		expect(t, author.form("POST", fmt.Sprintf("%s/%d", media, editorItem.ID), url.Values{"caption": {"x"}}), 403, "rest_cannot_edit")
		expect(t, editor.form("POST", itemPath, url.Values{"status": {"inherit"}}), 200, "")
		expect(t, editor.form("POST", itemPath, url.Values{"post": {fmt.Sprint(editorItem.ID)}}), 400, "rest_invalid_param")
		expect(t, editor.form("POST", itemPath, url.Values{"status": {"private"}}), 200, "")
		expect(t, anon.do("GET", itemPath, nil, nil), 401, "rest_forbidden")
		expect(t, anon.do("GET", media+"?status=private", nil, nil), 400, "rest_invalid_param")
		if got := ids(t, editor.do("GET", media+"?status=private", nil, nil)); !slices.Equal(got, []int64{item.ID}) {
			t.Errorf("editor status=private: %v", got)
		}
		if got := ids(t, editor.do("GET", media+"?status=private,inherit&per_page=100", nil, nil)); !slices.Contains(got, item.ID) || len(got) < 2 {
			t.Errorf("editor status=private,inherit: %v", got)
		}
		if got := ids(t, anon.do("GET", media+"?per_page=100", nil, nil)); slices.Contains(got, item.ID) {
			t.Error("a private item is listed to the public")
		}
		// Its files: not for the public at their plain URL, yes with the
		// signed URL an authorised reader gets.
		var private attachment
		editor.do("GET", itemPath+"?context=edit", nil, nil).json(t, &private)
		signed := private.MediaDetails.Sizes[0].SourceURL
		plain, _, _ := strings.Cut(signed, "?")
		if !strings.Contains(signed, "signature=") {
			t.Fatalf("private size URL is not signed: %s", signed)
		}
		for u, want := range map[string]int{plain: 404, signed: 200, strings.Replace(signed, "signature=", "signature=x", 1): 404} {
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("GET %s: %d, want %d", u, resp.StatusCode, want)
			}
		}
		expect(t, editor.form("POST", itemPath, url.Values{"status": {"inherit"}}), 400, "rest_invalid_param")
		expect(t, editor.form("POST", itemPath, url.Values{"status": {"publish"}}), 200, "")
		expect(t, anon.do("GET", itemPath, nil, nil), 200, "")
	})

	t.Run("post-process", func(t *testing.T) {
		expect(t, admin.do("POST", itemPath+"/post-process", nil, nil), 400, "rest_missing_callback_param")
		expect(t, admin.form("POST", itemPath+"/post-process", url.Values{"action": {"foo"}}), 400, "rest_invalid_param")
		expect(t, anon.form("POST", itemPath+"/post-process", url.Values{"action": {"create-image-subsizes"}}), 401, "rest_cannot_edit")
		expect(t, admin.form("POST", media+"/999999/post-process", url.Values{"action": {"create-image-subsizes"}}), 404, "rest_post_invalid_id")
		r := admin.form("POST", itemPath+"/post-process", url.Values{"action": {"create-image-subsizes"}})
		expect(t, r, 200, "")
		var a attachment
		r.json(t, &a)
		if len(a.MissingSizes) != 0 || len(a.MediaDetails.Sizes) != 3 {
			t.Errorf("post-process on a ready item: missing %v sizes %d", a.MissingSizes, len(a.MediaDetails.Sizes))
		}
	})

	t.Run("delete", func(t *testing.T) {
		var editorItem attachment
		editor.raw(media, jpg, "todelete.jpg", nil).json(t, &editorItem)
		editorItem = s.waitDone(t, editorItem.ID)
		path := fmt.Sprintf("%s/%d", media, editorItem.ID)
		expect(t, author.do("DELETE", path+"?force=true", nil, nil), 403, "rest_cannot_delete")
		expect(t, editor.do("DELETE", path, nil, nil), 501, "rest_trash_not_supported")
		expect(t, editor.do("DELETE", path+"?force=false", nil, nil), 501, "rest_trash_not_supported")
		expect(t, anon.do("GET", path, nil, nil), 200, "")
		r := editor.do("DELETE", path+"?force=true", nil, nil)
		expect(t, r, 200, "")
		var del struct {
			Deleted  bool `json:"deleted"`
			Previous struct {
				ID int64 `json:"id"`
			} `json:"previous"`
		}
		r.json(t, &del)
		if !del.Deleted || del.Previous.ID != editorItem.ID {
			t.Errorf("delete body %s", r.body)
		}
		expect(t, anon.do("GET", path, nil, nil), 404, "rest_post_invalid_id")
		urls := []string{editorItem.SourceURL}
		for _, sz := range editorItem.MediaDetails.Sizes {
			urls = append(urls, sz.SourceURL)
		}
		for _, u := range urls {
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("%s after delete: %d", u, resp.StatusCode)
			}
		}
		// _method=DELETE lets a POST delete.
		var other attachment
		editor.raw(media, jpg, "todelete2.jpg", nil).json(t, &other)
		expect(t, editor.do("POST", fmt.Sprintf("%s/%d?_method=DELETE&force=true", media, other.ID), nil, nil), 200, "")
	})

	t.Run("discovery", func(t *testing.T) {
		r := anon.do("OPTIONS", media, nil, nil)
		expect(t, r, 200, "")
		var opts struct {
			Endpoints []struct {
				Args map[string]json.RawMessage `json:"args"`
			} `json:"endpoints"`
			Schema struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schema"`
		}
		r.json(t, &opts)
		var args []string
		for k := range opts.Endpoints[0].Args {
			args = append(args, k)
		}
		slices.Sort(args)
		want := []string{"after", "author", "author_exclude", "before", "context", "exclude", "include", "media_type", "mime_type", "modified_after", "modified_before", "offset", "order", "orderby", "page", "parent", "parent_exclude", "per_page",
			"pixelmill_folder", "processing_status", // Pixelmill's own, as a plugin registers them
			"search", "search_columns", "search_semantics", "slug", "status"}
		if !slices.Equal(args, want) {
			t.Errorf("collection args %v", args)
		}
		for _, p := range []string{"alt_text", "caption", "media_details", "missing_image_sizes", "source_url", "title", "class_list", "filename", "filesize"} {
			if _, ok := opts.Schema.Properties[p]; !ok {
				t.Errorf("schema lacks %s", p)
			}
		}
		if _, ok := opts.Schema.Properties["password"]; ok {
			t.Error("schema has password")
		}
		if got := anon.do("OPTIONS", itemPath, nil, nil).header.Get("Allow"); got != "GET" {
			t.Errorf("anonymous Allow %q", got)
		}
		if got := editor.do("OPTIONS", itemPath, nil, nil).header.Get("Allow"); got != "GET, POST, PUT, PATCH, DELETE" {
			t.Errorf("editor Allow %q", got)
		}
		var index struct {
			Namespaces []string                   `json:"namespaces"`
			Routes     map[string]json.RawMessage `json:"routes"`
		}
		idx := anon.do("GET", "/wp-json/", nil, nil)
		idx.json(t, &index)
		if !slices.Contains(index.Namespaces, "wp/v2") || index.Routes["/wp/v2/media"] == nil {
			t.Errorf("index %s", idx.body)
		}
		if !strings.Contains(idx.header.Get("Link"), `rel="https://api.w.org/"`) {
			t.Errorf("Link header %q", idx.header.Get("Link"))
		}
		expect(t, anon.do("GET", "/?rest_route=/wp/v2/media/"+fmt.Sprint(item.ID), nil, nil), 200, "")
		if got := ids(t, anon.do("GET", media+"?search=json%20TITLE&search_semantics=exact", nil, nil)); !slices.Equal(got, []int64{item.ID}) {
			t.Errorf("exact search %v", got)
		}
	})

	t.Run("edit", func(t *testing.T) {
		var src attachment
		admin.raw(media, jpg, "editsrc.jpg", nil).json(t, &src)
		src = s.waitDone(t, src.ID)
		srcPath := fmt.Sprintf("%s/%d/edit", media, src.ID)
		full := url.Values{"src": {src.SourceURL}}
		with := func(extra url.Values) url.Values {
			v := url.Values{"src": {src.SourceURL}}
			for k, vs := range extra {
				v[k] = vs
			}
			return v
		}
		expect(t, anon.form("POST", srcPath, with(url.Values{"rotation": {"90"}})), 401, "rest_cannot_edit_image")
		expect(t, contrib.form("POST", srcPath, with(url.Values{"rotation": {"90"}})), 403, "rest_cannot_edit_image")
		expect(t, anon.form("POST", srcPath, url.Values{}), 400, "rest_missing_callback_param")
		expect(t, admin.form("POST", srcPath, full), 400, "rest_image_not_edited")
		expect(t, admin.form("POST", srcPath, url.Values{"src": {src.MediaDetails.Sizes[0].SourceURL}}), 400, "rest_image_not_edited")
		expect(t, admin.form("POST", fmt.Sprintf("%s/%d/edit", media, item.ID), with(url.Values{"rotation": {"90"}})), 404, "rest_unknown_attachment")
		for _, bad := range []url.Values{{"rotation": {"0"}}, {"rotation": {"360"}}, {"x": {"150"}}} {
			expect(t, admin.form("POST", srcPath, with(bad)), 400, "rest_invalid_param")
		}
		for _, body := range []string{`{"src":"` + src.SourceURL + `","modifiers":[]}`, `{"src":"` + src.SourceURL + `","modifiers":[{"type":"blur","args":{}}]}`} {
			expect(t, admin.do("POST", srcPath, strings.NewReader(body), map[string]string{"Content-Type": "application/json"}), 400, "rest_invalid_param")
		}

		r := admin.form("POST", srcPath, with(url.Values{"x": {"50"}, "y": {"10"}, "width": {"10"}, "height": {"5"}, "title": {"Cropped"}}))
		expect(t, r, 201, "")
		var crop struct {
			attachment
			MediaDetails struct {
				File        string `json:"file"`
				ParentImage struct {
					AttachmentID string `json:"attachment_id"`
					File         string `json:"file"`
				} `json:"parent_image"`
			} `json:"media_details"`
		}
		r.json(t, &crop)
		if crop.ID == src.ID || r.header.Get("Location") != fmt.Sprintf("%s%s/%d", s.base, media, crop.ID) {
			t.Fatalf("edit answered id %d, Location %q", crop.ID, r.header.Get("Location"))
		}
		if !strings.HasSuffix(crop.MediaDetails.File, "editsrc-edited.jpg") || crop.MediaDetails.ParentImage.AttachmentID != fmt.Sprint(src.ID) ||
			!strings.Contains(crop.MediaDetails.ParentImage.File, "editsrc") || crop.Title.Raw != "" && crop.Title.Raw != "Cropped" {
			t.Errorf("edited item: %s", r.body)
		}
		done := s.waitDone(t, crop.ID)
		if done.ProcessingStatus != "ready" || done.MediaDetails.Width != 64 || done.MediaDetails.Height != 24 {
			t.Errorf("crop 50/10/10/5 of 640×480: %s %dx%d %s", done.ProcessingStatus, done.MediaDetails.Width, done.MediaDetails.Height, done.ProcessingError)
		}
		cfg, _, _ := fetchImage(t, done.SourceURL)
		if cfg.Width != 64 || cfg.Height != 24 {
			t.Errorf("cropped file is %dx%d", cfg.Width, cfg.Height)
		}

		// JSON modifiers, applied in order: rotate 90, then crop the left half.
		body := `{"src":"` + src.SourceURL + `","modifiers":[{"type":"rotate","args":{"angle":90}},{"type":"crop","args":{"left":0,"top":0,"width":50,"height":100}}]}`
		r = admin.do("POST", srcPath, strings.NewReader(body), map[string]string{"Content-Type": "application/json"})
		expect(t, r, 201, "")
		var mod attachment
		r.json(t, &mod)
		if !strings.HasSuffix(mod.MediaDetails.File, "editsrc-edited-1.jpg") {
			t.Errorf("second edit of one original: %s", mod.MediaDetails.File)
		}
		mod = s.waitDone(t, mod.ID)
		if mod.MediaDetails.Width != 240 || mod.MediaDetails.Height != 640 {
			t.Errorf("rotate 90 + crop left half of 640×480: %dx%d %s", mod.MediaDetails.Width, mod.MediaDetails.Height, mod.ProcessingError)
		}
		// Editing an edited item never makes -edited-edited.
		r = admin.form("POST", fmt.Sprintf("%s/%d/edit", media, mod.ID), url.Values{"src": {mod.SourceURL}, "flip[horizontal]": {"1"}, "flip[vertical]": {"1"}})
		expect(t, r, 201, "")
		var flipped attachment
		r.json(t, &flipped)
		if strings.Contains(flipped.MediaDetails.File, "edited-edited") || !strings.Contains(flipped.MediaDetails.File, "editsrc-edited-") {
			t.Errorf("edit of an edit: %s", flipped.MediaDetails.File)
		}
		flipped = s.waitDone(t, flipped.ID)
		if flipped.MediaDetails.Width != 240 || flipped.MediaDetails.Height != 640 {
			t.Errorf("flip keeps dimensions: %dx%d %s", flipped.MediaDetails.Width, flipped.MediaDetails.Height, flipped.ProcessingError)
		}
		// A non-right angle enlarges the canvas.
		r = admin.form("POST", srcPath, with(url.Values{"rotation": {"60"}}))
		expect(t, r, 201, "")
		var rot attachment
		r.json(t, &rot)
		rot = s.waitDone(t, rot.ID)
		if rot.ProcessingStatus != "ready" || rot.MediaDetails.Width <= 640 || rot.MediaDetails.Height <= 480 {
			t.Errorf("rotation 60: %s %dx%d", rot.ProcessingStatus, rot.MediaDetails.Width, rot.MediaDetails.Height)
		}
		// The original is unchanged.
		if again := s.waitDone(t, src.ID); again.MediaDetails.Width != 640 || again.MediaDetails.File != src.MediaDetails.File {
			t.Errorf("original changed: %dx%d %s", again.MediaDetails.Width, again.MediaDetails.Height, again.MediaDetails.File)
		}
		// EXIF orientation is applied before the edit (WordPress 7.1).
		var side attachment
		admin.raw(media, filepath.Join(dir, "exif", "iphone-4s.jpg"), "side.jpg", nil).json(t, &side)
		side = s.waitDone(t, side.ID)
		r = admin.form("POST", fmt.Sprintf("%s/%d/edit", media, side.ID), url.Values{"src": {side.SourceURL}, "rotation": {"90"}})
		expect(t, r, 201, "")
		var sideEdit attachment
		r.json(t, &sideEdit)
		if sideEdit = s.waitDone(t, sideEdit.ID); sideEdit.MediaDetails.Width != 205 || sideEdit.MediaDetails.Height != 102 {
			t.Errorf("upright 102×205 rotated 90: %dx%d %s", sideEdit.MediaDetails.Width, sideEdit.MediaDetails.Height, sideEdit.ProcessingError)
		}
	})

	t.Run("users and application passwords", func(t *testing.T) {
		expect(t, author.form("POST", "/wp-json/wp/v2/users", url.Values{"username": {"x"}, "email": {"x@x.test"}, "password": {"p"}}), 403, "rest_cannot_create_user")
		expect(t, admin.form("POST", "/wp-json/wp/v2/users", url.Values{"username": {"x"}}), 400, "rest_missing_callback_param")
		expect(t, admin.form("POST", "/wp-json/wp/v2/users", url.Values{"username": {"author1"}, "email": {"a@x.test"}, "password": {"p"}}), 400, "existing_user_login")
		var list []map[string]any
		author.do("GET", "/wp-json/wp/v2/users/me/application-passwords", nil, nil).json(t, &list)
		if len(list) != 1 || list[0]["name"] != "tests" || list[0]["password"] != nil {
			t.Errorf("application passwords %v", list)
		}
		expect(t, author.do("GET", "/wp-json/wp/v2/users/1/application-passwords", nil, nil), 403, "rest_cannot_list_application_passwords")
		uuid := list[0]["uuid"].(string)
		expect(t, author.do("DELETE", "/wp-json/wp/v2/users/me/application-passwords/"+uuid, nil, nil), 200, "")
		expect(t, author.do("GET", "/wp-json/wp/v2/users/me", nil, nil), 401, "")
		var me map[string]any
		editor.do("GET", "/wp-json/wp/v2/users/me?context=edit", nil, nil).json(t, &me)
		if me["username"] != "editor1" || me["capabilities"].(map[string]any)["edit_others_posts"] != true {
			t.Errorf("users/me: %v", me)
		}
	})
}

// TestRateLimitWordPress: past its budget a client gets WordPress's error
// body with 429 and Retry-After; every answer carries the X-RateLimit-*
// headers.
func TestRateLimitWordPress(t *testing.T) {
	s := startStackEnv(t, 0, map[string]string{"PIXELMILL_RATE_LIMIT_ANON": "3", "PIXELMILL_RATE_LIMIT_AUTH": "5"})
	anon := wpClient{t: t, base: s.base}
	admin := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
	for i := range 3 {
		r := anon.do("GET", "/wp-json/wp/v2/media", nil, nil)
		if r.status != 200 || r.header.Get("X-RateLimit-Limit") != "3" || r.header.Get("X-RateLimit-Remaining") != fmt.Sprint(2-i) || r.header.Get("X-RateLimit-Reset") == "" {
			t.Fatalf("request %d: %d %v", i+1, r.status, r.header)
		}
	}
	r := anon.do("GET", "/wp-json/wp/v2/media", nil, nil)
	expect(t, r, 429, "rest_too_many_requests")
	if r.header.Get("Retry-After") == "" {
		t.Errorf("no Retry-After on a 429: %v", r.header)
	}
	// A credential has its own budget.
	if r := admin.do("GET", "/wp-json/wp/v2/media", nil, nil); r.status != 200 || r.header.Get("X-RateLimit-Limit") != "5" {
		t.Errorf("admin: %d %v", r.status, r.header)
	}
}

// TestSVGWhenAllowed: with PIXELMILL_ALLOW_SVG an SVG is stored (ready at
// once, never rendered) and served only as a sandboxed download.
func TestSVGWhenAllowed(t *testing.T) {
	s := startStackEnv(t, 0, map[string]string{"PIXELMILL_ALLOW_SVG": "true"})
	admin := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
	svg := `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`
	r := admin.do("POST", "/wp-json/wp/v2/media", strings.NewReader(svg), map[string]string{"Content-Type": "image/svg+xml", "Content-Disposition": "attachment; filename=logo.svg"})
	expect(t, r, 201, "")
	var a attachment
	r.json(t, &a)
	if a.MIME != "image/svg+xml" || a.MediaType != "file" || a.ProcessingStatus != "ready" || len(a.MediaDetails.Sizes) != 0 {
		t.Fatalf("svg item: %s %s %s %d sizes", a.MIME, a.MediaType, a.ProcessingStatus, len(a.MediaDetails.Sizes))
	}
	resp, err := http.Get(a.SourceURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Disposition") != "attachment" || resp.Header.Get("Content-Security-Policy") != "sandbox" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("svg served with %d %v", resp.StatusCode, resp.Header)
	}
	// PNG bytes named .svg are not an SVG.
	png, _ := os.ReadFile(filepath.Join(testdataDir(t), "alpha.png"))
	expect(t, admin.do("POST", "/wp-json/wp/v2/media", bytes.NewReader(png), map[string]string{"Content-Type": "image/svg+xml", "Content-Disposition": "attachment; filename=x.svg"}), 500, "rest_upload_sideload_error")
}
