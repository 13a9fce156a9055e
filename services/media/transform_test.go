package media

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// parse runs ParseImageQuery on a raw query string.
func parse(t testing.TB, raw string) (Transform, string, error) {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("bad test query %q: %v", raw, err)
	}
	return ParseImageQuery(q)
}

func TestParseImageQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query     string
		canonical string
		alias     string
		err       string // a part of the error's text; "" for none
	}{
		// Spec §2.4 test 33 and Umbraco's own URLs.
		{"width=300&height=200&rmode=crop&rxy=0.3,0.7", "width=300&height=200&rmode=crop&rxy=0.3,0.7", "", ""},
		{"cc=0.1,0.2,0.1,0.2&width=100", "cc=0.1,0.2,0.1,0.2&width=100&rmode=crop&ranchor=center", "", ""},
		{"cc=0.587,0.0557,0,0.3245&width=100&height=100", "cc=0.587,0.0557,0,0.3245&width=100&height=100&rmode=crop&ranchor=center", "", ""},
		{"rxy=0.3,0.7&rmode=crop&width=300&height=200&format=webp&quality=80&v=1d9e&hmac=abc",
			"width=300&height=200&rmode=crop&rxy=0.3,0.7&format=webp&quality=80", "", ""},
		// ImageProcessor (Heartcore): center is top,left.
		{"center=0.7,0.3&mode=crop&width=300&height=200", "width=300&height=200&rmode=crop&rxy=0.3,0.7", "", ""},
		{"crop=0.1,0.2,0.1,0.2&cropmode=percentage&width=100", "cc=0.1,0.2,0.1,0.2&width=100&rmode=crop&ranchor=center", "", ""},
		{"anchor=center&mode=crop&width=1980&height=430&upscale=false", "width=1980&height=430&rmode=crop&ranchor=center", "", ""},
		{"mode=pad&anchor=TopLeft&width=100&height=100&bgcolor=fff&rnd=1234", "width=100&height=100&rmode=pad&ranchor=topleft", "", ""},
		{"width=600&heightratio=0.5", "width=600&height=300&rmode=crop&ranchor=center", "", ""},
		{"height=300&widthratio=2&mode=max", "width=600&height=300&rmode=max", "", ""},
		{"width=600&height=100&heightratio=0.5", "width=600&height=100&rmode=crop&ranchor=center", "", ""},
		// Names ignore case; values of words too.
		{"WIDTH=300&Height=200&RMode=Max", "width=300&height=200&rmode=max", "", ""},
		{"format=JPG", "format=jpeg", "", ""},
		{"format=jpeg&quality=82", "format=jpeg&quality=82", "", ""},
		// What has no effect goes.
		{"rmode=max&rxy=0.2,0.2&ranchor=top&width=100", "width=100&rmode=max", "", ""},
		{"rmode=pad&rxy=0.2,0.2&width=100&height=100", "width=100&height=100&rmode=pad&ranchor=center", "", ""},
		{"rxy=0.2,0.2&ranchor=top&width=100&height=100", "width=100&height=100&rmode=crop&rxy=0.2,0.2", "", ""},
		{"cc=0,0,0,0&width=100", "width=100&rmode=crop&ranchor=center", "", ""},
		{"rxy=-0,0.5&width=1&height=1", "width=1&height=1&rmode=crop&rxy=0,0.5", "", ""},
		{"rxy=0.33333,0.66666&width=1&height=1", "width=1&height=1&rmode=crop&rxy=0.3333,0.6667", "", ""},
		{"cc=0.25,0,0.25,0", "cc=0.25,0,0.25,0", "", ""},
		// Nothing that changes the image.
		{"", "", "", ""},
		{"v=123&rnd=456&hmac=abc&foo=bar&orient=false", "", "", ""},
		{"rmode=pad&rxy=0.5,0.5&ranchor=top", "", "", ""},
		{"cc=0,0,0,0", "", "", ""},
		// Crop aliases.
		{"crop=thumb", "", "thumb", ""},
		{"crop=wide&format=webp", "format=webp", "wide", ""},
		{"crop=th umb", "", "", "crop must be a crop alias"},
		{"crop=1abc", "", "", "crop must be a crop alias"},
		{"crop=", "", "", "crop must be a crop alias"},
		// Errors name the parameter.
		{"width=0", "", "", "width must be 1–4096"},
		{"width=4097", "", "", "width must be 1–4096"},
		{"width=abc", "", "", "width must be 1–4096"},
		{"width=", "", "", "width must be 1–4096"},
		{"height=-1", "", "", "height must be 1–4096"},
		{"width=300.5", "", "", "width must be 1–4096"},
		{"width=300&width=400", "", "", "width is given more than once"},
		{"width=300&Width=400", "", "", "width is given more than once"},
		{"rmode=manual&width=10", "", "", "rmode manual is not supported"},
		{"rmode=fit&width=10", "", "", "rmode must be one of"},
		{"rmode=pad&mode=max&width=10", "", "", "rmode and mode disagree"},
		{"rmode=pad&mode=PAD&width=10", "width=10&rmode=pad&ranchor=center", "", ""},
		{"ranchor=middle&width=10", "", "", "ranchor must be one of"},
		{"anchor=middle&width=10", "", "", "ranchor must be one of"},
		{"format=tiff", "", "", "format must be jpg, png, webp or gif"},
		{"quality=0", "", "", "quality must be 1–100"},
		{"quality=101", "", "", "quality must be 1–100"},
		{"rxy=1.2,0.5&width=10", "", "", "rxy must be left,top"},
		{"rxy=0.5&width=10", "", "", "rxy must be left,top"},
		{"rxy=NaN,0.5&width=10", "", "", "rxy must be left,top"},
		{"rxy=Inf,0.5&width=10", "", "", "rxy must be left,top"},
		{"center=0.5,0.5,0.5", "", "", "center must be top,left"},
		{"rxy=0.3,0.7&center=0.7,0.3&width=10&height=10", "width=10&height=10&rmode=crop&rxy=0.3,0.7", "", ""},
		{"rxy=0.3,0.7&center=0.3,0.7&width=10&height=10", "", "", "rxy and center disagree"},
		{"cc=0.5,0,0.5,0", "", "", "cc leaves nothing of the image"},
		{"cc=0.49999,0,0.49999,0", "", "", "cc leaves nothing of the image"},
		{"cc=0.1,0.1,0.1", "", "", "cc must be x1,y1,x2,y2"},
		{"cc=0.1,0.1,0.1,1.5", "", "", "cc must be x1,y1,x2,y2"},
		{"crop=0.1,0.2,0.1,0.2&width=100", "", "", "cropmode=percentage"},
		{"crop=10,20,100,200&cropmode=pixels", "", "", "pixel crops are not supported"},
		{"crop=0.1,0.2,0.1,0.2&cropmode=percentage&cc=0.1,0.2,0.1,0.3", "", "", "cc and crop disagree"},
		{"widthratio=-1&height=10", "", "", "widthratio must be a positive number"},
		{"width=4000&heightratio=2", "", "", "heightratio gives a height outside 1–4096"},
		// Every problem at once.
		{"width=0&height=0&quality=200", "", "", "height must be 1–4096"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			got, alias, err := parse(t, tt.query)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				if got != (Transform{}) || alias != "" {
					t.Errorf("with an error: %+v, %q; want zero values", got, alias)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if c := got.Canonical(); c != tt.canonical || alias != tt.alias {
				t.Errorf("canonical %q alias %q, want %q %q", c, alias, tt.canonical, tt.alias)
			}
			if tt.canonical == "" && (got != (Transform{}) || !got.IsZero()) {
				t.Errorf("%+v, want the zero Transform", got)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("parsed transform invalid: %v", err)
			}
		})
	}
}

