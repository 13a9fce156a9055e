package main

// TestWordPressCreateFields holds POST /wp/v2/media to WordPress for the
// fields it takes besides the file (spec §6.1): status, slug, date and
// date_gmt, author, comment_status, ping_status, template and meta, sent in
// the query string of a raw upload or as form parts of a multipart one
// (before the file part, and after it as wpapi sends them). It checks that
// they round-trip as WordPress stores them, that bad values get
// WordPress's errors and leave nothing in Postgres or MinIO, and that a
// private upload is never readable by someone who may not read it: not
// while the request is in flight, not while a worker processes it, not
// after, through any of the read routes.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

// wcItem is the part of a created attachment these tests read.
type wcItem struct {
	ID            int64           `json:"id"`
	Date          string          `json:"date"`
	DateGMT       string          `json:"date_gmt"`
	Slug          string          `json:"slug"`
	Status        string          `json:"status"`
	Author        int64           `json:"author"`
	CommentStatus string          `json:"comment_status"`
	PingStatus    string          `json:"ping_status"`
	Template      string          `json:"template"`
	Meta          json.RawMessage `json:"meta"`
	Title         struct {
		Raw string `json:"raw"`
	} `json:"title"`
	SourceURL        string `json:"source_url"`
	ProcessingStatus string `json:"processing_status"`
	MediaDetails     struct {
		File  string `json:"file"`
		Sizes map[string]struct {
			SourceURL string `json:"source_url"`
		} `json:"sizes"`
	} `json:"media_details"`
}

// wcError is a WordPress error body with its parameter failures.
type wcError struct {
	Code string `json:"code"`
	Data struct {
		Status  int                        `json:"status"`
		Params  map[string]string          `json:"params"`
		Details map[string]json.RawMessage `json:"details"`
	} `json:"data"`
}

// wcField is one field of a create request, in the order it is sent.
type wcField struct{ name, value string }

// wcMode is one way of sending a create request's fields.
type wcMode struct {
	name string
	// send uploads data as name with the fields.
	send func(t *testing.T, c wpClient, data []byte, name string, fields ...wcField) wpResponse
}

// wcSlow hands the body over in chunks with pauses, so a request stays in
// flight long enough for a watcher to look at the store meanwhile.
type wcSlow struct {
	data  []byte
	chunk int
	pause time.Duration
}

func (s *wcSlow) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(s.pause)
	n := copy(p[:min(len(p), s.chunk)], s.data)
	s.data = s.data[n:]
	return n, nil
}

func wcBody(data []byte, slow bool) io.Reader {
	if slow {
		return &wcSlow{data: data, chunk: len(data)/8 + 1, pause: 60 * time.Millisecond}
	}
	return bytes.NewReader(data)
}

// wcModes are raw (fields in the query), multipart with the fields before
// the file part, and multipart with them after it. slow sends the body
// slowly.
func wcModes(slow bool) []wcMode {
	multipartMode := func(after bool) func(t *testing.T, c wpClient, data []byte, name string, fields ...wcField) wpResponse {
		return func(t *testing.T, c wpClient, data []byte, name string, fields ...wcField) wpResponse {
			t.Helper()
			var parts []hxPart
			for _, f := range fields {
				parts = append(parts, hxPart{field: f.name, data: []byte(f.value)})
			}
			file := hxPart{field: "file", filename: name, contentType: "image/jpeg", data: data}
			if after {
				parts = append([]hxPart{file}, parts...)
			} else {
				parts = append(parts, file)
			}
			body, ct := hxMultipartBody(parts...)
			return hxDo(t, c, "POST", hxMedia, wcBody(body, slow), map[string]string{"Content-Type": ct})
		}
	}
	return []wcMode{
		{"raw", func(t *testing.T, c wpClient, data []byte, name string, fields ...wcField) wpResponse {
			t.Helper()
			var q []string
			for _, f := range fields {
				q = append(q, url.QueryEscape(f.name)+"="+url.QueryEscape(f.value))
			}
			return hxDo(t, c, "POST", hxMedia+"?"+strings.Join(q, "&"), wcBody(data, slow),
				map[string]string{"Content-Type": "image/jpeg", "Content-Disposition": `attachment; filename="` + name + `"`})
		}},
		{"multipart", multipartMode(false)},
		{"multipart, fields after the file", multipartMode(true)},
	}
}

