package media

import "math"

// CropBox is the source rectangle, in upright pixels of an upW×upH image,
// that a media type's named crop def is cut from; the workers scale it to
// exactly def.Width×def.Height.
//
//   - coords, when set and valid, are an editor's hand-placed crop and win:
//     their region, less whatever sticks out of def's aspect ratio, cut off
//     evenly on both sides. Umbraco renders such a crop as cc plus
//     ImageSharp's default crop mode, which does the same; the backoffice
//     draws coords in def's aspect ratio, so usually nothing is cut off.
//   - Else focal, when set, centres the largest box of def's aspect ratio,
//     moved inwards as far as the edges need. The focal point then always
//     lies inside the box.
//   - Else ok is false: nobody said where the subject is, and the worker
//     lets libvips find it (attention-based smart crop).
func CropBox(upW, upH int, def CropDef, focal *Point, coords *Coords) (box Rect, ok bool) {
	if upW <= 0 || upH <= 0 || def.Width <= 0 || def.Height <= 0 {
		return Rect{}, false
	}
	if coords != nil && coords.Valid() {
		region := coordsRect(upW, upH, *coords)
		w, h := aspectBox(region.W, region.H, def.Width, def.Height)
		return placeBox(region, w, h, 0.5, 0.5), true
	}
	if focal != nil {
		w, h := aspectBox(upW, upH, def.Width, def.Height)
		return placeBox(Rect{W: upW, H: upH}, w, h, unit(focal.Left), unit(focal.Top)), true
	}
	return Rect{}, false
}

// coordsRect is the rectangle Umbraco coordinates keep of a w×h image:
// [X1·w, Y1·h] to [(1−X2)·w, (1−Y2)·h], rounded to whole pixels and at least
// one pixel each way, so that a sliver still makes an image.
func coordsRect(w, h int, c Coords) Rect {
	x0, x1 := span(w, c.X1, c.X2)
	y0, y1 := span(h, c.Y1, c.Y2)
	return Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

// span is the pixel range [lo, hi) of a side of n pixels that keeps what
// lies between the insets from its start and its end.
func span(n int, start, end float64) (lo, hi int) {
	lo = clampInt(int(math.Round(unit(start)*float64(n))), 0, n-1)
	hi = clampInt(int(math.Round((1-unit(end))*float64(n))), lo+1, n)
	return lo, hi
}

// aspectBox is the size of the largest box of tw:th's aspect ratio that
// fits in w×h, at least a pixel each way.
func aspectBox(w, h, tw, th int) (int, int) {
	if int64(w)*int64(th) > int64(h)*int64(tw) {
		// The region is wider than the target: full height.
		return clampInt(int(math.Round(float64(h)*float64(tw)/float64(th))), 1, w), h
	}
	return w, clampInt(int(math.Round(float64(w)*float64(th)/float64(tw))), 1, h)
}

// placeBox puts a bw×bh box inside region so that the point at fractions
// fx, fy of the region is its centre, or, near an edge, as close to its
// centre as the region allows. Fractions 0, 0.5 and 1 are the anchors:
// flush left or top, centred, flush right or bottom. The point always ends
// up inside the box: rounding moves the box by at most half a pixel, and
// clamping moves it only towards the point.
func placeBox(region Rect, bw, bh int, fx, fy float64) Rect {
	x := clampInt(int(math.Round(fx*float64(region.W)-float64(bw)/2)), 0, region.W-bw)
	y := clampInt(int(math.Round(fy*float64(region.H)-float64(bh)/2)), 0, region.H-bh)
	return Rect{X: region.X + x, Y: region.Y + y, W: bw, H: bh}
}

// unit clamps a fraction into [0, 1]; NaN becomes 0.5, the centre.
func unit(v float64) float64 {
	if math.IsNaN(v) {
		return 0.5
	}
	return math.Max(0, math.Min(1, v))
}

func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }
