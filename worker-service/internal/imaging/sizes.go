package imaging

import (
	"fmt"
	"math"
	"path"
	"strings"
)

// Size is one WordPress registered image size (add_image_size). Width or
// Height 0 means unbounded in that direction; Crop makes WordPress cut the
// centre of the image to exactly Width×Height instead of fitting inside it.
type Size struct {
	Name          string
	Width, Height int
	Crop          bool
}

// DefaultSizes returns WordPress's stock sizes in registration order (spec
// §12.1), the order that decides which extra sizes come after the first four.
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

// Rect is a box in source pixels: the part of the (upright) original that a
// rendition shows. For sizes without crop it is the whole image.
type Rect struct{ X, Y, W, H int }

// ResizeDimensions is WordPress's image_resize_dimensions with a centre crop
// (spec §12.3), kept pure so the maths can be tested without images. It
// returns the output size and the source box to scale into it; ok is false
// when WordPress makes no file for this size (source too small, or the
// result within a pixel of the original).
func ResizeDimensions(srcW, srcH, dstW, dstH int, crop bool) (w, h int, box Rect, ok bool) {
	if srcW <= 0 || srcH <= 0 {
		return 0, 0, Rect{}, false
	}
	if dstW <= 0 && dstH <= 0 {
		return 0, 0, Rect{}, false
	}
	// Stop if the destination is larger than the original.
	switch {
	case dstH <= 0:
		if srcW < dstW {
			return 0, 0, Rect{}, false
		}
	case dstW <= 0:
		if srcH < dstH {
			return 0, 0, Rect{}, false
		}
	default:
		if srcW < dstW && srcH < dstH {
			return 0, 0, Rect{}, false
		}
	}

	if crop {
		aspect := float64(srcW) / float64(srcH)
		w = min(max(dstW, 0), srcW)
		h = min(max(dstH, 0), srcH)
		if w == 0 {
			w = int(phpRound(float64(h) * aspect))
		}
		if h == 0 {
			h = int(phpRound(float64(w) / aspect))
		}
		ratio := math.Max(float64(w)/float64(srcW), float64(h)/float64(srcH))
		cw := int(phpRound(float64(w) / ratio))
		ch := int(phpRound(float64(h) / ratio))
		box = Rect{
			X: int(math.Floor(float64(srcW-cw) / 2)),
			Y: int(math.Floor(float64(srcH-ch) / 2)),
			W: cw,
			H: ch,
		}
	} else {
		w, h = constrainDimensions(srcW, srcH, dstW, dstH)
		box = Rect{W: srcW, H: srcH}
	}

	// wp_fuzzy_number_match: too close to the original to be worth a file.
	if abs(w-srcW) <= 1 && abs(h-srcH) <= 1 {
		return 0, 0, Rect{}, false
	}
	return w, h, box, true
}

// constrainDimensions is wp_constrain_dimensions: fit srcW×srcH inside
// maxW×maxH (0 = unbounded), never upscaling, with its one-pixel round-up.
func constrainDimensions(srcW, srcH, maxW, maxH int) (int, int) {
	if maxW <= 0 && maxH <= 0 {
		return srcW, srcH
	}
	wRatio, hRatio := 1.0, 1.0
	didW, didH := false, false
	if maxW > 0 && srcW > maxW {
		wRatio = float64(maxW) / float64(srcW)
		didW = true
	}
	if maxH > 0 && srcH > maxH {
		hRatio = float64(maxH) / float64(srcH)
		didH = true
	}
	smaller, larger := math.Min(wRatio, hRatio), math.Max(wRatio, hRatio)
	ratio := larger
	// With an unbounded side (max 0) this test always fails the larger ratio.
	if int(phpRound(float64(srcW)*larger)) > maxW || int(phpRound(float64(srcH)*larger)) > maxH {
		ratio = smaller
	}
	w := max(1, int(phpRound(float64(srcW)*ratio)))
	h := max(1, int(phpRound(float64(srcH)*ratio)))
	if didW && w == maxW-1 {
		w = maxW
	}
	if didH && h == maxH-1 {
		h = maxH
	}
	return w, h
}

// phpRound is PHP's round(): half away from zero, like math.Round.
func phpRound(x float64) float64 { return math.Round(x) }

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// mainKind says why a main file replaces the upload as the attached file.
type mainKind int

