// Package httpx holds what Pixelmill's HTTP dialects share: the Dialect
// contract main mounts them by (dialect.go), middleware, authentication,
// rate limits, CORS, health endpoints and JSON helpers. It knows no
// dialect's error format; each dialect writes its own.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
)

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	if m, ok := v.(json.Marshaler); ok {
		// Our own ordered objects write valid JSON; the encoder would
		// only parse it again to check and compact it.
		if b, err := m.MarshalJSON(); err == nil {
			WriteEncoded(w, status, append(b, '\n'))
			return
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// WriteEncoded writes body, JSON already encoded, with status.
func WriteEncoded(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
	userKey
)

// RequestID returns the request's id, as set by the middleware.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// Middleware wraps h in the stack every route shares, outermost first:
// OpenTelemetry, request id, access log, panic recovery.
func Middleware(h http.Handler, log *slog.Logger, service string) http.Handler {
	h = recoverer(h, log)
	h = accessLog(h, log)
	h = requestID(h)
	return otelhttp.NewHandler(h, service, otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		if r.Pattern != "" {
			return r.Pattern
		}
		return r.Method + " " + r.URL.Path
	}))
}

func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 128 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			// A letter first: an id of sixteen hex digits can be all
			// digits, which tools that type headers read as a number.
			id = "r" + hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (flush,
// deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog logs a line per request once it is answered; duration_ms has
// microseconds, since most answers take under one.
func accessLog(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		log.InfoContext(r.Context(), "http_request",
			"method", r.Method, "path", r.URL.Path, "status", sw.status, "bytes", sw.bytes,
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "request_id", RequestID(r.Context()))
	})
}

func recoverer(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "http_panic", "panic", v, "stack", string(debug.Stack()))
				http.Error(w, `{"code":"internal_error","message":"Internal error."}`, http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Check is one dependency of /readyz.
type Check struct {
	Name string
	Ping func(context.Context) error
}

// HandleHealthz answers 200 while the process is alive.
func HandleHealthz(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// HandleReadyz answers 200 when every dependency answers within a short
// deadline, else 503 with the ones that did not.
func HandleReadyz(checks ...Check) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		status, result := http.StatusOK, map[string]string{}
		type res struct {
			name string
			err  error
		}
		ch := make(chan res, len(checks))
		for _, c := range checks {
			go func() { ch <- res{c.Name, c.Ping(ctx)} }()
		}
		for range checks {
			r := <-ch
			result[r.name] = "ok"
			if r.err != nil {
				status, result[r.name] = http.StatusServiceUnavailable, r.err.Error()
			}
		}
		WriteJSON(w, status, map[string]any{"status": http.StatusText(status), "checks": result})
	}
}

// ErrBodyTooLarge reports whether err came from an http.MaxBytesReader.
func ErrBodyTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// Routes labels each request's metrics, which the OpenTelemetry handler
// outside records (http.server.request.duration, by method and status),
// with its route (the pattern that matched, "unmatched" when none did)
// and the dialect that owns it. It wraps the mux itself: only the mux's
// own request learns the pattern.
func Routes(mux http.Handler, dialect func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		route := r.Pattern
		if _, path, ok := strings.Cut(route, " "); ok {
			route = path // "GET /wp-json/wp/v2/media/{id}"
		}
		if route == "" {
			route = "unmatched"
		}
		attrs := []attribute.KeyValue{attribute.String("http.route", route)}
		if d := dialect(r); d != "" {
			attrs = append(attrs, attribute.String("pixelmill.dialect", d))
		}
		labeler, _ := otelhttp.LabelerFromContext(r.Context())
		labeler.Add(attrs...)
	})
}
