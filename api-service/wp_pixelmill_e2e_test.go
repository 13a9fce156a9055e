package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// pxAttachment is an attachment's edit context with Pixelmill's field.
type pxAttachment struct {
	ID               int64  `json:"id"`
	ProcessingStatus string `json:"processing_status"`
	Pixelmill        struct {
		Key      string `json:"key"`
		MediaURL string `json:"media_url"`
		Focal    *struct {
			Left float64 `json:"left"`
			Top  float64 `json:"top"`
		} `json:"focal_point"`
		Crops []struct {
			Alias     string `json:"alias"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
			SourceURL string `json:"source_url"`
		} `json:"crops"`
	} `json:"pixelmill"`
}

// TestWordPressPixelmillAdditions covers what the media library needs of
// the WordPress dialect beyond WordPress, on a live stack: the event
// stream (only the items a user may read), focal points with crops cut
// again, the processing-status and folder filters, API keys of the shared
// library as Bearer tokens, and the attachment page.
func TestWordPressPixelmillAdditions(t *testing.T) {
	s := startStack(t, 1)
	admin := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
	anon := wpClient{t: t, base: s.base}
	jsonBody := func(v any) (io.Reader, map[string]string) {
		b, _ := json.Marshal(v)
		return bytes.NewReader(b), map[string]string{"Content-Type": "application/json"}
	}
	get := func(c wpClient, id int64) pxAttachment {
		var a pxAttachment
		r := c.do("GET", fmt.Sprintf("/wp-json/wp/v2/media/%d?context=edit", id), nil, nil)
		expect(t, r, 200, "")
		r.json(t, &a)
		return a
	}

	// An author, who may not read the administrator's private items.
	expect(t, admin.form("POST", "/wp-json/wp/v2/users", url.Values{"username": {"writer"}, "email": {"writer@example.com"},
		"password": {"writer-pass-1"}, "roles": {"author"}}), 201, "")
	author := wpClient{t: t, base: s.base, login: "writer", pass: "writer-pass-1"}

	t.Run("events", func(t *testing.T) {
		expect(t, anon.do("GET", "/wp-json/pixelmill/v1/events", nil, nil), 401, "rest_not_logged_in")
		basic := func(login, pass string) map[string]string {
			req, _ := http.NewRequest("GET", "/", nil)
			req.SetBasicAuth(login, pass)
			return map[string]string{"Authorization": req.Header.Get("Authorization")}
		}
		adminStream := openSSE(t, s.base+"/wp-json/pixelmill/v1/events", basic("admin", adminPassword), nil)
		authorStream := openSSE(t, s.base+"/wp-json/pixelmill/v1/events", basic("writer", "writer-pass-1"), nil)
		public, _ := s.uploadRaw(t, filepath.Join(testdataDir(t), "photo-640x480.jpg"), "events-public.jpg")
		private := admin.raw("/wp-json/wp/v2/media?status=private", filepath.Join(testdataDir(t), "photo-640x480.jpg"), "events-private.jpg", nil)
		expect(t, private, 201, "")
		var priv attachment
		private.json(t, &priv)
		type wpEvent struct {
			ID     int64  `json:"id"`
			Status string `json:"processing_status"`
		}
		for _, id := range []int64{public.ID, priv.ID} {
			ev := adminStream.next(t, 60*time.Second, func(e sseEvent) bool {
				var d wpEvent
				return json.Unmarshal(e.Raw, &d) == nil && d.ID == id
			})
			var d wpEvent
			_ = json.Unmarshal(ev.Raw, &d)
			if ev.Event != "media.ready" || d.Status != "ready" || ev.ID == "" {
				t.Errorf("admin's event for %d: %+v", id, ev)
			}
		}
		authorStream.next(t, 10*time.Second, func(e sseEvent) bool {
			var d wpEvent
			return json.Unmarshal(e.Raw, &d) == nil && d.ID == public.ID
		})
		for _, e := range authorStream.all() {
			var d wpEvent
			if json.Unmarshal(e.Raw, &d) == nil && d.ID == priv.ID {
				t.Errorf("the author was told of the administrator's private item: %+v", e)
			}
		}
	})

	a, _ := s.uploadRaw(t, filepath.Join(testdataDir(t), "photo-1800x1200.jpg"), "focal.jpg")
	s.waitDone(t, a.ID)

	t.Run("focal point and crops", func(t *testing.T) {
		before := get(admin, a.ID)
		if before.Pixelmill.Key == "" || before.Pixelmill.Focal != nil || len(before.Pixelmill.Crops) != 2 ||
			!strings.HasSuffix(before.Pixelmill.MediaURL, "/focal.jpg") {
			t.Fatalf("pixelmill field before: %+v", before.Pixelmill)
		}
		for _, bad := range []any{map[string]any{"left": 1.5, "top": 0.5}, map[string]any{"left": "x", "top": 0.5}, "middle"} {
			body, h := jsonBody(map[string]any{"pixelmill": map[string]any{"focal_point": bad}})
			expect(t, admin.do("POST", fmt.Sprintf("/wp-json/wp/v2/media/%d", a.ID), body, h), 400, "rest_invalid_param")
		}
		body, h := jsonBody(map[string]any{"pixelmill": "x"})
		expect(t, admin.do("POST", fmt.Sprintf("/wp-json/wp/v2/media/%d", a.ID), body, h), 400, "rest_invalid_param")
		body, h = jsonBody(map[string]any{"pixelmill": map[string]any{"focal_point": map[string]any{"left": 0.1, "top": 0.4}}})
		expect(t, author.do("POST", fmt.Sprintf("/wp-json/wp/v2/media/%d", a.ID), body, h), 403, "rest_cannot_edit")
		body, h = jsonBody(map[string]any{"pixelmill": map[string]any{"focal_point": map[string]any{"left": 0.1, "top": 0.4}}})
		r := admin.do("POST", fmt.Sprintf("/wp-json/wp/v2/media/%d?context=edit", a.ID), body, h)
		expect(t, r, 200, "")
		var set pxAttachment
		r.json(t, &set)
		if set.Pixelmill.Focal == nil || set.Pixelmill.Focal.Left != 0.1 || set.Pixelmill.Focal.Top != 0.4 || set.ProcessingStatus != "processing" {
			t.Fatalf("after setting the focal point: %s %+v", set.ProcessingStatus, set.Pixelmill.Focal)
		}
		s.waitDone(t, a.ID)
		after := get(admin, a.ID)
		for i, c := range after.Pixelmill.Crops {
			resp, err := http.Get(c.SourceURL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
				t.Errorf("crop %s at %s: %d %s", c.Alias, c.SourceURL, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if c.Width != before.Pixelmill.Crops[i].Width || c.Alias != before.Pixelmill.Crops[i].Alias {
				t.Errorf("crop %d changed shape: %+v → %+v", i, before.Pixelmill.Crops[i], c)
			}
		}
		// null clears it.
		body, h = jsonBody(map[string]any{"pixelmill": map[string]any{"focal_point": nil}})
		expect(t, admin.do("POST", fmt.Sprintf("/wp-json/wp/v2/media/%d", a.ID), body, h), 200, "")
		if got := get(admin, a.ID); got.Pixelmill.Focal != nil {
			t.Errorf("focal point after clearing: %+v", got.Pixelmill.Focal)
		}
		s.waitDone(t, a.ID)
	})

	t.Run("processing status filter", func(t *testing.T) {
		ids := func(q string) []int64 {
			var items []attachment
			r := admin.do("GET", "/wp-json/wp/v2/media?per_page=100&"+q, nil, nil)
			expect(t, r, 200, "")
			r.json(t, &items)
			var out []int64
			for _, it := range items {
				out = append(out, it.ID)
			}
			return out
		}
		if got := ids("processing_status=ready"); !contains(got, a.ID) {
			t.Errorf("processing_status=ready: %v, want %d in it", got, a.ID)
		}
		if got := ids("processing_status=failed,processing"); contains(got, a.ID) {
			t.Errorf("processing_status=failed,processing lists the ready %d", a.ID)
		}
		expect(t, admin.do("GET", "/wp-json/wp/v2/media?processing_status=done", nil, nil), 400, "rest_invalid_param")
	})

	// The shared library's keys.
	writeKey := newAPIKey(t, s.base, map[string]any{"name": "library rw", "scopes": []string{"umbraco:read", "umbraco:write"}})
	readKey := newAPIKey(t, s.base, map[string]any{"name": "library ro", "scopes": []string{"umbraco:read"}})
	v1Key := newAPIKey(t, s.base, map[string]any{"name": "own library"})
	bearer := func(key string) map[string]string { return map[string]string{"Authorization": "Bearer " + key} }

	t.Run("folders", func(t *testing.T) {
		hc := hcClient{t: t, base: s.base, key: writeKey.key}
		trips := hc.item(hc.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "Trips"}), 201)
		rome := hc.item(hc.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "Rome", "parentId": trips["_id"]}), 201)
		moved, _ := s.uploadRaw(t, filepath.Join(testdataDir(t), "photo-640x480.jpg"), "in-rome.jpg")
		s.waitDone(t, moved.ID)
		hc.item(hc.send("PUT", "/media/"+get(admin, moved.ID).Pixelmill.Key, map[string]any{"parentId": rome["_id"]}), 200)

		var folders []struct {
			Key    string  `json:"key"`
			Name   string  `json:"name"`
			Parent *string `json:"parent"`
		}
		r := admin.do("GET", "/wp-json/pixelmill/v1/folders", nil, nil)
		expect(t, r, 200, "")
		r.json(t, &folders)
		if len(folders) != 2 || folders[0].Name != "Trips" || folders[0].Parent != nil ||
			folders[1].Name != "Rome" || folders[1].Parent == nil || *folders[1].Parent != trips["_id"] {
			t.Fatalf("folders: %+v", folders)
		}
		expect(t, anon.do("GET", "/wp-json/pixelmill/v1/folders", nil, nil), 401, "rest_forbidden")
		var inRome, atTop []attachment
		r = admin.do("GET", "/wp-json/wp/v2/media?pixelmill_folder="+rome["_id"].(string), nil, nil)
		expect(t, r, 200, "")
		r.json(t, &inRome)
		if len(inRome) != 1 || inRome[0].ID != moved.ID {
			t.Errorf("media in Rome: %+v, want only %d", inRome, moved.ID)
		}
		r = admin.do("GET", "/wp-json/wp/v2/media?per_page=100&pixelmill_folder=root", nil, nil)
		expect(t, r, 200, "")
		r.json(t, &atTop)
		for _, it := range atTop {
			if it.ID == moved.ID {
				t.Errorf("the item moved into Rome is listed at the top")
			}
		}
		if len(atTop) == 0 {
			t.Error("nothing at the top of the tree")
		}
		expect(t, admin.do("GET", "/wp-json/wp/v2/media?pixelmill_folder=7d4f8a7e-0000-4000-8000-000000000000", nil, nil), 400, "rest_invalid_param")
	})

	t.Run("API keys", func(t *testing.T) {
		list := func(key string) wpResponse {
			return anon.do("GET", "/wp-json/wp/v2/media?context=edit", nil, bearer(key))
		}
		expect(t, list(writeKey.key), 200, "")
		expect(t, list(readKey.key), 403, "rest_forbidden_context") // a subscriber reads, but not the edit context
		expect(t, anon.do("GET", "/wp-json/wp/v2/media", nil, bearer(readKey.key)), 200, "")
		expect(t, list(v1Key.key), 403, "rest_forbidden_api_key")
		expect(t, list("pm_not-a-key-at-all-not-a-key-at-all-not-a-key"), 401, "rest_invalid_api_key")

		upload := func(key string) wpResponse {
			h := bearer(key)
			h["Content-Disposition"] = `attachment; filename="by-key.jpg"`
			h["Content-Type"] = "image/jpeg"
			return anon.do("POST", "/wp-json/wp/v2/media", bytes.NewReader(readFile(t, filepath.Join(testdataDir(t), "photo-640x480.jpg"))), h)
		}
		expect(t, upload(readKey.key), 403, "rest_cannot_create")
		expect(t, upload(writeKey.key), 201, "")

		var me struct {
			Roles []string `json:"roles"`
		}
		r := anon.do("GET", "/wp-json/wp/v2/users/me?context=edit", nil, bearer(writeKey.key))
		expect(t, r, 200, "")
		r.json(t, &me)
		if len(me.Roles) != 1 || me.Roles[0] != "editor" {
			t.Errorf("a write key acts as %v, want editor (never administrator)", me.Roles)
		}
		expect(t, anon.do("POST", "/wp-json/wp/v2/users/me/application-passwords", strings.NewReader(`{"name":"x"}`),
			map[string]string{"Authorization": "Bearer " + writeKey.key, "Content-Type": "application/json"}), 403, "rest_forbidden_api_key")
		expect(t, anon.do("GET", "/wp-json/wp/v2/users", nil, bearer(writeKey.key)), 403, "rest_forbidden_api_key")
	})

	t.Run("presigned uploads", func(t *testing.T) {
		photo := readFile(t, filepath.Join(testdataDir(t), "photo-1800x1200.jpg"))
		begin := func(c wpClient, v map[string]any) wpResponse {
			body, h := jsonBody(v)
			return c.do("POST", "/wp-json/pixelmill/v1/uploads", body, h)
		}
		ask := map[string]any{"filename": "straight.jpg", "content_type": "image/jpeg", "size": len(photo)}
		expect(t, begin(anon, ask), 401, "rest_cannot_create")
		expect(t, begin(admin, map[string]any{"filename": "x.exe", "content_type": "application/x-msdownload", "size": 10}), 400, "rest_invalid_param")
		expect(t, begin(admin, map[string]any{"filename": "big.jpg", "content_type": "image/jpeg", "size": 1 << 40}), 413, "rest_upload_file_too_big")
		var ticket struct {
			ID           int64  `json:"id"`
			Key          string `json:"key"`
			UploadURL    string `json:"upload_url"`
			UploadMethod struct {
				Method  string            `json:"method"`
				Headers map[string]string `json:"headers"`
			} `json:"upload_method"`
			ExpiresIn int `json:"expires_in"`
		}
		r := begin(admin, ask)
		expect(t, r, 201, "")
		r.json(t, &ticket)
		if ticket.UploadMethod.Method != "PUT" || ticket.UploadMethod.Headers["Content-Type"] != "image/jpeg" || ticket.ExpiresIn <= 0 ||
			strings.HasPrefix(ticket.UploadURL, s.base) {
			t.Fatalf("ticket: %+v", ticket)
		}
		complete := func(c wpClient, key string) wpResponse {
			return c.do("POST", "/wp-json/pixelmill/v1/uploads/"+key+"/complete?context=edit", nil, nil)
		}
		expect(t, complete(admin, ticket.Key), 409, "rest_upload_incomplete")
		expect(t, complete(author, ticket.Key), 404, "rest_post_invalid_id") // not the author's
		put := func(url, ctype string, body []byte) {
			req, _ := http.NewRequest("PUT", url, bytes.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("PUT to the upload URL: %d", resp.StatusCode)
			}
		}
		put(ticket.UploadURL, "image/jpeg", photo)
		r = complete(admin, ticket.Key)
		expect(t, r, 200, "")
		var done pxAttachment
		r.json(t, &done)
		if done.ID != ticket.ID || done.ProcessingStatus != "processing" || done.Pixelmill.Key != ticket.Key {
			t.Fatalf("completed: %+v", done)
		}
		expect(t, complete(admin, ticket.Key), 200, "") // again: the same attachment
		if got := s.waitDone(t, ticket.ID); got.ProcessingStatus != "ready" || got.Title.Raw != "straight" {
			t.Errorf("the presigned upload ended %s, titled %q", got.ProcessingStatus, got.Title.Raw)
		}

		// Bytes that are not what was declared are refused, and the item
		// stays waiting for the right ones.
		r = begin(admin, map[string]any{"filename": "liar.png", "content_type": "image/png", "size": len(photo)})
		expect(t, r, 201, "")
		r.json(t, &ticket)
		put(ticket.UploadURL, "image/png", photo)
		expect(t, complete(admin, ticket.Key), 400, "rest_invalid_param")
	})

	t.Run("attachment page and library", func(t *testing.T) {
		page := func(path string) (int, http.Header, string) {
			resp, err := http.Get(s.base + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header, string(b)
		}
		code, h, body := page(fmt.Sprintf("/?attachment_id=%d", a.ID))
		if code != 200 || !strings.Contains(body, "<h1>focal</h1>") || !strings.Contains(body, `<img src="`+s.base+"/wp-content/uploads/") ||
			!strings.HasPrefix(h.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("attachment page: %d %q\n%s", code, h.Get("Content-Security-Policy"), body)
		}
		r := admin.raw("/wp-json/wp/v2/media?status=private", filepath.Join(testdataDir(t), "photo-640x480.jpg"), "hidden.jpg", nil)
		var hidden attachment
		r.json(t, &hidden)
		for _, q := range []string{fmt.Sprint(hidden.ID), "999999", "x"} {
			if code, _, _ := page("/?attachment_id=" + q); code != 404 {
				t.Errorf("attachment page of %s: %d, want 404", q, code)
			}
		}

		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.Get(s.base + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 302 || resp.Header.Get("Location") != "/library/" {
			t.Errorf("GET /: %d → %q, want the library", resp.StatusCode, resp.Header.Get("Location"))
		}
		code, h, body = page("/library/")
		csp := h.Get("Content-Security-Policy")
		if code != 200 || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") || h.Get("Cache-Control") != "no-cache" {
			t.Fatalf("library page: %d %q %q", code, csp, h.Get("Cache-Control"))
		}
		assets := regexp.MustCompile(`/library/assets/(app\.[0-9a-f]{12}\.(js|css))`).FindAllStringSubmatch(body, -1)
		if len(assets) != 2 || strings.Contains(body, "style=") || strings.Contains(body, "<script>") {
			t.Fatalf("the page's assets %v, or inline code in it:\n%s", assets, body)
		}
		for _, m := range assets {
			code, h, _ := page("/library/assets/" + m[1])
			if code != 200 || h.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.HasPrefix(h.Get("Content-Type"), map[string]string{"js": "text/javascript", "css": "text/css"}[m[2]]) {
				t.Errorf("asset %s: %d %q %q", m[1], code, h.Get("Cache-Control"), h.Get("Content-Type"))
			}
		}
		if code, _, _ := page("/library/assets/app.js"); code != 404 {
			t.Errorf("an asset by its unhashed name: %d, want 404", code)
		}
	})
}

func contains(ids []int64, id int64) bool { return slices.Contains(ids, id) }

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
