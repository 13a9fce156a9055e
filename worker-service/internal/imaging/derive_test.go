package imaging

import (
	"context"
	"image"
	"image/color"
	"net/url"
	"strings"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
)

// transform parses an image URL query as the API does.
func transform(t *testing.T, raw string) media.Transform {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	tr, alias, err := media.ParseImageQuery(q)
	if err != nil || alias != "" {
		t.Fatalf("%s: %v (alias %q)", raw, err, alias)
	}
	return tr
}

func derive(t *testing.T, src []byte, basename string, tr media.Transform) File {
	t.Helper()
	f, err := Derive(context.Background(), src, basename, tr)
	if err != nil {
		t.Fatalf("Derive %s: %v", tr.Canonical(), err)
	}
	return f
}

// checkDerived checks a derived file's name, size and format against its
// transform, and the size and format of its bytes.
func checkDerived(t *testing.T, f File, tr media.Transform, stem, ext, format string, w, h int) {
	t.Helper()
	c := tr.Canonical()
	if want := media.DerivedFileName(stem, c, ext); f.Name != want || f.SizeName != c {
		t.Errorf("file %s (%s), want %s (%s)", f.Name, f.SizeName, want, c)
	}
	if f.Width != w || f.Height != h {
		t.Errorf("%s: file says %dx%d, want %dx%d", c, f.Width, f.Height, w, h)
	}
	hdr, err := Probe(f.Data)
	if err != nil {
		t.Fatalf("%s: probe output: %v", c, err)
	}
	if hdr.Width != w || hdr.Height != h || hdr.Format != format || hdr.MIME != f.MIME {
		t.Errorf("%s: encoded as %s %s %dx%d, want %s %dx%d", c, hdr.Format, hdr.MIME, hdr.Width, hdr.Height, format, w, h)
	}
	if hdr.Orientation > 1 {
		t.Errorf("%s: orientation %d left in the output", c, hdr.Orientation)
	}
	if format == "jpeg" {
		checkNoMetadata(t, f)
	}
}

// TestDeriveModes makes each ImageSharp mode of a 1000×500 picture with a
// marker at 30%, 70% and checks the output's size, and for the modes that
// keep the marker, where it is.
func TestDeriveModes(t *testing.T) {
	t.Parallel()
	const w, h, px, py = 1000, 500, 300, 350
	src := encodeJPEG(t, markedPhoto(w, h, px, py, markerSide))
	tests := []struct {
		query        string
		width, heigh int
		marker       bool
	}{
		{"width=300&height=200&rmode=crop&rxy=0.3,0.7", 300, 200, true},
		{"center=0.7,0.3&mode=crop&width=300&height=200", 300, 200, true},
		{"width=300&height=200", 300, 200, true},
		{"width=200&height=200&ranchor=right", 200, 200, false},
		{"width=300&height=300&rmode=max", 300, 150, true},
		{"width=300&height=300&rmode=min", 600, 300, true},
		{"width=2000&height=2000&rmode=min", 1000, 500, true},
		{"width=300&height=300&rmode=stretch", 300, 300, true},
		{"width=300&height=300&rmode=pad", 300, 300, true},
		{"width=300&height=300&rmode=pad&ranchor=bottom", 300, 300, true},
		{"width=2000&height=2000&rmode=boxpad", 2000, 2000, true},
		{"width=2000&height=1500&rmode=crop&rxy=0.3,0.7", 2000, 1500, true},
		{"width=500", 500, 250, true},
		{"height=100&rmode=max", 200, 100, true},
		{"cc=0.1,0.2,0.1,0.2&width=100", 100, 38, true},
		{"cc=0.25,0.6,0.6,0.2", 150, 100, true},
		{"format=png", 1000, 500, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			tr := transform(t, tt.query)
			f := derive(t, src, "pic.jpg", tr)
			format, ext := "jpeg", "jpg"
			if tr.Format == "png" {
				format, ext = "png", "png"
			}
			checkDerived(t, f, tr, "pic", ext, format, tt.width, tt.heigh)
			l := tr.Plan(w, h)
			img := decodeGo(t, f.Data)
			inner := img.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(image.Rect(l.X, l.Y, l.X+l.W, l.Y+l.H))
			if tt.marker {
				checkMarkerIn(t, tt.query, inner, l.Box, px, py)
			} else if _, _, n := findRed(img); n != 0 {
				t.Errorf("%d red pixels, want the marker cut off", n)
			}
			if l.CanvasW != l.W || l.CanvasH != l.H {
				// The padding of a JPEG is white.
				for _, p := range []image.Point{{0, 0}, {l.CanvasW - 1, l.CanvasH - 1}} {
					if p.In(image.Rect(l.X, l.Y, l.X+l.W, l.Y+l.H)) {
						continue
					}
					if r, g, b, _ := img.At(p.X, p.Y).RGBA(); r>>8 < 245 || g>>8 < 245 || b>>8 < 245 {
						t.Errorf("padding at %v is %d,%d,%d, want white", p, r>>8, g>>8, b>>8)
					}
				}
			}
		})
	}
}

