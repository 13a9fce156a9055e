package imaging

import (
	"fmt"
	"strings"

	"github.com/davidbyttow/govips/v2/vips"
)

// Header is what the file header tells without decoding pixels: enough to
// plan the renditions, enforce limits and budget the job (a progressive JPEG
// can cost libvips ten times the time and memory of a baseline one).
type Header struct {
	Format        string // "jpeg", "png", "webp", "gif", "avif", "heif", "tiff"
	MIME          string // "image/jpeg", …
	Width, Height int    // as stored, before EXIF orientation
	Orientation   int    // EXIF orientation 1..8, 0 if none
	Pages         int    // frames of an animation, pages of a TIFF; 1 otherwise
	Progressive   bool   // progressive JPEG or interlaced PNG
	HasAlpha      bool
}

// format is an input or output image format as this package handles it.
type format struct {
	name     string // Header.Format
	mime     string
	ext      string // default file extension
	subsizes bool   // WordPress makes sub-sizes of it (spec §12.2)
	outName  string // format of its renditions
}

// formats are the image types Pixelmill accepts, as govips sniffs them from
// the magic bytes (vips.DetermineImageType). Anything else (SVG, PDF, BMP,
// ICO, JPEG 2000, JPEG XL, PSD, …) is refused before a loader runs: those
// loaders are unsafe on untrusted input or WordPress makes no sub-sizes of
// them.
var formats = map[vips.ImageType]format{
	vips.ImageTypeJPEG: {name: "jpeg", mime: "image/jpeg", ext: "jpg", subsizes: true, outName: "jpeg"},
	vips.ImageTypePNG:  {name: "png", mime: "image/png", ext: "png", subsizes: true, outName: "png"},
	vips.ImageTypeWEBP: {name: "webp", mime: "image/webp", ext: "webp", subsizes: true, outName: "webp"},
	vips.ImageTypeGIF:  {name: "gif", mime: "image/gif", ext: "gif", subsizes: true, outName: "gif"},
	vips.ImageTypeAVIF: {name: "avif", mime: "image/avif", ext: "avif", subsizes: true, outName: "avif"},
	vips.ImageTypeHEIF: {name: "heif", mime: "image/heic", ext: "heic", subsizes: true, outName: "jpeg"},
	vips.ImageTypeTIFF: {name: "tiff", mime: "image/tiff", ext: "tif", outName: "tiff"},
}

// output is the format renditions are written in: the same as the upload,
// except HEIC/HEIF which WordPress (6.7+) converts to JPEG because browsers
// cannot show it.
func (f format) output() format {
	switch f.outName {
	case f.name:
		return f
	case "jpeg":
		return formats[vips.ImageTypeJPEG]
	}
	for _, g := range formats {
		if g.name == f.outName {
			return g
		}
	}
	return f
}

// label names the format for people ("JPEG", "WebP").
func (f format) label() string {
	switch f.name {
	case "webp":
		return "WebP"
	case "heif":
		return "HEIF"
	case "":
		return "image"
	}
	return strings.ToUpper(f.name)
}

// Probe reads the header of buf: format, stored size, EXIF orientation,
// pages, interlacing, alpha. No pixel is decoded, and an image over the
// configured MaxPixels is refused here, before anything could decode it.
func Probe(buf []byte) (Header, error) {
	if err := ready(); err != nil {
		return Header{}, err
	}
	info, err := probe(buf, maxPixels.Load())
	return info.Header, err
}

// sourceInfo is Probe's answer plus what Process needs to plan the work.
type sourceInfo struct {
	Header
	format  format
	pel     int  // bytes per decoded pixel, to budget in-memory decodes
	palette bool // an indexed PNG: keep its renditions indexed too
}

// probe is Probe with an explicit limit, shared with Process. The govips
// load reads the header only: libvips decodes no pixel until one is asked
// for, and nothing here asks.
func probe(buf []byte, limit int64) (sourceInfo, error) {
	var info sourceInfo
	if len(buf) == 0 {
		return info, &InputError{Reason: "empty file"}
	}
	t := vips.DetermineImageType(buf)
	f, ok := formats[t]
	switch {
	case t == vips.ImageTypeUnknown:
		return info, &InputError{Reason: "unsupported or unrecognised image format"}
	case !ok:
		return info, &InputError{Reason: "unsupported image format " + typeLabel(t)}
	}
	info.format = f
	params := importParams(false)
	params.Access.Set(vips.AccessSequential)
	im, err := vips.LoadImageFromBuffer(buf, params)
	if err != nil {
		return info, &InputError{Reason: "truncated or corrupt " + f.label(), Err: libvipsError(err)}
	}
	defer im.Close()

	h := Header{
		Format:   f.name,
		MIME:     f.mime,
		Width:    im.Width(),
		Height:   im.Height(),
		Pages:    im.Pages(),
		HasAlpha: im.HasAlpha(),
	}
	if o := im.Orientation(); o >= 0 && o <= 8 {
		h.Orientation = o
	}
	if v, ok := intField(im, "jpeg-multiscan"); ok && v != 0 {
		h.Progressive = true
	}
	if v, ok := intField(im, "interlaced"); ok && v != 0 {
		h.Progressive = true
	}
	info.Header = h
	info.pel = pelBytes(im)
	info.palette = hasField(im, "palette-bit-depth")
	if h.Width <= 0 || h.Height <= 0 {
		return info, &InputError{Reason: fmt.Sprintf("%s has no pixels (%dx%d)", f.label(), h.Width, h.Height)}
	}
	if frames := maxFrames.Load(); frames > 0 && int64(h.Pages) > frames {
		return info, &InputError{Reason: fmt.Sprintf("too many frames: %d, limit %d", h.Pages, frames)}
	}
	if px := int64(h.Width) * int64(h.Height); px > limit {
		return info, &InputError{
			Reason: fmt.Sprintf("image too large: %dx%d is %d pixels, limit %d", h.Width, h.Height, px, limit),
		}
	}
	if budget := progressiveBudget.Load(); budget > 0 && f.name == "jpeg" && h.Progressive {
		// libjpeg holds every DCT coefficient of a progressive JPEG until its
		// last scan: up to 6 bytes a pixel (three full-size components of
		// int16), whatever size it is decoded to.
		if need := int64(h.Width) * int64(h.Height) * progressiveBytesPerPixel; need > budget {
			return info, &InputError{Reason: fmt.Sprintf(
				"progressive JPEG too large to decode: %dx%d needs about %d MiB, over the budget of %d MiB; save it as a baseline JPEG",
				h.Width, h.Height, need>>20, budget>>20)}
		}
	}
	return info, nil
}

// progressiveBytesPerPixel is the worst case of libjpeg's coefficient
// buffer for a progressive JPEG (4:4:4, 2 bytes a coefficient).
const progressiveBytesPerPixel = 6

// typeLabel names a refused govips image type for messages ("svg").
func typeLabel(t vips.ImageType) string {
	if name, ok := vips.ImageTypes[t]; ok {
		return name
	}
	return "unknown"
}
