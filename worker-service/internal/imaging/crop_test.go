package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/pixelmill/pixelmill/services/media"
)

// markerSide is the side of the red square the focal tests paint: big
// enough to survive a 1/8 shrink-on-load as a few pixels.
const markerSide = 24

// markedPhoto is a w×h grey picture with texture, so that resizing and
// JPEG have work to do, and a pure red side×side square centred on
// (mx, my): the only saturated pixels, so finding red finds the marker.
func markedPhoto(w, h, mx, my, side int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			g := 120 + 50*math.Sin(float64(x)/23)*math.Cos(float64(y)/31) + float64((x*7919+y*104729)%17)
			v := uint8(max(0, min(255, g)))
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	paintRed(img, mx, my, side)
	return img
}

// paintRed paints a side×side pure red square centred on (mx, my).
func paintRed(img *image.RGBA, mx, my, side int) {
	for y := my - side/2; y < my-side/2+side; y++ {
		for x := mx - side/2; x < mx-side/2+side; x++ {
			if image.Pt(x, y).In(img.Bounds()) {
				img.SetRGBA(x, y, color.RGBA{255, 0, 0, 255})
			}
		}
	}
}

// greyPhoto is a fixture photo in grey, so a red marker painted on it is
// the only red there is.
func greyPhoto(t *testing.T, name string) *image.RGBA {
	t.Helper()
	src := decodeGo(t, fixture(t, name))
	b := src.Bounds()
	img := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			g := color.GrayModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
			img.SetRGBA(x, y, color.RGBA{g, g, g, 255})
		}
	}
	return img
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rotateAnticlockwise turns an upright image as a camera held sideways
// stores it: EXIF orientation 6 turns it back.
func rotateAnticlockwise(img *image.RGBA) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			out.Set(y, b.Dx()-1-x, img.At(x, y))
		}
	}
	return out
}

// visibleCentre is the centre of the part of paintRed's square that lies
// in a w×h image.
func visibleCentre(mx, my, side, w, h int) (float64, float64) {
	x0, y0 := max(0, mx-side/2), max(0, my-side/2)
	x1, y1 := min(w, mx-side/2+side), min(h, my-side/2+side)
	return float64(x0+x1) / 2, float64(y0+y1) / 2
}

// decodeAny decodes an output with Go's decoders, going through a PNG
// made by libvips for WebP, which Go's standard library cannot read.
func decodeAny(t *testing.T, b []byte) image.Image {
	t.Helper()
	if len(b) < 12 || string(b[8:12]) != "WEBP" {
		return decodeGo(t, b)
	}
	im, err := vips.NewImageFromBuffer(b)
	if err != nil {
		t.Fatalf("decode WebP: %v", err)
	}
	defer im.Close()
	out, _, err := im.ExportPng(vips.NewPngExportParams())
	if err != nil {
		t.Fatalf("WebP to PNG: %v", err)
	}
	return decodeGo(t, out)
}

// findRed returns the centre of the clearly red pixels of img and how many
// there are.
func findRed(img image.Image) (cx, cy float64, n int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a>>8 > 128 && r>>8 > 170 && g>>8 < 100 && bl>>8 < 100 {
				cx += float64(x - b.Min.X)
				cy += float64(y - b.Min.Y)
				n++
			}
		}
	}
	if n > 0 {
		cx, cy = cx/float64(n)+0.5, cy/float64(n)+0.5
	}
	return cx, cy, n
}

// checkMarker fails unless out shows the red marker where the point
// (px, py) of the upright source lands when box is scaled to out's size.
func checkMarker(t *testing.T, what string, out []byte, box media.Rect, px, py float64) {
	t.Helper()
	checkMarkerIn(t, what, decodeAny(t, out), box, px, py)
}

// checkMarkerIn is checkMarker on a decoded image (or part of one).
func checkMarkerIn(t *testing.T, what string, img image.Image, box media.Rect, px, py float64) {
	t.Helper()
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	cx, cy, n := findRed(img)
	if n == 0 {
		t.Errorf("%s: no red marker in the %dx%d output", what, w, h)
		return
	}
	ex := (px - float64(box.X)) * float64(w) / float64(box.W)
	ey := (py - float64(box.Y)) * float64(h) / float64(box.H)
	// A marker cut by the box edge has its centre moved inwards by up to
	// half its scaled side.
	tol := 2 + float64(markerSide)/2*math.Max(float64(w)/float64(box.W), float64(h)/float64(box.H))
	if math.Abs(cx-ex) > tol || math.Abs(cy-ey) > tol {
		t.Errorf("%s: marker at %.1f,%.1f of %dx%d, want %.1f,%.1f (±%.1f)", what, cx, cy, w, h, ex, ey, tol)
	}
}

