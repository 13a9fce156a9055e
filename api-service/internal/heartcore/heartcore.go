// Package heartcore is Umbraco Heartcore's Content Management API for
// media, mounted at /heartcore: the folder tree, uploads into it, moves,
// focal points and crops, as HAL JSON. It authenticates Pixelmill API keys
// (made with POST /v1/api-keys) sent as Api-Key, Basic "key:" or Bearer,
// which is how @umbraco/headless-client and the .NET client send them. A
// key needs the umbraco:read or umbraco:write scope: the tree is shared by
// the whole site, unlike a /v1 key's own library, so a key made for /v1
// does not reach it. As in Heartcore, management calls are not rate
// limited.
package heartcore

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/api-service/internal/umbraco"
	"github.com/pixelmill/pixelmill/services/media"
)

// Prefix is where the dialect is mounted: Heartcore's routes have no
// prefix of their own (api.umbraco.io/media), so clients are pointed at
// {public URL}/heartcore.
const Prefix = "/heartcore"

// Owns reports whether a request is the dialect's. Heartcore's management
// calls are not rate limited.
func Owns(r *http.Request) bool {
	return r.URL.Path == Prefix || strings.HasPrefix(r.URL.Path, Prefix+"/")
}

// Config is how the dialect behaves.
type Config struct {
	// PublicURL is the API's public base; links are absolute under it.
	PublicURL string
	// MaxUpload bounds a request body.
	MaxUpload int64
}

// Users is what the dialect needs of the user store.
type Users interface {
	FindUserByID(ctx context.Context, id int64) (*media.User, error)
}

// Handler serves the dialect.
type Handler struct {
	core    *core.Service
	types   *umbraco.Types
	keyAuth *httpx.KeyAuthenticator
	users   Users
	log     *slog.Logger
	cfg     Config
	base    string // absolute URL of the mount point
}

// New returns the dialect's handler.
// keyAuth is shared with the /v1 dialect, so a key revoked there stops
// working here at once on this replica.
func New(c *core.Service, types *umbraco.Types, keyAuth *httpx.KeyAuthenticator, users Users, log *slog.Logger, cfg Config) *Handler {
	return &Handler{core: c, types: types, keyAuth: keyAuth, users: users, log: log, cfg: cfg,
		base: strings.TrimRight(cfg.PublicURL, "/") + Prefix}
}

// Register adds the dialect's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	routes := []struct {
		pattern string
		scope   media.Scope
		fn      http.HandlerFunc
	}{
		{"GET " + Prefix + "/media", media.ScopeUmbracoRead, h.handleRoot},
		{"POST " + Prefix + "/media", media.ScopeUmbracoWrite, h.handleCreate},
		{"GET " + Prefix + "/media/type", media.ScopeUmbracoRead, h.handleTypes},
		{"GET " + Prefix + "/media/type/{alias}", media.ScopeUmbracoRead, h.handleType},
		{"GET " + Prefix + "/media/{id}", media.ScopeUmbracoRead, h.handleGet},
		{"PUT " + Prefix + "/media/{id}", media.ScopeUmbracoWrite, h.handleUpdate},
		{"DELETE " + Prefix + "/media/{id}", media.ScopeUmbracoWrite, h.handleDelete},
		// "{id}/children" as a pattern would clash with "type/{alias}"
		// (both match "type/children"), so the sub-resource is checked in
		// the handler instead.
		{"GET " + Prefix + "/media/{id}/{sub}", media.ScopeUmbracoRead, h.handleSub},
	}
	for _, rt := range routes {
		mux.Handle(rt.pattern, h.serve(rt.scope, rt.fn))
	}
	// Anything else under the mount point answers in the dialect's
	// envelope, not as a bare mux 404.
	mux.Handle(Prefix+"/", h.serve("", func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, apiError(http.StatusNotFound, "NotFound", "The requested resource could not be found."))
	}))
}

// handleSub serves an item's sub-resources: only children exists.
func (h *Handler) handleSub(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("sub") != "children" {
		h.writeError(w, r, apiError(http.StatusNotFound, "NotFound", "The requested resource could not be found."))
		return
	}
	h.handleChildren(w, r)
}

// callerKey carries the authenticated user in a request's context.
type callerKey struct{}

