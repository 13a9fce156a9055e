package imaging

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/pixelmill/pixelmill/services/media"
)

// mainKind says why a main file replaces the upload as the attached file.
type mainKind int

const (
	mainNone      mainKind = iota
	mainScaled             // over media.BigImageThreshold: "{stem}-scaled.{ext}"
	mainRotated            // JPEG with EXIF orientation 2..8: "{stem}-rotated.{ext}"
	mainConverted          // HEIC/HEIF: WordPress 6.7+ saves a JPEG "{stem}.jpg"
)

// rendition is one planned output file: what to cut from the upright
// original and what to call it.
type rendition struct {
	SizeName string // "" for the main file
	Name     string
	W, H     int
	Box      media.Rect // in upright source pixels
	// Attention cuts W×H where libvips' attention-based smart crop finds
	// the subject, instead of Box (a named crop without a focal point).
	Attention bool
}

// plan is everything Process will make for one upload, decided from the
// header alone (spec §12.2). It is pure so tests can check WordPress's worked
// examples without encoding a pixel; the size maths is media's, shared with
// the API's missing-sizes answers.
type plan struct {
	UprightW, UprightH int
	Rotate             bool // apply EXIF orientation (JPEG only, as WordPress)
	Out                format
	MainKind           mainKind
	Main               *rendition
	Sizes              []rendition
	// Stem and Ext name the outputs: "horizon" and "jpg" (the upload's
	// spelling, or the output format's when it differs).
	Stem, Ext string
}

// makePlan decides the main file and the sub-sizes for an upload whose
// header says srcW×srcH, the given EXIF orientation and input format.
func makePlan(srcW, srcH, orientation int, in format, basename string, sizes []media.Size, only []string) plan {
	p := plan{UprightW: srcW, UprightH: srcH, Out: in.output()}
	if in.name == "jpeg" && orientation >= 2 && orientation <= 8 {
		p.Rotate = true
		if orientation >= 5 {
			p.UprightW, p.UprightH = srcH, srcW
		}
	}
	stem, ext := splitName(basename, in)
	outExt := ext
	if p.Out.name != in.name {
		outExt = p.Out.ext
	}
	p.Stem, p.Ext = stem, outExt
	if !in.subsizes {
		return p
	}

	switch {
	case p.UprightW > media.BigImageThreshold || p.UprightH > media.BigImageThreshold:
		// WordPress's resize to the threshold fails when the result would
		// be within a pixel of the upload (2561×1921 → 2560×1920), and then
		// it makes no main file at all: neither -scaled nor, since the
		// branches are one if/elseif, -rotated or converted.
		w, h, _, ok := media.ResizeDimensions(p.UprightW, p.UprightH, media.BigImageThreshold, media.BigImageThreshold, false)
		if ok {
			p.MainKind = mainScaled
			p.Main = &rendition{Name: stem + "-scaled." + outExt, W: w, H: h}
		}
	case p.Out.name != in.name:
		p.MainKind = mainConverted
		p.Main = &rendition{Name: stem + "." + outExt, W: p.UprightW, H: p.UprightH}
	case p.Rotate:
		p.MainKind = mainRotated
		p.Main = &rendition{Name: stem + "-rotated." + outExt, W: p.UprightW, H: p.UprightH}
	}
	if p.Main != nil {
		p.Main.Box = media.Rect{W: p.UprightW, H: p.UprightH}
	}

	// A size with neither width nor height gets no file: ResizeDimensions
	// says so, as WordPress skips it.
	for _, s := range media.CreationOrder(sizes) {
		if len(only) > 0 && !slices.Contains(only, s.Name) {
			continue
		}
		w, h, box, ok := media.ResizeDimensions(p.UprightW, p.UprightH, s.Width, s.Height, s.Crop)
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
