package imaging

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
)

// TestMain starts libvips once for the package, as the worker does, and
// fails the run if an ImageRef was left open.
func TestMain(m *testing.M) {
	if err := Startup(DefaultConfig()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if n := vips.OpenImageRefs(); n != 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "%d govips ImageRefs left open\n", n)
		code = 1
	}
	Shutdown()
	os.Exit(code)
}

// testdataDir is where deploy/local/testdata.sh put the real photos.
// Without it the tests fail: they are the point of this package's tests.
func testdataDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("PIXELMILL_TESTDATA_DIR")
	if dir == "" {
		t.Fatal("PIXELMILL_TESTDATA_DIR is not set: run `make test`, or " +
			"`deploy/local/testdata.sh DIR` and set PIXELMILL_TESTDATA_DIR=DIR")
	}
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err != nil {
		t.Fatalf("%s is not a complete fixture dir (%v): run deploy/local/testdata.sh %s", dir, err, dir)
	}
	return dir
}

// fixture reads one file of the fixture dir.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir(t), name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

// decodeGo decodes JPEG, PNG or GIF output with Go's own decoders, so
// pixel checks do not trust the library under test.
func decodeGo(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode output: %v", err)
	}
	return img
}

// signature is an 8×8 grey thumbnail by area averaging, normalised to
// mean 0 and standard deviation 64: a perceptual fingerprint that survives
// resizing and recompression but not rotation, and that a low-contrast
// photo cannot blur into "everything looks alike".
type signature [64]float64

func grey8(img image.Image) signature {
	var sig signature
	var n [64]float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			cell := (y-b.Min.Y)*8/b.Dy()*8 + (x-b.Min.X)*8/b.Dx()
			sig[cell] += float64(g)
			n[cell]++
		}
	}
	var mean, sd float64
	for i := range sig {
		sig[i] /= n[i]
		mean += sig[i] / 64
	}
	for i := range sig {
		sd += (sig[i] - mean) * (sig[i] - mean) / 64
	}
	sd = math.Max(math.Sqrt(sd), 1)
	for i := range sig {
		sig[i] = (sig[i] - mean) / sd * 64
	}
	return sig
}

// diff is the mean absolute difference of two signatures.
func (s signature) diff(o signature) float64 {
	var d float64
	for i := range s {
		d += math.Abs(s[i] - o[i])
	}
	return d / 64
}

// jpegSegment is one marker segment before the scan.
type jpegSegment struct {
	marker  byte
	payload []byte
}

// jpegSegments lists the segments of a JPEG up to its first scan.
func jpegSegments(t testing.TB, b []byte) []jpegSegment {
	t.Helper()
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		t.Fatalf("not a JPEG")
	}
	var segs []jpegSegment
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			t.Fatalf("bad marker at %d", i)
		}
		m := b[i+1]
		if m == 0xDA {
			return segs
		}
		n := int(binary.BigEndian.Uint16(b[i+2 : i+4]))
		end := min(i+2+n, len(b)) // a corrupt fixture may claim more than it has
		segs = append(segs, jpegSegment{m, b[i+4 : end]})
		i = end
	}
	return segs
}

// withSegment inserts a marker segment right after a JPEG's SOI.
func withSegment(jpg []byte, marker byte, payload []byte) []byte {
	out := []byte{0xFF, 0xD8, 0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(out[4:], uint16(len(payload)+2))
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// withOrientation gives a JPEG an EXIF block holding only an orientation,
// as a camera held sideways writes it.
func withOrientation(jpg []byte, orientation uint16) []byte {
	exif := []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08" + // TIFF header, IFD0 at 8
		"\x00\x01" + // one entry
		"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00" + // Orientation SHORT ×1
		"\x00\x00\x00\x00") // no next IFD
	binary.BigEndian.PutUint16(exif[6+8+2+8:], orientation)
	return withSegment(jpg, 0xE1, exif)
}

// withExtraneousBytes puts two stray bytes between a JPEG's first two
// marker segments, as some cameras do: libjpeg warns "Corrupt JPEG data:
// 2 extraneous bytes before marker" and decodes the image all the same.
func withExtraneousBytes(jpg []byte) []byte {
	end := 4 + int(binary.BigEndian.Uint16(jpg[4:6]))
	out := append([]byte{}, jpg[:end]...)
	out = append(out, 0, 0)
	return append(out, jpg[end:]...)
}
