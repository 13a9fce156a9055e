package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// corsPage is the page a front end on another origin serves: its script
// lists media through WordPress's REST API with an application password
// (an Authorization header, so every new URL is preflighted) and through
// the Media Delivery API with its key, loads a listed image into a
// canvas, and calls Heartcore and /v1 with keys. It leaves what it got in
// window.corsReport; a request the browser blocks is {"error": …}.
const corsPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>CORS</title></head><body>
<script type="module">
const cfg = %s;
const report = {};
async function attempt(name, fn) {
  try { report[name] = await fn(); } catch (e) { report[name] = { error: String(e) }; }
}
const basic = 'Basic ' + btoa(cfg.user + ':' + cfg.password);
await attempt('wpList', async () => {
  const r = await fetch(cfg.api + '/wp-json/wp/v2/media?per_page=100&orderby=id&order=asc',
    { headers: { Authorization: basic }, credentials: 'include' });
  const items = await r.json();
  return { status: r.status, total: r.headers.get('X-WP-Total'), pages: r.headers.get('X-WP-TotalPages'),
    items: items.map((m) => ({ id: m.id, title: m.title.rendered })) };
});
await attempt('wpItems', async () => {
  const out = [];
  for (const it of report.wpList.items) {
    const r = await fetch(cfg.api + '/wp-json/wp/v2/media/' + it.id + '?context=edit',
      { headers: { Authorization: basic }, credentials: 'include' });
    const m = await r.json();
    out.push({ status: r.status, id: m.id, title: m.title.raw });
  }
  return out;
});
await attempt('deliveryNoKey', async () => {
  const r = await fetch(cfg.api + '/umbraco/delivery/api/v2/media?fetch=children:' + cfg.folder);
  return { status: r.status };
});
await attempt('delivery', async () => {
  const r = await fetch(cfg.api + '/umbraco/delivery/api/v2/media?fetch=children:' + cfg.folder,
    { headers: { 'Api-Key': cfg.deliveryKey } });
  const page = await r.json();
  return { status: r.status, total: page.total, items: page.items.map((m) => ({ id: m.id, name: m.name, url: m.url })) };
});
await attempt('image', async () => {
  const r = await fetch(cfg.api + report.delivery.items[0].url);
  return { status: r.status, type: r.headers.get('Content-Type'), etag: r.headers.get('ETag'), bytes: (await r.arrayBuffer()).byteLength };
});
await attempt('canvas', async () => {
  const img = new Image();
  img.crossOrigin = 'anonymous';
  await new Promise((ok, fail) => { img.onload = ok; img.onerror = () => fail(new Error('image load failed')); img.src = cfg.api + report.delivery.items[0].url; });
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  ctx.getImageData(0, 0, 1, 1); // throws on a tainted canvas
  return { width: c.width, height: c.height };
});
await attempt('heartcore', async () => {
  const r = await fetch(cfg.api + '/heartcore/media/' + cfg.folder + '/children',
    { headers: { 'Api-Key': cfg.apiKey, 'Api-Version': '2.2' } });
  const page = await r.json();
  return { status: r.status, names: page._embedded.media.map((m) => m.name) };
});
await attempt('v1', async () => {
  const r = await fetch(cfg.api + '/v1/media', { headers: { Authorization: 'Bearer ' + cfg.apiKey } });
  return { status: r.status, limit: r.headers.get('X-RateLimit-Limit') };
});
window.corsReport = report;
</script></body></html>`

// corsReport is what a page found; a field is nil when its request was
// blocked (its error is then in errors).
type corsReport struct {
	WPList *struct {
		Status int    `json:"status"`
		Total  string `json:"total"`
		Pages  string `json:"pages"`
		Items  []struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
		} `json:"items"`
	} `json:"wpList"`
	WPItems []struct {
		Status int    `json:"status"`
		ID     int64  `json:"id"`
		Title  string `json:"title"`
	} `json:"wpItems"`
	DeliveryNoKey *struct {
		Status int `json:"status"`
	} `json:"deliveryNoKey"`
	Delivery *struct {
		Status int `json:"status"`
		Total  int `json:"total"`
		Items  []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"items"`
	} `json:"delivery"`
	Image *struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
		ETag   string `json:"etag"`
		Bytes  int    `json:"bytes"`
	} `json:"image"`
	Canvas *struct {
		Width  int `json:"width"`
		Height int `json:"height"`
	} `json:"canvas"`
	Heartcore *struct {
		Status int      `json:"status"`
		Names  []string `json:"names"`
	} `json:"heartcore"`
	V1 *struct {
		Status int    `json:"status"`
		Limit  string `json:"limit"`
	} `json:"v1"`
	errors map[string]string
}

