package main

import (
	"errors"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/delivery"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	v1 "github.com/pixelmill/pixelmill/api-service/internal/v1"
	"github.com/pixelmill/pixelmill/api-service/internal/webhook"
	"github.com/pixelmill/pixelmill/services/config"
	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
	"github.com/pixelmill/pixelmill/services/postgres"
)

// Config is everything the API service reads from its environment.
type Config struct {
	HTTPAddr       string // PIXELMILL_HTTP_ADDR
	PublicURL      string // PIXELMILL_PUBLIC_URL: the base of every URL the API prints
	AdminUser      string // PIXELMILL_ADMIN_USER
	AdminPassword  string // PIXELMILL_ADMIN_PASSWORD; generated and printed once when unset
	MaxUploadBytes int64  // PIXELMILL_MAX_UPLOAD_BYTES
	AllowSVG       bool   // PIXELMILL_ALLOW_SVG
	SiteTimezone   string // PIXELMILL_SITE_TIMEZONE: IANA name, for WordPress's local dates
	SiteLocation   *time.Location
	Upkeep         core.UpkeepConfig     // PIXELMILL_UPKEEP_EVERY, PIXELMILL_STUCK_AFTER, PIXELMILL_STUCK_MAX_REISSUES, PIXELMILL_ORPHAN_AFTER
	RateLimit      httpx.RateLimitConfig // PIXELMILL_RATE_LIMIT_ANON, PIXELMILL_RATE_LIMIT_AUTH
	// TrustedProxies are the peers whose forwarding headers name the client
	// (PIXELMILL_TRUSTED_PROXIES); none by default.
	TrustedProxies httpx.TrustedProxies
	URLSigningKey  string        // PIXELMILL_URL_SIGNING_KEY: shared by every replica
	SignedURLTTL   time.Duration // PIXELMILL_SIGNED_URL_TTL
	LogFormat      string        // PIXELMILL_LOG_FORMAT: json or text
	LogLevel       string        // PIXELMILL_LOG_LEVEL
	OTLPEndpoint   string        // OTEL_EXPORTER_OTLP_ENDPOINT
	// MetricsAddr serves /metrics for Prometheus (PIXELMILL_METRICS_ADDR),
	// on its own listener; empty serves none.
	MetricsAddr string
	// ShutdownDelay is the lame-duck time between the stop signal and the
	// end of serving (PIXELMILL_SHUTDOWN_DELAY): /readyz answers 503 while
	// requests are still served, so a load balancer stops sending new ones
	// before the listener closes. 0 by default; a few seconds behind one.
	ShutdownDelay time.Duration
	// PprofAddr, when set, serves net/http/pprof there (PIXELMILL_PPROF_ADDR),
	// on its own listener so it is never exposed with the API.
	PprofAddr string
	V1        v1.Config      // PIXELMILL_V1_*
	Webhook   webhook.Config // PIXELMILL_WEBHOOK_TIMEOUT, PIXELMILL_WEBHOOK_ALLOW_PRIVATE
	// WebhookMaxAttempts bounds the attempts of one delivery
	// (PIXELMILL_WEBHOOK_MAX_ATTEMPTS).
	WebhookMaxAttempts int
	// MediaTypesFile is a JSON array of media types for the Umbraco
	// dialects (PIXELMILL_MEDIA_TYPES_FILE); empty: Folder, Image (crops
	// thumb 300×300 and wide 1200×630) and File.
	MediaTypesFile string
	MediaTypes     []media.MediaType
	// Delivery is the Media Delivery API's access (PIXELMILL_DELIVERY_ENABLED,
	// PIXELMILL_DELIVERY_PUBLIC, PIXELMILL_DELIVERY_API_KEY).
	Delivery delivery.Config
	// CORS is who may call the API from pages of other origins
	// (PIXELMILL_CORS_ORIGINS, PIXELMILL_CORS_PUBLIC_ORIGINS,
	// PIXELMILL_CORS_MAX_AGE); see httpx.CORSConfig for the policy.
	CORS httpx.CORSConfig
	// ImageWait bounds how long a request for an image rendition not made
	// yet waits for a worker (PIXELMILL_IMAGE_WAIT).
	ImageWait time.Duration
	// ImageMaxRenditions bounds the renditions cached per item for image
	// URL parameters (PIXELMILL_IMAGE_MAX_RENDITIONS; 0: no bound).
	ImageMaxRenditions int
	// ReadCacheItems bounds the items each replica keeps for reads by id
	// (PIXELMILL_READ_CACHE_ITEMS; 0: no cache).
	ReadCacheItems int
	Postgres       postgres.Config
	ObjStore       objstore.Config
	JobQueue       jobqueue.Config
}

