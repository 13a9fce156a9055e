package imaging

/*
#cgo pkg-config: vips
#include <stdlib.h>
#include <vips/vips.h>
#include <vips/vector.h>

// pm_loader_state reports whether this libvips has the operation nickname:
// 0 no, 1 yes, 2 yes but blocked (VIPS_BLOCK_UNTRUSTED or
// vips_operation_block_set). Module loaders (heif, poppler, jxl) count once
// vips_init has loaded them.
static int pm_loader_state(const char *nickname) {
	GType type = vips_type_find("VipsOperation", nickname);
	gpointer class;
	int blocked;

	if (!type)
		return 0;
	class = g_type_class_ref(type);
	blocked = VIPS_OPERATION_CLASS(class)->flags & VIPS_OPERATION_BLOCKED;
	g_type_class_unref(class);
	return blocked ? 2 : 1;
}

// pm_simd_targets is the set of Highway targets libvips was built with
// that this CPU runs, each a bit for vips_vector_target_name. libvips
// before 8.15 had no Highway (orc at most), so it has none.
static gint64 pm_simd_targets(void) {
#if VIPS_MAJOR_VERSION > 8 || (VIPS_MAJOR_VERSION == 8 && VIPS_MINOR_VERSION >= 15)
	if (!vips_vector_isenabled())
		return 0;
	return vips_vector_get_builtin_targets() & vips_vector_get_supported_targets();
#else
	return 0;
#endif
}

static const char *pm_simd_target_name(gint64 target) {
#if VIPS_MAJOR_VERSION > 8 || (VIPS_MAJOR_VERSION == 8 && VIPS_MINOR_VERSION >= 15)
	return vips_vector_target_name(target);
#else
	return "";
#endif
}
*/
import "C"

import (
	"log/slog"
	"unsafe"

	"github.com/davidbyttow/govips/v2/vips"
)

// knownLoaders are the libvips loaders Library looks for, by the stem of
// their nickname ("heif" is heifload: HEIC and AVIF through libheif).
// Pixelmill reads the first six (probe.go); pdf and svg are there for later
// and blocked as unsafe on untrusted input, like the rest.
var knownLoaders = []string{
	"jpeg", "png", "webp", "gif", "heif", "tiff",
	"pdf", "svg", "jxl", "jp2k", "magick", "openslide", "openexr", "fits", "mat",
	"rad", "ppm", "csv", "matrix", "analyze", "raw", "vips",
}

// Library describes the libvips this process runs on: the worker logs it
// at start, and TestLibrary proves the build linked the right one (the
// rendition time halves from 8.14 to 8.16 with Highway).
type Library struct {
	Version string   // libvips' own, at run time ("8.16.1")
	SIMD    []string // Highway targets this CPU runs, best first ("AVX2", "SSE4"); none means scalar code
	Loaders []string // loaders libvips has and will run ("jpeg", "heif", …)
	Blocked []string // loaders it has but refuses, as unsafe on untrusted input ("pdf", "svg", …)
}

// DescribeLibrary reports the libvips this process runs on. Call it after
// Startup: loaders built as modules (HEIF, PDF) exist only once libvips has
// started, and VIPS_BLOCK_UNTRUSTED takes effect there.
func DescribeLibrary() Library {
	lib := Library{Version: vips.Version}
	targets := int64(C.pm_simd_targets())
	// Highway numbers its targets with the better ones on lower bits.
	for bit := 0; bit < 63; bit++ {
		if t := int64(1) << bit; targets&t != 0 {
			lib.SIMD = append(lib.SIMD, C.GoString(C.pm_simd_target_name(C.gint64(t))))
		}
	}
	for _, name := range knownLoaders {
		nick := C.CString(name + "load")
		state := C.pm_loader_state(nick)
		C.free(unsafe.Pointer(nick))
		switch state {
		case 1:
			lib.Loaders = append(lib.Loaders, name)
		case 2:
			lib.Blocked = append(lib.Blocked, name)
		}
	}
	return lib
}

// LogValue shows the library in one log line.
func (l Library) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("version", l.Version),
		slog.Any("simd", l.SIMD),
		slog.Any("loaders", l.Loaders),
		slog.Any("blocked", l.Blocked),
	)
}

// headerConfig is the build summary in the libvips headers this package
// was compiled against (which libraries it found: spng, libexif, libhwy…).
func headerConfig() string { return C.VIPS_CONFIG }

// Memory is what libvips has allocated now and at most since start, in
// bytes; ok is false before Startup.
func Memory() (now, high int64, ok bool) {
	if ready() != nil {
		return 0, 0, false
	}
	var s vips.MemoryStats
	vips.ReadVipsMemStats(&s)
	return s.Mem, s.MemHigh, true
}
