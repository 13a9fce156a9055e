package imaging

/*
#cgo pkg-config: vips
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

// Every loader gets fail_on=error: a truncated or corrupt file must fail
// the job instead of coming out grey (libvips' default is to warn and go
// on). Plain warnings, such as "extraneous bytes before marker" that many
// cameras produce, still pass, as they do in WordPress.

// pm_header opens buf lazily: loaders read only the header here, no pixel
// is decoded until something asks for one.
static int pm_header(const void *buf, size_t len, VipsImage **out) {
	*out = vips_image_new_from_buffer(buf, len, "",
		"access", VIPS_ACCESS_SEQUENTIAL,
		"fail_on", VIPS_FAIL_ON_ERROR,
		NULL);
	return *out == NULL ? -1 : 0;
}

static const char *pm_find_loader(const void *buf, size_t len) {
	return vips_foreign_find_load_buffer(buf, len);
}

// pm_thumbnail is vips_thumbnail_buffer to exactly w×h (size=force): with
// shrink-on-load (JPEG DCT scaling, WebP scale) this is the fastest way to
// a smaller image. w and h are the upright size when rotating.
// libvips 8.14's thumbnail_buffer does not hand its fail_on to the loader
// (thumbnail from a file does), so the loader also gets it through
// option_string; without that a truncated JPEG comes out half grey.
static int pm_thumbnail(const void *buf, size_t len, VipsImage **out, int w, int h, int no_rotate) {
	return vips_thumbnail_buffer((void *) buf, len, out, w,
		"height", h,
		"size", VIPS_SIZE_FORCE,
		"no_rotate", no_rotate,
		"fail_on", VIPS_FAIL_ON_ERROR,
		"option_string", "fail_on=error",
		NULL);
}

// pm_decode opens buf with loader options (a JPEG shrink-on-load factor,
// a WebP scale) and decodes it into memory, turned upright if asked, so
// several renditions of one shrink-on-load tier share one decode.
static int pm_decode(const void *buf, size_t len, const char *options, int rotate, VipsImage **out) {
	VipsImage *in, *mem;

	if (!(in = vips_image_new_from_buffer(buf, len, options,
		"access", VIPS_ACCESS_SEQUENTIAL,
		NULL)))
		return -1;
	mem = vips_image_copy_memory(in);
	g_object_unref(in);
	if (!mem)
		return -1;
	if (!rotate) {
		*out = mem;
		return 0;
	}
	if (vips_autorot(mem, out, NULL)) {
		g_object_unref(mem);
		return -1;
	}
	g_object_unref(mem);
	return 0;
}

// pm_thumbnail_image resizes an already decoded image exactly as
// pm_thumbnail would after its shrink-on-load (premultiplied alpha,
// processing in sRGB, lanczos3).
static int pm_thumbnail_image(VipsImage *in, VipsImage **out, int w, int h) {
	return vips_thumbnail_image(in, out, w,
		"height", h,
		"size", VIPS_SIZE_FORCE,
		"no_rotate", TRUE,
		NULL);
}

static int pm_extract(VipsImage *in, VipsImage **out, int x, int y, int w, int h) {
	return vips_extract_area(in, out, x, y, w, h, NULL);
}

// pm_fit places in at 0,0 of a w×h canvas, repeating edge pixels: it fixes
// the one-pixel rounding differences between libvips and WordPress.
static int pm_fit(VipsImage *in, VipsImage **out, int w, int h) {
	return vips_embed(in, out, 0, 0, w, h, "extend", VIPS_EXTEND_COPY, NULL);
}

// pm_strip copies in without its metadata except the ICC profile, so no
// EXIF (GPS, camera serials), XMP or IPTC reaches a rendition while the
// colours stay right. libvips' own bookkeeping fields (vips-*) stay.
// n-pages and friends go: a rendition is one frame.
static int pm_strip(VipsImage *in, VipsImage **out) {
	gchar **fields;
	int i;

	if (vips_copy(in, out, NULL))
		return -1;
	fields = vips_image_get_fields(*out);
	for (i = 0; fields[i]; i++) {
		if (strcmp(fields[i], VIPS_META_ICC_NAME) == 0 ||
			vips_isprefix("vips-", fields[i]))
			continue;
		vips_image_remove(*out, fields[i]);
	}
	g_strfreev(fields);
	return 0;
}

// Savers keep strip off: with strip libvips 8.14 also drops the ICC profile
// (keep=icc is 8.15+). What little EXIF libvips then synthesises
// (resolution, orientation 1, dimensions) is cut from the bytes in Go.
static int pm_save_jpeg(VipsImage *in, void **buf, size_t *len, int q) {
	return vips_jpegsave_buffer(in, buf, len,
		"Q", q,
		"interlace", FALSE,
		"optimize_coding", TRUE,
		"strip", FALSE,
		NULL);
}

static int pm_save_webp(VipsImage *in, void **buf, size_t *len, int q) {
	return vips_webpsave_buffer(in, buf, len, "Q", q, "strip", FALSE, NULL);
}

static int pm_save_png(VipsImage *in, void **buf, size_t *len, int palette) {
	return vips_pngsave_buffer(in, buf, len,
		"compression", 6,
		"palette", palette,
		"strip", FALSE,
		NULL);
}

static int pm_save_gif(VipsImage *in, void **buf, size_t *len) {
	return vips_gifsave_buffer(in, buf, len, NULL);
}

// AVIF's EXIF lives in the ISOBMFF container, out of reach of a byte
// filter; so strip when there is no ICC profile to lose, and otherwise
// accept libvips' minimal EXIF (no camera data, no GPS) to keep colours.
static int pm_save_avif(VipsImage *in, void **buf, size_t *len, int q) {
	return vips_heifsave_buffer(in, buf, len,
		"Q", q,
		"compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
		"strip", !vips_image_get_typeof(in, VIPS_META_ICC_NAME),
		NULL);
}

// pm_verify decodes every pixel of buf (cheaply: options may ask for
// shrink-on-load) and reports whether the file itself is readable.
static int pm_verify(const void *buf, size_t len, const char *options) {
	VipsImage *in;
	double avg;
	int rc;

	if (!(in = vips_image_new_from_buffer(buf, len, options,
		"access", VIPS_ACCESS_SEQUENTIAL,
		NULL)))
		return -1;
	rc = vips_avg(in, &avg, NULL);
	g_object_unref(in);
	return rc;
}

static int pm_get_int(VipsImage *im, const char *name, int *out) {
	if (!vips_image_get_typeof(im, name))
		return -1;
	return vips_image_get_int(im, name, out);
}

static int pm_width(VipsImage *im) { return vips_image_get_width(im); }
static int pm_height(VipsImage *im) { return vips_image_get_height(im); }
static int pm_sizeof_pel(VipsImage *im) { return VIPS_IMAGE_SIZEOF_PEL(im); }
static int pm_has_alpha(VipsImage *im) { return vips_image_hasalpha(im); }
static int pm_n_pages(VipsImage *im) { return vips_image_get_n_pages(im); }
static void pm_unref(VipsImage *im) { g_object_unref(im); }
*/
import "C"