// TestDeriveInnerRegion is spec §2.4 test 33: cc=0.1,0.2,0.1,0.2&width=100
// is 100 wide and shows only the inner region. Everything outside the
// region is blue.
func TestDeriveInnerRegion(t *testing.T) {
	t.Parallel()
	img := markedPhoto(1000, 500, 500, 250, markerSide)
	for y := range 500 {
		for x := range 1000 {
			if x < 100 || x >= 900 || y < 100 || y >= 400 {
				img.SetRGBA(x, y, color.RGBA{0, 0, 255, 255})
			}
		}
	}
	tr := transform(t, "cc=0.1,0.2,0.1,0.2&width=100")
	f := derive(t, encodeJPEG(t, img), "in.jpg", tr)
	checkDerived(t, f, tr, "in", "jpg", "jpeg", 100, 38)
	out := decodeGo(t, f.Data)
	blue := 0
	for y := range 38 {
		for x := range 100 {
			r, g, b, _ := out.At(x, y).RGBA()
			if b>>8 > 160 && r>>8 < 90 && g>>8 < 90 {
				blue++
			}
		}
	}
	if blue > 38 { // at most a resampled edge row
		t.Errorf("%d blue pixels of 3800: the output shows outside the region", blue)
	}
	checkMarker(t, "inner", f.Data, tr.Plan(1000, 500).Box, 500, 250)
}

// TestDerivePhoto derives a focal crop from a 3840×2400 photo, through
// JPEG shrink-on-load, and finds the marker painted at the focal point.
func TestDerivePhoto(t *testing.T) {
	t.Parallel()
	img := greyPhoto(t, "photo-3840x2400.jpg")
	paintRed(img, 3072, 720, 4*markerSide)
	for _, q := range []string{"width=300&height=200&rxy=0.8,0.3", "width=150&height=400&rxy=0.8,0.3&format=webp", "width=1200&height=630&rxy=0.8,0.3&quality=60"} {
		tr := transform(t, q)
		f := derive(t, encodeJPEG(t, img), "photo.jpg", tr)
		format, ext := "jpeg", "jpg"
		if tr.Format == "webp" {
			format, ext = "webp", "webp"
		}
		checkDerived(t, f, tr, "photo", ext, format, tr.Width, tr.Height)
		checkMarker(t, q, f.Data, tr.Plan(3840, 2400).Box, 3072, 720)
	}
}

// TestDeriveSideways derives from a JPEG stored sideways with EXIF
// orientation 6: the transform applies to the upright picture.
func TestDeriveSideways(t *testing.T) {
	t.Parallel()
	upright := markedPhoto(1000, 500, 800, 100, markerSide)
	src := withOrientation(encodeJPEG(t, rotateAnticlockwise(upright)), 6)
	tr := transform(t, "width=200&height=200&rxy=0.8,0.2")
	f := derive(t, src, "side.jpg", tr)
	checkDerived(t, f, tr, "side", "jpg", "jpeg", 200, 200)
	checkMarker(t, "sideways", f.Data, tr.Plan(1000, 500).Box, 800, 100)
}

// TestDeriveFormats converts and re-encodes: format picks the encoder and
// the extension, quality changes the JPEG, and no format keeps the
// upload's format and its spelling of the extension.
func TestDeriveFormats(t *testing.T) {
	t.Parallel()
	src := encodeJPEG(t, markedPhoto(800, 600, 400, 300, markerSide))
	for _, tc := range []struct{ query, format, ext string }{
		{"width=400&format=png", "png", "png"},
		{"width=400&format=webp", "webp", "webp"},
		{"width=400&format=gif", "gif", "gif"},
		{"width=400&format=jpg", "jpeg", "jpg"},
		{"width=400", "jpeg", "JPG"},
	} {
		tr := transform(t, tc.query)
		f := derive(t, src, "Photo.JPG", tr)
		checkDerived(t, f, tr, "Photo", tc.ext, tc.format, 400, 300)
		checkMarker(t, tc.query, f.Data, media.Rect{W: 800, H: 600}, 400, 300)
	}
	low := derive(t, src, "p.jpg", transform(t, "width=400&quality=20"))
	high := derive(t, src, "p.jpg", transform(t, "width=400&quality=95"))
	if len(low.Data) >= len(high.Data) {
		t.Errorf("quality 20 gave %d bytes, quality 95 %d: quality is not applied", len(low.Data), len(high.Data))
	}
	if low.Name == high.Name {
		t.Errorf("two qualities share the name %s", low.Name)
	}
}

