// Package imaging makes WordPress's renditions of an uploaded image with
// libvips: the "-scaled"/"-rotated" main file, the registered sub-sizes with
// WordPress's exact dimension maths, and the image_meta WordPress would record.
//
// It is the only package of Pixelmill that uses cgo. libvips is started once
// per process by govips (Startup); the pixel work calls libvips directly,
// because govips 2.18 cannot pass the options the pipeline depends on
// (thumbnail_buffer's fail_on and no_rotate, saving without EXIF but with the
// ICC profile on libvips 8.14). Everything that reaches C is a copy in C
// memory, so no Go pointer outlives a cgo call.
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
	"sync"
	"sync/atomic"

	"github.com/davidbyttow/govips/v2/vips"
)

// BigImageThreshold is WordPress's big_image_size_threshold: an upload wider
// or taller than this gets a "-scaled" copy fitted in a square of this side,
// and that copy becomes the attached file.
const BigImageThreshold = 2560

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
	// one or two threads; 0 means 1.
	Concurrency int
	// MaxPixels caps width×height read from the file header, before any
	// pixel is decoded, so a decompression bomb fails fast as an InputError.
	MaxPixels int64
}

// DefaultConfig returns one libvips thread per pipeline and a 100-megapixel
// cap (a 12000×8000 panorama fits; a 20000×20000 bomb does not).
func DefaultConfig() Config {
	return Config{Concurrency: 1, MaxPixels: 100_000_000}
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
	// maxPixels is read by every Probe; Startup may change it at any time.
	maxPixels atomic.Int64
)

// Startup initialises libvips for this process. The first call starts it
// (thread count, operation cache off because distinct uploads never hit it,
// untrusted loaders such as ImageMagick blocked, libvips log lines routed to
// slog at debug level since every failure also comes back as an error).
// Later calls are safe: they re-apply Concurrency and MaxPixels, which
// libvips allows at any time, so tests and the worker can share a process.
func Startup(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if stopped.Load() {
		return errors.New("imaging: startup after shutdown: libvips cannot restart in one process")
	}
	startOnce.Do(func() {
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
		blockUntrusted()
		started.Store(true)
	})
	if startErr != nil {
		return startErr
	}
	setConcurrency(cfg.threads())
	maxPixels.Store(cfg.MaxPixels)
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
