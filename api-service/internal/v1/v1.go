// Package v1 is Pixelmill's native JSON API at /v1 (and /api/v1): UUID
// media ids, a {data, error, meta} envelope, API keys with scopes and rate
// limits, presigned uploads straight to storage, long polls, a live event
// stream and webhooks. Its shape follows PostEverywhere's media API. It
// never answers with a storage URL: media is addressed by id.
package v1

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/api-service/internal/live"
	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
)

// Config is how the dialect behaves.
type Config struct {
	// RateLimit is the default per-key budget, requests per minute.
	RateLimit int
	// UploadTTL is how long a presigned upload URL works.
	UploadTTL time.Duration
	// MaxImageBytes bounds images and documents; MaxVideoBytes videos.
	MaxImageBytes, MaxVideoBytes int64
	// MaxWait bounds ?wait= on GET and complete.
	MaxWait time.Duration
	// WebhookAllowPrivate lets webhooks target loopback and private
	// networks (tests, a receiver beside the API); off in production.
	WebhookAllowPrivate bool
}

// DefaultConfig returns the settings `make up` uses.
func DefaultConfig() Config {
	return Config{RateLimit: 600, UploadTTL: time.Hour, MaxImageBytes: 20 << 20, MaxVideoBytes: 500 << 20, MaxWait: time.Minute}
}

// Validate reports a config that can't work.
func (c Config) Validate() error {
	var errs []error
	if c.RateLimit < 1 {
		errs = append(errs, errors.New("v1: RateLimit must be positive"))
	}
	if c.UploadTTL < time.Second || c.UploadTTL > 7*24*time.Hour {
		errs = append(errs, errors.New("v1: UploadTTL must be between 1s and 7 days (S3's limit)"))
	}
	if c.MaxImageBytes < 1 || c.MaxVideoBytes < 1 {
		errs = append(errs, errors.New("v1: MaxImageBytes and MaxVideoBytes must be positive"))
	}
	if c.MaxWait < 0 {
		errs = append(errs, errors.New("v1: MaxWait must not be negative"))
	}
	return errors.Join(errs...)
}

// Keys is what the dialect needs of the API key store.
type Keys interface {
	httpx.KeyFinder
	FindAPIKeys(ctx context.Context) ([]*media.APIKey, error)
	CreateWebhook(ctx context.Context, w *media.Webhook) error
	FindWebhooks(ctx context.Context, apiKeyID int64) ([]*media.Webhook, error)
	DeleteWebhook(ctx context.Context, apiKeyID int64, id string) error
}

// Users is what the dialect needs of the user store.
type Users interface {
	FindUserByID(ctx context.Context, id int64) (*media.User, error)
}

// Events is where the live event stream reads from.
type Events interface {
	ReadEvents(ctx context.Context, after uint64, out chan<- jobqueue.SequencedEvent) error
}

// Handler serves the /v1 dialect.
type Handler struct {
	accounts *core.Accounts // key creation and revocation
	core     *core.Service
	keys     Keys
	users    Users
	keyAuth  *httpx.KeyAuthenticator
	auth     *httpx.Authenticator // WordPress credentials, for managing keys
	limiter  *httpx.RateLimiter
	hub      *live.Hub
	events   Events
	log      *slog.Logger
	cfg      Config
	mux      *http.ServeMux
	// closing ends long polls and event streams when the server shuts
	// down, so they don't hold up a graceful shutdown.
	closing context.Context
}

// New returns the dialect. closing should end when the server begins to
// shut down. keyAuth checks the keys of keys; the dialects that take the
// same keys share it, so a revocation here is immediate there.
func New(closing context.Context, c *core.Service, keys Keys, keyAuth *httpx.KeyAuthenticator, accounts *core.Accounts, users Users, auth *httpx.Authenticator,
	limiter *httpx.RateLimiter, hub *live.Hub, events Events, log *slog.Logger, cfg Config) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := &Handler{core: c, keys: keys, accounts: accounts, users: users, keyAuth: keyAuth, auth: auth, limiter: limiter,
		hub: hub, events: events, log: log, cfg: cfg, mux: http.NewServeMux(), closing: closing}
	h.routes()
	return h, nil
}

