package wp

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"

	"github.com/pixelmill/pixelmill/services/media"
)

// The attachment page: what an attachment's "link" (/?attachment_id=N)
// shows in a browser, as WordPress's theme would: the picture (or a link
// to the file), its title, caption and size. Public items only, as
// WordPress shows them to visitors; others answer 404.

const attachmentStyle = `body{margin:0;font-family:system-ui,sans-serif;line-height:1.5;background:#f6f7f9;color:#1d2127}
main{max-width:960px;margin:0 auto;padding:1.5rem}img{max-width:100%;height:auto;display:block;border-radius:8px}
figcaption,.facts{color:#4a525e}a{color:#1f5fbf}
@media (prefers-color-scheme:dark){body{background:#15181c;color:#eceff3}figcaption,.facts{color:#b3bcc8}a{color:#7fb2ff}}`

// attachmentCSP allows the page's one style block, by its hash, and images
// of this site; nothing else.
var attachmentCSP = func() string {
	sum := sha256.Sum256([]byte(attachmentStyle))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src 'self' data:; " +
		"media-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}()

var attachmentPage = template.Must(template.New("attachment").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="alternate" type="application/json" href="{{.JSON}}">
<link rel="icon" href="data:,">
<style>{{.Style}}</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<figure>
{{- if .Image}}
<a href="{{.File}}"><img src="{{.Image}}" width="{{.Width}}" height="{{.Height}}" alt="{{.Alt}}"></a>
{{- else}}
<p><a href="{{.File}}">{{.Name}}</a></p>
{{- end}}
{{- if .Caption}}
<figcaption>{{.Caption}}</figcaption>
{{- end}}
</figure>
<p class="facts">{{.MIME}}{{if .Dimensions}} · {{.Dimensions}}{{end}} · <a href="{{.File}}" download>Download</a></p>
</main>
</body>
</html>
`))

// handleRoot is the site's front page: an attachment page when
// ?attachment_id= names one, and otherwise the media library.
func (h *Handler) handleRoot(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("attachment_id")
	if raw == "" {
		http.Redirect(w, r, "/library/", http.StatusFound)
		return
	}
	w.Header().Set("Content-Security-Policy", attachmentCSP)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	id, err := strconv.ParseInt(raw, 10, 64)
	var m *media.Attachment
	if err == nil && id > 0 {
		m, err = h.findReadable(r.Context(), id, nil, false) // as a visitor reads it
	}
	if err != nil || m == nil || m.APIKeyID != nil {
		http.Error(w, "No such attachment.", http.StatusNotFound)
		return
	}
	data := struct {
		Title, JSON, File, Image, Alt, Caption, Name, MIME, Dimensions string
		Width, Height                                                  int
		Style                                                          template.CSS
	}{Title: m.Title, JSON: h.publicURL + "/wp-json/wp/v2/media/" + raw, File: h.fileURL(m, m.File), Alt: m.AltText,
		Caption: m.Caption, Name: m.OriginalName(), MIME: m.MIME, Style: template.CSS(attachmentStyle)}
	if data.Title == "" {
		data.Title = m.OriginalName()
	}
	if m.Width > 0 {
		data.Dimensions = strconv.Itoa(m.Width) + " × " + strconv.Itoa(m.Height)
	}
	// The largest size up to 1024 wide, as a theme's "large" shows.
	if m.IsImage() && m.Status == media.StatusReady {
		best := media.File{Name: m.File, Width: m.Width, Height: m.Height}
		for _, f := range m.Files {
			if f.Role == media.RoleSize && f.Width <= 1024 && (best.Width > 1024 || f.Width > best.Width) {
				best = f
			}
		}
		data.Image, data.Width, data.Height = h.fileURL(m, best.Name), best.Width, best.Height
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = attachmentPage.Execute(w, data)
}
