// Package wp is the WordPress dialect: /wp-json/wp/v2/media and the
// /wp-content/uploads file URLs, shaped so a WordPress REST client can't tell
// Pixelmill from WordPress. It translates HTTP to calls on the core and
// back, and owns nothing else.
package wp

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/media"
)

// Handler serves the WordPress dialect.
type Handler struct {
	core      *core.Service
	users     Users
	accounts  *core.Accounts
	posts     Posts
	auth      *httpx.Authenticator
	log       *slog.Logger
	publicURL string // e.g. http://127.0.0.1:8080, no trailing slash
	maxUpload int64
	sizes     []media.Size
	loc       *time.Location          // the site's timezone, for date and modified
	views     *views                  // encoded anonymous views of cached items
	keys      *httpx.KeyAuthenticator // API keys of the shared library
	uploadTTL time.Duration           // how long a presigned upload URL works
	events    httpx.EventReader
	closing   context.Context // ends event streams when the server shuts down
}

// New returns the WordPress dialect.
func New(c *core.Service, users Users, accounts *core.Accounts, posts Posts, auth *httpx.Authenticator, log *slog.Logger, cfg Config) *Handler {
	return &Handler{core: c, users: users, accounts: accounts, posts: posts, auth: auth, log: log, publicURL: cfg.PublicURL, maxUpload: cfg.MaxUpload,
		sizes: media.DefaultSizes(), loc: cfg.Location, views: newViews(cfg.Views), keys: cfg.Keys, events: cfg.Events, closing: cfg.Closing, uploadTTL: cfg.UploadTTL}
}

// Config is what the dialect needs to know about the site.
type Config struct {
	PublicURL string         // base of every URL, no trailing slash
	MaxUpload int64          // largest upload, in bytes
	Location  *time.Location // the site's timezone
	// Views bounds the encoded anonymous views kept of items the core's
	// item cache holds (see views); 0 keeps none.
	Views int
	// UploadTTL is how long a presigned upload's URL works.
	UploadTTL time.Duration
	// Keys, when set, authenticate API keys sent as Bearer tokens (see
	// keyUser).
	Keys *httpx.KeyAuthenticator
	// Events feed /wp-json/pixelmill/v1/events; Closing ends its streams
	// when the server shuts down.
	Events  httpx.EventReader
	Closing context.Context
}

