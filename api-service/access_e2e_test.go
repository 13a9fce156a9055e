package main

// TestAccessMatrix calls every route and method of the WordPress dialect as
// each of WordPress's roles (and anonymously) and holds the answer to
// WordPress's capability rules (spec §1.1, §2; WP_REST_Users_Controller
// and WP_REST_Application_Passwords_Controller for the user routes):
// administrator, editor and author have upload_files; editors and
// administrators edit others' items; contributors have edit_posts but may
// not upload; subscribers only read. A refusal is 401 for an anonymous
// request and 403 for a logged-in one, with the route's error code.
// Destructive calls get fresh items, users and passwords per role.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The callers, in the order of every row's expectations.
const (
	axAnon = iota
	axSubscriber
	axContributor
	axAuthor
	axEditor
	axAdmin
	axRoles
)

var axRoleNames = [axRoles]string{"anonymous", "subscriber", "contributor", "author", "editor", "administrator"}

// axRow is one route and method; want holds, per caller, WordPress's
// answer: "STATUS" or "STATUS code".
type axRow struct {
	name   string
	method string
	path   func(role int) string
	body   func(role int) (io.Reader, map[string]string)
	want   [axRoles]string
	check  func(t *testing.T, role int, r wpResponse) // on a 2xx answer
}

