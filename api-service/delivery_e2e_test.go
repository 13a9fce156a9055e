package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dItem is an item of the Media Delivery API.
type dItem struct {
	Path       string                       `json:"path"`
	CreateDate string                       `json:"createDate"`
	UpdateDate string                       `json:"updateDate"`
	ID         string                       `json:"id"`
	Name       string                       `json:"name"`
	MediaType  string                       `json:"mediaType"`
	URL        string                       `json:"url"`
	Extension  *string                      `json:"extension"`
	Width      *int                         `json:"width"`
	Height     *int                         `json:"height"`
	Bytes      *int64                       `json:"bytes"`
	Properties map[string]json.RawMessage   `json:"properties"`
	FocalPoint *struct{ Left, Top float64 } `json:"focalPoint"`
	Crops      []struct {
		Alias       string              `json:"alias"`
		Width       int                 `json:"width"`
		Height      int                 `json:"height"`
		Coordinates *map[string]float64 `json:"coordinates"`
	} `json:"crops"`
}

type dPage struct {
	Total int     `json:"total"`
	Items []dItem `json:"items"`
}

type problem struct {
	Type    string              `json:"type"`
	Title   string              `json:"title"`
	Detail  string              `json:"detail"`
	Status  int                 `json:"status"`
	TraceID string              `json:"traceId"`
	Errors  map[string][]string `json:"errors"`
}

const deliveryBase = "/umbraco/delivery/api/v2/media"

// dGet fetches a Delivery API path (under the base) and checks the status.
func dGet(t *testing.T, base, path string, status int, v any, header ...string) wpResponse {
	t.Helper()
	h := map[string]string{}
	for i := 0; i+1 < len(header); i += 2 {
		h[header[i]] = header[i+1]
	}
	r := wpClient{t: t, base: base}.do("GET", deliveryBase+path, nil, h)
	if r.status != status {
		t.Fatalf("GET %s: %d, want %d: %s", path, r.status, status, r.body)
	}
	if v != nil {
		r.json(t, v)
	}
	return r
}

func itemNames(items []dItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Name
	}
	return out
}

