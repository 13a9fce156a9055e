package media

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestCropBox(t *testing.T) {
	t.Parallel()
	thumb := CropDef{Alias: "thumb", Width: 300, Height: 300}
	wide := CropDef{Alias: "wide", Width: 1200, Height: 630}
	tests := []struct {
		name     string
		w, h     int
		def      CropDef
		focal    *Point
		coords   *Coords
		want     Rect
		wantBool bool
	}{
		{"nothing set: smart crop", 1000, 500, thumb, nil, nil, Rect{}, false},
		{"focal centre", 1000, 500, thumb, &Point{0.5, 0.5}, nil, Rect{250, 0, 500, 500}, true},
		{"focal left of centre", 1000, 500, thumb, &Point{0.3, 0.5}, nil, Rect{50, 0, 500, 500}, true},
		{"focal at the left edge clamps", 1000, 500, thumb, &Point{0.1, 0.9}, nil, Rect{0, 0, 500, 500}, true},
		{"focal at the right edge clamps", 1000, 500, thumb, &Point{1, 0}, nil, Rect{500, 0, 500, 500}, true},
		// 1200:630 of a portrait 600×900 is 600×315, moved down to the focal point.
		{"wide on a portrait", 600, 900, wide, &Point{0.5, 0.8}, nil, Rect{0, 563, 600, 315}, true},
		{"wide, focal at the bottom", 600, 900, wide, &Point{0.5, 1}, nil, Rect{0, 585, 600, 315}, true},
		// Coords win over the focal point: region x 100..500, y 100..350,
		// whose centred square is 250×250.
		{"coords, square cut from their region", 1000, 500, thumb, &Point{0.9, 0.9}, &Coords{0.1, 0.2, 0.5, 0.3}, Rect{175, 100, 250, 250}, true},
		{"coords of the crop's aspect ratio", 1000, 500, thumb, nil, &Coords{0.2, 0.2, 0.4, 0.0}, Rect{200, 100, 400, 400}, true},
		{"coords 0,0,0,0 keep the whole image", 1000, 500, thumb, nil, &Coords{}, Rect{250, 0, 500, 500}, true},
		{"invalid coords fall back to the focal point", 1000, 500, thumb, &Point{0.5, 0.5}, &Coords{0.6, 0, 0.6, 0}, Rect{250, 0, 500, 500}, true},
		{"invalid coords and no focal: smart crop", 1000, 500, thumb, nil, &Coords{0.6, 0, 0.6, 0}, Rect{}, false},
		{"no pixels", 0, 500, thumb, &Point{0.5, 0.5}, nil, Rect{}, false},
		{"no crop size", 1000, 500, CropDef{Alias: "x"}, &Point{0.5, 0.5}, nil, Rect{}, false},
		{"one pixel", 1, 1, wide, &Point{0.5, 0.5}, nil, Rect{0, 0, 1, 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := CropBox(tt.w, tt.h, tt.def, tt.focal, tt.coords)
			if got != tt.want || ok != tt.wantBool {
				t.Errorf("CropBox(%d×%d, %v, %v, %v) = %v, %v; want %v, %v", tt.w, tt.h, tt.def, tt.focal, tt.coords, got, ok, tt.want, tt.wantBool)
			}
		})
	}
}