// cropRequests is what the worker asks for: the type's crops with boxes
// from media.CropBox.
func cropRequests(w, h int, defs []media.CropDef, focal *media.Point, coords map[string]media.Coords) []CropRequest {
	var out []CropRequest
	for _, d := range defs {
		var c *media.Coords
		if v, ok := coords[d.Alias]; ok {
			c = &v
		}
		req := CropRequest{Alias: d.Alias, W: d.Width, H: d.Height}
		if box, ok := media.CropBox(w, h, d, focal, c); ok {
			req.Box = &box
		}
		out = append(out, req)
	}
	return out
}

func imageCrops() []media.CropDef { return media.DefaultMediaTypes()[1].Crops }

// checkCrop checks one crop output: its name, exact size in the file as
// encoded, format, and no camera metadata.
func checkCrop(t *testing.T, f File, name string, w, h int, format string) {
	t.Helper()
	if f.Name != name || f.Width != w || f.Height != h {
		t.Errorf("crop %s %dx%d, want %s %dx%d", f.Name, f.Width, f.Height, name, w, h)
	}
	hdr, err := Probe(f.Data)
	if err != nil {
		t.Fatalf("%s: probe: %v", f.Name, err)
	}
	if hdr.Width != w || hdr.Height != h || hdr.Format != format || hdr.MIME != f.MIME {
		t.Errorf("%s encoded as %s %s %dx%d, want %s %dx%d", f.Name, hdr.Format, hdr.MIME, hdr.Width, hdr.Height, format, w, h)
	}
	if hdr.Orientation > 1 {
		t.Errorf("%s: orientation %d left in the output", f.Name, hdr.Orientation)
	}
	if format == "jpeg" {
		checkNoMetadata(t, f)
	}
}

// TestProcessCropsFocal paints a red marker on a grey 3840×2400 photo at
// several focal points, asks Process for the Image type's crops around
// each, and finds the marker in every crop where the box puts it.
func TestProcessCropsFocal(t *testing.T) {
	t.Parallel()
	photo := greyPhoto(t, "photo-3840x2400.jpg")
	const side = 4 * markerSide // survives the 1/8 decode of the thumb tier
	for _, focal := range []media.Point{{Left: 0.8, Top: 0.3}, {Left: 0.5, Top: 0.5}, {Left: 0.02, Top: 0.97}, {Left: 0.99, Top: 0.01}} {
		t.Run(fmt.Sprintf("%.2f,%.2f", focal.Left, focal.Top), func(t *testing.T) {
			t.Parallel()
			img := image.NewRGBA(photo.Bounds())
			copy(img.Pix, photo.Pix)
			px, py := focal.Left*3840, focal.Top*2400
			paintRed(img, int(px), int(py), side)
			src := encodeJPEG(t, img)

			crops := cropRequests(3840, 2400, imageCrops(), &focal, nil)
			res, err := Process(context.Background(), Request{Source: src, Basename: "horizon.jpg", Sizes: media.DefaultSizes(), Crops: crops})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Crops) != 2 || len(res.Sizes) != 6 || res.Main == nil {
				t.Fatalf("got %d crops, %d sizes, main %v; want 2, 6 and a main file", len(res.Crops), len(res.Sizes), res.Main != nil)
			}
			checkCrop(t, res.Crops[0], "horizon~thumb.jpg", 300, 300, "jpeg")
			checkCrop(t, res.Crops[1], "horizon~wide.jpg", 1200, 630, "jpeg")
			for i, f := range res.Crops {
				if f.SizeName != crops[i].Alias {
					t.Errorf("crop %d SizeName %q, want %q", i, f.SizeName, crops[i].Alias)
				}
				mx, my := visibleCentre(int(px), int(py), side, 3840, 2400)
				checkMarker(t, f.Name, f.Data, *crops[i].Box, mx, my)
			}
		})
	}
}