// Register adds every route of the dialect to mux: the whole table is here.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /wp-json/{$}", h.handleIndex)
	mux.HandleFunc("OPTIONS /wp-json/wp/v2/media", h.handleMediaOptions)
	mux.HandleFunc("OPTIONS /wp-json/wp/v2/media/{id}", h.handleMediaOptions)
	mux.HandleFunc("GET /wp-json/wp/v2/media", h.handleMediaList)
	mux.HandleFunc("GET /wp-json/wp/v2/media/{id}", h.handleMediaGet)
	mux.HandleFunc("POST /wp-json/wp/v2/media", h.handleMediaCreate)
	mux.HandleFunc("POST /wp-json/wp/v2/media/{id}", h.handleMediaUpdate)
	mux.HandleFunc("PUT /wp-json/wp/v2/media/{id}", h.handleMediaUpdate)
	mux.HandleFunc("PATCH /wp-json/wp/v2/media/{id}", h.handleMediaUpdate)
	mux.HandleFunc("DELETE /wp-json/wp/v2/media/{id}", h.handleMediaDelete)
	mux.HandleFunc("POST /wp-json/wp/v2/media/{id}/post-process", h.handleMediaPostProcess)
	mux.HandleFunc("POST /wp-json/wp/v2/media/{id}/edit", h.handleMediaEdit)
	mux.HandleFunc("GET /wp-json/wp/v2/users", h.noKeys(h.handleUserList))
	mux.HandleFunc("POST /wp-json/wp/v2/users", h.noKeys(h.handleUserCreate))
	mux.HandleFunc("GET /wp-json/wp/v2/users/{id}", h.noKeys(h.handleUserGet))
	mux.HandleFunc("POST /wp-json/wp/v2/users/{id}", h.noKeys(h.handleUserUpdate))
	mux.HandleFunc("PUT /wp-json/wp/v2/users/{id}", h.noKeys(h.handleUserUpdate))
	mux.HandleFunc("PATCH /wp-json/wp/v2/users/{id}", h.noKeys(h.handleUserUpdate))
	mux.HandleFunc("DELETE /wp-json/wp/v2/users/{id}", h.noKeys(h.handleUserDelete))
	mux.HandleFunc("GET /wp-json/wp/v2/users/{id}/application-passwords", h.noKeys(h.handleAppPasswordList))
	mux.HandleFunc("POST /wp-json/wp/v2/users/{id}/application-passwords", h.noKeys(h.handleAppPasswordCreate))
	mux.HandleFunc("DELETE /wp-json/wp/v2/users/{id}/application-passwords", h.noKeys(h.handleAppPasswordDelete))
	mux.HandleFunc("DELETE /wp-json/wp/v2/users/{id}/application-passwords/{uuid}", h.noKeys(h.handleAppPasswordDelete))
	mux.HandleFunc("GET /wp-json/wp/v2/users/{id}/application-passwords/introspect", h.noKeys(h.handleAppPasswordIntrospect))
	mux.HandleFunc("GET /wp-json/wp/v2/users/{id}/application-passwords/{uuid}", h.noKeys(h.handleAppPasswordGet))
	for _, m := range []string{"POST", "PUT", "PATCH"} {
		mux.HandleFunc(m+" /wp-json/wp/v2/users/{id}/application-passwords/{uuid}", h.noKeys(h.handleAppPasswordUpdate))
	}
	for _, t := range []struct{ base, typ string }{{"posts", "post"}, {"pages", "page"}} {
		mux.HandleFunc("POST /wp-json/wp/v2/"+t.base, h.handlePostCreate(t.typ))
		mux.HandleFunc("GET /wp-json/wp/v2/"+t.base+"/{id}", h.handlePostGet(t.typ))
		mux.HandleFunc("DELETE /wp-json/wp/v2/"+t.base+"/{id}", h.handlePostDelete(t.typ))
	}
	mux.HandleFunc("GET /{$}", h.handleRoot)
	mux.HandleFunc("GET /wp-json/pixelmill/v1/events", h.handleEvents)
	mux.HandleFunc("GET /wp-json/pixelmill/v1/folders", h.handleFolders)
	mux.HandleFunc("POST /wp-json/pixelmill/v1/uploads", h.handleUploadBegin)
	mux.HandleFunc("POST /wp-json/pixelmill/v1/uploads/{key}/complete", h.handleUploadComplete)
	mux.HandleFunc("GET /wp-content/uploads/{path...}", h.handleFileGet)
	mux.HandleFunc("OPTIONS /wp-json/", h.handleOptions)
	mux.HandleFunc("/wp-json/", h.handleNoRoute)
}

// restError is a WordPress REST error: {"code","message","data":{"status"}}.
type restError struct {
	status  int
	code    string
	message string
	params  map[string]string
	details map[string]any
}

func (e *restError) Error() string { return e.code + ": " + e.message }

func errorf(status int, code, message string) *restError {
	return &restError{status: status, code: code, message: message}
}

// writeError turns any error into WordPress's error body. It is the one
// place the dialect maps domain codes to HTTP, and the one place it logs a
// failure.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var re *restError
	if !errors.As(err, &re) {
		re = fromDomain(err)
	}
	level := slog.LevelInfo
	if re.status >= 500 {
		level = slog.LevelError
	}
	h.log.Log(r.Context(), level, "wp_error", "code", re.code, "status", re.status, "err", err)
	data := map[string]any{"status": re.status}
	if re.params != nil {
		data["params"] = re.params
	}
	if re.details != nil {
		data["details"] = re.details
		if len(re.details) == 0 {
			data["details"] = []any{} // PHP's empty array
		}
	}
	h.headers(w)
	if re.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	httpx.WriteJSON(w, re.status, map[string]any{"code": re.code, "message": re.message, "data": data})
}