// UnmarshalJSON sets aside the requests that failed ({"error": …}), so
// their fields stay nil.
func (r *corsReport) UnmarshalJSON(b []byte) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	r.errors = map[string]string{}
	for k, v := range all {
		var e struct {
			Error *string `json:"error"`
		}
		if json.Unmarshal(v, &e) == nil && e.Error != nil {
			r.errors[k] = *e.Error
			delete(all, k)
		}
	}
	rest, err := json.Marshal(all)
	if err != nil {
		return err
	}
	type plain corsReport
	return json.Unmarshal(rest, (*plain)(r))
}

// TestCORSBrowser loads pages of two other origins (each a server on a
// port of its own) in headless Chromium: one listed in
// PIXELMILL_CORS_ORIGINS, one not. Both list media through WordPress's
// REST API (any origin, as WordPress) and the Delivery API and its image
// files (public); only the listed one reaches Heartcore and /v1. The
// listed items must be exactly the ones uploaded. `make test` installs
// Debian's chromium and the npm packages (playwright-core).
func TestCORSBrowser(t *testing.T) {
	if _, err := os.Stat(filepath.Join("testdata", "js", "node_modules", "playwright-core")); err != nil {
		t.Fatal("testdata/js/node_modules is missing: run `make test`, or `npm ci` in api-service/testdata/js")
	}
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		t.Fatal("/usr/bin/chromium is missing: run `make test`, which installs Debian's chromium")
	}
	var cfgJSON atomic.Value // the page's cfg, once the stack is up
	servePage := func() *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, corsPage, cfgJSON.Load())
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	listed, unlisted := servePage(), servePage()
	s := startStackEnv(t, 1, map[string]string{
		"PIXELMILL_CORS_ORIGINS":     listed.URL,
		"PIXELMILL_DELIVERY_PUBLIC":  "false",
		"PIXELMILL_DELIVERY_API_KEY": "cors-delivery-key",
		"PIXELMILL_CORS_MAX_AGE":     "10m",
		// Each page makes at most four anonymous requests that count
		// against its IP (Delivery twice, the image twice), eight in all,
		// and twelve WordPress preflights (the list and five items, each
		// page); were preflights counted, the eleventh request would be
		// refused.
		"PIXELMILL_RATE_LIMIT_ANON": "10",
	})

	admin := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
	type upload struct {
		id    int64
		title string
	}
	var wpUploads []upload
	for i, name := range []string{"cors-one", "cors-two", "cors-three"} {
		r := admin.do("POST", "/wp-json/wp/v2/media", strings.NewReader(string(testPNG(t, 40+i, 30))),
			map[string]string{"Content-Type": "image/png", "Content-Disposition": "attachment; filename=" + name + ".png"})
		if r.status != 201 {
			t.Fatalf("upload %s: %d %s", name, r.status, r.body)
		}
		var a attachment
		r.json(t, &a)
		s.waitDone(t, a.ID)
		wpUploads = append(wpUploads, upload{a.ID, name})
	}
	key := newAPIKey(t, s.base, map[string]any{"name": "cors", "scopes": []string{"read", "umbraco:read", "umbraco:write"}}).key
	hc := hcClient{t: t, base: s.base, key: key}
	folder := str(hc.item(hc.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "CORS folder"}), 201)["_id"])
	photo := testPNG(t, 64, 48)
	hcItems := map[string]string{} // name → id
	for _, name := range []string{"Sunrise", "Harbour"} {
		hcItems[name] = str(hc.item(hc.upload("POST", "/media", map[string]any{"mediaTypeAlias": "Image", "name": name, "parentId": folder},
			strings.ToLower(name)+".png", photo), 201)["_id"])
	}
	cfg, _ := json.Marshal(map[string]string{"api": s.base, "user": "admin", "password": adminPassword,
		"folder": folder, "deliveryKey": "cors-delivery-key", "apiKey": key})
	cfgJSON.Store(cfg)

	t.Run("preflights", func(t *testing.T) {
		// What the browser is answered, as seen by a plain client.
		pre := func(path, method, headers string) wpResponse {
			return wpClient{t: t, base: s.base}.do("OPTIONS", path, nil, map[string]string{"Origin": unlisted.URL,
				"Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers})
		}
		// WordPress: every route answers OPTIONS with its description,
		// any origin echoed with credentials, no Max-Age.
		for _, path := range []string{"/wp-json/wp/v2/media", "/wp-json/wp/v2/media/1", "/wp-json/wp/v2/users", "/wp-json/wp/v2/users/me",
			"/wp-json/wp/v2/posts/7", "/wp-json/", "/?rest_route=/wp/v2/users/1/application-passwords"} {
			r := pre(path, "GET", "authorization")
			h := r.header
			if r.status != 200 || h.Get("Access-Control-Allow-Origin") != unlisted.URL || h.Get("Access-Control-Allow-Credentials") != "true" ||
				h.Get("Access-Control-Allow-Methods") != "OPTIONS, GET, POST, PUT, PATCH, DELETE" ||
				h.Get("Access-Control-Allow-Headers") != "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type" ||
				h.Get("Access-Control-Expose-Headers") != "X-WP-Total, X-WP-TotalPages, Link" ||
				!slices.Contains(h.Values("Vary"), "Origin") || h.Get("Access-Control-Max-Age") != "" {
				t.Errorf("OPTIONS %s: %d %v %s", path, r.status, h, r.body)
			}
			var route struct {
				Namespace *string  `json:"namespace"`
				Methods   []string `json:"methods"`
			}
			r.json(t, &route)
			if route.Namespace == nil || len(route.Methods) == 0 {
				t.Errorf("OPTIONS %s: no route description: %s", path, r.body)
			}
		}
		if r := pre("/wp-json/wp/v2/nothing/here", "GET", ""); r.status != 200 || strings.TrimSpace(string(r.body)) != "[]" || r.header.Get("Allow") != "" {
			t.Errorf("OPTIONS on no route: %d %q Allow %q", r.status, r.body, r.header.Get("Allow"))
		}
		if r := pre("/wp-json/wp/v2/users", "GET", ""); r.header.Get("Allow") != "GET" {
			t.Errorf("anonymous Allow on users: %q", r.header.Get("Allow"))
		}
		// The others: 204 from the middleware, before any key is asked.
		for _, tc := range []struct {
			path, origin, allowOrigin, creds, headers string
		}{
			{"/v1/media", listed.URL, listed.URL, "true", "Authorization, Content-Type, Content-Disposition, Last-Event-ID, X-Request-Id"},
			{"/v1/media", unlisted.URL, "", "", ""},
			{"/heartcore/media", listed.URL, listed.URL, "true", "Api-Key, Authorization, Api-Version, Umb-Project-Alias, Content-Type, Accept-Language, X-Request-Id"},
			{"/heartcore/media", unlisted.URL, "", "", ""},
			{"/umbraco/delivery/api/v2/media", unlisted.URL, "*", "", "Api-Key, Accept-Language, Preview, Start-Item, X-Request-Id"},
			{"/v1/openapi.json", unlisted.URL, "*", "", ""},
			{"/media/abc/photo.png", unlisted.URL, "*", "", "Range, If-None-Match, If-Modified-Since, If-Range"},
		} {
			r := wpClient{t: t, base: s.base}.do("OPTIONS", tc.path, nil, map[string]string{"Origin": tc.origin,
				"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "api-key"})
			h := r.header
			maxAge := "600"
			if tc.allowOrigin == "" {
				maxAge = ""
			}
			if r.status != 204 || h.Get("Access-Control-Allow-Origin") != tc.allowOrigin || h.Get("Access-Control-Allow-Credentials") != tc.creds ||
				h.Get("Access-Control-Allow-Headers") != tc.headers || h.Get("Access-Control-Max-Age") != maxAge || h.Get("X-RateLimit-Limit") != "" {
				t.Errorf("preflight %s from %s: %d %v", tc.path, tc.origin, r.status, h)
			}
		}
	})

	t.Run("browser", func(t *testing.T) {
		cmd := exec.Command("node", "cors-browser.mjs", listed.URL+"/", unlisted.URL+"/")
		cmd.Dir = filepath.Join("testdata", "js")
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("cors-browser.mjs: %v\n%s", err, out)
		}
		var pages []struct {
			URL     string          `json:"url"`
			Report  json.RawMessage `json:"report"`
			Console []string        `json:"console"`
		}
		if err := json.Unmarshal(out, &pages); err != nil || len(pages) != 2 {
			t.Fatalf("report %s: %v", out, err)
		}
		for i, p := range pages {
			isListed := i == 0
			t.Run(map[bool]string{true: "listed origin", false: "unlisted origin"}[isListed], func(t *testing.T) {
				var rep corsReport
				if err := json.Unmarshal(p.Report, &rep); err != nil {
					t.Fatal(err)
				}
				defer func() {
					if t.Failed() {
						t.Logf("page %s reported %s\nconsole:\n%s", p.URL, p.Report, strings.Join(p.Console, "\n"))
					}
				}()
				// WordPress: any origin lists, with the paging headers
				// readable, exactly what was uploaded: its own uploads,
				// then Heartcore's images (one library; folders are no
				// attachments).
				want := slices.Clone(wpUploads)
				for _, name := range []string{"Sunrise", "Harbour"} {
					want = append(want, upload{title: name})
				}
				if rep.WPList == nil || rep.WPList.Status != 200 || rep.WPList.Total != "5" || rep.WPList.Pages != "1" || len(rep.WPList.Items) != len(want) {
					t.Fatalf("WordPress list: %+v (%s)", rep.WPList, rep.errors["wpList"])
				}
				for j, u := range want {
					if got := rep.WPList.Items[j]; got.Title != u.title || u.id != 0 && got.ID != u.id {
						t.Errorf("WordPress item %d: %+v, want %+v", j, got, u)
					}
				}
				if len(rep.WPItems) != len(want) {
					t.Fatalf("WordPress items: %+v (%s)", rep.WPItems, rep.errors["wpItems"])
				}
				for j, it := range rep.WPList.Items {
					if got := rep.WPItems[j]; got.Status != 200 || got.ID != it.ID || got.Title != it.Title {
						t.Errorf("WordPress GET %d: %+v", it.ID, got)
					}
				}
				// The Delivery API: public CORS, so a 401 is readable too.
				if rep.DeliveryNoKey == nil || rep.DeliveryNoKey.Status != 401 {
					t.Errorf("Delivery without key: %+v (%s)", rep.DeliveryNoKey, rep.errors["deliveryNoKey"])
				}
				if rep.Delivery == nil || rep.Delivery.Status != 200 || rep.Delivery.Total != 2 || len(rep.Delivery.Items) != 2 {
					t.Fatalf("Delivery: %+v (%s)", rep.Delivery, rep.errors["delivery"])
				}
				for _, it := range rep.Delivery.Items {
					if hcItems[it.Name] != it.ID || !strings.HasPrefix(it.URL, "/media/") {
						t.Errorf("Delivery item %+v, uploaded %v", it, hcItems)
					}
				}
				if rep.Image == nil || rep.Image.Status != 200 || rep.Image.Type != "image/png" || rep.Image.Bytes != len(photo) || rep.Image.ETag == "" {
					t.Errorf("image: %+v (%s)", rep.Image, rep.errors["image"])
				}
				if rep.Canvas == nil || rep.Canvas.Width != 64 || rep.Canvas.Height != 48 {
					t.Errorf("canvas: %+v (%s)", rep.Canvas, rep.errors["canvas"])
				}
				// The authenticated dialects: the listed origin only.
				if isListed {
					if rep.Heartcore == nil || rep.Heartcore.Status != 200 || !slices.Equal(rep.Heartcore.Names, []string{"Sunrise", "Harbour"}) {
						t.Errorf("Heartcore: %+v (%s)", rep.Heartcore, rep.errors["heartcore"])
					}
					if rep.V1 == nil || rep.V1.Status != 200 || rep.V1.Limit == "" {
						t.Errorf("/v1: %+v (%s)", rep.V1, rep.errors["v1"])
					}
					return
				}
				for _, k := range []string{"heartcore", "v1"} {
					if !strings.Contains(rep.errors[k], "Failed to fetch") {
						t.Errorf("%s from an unlisted origin: not blocked: %s", k, p.Report)
					}
				}
			})
		}
	})
}