// route is one entry of the dialect's route table.
type route struct {
	pattern string // method and path below the prefix, as net/http's mux takes it
	handler func(*Handler) http.HandlerFunc
}

// routeTable is every route of the dialect; Register mounts them under /v1
// and /api/v1 (PostEverywhere's own prefix). The OpenAPI document is
// checked against it.
var routeTable = []route{
	{"GET /openapi.json", func(h *Handler) http.HandlerFunc { return h.handleOpenAPI }},
	{"POST /api-keys", func(h *Handler) http.HandlerFunc { return h.admin(h.handleAPIKeyCreate) }},
	{"GET /api-keys", func(h *Handler) http.HandlerFunc { return h.admin(h.handleAPIKeyList) }},
	{"DELETE /api-keys/{id}", func(h *Handler) http.HandlerFunc { return h.admin(h.handleAPIKeyDelete) }},
	{"GET /media", func(h *Handler) http.HandlerFunc { return h.key(media.ScopeRead, h.handleMediaList) }},
	{"POST /media", func(h *Handler) http.HandlerFunc { return h.key(media.ScopeWrite, h.handleMediaCreate) }},
	{"POST /media/upload", func(h *Handler) http.HandlerFunc { return h.key(media.ScopeWrite, h.handleMediaUpload) }},
	{"GET /media/events", func(h *Handler) http.HandlerFunc { return h.key(media.ScopeRead, h.handleMediaEvents) }},
	{"GET /media/{media_id}", func(h *Handler) http.HandlerFunc { return h.key(media.ScopeRead, h.handleMediaGet) }},
	{"DELETE /media/{media_id}", func(h *Handler) http.HandlerFunc { return h.key(media.ScopeWrite, h.handleMediaDelete) }},
	{"POST /media/{media_id}/complete", func(h *Handler) http.HandlerFunc { return h.key(media.ScopeWrite, h.handleMediaComplete) }},
	{"POST /webhooks", func(h *Handler) http.HandlerFunc { return h.key(media.ScopeWrite, h.handleWebhookCreate) }},
	{"GET /webhooks", func(h *Handler) http.HandlerFunc { return h.key(media.ScopeRead, h.handleWebhookList) }},
	{"DELETE /webhooks/{id}", func(h *Handler) http.HandlerFunc { return h.key(media.ScopeWrite, h.handleWebhookDelete) }},
}

func (h *Handler) routes() {
	for _, rt := range routeTable {
		h.mux.HandleFunc(rt.pattern, rt.handler(h))
	}
}

// Routes returns the dialect's routes as "METHOD /v1/path" patterns.
func Routes() []string {
	out := make([]string, len(routeTable))
	for i, rt := range routeTable {
		method, p, _ := strings.Cut(rt.pattern, " ")
		out[i] = method + " " + Prefixes[0] + p
	}
	return out
}

// Prefixes are where the dialect is mounted.
var Prefixes = []string{"/v1", "/api/v1"}

// Register mounts the dialect on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, p := range Prefixes {
		mux.Handle(p+"/", http.StripPrefix(p, http.HandlerFunc(h.serve)))
	}
}

// Owns reports whether a request is this dialect's; the shared rate
// limiter skips them, since the dialect limits per key itself.
func Owns(r *http.Request) bool {
	for _, p := range Prefixes {
		if strings.HasPrefix(r.URL.Path, p+"/") {
			return true
		}
	}
	return false
}

// serve routes a request, answering unknown routes and methods in the
// envelope rather than with the mux's plain text.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// A panic still answers in the envelope; the shared recoverer
		// outside would answer in plain text.
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			if w.Header().Get("X-RateLimit-Limit") == "" {
				// Every answer carries the headers; this one counts
				// against the client's IP, whatever the budget says.
				d := h.limiter.Take("ip:"+httpx.ClientIP(r), budget(h.limiter.AnonPerMinute()))
				d.OK = true
				d.SetHeaders(w.Header())
			}
			h.writeError(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
		}
	}()
	_, pattern := h.mux.Handler(r)
	var literal []string
	if pattern != "" && strings.Contains(pattern, "{") {
		// A literal route (GET /media/events) is a resource of its own,
		// not the value of another method's wildcard (DELETE
		// /media/{media_id}).
		literal = h.literalMethods(r)
	}
	if pattern != "" && len(literal) == 0 {
		h.mux.ServeHTTP(w, r)
		return
	}
	if !h.limit(w, r, nil) {
		return
	}
	allow := literal
	if len(allow) == 0 {
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, p := h.mux.Handler(probe); p != "" {
				allow = append(allow, m)
			}
		}
	}
	if len(allow) > 0 {
		if slices.Contains(allow, http.MethodGet) {
			allow = slices.Insert(allow, 1, http.MethodHead) // net/http answers HEAD wherever GET goes
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		h.writeError(w, r, apiErr(http.StatusMethodNotAllowed, "method_not_allowed", "Method "+r.Method+" is not allowed here."))
		return
	}
	h.writeError(w, r, apiErr(http.StatusNotFound, "not_found", "No route matches "+r.URL.Path+"."))
}

