package imaging

/*
#cgo pkg-config: vips
#include <stdlib.h>
#include <vips/vips.h>

// pm_verify decodes every pixel of buf with loader options (fail_on=error,
// and a shrink-on-load to keep it cheap) and reports whether that worked.
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
*/
import "C"

import (
	"errors"
	"strings"
	"unsafe"
)

// verify decodes all of src the way WordPress judges a file: corrupt data
// and truncation fail, libjpeg's warnings (say "extraneous bytes before
// marker", which many cameras write) do not. That is libvips' fail_on=error.
//
// It calls libvips through cgo (as library.go does, to describe libvips),
// because govips 2.18 cannot ask for that level. Checked: vips.ImportParams.FailOnError, the only failure switch of
// LoadImageFromBuffer, LoadThumbnailFromBuffer and their variants, becomes
// the deprecated fail=TRUE (jpegload/pngload properties, or "fail=TRUE" in
// thumbnail_buffer's option_string), which libvips 8.14 maps to
// fail_on=warning; left unset, a truncated JPEG decodes half grey without
// an error. ImportParams.OptionString has no field that could carry
// "fail_on". TestProcessTruncated and TestProcessToleratesJPEGWarnings fail
// with either govips setting alone.
//
// The C code gets a copy of src in C memory, freed before verify returns.
// verify runs only after a rendition failed, so the copy and the decode
// cost nothing on the happy path.
func verify(src []byte, f format) error {
	options := "fail_on=error"
	switch f.name {
	case "jpeg":
		options += ",shrink=8"
	case "webp":
		options += ",scale=0.125"
	}
	copts := C.CString(options)
	defer C.free(unsafe.Pointer(copts))
	buf := C.CBytes(src)
	defer C.free(buf)
	if C.pm_verify(buf, C.size_t(len(src)), copts) != 0 {
		return takeVipsError()
	}
	return nil
}

// takeVipsError takes libvips' error buffer and clears it.
func takeVipsError() error {
	c := C.vips_error_buffer_copy()
	msg := strings.TrimSpace(C.GoString(c))
	C.g_free(C.gpointer(c))
	if msg == "" {
		msg = "unknown libvips error"
	}
	return errors.New(strings.ReplaceAll(msg, "\n", "; "))
}