import (
	"errors"
	"strings"
	"unsafe"
)

// blockUntrusted disables the loaders libvips marks as unsafe on untrusted
// input (ImageMagick, MATLAB, FITS, …), as VIPS_BLOCK_UNTRUSTED=1 would;
// govips 2.18 has no switch for it. Only our own whitelist is loaded anyway.
func blockUntrusted() {
	C.vips_block_untrusted_set(C.TRUE)
}

func setConcurrency(n int) {
	C.vips_concurrency_set(C.int(n))
}

// cbuf is a copy of an upload in C memory. libvips reads the buffer lazily,
// long after the call that was given it returns, which cgo forbids for Go
// memory; one copy per job is cheap next to decoding.
type cbuf struct {
	p unsafe.Pointer
	n C.size_t
}

func newCBuf(b []byte) *cbuf {
	return &cbuf{p: C.CBytes(b), n: C.size_t(len(b))}
}

// free releases the copy; every image made from it must be closed first.
func (b *cbuf) free() {
	if b.p != nil {
		C.free(b.p)
		b.p = nil
	}
}

// vimage owns one reference to a libvips image.
type vimage struct{ p *C.VipsImage }

func (im *vimage) close() {
	if im != nil && im.p != nil {
		C.pm_unref(im.p)
		im.p = nil
	}
}

func (im *vimage) width() int  { return int(C.pm_width(im.p)) }
func (im *vimage) height() int { return int(C.pm_height(im.p)) }

// intField returns an integer metadata field, or ok=false when absent.
func (im *vimage) intField(name string) (int, bool) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var v C.int
	if C.pm_get_int(im.p, cname, &v) != 0 {
		C.vips_error_clear()
		return 0, false
	}
	return int(v), true
}

// vipsError takes libvips' error buffer (and clears it). The buffer is
// process-wide, so with concurrent jobs a message may carry a neighbour's
// lines too; the first line is the one that failed here.
func vipsError() error {
	c := C.vips_error_buffer_copy()
	msg := strings.TrimSpace(C.GoString(c))
	C.g_free(C.gpointer(c))
	if msg == "" {
		msg = "unknown libvips error"
	}
	return errors.New(strings.ReplaceAll(msg, "\n", "; "))
}

