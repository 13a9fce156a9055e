package main

// What PHP clients send, against the live stack: http_build_query and
// Guzzle write an array as include%5B0%5D=5&include%5B1%5D=6 and an object
// as modifiers%5B0%5D%5Btype%5D=rotate, in a query or a form body. Every
// dialect reads them as the arrays and objects they are.

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// phpQuery writes name, value pairs as PHP's http_build_query does: in
// the order given, brackets percent-encoded, a space as '+'.
func phpQuery(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(pairs[i]) + "=" + url.QueryEscape(pairs[i+1]))
	}
	return b.String()
}

func (c wpClient) phpForm(path string, pairs ...string) wpResponse {
	c.t.Helper()
	return c.do("POST", path, strings.NewReader(phpQuery(pairs...)), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

var nextLink = regexp.MustCompile(`<([^>]+)>; rel="next"`)

func TestPHPClientParameters(t *testing.T) {
	dir := testdataDir(t)
	s := startStack(t, 1)
	admin := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
	jpg := filepath.Join(dir, "photo-640x480.jpg")
	const media = "/wp-json/wp/v2/media"

	t.Run("WordPress list: include[0]=…&include[1]=… with orderby=include", func(t *testing.T) {
		var a, b, c attachment
		admin.raw(media, jpg, "php-a.jpg", nil).json(t, &a)
		admin.raw(media, jpg, "php-b.jpg", nil).json(t, &b)
		admin.raw(media, jpg, "php-c.jpg", nil).json(t, &c)
		for _, order := range [][]int64{{c.ID, a.ID, b.ID}, {b.ID, c.ID, a.ID}} {
			q := phpQuery("include[0]", fmt.Sprint(order[0]), "include[1]", fmt.Sprint(order[1]), "include[2]", fmt.Sprint(order[2]), "orderby", "include")
			r := admin.do("GET", media+"?"+q, nil, nil)
			expect(t, r, 200, "")
			if got := ids(t, r); !slices.Equal(got, order) {
				t.Errorf("%s: ids %v, want %v", q, got, order)
			}
		}
		// jQuery's and wpapi's a[]=…, and a comma list, read the same.
		for _, q := range []string{
			phpQuery("include[]", fmt.Sprint(b.ID), "include[]", fmt.Sprint(a.ID), "orderby", "include"),
			fmt.Sprintf("include=%d,%d&orderby=include", b.ID, a.ID),
		} {
			if got := ids(t, admin.do("GET", media+"?"+q, nil, nil)); !slices.Equal(got, []int64{b.ID, a.ID}) {
				t.Errorf("%s: ids %v, want [%d %d]", q, got, b.ID, a.ID)
			}
		}
		// PHP keeps an array's keys in the order they were sent (and
		// WordPress reads them with array_values), not sorted by index.
		q := phpQuery("include[1]", fmt.Sprint(a.ID), "include[0]", fmt.Sprint(c.ID), "orderby", "include")
		if got := ids(t, admin.do("GET", media+"?"+q, nil, nil)); !slices.Equal(got, []int64{a.ID, c.ID}) {
			t.Errorf("%s: ids %v, want the order sent [%d %d]", q, got, a.ID, c.ID)
		}
		// Paging keeps the order: each page's next link carries the array
		// as sent.
		q = phpQuery("include[0]", fmt.Sprint(c.ID), "include[1]", fmt.Sprint(a.ID), "include[2]", fmt.Sprint(b.ID), "orderby", "include", "per_page", "1")
		path := media + "?" + q
		var paged []int64
		for range 3 {
			r := admin.do("GET", path, nil, nil)
			expect(t, r, 200, "")
			paged = append(paged, ids(t, r)...)
			m := nextLink.FindStringSubmatch(strings.Join(r.header.Values("Link"), ","))
			if m == nil {
				break
			}
			path = strings.TrimPrefix(m[1], s.base)
		}
		if !slices.Equal(paged, []int64{c.ID, a.ID, b.ID}) {
			t.Errorf("pages of one by next link: %v, want [%d %d %d]", paged, c.ID, a.ID, b.ID)
		}
		// An object is no array: WordPress's type check refuses it.
		expect(t, admin.do("GET", media+"?"+phpQuery("include[k]", fmt.Sprint(a.ID), "orderby", "include"), nil, nil), 400, "rest_invalid_param")
	})

	t.Run("WordPress post-process as a form", func(t *testing.T) {
		r := admin.raw(media+"?generate_sub_sizes=false", jpg, "php-deferred.jpg", nil)
		expect(t, r, 201, "")
		var a attachment
		r.json(t, &a)
		if a = s.waitDone(t, a.ID); len(a.MediaDetails.Sizes) != 0 || len(a.MissingSizes) == 0 {
			t.Fatalf("deferred upload: sizes %d, missing %v", len(a.MediaDetails.Sizes), a.MissingSizes)
		}
		path := fmt.Sprintf("%s/%d/post-process", media, a.ID)
		// Sent but empty is a value not in the enum, not a missing one.
		expect(t, admin.phpForm(path, "action", ""), 400, "rest_invalid_param")
		r = admin.phpForm(path, "action", "create-image-subsizes")
		expect(t, r, 200, "")
		var got attachment
		r.json(t, &got)
		if got.ID != a.ID {
			t.Fatalf("post-process answered item %d, want %d", got.ID, a.ID)
		}
		done := s.waitDone(t, a.ID)
		sizes := map[string]int{}
		for _, sz := range done.MediaDetails.Sizes {
			sizes[sz.Name] = sz.Width
		}
		if done.ProcessingStatus != "ready" || len(done.MissingSizes) != 0 || sizes["medium"] != 300 || sizes["thumbnail"] != 150 {
			t.Errorf("after post-process: %s missing %v sizes %v", done.ProcessingStatus, done.MissingSizes, sizes)
		}
	})

	t.Run("WordPress edit with modifiers[0][type]=… as a form", func(t *testing.T) {
		var src attachment
		admin.raw(media, jpg, "php-edit.jpg", nil).json(t, &src)
		src = s.waitDone(t, src.ID)
		// Rotate 90 clockwise, then keep the left half: 640×480 → 240×640.
		r := admin.phpForm(fmt.Sprintf("%s/%d/edit", media, src.ID), "src", src.SourceURL,
			"modifiers[0][type]", "rotate", "modifiers[0][args][angle]", "90",
			"modifiers[1][type]", "crop", "modifiers[1][args][left]", "0", "modifiers[1][args][top]", "0",
			"modifiers[1][args][width]", "50", "modifiers[1][args][height]", "100",
			"title", "Edited by PHP")
		expect(t, r, 201, "")
		var edited attachment
		r.json(t, &edited)
		if edited.ID == src.ID || !strings.HasSuffix(edited.MediaDetails.File, "php-edit-edited.jpg") {
			t.Fatalf("edit answered %d %s", edited.ID, edited.MediaDetails.File)
		}
		done := s.waitDone(t, edited.ID)
		if done.ProcessingStatus != "ready" || done.MediaDetails.Width != 240 || done.MediaDetails.Height != 640 || done.Title.Raw != "Edited by PHP" {
			t.Errorf("rotate 90 + crop left half of 640×480: %s %dx%d %q %s", done.ProcessingStatus,
				done.MediaDetails.Width, done.MediaDetails.Height, done.Title.Raw, done.ProcessingError)
		}
		if cfg, _, _ := fetchImage(t, done.SourceURL); cfg.Width != 240 || cfg.Height != 640 {
			t.Errorf("edited file is %dx%d", cfg.Width, cfg.Height)
		}
		// A modifier that is no object fails as the JSON one does.
		expect(t, admin.phpForm(fmt.Sprintf("%s/%d/edit", media, src.ID), "src", src.SourceURL, "modifiers[0]", "rotate"), 400, "rest_invalid_param")
	})

	t.Run("Delivery API: filter[0]=…, sort[1]=…, id[1]=…", func(t *testing.T) {
		c := hcClient{t: t, base: s.base, key: newAPIKey(t, s.base, map[string]any{"name": "php", "scopes": []string{"umbraco:read", "umbraco:write"}}).key}
		folder := str(c.item(c.send("POST", "/media", map[string]any{"mediaTypeAlias": "Folder", "name": "PHP fruit"}), 201)["_id"])
		png := testPNG(t, 40, 30)
		keys := map[string]string{}
		// Made in this order, so sortOrder ascending is apple, banana, cherry.
		for _, name := range []string{"apple", "banana", "cherry"} {
			keys[name] = str(c.item(c.upload("POST", "/media", map[string]any{"mediaTypeAlias": "Image", "name": name, "parentId": folder}, name+".png", png), 201)["_id"])
		}
		c.item(c.upload("POST", "/media", map[string]any{"mediaTypeAlias": "File", "name": "mango list", "parentId": folder}, "mango.pdf", []byte("%PDF-1.4\n%%EOF\n")), 201)
		in := phpQuery("fetch", "children:"+folder)

		var page dPage
		dGet(t, s.base, "?"+in+"&"+phpQuery("filter[0]", "mediaType:Image", "filter[1]", "name:an"), 200, &page)
		if got := itemNames(page.Items); page.Total != 1 || !slices.Equal(got, []string{"banana"}) {
			t.Errorf("filter[0]=mediaType:Image&filter[1]=name:an: total %d %v, want [banana] (mango list is a File)", page.Total, got)
		}
		// The last sort is primary: by index, so sort[1], wherever it
		// comes in the query.
		for _, tt := range []struct {
			q    string
			want []string
		}{
			{phpQuery("filter[]", "mediaType:Image", "sort[1]", "name:desc", "sort[0]", "sortOrder:asc"), []string{"cherry", "banana", "apple"}},
			{phpQuery("filter[]", "mediaType:Image", "sort[1]", "sortOrder:asc", "sort[0]", "name:desc"), []string{"apple", "banana", "cherry"}},
		} {
			dGet(t, s.base, "?"+in+"&"+tt.q, 200, &page)
			if got := itemNames(page.Items); page.Total != 3 || !slices.Equal(got, tt.want) {
				t.Errorf("%s: total %d %v, want %v", tt.q, page.Total, got, tt.want)
			}
		}
		var items []dItem
		dGet(t, s.base, "/items?"+phpQuery("id[1]", keys["apple"], "id[0]", keys["cherry"]), 200, &items)
		if got := itemNames(items); !slices.Equal(got, []string{"cherry", "apple"}) {
			t.Errorf("items id[1]=apple&id[0]=cherry: %v, want [cherry apple]", got)
		}
		var p problem
		dGet(t, s.base, "/items?"+phpQuery("id[]", "xyz"), 400, &p)
		if len(p.Errors["id"]) == 0 {
			t.Errorf("id[]=xyz: %+v", p)
		}
	})
}
