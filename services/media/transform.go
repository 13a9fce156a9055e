package media

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// Transform is a rendition asked for through an image URL's parameters
// (ImageSharp's, as Umbraco 10+ writes them, or ImageProcessor's, as
// Heartcore does), once validated and bounded. Its zero fields mean "not
// given". The workers make it (JobDerive) and the API caches the result as
// a RoleDerived file named after Canonical().
type Transform struct {
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Mode is ImageSharp's rmode: "crop" (the default when both sides are
	// given), "max", "pad", "boxpad", "min" or "stretch".
	Mode string `json:"mode,omitempty"`
	// Focal centres a crop (rxy, or ImageProcessor's center=top,left), as
	// fractions of the region Coords keep (of the whole image without
	// them): ImageSharp crops first and resizes what is left.
	Focal *Point `json:"focal,omitempty"`
	// Anchor places a crop or a pad when there is no focal point: center,
	// top, bottom, left, right, topleft, topright, bottomleft, bottomright.
	Anchor string `json:"anchor,omitempty"`
	// Coords cut a region out of the upright image first (cc, or
	// ImageProcessor's crop=…&cropmode=percentage).
	Coords *Coords `json:"coords,omitempty"`
	// Format is the output: "jpeg", "png", "webp" or "gif"; "" keeps the
	// item's.
	Format string `json:"format,omitempty"`
	// Quality is the encoder's quality, 1–100; 0 uses the default.
	Quality int `json:"quality,omitempty"`
}

// The resize modes (ImageSharp's rmode; ImageProcessor's mode).
const (
	ModeCrop    = "crop"    // fill the box, cutting around the focal point or anchor
	ModeMax     = "max"     // fit inside the box, keeping the aspect ratio
	ModeMin     = "min"     // shrink until the shorter side reaches its target; never enlarge
	ModeStretch = "stretch" // exactly the box, whatever the aspect ratio
	ModePad     = "pad"     // fit inside, then pad to the box
	ModeBoxPad  = "boxpad"  // pad, without enlarging the image
)

var modes = []string{ModeCrop, ModeMax, ModeMin, ModeStretch, ModePad, ModeBoxPad}

// anchors maps each anchor to where it puts a box: fractions of the room
// left over, from the left and from the top.
var anchors = map[string]Point{
	"center":      {0.5, 0.5},
	"top":         {0.5, 0},
	"bottom":      {0.5, 1},
	"left":        {0, 0.5},
	"right":       {1, 0.5},
	"topleft":     {0, 0},
	"topright":    {1, 0},
	"bottomleft":  {0, 1},
	"bottomright": {1, 1},
}

// formats maps the accepted format= spellings to Transform.Format.
var formats = map[string]string{"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "webp": "webp", "gif": "gif"}

// ParseImageQuery reads an image URL's parameters in either syntax of spec
// §4: ImageSharp's (width, height, rmode, rxy, ranchor, cc, format,
// quality) and ImageProcessor's (mode, anchor, center=top,left,
// crop=x1,y1,x2,y2&cropmode=percentage, widthratio, heightratio). Names are
// matched ignoring case; v, rnd, hmac, upscale, bgcolor, orient and any
// unknown parameter are ignored. crop=<alias> asks for the item's named
// crop and comes back as cropAlias, t holding whatever else was asked.
//
// The result is normalised (see Canonical), so a query that changes
// nothing gives the zero Transform: the caller serves the file as stored.
// An error names the parameter and what it accepts.
func ParseImageQuery(q url.Values) (t Transform, cropAlias string, err error) {
	p := map[string]string{}
	for key, values := range q {
		k := strings.ToLower(key)
		if !knownParams[k] || len(values) == 0 {
			continue
		}
		if _, dup := p[k]; dup || len(values) != 1 {
			return Transform{}, "", fmt.Errorf("%s is given more than once", k)
		}
		p[k] = strings.TrimSpace(values[0])
	}
	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	if v, ok := p["width"]; ok {
		t.Width, err = parseSide("width", v)
		check(err)
	}
	if v, ok := p["height"]; ok {
		t.Height, err = parseSide("height", v)
		check(err)
	}
	var mode string
	mode, err = pickWord(p, "rmode", "mode", modes, "rmode must be one of crop, pad, boxpad, max, min or stretch")
	check(err)
	if mode == "manual" {
		check(errors.New("rmode manual is not supported: give crop coordinates with cc instead"))
		mode = ""
	}
	t.Mode = mode
	t.Anchor, err = pickWord(p, "ranchor", "anchor", anchorNames(),
		"ranchor must be one of center, top, bottom, left, right, topleft, topright, bottomleft or bottomright")
	check(err)

	t.Focal, err = parseFocal(p)
	check(err)
	var alias string
	t.Coords, alias, err = parseCoords(p)
	check(err)

	if v, ok := p["format"]; ok {
		f, known := formats[strings.ToLower(v)]
		if !known {
			check(errors.New("format must be jpg, png, webp or gif"))
		}
		t.Format = f
	}
	if v, ok := p["quality"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			check(errors.New("quality must be 1–100"))
		}
		t.Quality = n
	}
	check(applyRatios(&t, p))
	if len(errs) > 0 {
		return Transform{}, "", errors.Join(errs...)
	}
	t = t.normalize()
	if err := t.Validate(); err != nil {
		return Transform{}, "", err
	}
	return t, alias, nil
}