// loaderFor names the libvips loader that would open b ("jpegload_buffer"),
// sniffing magic bytes only.
func loaderFor(b *cbuf) (string, error) {
	name := C.pm_find_loader(b.p, b.n)
	if name == nil {
		return "", vipsError()
	}
	return C.GoString(name), nil
}

// openHeader opens b without decoding pixels.
func openHeader(b *cbuf) (*vimage, error) {
	var out *C.VipsImage
	if C.pm_header(b.p, b.n, &out) != 0 {
		return nil, vipsError()
	}
	return &vimage{p: out}, nil
}

// headerInfo is what openHeader tells beyond width and height.
func (im *vimage) headerInfo() (orientation, pages int, progressive, alpha bool) {
	if o, ok := im.intField("orientation"); ok {
		orientation = o
	}
	pages = int(C.pm_n_pages(im.p))
	if v, ok := im.intField("jpeg-multiscan"); ok && v != 0 {
		progressive = true
	}
	if v, ok := im.intField("interlaced"); ok && v != 0 {
		progressive = true
	}
	alpha = C.pm_has_alpha(im.p) != 0
	return orientation, pages, progressive, alpha
}

// thumbnail makes a lazy w×h version of b (shrink-on-load, then a lanczos3
// reduce); nothing is decoded until the result is saved.
func thumbnail(b *cbuf, w, h int, rotate bool) (*vimage, error) {
	var out *C.VipsImage
	noRotate := C.int(1)
	if rotate {
		noRotate = 0
	}
	if C.pm_thumbnail(b.p, b.n, &out, C.int(w), C.int(h), noRotate) != 0 {
		return nil, vipsError()
	}
	return &vimage{p: out}, nil
}

// decode opens b with loader options and decodes it into memory (upright
// if rotate), for renditions that share a shrink-on-load tier.
func decode(b *cbuf, options string, rotate bool) (*vimage, error) {
	copts := C.CString(options)
	defer C.free(unsafe.Pointer(copts))
	var out *C.VipsImage
	r := C.int(0)
	if rotate {
		r = 1
	}
	if C.pm_decode(b.p, b.n, copts, r, &out) != 0 {
		return nil, vipsError()
	}
	return &vimage{p: out}, nil
}

// verify decodes all of b with loader options and returns the decoder's
// error, if any.
func verify(b *cbuf, options string) error {
	copts := C.CString(options)
	defer C.free(unsafe.Pointer(copts))
	if C.pm_verify(b.p, b.n, copts) != 0 {
		return vipsError()
	}
	return nil
}

// thumbnailImage is thumbnail for an image decode already holds in memory.
func (im *vimage) thumbnailImage(w, h int) (*vimage, error) {
	var out *C.VipsImage
	if C.pm_thumbnail_image(im.p, &out, C.int(w), C.int(h)) != 0 {
		return nil, vipsError()
	}
	return &vimage{p: out}, nil
}

// pelBytes is the size of one pixel in bytes (bands × sample size).
func (im *vimage) pelBytes() int { return int(C.pm_sizeof_pel(im.p)) }

func (im *vimage) extract(x, y, w, h int) (*vimage, error) {
	var out *C.VipsImage
	if C.pm_extract(im.p, &out, C.int(x), C.int(y), C.int(w), C.int(h)) != 0 {
		return nil, vipsError()
	}
	return &vimage{p: out}, nil
}

func (im *vimage) fit(w, h int) (*vimage, error) {
	var out *C.VipsImage
	if C.pm_fit(im.p, &out, C.int(w), C.int(h)) != 0 {
		return nil, vipsError()
	}
	return &vimage{p: out}, nil
}

func (im *vimage) strip() (*vimage, error) {
	var out *C.VipsImage
	if C.pm_strip(im.p, &out) != 0 {
		return nil, vipsError()
	}
	return &vimage{p: out}, nil
}

// save encodes im as f. This is where the lazy pipeline runs, so decode
// errors of the source surface here too.
func (im *vimage) save(f format, palette bool) ([]byte, error) {
	var buf unsafe.Pointer
	var n C.size_t
	var rc C.int
	switch f.name {
	case "jpeg":
		rc = C.pm_save_jpeg(im.p, &buf, &n, jpegQuality)
	case "webp":
		rc = C.pm_save_webp(im.p, &buf, &n, webpQuality)
	case "png":
		p := C.int(0)
		if palette {
			p = 1
		}
		rc = C.pm_save_png(im.p, &buf, &n, p)
	case "gif":
		rc = C.pm_save_gif(im.p, &buf, &n)
	case "avif":
		rc = C.pm_save_avif(im.p, &buf, &n, otherQuality)
	default:
		return nil, errors.New("no encoder for " + f.name)
	}
	if rc != 0 {
		return nil, vipsError()
	}
	defer C.g_free(C.gpointer(buf))
	return C.GoBytes(buf, C.int(n)), nil
}
