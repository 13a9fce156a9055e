package httpx

import (
	"net/http"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
)

// ServeObject answers a stored file with Range and conditional requests.
// A file that is not a raster image is a sandboxed download, so an SVG's
// or a PDF's script never runs on the API's origin. cacheControl is sent
// as given.
func ServeObject(w http.ResponseWriter, r *http.Request, mime string, obj *objstore.Object, cacheControl string) {
	defer obj.Close()
	hd := w.Header()
	hd.Set("Content-Type", mime)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("ETag", `"`+obj.ETag+`"`)
	hd.Set("Cache-Control", cacheControl)
	if !media.IsRenderable(mime) {
		hd.Set("Content-Disposition", "attachment")
		hd.Set("Content-Security-Policy", "sandbox")
	}
	http.ServeContent(w, r, "", obj.LastModified, obj)
}
