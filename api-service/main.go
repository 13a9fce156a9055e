// Command api-service is Pixelmill's thin HTTP service: it speaks the media
// dialects, streams uploads to object storage, records items and their jobs
// in Postgres, relays jobs to JetStream and serves stored files.
package main

import (
	"context"
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
	"sync/atomic"
	"syscall"
	"time"
	_ "time/tzdata" // site timezones resolve in minimal containers too

	"github.com/pixelmill/pixelmill/services/cli"
	"github.com/pixelmill/pixelmill/services/telemetry"
)

// usage is what --help prints.
const usage = `
api-service serves Pixelmill's media APIs (WordPress /wp/v2/media, Umbraco
Heartcore and the Media Delivery API, /v1) over one core: uploads go to S3,
jobs to NATS JetStream through a Postgres outbox, items to Postgres.

Usage:
  api-service               serve until SIGINT or SIGTERM, then shut down gracefully
  api-service env           print every variable it reads, NAME=default, and exit
  api-service health        exit 0 when the service on PIXELMILL_HTTP_ADDR is ready
                            (Postgres, NATS and S3 answer), 1 otherwise: a container
                            health check
  api-service keys ...      list, create or revoke API keys (keys list | create NAME | revoke ID)
  api-service migrate       apply the database migrations this build carries and exit
  api-service requeue ID... give items new jobs for their missing files
  api-service version       print the build and exit
  api-service --help        print this and exit

Configuration is environment variables (PIXELMILL_*), listed in README.md.
`

func main() {
	if cli.Handle(os.Args[1:], "api-service", usage, os.Stdout) {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if code, ok := command(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); ok {
		stop()
		os.Exit(code)
	}
	if len(os.Args) > 1 {
		fmt.Fprintf(os.Stderr, "api-service: unknown command %q\n%s", os.Args[1], strings.TrimLeft(usage, "\n"))
		os.Exit(2)
	}
	if err := run(ctx, os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "api-service:", err)
		os.Exit(1)
	}
}

// run starts the service and blocks until ctx ends, then shuts down
// gracefully. When ready is not nil it receives the listening address, so a
// test can start the service on 127.0.0.1:0. It reads as the service
// starts: open the dependencies, build the core, start the work beside it,
// mount the dialects, serve.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer, ready chan<- string) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log, err := telemetry.NewLogger(stdout, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	shutdownTracing, err := telemetry.SetupTracing(ctx, "api-service", host, cfg.OTLPEndpoint)
	if err != nil {
		return err
	}
	defer func() { _ = shutdownTracing(context.Background()) }()
	metricsHandler, shutdownMetrics, err := telemetry.SetupMetrics(ctx, "api-service", cfg.OTLPEndpoint)
	if err != nil {
		return err
	}
	defer func() { _ = shutdownMetrics(context.Background()) }()
	log.InfoContext(ctx, "starting", "config", cfg)
	if addr, err := telemetry.ServeMetrics(ctx, cfg.MetricsAddr, metricsHandler, log); err != nil {
		return err
	} else if addr != "" {
		log.InfoContext(ctx, "metrics", "addr", addr)
	}
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

	d, err := openDeps(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	a, err := buildCore(ctx, cfg, d, log, stdout)
	if err != nil {
		return err
	}
	defer a.Close()
	background, err := startBackground(ctx, cfg, d, a, log)
	if err != nil {
		return err
	}
	// The relay outlives the server by one pass (deferred before it stops)
	// so jobs committed by the last requests are published before exit
	// rather than at next start.
	defer background.Stop()

	// closing ends long polls and event streams when shutdown begins, so
	// they don't hold it up until its timeout.
	closing, startClosing := context.WithCancel(context.Background())
	defer startClosing()
	dialects, err := mountDialects(closing, cfg, d, a, log)
	if err != nil {
		return err
	}
	var stopping atomic.Bool
	srv, err := newServer(cfg, d, a, dialects, &stopping, log)
	if err != nil {
		return err
	}
	srv.RegisterOnShutdown(startClosing)
	return serve(ctx, srv, ln, ready, cfg.ShutdownDelay, &stopping, log)
}

// serve serves on ln until ctx ends or serving fails, then shuts srv down
// within 30 s. Between the two it is a lame duck for lameDuck: stopping is
// set, so /readyz fails while requests are still answered.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, ready chan<- string, lameDuck time.Duration, stopping *atomic.Bool, log *slog.Logger) error {
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
	stopping.Store(true)
	if lameDuck > 0 {
		log.Info("lame_duck", "for", lameDuck)
		select {
		case <-time.After(lameDuck):
		case err := <-errc:
			return fmt.Errorf("serve: %w", err)
		}
	}
	log.Info("shutting_down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
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
