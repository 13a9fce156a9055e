package media

import (
	"fmt"
	"testing"
)

// The worked examples of WordPress's own maths (spec §12.2 and §12.3).
func TestResizeDimensions(t *testing.T) {
	t.Parallel()
	type want struct{ w, h int }
	tests := []struct {
		srcW, srcH int
		sizes      map[string]want // absent = no size
	}{
		{3840, 2400, map[string]want{"thumbnail": {150, 150}, "medium": {300, 188}, "medium_large": {768, 480}, "large": {1024, 640}, "1536x1536": {1536, 960}, "2048x2048": {2048, 1280}}},
		{640, 480, map[string]want{"thumbnail": {150, 150}, "medium": {300, 225}}},
		{1920, 1080, map[string]want{"thumbnail": {150, 150}, "medium": {300, 169}, "medium_large": {768, 432}, "large": {1024, 576}, "1536x1536": {1536, 864}}},
		{3000, 2000, map[string]want{"thumbnail": {150, 150}, "medium": {300, 200}, "medium_large": {768, 512}, "large": {1024, 683}, "1536x1536": {1536, 1024}, "2048x2048": {2048, 1365}}},
		{4000, 3000, map[string]want{"thumbnail": {150, 150}, "medium": {300, 225}, "medium_large": {768, 576}, "large": {1024, 768}, "1536x1536": {1536, 1152}, "2048x2048": {2048, 1536}}},
		{1800, 1200, map[string]want{"thumbnail": {150, 150}, "medium": {300, 200}, "medium_large": {768, 512}, "large": {1024, 683}, "1536x1536": {1536, 1024}}},
		{100, 400, map[string]want{"thumbnail": {100, 150}, "medium": {75, 300}}},
		{50, 50, map[string]want{}},
		{301, 301, map[string]want{"thumbnail": {150, 150}}}, // 300×300 is within a pixel of the source
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dx%d", tt.srcW, tt.srcH), func(t *testing.T) {
			t.Parallel()
			for _, s := range DefaultSizes() {
				w, h, _, ok := ResizeDimensions(tt.srcW, tt.srcH, s.Width, s.Height, s.Crop)
				exp, want := tt.sizes[s.Name]
				if ok != want || ok && (w != exp.w || h != exp.h) {
					t.Errorf("%s: got %dx%d ok=%v, want %dx%d ok=%v", s.Name, w, h, ok, exp.w, exp.h, want)
				}
			}
		})
	}
}

func TestResizeDimensionsCropBox(t *testing.T) {
	t.Parallel()
	// WordPress: thumbnail of 640×480 cuts a 480×480 box at x=80.
	_, _, box, _ := ResizeDimensions(640, 480, 150, 150, true)
	if box != (Rect{X: 80, Y: 0, W: 480, H: 480}) {
		t.Fatalf("box = %+v", box)
	}
}

func TestConstrainScaled(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ w, h, ww, wh int }{
		{3840, 2400, 2560, 1600},
		{3000, 2000, 2560, 1707},
		{4000, 3000, 2560, 1920},
		{2000, 6000, 853, 2560},
	} {
		if w, h := ConstrainDimensions(tt.w, tt.h, BigImageThreshold, BigImageThreshold); w != tt.ww || h != tt.wh {
			t.Errorf("%dx%d: got %dx%d, want %dx%d", tt.w, tt.h, w, h, tt.ww, tt.wh)
		}
	}
}

func TestMissingSizes(t *testing.T) {
	t.Parallel()
	got := MissingSizes(DefaultSizes(), 640, 480, map[string]bool{})
	if fmt.Sprint(got) != "[thumbnail medium]" {
		t.Fatalf("missing = %v", got)
	}
	got = MissingSizes(DefaultSizes(), 640, 480, map[string]bool{"thumbnail": true, "medium": true})
	if len(got) != 0 {
		t.Fatalf("missing = %v", got)
	}
}

func TestCreationOrder(t *testing.T) {
	t.Parallel()
	var names []string
	for _, s := range CreationOrder(DefaultSizes()) {
		names = append(names, s.Name)
	}
	if fmt.Sprint(names) != "[medium large thumbnail medium_large 1536x1536 2048x2048]" {
		t.Fatalf("order = %v", names)
	}
}

// TestResizeDimensionsExact pins size, crop box and "no file" together,
// beyond the stock sizes above: boxes of fit-inside sizes, unbounded sides,
// WordPress's one-pixel snaps and degenerate input.
func TestResizeDimensionsExact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		srcW, srcH, dstW, dstH int
		crop                   bool
		w, h                   int
		box                    Rect
		ok                     bool
	}{
		// 640×480 (spec §12.2/§12.3): thumbnail box 480×480 at x=80.
		{640, 480, 150, 150, true, 150, 150, Rect{80, 0, 480, 480}, true},
		{640, 480, 300, 300, false, 300, 225, Rect{0, 0, 640, 480}, true},
		{640, 480, 768, 0, false, 0, 0, Rect{}, false},
		{640, 480, 1024, 1024, false, 0, 0, Rect{}, false},
		// 3840×2400.
		{3840, 2400, 2560, 2560, false, 2560, 1600, Rect{0, 0, 3840, 2400}, true},
		{3840, 2400, 300, 300, false, 300, 188, Rect{0, 0, 3840, 2400}, true},
		{3840, 2400, 150, 150, true, 150, 150, Rect{720, 0, 2400, 2400}, true},
		{3840, 2400, 768, 0, false, 768, 480, Rect{0, 0, 3840, 2400}, true},
		// Unbounded height: the larger ratio always overflows, smaller wins.
		{1000, 5000, 768, 0, false, 768, 3840, Rect{0, 0, 1000, 5000}, true},
		// 100×400: medium fits the height, the crop keeps the short side.
		{100, 400, 300, 300, false, 75, 300, Rect{0, 0, 100, 400}, true},
		{100, 400, 150, 150, true, 100, 150, Rect{0, 125, 100, 150}, true},
		// 50×50: nothing.
		{50, 50, 150, 150, true, 0, 0, Rect{}, false},
		{50, 50, 300, 300, false, 0, 0, Rect{}, false},
		// Within a pixel of the original: no file.
		{301, 200, 300, 300, false, 0, 0, Rect{}, false},
		{151, 150, 150, 150, true, 0, 0, Rect{}, false},
		// wp_constrain_dimensions rounds 465×700 in 177×177 up to 118×177.
		{465, 700, 177, 177, false, 118, 177, Rect{0, 0, 465, 700}, true},
		// Crop with one side unbounded derives it from the aspect ratio.
		{1600, 1200, 400, 0, true, 400, 300, Rect{0, 0, 1600, 1200}, true},
		// Degenerate input.
		{0, 100, 150, 150, true, 0, 0, Rect{}, false},
		{100, 100, 0, 0, false, 0, 0, Rect{}, false},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%dx%d_to_%dx%d_crop=%v", tt.srcW, tt.srcH, tt.dstW, tt.dstH, tt.crop)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w, h, box, ok := ResizeDimensions(tt.srcW, tt.srcH, tt.dstW, tt.dstH, tt.crop)
			if w != tt.w || h != tt.h || box != tt.box || ok != tt.ok {
				t.Errorf("got %dx%d %+v %v, want %dx%d %+v %v", w, h, box, ok, tt.w, tt.h, tt.box, tt.ok)
			}
		})
	}
}
