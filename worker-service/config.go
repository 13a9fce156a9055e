package main

import (
	"log/slog"

	"github.com/pixelmill/pixelmill/services/config"
	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/objstore"
	"github.com/pixelmill/pixelmill/services/postgres"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
	"github.com/pixelmill/pixelmill/worker-service/internal/sandbox"
	"github.com/pixelmill/pixelmill/worker-service/internal/worker"
)

// Config is everything the worker service reads from its environment.
type Config struct {
	Name         string // PIXELMILL_WORKER_NAME: shown in logs and traces
	HTTPAddr     string // PIXELMILL_WORKER_HTTP_ADDR: /healthz and /readyz
	LogFormat    string // PIXELMILL_LOG_FORMAT
	LogLevel     string // PIXELMILL_LOG_LEVEL
	OTLPEndpoint string // OTEL_EXPORTER_OTLP_ENDPOINT
	Worker       worker.Config
	Imaging      imaging.Config
	Postgres     postgres.Config
	ObjStore     objstore.Config
	JobQueue     jobqueue.Config
}

// LoadConfig reads the configuration through getenv and reports every bad
// variable at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	return config.Load(getenv, readConfig)
}

// readConfig reads the configuration through env.
func readConfig(env *config.Env) (Config, error) {
	wd, id := worker.DefaultConfig(), imaging.DefaultConfig()
	c := Config{
		Name:         env.String("PIXELMILL_WORKER_NAME", "worker"),
		HTTPAddr:     env.String("PIXELMILL_WORKER_HTTP_ADDR", "127.0.0.1:8081"),
		LogFormat:    env.String("PIXELMILL_LOG_FORMAT", "json"),
		LogLevel:     env.String("PIXELMILL_LOG_LEVEL", "info"),
		OTLPEndpoint: env.String("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
		Postgres:     postgres.ConfigFromEnv(env),
		ObjStore:     objstore.ConfigFromEnv(env),
		JobQueue:     jobqueue.ConfigFromEnv(env),
	}
	c.Worker = worker.Config{
		Concurrency:  env.Int("PIXELMILL_WORKER_CONCURRENCY", wd.Concurrency),
		JobTimeout:   env.Duration("PIXELMILL_JOB_TIMEOUT", wd.JobTimeout),
		AckWait:      c.JobQueue.AckWait,
		MaxDeliver:   c.JobQueue.MaxDeliver,
		MaxBytes:     env.Int64("PIXELMILL_MAX_UPLOAD_BYTES", wd.MaxBytes),
		DrainTimeout: env.Duration("PIXELMILL_DRAIN_TIMEOUT", wd.DrainTimeout),
		RetryBase:    env.Duration("PIXELMILL_JOB_RETRY_BASE", wd.RetryBase),
		RetryMax:     env.Duration("PIXELMILL_JOB_RETRY_MAX", wd.RetryMax),
		PDF: imaging.PDFLimits{
			MaxPages:      env.Int("PIXELMILL_PDF_MAX_PAGES", wd.PDF.MaxPages),
			MaxPagePoints: wd.PDF.MaxPagePoints,
			Tool: sandbox.Limits{
				Wall:   env.Duration("PIXELMILL_DECODER_TIMEOUT", wd.PDF.Tool.Wall),
				CPU:    env.Duration("PIXELMILL_DECODER_TIMEOUT", wd.PDF.Tool.CPU),
				Memory: env.Int64("PIXELMILL_DECODER_MAX_MEMORY", wd.PDF.Tool.Memory),
				Output: wd.PDF.Tool.Output,
			},
		},
	}
	c.Imaging = imaging.Config{
		Concurrency:       env.Int("PIXELMILL_VIPS_CONCURRENCY", id.Concurrency),
		MaxPixels:         env.Int64("PIXELMILL_MAX_PIXELS", id.MaxPixels),
		MaxFrames:         env.Int("PIXELMILL_MAX_FRAMES", id.MaxFrames),
		ProgressiveBudget: env.Int64("PIXELMILL_PROGRESSIVE_BUDGET", id.ProgressiveBudget),
		// One by default: two renderers cut a 9 MP job's time by a fifth
		// on an idle 2-core machine but do 40 % less work per core, so they
		// only pay where cores would otherwise idle (docs/benchmarks.md).
		Renderers: env.Int("PIXELMILL_RENDERERS", id.Renderers),
	}
	// A video's frames are bounded as a picture's pixels are; FFmpeg's
	// runs have the same limits as poppler's.
	c.Worker.AV = imaging.AVLimits{
		MaxDuration:  env.Duration("PIXELMILL_MEDIA_MAX_DURATION", wd.AV.MaxDuration),
		MaxPixels:    c.Imaging.MaxPixels,
		MaxTranscode: env.Duration("PIXELMILL_VIDEO_TRANSCODE_MAX_DURATION", wd.AV.MaxTranscode),
		WebMaxSide:   env.Int("PIXELMILL_VIDEO_MAX_SIDE", wd.AV.WebMaxSide),
		Tool:         c.Worker.PDF.Tool,
	}
	env.Check("worker", c.Worker.Validate())
	env.Check("imaging", c.Imaging.Validate())
	return c, env.Err()
}

// LogValue shows the effective configuration with secrets masked.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", c.Name),
		slog.String("http_addr", c.HTTPAddr),
		slog.Int("concurrency", c.Worker.Concurrency),
		slog.Int("vips_concurrency", c.Imaging.Concurrency),
		slog.Int("renderers", c.Imaging.Renderers),
		slog.Int64("max_pixels", c.Imaging.MaxPixels),
		slog.Int("max_frames", c.Imaging.MaxFrames),
		slog.Int64("progressive_budget", c.Imaging.ProgressiveBudget),
		slog.Duration("job_timeout", c.Worker.JobTimeout),
		slog.String("database_url", config.MaskURL(c.Postgres.URL)),
		slog.String("nats_url", c.JobQueue.URL),
		slog.String("s3_endpoint", c.ObjStore.Endpoint),
		slog.Any("s3_secret_key", config.Masked(c.ObjStore.SecretKey)),
	)
}
