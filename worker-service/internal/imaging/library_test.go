package imaging

import (
	"slices"
	"strings"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
)

// TestLibrary proves the worker links the libvips it is meant to: 8.16 or
// newer with Highway SIMD (Debian 12's 8.14 resizes with scalar code, twice
// as slow), with the loaders Pixelmill reads running and the unsafe ones
// blocked. On Debian 12 that library is the one deploy/local/tools.sh
// builds, and only a build with its environment links it (make test does;
// by hand: eval "$(deploy/local/tools.sh env)"). A plain `go test` links
// Debian's 8.14 and fails here.
func TestLibrary(t *testing.T) {
	lib := DescribeLibrary()
	t.Logf("libvips %s, SIMD %v, loaders %v, blocked %v", lib.Version, lib.SIMD, lib.Loaders, lib.Blocked)

	if vips.MajorVersion < 8 || vips.MajorVersion == 8 && vips.MinorVersion < 16 {
		t.Errorf("linked libvips %s, want 8.16 or newer: run through make test, or eval \"$(deploy/local/tools.sh env)\" first", lib.Version)
	}
	if len(lib.SIMD) == 0 {
		t.Errorf("libvips %s runs no Highway SIMD target: built without Highway, its resize is scalar", lib.Version)
	}
	// The six Pixelmill accepts (HEIC and AVIF both through heifload; its
	// HEVC and AV1 decoders are proven by TestProcessHEIFFamily).
	for _, name := range []string{"jpeg", "png", "webp", "gif", "heif", "tiff"} {
		if !slices.Contains(lib.Loaders, name) {
			t.Errorf("libvips has no usable %sload (loaders %v, blocked %v)", name, lib.Loaders, lib.Blocked)
		}
	}
	// Built in, but refused under VIPS_BLOCK_UNTRUSTED, which Startup sets.
	for _, name := range []string{"pdf", "svg"} {
		if !slices.Contains(lib.Blocked, name) {
			t.Errorf("%sload should be present and blocked as untrusted (loaders %v, blocked %v)", name, lib.Loaders, lib.Blocked)
		}
	}
	// What the build found, from the headers this package compiled
	// against: libspng for PNG, libexif for orientation and camera data.
	config := headerConfig()
	for _, line := range []string{
		"SIMD support with libhwy: true",
		"PNG load/save with spng: true",
		"EXIF metadata support with libexif: true",
	} {
		if !strings.Contains(config, line) {
			t.Errorf("libvips headers lack %q; their build summary:\n%s", line, config)
		}
	}
}
