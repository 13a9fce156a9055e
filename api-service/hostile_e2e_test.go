package main

// TestHostileInput throws malformed, oversized, mislabelled and
// injection-shaped requests at the WordPress dialect on the real stack and
// holds each answer to what WordPress answers (spec §1, §6, §14): the
// status and the error code, and for an upload that is accepted but can't
// be processed, a final processing_status "failed" with a reason. After
// every case the API must still be ready, a worker must still turn a good
// upload into a ready item, and Postgres and MinIO must agree: every row
// has its original, every original is stored, no object lacks its row.

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/pixelmill/pixelmill/services/objstore"
	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

// hxHTTP bounds every request of the hostile and access suites: a hostile
// input must never hang the test.
var hxHTTP = &http.Client{Timeout: 90 * time.Second}

// hxDo sends one request as c and never fails the test on a transport
// error; it reports it and answers status 0, so one broken case does not
// hide the others.
func hxDo(t *testing.T, c wpClient, method, path string, body io.Reader, header map[string]string) wpResponse {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if c.login != "" {
		req.SetBasicAuth(c.login, c.pass)
	}
	resp, err := hxHTTP.Do(req)
	if err != nil {
		t.Errorf("%s %s: transport error: %v", method, path, err)
		return wpResponse{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return wpResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

const hxMedia = "/wp-json/wp/v2/media"

// hxRaw is a raw-body upload with a quoted filename.
func hxRaw(t *testing.T, c wpClient, name string, data []byte, extra map[string]string) wpResponse {
	t.Helper()
	h := map[string]string{"Content-Type": "image/jpeg", "Content-Disposition": `attachment; filename="` + name + `"`}
	for k, v := range extra {
		h[k] = v
	}
	return hxDo(t, c, "POST", hxMedia, bytes.NewReader(data), h)
}

// hxPart is one part of a hand-built multipart body.
type hxPart struct {
	field, filename, contentType string
	data                         []byte
}

// hxMultipartBody builds a multipart/form-data body. Filenames are written
// as given (NUL and control characters included), only quotes and
// backslashes escaped, as browsers do.
func hxMultipartBody(parts ...hxPart) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := `form-data; name="` + p.field + `"`
		if p.filename != "" {
			cd += `; filename="` + esc.Replace(p.filename) + `"`
		}
		h.Set("Content-Disposition", cd)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		} else if p.filename != "" {
			h.Set("Content-Type", "application/octet-stream")
		}
		w, _ := mw.CreatePart(h)
		w.Write(p.data)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func hxMultipart(t *testing.T, c wpClient, extra map[string]string, parts ...hxPart) wpResponse {
	t.Helper()
	body, ct := hxMultipartBody(parts...)
	h := map[string]string{"Content-Type": ct}
	for k, v := range extra {
		h[k] = v
	}
	return hxDo(t, c, "POST", hxMedia, bytes.NewReader(body), h)
}

// hxPNGHeader is a well-formed PNG whose IHDR claims w×h: a valid header
// and checksum, one row of pixel data, IEND. Header-only readers believe
// it; a decoder would need w×h×3 bytes.
func hxPNGHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		b.Write(n[:])
		b.WriteString(typ)
		b.Write(data)
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		binary.BigEndian.PutUint32(n[:], crc.Sum32())
		b.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 1+3*1024))
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

// hxJPEGClaiming returns a copy of a baseline JPEG whose SOF marker claims
// w×h instead of its real size.
func hxJPEGClaiming(t *testing.T, src []byte, w, h uint16) []byte {
	t.Helper()
	out := bytes.Clone(src)
	for i := 2; i+9 < len(out); {
		if out[i] != 0xFF {
			t.Fatalf("no JPEG marker at %d", i)
		}
		marker := out[i+1]
		n := int(binary.BigEndian.Uint16(out[i+2:]))
		if marker >= 0xC0 && marker <= 0xC2 {
			binary.BigEndian.PutUint16(out[i+5:], h)
			binary.BigEndian.PutUint16(out[i+7:], w)
			return out
		}
		i += 2 + n
	}
	t.Fatal("no SOF marker")
	return nil
}