// knownParams are the parameters ParseImageQuery reads; only these are
// checked for repeats.
var knownParams = map[string]bool{
	"width": true, "height": true, "rmode": true, "mode": true, "ranchor": true, "anchor": true,
	"rxy": true, "center": true, "cc": true, "crop": true, "cropmode": true,
	"format": true, "quality": true, "widthratio": true, "heightratio": true,
}

func anchorNames() []string {
	names := make([]string, 0, len(anchors))
	for a := range anchors {
		names = append(names, a)
	}
	return names
}

// parseSide reads width or height: a whole number of pixels, 1–MaxCropSide.
func parseSide(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxCropSide {
		return 0, fmt.Errorf("%s must be 1–%d", name, MaxCropSide)
	}
	return n, nil
}

// pickWord reads a word parameter given in ImageSharp's spelling (sharp)
// or ImageProcessor's (proc); both may be given if they agree. "manual" is
// let through for the caller to refuse with a better message.
func pickWord(p map[string]string, sharp, proc string, allowed []string, msg string) (string, error) {
	var out string
	for _, name := range []string{sharp, proc} {
		v, ok := p[name]
		if !ok {
			continue
		}
		v = strings.ToLower(v)
		if !containsString(allowed, v) && !(sharp == "rmode" && v == "manual") {
			return "", errors.New(msg)
		}
		if out != "" && out != v {
			return "", fmt.Errorf("%s and %s disagree", sharp, proc)
		}
		out = v
	}
	return out, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// parseFocal reads rxy=left,top or ImageProcessor's center=top,left (top
// first); both may be given if they agree.
func parseFocal(p map[string]string) (*Point, error) {
	var focal *Point
	if v, ok := p["rxy"]; ok {
		f, err := fractions(v, 2)
		if err != nil {
			return nil, errors.New("rxy must be left,top: two fractions 0–1")
		}
		focal = &Point{Left: f[0], Top: f[1]}
	}
	if v, ok := p["center"]; ok {
		f, err := fractions(v, 2)
		if err != nil {
			return nil, errors.New("center must be top,left: two fractions 0–1")
		}
		c := Point{Left: f[1], Top: f[0]}
		if focal != nil && (round4(focal.Left) != round4(c.Left) || round4(focal.Top) != round4(c.Top)) {
			return nil, errors.New("rxy and center disagree")
		}
		focal = &c
	}
	return focal, nil
}

// parseCoords reads cc=x1,y1,x2,y2 and ImageProcessor's crop, which is
// either the same insets with cropmode=percentage or a crop alias.
func parseCoords(p map[string]string) (*Coords, string, error) {
	var coords *Coords
	if v, ok := p["cc"]; ok {
		c, err := parseInsets("cc", v)
		if err != nil {
			return nil, "", err
		}
		coords = c
	}
	v, ok := p["crop"]
	if !ok {
		return coords, "", nil
	}
	if !strings.Contains(v, ",") {
		if !aliasPattern.MatchString(v) {
			return nil, "", errors.New("crop must be a crop alias, or x1,y1,x2,y2 fractions with cropmode=percentage")
		}
		return coords, v, nil
	}
	if strings.ToLower(p["cropmode"]) != "percentage" {
		return nil, "", errors.New("crop coordinates need cropmode=percentage: pixel crops are not supported")
	}
	c, err := parseInsets("crop", v)
	if err != nil {
		return nil, "", err
	}
	if coords != nil && roundCoords(*coords) != roundCoords(*c) {
		return nil, "", errors.New("cc and crop disagree")
	}
	return c, "", nil
}

// parseInsets reads four inset fractions that must leave part of the image
// once rounded as Canonical rounds them.
func parseInsets(name, v string) (*Coords, error) {
	f, err := fractions(v, 4)
	if err != nil {
		return nil, fmt.Errorf("%s must be x1,y1,x2,y2: four fractions 0–1, insets from the left, top, right and bottom", name)
	}
	c := roundCoords(Coords{X1: f[0], Y1: f[1], X2: f[2], Y2: f[3]})
	if !c.Valid() {
		return nil, fmt.Errorf("%s leaves nothing of the image: x1+x2 and y1+y2 must be under 1", name)
	}
	return &c, nil
}

// fractions reads n comma-separated numbers, each in [0, 1].
func fractions(v string, n int) ([]float64, error) {
	parts := strings.Split(v, ",")
	if len(parts) != n {
		return nil, errors.New("wrong count")
	}
	out := make([]float64, n)
	for i, s := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || !inUnit(f) { // inUnit is false for NaN
			return nil, errors.New("not a fraction")
		}
		out[i] = f
	}
	return out, nil
}

