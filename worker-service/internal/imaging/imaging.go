// Package imaging makes WordPress's renditions of an uploaded image with
// libvips: the "-scaled"/"-rotated" main file, the registered sub-sizes with
// WordPress's exact dimension maths, and the image_meta WordPress would record.
//
// All image work goes through govips (github.com/davidbyttow/govips/v2), the
// project's libvips binding: shrink-on-load thumbnails from the upload's
// bytes, crops, metadata removal and the encoders. Two gaps of govips 2.18 on
// libvips 8.14 are filled here: the encoders' synthesised EXIF block and
// WebP's dropped ICC profile are fixed in the encoded bytes (clean.go), and
// one small cgo call in verify.go decodes with fail_on=error, a level govips
// cannot ask for, to tell a truncated file from a camera's harmless warning.
// DescribeLibrary (library.go, cgo too) reports the libvips the process runs
// on: version, Highway SIMD targets, loaders.
//
// Errors: an *InputError means the file itself is bad (corrupt, truncated,
// unsupported, too many pixels) and retrying cannot help; any other error is
// internal and retryable.
package imaging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/davidbyttow/govips/v2/vips"
)

// Output qualities WordPress uses (spec §12.1): JPEG 82, WebP 86, others 82.
const (
	jpegQuality  = 82
	webpQuality  = 86
	otherQuality = 82
)

// Config sets how libvips runs in this process.
type Config struct {
	// Concurrency is the number of libvips worker threads per pipeline
	// (vips_concurrency). Pixelmill scales by running several jobs, each on
	// one or two threads; 0 means 1. govips sets it once per process, at
	// the first Startup.
	Concurrency int
	// MaxPixels caps width×height read from the file header, before any
	// pixel is decoded, so a decompression bomb fails fast as an InputError.
	MaxPixels int64
	// MaxFrames caps the frames (pages) an animation may declare in its
	// header: a GIF of thousands of frames is refused before a decode.
	MaxFrames int
	// Renderers is how many renditions of one job are made at once, each
	// its own libvips pipeline; 0 means 1. With one job per process on a
	// machine of several cores, more renderers turn idle cores into
	// shorter jobs; the work per image stays the same.
	Renderers int
	// ProgressiveBudget caps the memory a progressive JPEG may need to
	// decode (its whole coefficient buffer, see probe); larger ones fail as
	// an InputError before any decode. 0 means no cap.
	ProgressiveBudget int64
}

// DefaultConfig returns one libvips thread per pipeline, two renditions of
// a job at once and a 100-megapixel cap (a 12000×8000 panorama fits; a
// 20000×20000 bomb does not). Two renderers: with one decode a job, the
// second encodes while the first resizes, and a job alone on its process
// uses an idle core; measured with two workers on two cores (make bench,
// 2026-12-03), nine mixed photos went from 4.21 to 3.48 s end to end and a
// lone 9 MP photo from 476 to 382–407 ms upload to ready; under full load
// (200 uploads 8 at a time) throughput stayed 3.7 images/s.
func DefaultConfig() Config {
	return Config{Concurrency: 1, MaxPixels: 100_000_000, MaxFrames: 1000, Renderers: 2, ProgressiveBudget: 512 << 20}
}

// Validate reports every bad field at once.
func (c Config) Validate() error {
	var errs []error
	if c.Concurrency < 0 || c.Concurrency > 64 {
		errs = append(errs, fmt.Errorf("imaging: concurrency %d out of range 0..64", c.Concurrency))
	}
	if c.MaxPixels <= 0 {
		errs = append(errs, fmt.Errorf("imaging: max pixels %d must be positive", c.MaxPixels))
	}
	if c.Renderers < 0 || c.Renderers > 64 {
		errs = append(errs, fmt.Errorf("imaging: renderers %d out of range 0..64", c.Renderers))
	}
	if c.ProgressiveBudget < 0 {
		errs = append(errs, fmt.Errorf("imaging: progressive budget %d must not be negative", c.ProgressiveBudget))
	}
	if c.MaxFrames <= 0 {
		errs = append(errs, fmt.Errorf("imaging: max frames %d must be positive", c.MaxFrames))
	}
	return errors.Join(errs...)
}

