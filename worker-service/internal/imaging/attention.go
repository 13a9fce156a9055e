package imaging

/*
#cgo pkg-config: vips
#include <vips/vips.h>

// pm_attention finds where libvips' attention measure (edges, skin tones,
// saturated colours) peaks in a side-pixel thumbnail of buf, and that
// thumbnail's size. no_rotate keeps the stored orientation.
static int pm_attention(const void *buf, size_t len, int side, int no_rotate,
	int *x, int *y, int *w, int *h) {
	VipsImage *thumb = NULL, *out = NULL;

	if (vips_thumbnail_buffer((void *) buf, len, &thumb, side,
		"height", side,
		"no_rotate", no_rotate,
		NULL))
		return -1;
	*w = thumb->Xsize;
	*h = thumb->Ysize;
	// The point does not depend on the crop's size: libvips finds it
	// first, then centres the crop on it.
	if (vips_smartcrop(thumb, &out, 1, 1,
		"interesting", VIPS_INTERESTING_ATTENTION,
		"attention_x", x,
		"attention_y", y,
		NULL)) {
		g_object_unref(thumb);
		return -1;
	}
	g_object_unref(out);
	g_object_unref(thumb);
	return 0;
}
*/
import "C"

import (
	"unsafe"

	"github.com/pixelmill/pixelmill/services/media"
)

// attentionSide is the size of the thumbnail the subject is looked for in:
// libvips' attention measure blurs and shrinks anyway, and a small image
// keeps it a few milliseconds whatever the upload's size.
const attentionSide = 256

// attentionPoint returns where libvips' attention-based smart crop would
// centre a crop of the upright image (rotate: EXIF orientation applied, as
// the plan does), as a focal point. Finding it once serves every crop of
// an item, each then cut as a box around it on the shared decodes: cheaper
// than a smart crop per crop, which decodes and analyses the image again.
// A file libvips can't read gives the centre; its renditions report why.
func attentionPoint(src []byte, rotate bool) media.Point {
	buf := C.CBytes(src)
	defer C.free(buf)
	noRotate := C.int(1)
	if rotate {
		noRotate = 0
	}
	var x, y, w, h C.int
	if C.pm_attention(unsafe.Pointer(buf), C.size_t(len(src)), attentionSide, noRotate, &x, &y, &w, &h) != 0 || w < 1 || h < 1 {
		C.vips_error_clear()
		return media.Point{Left: 0.5, Top: 0.5}
	}
	return media.Point{
		Left: min(1, max(0, (float64(x)+0.5)/float64(w))),
		Top:  min(1, max(0, (float64(y)+0.5)/float64(h))),
	}
}