func fromDomain(err error) *restError {
	msg := media.ErrorMessage(err)
	switch media.ErrorCode(err) {
	case media.CodeNotFound:
		return errorf(http.StatusNotFound, "rest_post_invalid_id", "Invalid post ID.")
	case media.CodeInvalid:
		return errorf(http.StatusBadRequest, "rest_invalid_param", msg)
	case media.CodeUnauth:
		return errorf(http.StatusUnauthorized, "incorrect_password", msg)
	case media.CodeForbidden:
		return errorf(http.StatusForbidden, "rest_forbidden", "Sorry, you are not allowed to do that.")
	case media.CodeTooLarge:
		return errorf(http.StatusRequestEntityTooLarge, "rest_upload_file_too_big", "The uploaded file exceeds the maximum upload size for this site.")
	case media.CodeConflict:
		return errorf(http.StatusConflict, "rest_conflict", msg)
	case media.CodeUnavailable:
		return errorf(http.StatusServiceUnavailable, "rest_service_unavailable", msg)
	}
	return errorf(http.StatusInternalServerError, "rest_internal_error", "Internal error.")
}

// authRequired is WordPress's rest_authorization_required_code: 401 for an
// anonymous request, 403 for a logged-in one.
func authRequired(u *media.User) int {
	if u == nil {
		return http.StatusUnauthorized
	}
	return http.StatusForbidden
}

// headers sets what WordPress sends on every REST response.
func (h *Handler) headers(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("X-Robots-Tag", "noindex")
	hd.Set("Link", "<"+h.publicURL+"/wp-json/>; rel=\"https://api.w.org/\"")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Access-Control-Expose-Headers", "X-WP-Total, X-WP-TotalPages, Link")
	hd.Set("Access-Control-Allow-Headers", "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type")
}

// user authenticates the request: nil for anonymous, an error for bad
// credentials (WordPress answers 401 even where the route is public).
func (h *Handler) user(r *http.Request) (*media.User, error) {
	if token, ok := httpx.BearerToken(r.Header.Get("Authorization")); ok && h.keys != nil {
		return h.keyUser(r.Context(), token)
	}
	login, pass, ok := r.BasicAuth()
	return h.auth.Authenticate(r.Context(), login, pass, ok)
}

func (h *Handler) handleNoRoute(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, r, errorf(http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method."))
}

// mediaID parses the {id} path value; WordPress's route only matches
// digits. Digits too many for an id name no item: id 0, which is not found.
func mediaID(r *http.Request) (int64, bool) {
	s := r.PathValue("id")
	if s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, true
	}
	return id, true
}

// findReadable loads an item the user may read, with WordPress's errors.
func (h *Handler) findReadable(ctx context.Context, id int64, u *media.User, edit bool) (*media.Attachment, error) {
	m, err := h.core.FindAttachment(ctx, id)
	if err != nil {
		return nil, err
	}
	if edit && !canEdit(u, m) {
		return nil, errorf(authRequired(u), "rest_forbidden_context", "Sorry, you are not allowed to edit this post.")
	}
	parents, err := h.parentsOf(ctx, m)
	if err != nil {
		return nil, err
	}
	if !edit && !h.readableMedia(u, m, parents) {
		return nil, errorf(authRequired(u), "rest_forbidden", "Sorry, you are not allowed to do that.")
	}
	return m, nil
}

// editable loads an item the user may change (WordPress's edit_post and
// delete_post, which agree for attachments); code and message are the
// route's own refusal.
func (h *Handler) editable(ctx context.Context, u *media.User, id int64, code, message string) (*media.Attachment, error) {
	m, err := h.core.FindAttachment(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canEdit(u, m) {
		return nil, errorf(authRequired(u), code, message)
	}
	return m, nil
}

// canEdit is WordPress's edit_post on an attachment.
func canEdit(u *media.User, m *media.Attachment) bool {
	return media.Can(media.Caller{User: u}, m.Media, nil).Edit
}
