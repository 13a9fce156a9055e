package imaging

import (
	"bytes"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
)

// TestRenderersSameOutput: making a job's renditions at once gives the
// same files, byte for byte, as making them one after another, for a JPEG
// (tiers with shared decodes) and a PNG (one shared decode). Not parallel:
// it changes the process-wide number of renderers.
func TestRenderersSameOutput(t *testing.T) {
	prev := renderers.Load()
	defer renderers.Store(prev)
	for _, name := range []string{"photo-3840x2400.jpg", "alpha.png"} {
		src := fixture(t, name)
		run := func(n int64) *Result {
			renderers.Store(n)
			res, err := Process(t.Context(), Request{Source: src, Basename: name, Sizes: media.DefaultSizes()})
			if err != nil {
				t.Fatalf("%s with %d renderers: %v", name, n, err)
			}
			return res
		}
		one, four := run(1), run(4)
		if len(one.Sizes) != len(four.Sizes) || len(one.Sizes) < 3 {
			t.Fatalf("%s: %d vs %d sizes", name, len(one.Sizes), len(four.Sizes))
		}
		for i := range one.Sizes {
			a, b := one.Sizes[i], four.Sizes[i]
			if a.Name != b.Name || !bytes.Equal(a.Data, b.Data) {
				t.Errorf("%s: size %s differs with 4 renderers (%d vs %d bytes)", name, a.Name, len(a.Data), len(b.Data))
			}
		}
		if (one.Main == nil) != (four.Main == nil) || (one.Main != nil && !bytes.Equal(one.Main.Data, four.Main.Data)) {
			t.Errorf("%s: main file differs with 4 renderers", name)
		}
	}
}
