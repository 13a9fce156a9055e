// Package delivery is Umbraco CMS's Media Delivery API, read-only and
// public, at /umbraco/delivery/api/v2/media (and the deprecated v1 routes):
// media items by id, by name path and by several ids, and a paged query of
// a folder's children with Umbraco's filter and sort grammar, quirks
// included. Items are answered as Umbraco's IApiMediaWithCrops, errors as
// ASP.NET ProblemDetails.
package delivery

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/umbraco"
)

// Config is who may read media.
type Config struct {
	// Enabled turns the API on; when off every request is refused with 401,
	// as Umbraco refuses a disabled Media Delivery API.
	Enabled bool
	// PublicAccess lets requests in without an API key.
	PublicAccess bool
	// APIKey, when set, admits a request whose Api-Key header equals it
	// exactly, whatever PublicAccess says. It is a secret.
	APIKey string
}

// DefaultConfig returns the settings `make up` uses: on and public, as
// Umbraco's media API is once enabled.
func DefaultConfig() Config {
	return Config{Enabled: true, PublicAccess: true}
}

// Validate reports a config that can't work.
func (c Config) Validate() error {
	var errs []error
	if c.Enabled && !c.PublicAccess && c.APIKey == "" {
		errs = append(errs, errors.New("delivery: PublicAccess is off and APIKey is empty, so every request would be refused"))
	}
	if c.APIKey != strings.TrimSpace(c.APIKey) {
		// HTTP trims a header value, so such a key could never match.
		errs = append(errs, errors.New("delivery: APIKey must not begin or end with white space"))
	}
	return errors.Join(errs...)
}

// Handler serves the Media Delivery API.
type Handler struct {
	core  *core.Service
	types *umbraco.Types
	log   *slog.Logger
	cfg   Config
}

// New returns the API's handler. cfg should have passed Validate.
func New(c *core.Service, types *umbraco.Types, log *slog.Logger, cfg Config) *Handler {
	return &Handler{core: c, types: types, log: log, cfg: cfg}
}

// Base returns the API's path for a version (1 or 2).
func Base(version int) string {
	if version == 1 {
		return "/umbraco/delivery/api/v1/media"
	}
	return "/umbraco/delivery/api/v2/media"
}

// Owns reports whether a request is the API's (under either version's
// base), for middleware that treats the dialects apart.
func Owns(r *http.Request) bool {
	for _, v := range []int{1, 2} {
		if b := Base(v); r.URL.Path == b || strings.HasPrefix(r.URL.Path, b+"/") {
			return true
		}
	}
	return false
}

// call is what every route gets besides the request: the API version it
// was reached by and the query parameters, read as ASP.NET reads them.
type call struct {
	version int
	params  params
}

// route is one entry of the route table.
type route struct {
	version int
	path    string // below Base(version)
	handler func(*Handler, http.ResponseWriter, *http.Request, *call)
}

// routes are every route of the API, GET only (the mux answers HEAD the
// same and other methods 405 with Allow). Umbraco's routing tolerates a
// trailing slash, hence the {$} twins. v2 reads several ids at "items";
// v1 read them at "item", which v2 answers 404 (the v1 form in Umbraco's
// own docs sample is a documentation bug).
var routes = []route{
	{2, "", (*Handler).handleMediaQuery},
	{2, "/{$}", (*Handler).handleMediaQuery},
	{2, "/items", (*Handler).handleMediaGetMany},
	{2, "/items/{$}", (*Handler).handleMediaGetMany},
	{2, "/item/{path...}", (*Handler).handleMediaGet},
	{2, "/item", (*Handler).handleNotFound}, // rather than the mux's redirect to item/
	{2, "/", (*Handler).handleNotFound},
	{1, "", (*Handler).handleMediaQuery},
	{1, "/{$}", (*Handler).handleMediaQuery},
	{1, "/item", (*Handler).handleMediaGetMany},
	{1, "/item/{path...}", (*Handler).handleMediaGet},
	{1, "/", (*Handler).handleNotFound},
}

// Register adds the API's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, rt := range routes {
		mux.Handle("GET "+Base(rt.version)+rt.path, h.serve(rt.version, rt.handler))
	}
}

// serve wraps a route: the query is parsed once, and a panic still
// answers a ProblemDetails 500 (the shared recoverer answers otherwise).
func (h *Handler) serve(version int, fn func(*Handler, http.ResponseWriter, *http.Request, *call)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.ErrorContext(r.Context(), "delivery_panic", "panic", v, "stack", string(debug.Stack()))
				writeProblem(w, r, problemInternal)
			}
		}()
		// The answer depends on the key when the API isn't public.
		w.Header().Add("Vary", "Api-Key")
		fn(h, w, r, &call{version: version, params: parseParams(r.URL.RawQuery)})
	})
}

// authorized is Umbraco's media access check: the API enabled, and public
// or the Api-Key header equal to the configured key (repeated headers
// joined with ',', as ASP.NET reads them). It runs after model binding, as
// Umbraco's access filter runs after ASP.NET's model-state filter, so a
// malformed id or skip is a 400 even without a key.
func (h *Handler) authorized(r *http.Request) bool {
	if !h.cfg.Enabled {
		return false
	}
	if h.cfg.PublicAccess {
		return true
	}
	if h.cfg.APIKey == "" {
		return false
	}
	got := strings.Join(r.Header.Values("Api-Key"), ",")
	return subtle.ConstantTimeCompare([]byte(got), []byte(h.cfg.APIKey)) == 1
}

// shaping reads fields and expand; v1 had neither (its expand syntax only
// reached pickers, which media properties don't hold here).
func (c *call) shaping() (shaping, *problem) {
	if c.version == 1 {
		return shaping{}, nil
	}
	return parseShaping(c.params)
}

// handleNotFound answers paths under the API that are no route.
func (h *Handler) handleNotFound(w http.ResponseWriter, r *http.Request, _ *call) {
	writeProblem(w, r, problemNotFound)
}