const (
	mainNone      mainKind = iota
	mainScaled             // over BigImageThreshold: "{stem}-scaled.{ext}"
	mainRotated            // JPEG with EXIF orientation 2..8: "{stem}-rotated.{ext}"
	mainConverted          // HEIC/HEIF: WordPress 6.7+ saves a JPEG "{stem}.jpg"
)

// rendition is one planned output file: what to cut from the upright
// original and what to call it.
type rendition struct {
	SizeName string // "" for the main file
	Name     string
	W, H     int
	Box      Rect // in upright source pixels
}

// plan is everything Process will make for one upload, decided from the
// header alone (spec §12.2). It is pure so tests can check WordPress's worked
// examples without encoding a pixel.
type plan struct {
	UprightW, UprightH int
	Rotate             bool // apply EXIF orientation (JPEG only, as WordPress)
	Out                format
	MainKind           mainKind
	Main               *rendition
	Sizes              []rendition
}

// wpFirstSizes are made before all others (wp_create_image_subsizes).
var wpFirstSizes = []string{"medium", "large", "thumbnail", "medium_large"}

// makePlan decides the main file and the sub-sizes for an upload whose
// header says srcW×srcH, the given EXIF orientation and input format.
func makePlan(srcW, srcH, orientation int, in format, basename string, sizes []Size, only []string) plan {
	p := plan{UprightW: srcW, UprightH: srcH, Out: in.output()}
	if in.name == "jpeg" && orientation >= 2 && orientation <= 8 {
		p.Rotate = true
		if orientation >= 5 {
			p.UprightW, p.UprightH = srcH, srcW
		}
	}
	if !in.subsizes {
		return p
	}
	stem, ext := splitName(basename, in)
	outExt := ext
	if p.Out.name != in.name {
		outExt = p.Out.ext
	}

	switch {
	case p.UprightW > BigImageThreshold || p.UprightH > BigImageThreshold:
		w, h := constrainDimensions(p.UprightW, p.UprightH, BigImageThreshold, BigImageThreshold)
		p.MainKind = mainScaled
		p.Main = &rendition{Name: stem + "-scaled." + outExt, W: w, H: h}
	case p.Out.name != in.name:
		p.MainKind = mainConverted
		p.Main = &rendition{Name: stem + "." + outExt, W: p.UprightW, H: p.UprightH}
	case p.Rotate:
		p.MainKind = mainRotated
		p.Main = &rendition{Name: stem + "-rotated." + outExt, W: p.UprightW, H: p.UprightH}
	}
	if p.Main != nil {
		p.Main.Box = Rect{W: p.UprightW, H: p.UprightH}
	}

	for _, s := range orderSizes(sizes) {
		if len(only) > 0 && !contains(only, s.Name) {
			continue
		}
		w, h, box, ok := ResizeDimensions(p.UprightW, p.UprightH, s.Width, s.Height, s.Crop)
		if !ok {
			continue
		}
		p.Sizes = append(p.Sizes, rendition{
			SizeName: s.Name,
			Name:     fmt.Sprintf("%s-%dx%d.%s", stem, w, h, outExt),
			W:        w,
			H:        h,
			Box:      box,
		})
	}
	return p
}

// orderSizes puts sizes in wp_create_image_subsizes order: medium, large,
// thumbnail, medium_large, then the rest in registration order. A size
// with neither width nor height is skipped, as WordPress does.
func orderSizes(sizes []Size) []Size {
	out := make([]Size, 0, len(sizes))
	for _, name := range wpFirstSizes {
		for _, s := range sizes {
			if s.Name == name {
				out = append(out, s)
				break
			}
		}
	}
	for _, s := range sizes {
		if !contains(wpFirstSizes, s.Name) {
			out = append(out, s)
		}
	}
	kept := out[:0]
	for _, s := range out {
		if s.Width > 0 || s.Height > 0 {
			kept = append(kept, s)
		}
	}
	return kept
}

// splitName splits "horizon.jpg" into "horizon" and "jpg". The extension
// keeps the upload's spelling ("JPG", "jpeg") because WordPress names
// sub-sizes after the original file; a name without one gets the format's.
func splitName(basename string, in format) (stem, ext string) {
	base := path.Base(strings.ReplaceAll(basename, "\\", "/"))
	if base == "." || base == "/" {
		base = "image"
	}
	if i := strings.LastIndexByte(base, '.'); i > 0 && i < len(base)-1 {
		return base[:i], base[i+1:]
	}
	return base, in.ext
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
