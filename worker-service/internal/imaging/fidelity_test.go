package imaging

import (
	"image"
	"math"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/pixelmill/pixelmill/services/media"
)

// psnr is the peak signal-to-noise ratio of b against a, over RGB, in dB.
func psnr(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes differ: %v vs %v", a.Bounds().Size(), b.Bounds().Size())
	}
	var sum float64
	ab, bb := a.Bounds(), b.Bounds()
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			for _, d := range []float64{float64(r1>>8) - float64(r2>>8), float64(g1>>8) - float64(g2>>8), float64(b1>>8) - float64(b2>>8)} {
				sum += d * d
			}
		}
	}
	mse := sum / float64(3*ab.Dx()*ab.Dy())
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// TestRenditionsFaithful checks that the pipeline's shortcut (one decode
// per shrink tier, every size of the tier resized from it in memory) stays
// faithful: every rendition is compared with a direct single resize of the
// original to the same size, encoded the same way. Both are JPEG q82, so
// the comparison is of what the shortcut changes.
func TestRenditionsFaithful(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"photo-3840x2400.jpg", "sideways-1200x1800.jpg", "progressive.jpg"} {
		src := fixture(t, name)
		res, err := Process(t.Context(), Request{Source: src, Basename: name, Sizes: media.DefaultSizes()})
		if err != nil {
			t.Fatal(err)
		}
		outs := res.Sizes
		if res.Main != nil {
			outs = append([]File{*res.Main}, outs...)
		}
		if len(outs) < 3 {
			t.Fatalf("%s: only %d renditions", name, len(outs))
		}
		upW, upH := res.Width, res.Height
		if res.Main != nil {
			upW, upH = uprightSize(t, src)
		}
		for _, f := range outs {
			// The direct resize: libvips' thumbnail from the file for this
			// one size (shrink-on-load as libvips itself picks it), as sharp
			// or a one-pipeline-per-size service makes each size. A crop
			// scales to cover the size, then keeps the centre.
			cw, ch := f.Width, f.Height
			if f.SizeName == "thumbnail" {
				s := math.Max(float64(f.Width)/float64(upW), float64(f.Height)/float64(upH))
				cw, ch = max(f.Width, int(math.Round(float64(upW)*s))), max(f.Height, int(math.Round(float64(upH)*s)))
			}
			ref, err := vips.LoadThumbnailFromBuffer(src, cw, ch, vips.InterestingNone, vips.SizeForce, vips.NewImportParams())
			if err != nil {
				t.Fatal(err)
			}
			if cw != f.Width || ch != f.Height {
				// WordPress's centred box, rounded as it rounds.
				x, y := int(math.Round(float64(cw-f.Width)/2)), int(math.Round(float64(ch-f.Height)/2))
				if err := ref.ExtractArea(x, y, f.Width, f.Height); err != nil {
					t.Fatal(err)
				}
			}
			data, _, err := ref.ExportJpeg(&vips.JpegExportParams{Quality: jpegQuality, OptimizeCoding: true})
			ref.Close()
			if err != nil {
				t.Fatal(err)
			}
			p := psnr(t, decodeGo(t, data), decodeGo(t, f.Data))
			t.Logf("%s %s %dx%d: PSNR %.1f dB", name, f.Name, f.Width, f.Height, p)
			if p < 40 {
				t.Errorf("%s %s: PSNR %.1f dB against a direct resize, want ≥ 40", name, f.Name, p)
			}
		}
	}
}

// uprightSize is the original's size as displayed (EXIF orientation applied).
func uprightSize(t *testing.T, src []byte) (int, int) {
	t.Helper()
	im, err := vips.NewImageFromBuffer(src)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	if err := im.AutoRotate(); err != nil {
		t.Fatal(err)
	}
	return im.Width(), im.Height()
}