// literalMethods lists the methods for which the request's path is a
// route of its own, without a wildcard.
func (h *Handler) literalMethods(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := h.mux.Handler(probe); p != "" && !strings.Contains(p, "{") {
			out = append(out, m)
		}
	}
	return out
}

// envelope is every answer's body.
type envelope struct {
	Data  any       `json:"data"`
	Error *apiError `json:"error"`
	Meta  meta      `json:"meta"`
}

type meta struct {
	RequestID string `json:"request_id"`
	Timestamp string `json:"timestamp"`
}

// apiError is the envelope's error, and an error the handlers return.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func apiErr(status int, code, message string) *apiError {
	return &apiError{Status: status, Code: code, Message: message}
}

func invalid(field, message string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "validation_error", Message: message, Details: map[string]string{"field": field}}
}

// timestampFormat is ISO 8601 in UTC with milliseconds and a Z.
const timestampFormat = "2006-01-02T15:04:05.000Z"

func (h *Handler) meta(r *http.Request) meta {
	return meta{RequestID: httpx.RequestID(r.Context()), Timestamp: time.Now().UTC().Format(timestampFormat)}
}

func (h *Handler) write(w http.ResponseWriter, r *http.Request, status int, data any) {
	httpx.WriteJSON(w, status, envelope{Data: data, Meta: h.meta(r)})
}

// writeError is the one place errors become answers, and are logged.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = fromDomain(err)
	}
	if ae.Status >= 500 {
		h.log.ErrorContext(r.Context(), "request_failed", "err", err, "status", ae.Status)
	}
	if ae.Status == http.StatusUnauthorized {
		scheme := "Bearer"
		if strings.HasPrefix(r.URL.Path, "/api-keys") { // below the stripped prefix
			scheme = "Basic" // keys are managed with an administrator's credentials
		}
		w.Header().Set("WWW-Authenticate", scheme+` realm="pixelmill"`)
	}
	httpx.WriteJSON(w, ae.Status, envelope{Error: ae, Meta: h.meta(r)})
}

// fromDomain maps the core's error codes to the dialect's.
func fromDomain(err error) *apiError {
	msg := media.ErrorMessage(err)
	switch media.ErrorCode(err) {
	case media.CodeInvalid:
		if errors.Is(err, core.ErrTypeMismatch) || errors.Is(err, core.ErrFileType) || errors.Is(err, core.ErrEmptyFile) {
			return apiErr(http.StatusUnprocessableEntity, "unprocessable_file", msg)
		}
		return apiErr(http.StatusBadRequest, "validation_error", msg)
	case media.CodeNotFound:
		return apiErr(http.StatusNotFound, "not_found", "Media not found.")
	case media.CodeConflict:
		if errors.Is(err, core.ErrNotUploaded) {
			return apiErr(http.StatusConflict, "upload_incomplete", msg)
		}
		return apiErr(http.StatusConflict, "conflict", msg)
	case media.CodeForbidden:
		return apiErr(http.StatusForbidden, "forbidden", msg)
	case media.CodeUnauth:
		return apiErr(http.StatusUnauthorized, "unauthorized", msg)
	case media.CodeTooLarge:
		return apiErr(http.StatusRequestEntityTooLarge, "payload_too_large", msg)
	case media.CodeUnavailable:
		return apiErr(http.StatusServiceUnavailable, "service_unavailable", msg)
	}
	return apiErr(http.StatusInternalServerError, "internal_error", "Something went wrong on our side; retry with back-off.")
}