// TestCanonicalSameRendition checks that spellings of one rendition share
// their canonical form and that different renditions don't.
func TestCanonicalSameRendition(t *testing.T) {
	t.Parallel()
	same := [][]string{
		{"width=300&height=200&rmode=crop&rxy=0.3,0.7", "rxy=0.30,0.70&height=200&width=300",
			"center=0.7,0.3&mode=crop&height=200&width=300", "Width=300&HEIGHT=200&RXY=0.3,0.7&ranchor=top"},
		{"cc=0.1,0.2,0.1,0.2&width=100", "crop=0.1,0.2,0.1,0.2&cropmode=percentage&width=100&anchor=center",
			"width=100&cc=0.10000,0.2,0.1,0.2&rmode=crop&ranchor=center&v=2"},
		{"width=100&height=100&rmode=max", "mode=max&height=100&width=100&rxy=0.5,0.5&anchor=top"},
		{"format=jpg", "format=jpeg", "format=JPEG&rxy=0.2,0.2"},
		{"width=600&height=300", "width=600&heightratio=0.5", "height=300&widthratio=2"},
	}
	for _, group := range same {
		want := ""
		for i, raw := range group {
			tr, _, err := parse(t, raw)
			if err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			if i == 0 {
				want = tr.Canonical()
				continue
			}
			if got := tr.Canonical(); got != want {
				t.Errorf("%s → %q, want %q as %s gives", raw, got, want, group[0])
			}
		}
	}
	different := []string{
		"width=300&height=200", "width=200&height=300", "width=300&height=200&rmode=max", "width=300&height=200&rxy=0.3,0.7",
		"width=300&height=200&rxy=0.7,0.3", "width=300&height=200&ranchor=top", "width=300", "height=300",
		"width=300&format=webp", "width=300&quality=80", "cc=0.1,0,0,0&width=300", "cc=0,0.1,0,0&width=300",
		"width=300&height=200&rmode=pad", "width=300&height=200&rmode=boxpad", "width=300&height=200&rmode=min",
		"width=300&height=200&rmode=stretch",
	}
	seen := map[string]string{}
	for _, raw := range different {
		tr, _, err := parse(t, raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		c := tr.Canonical()
		if other, dup := seen[c]; dup {
			t.Errorf("%s and %s share %q", raw, other, c)
		}
		seen[c] = raw
	}
}

func TestCanonicalLength(t *testing.T) {
	t.Parallel()
	longest := Transform{
		Width: 4096, Height: 4096, Mode: ModeCrop,
		Focal:  &Point{Left: 0.1234, Top: 0.5678},
		Coords: &Coords{X1: 0.1234, Y1: 0.1234, X2: 0.1234, Y2: 0.1234},
		Format: "jpeg", Quality: 100,
	}
	padded := longest
	padded.Mode, padded.Anchor = ModeBoxPad, "bottomright"
	for _, tr := range []Transform{longest, padded} {
		if c := tr.Canonical(); len(c) >= 150 {
			t.Errorf("%q is %d bytes, want under 150", c, len(c))
		}
	}
}

func TestDerivedFileName(t *testing.T) {
	t.Parallel()
	a := DerivedFileName("horizon", "width=300&rmode=crop&ranchor=center", "jpg")
	if len(a) != len("horizon~")+16+len(".jpg") || !strings.HasPrefix(a, "horizon~") || !strings.HasSuffix(a, ".jpg") {
		t.Errorf("name %q, want horizon~<16 hex>.jpg", a)
	}
	if b := DerivedFileName("horizon", "width=300&rmode=crop&ranchor=center", "jpg"); b != a {
		t.Errorf("%q then %q for the same transform", a, b)
	}
	if b := DerivedFileName("horizon", "width=301&rmode=crop&ranchor=center", "jpg"); b == a {
		t.Errorf("two transforms share %q", a)
	}
	// Known value: the first 8 bytes of sha256("").
	if got := DerivedFileName("x", "", "png"); got != "x~e3b0c44298fc1c14.png" {
		t.Errorf("got %q, want x~e3b0c44298fc1c14.png", got)
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		w, h int
		tr   Transform
		want Layout
	}{
		{"zero: the image as it is", 1000, 500, Transform{}, Layout{Box: Rect{0, 0, 1000, 500}, W: 1000, H: 500, CanvasW: 1000, CanvasH: 500}},
		{"crop centre", 1000, 500, Transform{Width: 300, Height: 200},
			Layout{Box: Rect{125, 0, 750, 500}, W: 300, H: 200, CanvasW: 300, CanvasH: 200}},
		{"crop around rxy", 1000, 500, Transform{Width: 300, Height: 200, Focal: &Point{0.6, 0.7}},
			Layout{Box: Rect{225, 0, 750, 500}, W: 300, H: 200, CanvasW: 300, CanvasH: 200}},
		{"crop, rxy near the edge", 1000, 500, Transform{Width: 300, Height: 200, Focal: &Point{0.9, 0.5}},
			Layout{Box: Rect{250, 0, 750, 500}, W: 300, H: 200, CanvasW: 300, CanvasH: 200}},
		{"crop anchored left", 1000, 500, Transform{Width: 300, Height: 200, Anchor: "left"},
			Layout{Box: Rect{0, 0, 750, 500}, W: 300, H: 200, CanvasW: 300, CanvasH: 200}},
		{"crop anchored bottom on a portrait", 500, 1000, Transform{Width: 200, Height: 200, Anchor: "bottom"},
			Layout{Box: Rect{0, 500, 500, 500}, W: 200, H: 200, CanvasW: 200, CanvasH: 200}},
		{"crop enlarges", 100, 50, Transform{Width: 400, Height: 400},
			Layout{Box: Rect{25, 0, 50, 50}, W: 400, H: 400, CanvasW: 400, CanvasH: 400}},
		{"crop, one side", 1000, 500, Transform{Width: 500},
			Layout{Box: Rect{0, 0, 1000, 500}, W: 500, H: 250, CanvasW: 500, CanvasH: 250}},
		// Spec test 33: the inner region 800×300 at 100,100, then 100 wide.
		{"cc then width", 1000, 500, Transform{Width: 100, Coords: &Coords{0.1, 0.2, 0.1, 0.2}},
			Layout{Box: Rect{106, 100, 789, 300}, W: 100, H: 38, CanvasW: 100, CanvasH: 38}},
		{"cc alone", 1000, 500, Transform{Coords: &Coords{0.1, 0.2, 0.1, 0.2}},
			Layout{Box: Rect{100, 100, 800, 300}, W: 800, H: 300, CanvasW: 800, CanvasH: 300}},
		// rxy counts within the cc region: its left quarter.
		{"cc and rxy", 1000, 500, Transform{Width: 100, Height: 100, Coords: &Coords{0.1, 0.2, 0.1, 0.2}, Focal: &Point{0.25, 0.5}},
			Layout{Box: Rect{150, 100, 300, 300}, W: 100, H: 100, CanvasW: 100, CanvasH: 100}},
		{"max", 1000, 500, Transform{Width: 300, Height: 300, Mode: ModeMax},
			Layout{Box: Rect{0, 0, 1000, 500}, W: 300, H: 150, CanvasW: 300, CanvasH: 150}},
		{"max enlarges", 100, 50, Transform{Width: 400, Height: 400, Mode: ModeMax},
			Layout{Box: Rect{0, 0, 100, 50}, W: 400, H: 200, CanvasW: 400, CanvasH: 200}},
		{"max, height only", 1000, 500, Transform{Height: 100, Mode: ModeMax},
			Layout{Box: Rect{0, 0, 1000, 500}, W: 200, H: 100, CanvasW: 200, CanvasH: 100}},
		{"min", 1000, 500, Transform{Width: 300, Height: 300, Mode: ModeMin},
			Layout{Box: Rect{0, 0, 1000, 500}, W: 600, H: 300, CanvasW: 600, CanvasH: 300}},
		{"min never enlarges", 1000, 500, Transform{Width: 2000, Height: 2000, Mode: ModeMin},
			Layout{Box: Rect{0, 0, 1000, 500}, W: 1000, H: 500, CanvasW: 1000, CanvasH: 500}},
		{"stretch", 1000, 500, Transform{Width: 300, Height: 300, Mode: ModeStretch},
			Layout{Box: Rect{0, 0, 1000, 500}, W: 300, H: 300, CanvasW: 300, CanvasH: 300}},
		{"pad", 1000, 500, Transform{Width: 300, Height: 300, Mode: ModePad},
			Layout{Box: Rect{0, 0, 1000, 500}, W: 300, H: 150, CanvasW: 300, CanvasH: 300, X: 0, Y: 75}},
		{"pad anchored bottom", 1000, 500, Transform{Width: 300, Height: 300, Mode: ModePad, Anchor: "bottom"},
			Layout{Box: Rect{0, 0, 1000, 500}, W: 300, H: 150, CanvasW: 300, CanvasH: 300, X: 0, Y: 150}},
		{"pad enlarges", 100, 50, Transform{Width: 400, Height: 400, Mode: ModePad},
			Layout{Box: Rect{0, 0, 100, 50}, W: 400, H: 200, CanvasW: 400, CanvasH: 400, X: 0, Y: 100}},
		{"boxpad does not enlarge", 1000, 500, Transform{Width: 2000, Height: 2000, Mode: ModeBoxPad, Anchor: "topright"},
			Layout{Box: Rect{0, 0, 1000, 500}, W: 1000, H: 500, CanvasW: 2000, CanvasH: 2000, X: 1000, Y: 0}},
		{"boxpad shrinks as pad", 1000, 500, Transform{Width: 300, Height: 300, Mode: ModeBoxPad},
			Layout{Box: Rect{0, 0, 1000, 500}, W: 300, H: 150, CanvasW: 300, CanvasH: 300, X: 0, Y: 75}},
		// A strip's missing side is bounded: the output never exceeds MaxCropSide.
		{"extreme aspect", 1, 10000, Transform{Width: 4096, Mode: ModeMax},
			Layout{Box: Rect{0, 0, 1, 10000}, W: 1, H: 4096, CanvasW: 1, CanvasH: 4096}},
		{"no pixels", 0, 0, Transform{Width: 10}, Layout{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.tr.Plan(tt.w, tt.h); got != tt.want {
				t.Errorf("Plan(%d×%d)\n got %+v\nwant %+v", tt.w, tt.h, got, tt.want)
			}
		})
	}
}

// TestPlanBounds checks Plan's promises over random transforms: the box
// lies in the image, the output fits its canvas, nothing exceeds
// MaxCropSide except an image left at its own size, and a crop holds its
// focal point.
func TestPlanBounds(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		w, h := 1+rng.IntN(9000), 1+rng.IntN(9000)
		tr := randomTransform(rng)
		checkPlan(t, tr, w, h)
	}
}

