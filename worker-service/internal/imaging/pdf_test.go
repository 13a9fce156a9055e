package imaging

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
)

// TestPDFPreview renders the Debian FAQ's first page as WordPress does: an
// A4 page at 128 dpi, and its fallback sizes, the thumbnail not cropped.
func TestPDFPreview(t *testing.T) {
	t.Parallel()
	res, err := PDFPreview(context.Background(), PDFRequest{
		Source: fixture(t, "media/debian-faq.pdf"), Basename: "debian-faq.pdf", Sizes: media.DefaultSizes(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages != 73 {
		t.Errorf("pages %d, want 73", res.Pages)
	}
	// 595.28 x 841.89 points at 128 dpi.
	if f := res.Full; f.Name != "debian-faq-pdf.jpg" || f.Width != 1059 || f.Height != 1497 || f.MIME != "image/jpeg" || f.SizeName != "full" {
		t.Errorf("full %s %dx%d %s %s", f.Name, f.Width, f.Height, f.MIME, f.SizeName)
	}
	want := []string{"thumbnail debian-faq-pdf-106x150.jpg", "medium debian-faq-pdf-212x300.jpg", "large debian-faq-pdf-724x1024.jpg"}
	var got []string
	for _, f := range append([]File{res.Full}, res.Sizes...) {
		img, err := jpeg.Decode(bytes.NewReader(f.Data))
		if err != nil || img.Bounds().Dx() != f.Width || img.Bounds().Dy() != f.Height {
			t.Errorf("%s: decodes as %v (%v), recorded %dx%d", f.Name, img.Bounds(), err, f.Width, f.Height)
		}
		if f.SizeName != "full" {
			got = append(got, f.SizeName+" "+f.Name)
		}
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("sizes %v, want %v", got, want)
	}
	// The title page is white paper with black print: not blank, not dark.
	if mean, ink := paper(decodeGo(t, res.Full.Data)); mean < 200 || ink < 0.002 {
		t.Errorf("preview mean grey %.1f, %.4f of it ink: not a printed page", mean, ink)
	}
}

// paper is an image's mean luma (0 black to 255 white) and the share of
// its pixels darker than mid-grey.
func paper(img image.Image) (mean, ink float64) {
	var n float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g := float64(color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
			mean += g
			if g < 128 {
				ink++
			}
			n++
		}
	}
	return mean / n, ink / n
}

// TestPDFPreviewRefuses: PDFs over the limits, and bytes that are no PDF,
// fail as the file's fault with a reason, before any page is rendered.
func TestPDFPreviewRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		src    []byte
		reason string
	}{
		{"pages-10000.pdf", fixture(t, "media/pages-10000.pdf"), "the PDF has 10000 pages; at most 5000 are accepted"},
		{"page-100000pt.pdf", fixture(t, "media/page-100000pt.pdf"), "first page is 100000 x 100000 points"},
		{"garbage.pdf", []byte("%PDF-1.4\nthis is not a PDF at all\n"), "the PDF can't be read"},
		{"truncated.pdf", fixture(t, "media/debian-faq.pdf")[:3000], "the PDF"},
	} {
		_, err := PDFPreview(context.Background(), PDFRequest{Source: tt.src, Basename: tt.name, Sizes: media.DefaultSizes()})
		if !IsInputError(err) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%s: %v, want an input error with %q", tt.name, err, tt.reason)
		}
	}
}