// TestProcessCropsFormats runs the focal crops through each decoder path:
// PNG (whole decode), WebP (scale-on-load), GIF (one decode per job) and a
// JPEG stored sideways with EXIF orientation 6, whose crops are cut from
// the upright picture.
func TestProcessCropsFormats(t *testing.T) {
	t.Parallel()
	const w, h = 1600, 1000
	focal := media.Point{Left: 0.7, Top: 0.25}
	px, py := int(focal.Left*w), int(focal.Top*h)
	upright := markedPhoto(w, h, px, py, 2*markerSide)
	webp := func(t *testing.T) []byte {
		ref, err := Derive(context.Background(), encodePNG(t, upright), "x.png", media.Transform{Format: "webp", Quality: 95})
		if err != nil {
			t.Fatal(err)
		}
		return ref.Data
	}
	gif := func(t *testing.T) []byte {
		ref, err := Derive(context.Background(), encodePNG(t, upright), "x.png", media.Transform{Format: "gif"})
		if err != nil {
			t.Fatal(err)
		}
		return ref.Data
	}
	tests := []struct {
		name, basename, format string
		src                    func(t *testing.T) []byte
	}{
		{"png", "logo.png", "png", func(t *testing.T) []byte { return encodePNG(t, upright) }},
		{"webp", "pic.webp", "webp", webp},
		{"gif", "anim.gif", "gif", gif},
		{"sideways jpeg", "side.jpg", "jpeg", func(t *testing.T) []byte {
			return withOrientation(encodeJPEG(t, rotateAnticlockwise(upright)), 6)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			crops := cropRequests(w, h, imageCrops(), &focal, nil)
			res, err := Process(context.Background(), Request{Source: tt.src(t), Basename: tt.basename, Sizes: media.DefaultSizes(), Crops: crops})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Crops) != 2 {
				t.Fatalf("%d crops, want 2", len(res.Crops))
			}
			stem, ext := splitName(tt.basename, format{})
			checkCrop(t, res.Crops[0], stem+"~thumb."+ext, 300, 300, tt.format)
			checkCrop(t, res.Crops[1], stem+"~wide."+ext, 1200, 630, tt.format)
			for i, f := range res.Crops {
				checkMarker(t, f.Name, f.Data, *crops[i].Box, float64(px), float64(py))
			}
		})
	}
}

// TestProcessCropsCoords gives the thumb crop hand-placed coordinates
// round the marker and leaves wide to the focal point elsewhere: the
// coordinates win for thumb only.
func TestProcessCropsCoords(t *testing.T) {
	t.Parallel()
	const w, h = 3000, 1000
	src := encodeJPEG(t, markedPhoto(w, h, 300, 800, markerSide))
	// Region x 200..400, y 700..900: a 200×200 square round the marker.
	coords := map[string]media.Coords{"thumb": {X1: 200.0 / w, Y1: 0.7, X2: 2600.0 / w, Y2: 0.1}}
	focal := &media.Point{Left: 0.9, Top: 0.1}
	crops := cropRequests(w, h, imageCrops(), focal, coords)
	if *crops[0].Box != (media.Rect{X: 200, Y: 700, W: 200, H: 200}) {
		t.Fatalf("thumb box %+v, want the coordinates' 200×200 at 200,700", *crops[0].Box)
	}
	res, err := Process(context.Background(), Request{Source: src, Basename: "c.jpg", Sizes: media.DefaultSizes(), Crops: crops})
	if err != nil {
		t.Fatal(err)
	}
	checkCrop(t, res.Crops[0], "c~thumb.jpg", 300, 300, "jpeg")
	checkCrop(t, res.Crops[1], "c~wide.jpg", 1200, 630, "jpeg")
	// The 200×200 region is enlarged to 300×300 with the marker in the middle.
	checkMarker(t, "thumb", res.Crops[0].Data, *crops[0].Box, 300, 800)
	if _, _, n := findRed(decodeGo(t, res.Crops[1].Data)); n != 0 {
		t.Errorf("wide, cut round the focal point at the top right, shows %d red pixels", n)
	}
}

// TestCropsEnlargeSmallRegion cuts a 1200×630 crop from coordinates that
// keep a 60×32 region of a 6000×4000 photo: the region is cut, then
// enlarged, never the whole photo enlarged 20 times.
func TestCropsEnlargeSmallRegion(t *testing.T) {
	t.Parallel()
	const w, h = 6000, 4000
	src := encodeJPEG(t, markedPhoto(w, h, 3030, 2016, 8))
	c := media.Coords{X1: 0.5, Y1: 0.5, X2: 0.49, Y2: 0.492}
	box, _ := media.CropBox(w, h, media.CropDef{Alias: "wide", Width: 1200, Height: 630}, nil, &c)
	files, err := Crops(context.Background(), src, "big.jpg", []CropRequest{{Alias: "wide", W: 1200, H: 630, Box: &box}})
	if err != nil {
		t.Fatal(err)
	}
	checkCrop(t, files[0], "big~wide.jpg", 1200, 630, "jpeg")
	checkMarker(t, "wide", files[0].Data, box, 3030, 2016)
}

