// Command api-service is Pixelmill's thin HTTP service: it speaks the media
// dialects, streams uploads to object storage, records items and their jobs
// in Postgres, relays jobs to JetStream and serves stored files.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // site timezones resolve in minimal containers too

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/delivery"
	"github.com/pixelmill/pixelmill/api-service/internal/heartcore"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/api-service/internal/imageurl"
	"github.com/pixelmill/pixelmill/api-service/internal/live"
	"github.com/pixelmill/pixelmill/api-service/internal/umbraco"
	v1 "github.com/pixelmill/pixelmill/api-service/internal/v1"
	"github.com/pixelmill/pixelmill/api-service/internal/webhook"
	"github.com/pixelmill/pixelmill/api-service/internal/wp"
	"github.com/pixelmill/pixelmill/services/cli"
	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
	"github.com/pixelmill/pixelmill/services/postgres"
	"github.com/pixelmill/pixelmill/services/telemetry"
)

// usage is what --help prints.
const usage = `
api-service serves Pixelmill's media APIs (WordPress /wp/v2/media, Umbraco
Heartcore and the Media Delivery API, /v1) over one core: uploads go to S3,
jobs to NATS JetStream through a Postgres outbox, items to Postgres.

Usage:
  api-service            serve until SIGINT or SIGTERM, then shut down gracefully
  api-service version    print the build and exit
  api-service --help     print this and exit

Configuration is environment variables (PIXELMILL_*), listed in README.md.
`

func main() {
	if cli.Handle(os.Args[1:], "api-service", usage, os.Stdout) {
		return
	}
	if len(os.Args) > 1 {
		fmt.Fprintf(os.Stderr, "api-service: unknown command %q\n%s", os.Args[1], strings.TrimLeft(usage, "\n"))
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "api-service:", err)
		os.Exit(1)
	}
}