// TestCropBoxFocalInside checks CropBox's promises over random images,
// crops and focal points (edges included): the box lies in the image, has
// the crop's aspect ratio within a pixel's rounding, is as large as that
// ratio allows (full width or full height), and holds the focal point.
func TestCropBoxFocalInside(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	edges := []float64{0, 1, 0.5, 1e-9, 1 - 1e-9}
	frac := func() float64 {
		if rng.IntN(5) == 0 {
			return edges[rng.IntN(len(edges))]
		}
		return rng.Float64()
	}
	side := func(n int) int {
		if rng.IntN(4) == 0 {
			return 1 + rng.IntN(8) // slivers and tiny images
		}
		return 1 + rng.IntN(n)
	}
	for range 20000 {
		w, h := side(8000), side(8000)
		def := CropDef{Alias: "c", Width: side(MaxCropSide), Height: side(MaxCropSide)}
		focal := &Point{Left: frac(), Top: frac()}
		box, ok := CropBox(w, h, def, focal, nil)
		if !ok {
			t.Fatalf("%d×%d %v focal %v: not ok", w, h, def, *focal)
		}
		if box.X < 0 || box.Y < 0 || box.W < 1 || box.H < 1 || box.X+box.W > w || box.Y+box.H > h {
			t.Fatalf("%d×%d %v focal %v: box %v leaves the image", w, h, def, *focal, box)
		}
		if box.W != w && box.H != h {
			t.Fatalf("%d×%d %v: box %v is not the largest of its ratio", w, h, def, box)
		}
		// The rounded side is within half a pixel of the exact ratio (or
		// clamped to one pixel).
		if box.W == w {
			if exact := float64(w) * float64(def.Height) / float64(def.Width); box.H != h && math.Abs(float64(box.H)-exact) > 0.5 && box.H != 1 {
				t.Fatalf("%d×%d %v: box %v height, want about %.1f", w, h, def, box, exact)
			}
		} else if exact := float64(h) * float64(def.Width) / float64(def.Height); math.Abs(float64(box.W)-exact) > 0.5 && box.W != 1 {
			t.Fatalf("%d×%d %v: box %v width, want about %.1f", w, h, def, box, exact)
		}
		fx, fy := focal.Left*float64(w), focal.Top*float64(h)
		if fx < float64(box.X) || fx > float64(box.X+box.W) || fy < float64(box.Y) || fy > float64(box.Y+box.H) {
			t.Fatalf("%d×%d %v: focal point (%.2f, %.2f) outside box %v", w, h, def, fx, fy, box)
		}
	}
}

// TestCropBoxCoordsInside checks that a coords crop stays inside both the
// image and the coordinates' region.
func TestCropBoxCoordsInside(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		w, h := 1+rng.IntN(6000), 1+rng.IntN(6000)
		def := CropDef{Alias: "c", Width: 1 + rng.IntN(MaxCropSide), Height: 1 + rng.IntN(MaxCropSide)}
		x1, x2 := rng.Float64()/2, rng.Float64()/2
		y1, y2 := rng.Float64()/2, rng.Float64()/2
		c := Coords{X1: x1, Y1: y1, X2: x2, Y2: y2}
		box, ok := CropBox(w, h, def, nil, &c)
		if !ok {
			t.Fatalf("%d×%d %v: not ok", w, h, c)
		}
		r := coordsRect(w, h, c)
		if r.X < 0 || r.Y < 0 || r.W < 1 || r.H < 1 || r.X+r.W > w || r.Y+r.H > h {
			t.Fatalf("%d×%d %v: region %v leaves the image", w, h, c, r)
		}
		if box.X < r.X || box.Y < r.Y || box.W < 1 || box.H < 1 || box.X+box.W > r.X+r.W || box.Y+box.H > r.Y+r.H {
			t.Fatalf("%d×%d %v: box %v leaves the region %v", w, h, c, box, r)
		}
	}
}

func TestCoordsRect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w, h int
		c    Coords
		want Rect
	}{
		{1000, 500, Coords{}, Rect{0, 0, 1000, 500}},
		// The Umbraco docs' example: cc=0.587,0.0557,0,0.3245.
		{1000, 1000, Coords{0.587, 0.0557, 0, 0.3245}, Rect{587, 56, 413, 620}},
		{1000, 500, Coords{0.1, 0.2, 0.1, 0.2}, Rect{100, 100, 800, 300}},
		// A sliver still keeps a pixel.
		{10, 10, Coords{0.5, 0.5, 0.49, 0.49}, Rect{5, 5, 1, 1}},
		{10, 10, Coords{1, 1, 0, 0}, Rect{9, 9, 1, 1}},
	}
	for _, tt := range tests {
		if got := coordsRect(tt.w, tt.h, tt.c); got != tt.want {
			t.Errorf("coordsRect(%d×%d, %v) = %v, want %v", tt.w, tt.h, tt.c, got, tt.want)
		}
	}
}