// caller is who a request acts as.
type caller struct {
	key  *media.APIKey
	user *media.User
}

type callerKey struct{}

func callerOf(r *http.Request) caller { c, _ := r.Context().Value(callerKey{}).(caller); return c }

// key authenticates an API key with the scope, spends one request of its
// budget, and runs next.
func (h *Handler) key(scope media.Scope, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := httpx.BearerToken(r.Header.Get("Authorization"))
		if !ok {
			if !h.limit(w, r, nil) {
				return
			}
			h.writeError(w, r, apiErr(http.StatusUnauthorized, "unauthorized", "Missing API key: send Authorization: Bearer <key>."))
			return
		}
		k, err := h.keyAuth.Authenticate(r.Context(), token)
		if err != nil {
			if h.limit(w, r, nil) {
				h.writeError(w, r, err)
			}
			return
		}
		if !h.limit(w, r, k) {
			return
		}
		if !k.Allows(scope) {
			h.writeError(w, r, apiErr(http.StatusForbidden, "forbidden", fmt.Sprintf("This API key lacks the %q scope.", scope)))
			return
		}
		u, err := h.users.FindUserByID(r.Context(), k.UserID)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, caller{key: k, user: u})))
	}
}

// admin authenticates WordPress credentials of an administrator: keys are
// made and revoked by people, not by other keys.
func (h *Handler) admin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		login, password, ok := r.BasicAuth()
		if !ok {
			if h.limit(w, r, nil) {
				h.writeError(w, r, apiErr(http.StatusUnauthorized, "unauthorized", "Managing API keys needs an administrator's credentials (HTTP Basic)."))
			}
			return
		}
		if d := h.limiter.Take("cred:"+login, budget(h.limiter.AuthPerMinute())); !h.decide(w, r, d) {
			return
		}
		u, err := h.auth.Authenticate(r.Context(), login, password, ok)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if !u.CanManageUsers() {
			h.writeError(w, r, apiErr(http.StatusForbidden, "forbidden", "Only administrators manage API keys."))
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, caller{user: u})))
	}
}

// limit spends one request of the key's budget (per client IP without a
// valid key) and sets the X-RateLimit-* headers; over budget it answers 429
// and reports false.
func (h *Handler) limit(w http.ResponseWriter, r *http.Request, k *media.APIKey) bool {
	if k == nil {
		return h.decide(w, r, h.limiter.Take("ip:"+httpx.ClientIP(r), budget(h.limiter.AnonPerMinute())))
	}
	perMinute := k.RateLimit
	if perMinute == 0 {
		perMinute = h.cfg.RateLimit
	}
	return h.decide(w, r, h.limiter.Take(fmt.Sprintf("key:%d", k.ID), perMinute))
}

// budget is a configured per-minute budget where 0 means no limit: a
// budget no client reaches, so the headers are still sent.
func budget(perMinute int) int {
	if perMinute <= 0 {
		return math.MaxInt32
	}
	return perMinute
}

func (h *Handler) decide(w http.ResponseWriter, r *http.Request, d httpx.Decision) bool {
	d.SetHeaders(w.Header())
	if !d.OK {
		h.writeError(w, r, &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Message: fmt.Sprintf("Rate limit of %d requests per minute exceeded; retry in %d s.", d.Limit, d.Retry)})
	}
	return d.OK
}

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 64 << 10

// decodeJSON reads a JSON object body into v.
func decodeJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxJSONBody))
	if err != nil {
		return apiErr(http.StatusRequestEntityTooLarge, "payload_too_large", "The JSON body is over 64 KiB.")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return apiErr(http.StatusBadRequest, "bad_request", "A JSON body is required.")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalid(te.Field, fmt.Sprintf("%s must be a JSON %s.", te.Field, jsonKind(te.Type.Kind().String())))
		}
		return apiErr(http.StatusBadRequest, "bad_request", "The body is not valid JSON.")
	}
	return nil
}

// jsonKind names a Go kind as JSON calls it.
func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "number"
	case goKind == "slice":
		return "array"
	case goKind == "struct", goKind == "map":
		return "object"
	case goKind == "bool":
		return "boolean"
	}
	return goKind
}