// as is c calling from test t.
func as(t *testing.T, c wpClient) wpClient {
	c.t = t
	return c
}

// wcStored counts what the stack stores: media rows in Postgres and
// objects in MinIO.
func wcStored(t *testing.T, s *stack) (rows, objects int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := postgrestest.Open(t, s.dbURL)
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM media`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	store := s.objects(t)
	list, err := store.ListInfo(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	return rows, len(list)
}

func TestWordPressCreateFields(t *testing.T) {
	dir := testdataDir(t)
	// Paris, so that date (local) and date_gmt (UTC) differ.
	s := startStackEnv(t, 1, map[string]string{"PIXELMILL_SITE_TIMEZONE": "Europe/Paris"})
	admin := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
	anon := wpClient{t: t, base: s.base}
	editor, editorID := wpUser(t, admin, "wc-editor", "editor")
	author, authorID := wpUser(t, admin, "wc-author", "author")
	other, _ := wpUser(t, admin, "wc-other", "author")
	data, err := os.ReadFile(filepath.Join(dir, "photo-640x480.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	modes := wcModes(false)
	created := func(t *testing.T, r wpResponse) wcItem {
		t.Helper()
		if r.status != 201 {
			t.Fatalf("got %d, want 201: %s", r.status, r.body)
		}
		var it wcItem
		r.json(t, &it)
		return it
	}
	get := func(t *testing.T, c wpClient, id int64) wcItem {
		t.Helper()
		r := hxDo(t, c, "GET", fmt.Sprintf("%s/%d?context=edit", hxMedia, id), nil, nil)
		if r.status != 200 {
			t.Fatalf("GET %d: %d %s", id, r.status, r.body)
		}
		var it wcItem
		r.json(t, &it)
		return it
	}

	// First, on an empty store: every refusal leaves nothing behind.
	t.Run("a refused field stores nothing", func(t *testing.T) {
		type refusal struct {
			name    string
			c       wpClient
			fields  []wcField
			status  int
			code    string
			param   string // the parameter data.params names, for a 400 rest_invalid_param
			detail  string // its details code; "" for none
			rawOnly bool   // anonymous: a body is not read before the user may upload
		}
		cases := []refusal{
			{name: "status inherit", c: author, fields: []wcField{{"status", "inherit"}}, status: 400, code: "rest_invalid_param", param: "status", detail: "rest_not_in_enum"},
			{name: "status trash", c: author, fields: []wcField{{"status", "trash"}}, status: 400, code: "rest_invalid_param", param: "status", detail: "rest_not_in_enum"},
			{name: "status bogus", c: editor, fields: []wcField{{"title", "ok"}, {"status", "bogus"}}, status: 400, code: "rest_invalid_param", param: "status", detail: "rest_not_in_enum"},
			{name: "date", c: author, fields: []wcField{{"date", "yesterday"}}, status: 400, code: "rest_invalid_param", param: "date", detail: "rest_invalid_date"},
			{name: "date without time", c: author, fields: []wcField{{"date_gmt", "2017-02-14"}}, status: 400, code: "rest_invalid_param", param: "date_gmt", detail: "rest_invalid_date"},
			{name: "empty date", c: author, fields: []wcField{{"date", ""}}, status: 400, code: "rest_invalid_param", param: "date", detail: "rest_invalid_date"},
			{name: "comment_status", c: author, fields: []wcField{{"comment_status", "maybe"}}, status: 400, code: "rest_invalid_param", param: "comment_status", detail: "rest_not_in_enum"},
			{name: "ping_status", c: author, fields: []wcField{{"ping_status", "OPEN"}}, status: 400, code: "rest_invalid_param", param: "ping_status", detail: "rest_not_in_enum"},
			{name: "template", c: editor, fields: []wcField{{"template", "full-width.php"}}, status: 400, code: "rest_invalid_param", param: "template", detail: "rest_invalid_param"},
			{name: "meta not an object", c: author, fields: []wcField{{"meta", "x"}}, status: 400, code: "rest_invalid_param", param: "meta"},
			{name: "slug array", c: author, fields: []wcField{{"slug[]", "a"}}, status: 400, code: "rest_invalid_param", param: "slug", detail: "rest_invalid_type"},
			{name: "author not a number", c: editor, fields: []wcField{{"author", "abc"}}, status: 400, code: "rest_invalid_param", param: "author", detail: "rest_invalid_type"},
			{name: "an author for another", c: author, fields: []wcField{{"author", fmt.Sprint(editorID)}}, status: 403, code: "rest_cannot_edit_others"},
			{name: "an author for another, private", c: author, fields: []wcField{{"status", "private"}, {"author", fmt.Sprint(editorID)}}, status: 403, code: "rest_cannot_edit_others"},
			{name: "no such author", c: editor, fields: []wcField{{"author", "999999"}}, status: 400, code: "rest_invalid_author"},
			{name: "featured media", c: editor, fields: []wcField{{"featured_media", "5"}}, status: 400, code: "rest_no_featured_media"},
			{name: "an existing post", c: editor, fields: []wcField{{"id", "5"}}, status: 400, code: "rest_post_exists"},
			{name: "anonymous, invalid", c: anon, fields: []wcField{{"status", "bogus"}}, status: 400, code: "rest_invalid_param", param: "status", detail: "rest_not_in_enum", rawOnly: true},
			{name: "anonymous, an author", c: anon, fields: []wcField{{"author", fmt.Sprint(authorID)}}, status: 401, code: "rest_cannot_edit_others", rawOnly: true},
			{name: "anonymous, private", c: anon, fields: []wcField{{"status", "private"}}, status: 401, code: "rest_cannot_create", rawOnly: true},
		}
		for _, m := range modes {
			for _, tc := range cases {
				if tc.rawOnly && m.name != "raw" {
					continue
				}
				t.Run(m.name+"/"+tc.name, func(t *testing.T) {
					r := m.send(t, as(t, tc.c), data, "refused.jpg", tc.fields...)
					var e wcError
					_ = json.Unmarshal(r.body, &e)
					if r.status != tc.status || e.Code != tc.code || e.Data.Status != tc.status {
						t.Fatalf("got %d %s, want %d %s: %s", r.status, e.Code, tc.status, tc.code, r.body)
					}
					if tc.param != "" {
						if _, ok := e.Data.Params[tc.param]; !ok || len(e.Data.Params) != 1 {
							t.Errorf("params %v, want %s", e.Data.Params, tc.param)
						}
						var d struct{ Code string }
						if raw, ok := e.Data.Details[tc.param]; tc.detail == "" && ok || tc.detail != "" && (json.Unmarshal(raw, &d) != nil || d.Code != tc.detail) {
							t.Errorf("details %s, want code %q", r.body, tc.detail)
						}
					}
					if rows, objects := wcStored(t, s); rows != 0 || objects != 0 {
						t.Errorf("%d media rows and %d objects left behind", rows, objects)
					}
				})
			}
		}
		r := modes[0].send(t, as(t, author), data, "refused.jpg", wcField{"template", "x"})
		var e wcError
		r.json(t, &e)
		if e.Data.Params["template"] != "template is not one of ." || !strings.Contains(string(r.body), `"message":"Invalid parameter(s): template"`) {
			t.Errorf("template message: %s", r.body)
		}
		r = modes[0].send(t, as(t, author), data, "refused.jpg", wcField{"meta", "x"})
		if !strings.Contains(string(r.body), `"params":{"meta":"Invalid parameter."}`) || !strings.Contains(string(r.body), `"details":[]`) {
			t.Errorf("meta: %s", r.body)
		}
		hxCheckConsistency(t, s)
	})

	t.Run("each field round-trips", func(t *testing.T) {
		for i, m := range modes {
			t.Run(m.name, func(t *testing.T) {
				slug := fmt.Sprintf("Custom Slug/Ünïcode %d", i)
				want := fmt.Sprintf("custom-slug-unicode-%d", i)
				it := created(t, m.send(t, as(t, author), data, fmt.Sprintf("fields-%d.jpg", i),
					wcField{"title", "Field test"}, wcField{"slug", slug}, wcField{"status", "draft"},
					wcField{"date", "2017-02-14T10:00:00"}, wcField{"comment_status", "closed"}, wcField{"ping_status", "open"},
					wcField{"template", ""}, wcField{"meta[foo]", "bar"}, wcField{"alt_text", "Alt"}))
				check := func(where string, it wcItem) {
					t.Helper()
					if it.Slug != want || it.Status != "inherit" || it.Date != "2017-02-14T10:00:00" || it.DateGMT != "2017-02-14T09:00:00" ||
						it.Author != authorID || it.CommentStatus != "closed" || it.PingStatus != "open" || it.Template != "" ||
						string(it.Meta) != "[]" || it.Title.Raw != "Field test" {
						t.Errorf("%s: %+v", where, it)
					}
				}
				check("201", it)
				check("GET", get(t, as(t, admin), it.ID))
				// The date is the item's for queries too.
				if got := ids(t, as(t, admin).do("GET", hxMedia+"?before=2017-02-15T00:00:00&after=2017-02-14T00:00:00&per_page=100", nil, nil)); !slices.Contains(got, it.ID) {
					t.Errorf("before/after 2017-02-14: %v lacks %d", got, it.ID)
				}
				// The same slug again, a reserved one, one that sanitizes to
				// nothing.
				again := created(t, m.send(t, as(t, author), data, "again.jpg", wcField{"slug", slug}))
				feed := created(t, m.send(t, as(t, author), data, "feed.jpg", wcField{"slug", "feed"}))
				none := created(t, m.send(t, as(t, author), data, "none.jpg", wcField{"title", fmt.Sprintf("Fallback %d", i)}, wcField{"slug", "!!!"}))
				if again.Slug != want+"-2" || !strings.HasPrefix(feed.Slug, "feed-") || none.Slug != fmt.Sprintf("fallback-%d", i) {
					t.Errorf("slugs %q %q %q", again.Slug, feed.Slug, none.Slug)
				}
				// Defaults when nothing is sent; a future date stays as it
				// is, and a future status is inherit.
				plain := created(t, m.send(t, as(t, author), data, "plain.jpg"))
				future := created(t, m.send(t, as(t, author), data, "future.jpg", wcField{"status", "future"}, wcField{"date", "2030-01-01T00:00:00"}))
				if plain.Status != "inherit" || plain.CommentStatus != "open" || plain.PingStatus != "closed" || plain.Author != authorID ||
					!strings.HasPrefix(plain.Date, fmt.Sprint(time.Now().Year())) {
					t.Errorf("defaults %+v", plain)
				}
				if future.Status != "inherit" || future.Date != "2030-01-01T00:00:00" || future.DateGMT != "2029-12-31T23:00:00" {
					t.Errorf("future %+v", future)
				}
			})
		}
	})

	t.Run("date and date_gmt", func(t *testing.T) {
		for _, tc := range []struct {
			fields    []wcField
			date, gmt string
		}{
			{[]wcField{{"date_gmt", "2017-02-14T10:00:00"}}, "2017-02-14T11:00:00", "2017-02-14T10:00:00"},
			{[]wcField{{"date_gmt", "2017-02-14T10:00:00+02:00"}}, "2017-02-14T09:00:00", "2017-02-14T08:00:00"},
			{[]wcField{{"date", "2017-07-01T12:00:00"}}, "2017-07-01T12:00:00", "2017-07-01T10:00:00"},
			{[]wcField{{"date", "2017-07-01T12:00:00Z"}}, "2017-07-01T14:00:00", "2017-07-01T12:00:00"},
			{[]wcField{{"date", "2017-02-14 10:00:00"}, {"date_gmt", "2000-01-01T00:00:00"}}, "2017-02-14T10:00:00", "2017-02-14T09:00:00"},
			{[]wcField{{"date", "2017-02-30T10:00:00.5"}}, "2017-03-02T10:00:00", "2017-03-02T09:00:00"},
		} {
			for _, m := range modes {
				it := created(t, m.send(t, as(t, editor), data, "dated.jpg", tc.fields...))
				if it.Date != tc.date || it.DateGMT != tc.gmt {
					t.Errorf("%s %v: date %s date_gmt %s, want %s %s", m.name, tc.fields, it.Date, it.DateGMT, tc.date, tc.gmt)
				}
			}
		}
	})

	t.Run("author", func(t *testing.T) {
		for _, m := range modes {
			// An editor uploads on behalf of an author: the item is the
			// author's, who may then edit it.
			it := created(t, m.send(t, as(t, editor), data, "behalf.jpg", wcField{"author", fmt.Sprint(authorID)}))
			if it.Author != authorID {
				t.Errorf("%s: author %d, want %d", m.name, it.Author, authorID)
			}
			expect(t, as(t, author).form("POST", fmt.Sprintf("%s/%d", hxMedia, it.ID), url.Values{"caption": {"mine now"}}), 200, "")
			expect(t, as(t, other).form("POST", fmt.Sprintf("%s/%d", hxMedia, it.ID), url.Values{"caption": {"not mine"}}), 403, "rest_cannot_edit")
			// Oneself, or 0, is the uploader.
			if it := created(t, m.send(t, as(t, author), data, "self.jpg", wcField{"author", fmt.Sprint(authorID)})); it.Author != authorID {
				t.Errorf("%s: self %d", m.name, it.Author)
			}
			if it := created(t, m.send(t, as(t, editor), data, "zero.jpg", wcField{"author", "0"})); it.Author != editorID {
				t.Errorf("%s: author=0 %d", m.name, it.Author)
			}
		}
	})

	t.Run("a private upload is never readable without rights", func(t *testing.T) {
		for i, m := range wcModes(true) {
			t.Run(m.name, func(t *testing.T) {
				wcPrivateUpload(t, s, m, data, i, author, other, admin, anon)
			})
		}
	})

	t.Run("update applies the same rules", func(t *testing.T) {
		it := created(t, modes[0].send(t, as(t, author), data, "upd.jpg"))
		path := fmt.Sprintf("%s/%d", hxMedia, it.ID)
		c := as(t, author)
		expect(t, c.form("POST", path, url.Values{"template": {"full-width.php"}}), 400, "rest_invalid_param")
		expect(t, c.form("POST", path, url.Values{"meta": {"x"}}), 400, "rest_invalid_param")
		expect(t, c.form("POST", path, url.Values{"author": {fmt.Sprint(editorID)}}), 403, "rest_cannot_edit_others")
		expect(t, as(t, editor).form("POST", path, url.Values{"author": {"999999"}}), 400, "rest_invalid_author")
		r := c.form("POST", path, url.Values{"meta[foo]": {"bar"}, "template": {""}, "slug": {"feed"}, "status": {"private"},
			"date": {"2017-02-14T10:00:00"}, "date_gmt": {"2000-01-01T00:00:00"}, "comment_status": {"closed"}})
		expect(t, r, 200, "")
		var u wcItem
		r.json(t, &u)
		if u.Status != "private" || !strings.HasPrefix(u.Slug, "feed-") || u.Date != "2017-02-14T10:00:00" || u.CommentStatus != "closed" || string(u.Meta) != "[]" {
			t.Errorf("update %+v", u)
		}
		expect(t, anon.do("GET", path, nil, nil), 401, "rest_forbidden")
		r = c.do("PATCH", path, strings.NewReader(`{"date":null,"slug":"!!!"}`), map[string]string{"Content-Type": "application/json"})
		expect(t, r, 200, "")
		r.json(t, &u)
		if !strings.HasPrefix(u.Date, fmt.Sprint(time.Now().Year())) || u.Slug != "upd" {
			t.Errorf("null date, empty slug: %s %s", u.Date, u.Slug)
		}
	})
}

// wcProbe is one anonymous read that must find nothing of a private item.
type wcProbe struct {
	path   string
	leaked func(r wpResponse) bool
}

// wcWatcher runs probes over and over, anonymously, until stopped, and
// records every answer that showed what it must not.
type wcWatcher struct {
	t      *testing.T
	anon   wpClient
	mu     sync.Mutex
	probes []wcProbe
	leaks  []string
	rounds int
	stop   chan struct{}
	done   chan struct{}
}

func wcWatch(t *testing.T, anon wpClient, probes ...wcProbe) *wcWatcher {
	w := &wcWatcher{t: t, anon: anon, probes: probes, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			select {
			case <-w.stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			w.mu.Lock()
			probes := slices.Clone(w.probes)
			w.mu.Unlock()
			for _, p := range probes {
				r := hxDo(w.t, w.anon, "GET", p.path, nil, nil)
				if r.status != 0 && p.leaked(r) {
					w.mu.Lock()
					w.leaks = append(w.leaks, fmt.Sprintf("GET %s: %d %.300s", p.path, r.status, r.body))
					w.mu.Unlock()
				}
			}
			w.mu.Lock()
			w.rounds++
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *wcWatcher) add(p ...wcProbe) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.probes = append(w.probes, p...)
}

func (w *wcWatcher) roundsSoFar() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rounds
}

// finish stops the watcher after one more whole round and returns the
// rounds run and the leaks seen.
func (w *wcWatcher) finish() (int, []string) {
	target := w.roundsSoFar() + 2
	for w.roundsSoFar() < target {
		time.Sleep(20 * time.Millisecond)
	}
	close(w.stop)
	<-w.done
	return w.rounds, w.leaks
}

// ok200 reports a read that found something.
func ok200(r wpResponse) bool { return r.status == 200 }

// wcPrivateUpload uploads a private item by the author in mode m while an
// anonymous watcher reads every route that could show it, from before the
// request until after a worker finished it; then checks who may read it.
func wcPrivateUpload(t *testing.T, s *stack, m wcMode, data []byte, i int, author, other, admin, anon wpClient) {
	// A public twin first: each probe must see it, or its silence about
	// the private item would prove nothing.
	publicTitle := fmt.Sprintf("Public twin %d", i)
	pubName := fmt.Sprintf("public-twin-%d", i)
	r := m.send(t, as(t, author), data, pubName+".jpg", wcField{"title", publicTitle})
	expect(t, r, 201, "")
	var pub wcItem
	r.json(t, &pub)
	s.waitDone(t, pub.ID)
	dir := strings.TrimSuffix(pub.MediaDetails.File, "/"+pubName+".jpg")
	pubKey := s.mediaKey(t, pub.ID)
	for _, p := range []string{
		fmt.Sprintf("%s/%d", hxMedia, pub.ID), "/wp-content/uploads/" + pub.MediaDetails.File, "/media/" + pub.MediaDetails.File,
		deliveryBase + "/item/" + pubKey, deliveryBase + "/item/" + url.PathEscape(strings.ToLower(publicTitle)),
	} {
		expect(t, hxDo(t, as(t, anon), "GET", p, nil, nil), 200, "")
	}
	if r := hxDo(t, as(t, anon), "GET", deliveryBase+"?fetch=children:/&take=100", nil, nil); !strings.Contains(string(r.body), publicTitle) {
		t.Fatalf("the public twin is not delivered: %d %.300s", r.status, r.body)
	}
	// What anonymous sees before: the private item must add nothing.
	before := ids(t, as(t, anon).do("GET", hxMedia+"?per_page=100", nil, nil))
	if !slices.Contains(before, pub.ID) {
		t.Fatalf("public twin %d not listed: %v", pub.ID, before)
	}
	var lastID int64
	if err := postgrestest.Open(t, s.dbURL).Pool.QueryRow(context.Background(), `SELECT coalesce(max(id), 0) FROM media`).Scan(&lastID); err != nil {
		t.Fatal(err)
	}

	title := fmt.Sprintf("Secret %d", i)
	name := fmt.Sprintf("secret-%d", i)
	listed := func(r wpResponse) bool {
		var items []struct {
			ID int64 `json:"id"`
		}
		_ = json.Unmarshal(r.body, &items)
		for _, it := range items {
			if !slices.Contains(before, it.ID) {
				return true
			}
		}
		return false
	}
	mentions := func(s string) func(wpResponse) bool {
		return func(r wpResponse) bool { return strings.Contains(strings.ToLower(string(r.body)), strings.ToLower(s)) }
	}
	probes := []wcProbe{
		{hxMedia + "?per_page=100", listed},
		{hxMedia + "?per_page=100&search=secret", listed},
		{deliveryBase + "?fetch=children:/&take=100", mentions(title)},
		{deliveryBase + "/item/" + url.PathEscape(strings.ToLower(title)), ok200},
	}
	// Its id and file path are known before it exists: the next ids, and
	// its name in this month's folder (or the next, at a month's end).
	for n := lastID + 1; n <= lastID+3; n++ {
		probes = append(probes, wcProbe{fmt.Sprintf("%s/%d", hxMedia, n), ok200}, wcProbe{fmt.Sprintf("%s/%d?_fields=id,title", hxMedia, n), ok200})
	}
	for _, d := range []string{dir, time.Now().UTC().Add(time.Hour).Format("2006/01")} {
		file := d + "/" + name + ".jpg"
		probes = append(probes, wcProbe{"/wp-content/uploads/" + file, ok200}, wcProbe{"/media/" + file, ok200},
			wcProbe{"/media/" + file + "?width=100", ok200})
	}
	w := wcWatch(t, as(t, anon), probes...)
	start := w.roundsSoFar()
	r = m.send(t, as(t, author), data, name+".jpg", wcField{"title", title}, wcField{"status", "private"})
	inFlight := w.roundsSoFar() - start
	expect(t, r, 201, "")
	var it wcItem
	r.json(t, &it)
	if it.Status != "private" || it.ID <= lastID || it.ID > lastID+3 || it.MediaDetails.File != dir+"/"+name+".jpg" {
		t.Errorf("created %+v (last id %d)", it, lastID)
	}
	key := s.mediaKey(t, it.ID)
	plain, _, _ := strings.Cut(it.SourceURL, "?")
	w.add(
		wcProbe{fmt.Sprintf("%s/%d?context=embed", hxMedia, it.ID), ok200},
		wcProbe{fmt.Sprintf("%s?include=%d", hxMedia, it.ID), listed},
		wcProbe{strings.TrimPrefix(plain, s.base), ok200},
		wcProbe{deliveryBase + "/item/" + key, ok200},
		wcProbe{deliveryBase + "/items?id=" + key, mentions(key)},
	)
	processing := w.roundsSoFar()
	done := s.waitDone(t, it.ID)
	processing = w.roundsSoFar() - processing
	// Its sizes once a worker made them, at their plain URLs.
	var ready wcItem
	as(t, admin).do("GET", fmt.Sprintf("%s/%d?context=edit", hxMedia, it.ID), nil, nil).json(t, &ready)
	var signed string
	for _, sz := range ready.MediaDetails.Sizes {
		p, _, _ := strings.Cut(sz.SourceURL, "?")
		w.add(wcProbe{strings.TrimPrefix(p, s.base), ok200}, wcProbe{"/media/" + strings.TrimPrefix(p, s.base+"/wp-content/uploads/"), ok200})
		signed = sz.SourceURL
	}
	rounds, leaks := w.finish()
	t.Logf("%d anonymous rounds of %d reads: %d while the upload was in flight, %d while it was processing (%s)",
		rounds, len(probes)+5, inFlight, processing, done.ProcessingStatus)
	for _, l := range leaks {
		t.Errorf("private item %d shown: %s", it.ID, l)
	}
	if rounds < 3 || len(ready.MediaDetails.Sizes) == 0 {
		t.Errorf("%d rounds, %d sizes: the watch proved little", rounds, len(ready.MediaDetails.Sizes))
	}
	// It was written private: the row says so, not a later update.
	var vis string
	if err := postgrestest.Open(t, s.dbURL).Pool.QueryRow(context.Background(),
		`SELECT visibility FROM media WHERE id = $1`, it.ID).Scan(&vis); err != nil || vis != "private" {
		t.Errorf("row visibility %q: %v", vis, err)
	}
	// Who may read it: its author, editors and admins, and anyone with
	// the signed URL they are given; not another author, not anonymous.
	path := fmt.Sprintf("%s/%d", hxMedia, it.ID)
	expect(t, as(t, author).do("GET", path, nil, nil), 200, "")
	expect(t, as(t, admin).do("GET", path, nil, nil), 200, "")
	expect(t, as(t, other).do("GET", path, nil, nil), 403, "rest_forbidden")
	expect(t, as(t, anon).do("GET", path, nil, nil), 401, "rest_forbidden")
	if !strings.Contains(signed, "signature=") {
		t.Fatalf("size URL of a private item is not signed: %s", signed)
	}
	expect(t, hxDo(t, as(t, anon), "GET", strings.TrimPrefix(signed, s.base), nil, nil), 200, "")
	if got := ids(t, as(t, admin).do("GET", hxMedia+"?status=private&per_page=100", nil, nil)); !slices.Contains(got, it.ID) {
		t.Errorf("admin status=private: %v lacks %d", got, it.ID)
	}
}
