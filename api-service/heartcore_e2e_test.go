package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// hcClient speaks the Heartcore management dialect at /heartcore with an
// API key, as Api-Key and Api-Version: 2 unless a call overrides them (an
// empty value drops the header).
type hcClient struct {
	t    *testing.T
	base string
	key  string
}

func (c hcClient) do(method, path string, body io.Reader, header map[string]string) wpResponse {
	c.t.Helper()
	h := map[string]string{"Api-Key": c.key, "Api-Version": "2"}
	for k, v := range header {
		h[k] = v
	}
	for k, v := range h {
		if v == "" {
			delete(h, k)
		}
	}
	return wpClient{t: c.t, base: c.base + "/heartcore"}.do(method, path, body, h)
}

// send sends v as a JSON body.
func (c hcClient) send(method, path string, v any) wpResponse {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(method, path, bytes.NewReader(b), map[string]string{"Content-Type": "application/json"})
}

// item decodes an answer that must have the status.
func (c hcClient) item(r wpResponse, status int) map[string]any {
	c.t.Helper()
	if r.status != status {
		c.t.Fatalf("got %d, want %d: %s", r.status, status, r.body)
	}
	var m map[string]any
	r.json(c.t, &m)
	return m
}

// hcError is the dialect's error envelope.
type hcError struct {
	Error struct {
		Code    string              `json:"code"`
		Message string              `json:"message"`
		Details map[string][]string `json:"details"`
	} `json:"error"`
}

func (c hcClient) expectError(r wpResponse, status int, code string) hcError {
	c.t.Helper()
	var e hcError
	if r.status != status {
		c.t.Fatalf("got %d, want %d %s: %s", r.status, status, code, r.body)
	}
	r.json(c.t, &e)
	if e.Error.Code != code || e.Error.Message == "" {
		c.t.Fatalf("error %+v, want code %s", e.Error, code)
	}
	return e
}

// multipartPart is one part of a hand-built multipart body, so each
// client's quirks (no Content-Type on the JSON, unquoted names,
// filename*=) are sent exactly.
type multipartPart struct {
	disposition string // the Content-Disposition value
	contentType string // "" sends none
	data        []byte
}

func multipartBody(parts ...multipartPart) (io.Reader, string) {
	const boundary = "pixelmill-boundary-7f3a"
	var b bytes.Buffer
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\r\nContent-Disposition: %s\r\n", boundary, p.disposition)
		if p.contentType != "" {
			fmt.Fprintf(&b, "Content-Type: %s\r\n", p.contentType)
		}
		b.WriteString("\r\n")
		b.Write(p.data)
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return &b, "multipart/form-data; boundary=" + boundary
}

// upload sends content and a file part the way @umbraco/headless-client
// does: the JSON part first, without a Content-Type.
func (c hcClient) upload(method, path string, content any, name string, data []byte) wpResponse {
	c.t.Helper()
	js, _ := json.Marshal(content)
	body, ct := multipartBody(
		multipartPart{disposition: `form-data; name="content"`, data: js},
		multipartPart{disposition: fmt.Sprintf(`form-data; name="umbracoFile"; filename="%s"`, name), contentType: "application/octet-stream", data: data},
	)
	return c.do(method, path, body, map[string]string{"Content-Type": ct})
}

// testPNG makes a w×h PNG with a gradient.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var hcDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$`)

func str(v any) string { s, _ := v.(string); return s }

func num(v any) int { f, _ := v.(float64); return int(f) }

