package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

// markedJPEG makes a w×h JPEG of grey noise with a red square centred at
// red and a blue one at blue (fractions of the size), side px each.
func markedJPEG(t *testing.T, w, h, side int, red, blue [2]float64) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			g := uint8(100 + rng.IntN(60))
			img.Set(x, y, color.RGBA{g, g, g, 255})
		}
	}
	paint := func(at [2]float64, c color.RGBA) {
		cx, cy := int(at[0]*float64(w)), int(at[1]*float64(h))
		for y := cy - side/2; y < cy+side/2; y++ {
			for x := cx - side/2; x < cx+side/2; x++ {
				img.Set(x, y, c)
			}
		}
	}
	paint(red, color.RGBA{230, 20, 20, 255})
	paint(blue, color.RGBA{20, 20, 230, 255})
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// markers decodes an image and reports whether it shows the red and the
// blue marker (a few strongly coloured pixels each).
func markers(t *testing.T, data []byte) (w, h int, red, blue bool) {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	var nr, nb int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if r > 180 && g < 80 && bl < 80 {
				nr++
			}
			if bl > 180 && r < 80 && g < 80 {
				nb++
			}
		}
	}
	return b.Dx(), b.Dy(), nr >= 9, nb >= 9
}

// TestCropsAndImageURLs checks the named crops the workers cut (exact
// sizes, the focal point inside, cut again when it moves) and the image
// URL parameters of both Umbraco syntaxes against the live stack.
func TestCropsAndImageURLs(t *testing.T) {
	s := startStackEnv(t, 1, map[string]string{"PIXELMILL_IMAGE_MAX_RENDITIONS": "5"})
	c := hcClient{t: t, base: s.base, key: newAPIKey(t, s.base, map[string]any{"name": "crops", "scopes": []string{"umbraco:read", "umbraco:write"}}).key}
	web := wpClient{t: t, base: s.base}
	red, blue := [2]float64{0.8, 0.25}, [2]float64{0.1, 0.95}
	photo := markedJPEG(t, 1600, 1000, 40, red, blue)
	item := c.item(c.upload("POST", "/media", map[string]any{"mediaTypeAlias": "Image", "name": "Marked",
		"umbracoFile": map[string]any{"src": "marked.jpg", "focalPoint": map[string]any{"left": red[0], "top": red[1]}}}, "marked.jpg", photo), 201)
	src := str(item["umbracoFile"].(map[string]any)["src"])
	id := str(item["_id"])

	crop := func(alias string) []byte {
		t.Helper()
		r := web.do("GET", src+"?crop="+alias, nil, nil)
		if r.status != 200 || r.header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("crop %s: %d %s %s", alias, r.status, r.header.Get("Content-Type"), r.body)
		}
		return r.body
	}
	for _, want := range []struct {
		alias string
		w, h  int
	}{{"thumb", 300, 300}, {"wide", 1200, 630}} {
		w, h, hasRed, hasBlue := markers(t, crop(want.alias))
		if w != want.w || h != want.h || !hasRed || hasBlue {
			t.Fatalf("%s: %d×%d, red (the focal point) %v, blue %v", want.alias, w, h, hasRed, hasBlue)
		}
	}

	// A new focal point has the crops cut again around it.
	c.item(c.send("PUT", "/media/"+id, map[string]any{"umbracoFile": map[string]any{"src": src, "focalPoint": map[string]any{"left": blue[0], "top": blue[1]}}}), 200)
	var hasRed, hasBlue bool
	var w, h int
	waitFor(t, 30*time.Second, "thumb cut around the new focal point", func() bool {
		w, h, hasRed, hasBlue = markers(t, crop("thumb"))
		return hasBlue
	})
	if w != 300 || h != 300 || hasRed {
		t.Fatalf("thumb after the move: %d×%d red %v", w, h, hasRed)
	}

	// Hand-placed coordinates win over the focal point: the top right
	// quarter holds only the red marker.
	c.item(c.send("PUT", "/media/"+id, map[string]any{"umbracoFile": map[string]any{"src": src, "crops": []any{
		map[string]any{"alias": "wide", "width": 1200, "height": 630, "coordinates": map[string]any{"x1": 0.5, "y1": 0, "x2": 0, "y2": 0.5}}}}}), 200)
	waitFor(t, 30*time.Second, "wide cut from its coordinates", func() bool {
		w, h, hasRed, hasBlue = markers(t, crop("wide"))
		return hasRed
	})
	if w != 1200 || h != 630 || hasBlue {
		t.Fatalf("wide from coordinates: %d×%d blue %v", w, h, hasBlue)
	}

	// ImageSharp's parameters, and ImageProcessor's spelling of the same
	// crop, which is the same cached rendition.
	sharp := web.do("GET", src+"?width=300&height=200&rmode=crop&rxy=0.8,0.25", nil, nil)
	if sharp.status != 200 {
		t.Fatalf("rxy crop: %d %s", sharp.status, sharp.body)
	}
	if w, h, hasRed, _ := markers(t, sharp.body); w != 300 || h != 200 || !hasRed {
		t.Fatalf("rxy crop %d×%d red %v", w, h, hasRed)
	}
	proc := web.do("GET", src+"?center=0.25,0.8&mode=crop&height=200&width=300", nil, nil)
	if proc.status != 200 || !bytes.Equal(proc.body, sharp.body) {
		t.Fatalf("ImageProcessor spelling: %d, same bytes %v", proc.status, bytes.Equal(proc.body, sharp.body))
	}
	// Without a focal point, an anchor places the crop: right keeps the red
	// marker (at 80 % across), left the blue one (at 10 %).
	for anchor, wantRed := range map[string]bool{"right": true, "left": false} {
		r := web.do("GET", src+"?width=200&height=200&mode=crop&anchor="+anchor, nil, nil)
		if w, h, hasRed, hasBlue := markers(t, r.body); r.status != 200 || w != 200 || h != 200 || hasRed != wantRed || hasBlue == wantRed {
			t.Fatalf("anchor=%s: %d %d×%d red %v blue %v", anchor, r.status, w, h, hasRed, hasBlue)
		}
	}
	// cc cuts a region first: the inner 80 %×60 % at width 100.
	cc := web.do("GET", src+"?cc=0.1,0.2,0.1,0.2&width=100", nil, nil)
	if w, h, _, _ := markers(t, cc.body); cc.status != 200 || w != 100 || h != 47 {
		t.Fatalf("cc: %d, %d×%d", cc.status, w, h)
	}
	webp := web.do("GET", src+"?width=120&format=webp&quality=60", nil, nil)
	if webp.status != 200 || webp.header.Get("Content-Type") != "image/webp" {
		t.Fatalf("format=webp: %d %s", webp.status, webp.header.Get("Content-Type"))
	}
	// Five renditions are stored now (rxy, two anchors, cc, webp), the most
	// this stack allows per item: a new one is refused, stored ones are
	// still served.
	if r := web.do("GET", src+"?width=77", nil, nil); r.status != 403 {
		t.Fatalf("a sixth rendition: %d %s", r.status, r.body)
	}
	if r := web.do("GET", src+"?rxy=0.8,0.25&height=200&width=300&rmode=crop", nil, nil); r.status != 200 || !bytes.Equal(r.body, sharp.body) {
		t.Fatalf("a stored rendition past the bound: %d", r.status)
	}
	for _, bad := range []string{"?width=99999", "?width=-1", "?rmode=bogus&width=10", "?rxy=2,0&width=10&height=10", "?crop=nope", "?quality=0&width=10"} {
		if r := web.do("GET", src+bad, nil, nil); r.status != 400 {
			t.Fatalf("%s: %d, want 400", bad, r.status)
		}
	}
	// Parameters that change nothing serve the file as stored.
	if r := web.do("GET", src+"?v=123&rnd=9", nil, nil); r.status != 200 || !bytes.Equal(r.body, photo) {
		t.Fatalf("cache busters only: %d", r.status)
	}

	// Without a focal point a crop follows libvips' attention: a real
	// photo, uploaded through WordPress, gets both crops at exact sizes.
	a := s.uploadMultipart(t, filepath.Join(testdataDir(t), "photo-640x480.jpg"), "From WordPress")
	done := s.waitDone(t, a.ID)
	path := strings.TrimPrefix(done.SourceURL, s.base+"/wp-content/uploads")
	orig := strings.TrimSuffix(path, "-scaled.jpg")
	for alias, size := range map[string][2]int{"thumb": {300, 300}, "wide": {1200, 630}} {
		r := web.do("GET", "/media"+orig+"?crop="+alias, nil, nil)
		if r.status != 200 {
			t.Fatalf("attention crop %s: %d %s", alias, r.status, r.body)
		}
		if w, h, _, _ := markers(t, r.body); w != size[0] || h != size[1] {
			t.Fatalf("attention crop %s: %d×%d", alias, w, h)
		}
	}

	// An image made before its type had crops (here: its crops forgotten)
	// gets them cut when one is first asked for.
	db := postgrestest.Open(t, s.dbURL)
	if _, err := db.Pool.Exec(context.Background(), `DELETE FROM media_files WHERE media_id = $1 AND role = 'crop'`, a.ID); err != nil {
		t.Fatal(err)
	}
	r := web.do("GET", "/media"+orig+"?crop=thumb", nil, nil)
	if w, h, _, _ := markers(t, r.body); r.status != 200 || w != 300 || h != 300 {
		t.Fatalf("a crop asked for before it was cut: %d %d×%d", r.status, w, h)
	}
}