// LoadConfig reads the configuration through getenv and reports every bad
// variable at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	return config.Load(getenv, readConfig)
}

// readConfig reads the configuration through env.
func readConfig(env *config.Env) (Config, error) {
	c := Config{
		HTTPAddr:       env.String("PIXELMILL_HTTP_ADDR", "127.0.0.1:8080"),
		AdminUser:      env.String("PIXELMILL_ADMIN_USER", "admin"),
		AdminPassword:  env.String("PIXELMILL_ADMIN_PASSWORD", ""),
		MaxUploadBytes: env.Int64("PIXELMILL_MAX_UPLOAD_BYTES", 512<<20),
		AllowSVG:       env.Bool("PIXELMILL_ALLOW_SVG", false),
		TrustedProxies: trustedProxies(env),
		SiteTimezone:   env.String("PIXELMILL_SITE_TIMEZONE", "UTC"),
		URLSigningKey:  env.String("PIXELMILL_URL_SIGNING_KEY", ""),
		SignedURLTTL:   env.Duration("PIXELMILL_SIGNED_URL_TTL", time.Hour),
		RateLimit: httpx.RateLimitConfig{
			AnonPerMinute: env.Int("PIXELMILL_RATE_LIMIT_ANON", httpx.DefaultRateLimitConfig().AnonPerMinute),
			AuthPerMinute: env.Int("PIXELMILL_RATE_LIMIT_AUTH", httpx.DefaultRateLimitConfig().AuthPerMinute),
		},
		CORS: httpx.CORSConfig{
			Origins:       httpx.ParseOrigins(env.String("PIXELMILL_CORS_ORIGINS", "")),
			PublicOrigins: httpx.ParseOrigins(env.String("PIXELMILL_CORS_PUBLIC_ORIGINS", strings.Join(httpx.DefaultCORSConfig().PublicOrigins, ","))),
			MaxAge:        env.Duration("PIXELMILL_CORS_MAX_AGE", httpx.DefaultCORSConfig().MaxAge),
		},
		Upkeep: core.UpkeepConfig{
			Every:       env.Duration("PIXELMILL_UPKEEP_EVERY", time.Minute),
			StuckAfter:  env.Duration("PIXELMILL_STUCK_AFTER", 15*time.Minute),
			MaxReissues: env.Int("PIXELMILL_STUCK_MAX_REISSUES", 3),
			OrphanAfter: env.Duration("PIXELMILL_ORPHAN_AFTER", time.Hour),
			UploadGrace: env.Duration("PIXELMILL_UPLOAD_GRACE", time.Hour),
		},
		V1: v1.Config{
			RateLimit:           env.Int("PIXELMILL_V1_RATE_LIMIT", v1.DefaultConfig().RateLimit),
			UploadTTL:           env.Duration("PIXELMILL_V1_UPLOAD_TTL", v1.DefaultConfig().UploadTTL),
			MaxImageBytes:       env.Int64("PIXELMILL_V1_MAX_IMAGE_BYTES", v1.DefaultConfig().MaxImageBytes),
			MaxVideoBytes:       env.Int64("PIXELMILL_V1_MAX_VIDEO_BYTES", v1.DefaultConfig().MaxVideoBytes),
			MaxWait:             env.Duration("PIXELMILL_V1_MAX_WAIT", v1.DefaultConfig().MaxWait),
			WebhookAllowPrivate: env.Bool("PIXELMILL_WEBHOOK_ALLOW_PRIVATE", false),
		},
		Webhook: webhook.Config{
			Timeout:      env.Duration("PIXELMILL_WEBHOOK_TIMEOUT", webhook.DefaultConfig().Timeout),
			AllowPrivate: env.Bool("PIXELMILL_WEBHOOK_ALLOW_PRIVATE", false),
			UserAgent:    webhook.DefaultConfig().UserAgent,
		},
		WebhookMaxAttempts: env.Int("PIXELMILL_WEBHOOK_MAX_ATTEMPTS", 10),
		LogFormat:          env.String("PIXELMILL_LOG_FORMAT", "json"),
		LogLevel:           env.String("PIXELMILL_LOG_LEVEL", "info"),
		OTLPEndpoint:       env.String("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
		MetricsAddr:        env.String("PIXELMILL_METRICS_ADDR", "127.0.0.1:9464"),
		PprofAddr:          env.String("PIXELMILL_PPROF_ADDR", ""),
		ShutdownDelay:      env.Duration("PIXELMILL_SHUTDOWN_DELAY", 0),
		MediaTypesFile:     env.String("PIXELMILL_MEDIA_TYPES_FILE", ""),
		Delivery: delivery.Config{
			Enabled:      env.Bool("PIXELMILL_DELIVERY_ENABLED", true),
			PublicAccess: env.Bool("PIXELMILL_DELIVERY_PUBLIC", true),
			APIKey:       env.String("PIXELMILL_DELIVERY_API_KEY", ""),
		},
		ImageWait:          env.Duration("PIXELMILL_IMAGE_WAIT", 20*time.Second),
		ImageMaxRenditions: env.Int("PIXELMILL_IMAGE_MAX_RENDITIONS", 100),
		ReadCacheItems:     env.Int("PIXELMILL_READ_CACHE_ITEMS", 2000),
		Postgres:           postgres.ConfigFromEnv(env),
		ObjStore:           objstore.ConfigFromEnv(env),
		JobQueue:           jobqueue.ConfigFromEnv(env),
	}
	c.PublicURL = strings.TrimRight(env.String("PIXELMILL_PUBLIC_URL", "http://"+c.HTTPAddr), "/")
	if u, err := url.Parse(c.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
		env.Check("PIXELMILL_PUBLIC_URL", errors.New("want an absolute URL like http://127.0.0.1:8080"))
	}
	if c.Upkeep.Every < time.Second || c.Upkeep.StuckAfter < time.Second || c.Upkeep.OrphanAfter < time.Second {
		env.Check("PIXELMILL_UPKEEP_EVERY/STUCK_AFTER/ORPHAN_AFTER", errors.New("must be at least 1s"))
	}
	if c.Upkeep.MaxReissues < 0 {
		env.Check("PIXELMILL_STUCK_MAX_REISSUES", errors.New("must be 0 or more"))
	}
	loc, err := time.LoadLocation(c.SiteTimezone)
	if err != nil {
		env.Check("PIXELMILL_SITE_TIMEZONE", errors.New("want an IANA zone name like Europe/Paris"))
		loc = time.UTC
	}
	c.SiteLocation = loc
	env.Check("PIXELMILL_V1_*", c.V1.Validate())
	env.Check("PIXELMILL_WEBHOOK_*", c.Webhook.Validate())
	env.Check("PIXELMILL_DELIVERY_*", c.Delivery.Validate())
	env.Check("PIXELMILL_CORS_*", c.CORS.Validate())
	if c.WebhookMaxAttempts < 1 {
		env.Check("PIXELMILL_WEBHOOK_MAX_ATTEMPTS", errors.New("must be positive"))
	}
	c.MediaTypes = media.DefaultMediaTypes()
	if c.MediaTypesFile != "" {
		data, err := os.ReadFile(c.MediaTypesFile)
		if err == nil {
			c.MediaTypes, err = media.ParseMediaTypes(data)
		}
		env.Check("PIXELMILL_MEDIA_TYPES_FILE", err)
	}
	if c.ImageWait < 0 || c.ImageWait > 5*time.Minute {
		env.Check("PIXELMILL_IMAGE_WAIT", errors.New("must be between 0 and 5m"))
	}
	if c.ShutdownDelay < 0 || c.ShutdownDelay > time.Minute {
		env.Check("PIXELMILL_SHUTDOWN_DELAY", errors.New("must be between 0 and 1m"))
	}
	if c.ReadCacheItems < 0 {
		env.Check("PIXELMILL_READ_CACHE_ITEMS", errors.New("must not be negative"))
	}
	if c.ImageMaxRenditions < 0 {
		env.Check("PIXELMILL_IMAGE_MAX_RENDITIONS", errors.New("must not be negative"))
	}
	if c.MaxUploadBytes < 1 {
		env.Check("PIXELMILL_MAX_UPLOAD_BYTES", errors.New("must be positive"))
	}
	return c, env.Err()
}

// LogValue shows the effective configuration with secrets masked.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("http_addr", c.HTTPAddr),
		slog.String("public_url", c.PublicURL),
		slog.String("admin_user", c.AdminUser),
		slog.Any("admin_password", config.Masked(c.AdminPassword)),
		slog.Int64("max_upload_bytes", c.MaxUploadBytes),
		slog.Bool("allow_svg", c.AllowSVG),
		slog.String("site_timezone", c.SiteTimezone),
		slog.Duration("stuck_after", c.Upkeep.StuckAfter),
		slog.Int("stuck_max_reissues", c.Upkeep.MaxReissues),
		slog.Int("rate_limit_anon", c.RateLimit.AnonPerMinute),
		slog.Any("url_signing_key", config.Masked(c.URLSigningKey)),
		slog.Duration("signed_url_ttl", c.SignedURLTTL),
		slog.Int("rate_limit_auth", c.RateLimit.AuthPerMinute),
		slog.Int("trusted_proxies", len(c.TrustedProxies)),
		slog.Duration("orphan_after", c.Upkeep.OrphanAfter),
		slog.String("database_url", config.MaskURL(c.Postgres.URL)),
		slog.String("nats_url", c.JobQueue.URL),
		slog.String("s3_endpoint", c.ObjStore.Endpoint),
		slog.String("s3_bucket", c.ObjStore.Bucket),
		slog.Any("s3_secret_key", config.Masked(c.ObjStore.SecretKey)),
		slog.String("otlp_endpoint", c.OTLPEndpoint),
		slog.String("metrics_addr", c.MetricsAddr),
		slog.String("pprof_addr", c.PprofAddr),
		slog.Duration("shutdown_delay", c.ShutdownDelay),
		slog.Int("v1_rate_limit", c.V1.RateLimit),
		slog.Duration("v1_upload_ttl", c.V1.UploadTTL),
		slog.Int64("v1_max_image_bytes", c.V1.MaxImageBytes),
		slog.Int64("v1_max_video_bytes", c.V1.MaxVideoBytes),
		slog.Duration("v1_max_wait", c.V1.MaxWait),
		slog.Bool("webhook_allow_private", c.Webhook.AllowPrivate),
		slog.Duration("webhook_timeout", c.Webhook.Timeout),
		slog.Int("webhook_max_attempts", c.WebhookMaxAttempts),
		slog.String("s3_public_endpoint", c.ObjStore.PublicEndpoint),
		slog.String("media_types_file", c.MediaTypesFile),
		slog.Bool("delivery_enabled", c.Delivery.Enabled),
		slog.Bool("delivery_public", c.Delivery.PublicAccess),
		slog.Any("delivery_api_key", config.Masked(c.Delivery.APIKey)),
		slog.Duration("image_wait", c.ImageWait),
		slog.Int("image_max_renditions", c.ImageMaxRenditions),
		slog.Int("read_cache_items", c.ReadCacheItems),
		slog.String("cors_origins", strings.Join(c.CORS.Origins, ",")),
		slog.String("cors_public_origins", strings.Join(c.CORS.PublicOrigins, ",")),
		slog.Duration("cors_max_age", c.CORS.MaxAge),
	)
}

// trustedProxies reads PIXELMILL_TRUSTED_PROXIES; a bad value is
// remembered by env.
func trustedProxies(env *config.Env) httpx.TrustedProxies {
	t, err := httpx.ParseTrustedProxies(env.String("PIXELMILL_TRUSTED_PROXIES", ""))
	env.Check("PIXELMILL_TRUSTED_PROXIES", err)
	return t
}