// TestDeriveBackground checks what fills the canvas and what replaces
// transparency: transparent padding in a PNG, white in a JPEG, white under
// a transparent PNG turned into a JPEG, and a grey JPEG padded in white.
func TestDeriveBackground(t *testing.T) {
	t.Parallel()
	// Dark blue, transparent at the left, opaque at the right.
	ramp := image.NewNRGBA(image.Rect(0, 0, 400, 200))
	for y := range 200 {
		for x := range 400 {
			ramp.SetNRGBA(x, y, color.NRGBA{0, 0, 128, uint8(x * 255 / 399)})
		}
	}
	rampPNG := encodePNG(t, ramp)

	padded := derive(t, rampPNG, "ramp.png", transform(t, "width=400&height=400&rmode=pad"))
	checkDerived(t, padded, transform(t, "width=400&height=400&rmode=pad"), "ramp", "png", "png", 400, 400)
	img := decodeGo(t, padded.Data)
	if _, _, _, a := img.At(399, 10).RGBA(); a != 0 {
		t.Errorf("PNG padding alpha %d, want transparent", a>>8)
	}
	if _, _, b, a := img.At(399, 200).RGBA(); a>>8 < 240 || b>>8 < 100 {
		t.Errorf("PNG picture's opaque side is b=%d a=%d, want opaque blue", b>>8, a>>8)
	}

	flat := derive(t, rampPNG, "ramp.png", transform(t, "format=jpg"))
	img = decodeGo(t, flat.Data)
	if r, g, b, _ := img.At(1, 100).RGBA(); r>>8 < 240 || g>>8 < 240 || b>>8 < 240 {
		t.Errorf("transparent side flattened to %d,%d,%d, want white", r>>8, g>>8, b>>8)
	}
	if r, _, b, _ := img.At(398, 100).RGBA(); r>>8 > 30 || b>>8 < 100 {
		t.Errorf("opaque side flattened to r=%d b=%d, want dark blue", r>>8, b>>8)
	}

	grey := image.NewGray(image.Rect(0, 0, 300, 100))
	for i := range grey.Pix {
		grey.Pix[i] = 60
	}
	boxed := derive(t, encodeJPEG(t, grey), "grey.jpg", transform(t, "width=300&height=300&rmode=boxpad"))
	img = decodeGo(t, boxed.Data)
	if r, g, b, _ := img.At(150, 10).RGBA(); r>>8 < 245 || g>>8 < 245 || b>>8 < 245 {
		t.Errorf("grey JPEG padded with %d,%d,%d, want white", r>>8, g>>8, b>>8)
	}
	if r, _, _, _ := img.At(150, 150).RGBA(); r>>8 > 80 {
		t.Errorf("grey JPEG's picture became %d, want dark grey", r>>8)
	}
}

func TestDeriveErrors(t *testing.T) {
	t.Parallel()
	ok := transform(t, "width=100")
	if _, err := Derive(context.Background(), []byte("not an image"), "x.jpg", ok); !IsInputError(err) {
		t.Errorf("garbage: %v, want an InputError", err)
	}
	if _, err := Derive(context.Background(), fixture(t, "truncated.jpg"), "x.jpg", ok); !IsInputError(err) {
		t.Errorf("truncated JPEG: %v, want an InputError", err)
	}
	src := encodeJPEG(t, markedPhoto(100, 100, 50, 50, 4))
	for _, bad := range []media.Transform{{Width: -1}, {Width: 5000}, {Mode: "manual", Width: 10}, {Format: "tiff"}, {Coords: &media.Coords{X1: 0.6, X2: 0.6}}} {
		_, err := Derive(context.Background(), src, "x.jpg", bad)
		if err == nil || IsInputError(err) {
			t.Errorf("%+v: %v, want an internal error (a bad job, not a bad file)", bad, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Derive(ctx, src, "x.jpg", ok); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("canceled: %v", err)
	}
}