// applyRatios fills in a missing side from ImageProcessor's widthratio or
// heightratio (width = height × widthratio, height = width × heightratio);
// a ratio is ignored when both sides are given.
func applyRatios(t *Transform, p map[string]string) error {
	ratio := func(name string) (float64, bool, error) {
		v, ok := p[name]
		if !ok {
			return 0, false, nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) {
			return 0, false, fmt.Errorf("%s must be a positive number", name)
		}
		return f, true, nil
	}
	wr, hasW, err := ratio("widthratio")
	if err != nil {
		return err
	}
	hr, hasH, err := ratio("heightratio")
	if err != nil {
		return err
	}
	switch {
	case hasH && t.Width > 0 && t.Height == 0:
		t.Height = int(math.Round(float64(t.Width) * hr))
		if t.Height < 1 || t.Height > MaxCropSide {
			return fmt.Errorf("heightratio gives a height outside 1–%d", MaxCropSide)
		}
	case hasW && t.Height > 0 && t.Width == 0:
		t.Width = int(math.Round(float64(t.Height) * wr))
		if t.Width < 1 || t.Width > MaxCropSide {
			return fmt.Errorf("widthratio gives a width outside 1–%d", MaxCropSide)
		}
	}
	return nil
}

// Validate reports a Transform no parse could give: a side out of
// 1–MaxCropSide, a fraction outside [0, 1], coordinates that leave nothing,
// an unknown mode, anchor or format, a quality outside 1–100. The workers
// check the transforms they receive with it.
func (t Transform) Validate() error {
	var errs []error
	if t.Width < 0 || t.Width > MaxCropSide {
		errs = append(errs, fmt.Errorf("width must be 1–%d", MaxCropSide))
	}
	if t.Height < 0 || t.Height > MaxCropSide {
		errs = append(errs, fmt.Errorf("height must be 1–%d", MaxCropSide))
	}
	if t.Mode != "" && !containsString(modes, t.Mode) {
		errs = append(errs, fmt.Errorf("rmode %q is not supported", t.Mode))
	}
	if _, ok := anchors[t.Anchor]; t.Anchor != "" && !ok {
		errs = append(errs, fmt.Errorf("ranchor %q is not supported", t.Anchor))
	}
	if t.Focal != nil && !t.Focal.Valid() {
		errs = append(errs, errors.New("rxy must be two fractions 0–1"))
	}
	if t.Coords != nil && !t.Coords.Valid() {
		errs = append(errs, errors.New("cc must be four fractions 0–1 that leave part of the image"))
	}
	if _, ok := formats[t.Format]; t.Format != "" && (!ok || t.Format == "jpg") {
		errs = append(errs, fmt.Errorf("format %q is not supported", t.Format))
	}
	if t.Quality < 0 || t.Quality > 100 {
		errs = append(errs, errors.New("quality must be 1–100"))
	}
	return errors.Join(errs...)
}