// serve wraps a route: a panic answers 500 in the envelope, the version
// is checked, the key authenticated and its scope enforced ("" for none).
func (h *Handler) serve(scope media.Scope, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.ErrorContext(r.Context(), "panic", "err", v, "stack", string(debug.Stack()))
				h.writeError(w, r, apiError(http.StatusInternalServerError, "InternalServerError", "Internal server error."))
			}
		}()
		if err := checkVersion(r); err != nil {
			h.writeError(w, r, err)
			return
		}
		key := credential(r)
		if key == "" {
			h.writeError(w, r, errUnauthorized)
			return
		}
		k, err := h.keyAuth.Authenticate(r.Context(), key)
		if err != nil {
			if media.ErrorCode(err) == media.CodeUnauth {
				err = errUnauthorized
			}
			h.writeError(w, r, err)
			return
		}
		if scope != "" && !k.Allows(scope) {
			h.writeError(w, r, apiError(http.StatusForbidden, "Forbidden", "You are not authorized to access the given resource."))
			return
		}
		u, err := h.users.FindUserByID(r.Context(), k.UserID)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, u)))
	})
}

// caller is the user whose key authenticated the request.
func caller(r *http.Request) *media.User {
	u, _ := r.Context().Value(callerKey{}).(*media.User)
	return u
}

var errUnauthorized = apiError(http.StatusUnauthorized, "Unauthorized", "Authorization has been denied for this request.")

// credential returns the key sent as Api-Key (header names ignore case),
// as the user name of Basic with an empty password, or as a Bearer token.
func credential(r *http.Request) string {
	if k := strings.TrimSpace(r.Header.Get("Api-Key")); k != "" {
		return k
	}
	auth := r.Header.Get("Authorization")
	if t, ok := httpx.BearerToken(auth); ok {
		return t
	}
	scheme, rest, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if ok && strings.EqualFold(scheme, "Basic") {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return ""
		}
		user, _, _ := strings.Cut(string(raw), ":")
		return user
	}
	return ""
}

// supportedVersions are the API versions clients send: the Node client
// 2.2, the .NET client 2.0 and 2.3, the docs 2.
var supportedVersions = map[string]bool{"2": true, "2.0": true, "2.1": true, "2.2": true, "2.3": true}

// checkVersion accepts the version from the header, the query or the
// Accept header's v parameter; none means the latest.
func checkVersion(r *http.Request) error {
	v := strings.TrimSpace(r.Header.Get("Api-Version"))
	if v == "" {
		v = strings.TrimSpace(r.URL.Query().Get("api-version"))
	}
	if v == "" {
		for _, part := range strings.Split(r.Header.Get("Accept"), ";")[1:] {
			if name, val, ok := strings.Cut(strings.TrimSpace(part), "="); ok && strings.EqualFold(name, "v") {
				v = strings.Trim(strings.TrimSpace(val), `"`)
			}
		}
	}
	if v == "" || supportedVersions[v] {
		return nil
	}
	return apiError(http.StatusBadRequest, "UnsupportedApiVersion",
		"The HTTP resource that matches the request URI does not support the API version '"+v+"'.")
}

// Error is the dialect's error: {"error":{"code","message","details"}}.
type Error struct {
	Status  int
	Code    string
	Message string
	Details map[string][]string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func apiError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// validation is a 422 with the offending fields in details.
func validation(details map[string][]string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "ValidationFailed",
		Message: "Validation error occured when trying to save or update the media item.", Details: details}
}

func notFound(id string) *Error {
	return apiError(http.StatusNotFound, "NotFound", "Media with id '"+id+"' could not be found.")
}

// writeError answers err in the envelope. Errors of the core map onto the
// dialect's codes; anything unexpected is logged and answers a bare 500.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		switch media.ErrorCode(err) {
		case media.CodeNotFound:
			e = notFound(r.PathValue("id"))
		case media.CodeInvalid, media.CodeConflict:
			e = validation(map[string][]string{"umbracoFile": {media.ErrorMessage(err)}})
		case media.CodeTooLarge:
			e = apiError(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", media.ErrorMessage(err))
		case media.CodeUnauth:
			e = errUnauthorized
		default:
			h.log.ErrorContext(r.Context(), "heartcore_error", "err", err)
			e = apiError(http.StatusInternalServerError, "InternalServerError", "Internal server error.")
		}
	}
	body := map[string]any{"code": e.Code, "message": e.Message}
	if len(e.Details) > 0 {
		body["details"] = e.Details
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="Umbraco Heartcore"`)
	}
	writeJSON(w, e.Status, map[string]any{"error": body})
}

// writeJSON answers v as JSON, as Heartcore does (its HAL is plain JSON
// with _links and _embedded).
func writeJSON(w http.ResponseWriter, status int, v any) { httpx.WriteJSON(w, status, v) }
