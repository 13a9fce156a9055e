package imaging

import (
	"errors"
	"slices"
	"strings"

	"github.com/davidbyttow/govips/v2/vips"
)

// importParams are the loader options of every govips load in this package.
// strict sets FailOnError, which govips passes to libvips 8.14 as the
// deprecated fail=TRUE, that is fail_on=warning: a truncated file fails, as
// it must, but so does a camera JPEG with a harmless libjpeg warning. Process
// therefore renders strictly first and, when verify (fail_on=error) finds the
// file sound, once more with strict off.
//
// govips hands FailOnError to jpegload and pngload, and through
// thumbnail_buffer's option_string to every loader; its gifload, webpload
// and heifload calls ignore it, which is why GIF and HEIF renditions always
// come from LoadThumbnailFromBuffer (libwebp and libheif fail on bad data
// whatever fail_on says).
func importParams(strict bool) *vips.ImportParams {
	p := &vips.ImportParams{}
	if strict {
		p.FailOnError.Set(true)
	}
	return p
}

// libvipsError turns a govips error into libvips' message alone: govips
// appends a Go stack trace to every error, and the libvips error buffer it
// reads repeats lines. The buffer is process-wide, so with concurrent jobs
// the message may also carry a neighbour's lines; classify does not trust it.
func libvipsError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, "\nStack:"); i >= 0 {
		msg = msg[:i]
	}
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	lines = slices.Compact(lines)
	msg = strings.Join(lines, "; ")
	if msg == "" {
		msg = "unknown libvips error"
	}
	return errors.New(msg)
}

// hasField reports whether im carries the metadata field name. govips's
// getters answer 0 for a missing field and leave libvips' error buffer
// dirty, so presence is checked first.
func hasField(im *vips.ImageRef, name string) bool {
	return slices.Contains(im.ImageFields(), name)
}

// intField returns an integer metadata field, or ok=false when absent.
func intField(im *vips.ImageRef, name string) (int, bool) {
	if !hasField(im, name) {
		return 0, false
	}
	return im.GetInt(name), true
}

// pelBytes is the size of one decoded pixel of im in bytes (bands × sample
// size), to budget in-memory decodes.
func pelBytes(im *vips.ImageRef) int {
	size := 1
	switch im.BandFormat() {
	case vips.BandFormatUshort, vips.BandFormatShort:
		size = 2
	case vips.BandFormatUint, vips.BandFormatInt, vips.BandFormatFloat:
		size = 4
	case vips.BandFormatDouble, vips.BandFormatComplex:
		size = 8
	case vips.BandFormatDpComplex:
		size = 16
	}
	return im.Bands() * size
}