// IsZero reports whether t leaves the image as it is stored.
func (t Transform) IsZero() bool {
	n := t.normalize()
	return n.Width == 0 && n.Height == 0 && n.Coords == nil && n.Format == "" && n.Quality == 0
}

// normalize returns t with what it leaves unsaid made explicit and what
// has no effect dropped, so that equal renditions compare equal: fractions
// rounded to 4 decimals, cc=0,0,0,0 dropped, the mode "crop" when a side
// is given and none was, Focal only for crops, Anchor only where it places
// something ("center" when unsaid), and nothing of mode, focal or anchor
// without a side to resize to.
func (t Transform) normalize() Transform {
	if t.Focal != nil {
		f := Point{Left: round4(t.Focal.Left), Top: round4(t.Focal.Top)}
		t.Focal = &f
	}
	if t.Coords != nil {
		c := roundCoords(*t.Coords)
		t.Coords = &c
		if c == (Coords{}) {
			t.Coords = nil
		}
	}
	if t.Width == 0 && t.Height == 0 {
		t.Mode, t.Focal, t.Anchor = "", nil, ""
		return t
	}
	if t.Mode == "" {
		t.Mode = ModeCrop
	}
	switch t.Mode {
	case ModeCrop:
		if t.Focal != nil {
			t.Anchor = ""
		} else if t.Anchor == "" {
			t.Anchor = "center"
		}
	case ModePad, ModeBoxPad:
		t.Focal = nil
		if t.Anchor == "" {
			t.Anchor = "center"
		}
	default:
		t.Focal, t.Anchor = nil, ""
	}
	return t
}

// Canonical is t as a stable string: the same rendition spelled in either
// syntax, with its parameters in any order, gives the same string, and
// different renditions different ones. It reads like an ImageSharp query
// with a fixed order (cc, width, height, rmode, rxy, ranchor, format,
// quality) and stays under 150 bytes. It is the cache key: the
// derived file's size_name and, hashed, its file name. The zero Transform
// gives "".
func (t Transform) Canonical() string {
	n := t.normalize()
	var parts []string
	add := func(name, value string) { parts = append(parts, name+"="+value) }
	if c := n.Coords; c != nil {
		add("cc", joinFloats(c.X1, c.Y1, c.X2, c.Y2))
	}
	if n.Width > 0 {
		add("width", strconv.Itoa(n.Width))
	}
	if n.Height > 0 {
		add("height", strconv.Itoa(n.Height))
	}
	if n.Mode != "" {
		add("rmode", n.Mode)
	}
	if f := n.Focal; f != nil {
		add("rxy", joinFloats(f.Left, f.Top))
	}
	if n.Anchor != "" {
		add("ranchor", n.Anchor)
	}
	if n.Format != "" {
		add("format", n.Format)
	}
	if n.Quality > 0 {
		add("quality", strconv.Itoa(n.Quality))
	}
	return strings.Join(parts, "&")
}

// DerivedFileName is the stored name of a rendition made for image URL
// parameters: the upload's stem, "~", the first 16 hex digits of the
// SHA-256 of their canonical form, and ext, e.g. "horizon~3f2a9c0d1e4b5a69.jpg".
// The "~" keeps it apart from every upload's name, as in CropFileName; a
// crop alias could only collide by being a 64-bit hash prefix of some
// transform, which no one can find on purpose.
func DerivedFileName(stem, canonical, ext string) string {
	sum := sha256.Sum256([]byte(canonical))
	return stem + "~" + hex.EncodeToString(sum[:8]) + "." + ext
}

