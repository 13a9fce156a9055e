// Package imageurl serves the Umbraco dialects' file URLs,
// /media/{folder}/{name}, and answers their image parameters: ImageSharp's
// (width, height, rmode, rxy, ranchor, cc, format, quality), as Umbraco
// 10+ and headless clients of the Delivery API write them, and
// ImageProcessor's (mode, anchor, center, crop…&cropmode=percentage), as
// Heartcore's media host takes them, plus crop=<alias> for a media type's
// named crop. A rendition is served from storage when a worker made it
// before, or asked of the workers through a job and awaited.
package imageurl

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/api-service/internal/umbraco"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
)

// Prefix is where the files are served.
const Prefix = "/media/"

// Handler serves /media/.
type Handler struct {
	core  *core.Service
	types *umbraco.Types
	log   *slog.Logger
	// wait bounds how long a request waits for a worker's rendition.
	wait time.Duration
}

// New returns the handler; wait bounds how long a request for a rendition
// not yet made waits for it before answering 503 with Retry-After.
func New(c *core.Service, types *umbraco.Types, log *slog.Logger, wait time.Duration) *Handler {
	return &Handler{core: c, types: types, log: log, wait: wait}
}

// Register adds the route to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"{path...}", h.handleFile)
}

func (h *Handler) handleFile(w http.ResponseWriter, r *http.Request) {
	path := r.PathValue("path")
	q := r.URL.Query()
	t, alias, err := media.ParseImageQuery(q)
	if err != nil {
		http.Error(w, "Bad image parameters: "+err.Error(), http.StatusBadRequest)
		return
	}
	if t == (media.Transform{}) && alias == "" {
		// The file as stored; a private item's only with a signed URL.
		f, obj, err := h.core.OpenFile(r.Context(), path, q, nil)
		h.serve(w, r, f, obj, err, "public, max-age=86400")
		return
	}
	m, err := h.core.FindPublicMediaByFile(r.Context(), path)
	if err != nil {
		h.serve(w, r, media.File{}, nil, err, "")
		return
	}
	if !m.IsImage() {
		// A PDF's preview and an audio or video file's poster are its
		// picture: image parameters are applied to it. On any other
		// document they change nothing, as ImageSharp leaves what it can't
		// decode alone.
		_, ok, err := h.core.Picture(r.Context(), m)
		if err != nil {
			h.serve(w, r, media.File{}, nil, err, "")
			return
		}
		if !ok || alias != "" {
			f, obj, err := h.core.OpenFile(r.Context(), path, q, nil)
			h.serve(w, r, f, obj, err, "public, max-age=86400")
			return
		}
	} else if alias != "" {
		known := false
		for _, c := range h.types.Of(m).Crops {
			known = known || c.Alias == alias
		}
		if !known {
			http.Error(w, "Bad image parameters: media type '"+m.TypeAlias()+"' has no crop '"+alias+"'", http.StatusBadRequest)
			return
		}
		// A named crop changes with the focal point: caches revalidate.
		f, obj, err := h.core.OpenCrop(r.Context(), m, alias, h.wait)
		h.serve(w, r, f, obj, err, "public, no-cache")
		return
	}
	f, obj, err := h.core.OpenDerived(r.Context(), m, t, h.wait)
	h.serve(w, r, f, obj, err, "public, max-age=86400")
}

// serve answers a file, or the error met while finding it.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, f media.File, obj *objstore.Object, err error, cache string) {
	switch media.ErrorCode(err) {
	case "":
		httpx.ServeObject(w, r, f.MIME, obj, cache)
	case media.CodeNotFound:
		http.NotFound(w, r)
	case media.CodeForbidden:
		http.Error(w, media.ErrorMessage(err), http.StatusForbidden)
	case media.CodeUnavailable:
		w.Header().Set("Retry-After", "2")
		http.Error(w, media.ErrorMessage(err), http.StatusServiceUnavailable)
	default:
		if r.Context().Err() == nil {
			h.log.ErrorContext(r.Context(), "media_file_failed", "err", err)
		}
		http.Error(w, "Internal server error", http.StatusInternalServerError)
	}
}
