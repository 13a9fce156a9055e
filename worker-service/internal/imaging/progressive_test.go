package imaging

import (
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/pixelmill/pixelmill/services/media"
)

// TestProgressiveBudget: a progressive JPEG whose coefficient buffer would
// exceed the budget fails from its header, before any decode; the same
// picture saved baseline, or within the budget, is processed. Not parallel:
// it changes the process-wide budget.
func TestProgressiveBudget(t *testing.T) {
	im, err := vips.NewImageFromBuffer(fixture(t, "photo-1920x1080.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	progressive, _, err := im.ExportJpeg(&vips.JpegExportParams{Quality: 85, Interlace: true})
	if err != nil {
		t.Fatal(err)
	}
	baseline, _, err := im.ExportJpeg(&vips.JpegExportParams{Quality: 85})
	if err != nil {
		t.Fatal(err)
	}
	prev := progressiveBudget.Load()
	defer progressiveBudget.Store(prev)

	progressiveBudget.Store(1920 * 1080 * progressiveBytesPerPixel) // exactly enough
	if _, err := Process(t.Context(), Request{Source: progressive, Basename: "p.jpg", Sizes: media.DefaultSizes()}); err != nil {
		t.Fatalf("within the budget: %v", err)
	}
	progressiveBudget.Store(1920*1080*progressiveBytesPerPixel - 1)
	_, err = Process(t.Context(), Request{Source: progressive, Basename: "p.jpg", Sizes: media.DefaultSizes()})
	if !IsInputError(err) {
		t.Fatalf("over the budget: want an InputError, got %v", err)
	}
	t.Logf("refused: %v", err)
	if _, err := Process(t.Context(), Request{Source: baseline, Basename: "b.jpg", Sizes: media.DefaultSizes()}); err != nil {
		t.Fatalf("a baseline JPEG is not held to the progressive budget: %v", err)
	}
}