// Layout is how a Transform turns an upright image into its output: Box
// is cut from the source and scaled to W×H, which sits at X, Y on a
// CanvasW×CanvasH output. The canvas is bigger than W×H only for pad and
// boxpad; what it adds is background.
type Layout struct {
	Box              Rect
	W, H             int
	CanvasW, CanvasH int
	X, Y             int
}

// Plan lays t out on an upright upW×upH image, with ImageSharp's meaning
// of each mode. Coords, when set, cut the region everything else applies
// to; with one side given, the other follows the region's aspect ratio
// (bounded by MaxCropSide), and the mode then applies to both:
//
//   - crop: exactly Width×Height, cut from the region around Focal (as
//     fractions of the region), else Anchor, else the centre; enlarged if
//     the region is smaller.
//   - max: the whole region fitted inside Width×Height, enlarged if smaller.
//   - min: the region scaled until its shorter side (relative to the
//     target) reaches its target, the other then at least its own; never
//     enlarged.
//   - stretch: the whole region at exactly Width×Height.
//   - pad: max, then centred (or placed by Anchor) on a Width×Height canvas.
//   - boxpad: pad, but never enlarged.
//
// Without a side, the output is the region at its own size.
func (t Transform) Plan(upW, upH int) Layout {
	if upW <= 0 || upH <= 0 {
		return Layout{}
	}
	n := t.normalize()
	region := Rect{W: upW, H: upH}
	if n.Coords != nil {
		region = coordsRect(upW, upH, *n.Coords)
	}
	rw, rh := float64(region.W), float64(region.H)
	tw, th := n.Width, n.Height
	if tw == 0 && th == 0 {
		return fill(region, region.W, region.H)
	}
	if th == 0 {
		th = clampInt(int(math.Round(float64(tw)*rh/rw)), 1, MaxCropSide)
	}
	if tw == 0 {
		tw = clampInt(int(math.Round(float64(th)*rw/rh)), 1, MaxCropSide)
	}
	scaled := func(s float64) (int, int) {
		return max(1, int(math.Round(rw*s))), max(1, int(math.Round(rh*s)))
	}
	fit := math.Min(float64(tw)/rw, float64(th)/rh)
	anchor := anchors[n.Anchor]
	switch n.Mode {
	case ModeMax:
		w, h := scaled(fit)
		return fill(region, w, h)
	case ModeMin:
		w, h := scaled(math.Min(1, math.Max(float64(tw)/rw, float64(th)/rh)))
		return fill(region, w, h)
	case ModeStretch:
		return fill(region, tw, th)
	case ModePad, ModeBoxPad:
		if n.Mode == ModeBoxPad {
			fit = math.Min(fit, 1)
		}
		w, h := scaled(fit)
		w, h = min(w, tw), min(h, th)
		return Layout{
			Box: region, W: w, H: h, CanvasW: tw, CanvasH: th,
			X: int(math.Round(float64(tw-w) * anchor.Left)),
			Y: int(math.Round(float64(th-h) * anchor.Top)),
		}
	}
	// crop
	bw, bh := aspectBox(region.W, region.H, tw, th)
	at := anchor
	if n.Focal != nil {
		at = *n.Focal
	}
	return fill(placeBox(region, bw, bh, at.Left, at.Top), tw, th)
}

// fill is the layout of box scaled to w×h with nothing around it.
func fill(box Rect, w, h int) Layout {
	return Layout{Box: box, W: w, H: h, CanvasW: w, CanvasH: h}
}

// round4 rounds a fraction to 4 decimals, the precision of Canonical. A
// negative zero ("-0" parses) becomes zero, so it prints as "0".
func round4(v float64) float64 {
	if r := math.Round(v*1e4) / 1e4; r != 0 {
		return r
	}
	return 0
}

func roundCoords(c Coords) Coords {
	return Coords{X1: round4(c.X1), Y1: round4(c.Y1), X2: round4(c.X2), Y2: round4(c.Y2)}
}

// joinFloats writes fractions as their shortest decimal, comma-separated:
// 0.3 is "0.3", not "0.3000".
func joinFloats(vs ...float64) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strings.Join(s, ",")
}
