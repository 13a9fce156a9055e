// Package telemetry sets up logging, tracing and metrics the same way in
// every Pixelmill binary: slog with trace ids on every line, OpenTelemetry
// tracing exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, and
// OpenTelemetry metrics exposed for Prometheus (and pushed over OTLP with
// the same setting).
package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// NewLogger returns a logger writing JSON (format "json", for containers and
// log shippers) or text (format "text", for a terminal) at level.
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	switch strings.ToLower(format) {
	case "json":
		h = slog.NewJSONHandler(w, opts)
	case "text":
		h = slog.NewTextHandler(w, opts)
	default:
		return nil, fmt.Errorf("log format %q: want json or text", format)
	}
	return slog.New(traceHandler{h}), nil
}

// traceHandler adds trace_id and span_id from the context to every record,
// so a log line can be found from a trace and the other way round.
type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(a)}
}
func (h traceHandler) WithGroup(n string) slog.Handler { return traceHandler{h.Handler.WithGroup(n)} }

// SetupTracing installs the global tracer provider and the W3C propagator.
// Spans always have ids (so trace ids reach logs and NATS headers), and are
// recorded and exported over OTLP/HTTP only when otlpEndpoint is set; the
// exporter reads the other standard OTEL_EXPORTER_OTLP_* variables itself,
// and the sampler follows OTEL_TRACES_SAMPLER. Without an exporter nothing
// is sampled: a recorded span nobody exports costs a request its
// attributes' allocations for nothing. instance names this process on its
// resource (service.instance.id: a worker's name, a host's), so a trace
// shows which worker did which job. The returned function flushes and
// stops the provider.
func SetupTracing(ctx context.Context, service, instance, otlpEndpoint string) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	// Schemaless, so the SDK's own semantic-convention version never
	// conflicts with ours.
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", service), attribute.String("service.instance.id", instance)))
	if err != nil {
		return nil, fmt.Errorf("otel resource: %w", err)
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if otlpEndpoint != "" {
		// The endpoint as configured (OTEL_EXPORTER_OTLP_ENDPOINT's
		// meaning: a base URL), not as the process environment has it.
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimRight(otlpEndpoint, "/")+"/v1/traces"))
		if err != nil {
			return nil, fmt.Errorf("otlp exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(2*time.Second)))
	} else {
		opts = append(opts, sdktrace.WithSampler(sdktrace.NeverSample()))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// SetupMetrics installs the global meter provider: every instrument is
// exposed in Prometheus's text format by the returned handler (served on
// the service's metrics address), and also pushed over OTLP/HTTP every
// 30 s when otlpEndpoint is set (the exporter reads the other standard
// OTEL_EXPORTER_OTLP_* variables). The returned function flushes what
// OTLP has not sent yet.
//
// The provider is made once a process: OpenTelemetry binds the
// instruments made before it (package variables) to the first provider
// installed, never to a later one, so a second service started in the same
// process (the tests start many) must share the first's.
func SetupMetrics(ctx context.Context, service, otlpEndpoint string) (http.Handler, func(context.Context) error, error) {
	metricsOnce.Do(func() {
		metricsHandler, metricsProvider, metricsErr = newMetrics(ctx, service, otlpEndpoint)
	})
	if metricsErr != nil {
		return nil, nil, metricsErr
	}
	return metricsHandler, metricsProvider.ForceFlush, nil
}

var (
	metricsOnce     sync.Once
	metricsHandler  http.Handler
	metricsProvider *sdkmetric.MeterProvider
	metricsErr      error
)

func newMetrics(ctx context.Context, service, otlpEndpoint string) (http.Handler, *sdkmetric.MeterProvider, error) {
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", service)))
	if err != nil {
		return nil, nil, fmt.Errorf("otel resource: %w", err)
	}
	reg := prometheus.NewRegistry()
	prom, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	opts := []sdkmetric.Option{sdkmetric.WithResource(res), sdkmetric.WithReader(prom)}
	if otlpEndpoint != "" {
		exp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(strings.TrimRight(otlpEndpoint, "/")+"/v1/metrics"))
		if err != nil {
			return nil, nil, fmt.Errorf("otlp metric exporter: %w", err)
		}
		opts = append(opts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(30*time.Second))))
	}
	mp := sdkmetric.NewMeterProvider(opts...)
	otel.SetMeterProvider(mp)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), mp, nil
}

// ServeMetrics serves h at /metrics on addr until ctx ends; an empty addr
// serves nothing. It returns the address it listens on.
func ServeMetrics(ctx context.Context, addr string, h http.Handler, log *slog.Logger) (string, error) {
	if addr == "" {
		return "", nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("metrics address %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Error("metrics_server", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return ln.Addr().String(), nil
}
