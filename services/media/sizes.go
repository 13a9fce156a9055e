package media

import "math"

// Size is one registered image size, in WordPress's terms.
type Size struct {
	Name   string `json:"name"`
	Width  int    `json:"width"`  // 0 = unbounded
	Height int    `json:"height"` // 0 = unbounded
	Crop   bool   `json:"crop"`   // hard crop at the centre
}

// BigImageThreshold is WordPress's big_image_size_threshold: an upload whose
// upright width or height exceeds it gets a "-scaled" copy fitted inside a
// square of this side, which becomes the attached file.
const BigImageThreshold = 2560

// DefaultSizes returns WordPress's stock sizes in registration order, which
// is the order missing_image_sizes lists them in.
func DefaultSizes() []Size {
	return []Size{
		{Name: "thumbnail", Width: 150, Height: 150, Crop: true},
		{Name: "medium", Width: 300, Height: 300},
		{Name: "medium_large", Width: 768, Height: 0},
		{Name: "large", Width: 1024, Height: 1024},
		{Name: "1536x1536", Width: 1536, Height: 1536},
		{Name: "2048x2048", Width: 2048, Height: 2048},
	}
}

// CreationOrder returns sizes in the order WordPress creates them, which is
// the key order of media_details.sizes: medium, large, thumbnail,
// medium_large, then the rest in registration order.
func CreationOrder(sizes []Size) []Size {
	first := []string{"medium", "large", "thumbnail", "medium_large"}
	out := make([]Size, 0, len(sizes))
	for _, name := range first {
		for _, s := range sizes {
			if s.Name == name {
				out = append(out, s)
			}
		}
	}
	for _, s := range sizes {
		isFirst := false
		for _, name := range first {
			isFirst = isFirst || s.Name == name
		}
		if !isFirst {
			out = append(out, s)
		}
	}
	return out
}

// Rect is a crop box in source pixels.
type Rect struct{ X, Y, W, H int }

// ResizeDimensions is WordPress's image_resize_dimensions with a centre crop:
// the output size of resizing a srcW×srcH image to fit dstW×dstH (0 =
// unbounded), and the source box to cut. ok is false where WordPress makes no
// size: the source is smaller than the target, or the result would be within
// a pixel of the source.
func ResizeDimensions(srcW, srcH, dstW, dstH int, crop bool) (w, h int, box Rect, ok bool) {
	if srcW <= 0 || srcH <= 0 || (dstW <= 0 && dstH <= 0) {
		return 0, 0, Rect{}, false
	}
	// Both bounds set and the source inside them, or one bound unset and the
	// source smaller than the other: WordPress won't upscale.
	if dstH <= 0 && srcW < dstW || dstW <= 0 && srcH < dstH || dstW > 0 && dstH > 0 && srcW < dstW && srcH < dstH {
		return 0, 0, Rect{}, false
	}
	box = Rect{W: srcW, H: srcH}
	if crop {
		nw, nh := min(dstW, srcW), min(dstH, srcH)
		ratio := float64(srcW) / float64(srcH)
		// A derived side is at least a pixel: a 1×1029 strip cropped to
		// 0×150 would otherwise round to nothing.
		if nw <= 0 {
			nw = max(1, int(phpRound(float64(nh)*ratio)))
		}
		if nh <= 0 {
			nh = max(1, int(phpRound(float64(nw)/ratio)))
		}
		s := max(float64(nw)/float64(srcW), float64(nh)/float64(srcH))
		cw, ch := int(phpRound(float64(nw)/s)), int(phpRound(float64(nh)/s))
		box = Rect{X: (srcW - cw) / 2, Y: (srcH - ch) / 2, W: cw, H: ch}
		w, h = nw, nh
	} else {
		w, h = ConstrainDimensions(srcW, srcH, dstW, dstH)
	}
	if abs(w-srcW) <= 1 && abs(h-srcH) <= 1 {
		return 0, 0, Rect{}, false
	}
	return w, h, box, true
}

// ConstrainDimensions is WordPress's wp_constrain_dimensions: srcW×srcH
// fitted inside maxW×maxH (0 = unbounded) keeping the aspect ratio, never
// upscaled, with WordPress's rounding and its off-by-one correction.
func ConstrainDimensions(srcW, srcH, maxW, maxH int) (int, int) {
	if maxW <= 0 && maxH <= 0 {
		return srcW, srcH
	}
	wr, hr := 1.0, 1.0
	constrainedW, constrainedH := false, false
	if maxW > 0 && srcW > maxW {
		wr = float64(maxW) / float64(srcW)
		constrainedW = true
	}
	if maxH > 0 && srcH > maxH {
		hr = float64(maxH) / float64(srcH)
		constrainedH = true
	}
	smaller, larger := min(wr, hr), max(wr, hr)
	r := larger
	if int(phpRound(float64(srcW)*larger)) > maxW || int(phpRound(float64(srcH)*larger)) > maxH {
		r = smaller
	}
	w := max(1, int(phpRound(float64(srcW)*r)))
	h := max(1, int(phpRound(float64(srcH)*r)))
	// Floating-point maths can land one short of the bound; WordPress
	// snaps it to the bound.
	if constrainedW && w == maxW-1 {
		w = maxW
	}
	if constrainedH && h == maxH-1 {
		h = maxH
	}
	return w, h
}

// MissingSizes is WordPress's wp_get_missing_image_subsizes: the names of the
// sizes that apply to an upright fullW×fullH image and are not in made, in
// registration order.
func MissingSizes(sizes []Size, fullW, fullH int, made map[string]bool) []string {
	out := []string{}
	for _, s := range sizes {
		if _, _, _, ok := ResizeDimensions(fullW, fullH, s.Width, s.Height, s.Crop); ok && !made[s.Name] {
			out = append(out, s.Name)
		}
	}
	return out
}

// phpRound rounds half away from zero, as PHP's round() does.
func phpRound(x float64) float64 { return math.Round(x) }

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
