package imaging

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"strings"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
)

func TestProbeFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want Header
	}{
		{"photo-3840x2400.jpg", Header{Format: "jpeg", MIME: "image/jpeg", Width: 3840, Height: 2400, Orientation: 1, Pages: 1}},
		{"photo-640x480.jpg", Header{Format: "jpeg", MIME: "image/jpeg", Width: 640, Height: 480, Pages: 1}},
		{"progressive.jpg", Header{Format: "jpeg", MIME: "image/jpeg", Width: 800, Height: 500, Pages: 1, Progressive: true}},
		{"interlaced.png", Header{Format: "png", MIME: "image/png", Width: 400, Height: 300, Pages: 1, Progressive: true}},
		{"alpha.png", Header{Format: "png", MIME: "image/png", Width: 1200, Height: 800, Pages: 1, HasAlpha: true}},
		// libvips 8.14 wrote its minimal EXIF (orientation 1) into this one.
		{"photo.webp", Header{Format: "webp", MIME: "image/webp", Width: 1600, Height: 1000, Orientation: 1, Pages: 1}},
		{"gnome-pixels-l.webp", Header{Format: "webp", MIME: "image/webp", Width: 4096, Height: 4096, Pages: 1}},
		{"photo.gif", Header{Format: "gif", MIME: "image/gif", Width: 800, Height: 500, Pages: 1}},
		{"exif/iphone-4s.jpg", Header{Format: "jpeg", MIME: "image/jpeg", Width: 205, Height: 102, Orientation: 6, Pages: 1}},
		{"orientation/orientation_0.jpg", Header{Format: "jpeg", MIME: "image/jpeg", Width: 50, Height: 70, Pages: 1}},
		{"orientation/orientation_8.jpg", Header{Format: "jpeg", MIME: "image/jpeg", Width: 70, Height: 50, Orientation: 8, Pages: 1}},
		// Only the header is read, so a file cut off mid-scan probes fine.
		{"truncated.jpg", Header{Format: "jpeg", MIME: "image/jpeg", Width: 500, Height: 375, Orientation: 1, Pages: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got, err := Probe(fixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestProbeAnimatedGIF(t *testing.T) {
	t.Parallel()
	pal := color.Palette{color.Black, color.White}
	anim := &gif.GIF{}
	for i := 0; i < 3; i++ {
		frame := image.NewPaletted(image.Rect(0, 0, 40, 30), pal)
		frame.SetColorIndex(i, i, 1)
		anim.Image = append(anim.Image, frame)
		anim.Delay = append(anim.Delay, 10)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatal(err)
	}
	h, err := Probe(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if h.Format != "gif" || h.Pages != 3 || h.Width != 40 || h.Height != 30 {
		t.Errorf("got %+v, want a 40x30 gif with 3 pages", h)
	}
}

func TestProbeRejects(t *testing.T) {
	t.Parallel()
	photo := fixture(t, "photo-640x480.jpg")
	tests := []struct {
		name   string
		data   []byte
		reason string
	}{
		{"empty", nil, "empty file"},
		{"garbage", bytes.Repeat([]byte("not an image "), 50), "unsupported or unrecognised image format"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>`), "unsupported image format svg"},
		{"truncated header", photo[:120], "truncated or corrupt JPEG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Probe(tt.data)
			if !IsInputError(err) {
				t.Fatalf("got %v, want an InputError", err)
			}
			if !strings.HasPrefix(err.Error(), tt.reason) {
				t.Errorf("error %q, want it to start with %q", err, tt.reason)
			}
		})
	}
}

// pngHeaderBomb is a structurally valid PNG that claims w×h pixels but
// holds a few bytes of data: decoding it would fail, so an "image too
// large" error proves the limit was checked on the header alone.
func pngHeaderBomb(t testing.TB, w, h uint32) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		out.Write(n[:])
		body := append([]byte(typ), data...)
		out.Write(body)
		binary.BigEndian.PutUint32(n[:], crc32.ChecksumIEEE(body))
		out.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 1000))
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

func TestMaxPixelsFromHeader(t *testing.T) {
	t.Parallel()
	bomb := pngHeaderBomb(t, 20000, 20000) // 400 MP against the default 100 MP

	start := time.Now()
	_, err := Probe(bomb)
	if !IsInputError(err) || !strings.Contains(err.Error(), "image too large: 20000x20000") {
		t.Fatalf("Probe: got %v, want image too large", err)
	}
	_, err = Process(context.Background(), Request{Source: bomb, Basename: "bomb.png", Sizes: media.DefaultSizes()})
	if !IsInputError(err) || !strings.Contains(err.Error(), "image too large") {
		t.Fatalf("Process: got %v, want image too large", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusing the bomb took %v: it was decoded", d)
	}

	// The same file under the limit gets as far as decoding and fails
	// there: the check above really is the header one.
	if _, err := probe(bomb, 1<<40); err != nil {
		t.Fatalf("probe under the limit: %v", err)
	}

	// The limit is inclusive, on width×height as stored.
	photo := fixture(t, "photo-640x480.jpg")
	if _, err := probe(photo, 640*480); err != nil {
		t.Errorf("640x480 at limit 307200: %v", err)
	}
	if _, err := probe(photo, 640*480-1); !IsInputError(err) {
		t.Errorf("640x480 at limit 307199: got %v, want InputError", err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
	err := Config{Concurrency: -1, MaxPixels: 0}.Validate()
	if err == nil || !strings.Contains(err.Error(), "concurrency") || !strings.Contains(err.Error(), "max pixels") {
		t.Errorf("got %v, want both problems reported", err)
	}
	if err := Startup(Config{Concurrency: -1, MaxPixels: 1}); err == nil {
		t.Error("Startup accepted an invalid config")
	}
	// A second Startup with the running config is a no-op.
	if err := Startup(DefaultConfig()); err != nil {
		t.Errorf("second Startup: %v", err)
	}
}