// TestDeliveryAPI runs the spec's black-box cases of the Media Delivery
// API (§2.4) against the live stack, on a tree made through Heartcore.
func TestDeliveryAPI(t *testing.T) {
	types := filepath.Join(t.TempDir(), "types.json")
	if err := os.WriteFile(types, []byte(`[{"alias":"Image","name":"Image","fileEditor":"Umbraco.ImageCropper",
		"crops":[{"alias":"thumb","width":200,"height":200}],
		"properties":[{"alias":"altText","label":"Alt text","editor":"Umbraco.TextBox"},{"alias":"credit","label":"Credit","editor":"Umbraco.TextBox"}]}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startStackEnv(t, 1, map[string]string{"PIXELMILL_MEDIA_TYPES_FILE": types})
	c := hcClient{t: t, base: s.base, key: newAPIKey(t, s.base, map[string]any{"name": "delivery", "scopes": []string{"umbraco:read", "umbraco:write"}}).key}
	newFolder := func(name, parent string) string {
		body := map[string]any{"mediaTypeAlias": "Folder", "name": name}
		if parent != "" {
			body["parentId"] = parent
		}
		return str(c.item(c.send("POST", "/media", body), 201)["_id"])
	}
	root := newFolder("Root Level Folder", "")
	child := newFolder("Child Folder", root)
	news := newFolder("news", "")
	photo := testPNG(t, 320, 200)
	image := str(c.item(c.upload("POST", "/media", map[string]any{"mediaTypeAlias": "Image", "name": "Media Item Name", "parentId": child,
		"altText": "A unicorn", "credit": "Pixelmill"}, "unicorn.png", photo), 201)["_id"])
	small := str(c.item(c.upload("POST", "/media", map[string]any{"mediaTypeAlias": "Image", "name": "size-small", "parentId": child}, "small.png", photo), 201)["_id"])
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	doc := str(c.item(c.upload("POST", "/media", map[string]any{"mediaTypeAlias": "File", "name": "Sizes doc", "parentId": child}, "sizes.pdf", pdf), 201)["_id"])
	c.item(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "In the news", "parentId": news}), 201)

	t.Run("access", func(t *testing.T) {
		off := startStackEnv(t, 0, map[string]string{"PIXELMILL_DELIVERY_ENABLED": "false"})
		var p problem
		r := dGet(t, off.base, "/item/"+image, 401, &p)
		if p.Title != "Unauthorized" || p.Status != 401 || p.TraceID == "" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("401 %+v %s", p, r.header.Get("Content-Type"))
		}
		private := startStackEnv(t, 0, map[string]string{"PIXELMILL_DELIVERY_PUBLIC": "false", "PIXELMILL_DELIVERY_API_KEY": "sesame"})
		dGet(t, private.base, "?fetch=children:/", 401, nil)
		dGet(t, private.base, "?fetch=children:/", 401, nil, "Api-Key", "wrong")
		dGet(t, private.base, "?fetch=children:/", 200, nil, "Api-Key", "sesame")
		// The Delivery API is public: it stays under the per-IP limit, and
		// answers it in its own format.
		limited := startStackEnv(t, 0, map[string]string{"PIXELMILL_RATE_LIMIT_ANON": "2"})
		dGet(t, limited.base, "?fetch=children:/", 200, nil)
		dGet(t, limited.base, "?fetch=children:/", 200, nil)
		r = dGet(t, limited.base, "?fetch=children:/", 429, &p)
		if p.Status != 429 || r.header.Get("Retry-After") == "" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("429 %+v %v", p, r.header)
		}
	})

	var img dItem
	t.Run("item by id", func(t *testing.T) {
		r := dGet(t, s.base, "/item/"+image, 200, &img)
		var keys map[string]json.RawMessage
		r.json(t, &keys)
		for _, k := range []string{"path", "createDate", "updateDate", "id", "name", "mediaType", "url", "extension", "width", "height", "bytes", "properties", "focalPoint", "crops"} {
			if _, ok := keys[k]; !ok {
				t.Fatalf("no %q: %s", k, r.body)
			}
		}
		if img.MediaType != "Image" || !strings.HasPrefix(img.URL, "/media/") || img.Width == nil || *img.Width != 320 || *img.Height != 200 ||
			img.Bytes == nil || *img.Bytes != int64(len(photo)) || img.Path != "/root level folder/child folder/media item name/" {
			t.Fatalf("item %s", r.body)
		}
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`).MatchString(img.CreateDate) {
			t.Fatalf("createDate %q", img.CreateDate)
		}
		if img.FocalPoint != nil || len(img.Crops) != 1 || img.Crops[0].Alias != "thumb" || img.Crops[0].Width != 200 || img.Crops[0].Coordinates != nil {
			t.Fatalf("focal point and crops %s", r.body)
		}
		if string(img.Properties["altText"]) != `"A unicorn"` || len(img.Properties) != 2 {
			t.Fatalf("properties %v", img.Properties)
		}
		var p problem
		dGet(t, s.base, "/item/0e6f6a4c-1b7a-4f0e-9a77-5d2b1c3d4e5f", 404, &p)
		if p.Title != "Not Found" {
			t.Fatalf("404 %+v", p)
		}
	})

	t.Run("item by path", func(t *testing.T) {
		for _, p := range []string{"/item/Root%20Level%20Folder/Child%20Folder/Media%20Item%20Name", "/item/root%20level%20folder/child%20folder/media%20item%20name/",
			"/item/root%20level%20folder%2Fchild%20folder%2Fmedia%20item%20name", "/item/ROOT%20LEVEL%20FOLDER%2fCHILD%20FOLDER%2fMEDIA%20ITEM%20NAME"} {
			var got dItem
			dGet(t, s.base, p, 200, &got)
			if got.ID != image {
				t.Fatalf("%s: %s", p, got.ID)
			}
		}
		dGet(t, s.base, "/item/root%20level%20folder/nope", 404, nil)
	})

	t.Run("items", func(t *testing.T) {
		var got []dItem
		dGet(t, s.base, "/items?id="+small+"&id="+image+"&id="+image+"&id=0e6f6a4c-1b7a-4f0e-9a77-5d2b1c3d4e5f", 200, &got)
		if len(got) != 2 || got[0].ID != small || got[1].ID != image {
			t.Fatalf("items %v", itemNames(got))
		}
		dGet(t, s.base, "/items", 200, &got)
		if len(got) != 0 {
			t.Fatalf("no ids: %v", got)
		}
		var p problem
		dGet(t, s.base, "/items?id=xyz", 400, &p)
		if len(p.Errors["id"]) == 0 {
			t.Fatalf("400 %+v", p)
		}
	})

	query := func(t *testing.T, q string, status int) dPage {
		t.Helper()
		var page dPage
		dGet(t, s.base, "?"+q, status, &page)
		return page
	}
	t.Run("fetch", func(t *testing.T) {
		var p problem
		for _, q := range []string{"", "?fetch=ancestors:/", "?fetch=descendants:/"} {
			dGet(t, s.base, q, 400, &p)
			if p.Title != "Selector option not found" {
				t.Fatalf("%s: %+v", q, p)
			}
		}
		if page := query(t, "fetch=children:/", 200); page.Total != 2 || page.Items[0].ID != root || page.Items[1].ID != news {
			t.Fatalf("root %+v", page)
		}
		if page := query(t, "fetch=CHILDREN:/", 200); page.Total != 2 {
			t.Fatalf("upper-case prefix %+v", page)
		}
		byID := query(t, "fetch=children:"+child, 200)
		byPath := query(t, "fetch="+url.QueryEscape("children:/root level folder/child folder/"), 200)
		if byID.Total != 3 || !slices.Equal(itemNames(byID.Items), itemNames(byPath.Items)) {
			t.Fatalf("by id %v, by path %v", itemNames(byID.Items), itemNames(byPath.Items))
		}
		for _, q := range []string{"fetch=children:0e6f6a4c-1b7a-4f0e-9a77-5d2b1c3d4e5f", "fetch=children:", "fetch=children:/nope/"} {
			if page := query(t, q, 200); page.Total != 0 || len(page.Items) != 0 {
				t.Fatalf("%s: %+v", q, page)
			}
		}
		// "children:" is cut once, as a string: a key starting with "e" and
		// a folder named "news" (characters of the prefix) still resolve.
		if page := query(t, "fetch=children:news", 200); page.Total != 1 || page.Items[0].Name != "In the news" {
			t.Fatalf("news %+v", page)
		}
		var eKey string
		for i := 0; eKey == "" && i < 300; i++ {
			if k := newFolder(fmt.Sprintf("e-folder %d", i), child); strings.HasPrefix(k, "e") {
				eKey = k
			}
		}
		if eKey == "" {
			t.Fatal("no key starting with e in 300 folders")
		}
		newFolder("inside e", eKey)
		if page := query(t, "fetch=children:"+eKey, 200); page.Total != 1 || page.Items[0].Name != "inside e" {
			t.Fatalf("children of %s: %+v", eKey, page)
		}
	})

	t.Run("filter and sort", func(t *testing.T) {
		in := "fetch=children:" + child
		if page := query(t, in+"&filter=mediaType:Image", 200); page.Total != 2 {
			t.Fatalf("Images %v", itemNames(page.Items))
		}
		if page := query(t, in+"&filter=mediaType:image", 200); page.Total != 0 {
			t.Fatalf("type is case-sensitive: %v", itemNames(page.Items))
		}
		if page := query(t, in+"&filter=name:SIZE", 200); !slices.Equal(itemNames(page.Items), []string{"size-small", "Sizes doc"}) {
			t.Fatalf("name:SIZE %v", itemNames(page.Items))
		}
		if page := query(t, in+"&filter=name:SIZE&filter=mediaType:Image", 200); !slices.Equal(itemNames(page.Items), []string{"size-small"}) {
			t.Fatalf("both filters %v", itemNames(page.Items))
		}
		// Two names: each must be in the name (and the page counts only those).
		if page := query(t, in+"&filter=name:SIZE&filter=name:doc", 200); !slices.Equal(itemNames(page.Items), []string{"Sizes doc"}) || page.Total != 1 {
			t.Fatalf("two names %v of %d", itemNames(page.Items), page.Total)
		}
		for _, q := range []string{"&filter=foo:bar", "&filter=mediaType", "&filter=name:a:b"} {
			var p problem
			dGet(t, s.base, "?"+in+q, 400, &p)
			if p.Title != "Filter option not found" {
				t.Fatalf("%s: %+v", q, p)
			}
		}
		// Every name here has an "i"; the e-folders made above have none.
		f := "&filter=name:i"
		asc := itemNames(query(t, in+f+"&sort=name:asc", 200).Items)
		desc := itemNames(query(t, in+f+"&sort=name:desc", 200).Items)
		quirk := itemNames(query(t, in+f+"&sort=name:ASC", 200).Items)
		if !slices.Equal(asc, []string{"Media Item Name", "size-small", "Sizes doc"}) || !slices.Equal(desc, []string{"Sizes doc", "size-small", "Media Item Name"}) || !slices.Equal(quirk, desc) {
			t.Fatalf("asc %v desc %v ASC %v", asc, desc, quirk)
		}
		for _, sort := range []string{"createDate:asc", "updateDate:desc", "sortOrder:asc"} {
			page := query(t, in+f+"&sort="+url.QueryEscape(sort), 200)
			field, dir, _ := strings.Cut(sort, ":")
			for i := 1; i < len(page.Items); i++ {
				a, b := page.Items[i-1], page.Items[i]
				x, y := a.CreateDate, b.CreateDate
				if field == "updateDate" {
					x, y = a.UpdateDate, b.UpdateDate
				}
				if field == "sortOrder" {
					continue // checked below against Heartcore's sortOrder
				}
				if (dir == "asc" && x > y) || (dir == "desc" && x < y) {
					t.Fatalf("%s not monotonic: %v", sort, page.Items)
				}
			}
		}
		if got := itemNames(query(t, in+f+"&sort=sortOrder:asc", 200).Items); !slices.Equal(got, []string{"Media Item Name", "size-small", "Sizes doc"}) {
			t.Fatalf("sortOrder %v", got)
		}
		// The last sort is the primary one.
		if got := itemNames(query(t, in+f+"&sort=name:asc&sort=createDate:desc", 200).Items); !slices.Equal(got, []string{"Sizes doc", "size-small", "Media Item Name"}) {
			t.Fatalf("createDate desc first: %v", got)
		}
		for _, q := range []string{"&sort=bogus:asc", "&sort=name"} {
			var p problem
			dGet(t, s.base, "?"+in+q, 400, &p)
			if p.Title != "Sort option not found" {
				t.Fatalf("%s: %+v", q, p)
			}
		}
	})

	t.Run("paging", func(t *testing.T) {
		twelve := newFolder("Twelve", "")
		for i := range 12 {
			newFolder(fmt.Sprintf("n%02d", i), twelve)
		}
		in := "fetch=children:" + twelve
		if page := query(t, in+"&skip=10&take=5", 200); page.Total != 12 || !slices.Equal(itemNames(page.Items), []string{"n10", "n11"}) {
			t.Fatalf("skip 10 take 5: %+v", page)
		}
		if page := query(t, in+"&take=0", 200); page.Total != 12 || len(page.Items) != 0 {
			t.Fatalf("take 0: %+v", page)
		}
		if page := query(t, in+"&skip=50", 200); page.Total != 12 || len(page.Items) != 0 {
			t.Fatalf("skip 50: %+v", page)
		}
		if page := query(t, in, 200); len(page.Items) != 10 {
			t.Fatalf("default take: %d", len(page.Items))
		}
		var p problem
		dGet(t, s.base, "?"+in+"&skip=abc", 400, &p)
		if len(p.Errors["skip"]) == 0 {
			t.Fatalf("skip=abc %+v", p)
		}
	})

	t.Run("folders, files and images", func(t *testing.T) {
		var f dItem
		r := dGet(t, s.base, "/item/"+child, 200, &f)
		if f.URL != "" || f.Extension != nil || f.Width != nil || f.Height != nil || f.Bytes != nil || len(f.Properties) != 0 || f.FocalPoint != nil || f.Crops != nil ||
			!strings.Contains(string(r.body), `"crops":null`) {
			t.Fatalf("folder %s", r.body)
		}
		var d dItem
		r = dGet(t, s.base, "/item/"+doc, 200, &d)
		if d.Extension == nil || *d.Extension != "pdf" || d.Bytes == nil || *d.Bytes != int64(len(pdf)) || d.Width != nil || d.Crops != nil || d.FocalPoint != nil {
			t.Fatalf("file %s", r.body)
		}
		// Set a focal point and a crop's coordinates through Heartcore.
		c.item(c.send("PUT", "/media/"+image, map[string]any{"umbracoFile": map[string]any{"src": img.URL, "focalPoint": map[string]any{"left": 0.3, "top": 0.7},
			"crops": []any{map[string]any{"alias": "thumb", "coordinates": map[string]any{"x1": 0.1, "y1": 0.2, "x2": 0.3, "y2": 0.4}}}}}), 200)
		var got dItem
		dGet(t, s.base, "/item/"+image, 200, &got)
		if got.FocalPoint == nil || got.FocalPoint.Left != 0.3 || got.FocalPoint.Top != 0.7 || got.Crops[0].Coordinates == nil || (*got.Crops[0].Coordinates)["y2"] != 0.4 {
			t.Fatalf("after setting: %+v %+v", got.FocalPoint, got.Crops)
		}
	})

	t.Run("fields", func(t *testing.T) {
		var only dItem
		dGet(t, s.base, "/item/"+image+"?fields=properties[altText]", 200, &only)
		if len(only.Properties) != 1 || string(only.Properties["altText"]) != `"A unicorn"` {
			t.Fatalf("fields=properties[altText]: %v", only.Properties)
		}
		dGet(t, s.base, "/item/"+image+"?fields=properties[$all]", 200, &only)
		if len(only.Properties) != 2 {
			t.Fatalf("$all: %v", only.Properties)
		}
		page := query(t, "fetch=children:"+child+"&filter=mediaType:Image&fields="+url.QueryEscape("properties[credit]"), 200)
		for _, it := range page.Items {
			if _, ok := it.Properties["altText"]; ok || len(it.Properties) != 1 {
				t.Fatalf("fields on a query: %v", it.Properties)
			}
		}
		dGet(t, s.base, "/item/"+image+"?fields=properties[]", 400, nil)
		dGet(t, s.base, "/item/"+image+"?expand=properties[altText", 400, nil)
	})

	t.Run("crop URL round trip", func(t *testing.T) {
		web := wpClient{t: t, base: s.base}
		r := web.do("GET", img.URL+"?width=300&height=200&rmode=crop&rxy=0.3,0.7", nil, nil)
		if w, h, _, _ := markers(t, r.body); r.status != 200 || w != 300 || h != 200 {
			t.Fatalf("rxy: %d %d×%d", r.status, w, h)
		}
		r = web.do("GET", img.URL+"?cc=0.1,0.2,0.1,0.2&width=100", nil, nil)
		if w, _, _, _ := markers(t, r.body); r.status != 200 || w != 100 {
			t.Fatalf("cc: %d width %d", r.status, w)
		}
	})

	t.Run("WordPress uploads are in the tree; private ones are not delivered", func(t *testing.T) {
		photo := filepath.Join(testdataDir(t), "photo-640x480.jpg")
		pub := s.uploadMultipart(t, photo, "From WordPress")
		priv := s.uploadMultipart(t, photo, "Private one")
		admin := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
		if r := admin.form("POST", fmt.Sprintf("/wp-json/wp/v2/media/%d", priv.ID), url.Values{"status": {"private"}}); r.status != 200 {
			t.Fatalf("make private: %d %s", r.status, r.body)
		}
		page := query(t, "fetch=children:/&take=100", 200)
		if names := itemNames(page.Items); !slices.Contains(names, "From WordPress") || slices.Contains(names, "Private one") {
			t.Fatalf("root %v", names)
		}
		var got dItem
		dGet(t, s.base, "/item/from%20wordpress", 200, &got)
		if got.ID != s.mediaKey(t, pub.ID) || got.MediaType != "Image" || got.Width == nil || *got.Width != 640 || !strings.HasPrefix(got.URL, "/media/20") {
			t.Fatalf("a WordPress upload as Umbraco shows it: %+v", got)
		}
		dGet(t, s.base, "/item/private%20one", 404, nil)
	})

	t.Run("method and rate limits", func(t *testing.T) {
		r := wpClient{t: t, base: s.base}.do("POST", deliveryBase+"/items", nil, nil)
		if r.status != 405 || !strings.Contains(r.header.Get("Allow"), "GET") {
			t.Fatalf("POST: %d %v", r.status, r.header)
		}
	})
}
