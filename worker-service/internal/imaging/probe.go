package imaging

import (
	"bytes"
	"fmt"
	"strings"
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

// formats are the loaders Pixelmill accepts, by libvips loader class name
// (what vips_foreign_find_load_buffer answers).
// Anything else (SVG, PDF, ImageMagick's BMP/ICO, raw, FITS, …) is refused
// before a loader runs: they are either unsafe on untrusted input or not
// something WordPress makes sub-sizes of.
var formats = map[string]format{
	"VipsForeignLoadJpegBuffer":  {name: "jpeg", mime: "image/jpeg", ext: "jpg", subsizes: true, outName: "jpeg"},
	"VipsForeignLoadPngBuffer":   {name: "png", mime: "image/png", ext: "png", subsizes: true, outName: "png"},
	"VipsForeignLoadWebpBuffer":  {name: "webp", mime: "image/webp", ext: "webp", subsizes: true, outName: "webp"},
	"VipsForeignLoadNsgifBuffer": {name: "gif", mime: "image/gif", ext: "gif", subsizes: true, outName: "gif"},
	// heifload reads both; heifFormat tells AVIF from HEIC by the brand.
	"VipsForeignLoadHeifBuffer": {name: "heif", mime: "image/heic", ext: "heic", subsizes: true, outName: "jpeg"},
	"VipsForeignLoadTiffBuffer": {name: "tiff", mime: "image/tiff", ext: "tif", outName: "tiff"},
}

var avifFormat = format{name: "avif", mime: "image/avif", ext: "avif", subsizes: true, outName: "avif"}

// output is the format renditions are written in: the same as the upload,
// except HEIC/HEIF which WordPress (6.7+) converts to JPEG because browsers
// cannot show it.
func (f format) output() format {
	switch f.outName {
	case f.name:
		return f
	case "jpeg":
		return formats["VipsForeignLoadJpegBuffer"]
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

// isAVIF tells an AVIF from other HEIF files by the ftyp major brand.
func isAVIF(b []byte) bool {
	return len(b) >= 12 && bytes.Equal(b[4:8], []byte("ftyp")) &&
		(bytes.Equal(b[8:12], []byte("avif")) || bytes.Equal(b[8:12], []byte("avis")))
}

// Probe reads the header of buf: format, stored size, EXIF orientation,
// pages, interlacing, alpha. No pixel is decoded, and an image over the
// configured MaxPixels is refused here, before anything could decode it.
func Probe(buf []byte) (Header, error) {
	if err := ready(); err != nil {
		return Header{}, err
	}
	src := newCBuf(buf)
	defer src.free()
	info, err := probe(src, buf, maxPixels.Load())
	return info.Header, err
}

// sourceInfo is Probe's answer plus what Process needs to plan the work.
type sourceInfo struct {
	Header
	format  format
	pel     int  // bytes per decoded pixel, to budget in-memory decodes
	palette bool // an indexed PNG: keep its renditions indexed too
}

// probe is Probe on a C copy with an explicit limit, shared with Process.
func probe(src *cbuf, raw []byte, limit int64) (sourceInfo, error) {
	var info sourceInfo
	if len(raw) == 0 {
		return info, &InputError{Reason: "empty file"}
	}
	loader, err := loaderFor(src)
	if err != nil {
		return info, &InputError{Reason: "unsupported or unrecognised image format", Err: err}
	}
	f, ok := formats[loader]
	if !ok {
		return info, &InputError{Reason: "unsupported image format " + loaderLabel(loader)}
	}
	if f.name == "heif" && isAVIF(raw) {
		f = avifFormat
	}
	info.format = f
	im, err := openHeader(src)
	if err != nil {
		return info, &InputError{Reason: "truncated or corrupt " + f.label(), Err: err}
	}
	defer im.close()

	h := Header{Format: f.name, MIME: f.mime, Width: im.width(), Height: im.height()}
	h.Orientation, h.Pages, h.Progressive, h.HasAlpha = im.headerInfo()
	if h.Orientation < 0 || h.Orientation > 8 {
		h.Orientation = 0
	}
	info.Header = h
	info.pel = im.pelBytes()
	_, info.palette = im.intField("palette-bit-depth")
	if h.Width <= 0 || h.Height <= 0 {
		return info, &InputError{Reason: fmt.Sprintf("%s has no pixels (%dx%d)", f.label(), h.Width, h.Height)}
	}
	if px := int64(h.Width) * int64(h.Height); px > limit {
		return info, &InputError{
			Reason: fmt.Sprintf("image too large: %dx%d is %d pixels, limit %d", h.Width, h.Height, px, limit),
		}
	}
	return info, nil
}

// loaderLabel turns "VipsForeignLoadSvgBuffer" into "svg" for messages.
func loaderLabel(class string) string {
	s := strings.TrimPrefix(class, "VipsForeignLoad")
	s = strings.TrimSuffix(s, "Buffer")
	return strings.ToLower(s)
}