// run starts the service and blocks until ctx ends, then shuts down
// gracefully. When ready is not nil it receives the listening address, so a
// test can start the service on 127.0.0.1:0.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer, ready chan<- string) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log, err := telemetry.NewLogger(stdout, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	shutdownTracing, err := telemetry.SetupTracing(ctx, "api-service", cfg.OTLPEndpoint)
	if err != nil {
		return err
	}
	defer func() { _ = shutdownTracing(context.Background()) }()
	log.InfoContext(ctx, "starting", "config", cfg)
	if cfg.PprofAddr != "" {
		go servePprof(ctx, cfg.PprofAddr, log)
	}

	// Listen before the dependencies are up, so the actual address (port 0
	// in tests) is known for the public URL; requests are served only once
	// everything is wired.
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.HTTPAddr, err)
	}
	defer ln.Close()
	if getenv("PIXELMILL_PUBLIC_URL") == "" {
		cfg.PublicURL = "http://" + ln.Addr().String()
	}

	db, err := postgres.Open(ctx, cfg.Postgres)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := retry(ctx, log, "migrate", func() error { return db.Migrate(ctx) }); err != nil {
		return err
	}
	users := postgres.NewUserStore(db)
	if err := ensureAdmin(ctx, users, cfg, log, stdout); err != nil {
		return err
	}
	objects, err := objstore.New(cfg.ObjStore)
	if err != nil {
		return err
	}
	if err := retry(ctx, log, "ensure_bucket", func() error { return objects.EnsureBucket(ctx) }); err != nil {
		return err
	}
	nc, err := jobqueue.Connect(cfg.JobQueue, "pixelmill-api")
	if err != nil {
		return err
	}
	defer nc.Close()
	if err := retry(ctx, log, "ensure_stream", func() error {
		if _, err := nc.EnsureStream(ctx); err != nil {
			return err
		}
		// The relay publishes derive jobs for image URLs too.
		if err := nc.EnsureDeriveStream(ctx); err != nil {
			return err
		}
		// The relay publishes status events too: their stream must exist
		// before the first one.
		return nc.EnsureEventStream(ctx)
	}); err != nil {
		return err
	}

	relay := jobqueue.NewRelay(postgres.NewOutboxStore(db), nc, log)
	relayCtx, stopRelay := context.WithCancel(context.Background())
	defer stopRelay()
	relayDone := make(chan struct{})
	go func() { defer close(relayDone); relay.Run(relayCtx) }()
	// Any process's commit to the outbox (a worker's status event, another
	// replica's job) wakes this relay at once rather than at its next poll.
	go db.Listen(relayCtx, postgres.OutboxChannel, log, func(ev postgres.ListenEvent, _ string) {
		if ev != postgres.Lost {
			relay.Kick()
		}
	})

	hub := live.NewHub()
	unsubscribe, err := nc.SubscribeEvents(hub.Publish)
	if err != nil {
		return err
	}
	defer unsubscribe()

	signingKey := []byte(cfg.URLSigningKey)
	if len(signingKey) == 0 {
		// Fine for one replica; several must share a configured key, or a
		// URL signed by one is refused by the others.
		signingKey = make([]byte, 32)
		if _, err := rand.Read(signingKey); err != nil {
			return err
		}
		log.WarnContext(ctx, "url_signing_key_generated", "hint", "set PIXELMILL_URL_SIGNING_KEY when running several API replicas")
	}
	svc := core.New(postgres.NewMediaStore(db), objects, relay, core.NewURLSigner(signingKey, cfg.SignedURLTTL), log)
	svc.AllowSVG = cfg.AllowSVG
	svc.MaxDerived = cfg.ImageMaxRenditions
	if cfg.ReadCacheItems > 0 {
		svc.Cache = core.NewItemCache(cfg.ReadCacheItems, 30*time.Second)
		go db.Listen(relayCtx, postgres.MediaChannel, log, svc.Cache.OnListen)
	}
	go svc.RunUpkeep(relayCtx, cfg.Upkeep)
	auth := httpx.NewAuthenticator(users)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", httpx.HandleHealthz)
	mux.HandleFunc("GET /readyz", httpx.HandleReadyz(
		httpx.Check{Name: "postgres", Ping: db.Ping},
		httpx.Check{Name: "nats", Ping: nc.Ping},
		httpx.Check{Name: "minio", Ping: objects.Ping},
	))
	wpHandler := wp.New(svc, users, postgres.NewPostStore(db), auth, log, wp.Config{PublicURL: cfg.PublicURL, MaxUpload: cfg.MaxUploadBytes, Location: cfg.SiteLocation,
		Views: cfg.ReadCacheItems})
	limiter := httpx.NewRateLimiter(cfg.RateLimit)
	keys := postgres.NewAPIKeyStore(db)
	closing, startClosing := context.WithCancel(context.Background())
	defer startClosing()
	v1Handler, err := v1.New(closing, svc, keys, users, auth, limiter, hub, nc, log, cfg.V1)
	if err != nil {
		return err
	}
	if err := retry(ctx, log, "media_types", func() error { return svc.SaveMediaTypes(ctx, cfg.MediaTypes) }); err != nil {
		return err
	}
	types := umbraco.NewTypes(cfg.MediaTypes)
	// The dialects, WordPress first: it answers for requests no dialect
	// owns (a 429 of the per-IP limit, say).
	dialects := httpx.Dialects{
		wpHandler,
		v1Handler,
		heartcore.New(svc, types, v1Handler.KeyAuthenticator(), users, log, heartcore.Config{PublicURL: cfg.PublicURL, MaxUpload: cfg.MaxUploadBytes}),
		delivery.New(svc, types, log, cfg.Delivery),
		imageurl.New(svc, types, log, cfg.ImageWait),
	}
	dialects.Register(mux)
	sender, err := webhook.NewSender(cfg.Webhook)
	if err != nil {
		return err
	}
	dispatcher := webhook.NewDispatcher(keys, nc, sender, log, cfg.WebhookMaxAttempts)
	go func() {
		if err := retry(relayCtx, log, "webhooks", func() error { return dispatcher.Run(relayCtx) }); err != nil && relayCtx.Err() == nil {
			log.ErrorContext(ctx, "webhooks_stopped", "err", err)
		}
	}()

	cors, err := httpx.NewCORS(cfg.CORS, dialects.CORS()...)
	if err != nil {
		return err
	}
	srv := &http.Server{
		// CORS outside the rate limit: preflights are answered (or, for
		// WordPress, let through) unlimited, and a 429 carries the headers
		// a page needs to read it.
		Handler:           httpx.Middleware(cors.Middleware(limiter.Middleware(wp.Rewrite(mux), dialects.LimitsItself, dialects.TooManyRequests)), log, "api-service"),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	// Long polls and event streams end when shutdown begins, so they don't
	// hold it up until its timeout.
	srv.RegisterOnShutdown(startClosing)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.InfoContext(ctx, "listening", "addr", ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("shutting_down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	// The relay outlives the server by one pass so jobs committed by the
	// last requests are published before exit rather than at next start.
	stopRelay()
	<-relayDone
	return err
}

// retry runs fn until it succeeds or ctx ends, so the service can start
// before its dependencies are up.
func retry(ctx context.Context, log *slog.Logger, what string, fn func() error) error {
	delay := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		if attempt == 1 || attempt%10 == 0 {
			log.WarnContext(ctx, "waiting_for_dependency", "step", what, "attempt", attempt, "err", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, errors.Join(err, ctx.Err()))
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}

// ensureAdmin creates the first administrator. Without a configured
// password it generates one and prints it once, at creation.
func ensureAdmin(ctx context.Context, users *postgres.UserStore, cfg Config, log *slog.Logger, stdout io.Writer) error {
	password, generated := cfg.AdminPassword, false
	if password == "" {
		var b [18]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		password, generated = base64.RawURLEncoding.EncodeToString(b[:]), true
	}
	hash, err := httpx.HashPassword(password)
	if err != nil {
		return err
	}
	created, err := users.EnsureUser(ctx, &media.User{Login: cfg.AdminUser, DisplayName: cfg.AdminUser, Role: media.RoleAdministrator, PasswordHash: hash})
	if err != nil {
		return fmt.Errorf("ensure admin: %w", err)
	}
	if created {
		log.InfoContext(ctx, "admin_created", "login", cfg.AdminUser)
		if generated {
			fmt.Fprintf(stdout, "Administrator %q created with password: %s\n", cfg.AdminUser, password)
		}
	}
	return nil
}

// servePprof serves the Go profiler on its own address until ctx ends.
func servePprof(ctx context.Context, addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	log.InfoContext(ctx, "pprof_listening", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.WarnContext(ctx, "pprof_failed", "err", err)
	}
}