// hxManyFrameGIF is an animated GIF of n 1×1 frames.
func hxManyFrameGIF(t *testing.T, n int) []byte {
	t.Helper()
	pal := color.Palette{color.Black, color.White}
	g := &gif.GIF{}
	for i := range n {
		img := image.NewPaletted(image.Rect(0, 0, 1, 1), pal)
		img.SetColorIndex(0, 0, uint8(i%2))
		g.Image = append(g.Image, img)
		g.Delay = append(g.Delay, 1)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hxSmallPNG is a real 64×48 PNG.
func hxSmallPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.NRGBA{uint8(x * 4), uint8(y * 5), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hxCase is one hostile request. want is WordPress's answer, "STATUS" or
// "STATUS code"; alt lists other answers the brief accepts for the case
// (each explained where it is used). When the answer is 201, then says what
// processing must come to: "failed" (with a reason), "ready", or "settled"
// (ready, or failed with a reason: WordPress has no asynchronous state to
// compare with, the point is that it ends).
type hxCase struct {
	name  string
	send  func(t *testing.T) wpResponse
	want  string
	alt   []string
	then  string
	check func(t *testing.T, r wpResponse) // on the immediate answer
	final func(t *testing.T, a attachment) // on the processed item
}

func hxMatches(r wpResponse, want string) bool {
	status, code, _ := strings.Cut(want, " ")
	return fmt.Sprint(r.status) == status && (code == "" || r.code() == code)
}

// hxUploadsRE is a stored file's URL path: right under
// /wp-content/uploads/YYYY/MM/.
var hxUploadsRE = regexp.MustCompile(`^/wp-content/uploads/\d{4}/\d{2}/([^/]+)$`)

// hxStoredName checks that an upload's file sits under
// /wp-content/uploads/YYYY/MM/ with a name free of control characters,
// separators and markup, and returns that name.
func hxStoredName(t *testing.T, r wpResponse) string {
	t.Helper()
	var a attachment
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	u, err := url.Parse(a.SourceURL)
	if err != nil {
		t.Fatalf("source_url %q: %v", a.SourceURL, err)
	}
	m := hxUploadsRE.FindStringSubmatch(u.EscapedPath())
	if m == nil || strings.Contains(u.Path, "..") {
		t.Errorf("source_url %q is not a file right under /wp-content/uploads/YYYY/MM/", a.SourceURL)
		return ""
	}
	if ok, _ := regexp.MatchString(`^\d{4}/\d{2}/[^/]+$`, a.MediaDetails.File); !ok {
		t.Errorf("media_details.file %q is not YYYY/MM/name", a.MediaDetails.File)
	}
	name, _ := url.PathUnescape(m[1])
	for _, r := range name {
		if unicode.IsControl(r) || strings.ContainsRune(`/\<>"'`, r) {
			t.Errorf("stored name %q keeps %q", name, r)
		}
	}
	return name
}

func hxWantName(want string) func(t *testing.T, r wpResponse) {
	return func(t *testing.T, r wpResponse) {
		t.Helper()
		if got := hxStoredName(t, r); got != want {
			t.Errorf("stored name %q, WordPress stores %q", got, want)
		}
	}
}

func TestHostileInput(t *testing.T) {
	dir := testdataDir(t)
	const maxUpload = 1000000
	s := startStackEnv(t, 1, map[string]string{"PIXELMILL_MAX_UPLOAD_BYTES": fmt.Sprint(maxUpload)})
	admin := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
	anon := wpClient{t: t, base: s.base}
	author, _ := wpUser(t, admin, "hostile-author", "author")

	jpg, err := os.ReadFile(filepath.Join(dir, "photo-640x480.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	truncated, err := os.ReadFile(filepath.Join(dir, "truncated.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	smallPNG := hxSmallPNG(t)
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>`)
	php := []byte("<?php system($_GET['c']); ?>\n")
	big := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{0x42}, 3<<20)...)

	// Targets of the update and edit cases: ready items.
	var target attachment
	r := hxRaw(t, author, "target.jpg", jpg, nil)
	expect(t, r, 201, "")
	r.json(t, &target)
	var editSrc attachment
	r = hxRaw(t, admin, "editsrc.jpg", jpg, nil)
	expect(t, r, 201, "")
	r.json(t, &editSrc)
	target, editSrc = s.waitDone(t, target.ID), s.waitDone(t, editSrc.ID)
	if target.ProcessingStatus != "ready" || editSrc.ProcessingStatus != "ready" {
		t.Fatalf("fixtures: %s %s", target.ProcessingStatus, editSrc.ProcessingStatus)
	}
	targetPath := fmt.Sprintf("%s/%d", hxMedia, target.ID)
	editPath := fmt.Sprintf("%s/%d/edit", hxMedia, editSrc.ID)
	jsonH := map[string]string{"Content-Type": "application/json"}
	formH := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	editForm := func(v url.Values) func(t *testing.T) wpResponse {
		return func(t *testing.T) wpResponse {
			v.Set("src", editSrc.SourceURL)
			return hxDo(t, admin, "POST", editPath, strings.NewReader(v.Encode()), formH)
		}
	}
	editJSON := func(rest string) func(t *testing.T) wpResponse {
		return func(t *testing.T) wpResponse {
			return hxDo(t, admin, "POST", editPath, strings.NewReader(`{"src":"`+editSrc.SourceURL+`",`+rest+`}`), jsonH)
		}
	}
	get := func(c wpClient, path string) func(t *testing.T) wpResponse {
		return func(t *testing.T) wpResponse { return hxDo(t, c, "GET", path, nil, nil) }
	}
	list := func(query string) func(t *testing.T) wpResponse { return get(anon, hxMedia+"?"+query) }
	isList := func(t *testing.T, r wpResponse) []map[string]any {
		t.Helper()
		var items []map[string]any
		if err := json.Unmarshal(r.body, &items); err != nil {
			t.Errorf("not a JSON list: %v: %.200s", err, r.body)
		}
		return items
	}
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	sum := md5.Sum(jpg)

	cases := []hxCase{
		// Bodies that are empty, cut short or lie about being images.
		{name: "raw upload with an empty body", want: "400 rest_upload_no_data",
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, "empty.jpg", nil, nil) }},
		// WordPress: _wp_handle_upload "File is empty. …" → 500 rest_upload_unknown_error (spec §6.4).
		{name: "multipart with an empty file part", want: "500 rest_upload_unknown_error",
			send: func(t *testing.T) wpResponse {
				return hxMultipart(t, author, nil, hxPart{field: "file", filename: "empty.jpg", contentType: "image/jpeg"})
			}},
		{name: "truncated JPEG", want: "201", then: "failed",
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, "truncated.jpg", truncated, nil) }},
		{name: "header-only JPEG (first 200 bytes)", want: "201", then: "failed",
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, "header-only.jpg", jpg[:200], nil) }},
		{name: "text named .jpg", want: "500 rest_upload_sideload_error",
			send: func(t *testing.T) wpResponse {
				return hxRaw(t, author, "notes.jpg", []byte("just some text, not a picture\n"), nil)
			}},
		// A header claiming 900 megapixels: refused at the door, or
		// accepted and failed by the worker's pixel limit.
		{name: "PNG header claiming 30000x30000", want: "201", then: "failed",
			alt:  []string{"500 rest_upload_sideload_error"},
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, "bomb.png", hxPNGHeader(30000, 30000), nil) }},
		{name: "JPEG whose SOF claims 65535x65535", want: "201", then: "failed",
			alt: []string{"500 rest_upload_sideload_error"},
			send: func(t *testing.T) wpResponse {
				return hxRaw(t, author, "bomb.jpg", hxJPEGClaiming(t, jpg, 65535, 65535), nil)
			}},
		// WordPress would take it (a valid 1×1 image); Pixelmill's frame
		// limit (PIXELMILL_MAX_FRAMES, issue 5) refuses it from the header,
		// before a worker spends time frame by frame.
		{name: "GIF with 2000 1x1 frames", want: "201", then: "failed",
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, "frames.gif", hxManyFrameGIF(t, 2000), nil) },
			final: func(t *testing.T, a attachment) {
				if !strings.Contains(a.ProcessingError, "too many frames") {
					t.Errorf("2000-frame GIF failed with %q", a.ProcessingError)
				}
			}},
		{name: "JPEG with an EXIF IFD loop", want: "201", then: "settled",
			send: func(t *testing.T) wpResponse {
				b, _ := os.ReadFile(filepath.Join(dir, "exif", "corrupt", "infinite_loop_exif.jpg"))
				return hxRaw(t, author, "exif-loop.jpg", b, nil)
			}},
		{name: "JPEG with an EXIF count of 2^32-1", want: "201", then: "settled",
			send: func(t *testing.T) wpResponse {
				b, _ := os.ReadFile(filepath.Join(dir, "exif", "corrupt", "max_uint32_exif.jpg"))
				return hxRaw(t, author, "exif-max.jpg", b, nil)
			}},
		{name: "JPEG with a huge EXIF tag", want: "201", then: "settled",
			send: func(t *testing.T) wpResponse {
				b, _ := os.ReadFile(filepath.Join(dir, "exif", "corrupt", "huge_tag_exif.jpg"))
				return hxRaw(t, author, "exif-huge.jpg", b, nil)
			}},

		// Types WordPress refuses (an author has no unfiltered_html).
		{name: "PHP script, raw", want: "500 rest_upload_sideload_error",
			send: func(t *testing.T) wpResponse {
				return hxRaw(t, author, "shell.php", php, map[string]string{"Content-Type": "application/x-php"})
			}},
		{name: "PHP script, multipart", want: "500 rest_upload_unknown_error",
			send: func(t *testing.T) wpResponse {
				return hxMultipart(t, author, nil, hxPart{field: "file", filename: "shell.php", contentType: "application/x-php", data: php})
			}},
		{name: "HTML page", want: "500 rest_upload_sideload_error",
			send: func(t *testing.T) wpResponse {
				return hxRaw(t, author, "page.html", []byte("<html><body><script>alert(1)</script></body></html>"), map[string]string{"Content-Type": "text/html"})
			}},
		{name: "JavaScript file", want: "500 rest_upload_sideload_error",
			send: func(t *testing.T) wpResponse {
				return hxRaw(t, author, "app.js", []byte("fetch('/wp-json/wp/v2/users/me').then(r=>r.text()).then(alert)"), map[string]string{"Content-Type": "text/javascript"})
			}},
		{name: "SVG with <script>, raw", want: "500 rest_upload_sideload_error",
			send: func(t *testing.T) wpResponse {
				return hxRaw(t, author, "logo.svg", svg, map[string]string{"Content-Type": "image/svg+xml"})
			}},
		{name: "SVG with <script>, multipart image/svg+xml", want: "500 rest_upload_unknown_error",
			send: func(t *testing.T) wpResponse {
				return hxMultipart(t, author, nil, hxPart{field: "file", filename: "logo.svg", contentType: "image/svg+xml", data: svg})
			}},
		{name: "JPEG bytes named shell.php", want: "500 rest_upload_sideload_error",
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, "shell.php", jpg, nil) }},
		{name: "right-to-left override hiding .php", want: "500 rest_upload_sideload_error",
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, "invoice\u202egpj.php", jpg, nil) }},
		{name: "double extension x.php.jpg", want: "201", then: "ready", check: hxWantName("x.php_.jpg"),
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, "x.php.jpg", jpg, nil) }},

		// Mislabelled types: the bytes decide.
		{name: "PNG bytes named .gif", want: "201", then: "ready", check: func(t *testing.T, r wpResponse) {
			var a attachment
			r.json(t, &a)
			if name := hxStoredName(t, r); a.MIME != "image/png" || name != "mislabelled.png" {
				t.Errorf("PNG named .gif: mime %s, stored %q; WordPress stores image/png mislabelled.png", a.MIME, name)
			}
		}, send: func(t *testing.T) wpResponse { return hxRaw(t, author, "mislabelled.gif", smallPNG, nil) }},
		{name: "GIF/PHP polyglot named .gif", want: "201", then: "failed",
			send: func(t *testing.T) wpResponse {
				return hxRaw(t, author, "polyglot.gif", append([]byte("GIF89a"), php...), nil)
			},
			final: func(t *testing.T, a attachment) {
				resp, err := hxHTTP.Get(a.SourceURL)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if ct := resp.Header.Get("Content-Type"); resp.StatusCode == 200 && (ct != "image/gif" || resp.Header.Get("X-Content-Type-Options") != "nosniff") {
					t.Errorf("polyglot served as %q, nosniff %q", ct, resp.Header.Get("X-Content-Type-Options"))
				}
			}},

		// Names: traversal, markup, control characters, length.
		{name: "path traversal ../../etc/passwd.jpg", want: "201", then: "ready", check: hxWantName("etcpasswd.jpg"),
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, "../../etc/passwd.jpg", jpg, nil) }},
		{name: `backslash traversal ..\..\windows\win.ini.jpg`, want: "201", then: "ready", check: hxWantName("windowswin.ini_.jpg"),
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, `..\..\windows\win.ini.jpg`, jpg, nil) }},
		{name: "HTML in a raw filename", want: "201", then: "ready", check: func(t *testing.T, r wpResponse) {
			hxWantName("img-srcx-onerroralert1.jpg")(t, r)
			// description.rendered is WordPress's own <img> of the file;
			// the client's markup must not come back as markup anywhere.
			if bytes.Contains(r.body, []byte("onerror=")) || bytes.Contains(r.body, []byte("src=x")) {
				t.Errorf("response echoes the markup: %.300s", r.body)
			}
		}, send: func(t *testing.T) wpResponse { return hxRaw(t, author, "<img src=x onerror=alert(1)>.jpg", jpg, nil) }},
		{name: "HTML in a multipart filename", want: "201", then: "ready", check: func(t *testing.T, r wpResponse) {
			hxStoredName(t, r)
			var a map[string]any
			r.json(t, &a)
			if title := fmt.Sprint(a["title"]); strings.Contains(title, "<") {
				t.Errorf("title keeps markup: %s", title)
			}
		}, send: func(t *testing.T) wpResponse {
			return hxMultipart(t, author, nil, hxPart{field: "file", filename: `<script>alert("x")</script><img src=x onerror=alert(1)>.jpg`, contentType: "image/jpeg", data: jpg})
		}},
		// PHP's multipart parser takes any byte in a filename; Go's
		// (net/textproto) refuses control characters in part headers. The
		// answer is WordPress's upload error and nothing is stored.
		{name: "NUL in a multipart filename", want: "500 rest_upload_unknown_error", send: func(t *testing.T) wpResponse {
			return hxMultipart(t, author, nil, hxPart{field: "file", filename: "nul\x00byte.php\x00.jpg", contentType: "image/jpeg", data: jpg})
		}},
		{name: "ESC and DEL in a multipart filename", want: "500 rest_upload_unknown_error", send: func(t *testing.T) wpResponse {
			return hxMultipart(t, author, nil, hxPart{field: "file", filename: "esc\x1b[31mred\x7fdel\x01.jpg", contentType: "image/jpeg", data: jpg})
		}},
		{name: "tab and zero-width characters in a raw filename", want: "201", then: "ready", check: func(t *testing.T, r wpResponse) {
			if name := hxStoredName(t, r); !strings.HasSuffix(name, ".jpg") || !strings.HasPrefix(name, "tab") || strings.Contains(name, "\t") {
				t.Errorf("stored name %q", name)
			}
		}, send: func(t *testing.T) wpResponse { return hxRaw(t, author, "tab\tzero\u200bwidth.jpg", jpg, nil) }},
		{name: "300-character filename", want: "201", then: "ready", check: func(t *testing.T, r wpResponse) {
			if name := hxStoredName(t, r); len(name) > 255 || !strings.HasSuffix(name, ".jpg") || !strings.HasPrefix(name, "aaaa") {
				t.Errorf("stored name of %d bytes: %q", len(name), name)
			}
		}, send: func(t *testing.T) wpResponse { return hxRaw(t, author, strings.Repeat("a", 296)+".jpg", jpg, nil) }},
		{name: "filename that is only an extension", want: "201", then: "ready", check: hxWantName("unnamed-file.jpg"),
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, ".jpg", jpg, nil) }},
		{name: "filename ..", want: "500 rest_upload_sideload_error",
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, "..", jpg, nil) }},

		// Size, hashes and dispositions.
		{name: "3 MB raw body over a 1 MB limit", want: "413 rest_upload_file_too_big",
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, "big.jpg", big, nil) }},
		{name: "3 MB multipart over a 1 MB limit", want: "413 rest_upload_file_too_big",
			send: func(t *testing.T) wpResponse {
				return hxMultipart(t, author, nil, hxPart{field: "file", filename: "big.jpg", contentType: "image/jpeg", data: big})
			}},
		{name: "Content-MD5 garbage, raw", want: "412 rest_upload_hash_mismatch",
			send: func(t *testing.T) wpResponse {
				return hxRaw(t, author, "md5.jpg", jpg, map[string]string{"Content-MD5": "'; DROP TABLE media; --"})
			}},
		// WordPress compares with the hex digest only; RFC 1864's base64 form does not match.
		{name: "Content-MD5 in base64, raw", want: "412 rest_upload_hash_mismatch",
			send: func(t *testing.T) wpResponse {
				return hxRaw(t, author, "md5.jpg", jpg, map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])})
			}},
		{name: "Content-MD5 garbage, multipart", want: "412 rest_upload_hash_mismatch",
			send: func(t *testing.T) wpResponse {
				return hxMultipart(t, author, map[string]string{"Content-MD5": strings.Repeat("z", 4096)}, hxPart{field: "file", filename: "md5.jpg", contentType: "image/jpeg", data: jpg})
			}},
		{name: "Content-Disposition with only filename*=", want: "400 rest_upload_invalid_disposition",
			send: func(t *testing.T) wpResponse {
				return hxDo(t, author, "POST", hxMedia, bytes.NewReader(jpg), map[string]string{"Content-Type": "image/jpeg", "Content-Disposition": "attachment; filename*=UTF-8''photo.jpg"})
			}},
		{name: `Content-Disposition with filename=""`, want: "400 rest_upload_invalid_disposition",
			send: func(t *testing.T) wpResponse { return hxRaw(t, author, "", jpg, nil) }},
		// PHP fills neither $_FILES nor php://input for a multipart body
		// without a file: WordPress takes the raw path with no data.
		{name: "multipart with no file part", want: "400 rest_upload_no_data",
			send: func(t *testing.T) wpResponse {
				return hxMultipart(t, author, nil, hxPart{field: "title", data: []byte("no file here")})
			}},
		{name: "multipart without a boundary", want: "400 rest_upload_no_data",
			send: func(t *testing.T) wpResponse {
				return hxDo(t, author, "POST", hxMedia, bytes.NewReader(jpg), map[string]string{"Content-Type": "multipart/form-data"})
			}},
		{name: "multipart with two file parts", want: "201", then: "ready",
			send: func(t *testing.T) wpResponse {
				return hxMultipart(t, author, nil,
					hxPart{field: "file", filename: "first.jpg", contentType: "image/jpeg", data: jpg},
					hxPart{field: "file", filename: "second.png", contentType: "image/png", data: smallPNG})
			},
			final: func(t *testing.T, a attachment) {
				t.Logf("two file parts: stored %s (%s)", a.MediaDetails.File, a.MIME)
			}},
		// PHP: UPLOAD_ERR_PARTIAL, "The uploaded file was only partially uploaded."
		{name: "multipart cut off in the middle of the file", want: "500 rest_upload_unknown_error",
			send: func(t *testing.T) wpResponse {
				body, ct := hxMultipartBody(hxPart{field: "file", filename: "cut.jpg", contentType: "image/jpeg", data: jpg})
				return hxDo(t, author, "POST", hxMedia, bytes.NewReader(body[:len(body)/2]), map[string]string{"Content-Type": ct})
			}},

		// Updates.
		{name: "update with malformed JSON", want: "400 rest_invalid_json",
			send: func(t *testing.T) wpResponse {
				return hxDo(t, author, "PATCH", targetPath, strings.NewReader(`{"title": "x", "caption": `), jsonH)
			}},
		{name: "update with JSON nested 100000 deep", want: "400 rest_invalid_json",
			send: func(t *testing.T) wpResponse {
				return hxDo(t, author, "POST", targetPath, strings.NewReader(`{"title":`+deep+`}`), jsonH)
			}},
		{name: "update of id 99999999999999999999", want: "404 rest_post_invalid_id",
			send: func(t *testing.T) wpResponse {
				return hxDo(t, author, "POST", hxMedia+"/99999999999999999999", strings.NewReader("title=x"), formH)
			}},
		{name: "get id -1", want: "404 rest_no_route", send: get(anon, hxMedia+"/-1")},
		{name: "PUT on the collection", want: "404 rest_no_route",
			send: func(t *testing.T) wpResponse {
				return hxDo(t, admin, "PUT", hxMedia, strings.NewReader(`{"title":"x"}`), jsonH)
			}},

		// List parameters.
		{name: "per_page=-1", want: "400 rest_invalid_param", send: list("per_page=-1")},
		{name: "per_page=1e3", want: "400 rest_invalid_param", send: list("per_page=1e3")},
		{name: "page=0", want: "400 rest_invalid_param", send: list("page=0")},
		{name: "orderby=id;DROP TABLE media", want: "400 rest_invalid_param", send: list("orderby=" + url.QueryEscape("id;DROP TABLE media"))},
		{name: "order=ASC (enums are case-sensitive)", want: "400 rest_invalid_param", send: list("order=ASC")},
		{name: "include=1' OR 1=1", want: "400 rest_invalid_param", send: list("include=1%27%20OR%201=1")},
		{name: "author=1 OR 1=1", want: "400 rest_invalid_param", send: list("author=" + url.QueryEscape("1 OR 1=1"))},
		{name: "search=';--", want: "200", send: list("search=%27%3B--"), check: func(t *testing.T, r wpResponse) {
			if items := isList(t, r); len(items) != 0 {
				t.Errorf("search=';-- matched %d items", len(items))
			}
		}},
		{name: "search of 20 kB of LIKE wildcards", want: "200", send: list("search=" + url.QueryEscape(strings.Repeat("%_\\'", 5000))),
			check: func(t *testing.T, r wpResponse) {
				if items := isList(t, r); len(items) != 0 {
					t.Errorf("wildcards matched %d items", len(items))
				}
			}},
		// MySQL compares a NUL like any byte: WordPress finds nothing.
		{name: "search=%00", want: "200", send: list("search=a%00b"),
			check: func(t *testing.T, r wpResponse) { isList(t, r) }},
		{name: "slug=../../etc/passwd", want: "200", send: list("slug=" + url.QueryEscape("../../etc/passwd")),
			check: func(t *testing.T, r wpResponse) {
				if items := isList(t, r); len(items) != 0 {
					t.Errorf("slug matched %d items", len(items))
				}
			}},
		{name: "after=2020-13-45", want: "400 rest_invalid_param", send: list("after=2020-13-45")},
		{name: "status=any", want: "400 rest_invalid_param", send: list("status=any")},
		{name: "context=<script>", want: "400 rest_invalid_param", send: list("context=%3Cscript%3E")},
		// wp_parse_list("") is empty: WordPress answers every field.
		{name: "_fields= (empty)", want: "200", send: list("_fields="), check: func(t *testing.T, r wpResponse) {
			for _, it := range isList(t, r) {
				if it["source_url"] == nil || it["_links"] == nil {
					t.Errorf("_fields= cut the item to %v", slices.Sorted(func(yield func(string) bool) {
						for k := range it {
							if !yield(k) {
								return
							}
						}
					}))
					break
				}
			}
		}},
		{name: "_fields=__proto__,constructor,../../id", want: "200", send: list("_fields=__proto__,constructor,../../id"),
			check: func(t *testing.T, r wpResponse) {
				for _, it := range isList(t, r) {
					if len(it) != 1 || it["id"] == nil {
						t.Errorf("item %v, want only id", it)
						break
					}
				}
			}},
		{name: "_fields=title.raw.x.y.z,media_details.sizes.full.nope", want: "200", send: list("_fields=title.raw.x.y.z,media_details.sizes.full.nope"),
			check: func(t *testing.T, r wpResponse) { isList(t, r) }},

		// /edit.
		{name: "edit crop x=101", want: "400 rest_invalid_param", send: editForm(url.Values{"x": {"101"}, "y": {"0"}, "width": {"10"}, "height": {"10"}})},
		// WordPress validates 0..100 and then fails crop(0,0,0,240):
		// 500 rest_image_crop_failed. Accepted here, the new item must end
		// failed with a reason.
		{name: "edit crop width=0", want: "500 rest_image_crop_failed", alt: []string{"201"}, then: "failed",
			send: editForm(url.Values{"x": {"0"}, "y": {"0"}, "width": {"0"}, "height": {"50"}})},
		{name: "edit rotation=-5", want: "400 rest_invalid_param", send: editForm(url.Values{"rotation": {"-5"}})},
		{name: "edit modifiers not an array", want: "400 rest_invalid_param", send: editJSON(`"modifiers":"rotate"`)},
		{name: "edit modifiers object instead of list", want: "400 rest_invalid_param", send: editJSON(`"modifiers":{"type":"rotate","args":{"angle":90}}`)},
		{name: "edit crop modifier outside the image", want: "500 rest_image_crop_failed", alt: []string{"400 rest_invalid_param", "201"}, then: "failed",
			send: editJSON(`"modifiers":[{"type":"crop","args":{"left":200,"top":200,"width":50,"height":50}}]`)},
		{name: "edit with JSON nested 100000 deep", want: "400 rest_invalid_json", send: editJSON(`"modifiers":` + deep)},
		{name: "edit with src=../../etc/passwd", want: "404 rest_unknown_attachment",
			send: func(t *testing.T) wpResponse {
				return hxDo(t, admin, "POST", editPath, strings.NewReader(url.Values{"src": {"../../../../etc/passwd"}, "rotation": {"90"}}.Encode()), formH)
			}},

		// File URLs and credentials.
		{name: "uploads path with encoded ../", want: "404",
			send: get(anon, "/wp-content/uploads/%2e%2e/%2e%2e/%2e%2e/etc/passwd")},
		{name: "uploads path with encoded slashes", want: "404",
			send: get(anon, "/wp-content/uploads/2020/01/..%2f..%2fmedia%2foriginal")},
		{name: "garbage Basic credentials", want: "200",
			send: func(t *testing.T) wpResponse {
				return hxDo(t, anon, "GET", hxMedia, nil, map[string]string{"Authorization": "Basic !!!not-base64!!!"})
			}},
		{name: "wrong application password", want: "401 incorrect_password",
			send: get(wpClient{t: t, base: s.base, login: "hostile-author", pass: "abcd efgh ijkl mnop qrst uvwx"}, hxMedia)},
	}

	type pending struct {
		c  hxCase
		id int64
	}
	var later []pending
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.send(t)
			ok := hxMatches(r, c.want)
			for _, a := range c.alt {
				ok = ok || hxMatches(r, a)
			}
			if r.status == http.StatusInternalServerError && r.code() == "rest_internal_error" {
				t.Logf("API log: %s", hxLastLine(s.apiLog.String(), `"wp_error"`, `"status":500`))
			}
			if r.status == http.StatusCreated {
				// Accepted, rightly or not: what became of it is
				// checked below, and the item counts in the consistency
				// check.
				var a attachment
				r.json(t, &a)
				later = append(later, pending{c, a.ID})
			}
			if !ok {
				t.Errorf("got %d %s, WordPress answers %s: %.400s", r.status, r.code(), c.want, r.body)
				return
			}
			if _, code, _ := strings.Cut(c.want, " "); r.status >= 400 && code != "" {
				var e struct {
					Code    string `json:"code"`
					Message string `json:"message"`
					Data    struct {
						Status int `json:"status"`
					} `json:"data"`
				}
				if json.Unmarshal(r.body, &e) != nil || e.Code == "" || e.Message == "" || e.Data.Status != r.status ||
					!strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
					t.Errorf("not WordPress's error body: %q %.300s", r.header.Get("Content-Type"), r.body)
				}
			}
			if c.check != nil && r.status < 300 {
				c.check(t, r)
			}
		})
	}

	// Processing outcomes, waited for together.
	for _, p := range later {
		t.Run(p.c.name+"/processed", func(t *testing.T) {
			a, ok := hxWait(t, admin, p.id, 90*time.Second)
			if !ok {
				return
			}
			switch {
			case p.c.then == "ready" && a.ProcessingStatus != "ready":
				t.Errorf("ended %s (%s), want ready", a.ProcessingStatus, a.ProcessingError)
			case p.c.then == "failed" && (a.ProcessingStatus != "failed" || a.ProcessingError == ""):
				t.Errorf("ended %s with error %q, want failed with a reason", a.ProcessingStatus, a.ProcessingError)
			case p.c.then == "" && a.ProcessingStatus == "ready":
				t.Errorf("the request should have been refused (%s), and its item even ended ready", p.c.want)
			case a.ProcessingStatus == "failed" && a.ProcessingError == "":
				t.Errorf("failed without a reason")
			}
			t.Logf("media %d: %s %s %q", a.ID, a.ProcessingStatus, a.MediaDetails.File, a.ProcessingError)
			if p.c.final != nil {
				p.c.final(t, a)
			}
		})
	}

	t.Run("the stack is still healthy", func(t *testing.T) {
		resp, err := hxHTTP.Get(s.base + "/readyz")
		if err != nil {
			t.Fatalf("readyz: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("readyz %d %s", resp.StatusCode, body)
		}
		r := hxRaw(t, author, "after-all.jpg", jpg, nil)
		expect(t, r, 201, "")
		var a attachment
		r.json(t, &a)
		if a, ok := hxWait(t, admin, a.ID, 60*time.Second); ok && a.ProcessingStatus != "ready" {
			t.Errorf("a good upload after the hostile ones: %s %s", a.ProcessingStatus, a.ProcessingError)
		}
		if strings.Contains(s.apiLog.String(), `"http_panic"`) {
			t.Errorf("the API panicked:\n%s", lineWith(s.apiLog.String(), "http_panic"))
		}
		for _, w := range s.workers {
			if out := w.out.String(); strings.Contains(out, "panic:") || strings.Contains(out, "SIGSEGV") || strings.Contains(out, "fatal error:") {
				t.Errorf("%s crashed:\n%s", w.name, out[max(0, len(out)-4000):])
			}
		}
	})

	t.Run("nothing half-written", func(t *testing.T) {
		hxCheckConsistency(t, s)
	})
}

// hxLastLine is the last line of text containing every one of subs.
func hxLastLine(text string, subs ...string) string {
	lines := strings.Split(text, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		all := true
		for _, sub := range subs {
			all = all && strings.Contains(lines[i], sub)
		}
		if all {
			return lines[i]
		}
	}
	return ""
}

// hxWait polls an item until it leaves "processing", within timeout; a
// timeout is a failure of the case (a hang), not of the whole test.
func hxWait(t *testing.T, c wpClient, id int64, timeout time.Duration) (attachment, bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r := hxDo(t, c, "GET", fmt.Sprintf("%s/%d?context=edit", hxMedia, id), nil, nil)
		var a attachment
		if r.status == 200 && json.Unmarshal(r.body, &a) == nil && a.ProcessingStatus != "processing" {
			return a, true
		}
		if r.status != 200 {
			t.Errorf("GET media %d: %d %s", id, r.status, r.body)
			return a, false
		}
		if time.Now().After(deadline) {
			t.Errorf("media %d still %s after %s", id, a.ProcessingStatus, timeout)
			return a, false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// hxCheckConsistency matches Postgres against the bucket: every media row
// has an original-file row, every upload's original object exists, and
// every object under media/<uuid>/ belongs to a row.
func hxCheckConsistency(t *testing.T, s *stack) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := postgrestest.Open(t, s.dbURL)
	rows, err := db.Pool.Query(ctx, `
		SELECT m.id, m.key::text, m.status, m.parent_media_id IS NOT NULL, coalesce(f.key, '')
		FROM media m LEFT JOIN media_files f ON f.media_id = m.id AND f.role = 'original'
		ORDER BY m.id`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id          int64
		key, status string
		edited      bool
		original    string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.key, &r.status, &r.edited, &r.original); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	store := s.objects(t)
	objects, err := store.ListInfo(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, o := range objects {
		stored[o.Key] = true
	}
	keys := map[string]bool{}
	for _, r := range all {
		keys[r.key] = true
		switch {
		case r.original == "":
			t.Errorf("media %d (%s) has no original-file row", r.id, r.status)
		case r.original != objstore.OriginalKey(r.key):
			t.Errorf("media %d: original row points at %s, outside media/%s/", r.id, r.original, r.key)
		case !stored[r.original] && r.edited && r.status == "failed":
			// An /edit item's original is what its worker makes; a failed
			// edit never made one. WordPress would have answered the edit
			// with a 500 and stored nothing.
			t.Logf("media %d: failed edit without an original object (its URL answers 404)", r.id)
		case !stored[r.original]:
			t.Errorf("media %d (%s): original %s is not in the bucket", r.id, r.status, r.original)
		}
	}
	for _, o := range objects {
		k, ok := objstore.MediaKeyOf(o.Key)
		if !ok {
			t.Errorf("object %s is outside the key layout", o.Key)
			continue
		}
		if !keys[k] {
			t.Errorf("object %s belongs to no media row", o.Key)
		}
	}
	t.Logf("%d media rows, %d objects", len(all), len(objects))
}