func axForm(v url.Values) func(int) (io.Reader, map[string]string) {
	return func(int) (io.Reader, map[string]string) {
		return strings.NewReader(v.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	}
}

func axJSON(v string) func(int) (io.Reader, map[string]string) {
	return func(int) (io.Reader, map[string]string) {
		return strings.NewReader(v), map[string]string{"Content-Type": "application/json"}
	}
}

func axPath(p string) func(int) string { return func(int) string { return p } }

// axRefused is the usual column pattern: anonymous 401 and logged-in 403
// with code for the first n logged-in callers, then ok for the rest.
func axRefused(code string, refusedLoggedIn int, ok string) [axRoles]string {
	var w [axRoles]string
	w[axAnon] = "401 " + code
	for i := 1; i < axRoles; i++ {
		if i <= refusedLoggedIn {
			w[i] = "403 " + code
		} else {
			w[i] = ok
		}
	}
	return w
}

func axAll(s string) [axRoles]string {
	var w [axRoles]string
	for i := range w {
		w[i] = s
	}
	return w
}

func TestAccessMatrix(t *testing.T) {
	dir := testdataDir(t)
	s := startStack(t, 1)
	root := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
	jpg, err := os.ReadFile(filepath.Join(dir, "photo-640x480.jpg"))
	if err != nil {
		t.Fatal(err)
	}

	// The callers: every one authenticates with an application password,
	// as WordPress REST clients do, the administrator included.
	var as [axRoles]wpClient
	var userID [axRoles]int64
	as[axAnon] = wpClient{t: t, base: s.base}
	r := root.form("POST", "/wp-json/wp/v2/users/me/application-passwords", url.Values{"name": {"matrix"}})
	expect(t, r, 201, "")
	var adminAP struct {
		Password string `json:"password"`
	}
	r.json(t, &adminAP)
	as[axAdmin] = wpClient{t: t, base: s.base, login: "admin", pass: adminAP.Password}
	var me struct {
		ID int64 `json:"id"`
	}
	as[axAdmin].do("GET", "/wp-json/wp/v2/users/me", nil, nil).json(t, &me)
	userID[axAdmin] = me.ID
	for _, role := range []int{axSubscriber, axContributor, axAuthor, axEditor} {
		as[role], userID[role] = wpUser(t, root, "matrix-"+axRoleNames[role], axRoleNames[role])
	}
	author, editor := as[axAuthor], as[axEditor]

	// The editor has a published post, so WordPress shows the editor's
	// profile to anyone; the author has published nothing.
	expect(t, editor.form("POST", "/wp-json/wp/v2/posts", url.Values{"title": {"Public"}, "status": {"publish"}}), 201, "")

	upload := func(c wpClient, name string) attachment {
		t.Helper()
		r := hxRaw(t, c, name, jpg, nil)
		expect(t, r, 201, "")
		var a attachment
		r.json(t, &a)
		return a
	}
	private := func(name string) attachment {
		t.Helper()
		a := upload(editor, name)
		expect(t, editor.form("POST", fmt.Sprintf("%s/%d", hxMedia, a.ID), url.Values{"status": {"private"}}), 200, "")
		return a
	}
	itemA, itemE, itemP := upload(author, "by-author.jpg"), upload(editor, "by-editor.jpg"), private("private.jpg")
	// Fresh items for the deletes, one per caller.
	var delA, delP [axRoles]attachment
	for role := range axRoles {
		delA[role] = upload(author, fmt.Sprintf("del-author-%d.jpg", role))
		delP[role] = private(fmt.Sprintf("del-private-%d.jpg", role))
	}
	itemA, itemE, itemP = s.waitDone(t, itemA.ID), s.waitDone(t, itemE.ID), s.waitDone(t, itemP.ID)
	if itemA.ProcessingStatus != "ready" || itemE.ProcessingStatus != "ready" || itemP.ProcessingStatus != "ready" {
		t.Fatalf("fixtures: %s %s %s", itemA.ProcessingStatus, itemE.ProcessingStatus, itemP.ProcessingStatus)
	}
	mediaPath := func(a attachment) string { return fmt.Sprintf("%s/%d", hxMedia, a.ID) }
	pathA, pathE, pathP := mediaPath(itemA), mediaPath(itemE), mediaPath(itemP)

	// Users and application passwords that the destructive rows use up.
	var victim, apVictim [axRoles]int64
	var authorAP [axRoles]string
	newUser := func(login string) int64 {
		t.Helper()
		r := root.form("POST", "/wp-json/wp/v2/users", url.Values{"username": {login}, "email": {login + "@example.test"}, "password": {"pw-" + login}})
		expect(t, r, 201, "")
		var u struct {
			ID int64 `json:"id"`
		}
		r.json(t, &u)
		return u.ID
	}
	newAP := func(user int64, name string) string {
		t.Helper()
		r := root.form("POST", fmt.Sprintf("/wp-json/wp/v2/users/%d/application-passwords", user), url.Values{"name": {name}})
		expect(t, r, 201, "")
		var ap struct {
			UUID string `json:"uuid"`
		}
		r.json(t, &ap)
		return ap.UUID
	}
	for role := range axRoles {
		victim[role] = newUser(fmt.Sprintf("victim-%d", role))
		apVictim[role] = newUser(fmt.Sprintf("apvictim-%d", role))
		newAP(apVictim[role], "doomed")
		authorAP[role] = newAP(userID[axAuthor], fmt.Sprintf("spare-%d", role))
	}
	readAP := newAP(userID[axAuthor], "readable")
	authorUser := fmt.Sprintf("/wp-json/wp/v2/users/%d", userID[axAuthor])
	editorUser := fmt.Sprintf("/wp-json/wp/v2/users/%d", userID[axEditor])
	authorAPs := authorUser + "/application-passwords"
	fileOf := func(a attachment) func(int) string {
		return func(int) string { return strings.TrimPrefix(a.SourceURL, s.base) }
	}
	// A private item's source_url carries an expiring signature; the bare
	// path is what a reader without it has.
	barePath := func(a attachment) func(int) string {
		return func(int) string { p, _, _ := strings.Cut(strings.TrimPrefix(a.SourceURL, s.base), "?"); return p }
	}
	tampered := func(a attachment) func(int) string {
		return func(int) string {
			u, err := url.Parse(a.SourceURL)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("signature", strings.Repeat("A", len(q.Get("signature"))))
			return u.Path + "?" + q.Encode()
		}
	}
	ids := func(t *testing.T, r wpResponse) []int64 {
		t.Helper()
		var items []struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(r.body, &items); err != nil {
			t.Fatalf("decode list: %v", err)
		}
		var out []int64
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	allow := func(want ...string) func(t *testing.T, role int, r wpResponse) {
		return func(t *testing.T, role int, r wpResponse) {
			if got := r.header.Get("Allow"); got != want[role] {
				t.Errorf("Allow %q, WordPress sends %q", got, want[role])
			}
		}
	}
	const (
		readOnly = "GET"
		all      = "GET, POST, PUT, PATCH, DELETE"
	)
	editBody := func(a attachment) func(int) (io.Reader, map[string]string) {
		return axForm(url.Values{"src": {a.SourceURL}, "rotation": {"90"}})
	}

	rows := []axRow{
		// Media collection.
		{name: "GET media", method: "GET", path: axPath(hxMedia), want: axAll("200")},
		{name: "GET media?context=edit", method: "GET", path: axPath(hxMedia + "?context=edit"),
			want: axRefused("rest_forbidden_context", 1, "200")},
		// status=private needs edit_posts; the private item is then shown
		// only to those who may read it.
		{name: "GET media?status=private", method: "GET", path: axPath(hxMedia + "?status=private&per_page=100"),
			want: [axRoles]string{"400 rest_invalid_param", "400 rest_invalid_param", "200", "200", "200", "200"},
			check: func(t *testing.T, role int, r wpResponse) {
				if got := slices.Contains(ids(t, r), itemP.ID); got != (role >= axEditor) {
					t.Errorf("private item listed: %v", got)
				}
			}},
		{name: "POST media (upload)", method: "POST", path: axPath(hxMedia),
			body: func(role int) (io.Reader, map[string]string) {
				return bytes.NewReader(jpg), map[string]string{"Content-Type": "image/jpeg", "Content-Disposition": fmt.Sprintf(`attachment; filename="new-%d.jpg"`, role)}
			},
			want: axRefused("rest_cannot_create", 2, "201")},
		{name: "OPTIONS media", method: "OPTIONS", path: axPath(hxMedia), want: axAll("200"),
			check: allow(readOnly, readOnly, readOnly, "GET, POST", "GET, POST", "GET, POST")},

		// One item: the author's, the editor's, the editor's private one.
		{name: "GET author's item", method: "GET", path: axPath(pathA), want: axAll("200")},
		{name: "GET author's item context=edit", method: "GET", path: axPath(pathA + "?context=edit"),
			want: axRefused("rest_forbidden_context", 2, "200")},
		{name: "GET editor's item context=edit", method: "GET", path: axPath(pathE + "?context=edit"),
			want: axRefused("rest_forbidden_context", 3, "200")},
		{name: "GET private item", method: "GET", path: axPath(pathP), want: axRefused("rest_forbidden", 3, "200")},
		{name: "POST author's item", method: "POST", path: axPath(pathA), body: axForm(url.Values{"caption": {"by form"}}),
			want: axRefused("rest_cannot_edit", 2, "200")},
		{name: "PUT author's item", method: "PUT", path: axPath(pathA), body: axJSON(`{"caption":"by put"}`),
			want: axRefused("rest_cannot_edit", 2, "200")},
		{name: "PATCH author's item", method: "PATCH", path: axPath(pathA), body: axJSON(`{"alt_text":"by patch"}`),
			want: axRefused("rest_cannot_edit", 2, "200")},
		{name: "POST editor's item", method: "POST", path: axPath(pathE), body: axForm(url.Values{"caption": {"x"}}),
			want: axRefused("rest_cannot_edit", 3, "200")},
		{name: "PATCH private item", method: "PATCH", path: axPath(pathP), body: axJSON(`{"caption":"x"}`),
			want: axRefused("rest_cannot_edit", 3, "200")},
		{name: "DELETE author's item without force", method: "DELETE", path: axPath(pathA),
			want: axRefused("rest_cannot_delete", 2, "501 rest_trash_not_supported")},
		{name: "DELETE a fresh item of the author", method: "DELETE",
			path: func(role int) string { return mediaPath(delA[role]) + "?force=true" },
			want: axRefused("rest_cannot_delete", 2, "200")},
		{name: "DELETE a fresh private item of the editor", method: "DELETE",
			path: func(role int) string { return mediaPath(delP[role]) + "?force=true" },
			want: axRefused("rest_cannot_delete", 3, "200")},
		{name: "OPTIONS author's item", method: "OPTIONS", path: axPath(pathA), want: axAll("200"),
			check: allow(readOnly, readOnly, readOnly, all, all, all)},
		{name: "OPTIONS editor's item", method: "OPTIONS", path: axPath(pathE), want: axAll("200"),
			check: allow(readOnly, readOnly, readOnly, readOnly, all, all)},
		{name: "POST post-process of author's item", method: "POST", path: axPath(pathA + "/post-process"),
			body: axForm(url.Values{"action": {"create-image-subsizes"}}), want: axRefused("rest_cannot_edit", 2, "200")},
		{name: "POST post-process of editor's item", method: "POST", path: axPath(pathE + "/post-process"),
			body: axForm(url.Values{"action": {"create-image-subsizes"}}), want: axRefused("rest_cannot_edit", 3, "200")},
		{name: "POST edit of author's item", method: "POST", path: axPath(pathA + "/edit"), body: editBody(itemA),
			want: axRefused("rest_cannot_edit_image", 2, "201")},
		// upload_files first (rest_cannot_edit_image), then edit_post (rest_cannot_edit).
		{name: "POST edit of editor's item", method: "POST", path: axPath(pathE + "/edit"), body: editBody(itemE),
			want: [axRoles]string{"401 rest_cannot_edit_image", "403 rest_cannot_edit_image", "403 rest_cannot_edit_image", "403 rest_cannot_edit", "201", "201"}},

		// File URLs. WordPress's web server serves every upload; Pixelmill
		// keeps private items' files from the public (README), and by
		// WordPress's read_post a private item is readable by its author
		// and by read_private_posts (editor, administrator) only.
		{name: "GET file of author's item", method: "GET", path: fileOf(itemA), want: axAll("200")},
		{name: "GET file of the private item, bare path", method: "GET", path: barePath(itemP),
			want: [axRoles]string{"404", "404", "404", "404", "200", "200"}},
		{name: "GET file of the private item, forged signature", method: "GET", path: tampered(itemP),
			want: [axRoles]string{"404", "404", "404", "404", "200", "200"}},
		// A signed URL is what a reader hands to a browser: it opens the file for anyone.
		{name: "GET file of the private item, signed URL", method: "GET", path: fileOf(itemP), want: axAll("200")},

		// Users.
		{name: "GET users", method: "GET", path: axPath("/wp-json/wp/v2/users?per_page=100"), want: axAll("200"),
			check: func(t *testing.T, role int, r wpResponse) {
				got := ids(t, r)
				if role == axAdmin {
					if len(got) < 6 {
						t.Errorf("administrator sees %d users", len(got))
					}
					return
				}
				// Without list_users WordPress lists only authors of published posts.
				if !slices.Equal(got, []int64{userID[axEditor]}) {
					t.Errorf("listed users %v, WordPress lists only %v (the only one with a published post)", got, []int64{userID[axEditor]})
				}
			}},
		{name: "GET users?context=edit", method: "GET", path: axPath("/wp-json/wp/v2/users?context=edit"),
			want: axRefused("rest_forbidden_context", 4, "200")},
		{name: "GET author's profile (no published posts)", method: "GET", path: axPath(authorUser),
			want: [axRoles]string{"401 rest_user_cannot_view", "403 rest_user_cannot_view", "403 rest_user_cannot_view", "200", "403 rest_user_cannot_view", "200"}},
		{name: "GET editor's profile (a published post)", method: "GET", path: axPath(editorUser), want: axAll("200")},
		{name: "GET author's profile context=edit", method: "GET", path: axPath(authorUser + "?context=edit"),
			want: [axRoles]string{"401 rest_user_cannot_view", "403 rest_user_cannot_view", "403 rest_user_cannot_view", "200", "403 rest_user_cannot_view", "200"}},
		{name: "GET users/me", method: "GET", path: axPath("/wp-json/wp/v2/users/me"),
			want: [axRoles]string{"401 rest_not_logged_in", "200", "200", "200", "200", "200"}},
		{name: "POST users", method: "POST", path: axPath("/wp-json/wp/v2/users"),
			body: func(role int) (io.Reader, map[string]string) {
				login := fmt.Sprintf("created-by-%d", role)
				return axForm(url.Values{"username": {login}, "email": {login + "@example.test"}, "password": {"pw-" + login}})(role)
			},
			want: axRefused("rest_cannot_create_user", 4, "201")},
		{name: "POST author's profile", method: "POST", path: axPath(authorUser), body: axForm(url.Values{"name": {"Renamed"}}),
			want: [axRoles]string{"401 rest_cannot_edit", "403 rest_cannot_edit", "403 rest_cannot_edit", "200", "403 rest_cannot_edit", "200"}},
		// roles needs promote_user before anything else: the author may
		// edit their own profile but not their role.
		{name: "POST author's roles", method: "POST", path: axPath(authorUser), body: axForm(url.Values{"roles": {"author"}}),
			want: axRefused("rest_cannot_edit_roles", 4, "200")},
		{name: "DELETE a user without force", method: "DELETE",
			path: func(role int) string {
				return fmt.Sprintf("/wp-json/wp/v2/users/%d?reassign=%d", victim[role], userID[axAdmin])
			},
			want: axRefused("rest_user_cannot_delete", 4, "501 rest_trash_not_supported")},
		{name: "DELETE a fresh user", method: "DELETE",
			path: func(role int) string {
				return fmt.Sprintf("/wp-json/wp/v2/users/%d?force=true&reassign=%d", victim[role], userID[axAdmin])
			},
			want: axRefused("rest_user_cannot_delete", 4, "200")},

		// Application passwords.
		{name: "GET users/me/application-passwords", method: "GET", path: axPath("/wp-json/wp/v2/users/me/application-passwords"),
			want: [axRoles]string{"401 rest_not_logged_in", "200", "200", "200", "200", "200"}},
		{name: "GET users/me/application-passwords/introspect", method: "GET", path: axPath("/wp-json/wp/v2/users/me/application-passwords/introspect"),
			want: [axRoles]string{"401 rest_not_logged_in", "200", "200", "200", "200", "200"}},
		{name: "GET author's application passwords", method: "GET", path: axPath(authorAPs),
			want: [axRoles]string{"401 rest_cannot_list_application_passwords", "403 rest_cannot_list_application_passwords", "403 rest_cannot_list_application_passwords", "200", "403 rest_cannot_list_application_passwords", "200"},
			check: func(t *testing.T, role int, r wpResponse) {
				if bytes.Contains(r.body, []byte(`"password"`)) {
					t.Errorf("the list shows passwords: %s", r.body)
				}
			}},
		{name: "POST author's application passwords", method: "POST", path: axPath(authorAPs), body: axForm(url.Values{"name": {"another"}}),
			want: [axRoles]string{"401 rest_cannot_create_application_passwords", "403 rest_cannot_create_application_passwords", "403 rest_cannot_create_application_passwords", "201", "403 rest_cannot_create_application_passwords", "201"}},
		{name: "GET one of author's application passwords", method: "GET", path: axPath(authorAPs + "/" + readAP),
			want: [axRoles]string{"401 rest_cannot_read_application_password", "403 rest_cannot_read_application_password", "403 rest_cannot_read_application_password", "200", "403 rest_cannot_read_application_password", "200"}},
		{name: "POST one of author's application passwords (rename)", method: "POST", path: axPath(authorAPs + "/" + readAP),
			body: axForm(url.Values{"name": {"renamed"}}),
			want: [axRoles]string{"401 rest_cannot_edit_application_password", "403 rest_cannot_edit_application_password", "403 rest_cannot_edit_application_password", "200", "403 rest_cannot_edit_application_password", "200"}},
		{name: "DELETE one of author's application passwords", method: "DELETE",
			path: func(role int) string { return authorAPs + "/" + authorAP[role] },
			want: [axRoles]string{"401 rest_cannot_delete_application_password", "403 rest_cannot_delete_application_password", "403 rest_cannot_delete_application_password", "200", "403 rest_cannot_delete_application_password", "200"}},
		{name: "DELETE all application passwords of another user", method: "DELETE",
			path: func(role int) string {
				return fmt.Sprintf("/wp-json/wp/v2/users/%d/application-passwords", apVictim[role])
			},
			want: axRefused("rest_cannot_delete_application_passwords", 4, "200")},
	}

	var matrix strings.Builder
	fmt.Fprintf(&matrix, "%-52s", "route \\ caller")
	for _, n := range axRoleNames {
		fmt.Fprintf(&matrix, " %-24.24s", n)
	}
	matrix.WriteString("\n")
	for _, row := range rows {
		fmt.Fprintf(&matrix, "%-52.52s", row.name)
		for role := range axRoles {
			cell := ""
			t.Run(row.name+"/"+axRoleNames[role], func(t *testing.T) {
				var body io.Reader
				var header map[string]string
				if row.body != nil {
					body, header = row.body(role)
				}
				r := hxDo(t, as[role], row.method, row.path(role), body, header)
				cell = fmt.Sprint(r.status)
				want := row.want[role]
				if !hxMatches(r, want) {
					cell += "≠" + want
					t.Errorf("%s %s as %s: got %d %s, WordPress answers %s: %.300s", row.method, row.path(role), axRoleNames[role], r.status, r.code(), want, r.body)
					return
				}
				if r.status < 300 && row.check != nil {
					row.check(t, role, r)
					if t.Failed() {
						cell += "*"
					}
				}
			})
			fmt.Fprintf(&matrix, " %-24.24s", cell)
		}
		matrix.WriteString("\n")
	}
	t.Logf("status per route and caller (≠ WordPress's answer, * right status but wrong content):\n%s", matrix.String())
}