func embedded(t *testing.T, m map[string]any) []map[string]any {
	t.Helper()
	e, ok := m["_embedded"].(map[string]any)
	if !ok {
		t.Fatalf("no _embedded: %v", m)
	}
	raw, ok := e["media"].([]any)
	if !ok {
		t.Fatalf("no _embedded.media array: %v", m)
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

func names(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = str(it["name"])
	}
	return out
}

// TestHeartcore runs the spec's black-box cases of the Heartcore
// management dialect (§1.7) against the live stack.
func TestHeartcore(t *testing.T) {
	s := startStack(t, 1)
	c := hcClient{t: t, base: s.base, key: newAPIKey(t, s.base, map[string]any{"name": "heartcore", "scopes": []string{"umbraco:read", "umbraco:write"}}).key}

	t.Run("auth and versions", func(t *testing.T) {
		e := c.expectError(c.do("GET", "/media", nil, map[string]string{"Api-Key": ""}), 401, "Unauthorized")
		if e.Error.Message != "Authorization has been denied for this request." {
			t.Fatalf("message %q", e.Error.Message)
		}
		c.expectError(c.do("GET", "/media", nil, map[string]string{"Api-Key": "pm_wrong"}), 401, "Unauthorized")
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(c.key+":"))
		for _, h := range []map[string]string{
			{"Api-Key": "", "Authorization": basic},
			{"Api-Key": "", "Authorization": "Bearer " + c.key},
			{"Api-Key": "", "api-key": c.key},
			{"Api-Version": "2.0"}, {"Api-Version": "2.2"}, {"Api-Version": "2.3"}, {"Api-Version": ""},
			{"Api-Version": "", "Accept": "application/json+hal;v=2"},
			{"Umb-Project-Alias": "my-project"},
		} {
			if r := c.do("GET", "/media", nil, h); r.status != 200 {
				t.Fatalf("%v: %d %s", h, r.status, r.body)
			}
		}
		if r := c.do("GET", "/media?api-version=2", nil, map[string]string{"Api-Version": ""}); r.status != 200 {
			t.Fatalf("?api-version=2: %d", r.status)
		}
		c.expectError(c.do("GET", "/media", nil, map[string]string{"Api-Version": "9"}), 400, "UnsupportedApiVersion")
		ro := hcClient{t: t, base: s.base, key: newAPIKey(t, s.base, map[string]any{"name": "read only", "scopes": []string{"umbraco:read"}}).key}
		c.expectError(ro.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "x"}), 403, "Forbidden")
		// A key made for /v1 has its own library there and no access to
		// the shared tree.
		v1Key := hcClient{t: t, base: s.base, key: newAPIKey(t, s.base, map[string]any{"name": "v1 only"}).key}
		c.expectError(v1Key.do("GET", "/media", nil, nil), 403, "Forbidden")
	})

	t.Run("empty root", func(t *testing.T) {
		root := c.item(c.do("GET", "/media", nil, nil), 200)
		if items := embedded(t, root); len(items) != 0 {
			t.Fatalf("root not empty: %v", items)
		}
		self := root["_links"].(map[string]any)["self"].(map[string]any)["href"]
		if !strings.HasSuffix(str(self), "/media") || root["_totalItems"] != nil {
			t.Fatalf("root %v", root)
		}
	})

	var design, second map[string]any
	t.Run("folders", func(t *testing.T) {
		design = c.item(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "Design"}), 201)
		if !uuidRE.MatchString(str(design["_id"])) || num(design["_level"]) != 1 || design["_hasChildren"] != false ||
			num(design["sortOrder"]) != 0 || design["parentId"] != nil {
			t.Fatalf("folder %v", design)
		}
		if !hcDate.MatchString(str(design["_createDate"])) || !hcDate.MatchString(str(design["_updateDate"])) {
			t.Fatalf("dates %v %v", design["_createDate"], design["_updateDate"])
		}
		links := design["_links"].(map[string]any)
		if !strings.HasSuffix(str(links["mediatype"].(map[string]any)["href"]), "/media/type/Folder") {
			t.Fatalf("links %v", links)
		}
		second = c.item(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "Archive"}), 201)
		if num(second["sortOrder"]) != 1 {
			t.Fatalf("second root folder sortOrder %v", second["sortOrder"])
		}
		root := c.item(c.do("GET", "/media", nil, nil), 200)
		if got := names(embedded(t, root)); strings.Join(got, ",") != "Design,Archive" {
			t.Fatalf("root order %v", got)
		}
		ml := root["_links"].(map[string]any)["media"].([]any)
		if ml[0].(map[string]any)["templated"] != true || len(ml) != 3 {
			t.Fatalf("root media links %v", ml)
		}
		sub := c.item(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "Sub", "parentId": design["_id"]}), 201)
		if num(sub["_level"]) != 2 || sub["parentId"] != design["_id"] {
			t.Fatalf("sub folder %v", sub)
		}
		if d := c.item(c.do("GET", "/media/"+str(design["_id"]), nil, nil), 200); d["_hasChildren"] != true {
			t.Fatalf("parent _hasChildren %v", d["_hasChildren"])
		}
	})

	pngData := testPNG(t, 672, 896)
	var han map[string]any
	t.Run("multipart image, three client styles", func(t *testing.T) {
		content := map[string]any{"mediaTypeAlias": "Image", "name": "Han Solo", "parentId": design["_id"], "umbracoFile": map[string]any{"src": "han-solo.png"}}
		han = c.item(c.upload("POST", "/media", content, "han-solo.png", pngData), 201)
		file := han["umbracoFile"].(map[string]any)
		if !regexp.MustCompile(`^/media/[a-z0-9]{8}/han-solo\.png$`).MatchString(str(file["src"])) {
			t.Fatalf("src %v", file["src"])
		}
		if fp := file["focalPoint"].(map[string]any); fp["left"] != 0.5 || fp["top"] != 0.5 {
			t.Fatalf("focalPoint %v", fp)
		}
		if han["umbracoWidth"] != "672" || han["umbracoHeight"] != "896" || han["umbracoBytes"] != strconv.Itoa(len(pngData)) || han["umbracoExtension"] != "png" {
			t.Fatalf("labels %v %v %v %v", han["umbracoWidth"], han["umbracoHeight"], han["umbracoBytes"], han["umbracoExtension"])
		}
		crops, _ := file["crops"].([]any)
		if len(crops) != 2 || crops[0].(map[string]any)["alias"] != "thumb" || num(crops[0].(map[string]any)["width"]) != 300 || crops[0].(map[string]any)["coordinates"] != nil {
			t.Fatalf("crops %v", file["crops"])
		}
		// curl: the JSON part as a plain form field.
		js, _ := json.Marshal(content)
		body, ct := multipartBody(
			multipartPart{disposition: `form-data; name="content"`, data: js},
			multipartPart{disposition: `form-data; name="umbracoFile"; fileName="han-solo.png"`, contentType: "image/png", data: pngData})
		curl := c.item(c.do("POST", "/media", body, map[string]string{"Content-Type": ct}), 201)
		// .NET: unquoted names, filename*=, a JSON part with a charset.
		body, ct = multipartBody(
			multipartPart{disposition: `form-data; name=content`, contentType: "application/json; charset=utf-8", data: js},
			multipartPart{disposition: `form-data; name=umbracoFile; filename=han-solo.png; filename*=utf-8''han-solo.png`, contentType: "image/png", data: pngData})
		dotnet := c.item(c.do("POST", "/media", body, map[string]string{"Content-Type": ct}), 201)
		for _, m := range []map[string]any{curl, dotnet} {
			if m["umbracoWidth"] != "672" || !strings.HasSuffix(str(m["umbracoFile"].(map[string]any)["src"]), "/han-solo.png") {
				t.Fatalf("upload %v", m)
			}
		}
		// The file is served from its src with the bytes sent.
		r := wpClient{t: t, base: s.base}.do("GET", str(file["src"]), nil, nil)
		if r.status != 200 || r.header.Get("Content-Type") != "image/png" || !bytes.Equal(r.body, pngData) {
			t.Fatalf("file: %d %s, %d bytes", r.status, r.header.Get("Content-Type"), len(r.body))
		}
	})

	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	var doc map[string]any
	t.Run("multipart file", func(t *testing.T) {
		doc = c.item(c.upload("POST", "/media", map[string]any{"mediaTypeAlias": "File", "name": "Doc", "umbracoFile": "doc.pdf"}, "doc.pdf", pdf), 201)
		if !strings.HasSuffix(str(doc["umbracoFile"]), "/doc.pdf") || doc["umbracoExtension"] != "pdf" || doc["umbracoWidth"] != nil ||
			doc["umbracoBytes"] != strconv.Itoa(len(pdf)) {
			t.Fatalf("file item %v", doc)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		e := c.expectError(c.do("POST", "/media", strings.NewReader(""), map[string]string{"Content-Type": "application/json"}), 400, "BadRequest")
		if e.Error.Message != "Body cannot be empty." {
			t.Fatalf("message %q", e.Error.Message)
		}
		e = c.expectError(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder"}), 422, "ValidationFailed")
		if len(e.Error.Details["name"]) == 0 {
			t.Fatalf("details %v", e.Error.Details)
		}
		c.expectError(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Nope", "name": "x"}), 422, "ValidationFailed")
		e = c.expectError(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Image", "name": "No file"}), 422, "ValidationFailed")
		if len(e.Error.Details["umbracoFile"]) == 0 {
			t.Fatalf("details %v", e.Error.Details)
		}
		e = c.expectError(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "x", "parentId": "7d4f8a7e-0000-4000-8000-000000000000"}), 422, "ValidationFailed")
		if len(e.Error.Details["parentId"]) == 0 {
			t.Fatalf("details %v", e.Error.Details)
		}
		// Under an image: only folders hold items.
		c.expectError(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "x", "parentId": han["_id"]}), 422, "ValidationFailed")
		// A PDF is not an image for the image cropper; nothing is stored.
		c.expectError(c.upload("POST", "/media", map[string]any{"mediaTypeAlias": "Image", "name": "Not an image"}, "doc.pdf", pdf), 422, "ValidationFailed")
		// A second file part is refused before anything is recorded.
		js, _ := json.Marshal(map[string]any{"mediaTypeAlias": "Image", "name": "Two files", "parentId": second["_id"]})
		body, ct := multipartBody(
			multipartPart{disposition: `form-data; name="content"`, data: js},
			multipartPart{disposition: `form-data; name="umbracoFile"; filename="a.png"`, data: pngData},
			multipartPart{disposition: `form-data; name="other"; filename="b.png"`, data: pngData})
		c.expectError(c.do("POST", "/media", body, map[string]string{"Content-Type": ct}), 422, "ValidationFailed")
		children := c.item(c.do("GET", "/media/"+str(second["_id"])+"/children", nil, nil), 200)
		if num(children["_totalItems"]) != 0 {
			t.Fatalf("a refused upload left an item: %v", children)
		}
		c.expectError(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "x", "bogus": 1}), 422, "ValidationFailed")
		c.expectError(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Image", "name": "x", "umbracoFile": map[string]any{"src": "a.png", "focalPoint": map[string]any{"left": 2, "top": 0}}}), 422, "ValidationFailed")
	})

	t.Run("get", func(t *testing.T) {
		got := c.item(c.do("GET", "/media/"+str(han["_id"]), nil, nil), 200)
		for k := range han {
			if _, ok := got[k]; !ok {
				t.Fatalf("GET lacks %q of the create answer", k)
			}
		}
		if got["_embedded"] != nil {
			t.Fatal("an item has _embedded")
		}
		id := "0e6f6a4c-1b7a-4f0e-9a77-5d2b1c3d4e5f"
		e := c.expectError(c.do("GET", "/media/"+id, nil, nil), 404, "NotFound")
		if e.Error.Message != "Media with id '"+id+"' could not be found." {
			t.Fatalf("message %q", e.Error.Message)
		}
		c.expectError(c.do("GET", "/media/not-a-guid", nil, nil), 404, "NotFound")
	})

	t.Run("children paging", func(t *testing.T) {
		f := c.item(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "Twelve"}), 201)
		fid := str(f["_id"])
		for i := range 12 {
			c.item(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": fmt.Sprintf("child %02d", i), "parentId": fid}), 201)
		}
		p := c.item(c.do("GET", "/media/"+fid+"/children", nil, nil), 200)
		if num(p["_page"]) != 1 || num(p["_pageSize"]) != 10 || num(p["_totalItems"]) != 12 || num(p["_totalPages"]) != 2 ||
			!strings.Contains(str(p["_links"].(map[string]any)["self"].(map[string]any)["href"]), "?page=1") || len(embedded(t, p)) != 10 {
			t.Fatalf("page 1: %v", p)
		}
		p = c.item(c.do("GET", "/media/"+fid+"/children?pageSize=5&page=3", nil, nil), 200)
		if got := names(embedded(t, p)); num(p["_totalPages"]) != 3 || num(p["_page"]) != 3 || strings.Join(got, ",") != "child 10,child 11" {
			t.Fatalf("page 3 of 5: %v", p)
		}
		p = c.item(c.do("GET", "/media/"+str(doc["_id"])+"/children", nil, nil), 200)
		if num(p["_totalItems"]) != 0 || len(embedded(t, p)) != 0 {
			t.Fatalf("childless: %v", p)
		}
		c.expectError(c.do("GET", "/media/0e6f6a4c-1b7a-4f0e-9a77-5d2b1c3d4e5f/children", nil, nil), 404, "NotFound")
		c.expectError(c.do("GET", "/media/"+fid+"/children?page=0", nil, nil), 400, "BadRequest")
	})

	t.Run("update: rename, move, reorder, focal point, crops", func(t *testing.T) {
		id := str(han["_id"])
		up := c.item(c.send("PUT", "/media/"+id, map[string]any{"name": "Han"}), 200)
		if up["name"] != "Han" || str(up["_updateDate"]) < str(han["_updateDate"]) || up["_createDate"] != han["_createDate"] || up["_id"] != id {
			t.Fatalf("rename %v", up)
		}
		// Move into the second root folder, one level up from Design/.
		moved := c.item(c.send("PUT", "/media/"+id, map[string]any{"parentId": second["_id"]}), 200)
		if num(moved["_level"]) != 2 || moved["parentId"] != second["_id"] {
			t.Fatalf("move %v", moved)
		}
		inSecond := names(embedded(t, c.item(c.do("GET", "/media/"+str(second["_id"])+"/children", nil, nil), 200)))
		inDesign := names(embedded(t, c.item(c.do("GET", "/media/"+str(design["_id"])+"/children", nil, nil), 200)))
		if !slices.Contains(inSecond, "Han") || slices.Contains(inDesign, "Han") || len(inDesign) != 3 {
			t.Fatalf("after the move: Archive %v, Design %v", inSecond, inDesign)
		}
		// A folder can't move under itself.
		e := c.expectError(c.send("PUT", "/media/"+str(design["_id"]), map[string]any{"parentId": design["_id"]}), 422, "ValidationFailed")
		if len(e.Error.Details["parentId"]) == 0 {
			t.Fatalf("details %v", e.Error.Details)
		}
		// Reorder: the last child of Design goes first.
		kids := embedded(t, c.item(c.do("GET", "/media/"+str(design["_id"])+"/children", nil, nil), 200))
		last := kids[len(kids)-1]
		c.item(c.send("PUT", "/media/"+str(last["_id"]), map[string]any{"sortOrder": 0}), 200)
		kids2 := embedded(t, c.item(c.do("GET", "/media/"+str(design["_id"])+"/children", nil, nil), 200))
		if kids2[0]["_id"] != last["_id"] {
			t.Fatalf("reorder: %v", names(kids2))
		}
		for i, k := range kids2 {
			if num(k["sortOrder"]) != i {
				t.Fatalf("sort orders not dense: %v", kids2)
			}
		}
		// Focal point and a crop's coordinates persist and echo.
		coords := map[string]any{"x1": 0.1, "y1": 0.2, "x2": 0.3, "y2": 0.1}
		set := c.item(c.send("PUT", "/media/"+id, map[string]any{"umbracoFile": map[string]any{
			"src": han["umbracoFile"].(map[string]any)["src"], "focalPoint": map[string]any{"left": 0.3, "top": 0.7},
			"crops": []any{map[string]any{"alias": "thumb", "width": 300, "height": 300, "coordinates": coords}}}}), 200)
		got := c.item(c.do("GET", "/media/"+id, nil, nil), 200)
		for _, m := range []map[string]any{set, got} {
			file := m["umbracoFile"].(map[string]any)
			fp := file["focalPoint"].(map[string]any)
			thumb := file["crops"].([]any)[0].(map[string]any)
			if fp["left"] != 0.3 || fp["top"] != 0.7 || fmt.Sprint(thumb["coordinates"]) != fmt.Sprint(coords) {
				t.Fatalf("focal point and crops %v", file)
			}
		}
		c.expectError(c.send("PUT", "/media/0e6f6a4c-1b7a-4f0e-9a77-5d2b1c3d4e5f", map[string]any{"name": "x"}), 404, "NotFound")
	})

	t.Run("replace the file", func(t *testing.T) {
		id := str(han["_id"])
		old := str(c.item(c.do("GET", "/media/"+id, nil, nil), 200)["umbracoFile"].(map[string]any)["src"])
		bigger := testPNG(t, 400, 300)
		// A refused move leaves the file as it was.
		c.expectError(c.upload("PUT", "/media/"+id, map[string]any{"parentId": id}, "han-solo.png", bigger), 422, "ValidationFailed")
		if got := str(c.item(c.do("GET", "/media/"+id, nil, nil), 200)["umbracoFile"].(map[string]any)["src"]); got != old {
			t.Fatalf("a refused PUT replaced the file: %s → %s", old, got)
		}
		rep := c.item(c.upload("PUT", "/media/"+id, map[string]any{"name": "Han again"}, "han-solo.png", bigger), 200)
		src := str(rep["umbracoFile"].(map[string]any)["src"])
		if src == old || rep["umbracoWidth"] != "400" || rep["umbracoHeight"] != "300" || rep["name"] != "Han again" || rep["_id"] != id {
			t.Fatalf("replace: %v (old src %s)", rep, old)
		}
		web := wpClient{t: t, base: s.base}
		if r := web.do("GET", old, nil, nil); r.status != 404 {
			t.Fatalf("old file still served: %d", r.status)
		}
		if r := web.do("GET", src, nil, nil); r.status != 200 || !bytes.Equal(r.body, bigger) {
			t.Fatalf("new file: %d", r.status)
		}
	})

	t.Run("delete", func(t *testing.T) {
		src := str(doc["umbracoFile"])
		del := c.item(c.do("DELETE", "/media/"+str(doc["_id"]), nil, nil), 200)
		if del["_id"] != doc["_id"] || !hcDate.MatchString(str(del["_deleteDate"])) {
			t.Fatalf("delete answer %v", del)
		}
		c.expectError(c.do("GET", "/media/"+str(doc["_id"]), nil, nil), 404, "NotFound")
		if r := (wpClient{t: t, base: s.base}).do("GET", src, nil, nil); r.status != 404 {
			t.Fatalf("deleted file served: %d", r.status)
		}
		c.expectError(c.do("DELETE", "/media/"+str(doc["_id"]), nil, nil), 404, "NotFound")
		// A folder takes its subtree, files and all.
		kids := embedded(t, c.item(c.do("GET", "/media/"+str(second["_id"])+"/children", nil, nil), 200))
		c.item(c.do("DELETE", "/media/"+str(second["_id"]), nil, nil), 200)
		for _, k := range kids {
			c.expectError(c.do("GET", "/media/"+str(k["_id"]), nil, nil), 404, "NotFound")
		}
	})

	t.Run("media types", func(t *testing.T) {
		all := c.item(c.do("GET", "/media/type", nil, nil), 200)
		types := all["_embedded"].(map[string]any)["mediatypes"].([]any)
		editors := map[string]string{}
		for _, raw := range types {
			mt := raw.(map[string]any)
			for _, g := range mt["groups"].([]any) {
				for _, p := range g.(map[string]any)["properties"].([]any) {
					if p := p.(map[string]any); p["alias"] == "umbracoFile" {
						editors[str(mt["alias"])] = str(p["propertyEditorAlias"])
					}
				}
			}
			if !uuidRE.MatchString(str(mt["_id"])) {
				t.Fatalf("type id %v", mt["_id"])
			}
		}
		if len(types) != 6 || editors["umbracoMediaVideo"] != "Umbraco.UploadField" || editors["Image"] != "Umbraco.ImageCropper" || editors["File"] != "Umbraco.UploadField" || editors["Folder"] != "" {
			t.Fatalf("types %v", editors)
		}
		img := c.item(c.do("GET", "/media/type/Image", nil, nil), 200)
		if img["alias"] != "Image" {
			t.Fatalf("type %v", img)
		}
		e := c.expectError(c.do("GET", "/media/type/Nope", nil, nil), 404, "NotFound")
		if e.Error.Message != "Media Type with alias 'Nope' could not be found." {
			t.Fatalf("message %q", e.Error.Message)
		}
	})

	t.Run("WordPress and Heartcore share items; folders stay out of WordPress", func(t *testing.T) {
		var list []map[string]any
		wpClient{t: t, base: s.base}.do("GET", "/wp-json/wp/v2/media?per_page=100", nil, nil).json(t, &list)
		for _, m := range list {
			if strings.Contains(str(m["source_url"]), "/folder-") || m["title"].(map[string]any)["rendered"] == "Design" {
				t.Fatalf("a folder is in WordPress's list: %v", m)
			}
		}
		if len(list) == 0 {
			t.Fatal("the Heartcore uploads are not in WordPress's list")
		}
	})
}
