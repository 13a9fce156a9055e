// Package library serves the media library: a page in the browser for
// browsing, uploading and editing media, built on the public APIs (the
// WordPress dialect and its pixelmill/v1 additions) like any other client.
// It holds no state and reads nothing itself: its files are embedded in
// the binary, named by the hash of their content so browsers may keep them
// for good, and served under a strict Content-Security-Policy.
package library

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
)

// Prefix is where the library lives.
const Prefix = "/library/"

//go:embed static
var static embed.FS

// csp is the library page's policy: its own scripts, styles and images and
// nothing else, no inline code, no framing; it may send bytes to the
// storage that presigned uploads go to, and nowhere else.
func csp(uploadOrigin string) string {
	connect := "'self'"
	if uploadOrigin != "" {
		connect += " " + uploadOrigin
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
		"media-src 'self'; connect-src " + connect + "; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// Config is what the library needs to know of the site.
type Config struct {
	// UploadOrigin is where presigned uploads go (scheme://host:port of
	// the storage clients reach), for the page's connect-src.
	UploadOrigin string
}

// asset is an embedded file under its content-hashed name.
type asset struct {
	body []byte
	mime string
}

// Handler serves the library.
type Handler struct {
	assets map[string]asset // hashed name → file
	index  []byte           // the page, with the hashed names in it
	csp    string
}

// New builds the library from the embedded files.
func New(cfg Config) (*Handler, error) {
	h := &Handler{assets: map[string]asset{}, csp: csp(cfg.UploadOrigin)}
	names := map[string]string{} // "app.js" → "app.3f2a….js"
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".html") {
			return err
		}
		body, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		base := path.Base(p)
		sum := sha256.Sum256(body)
		ext := path.Ext(base)
		hashed := strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		names[base] = Prefix + "assets/" + hashed
		h.assets[hashed] = asset{body: body, mime: mimeOf(ext)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, err := template.ParseFS(static, "static/index.html")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := page.Execute(&b, names); err != nil {
		return nil, err
	}
	h.index = b.Bytes()
	return h, nil
}

func mimeOf(ext string) string {
	switch ext {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream"
}

// Register mounts the page and its assets.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /library/{$}", h.handleIndex)
	mux.HandleFunc("GET /library", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /library/assets/{name}", h.handleAsset)
}

// securityHeaders are set on every answer of the library.
func (h *Handler) securityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
}

func (h *Handler) handleIndex(w http.ResponseWriter, r *http.Request) {
	h.securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The page names its assets by hash: it must be asked for again.
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(h.index)
}

func (h *Handler) handleAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := h.assets[r.PathValue("name")]
	if !ok {
		h.securityHeaders(w)
		http.NotFound(w, r)
		return
	}
	h.securityHeaders(w)
	w.Header().Set("Content-Type", a.mime)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(a.body)
}

// The library's contract with main (httpx.Dialect).

// Name is the dialect's name in metrics.
func (h *Handler) Name() string { return "library" }

// Owns is the library's paths.
func (h *Handler) Owns(r *http.Request) bool {
	return r.URL.Path == "/library" || strings.HasPrefix(r.URL.Path, Prefix)
}

// LimitsItself is false: the per-IP limit counts the page and its files.
func (h *Handler) LimitsItself() bool { return false }

// TooManyRequests answers a refused request in plain text.
func (h *Handler) TooManyRequests(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Too many requests; retry after the time in Retry-After.", http.StatusTooManyRequests)
}

// CORS: none; the library is a page of this origin.
func (h *Handler) CORS() []httpx.CORSRoute { return nil }