// TestCropsAttention checks libvips' smart crop, used when an item has
// neither a focal point nor coordinates: always exactly the crop's size,
// enlarging a small image, and on a plain grey picture drawn to the one
// saturated thing in it.
func TestCropsAttention(t *testing.T) {
	t.Parallel()
	defs := append(imageCrops(), media.CropDef{Alias: "tall", Width: 100, Height: 800})
	tests := []struct {
		name string
		src  []byte
		w, h int
	}{
		{"photo", fixture(t, "photo-1920x1080.jpg"), 1920, 1080},
		{"png with alpha", fixture(t, "alpha.png"), 1200, 800},
		{"small", encodeJPEG(t, markedPhoto(200, 100, 150, 50, 10)), 200, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			crops := cropRequests(tt.w, tt.h, defs, nil, nil)
			for _, c := range crops {
				if c.Box != nil {
					t.Fatalf("crop %s has a box without focal point or coordinates", c.Alias)
				}
			}
			files, err := Crops(context.Background(), tt.src, "a.jpg", crops)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != len(defs) {
				t.Fatalf("%d crops, want %d", len(files), len(defs))
			}
			for i, d := range defs {
				if files[i].Width != d.Width || files[i].Height != d.Height || files[i].SizeName != d.Alias {
					t.Errorf("crop %s %dx%d, want %s %dx%d", files[i].SizeName, files[i].Width, files[i].Height, d.Alias, d.Width, d.Height)
				}
				hdr, err := Probe(files[i].Data)
				if err != nil || hdr.Width != d.Width || hdr.Height != d.Height {
					t.Errorf("crop %s encoded %dx%d (%v), want %dx%d", d.Alias, hdr.Width, hdr.Height, err, d.Width, d.Height)
				}
			}
		})
	}

	// A smooth grey gradient with one red square near the right edge: the
	// square portrait crop of this landscape picture must include it.
	img := image.NewRGBA(image.Rect(0, 0, 1600, 800))
	for y := range 800 {
		for x := range 1600 {
			v := uint8(80 + x/20)
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	paintRed(img, 1450, 400, 80)
	files, err := Crops(context.Background(), encodeJPEG(t, img), "g.jpg", []CropRequest{{Alias: "thumb", W: 300, H: 300}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, n := findRed(decodeGo(t, files[0].Data)); n == 0 {
		t.Error("attention crop missed the only saturated thing in the picture")
	}
}

// TestCropsOnlyMatchesProcess checks that the crops job cuts what the
// renditions job cut.
func TestCropsOnlyMatchesProcess(t *testing.T) {
	t.Parallel()
	src := encodeJPEG(t, markedPhoto(1600, 1000, 400, 600, markerSide))
	crops := cropRequests(1600, 1000, imageCrops(), &media.Point{Left: 0.25, Top: 0.6}, nil)
	res, err := Process(context.Background(), Request{Source: src, Basename: "m.jpg", Sizes: media.DefaultSizes(), Crops: crops})
	if err != nil {
		t.Fatal(err)
	}
	only, err := Crops(context.Background(), src, "m.jpg", crops)
	if err != nil {
		t.Fatal(err)
	}
	if len(only) != len(res.Crops) {
		t.Fatalf("%d crops alone, %d with the renditions", len(only), len(res.Crops))
	}
	for i := range only {
		a, b := res.Crops[i], only[i]
		if a.Name != b.Name || a.Width != b.Width || a.Height != b.Height {
			t.Errorf("crop %d: %s %dx%d alone, %s %dx%d with the renditions", i, b.Name, b.Width, b.Height, a.Name, a.Width, a.Height)
		}
		if d := grey8(decodeGo(t, a.Data)).diff(grey8(decodeGo(t, b.Data))); d > perceptualLimit {
			t.Errorf("crop %s differs by %.1f", a.Name, d)
		}
	}
}

func TestCropsRefuseBadRequests(t *testing.T) {
	t.Parallel()
	src := encodeJPEG(t, markedPhoto(400, 300, 10, 10, 4))
	for _, c := range []CropRequest{
		{Alias: "x", W: 0, H: 10},
		{Alias: "x", W: 10, H: 5000},
		{Alias: "x", W: 10, H: 10, Box: &media.Rect{X: 300, Y: 0, W: 200, H: 100}},
		{Alias: "x", W: 10, H: 10, Box: &media.Rect{X: 0, Y: 0, W: 0, H: 100}},
	} {
		_, err := Crops(context.Background(), src, "x.jpg", []CropRequest{c})
		if err == nil || IsInputError(err) {
			t.Errorf("%+v: error %v, want an internal error (the caller's bug, not the file's)", c, err)
		}
	}
	if _, err := Crops(context.Background(), []byte("not an image"), "x.jpg", []CropRequest{{Alias: "x", W: 1, H: 1}}); !IsInputError(err) {
		t.Errorf("garbage: %v, want an InputError", err)
	}
}