func (c Config) threads() int {
	if c.Concurrency == 0 {
		return 1
	}
	return c.Concurrency
}

var (
	startOnce sync.Once
	startErr  error
	started   atomic.Bool
	stopped   atomic.Bool
	stopOnce  sync.Once
	// threads is the Concurrency libvips was started with.
	threads int
	// maxPixels is read by every Probe; Startup may change it at any time.
	maxPixels atomic.Int64
	// renderers is read by every Process, like maxPixels.
	renderers atomic.Int64
	// progressiveBudget is read by every Probe, like maxPixels.
	progressiveBudget atomic.Int64
	// maxFrames is read by every Probe, like maxPixels.
	maxFrames atomic.Int64
)

// Startup initialises libvips for this process through govips. The first
// call starts it: cfg's thread count, the operation cache off because
// distinct uploads never hit it, untrusted loaders such as ImageMagick
// blocked, libvips log lines routed to slog at debug level since every
// failure also comes back as an error. Later calls re-apply MaxPixels, so
// tests and the worker can share a process; they cannot change Concurrency,
// which govips sets once.
func Startup(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if stopped.Load() {
		return errors.New("imaging: startup after shutdown: libvips cannot restart in one process")
	}
	startOnce.Do(func() {
		// vips_init reads this, and govips has no switch for it: it blocks
		// the loaders libvips marks unsafe on untrusted input (ImageMagick,
		// SVG, PDF, …) even where thumbnail_buffer picks the loader itself.
		// Only the formats of probe.go are loaded anyway.
		if err := os.Setenv("VIPS_BLOCK_UNTRUSTED", "1"); err != nil {
			startErr = fmt.Errorf("imaging: block untrusted loaders: %w", err)
			return
		}
		vips.LoggingSettings(logVips, vips.LogLevelWarning)
		startErr = vips.Startup(&vips.Config{
			ConcurrencyLevel: cfg.threads(),
			MaxCacheFiles:    0,
			MaxCacheMem:      0,
			MaxCacheSize:     0,
		})
		if startErr != nil {
			startErr = fmt.Errorf("imaging: start libvips: %w", startErr)
			return
		}
		threads = cfg.threads()
		started.Store(true)
	})
	if startErr != nil {
		return startErr
	}
	if cfg.threads() != threads {
		return fmt.Errorf("imaging: libvips runs %d threads per pipeline; govips cannot change that to %d after startup",
			threads, cfg.threads())
	}
	maxPixels.Store(cfg.MaxPixels)
	maxFrames.Store(int64(cfg.MaxFrames))
	progressiveBudget.Store(cfg.ProgressiveBudget)
	renderers.Store(int64(max(cfg.Renderers, 1)))
	return nil
}

// Shutdown stops libvips. Call it once, at process exit; libvips cannot be
// started again afterwards.
func Shutdown() {
	stopOnce.Do(func() {
		stopped.Store(true)
		if started.Swap(false) {
			vips.Shutdown()
		}
	})
}

// ready reports why pixel work cannot run, so a wiring mistake is an error
// rather than a libvips auto-start with its defaults (cache on).
func ready() error {
	if !started.Load() {
		return errors.New("imaging: Startup has not been called (or Shutdown has)")
	}
	return nil
}

// logVips receives libvips' and glib's messages. They are warnings that go
// with an error this package returns anyway, so they stay at debug level;
// only critical ones are worth a warning.
func logVips(domain string, level vips.LogLevel, msg string) {
	lvl := slog.LevelDebug
	if level <= vips.LogLevelCritical {
		lvl = slog.LevelWarn
	}
	// A C callback has no job context; the message is logged without trace ids.
	slog.Default().Log(context.Background(), lvl, "libvips", "domain", domain, "message", msg)
}

// Version is the libvips version govips runs on.
func Version() string { return vips.Version }