func randomTransform(rng *rand.Rand) Transform {
	var tr Transform
	if rng.IntN(4) > 0 {
		tr.Width = 1 + rng.IntN(MaxCropSide)
	}
	if rng.IntN(4) > 0 {
		tr.Height = 1 + rng.IntN(MaxCropSide)
	}
	if rng.IntN(2) == 0 {
		tr.Mode = modes[rng.IntN(len(modes))]
	}
	if rng.IntN(2) == 0 {
		tr.Focal = &Point{Left: rng.Float64(), Top: rng.Float64()}
	}
	if rng.IntN(3) == 0 {
		names := anchorNames()
		tr.Anchor = names[rng.IntN(len(names))]
	}
	if rng.IntN(3) == 0 {
		tr.Coords = &Coords{X1: rng.Float64() / 2, Y1: rng.Float64() / 2, X2: rng.Float64() / 2, Y2: rng.Float64() / 2}
	}
	return tr
}

func checkPlan(t *testing.T, tr Transform, w, h int) {
	t.Helper()
	l := tr.Plan(w, h)
	b := l.Box
	if b.X < 0 || b.Y < 0 || b.W < 1 || b.H < 1 || b.X+b.W > w || b.Y+b.H > h {
		t.Fatalf("%+v on %d×%d: box %v leaves the image", tr, w, h, b)
	}
	if l.W < 1 || l.H < 1 || l.X < 0 || l.Y < 0 || l.X+l.W > l.CanvasW || l.Y+l.H > l.CanvasH {
		t.Fatalf("%+v on %d×%d: %+v does not fit its canvas", tr, w, h, l)
	}
	if (l.CanvasW > MaxCropSide || l.CanvasH > MaxCropSide) && (l.CanvasW > b.W || l.CanvasH > b.H) {
		t.Fatalf("%+v on %d×%d: %+v is bigger than MaxCropSide and its source", tr, w, h, l)
	}
	n := tr.normalize()
	if n.Mode == ModeCrop && n.Focal != nil && n.Width > 0 && n.Height > 0 {
		region := Rect{W: w, H: h}
		if n.Coords != nil {
			region = coordsRect(w, h, *n.Coords)
		}
		fx := float64(region.X) + n.Focal.Left*float64(region.W)
		fy := float64(region.Y) + n.Focal.Top*float64(region.H)
		if fx < float64(b.X) || fx > float64(b.X+b.W) || fy < float64(b.Y) || fy > float64(b.Y+b.H) {
			t.Fatalf("%+v on %d×%d: focal (%.1f, %.1f) outside box %v", tr, w, h, fx, fy, b)
		}
	}
}

