// Command worker-service runs Pixelmill's libvips workers: it takes
// rendition jobs from JetStream, makes WordPress's sizes and records them.
// Run as many as the load needs; they share one durable consumer.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/pixelmill/pixelmill/services/cli"
	"github.com/pixelmill/pixelmill/services/config"
	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/objstore"
	"github.com/pixelmill/pixelmill/services/postgres"
	"github.com/pixelmill/pixelmill/services/telemetry"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
	"github.com/pixelmill/pixelmill/worker-service/internal/sandbox"
	"github.com/pixelmill/pixelmill/worker-service/internal/worker"
)

// usage is what --help prints.
const usage = `
worker-service runs Pixelmill's libvips workers: it takes jobs from NATS
JetStream, makes renditions, stores them in S3 and records them in Postgres.
Run as many as the load needs; they share one durable consumer.

Usage:
  worker-service            run a worker until SIGINT or SIGTERM, then drain
  worker-service dlq ...    list or replay dead-lettered jobs (dlq --help)
  worker-service env        print every variable it reads, NAME=default, and exit
  worker-service health     exit 0 when the worker on PIXELMILL_WORKER_HTTP_ADDR is ready
                            (Postgres, NATS and S3 answer), 1 otherwise: a container
                            health check
  worker-service version    print the build and exit
  worker-service --help     print this and exit

Configuration is environment variables (PIXELMILL_*), listed in README.md.
`

func main() {
	if cli.Handle(os.Args[1:], "worker-service", usage, os.Stdout) {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == "env" {
		cli.PrintEnv(os.Stdout, config.Defaults(readConfig))
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "health" {
		if err := health(ctx, os.Getenv); err != nil {
			fmt.Fprintln(os.Stderr, "worker-service health:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] != "dlq" {
		fmt.Fprintf(os.Stderr, "worker-service: unknown command %q\n%s", os.Args[1], strings.TrimLeft(usage, "\n"))
		os.Exit(2)
	}
	if len(os.Args) > 1 && os.Args[1] == "dlq" {
		if err := runDLQ(ctx, os.Args[2:], os.Getenv, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "worker-service dlq:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "worker-service:", err)
		os.Exit(1)
	}
}

// run starts the worker and blocks until ctx ends, then drains: no new
// fetches, jobs in flight finish within the drain bound.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log, err := telemetry.NewLogger(stdout, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	log = log.With("worker", cfg.Name)
	shutdownTracing, err := telemetry.SetupTracing(ctx, "worker-service", cfg.Name, cfg.OTLPEndpoint)
	if err != nil {
		return err
	}
	defer func() { _ = shutdownTracing(context.Background()) }()
	metricsHandler, shutdownMetrics, err := telemetry.SetupMetrics(ctx, "worker-service", cfg.OTLPEndpoint)
	if err != nil {
		return err
	}
	defer func() { _ = shutdownMetrics(context.Background()) }()
	log.InfoContext(ctx, "starting", "config", cfg)

	if err := imaging.Startup(cfg.Imaging); err != nil {
		return err
	}
	defer imaging.Shutdown()
	// Which libvips runs matters: 8.16 with Highway renders in half the
	// time of Debian 12's 8.14, and a build can silently link either.
	log.InfoContext(ctx, "libvips", "library", imaging.DescribeLibrary())
	// The decoders outside libvips run as sandboxed child processes.
	iso := sandbox.Probe()
	log.InfoContext(ctx, "decoders",
		"pdfinfo", sandbox.Version("pdfinfo", "-v"), "pdftoppm", sandbox.Version("pdftoppm", "-v"),
		"ffmpeg", sandbox.Version("ffmpeg", "-version"), "ffprobe", sandbox.Version("ffprobe", "-version"),
		"network_namespace", iso.Network, "network_namespace_refused", iso.Reason)
	db, err := postgres.Open(ctx, cfg.Postgres)
	if err != nil {
		return err
	}
	defer db.Close()
	objects, err := objstore.New(cfg.ObjStore)
	if err != nil {
		return err
	}
	nc, err := jobqueue.Connect(cfg.JobQueue, "pixelmill-"+cfg.Name)
	if err != nil {
		return err
	}
	defer nc.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeStatus(w, http.StatusOK, "ok") })
	// Prometheus scrapes the worker where its health is checked.
	mux.Handle("GET /metrics", metricsHandler)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := errors.Join(db.Ping(pctx), nc.Ping(pctx), objects.Ping(pctx)); err != nil {
			writeStatus(w, http.StatusServiceUnavailable, err.Error())
			return
		}
		writeStatus(w, http.StatusOK, "ok")
	})
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	cons, deriveCons, err := ensureConsumers(ctx, nc, log)
	if err != nil {
		return err
	}
	w, err := worker.New(cfg.Worker, postgres.NewMediaStore(db), objects, nc, log)
	if err != nil {
		return err
	}
	stopAdvisories, err := nc.OnExhausted(w.HandleExhausted)
	if err != nil {
		return err
	}
	defer stopAdvisories()
	log.InfoContext(ctx, "consuming", "consumer", jobqueue.ConsumerName, "derive_consumer", jobqueue.DeriveConsumerName, "health_addr", ln.Addr().String())
	w.Run(ctx, cons, deriveCons)
	log.Info("stopped")
	return nil
}

func ensureConsumers(ctx context.Context, nc *jobqueue.Conn, log interface {
	WarnContext(context.Context, string, ...any)
}) (cons, derive jetstream.Consumer, err error) {
	delay := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		if cons, err = nc.EnsureConsumer(ctx); err == nil {
			if derive, err = nc.EnsureDeriveConsumer(ctx); err == nil {
				if err = nc.EnsureDLQ(ctx); err == nil {
					return cons, derive, nil
				}
			}
		}
		if attempt == 1 || attempt%10 == 0 {
			log.WarnContext(ctx, "waiting_for_nats", "attempt", attempt, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, nil, errors.Join(err, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

func writeStatus(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{%q:%q}\n", "status", msg)
}
