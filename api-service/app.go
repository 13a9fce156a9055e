package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/delivery"
	"github.com/pixelmill/pixelmill/api-service/internal/heartcore"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/api-service/internal/imageurl"
	"github.com/pixelmill/pixelmill/api-service/internal/library"
	"github.com/pixelmill/pixelmill/api-service/internal/live"
	"github.com/pixelmill/pixelmill/api-service/internal/umbraco"
	v1 "github.com/pixelmill/pixelmill/api-service/internal/v1"
	"github.com/pixelmill/pixelmill/api-service/internal/webhook"
	"github.com/pixelmill/pixelmill/api-service/internal/wp"
	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
	"github.com/pixelmill/pixelmill/services/postgres"
)

// The phases of run, each a function: open the dependencies, build the
// core, start the work beside it, mount the dialects, make the server.

// deps are the services the API stands on, open and ready: Postgres
// migrated, the bucket and the streams made.
type deps struct {
	db      *postgres.DB
	objects *objstore.Store
	nc      *jobqueue.Conn
}

// openDeps opens the dependencies, waiting (retry) for each to come up, so
// the API can start before them.
func openDeps(ctx context.Context, cfg Config, log *slog.Logger) (_ *deps, err error) {
	d := &deps{}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if d.db, err = postgres.Open(ctx, cfg.Postgres); err != nil {
		return nil, err
	}
	if err := retry(ctx, log, "migrate", func() error { return d.db.Migrate(ctx) }); err != nil {
		return nil, err
	}
	if d.objects, err = objstore.New(cfg.ObjStore); err != nil {
		return nil, err
	}
	if err := retry(ctx, log, "ensure_bucket", func() error { return d.objects.EnsureBucket(ctx) }); err != nil {
		return nil, err
	}
	if d.nc, err = jobqueue.Connect(cfg.JobQueue, "pixelmill-api"); err != nil {
		return nil, err
	}
	err = retry(ctx, log, "ensure_stream", func() error {
		if _, err := d.nc.EnsureStream(ctx); err != nil {
			return err
		}
		// The relay publishes derive jobs for image URLs and status events
		// too: their streams must exist before the first one.
		if err := d.nc.EnsureDeriveStream(ctx); err != nil {
			return err
		}
		return d.nc.EnsureEventStream(ctx)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Close closes what openDeps opened.
func (d *deps) Close() {
	if d.nc != nil {
		d.nc.Close()
	}
	if d.db != nil {
		d.db.Close()
	}
}

// app is the core and what every dialect shares: the media service, the
// user and key stores and their authenticators, the outbox relay, the live
// event hub and the per-IP rate limiter.
type app struct {
	svc         *core.Service
	users       *postgres.UserStore
	keys        *postgres.APIKeyStore
	auth        *httpx.Authenticator
	keyAuth     *httpx.KeyAuthenticator
	accounts    *core.Accounts
	relay       *jobqueue.Relay
	hub         *live.Hub
	limiter     *httpx.RateLimiter
	types       *umbraco.Types
	unsubscribe func()
}

// buildCore builds the core on the dependencies: the first administrator,
// the media types, the URL signer and the event hub.
func buildCore(ctx context.Context, cfg Config, d *deps, log *slog.Logger, stdout io.Writer) (*app, error) {
	a := &app{users: postgres.NewUserStore(d.db), keys: postgres.NewAPIKeyStore(d.db), hub: live.NewHub(),
		limiter: httpx.NewRateLimiter(cfg.RateLimit), types: umbraco.NewTypes(cfg.MediaTypes)}
	if err := ensureAdmin(ctx, a.users, cfg, log, stdout); err != nil {
		return nil, err
	}
	a.auth, a.keyAuth = httpx.NewAuthenticator(a.users), httpx.NewKeyAuthenticator(a.keys)
	a.accounts = core.NewAccounts(a.users, a.keys, core.Credentials{HashPassword: httpx.HashPassword, NewAPIKey: httpx.NewAPIKey,
		ForgetUsers: a.auth.Forget, ForgetKeys: a.keyAuth.Forget})
	a.relay = jobqueue.NewRelay(postgres.NewOutboxStore(d.db), d.nc, log)
	signingKey := []byte(cfg.URLSigningKey)
	if len(signingKey) == 0 {
		// Fine for one replica; several must share a configured key, or a
		// URL signed by one is refused by the others.
		signingKey = make([]byte, 32)
		if _, err := rand.Read(signingKey); err != nil {
			return nil, err
		}
		log.WarnContext(ctx, "url_signing_key_generated", "hint", "set PIXELMILL_URL_SIGNING_KEY when running several API replicas")
	}
	a.svc = core.New(postgres.NewMediaStore(d.db), d.objects, a.relay, core.NewURLSigner(signingKey, cfg.SignedURLTTL), log)
	a.svc.AllowSVG = cfg.AllowSVG
	a.svc.MaxDerived = cfg.ImageMaxRenditions
	if cfg.ReadCacheItems > 0 {
		a.svc.Cache = core.NewItemCache(cfg.ReadCacheItems, 30*time.Second)
	}
	if err := retry(ctx, log, "media_types", func() error { return a.svc.SaveMediaTypes(ctx, cfg.MediaTypes) }); err != nil {
		return nil, err
	}
	var err error
	if a.unsubscribe, err = d.nc.SubscribeEvents(a.hub.Publish); err != nil {
		return nil, err
	}
	return a, nil
}

// Close stops what buildCore started.
func (a *app) Close() {
	if a.unsubscribe != nil {
		a.unsubscribe()
	}
}

// background is the work that runs beside the requests: the outbox relay
// and what wakes it, the read cache's invalidation, the upkeep loop and
// the webhook dispatcher.
type background struct {
	stop func()
	done chan struct{}
	// beat ends once the replica has left the replicas' table.
	beat chan struct{}
	// observing reads the backlog gauges at each scrape.
	observing metric.Registration
}

// Stop ends the background work, after one last relay pass.
func (b *background) Stop() {
	if b.observing != nil {
		_ = b.observing.Unregister()
	}
	b.stop()
	<-b.done
	<-b.beat
}

// startBackground starts the work beside the requests, on a context of its
// own: it must outlive the server's shutdown by the relay's last pass.
func startBackground(ctx context.Context, cfg Config, d *deps, a *app, log *slog.Logger) (*background, error) {
	sender, err := webhook.NewSender(cfg.Webhook)
	if err != nil {
		return nil, err
	}
	bctx, stop := context.WithCancel(context.Background())
	b := &background{stop: stop, done: make(chan struct{}), beat: make(chan struct{})}
	go func() { defer close(b.beat); beatReplica(bctx, postgres.NewReplicaStore(d.db), a.limiter, log) }()
	go func() { defer close(b.done); a.relay.Run(bctx) }()
	// Any process's commit to the outbox (a worker's status event, another
	// replica's job) wakes this relay at once rather than at its next poll.
	go d.db.Listen(bctx, postgres.OutboxChannel, log, func(ev postgres.ListenEvent, _ string) {
		if ev != postgres.Lost {
			a.relay.Kick()
		}
	})
	if a.svc.Cache != nil {
		go d.db.Listen(bctx, postgres.MediaChannel, log, a.svc.Cache.OnListen)
	}
	go a.svc.RunUpkeep(bctx, cfg.Upkeep)
	observing, err := observeBacklog(postgres.NewOutboxStore(d.db), d.nc, log)
	if err != nil {
		stop()
		return nil, err
	}
	b.observing = observing
	dispatcher := webhook.NewDispatcher(a.keys, d.nc, sender, log, cfg.WebhookMaxAttempts)
	go func() {
		if err := retry(bctx, log, "webhooks", func() error { return dispatcher.Run(bctx) }); err != nil && bctx.Err() == nil {
			log.ErrorContext(ctx, "webhooks_stopped", "err", err)
		}
	}()
	return b, nil
}

// mountDialects builds every dialect on the core, WordPress first: it
// answers for requests no dialect owns (a 429 of the per-IP limit, say).
// closing ends their long polls and event streams at shutdown.
func mountDialects(closing context.Context, cfg Config, d *deps, a *app, log *slog.Logger) (httpx.Dialects, error) {
	v1Handler, err := v1.New(closing, a.svc, a.keys, a.keyAuth, a.accounts, a.users, a.auth, a.limiter, a.hub, d.nc, log, cfg.V1)
	if err != nil {
		return nil, err
	}
	lib, err := library.New(library.Config{UploadOrigin: uploadOrigin(cfg.ObjStore)})
	if err != nil {
		return nil, err
	}
	return httpx.Dialects{
		wp.New(a.svc, a.users, a.accounts, postgres.NewPostStore(d.db), a.auth, log, wp.Config{PublicURL: cfg.PublicURL, MaxUpload: cfg.MaxUploadBytes,
			Location: cfg.SiteLocation, Views: cfg.ReadCacheItems, Keys: a.keyAuth, Events: d.nc, Closing: closing, UploadTTL: cfg.V1.UploadTTL}),
		v1Handler,
		heartcore.New(a.svc, a.types, a.keyAuth, a.users, log, heartcore.Config{PublicURL: cfg.PublicURL, MaxUpload: cfg.MaxUploadBytes}),
		delivery.New(a.svc, a.types, log, cfg.Delivery),
		imageurl.New(a.svc, a.types, log, cfg.ImageWait),
		lib,
	}, nil
}

// uploadOrigin is where clients send presigned uploads: the storage's
// public address, or its address when it has none.
func uploadOrigin(c objstore.Config) string {
	host, tls := c.PublicEndpoint, c.PublicUseTLS
	if host == "" {
		host, tls = c.Endpoint, c.UseTLS
	}
	if tls {
		return "https://" + host
	}
	return "http://" + host
}

// newServer is the HTTP server: health and readiness, the dialects' routes
// behind WordPress's rewrites, the per-IP rate limit and CORS. Once
// stopping is set, /readyz fails so load balancers take the replica out.
func newServer(cfg Config, d *deps, a *app, dialects httpx.Dialects, stopping *atomic.Bool, log *slog.Logger) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", httpx.HandleHealthz)
	mux.HandleFunc("GET /readyz", httpx.HandleReadyz(
		httpx.Check{Name: "postgres", Ping: d.db.Ping},
		httpx.Check{Name: "nats", Ping: d.nc.Ping},
		httpx.Check{Name: "minio", Ping: d.objects.Ping},
		httpx.Check{Name: "serving", Ping: func(context.Context) error {
			if stopping.Load() {
				return errors.New("shutting down")
			}
			return nil
		}},
	))
	dialects.Register(mux)
	cors, err := httpx.NewCORS(cfg.CORS, dialects.CORS()...)
	if err != nil {
		return nil, err
	}
	return &http.Server{
		// CORS outside the rate limit: preflights are answered (or, for
		// WordPress, let through) unlimited, and a 429 carries the headers
		// a page needs to read it.
		// The client's address is settled first, for every layer after.
		Handler: httpx.RealIP(httpx.Middleware(cors.Middleware(a.limiter.Middleware(wp.Rewrite(httpx.Routes(mux, dialects.Name)),
			dialects.LimitsItself, dialects.TooManyRequests)), log, "api-service"), cfg.TrustedProxies),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}, nil
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