// imageQuerySeeds are queries Umbraco, Heartcore and their clients send.
var imageQuerySeeds = []string{
	"width=300&height=200&rmode=crop&rxy=0.3,0.7",
	"cc=0.1,0.2,0.1,0.2&width=100",
	"cc=0.587,0.0557,0,0.3245&width=100&height=100&v=1d9e3b0c",
	"center=0.7,0.3&mode=crop&width=300&height=200&rnd=132456",
	"crop=0.1,0.2,0.1,0.2&cropmode=percentage&width=100",
	"anchor=center&mode=crop&width=1980&height=430&upscale=false",
	"mode=boxpad&width=500&height=500&bgcolor=fff&format=png",
	"crop=thumb",
	"width=600&heightratio=0.5&quality=70&format=webp",
	"rmode=manual&width=10",
	"width=0&height=99999&rxy=NaN,1",
	"",
}

// parsedQuery is ParseImageQuery's answer, for safely.
type parsedQuery struct {
	t     Transform
	alias string
	err   error
}

// FuzzParseImageQuery checks, for any query: no panic; an accepted query
// gives a valid transform whose canonical form is short, is itself a query
// that parses back to the same canonical form, and plans inside the image.
func FuzzParseImageQuery(f *testing.F) {
	for _, s := range imageQuerySeeds {
		f.Add(s, 1000, 500)
	}
	f.Fuzz(func(t *testing.T, raw string, w, h int) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		res := safely(t, "ParseImageQuery", func() parsedQuery {
			tr, alias, err := ParseImageQuery(q)
			return parsedQuery{tr, alias, err}
		})
		tr, alias, err := res.t, res.alias, res.err
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if alias != "" && !aliasPattern.MatchString(alias) {
			t.Fatalf("alias %q accepted", alias)
		}
		if err := tr.Validate(); err != nil {
			t.Fatalf("%q gave an invalid transform %+v: %v", raw, tr, err)
		}
		c := tr.Canonical()
		if len(c) >= 200 {
			t.Fatalf("canonical %q is %d bytes", c, len(c))
		}
		again, _, err := parse(t, c)
		if err != nil || again.Canonical() != c {
			t.Fatalf("canonical %q parses to %q, %v", c, again.Canonical(), err)
		}
		checkPlan(t, tr, 1+abs(w%9000), 1+abs(h%9000))
	})
}
