package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/webhook"
	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

// v1Client calls the live /v1 API with one API key (empty: none).
type v1Client struct {
	t    *testing.T
	base string
	key  string
}

type v1Envelope struct {
	Data  json.RawMessage `json:"data"`
	Error *struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Details json.RawMessage `json:"details"`
	} `json:"error"`
	Meta struct {
		RequestID string `json:"request_id"`
		Timestamp string `json:"timestamp"`
	} `json:"meta"`
}

type v1Response struct {
	status int
	header http.Header
	body   []byte
	env    v1Envelope
	at     time.Time // when the answer arrived
}

func (r v1Response) data(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.env.Data, v); err != nil {
		t.Fatalf("decode data of %s: %v", r.body, err)
	}
}

func (r v1Response) code() string {
	if r.env.Error == nil {
		return ""
	}
	return r.env.Error.Code
}

func (c v1Client) do(method, path string, body io.Reader, header map[string]string) v1Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := v1Response{status: resp.StatusCode, header: resp.Header, body: b, at: time.Now()}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && path != "/v1/openapi.json" {
		if err := json.Unmarshal(b, &r.env); err != nil {
			c.t.Fatalf("%s %s: body is not an envelope: %s", method, path, b)
		}
	}
	return r
}

func (c v1Client) json(method, path string, v any) v1Response {
	c.t.Helper()
	b, _ := json.Marshal(v)
	return c.do(method, path, bytes.NewReader(b), map[string]string{"Content-Type": "application/json"})
}

// v1Expect checks status and error code, and the invariants of every
// answer: the envelope, its meta and the rate-limit headers.
func v1Expect(t *testing.T, r v1Response, status int, code string) {
	t.Helper()
	if r.status != status || r.code() != code {
		t.Fatalf("got %d %q, want %d %q: %s", r.status, r.code(), status, code, r.body)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
	}
	if code != "" && string(r.env.Data) != "null" {
		t.Fatalf("error answer with data: %s", r.body)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`).MatchString(r.env.Meta.Timestamp) || r.env.Meta.RequestID == "" {
		t.Fatalf("meta %+v", r.env.Meta)
	}
	limit, err1 := strconv.Atoi(r.header.Get("X-RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(r.header.Get("X-RateLimit-Remaining"))
	reset, err3 := strconv.ParseInt(r.header.Get("X-RateLimit-Reset"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || limit < 1 || remaining < 0 || remaining > limit || reset < time.Now().Unix()-1 {
		t.Fatalf("rate-limit headers: limit %q remaining %q reset %q", r.header.Get("X-RateLimit-Limit"), r.header.Get("X-RateLimit-Remaining"), r.header.Get("X-RateLimit-Reset"))
	}
}

// v1Item is the dialect's media item.
type v1Item struct {
	MediaID       string   `json:"media_id"`
	MediaIDs      []string `json:"media_ids"`
	Status        string   `json:"status"`
	Type          string   `json:"type"`
	Filename      string   `json:"filename"`
	ContentType   string   `json:"content_type"`
	Size          int64    `json:"size"`
	Width         *int     `json:"width"`
	Height        *int     `json:"height"`
	Duration      *float64 `json:"duration"`
	FailureReason *string  `json:"failure_reason"`
	CreatedAt     string   `json:"created_at"`
	NextStep      string   `json:"next_step"`
}

type v1Upload struct {
	MediaID      string `json:"media_id"`
	UploadURL    string `json:"upload_url"`
	UploadMethod struct {
		Method      string            `json:"method"`
		ContentType string            `json:"content_type"`
		Headers     map[string]string `json:"headers"`
	} `json:"upload_method"`
	ExpiresIn int    `json:"expires_in"`
	MaxSize   int64  `json:"max_size"`
	NextStep  string `json:"next_step"`
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// newAPIKey creates a key as the administrator.
func newAPIKey(t *testing.T, base string, body map[string]any) v1Client {
	t.Helper()
	admin := wpClient{t: t, base: base, login: "admin", pass: adminPassword}
	b, _ := json.Marshal(body)
	r := admin.do("POST", "/v1/api-keys", bytes.NewReader(b), map[string]string{"Content-Type": "application/json"})
	if r.status != 201 {
		t.Fatalf("create key: %d %s", r.status, r.body)
	}
	var env struct {
		Data struct {
			Key string `json:"key"`
		} `json:"data"`
	}
	r.json(t, &env)
	return v1Client{t: t, base: base, key: env.Data.Key}
}

// putUpload sends body to a presigned URL as its upload_method says.
func putUpload(t *testing.T, up v1Upload, body io.Reader, size int64, contentType string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(up.UploadMethod.Method, up.UploadURL, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// beginUpload is step 1 for a file of size bytes.
func (c v1Client) beginUpload(name, contentType string, size int64) v1Upload {
	c.t.Helper()
	r := c.json("POST", "/v1/media/upload", map[string]any{"filename": name, "content_type": contentType, "size": size})
	v1Expect(c.t, r, 201, "")
	var up v1Upload
	r.data(c.t, &up)
	return up
}

// presigned runs the whole flow for a file on disk and returns complete's item.
func (c v1Client) presigned(path, name, contentType string) v1Item {
	c.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatal(err)
	}
	up := c.beginUpload(name, contentType, int64(len(data)))
	if st, body := putUpload(c.t, up, bytes.NewReader(data), int64(len(data)), contentType); st/100 != 2 {
		c.t.Fatalf("PUT to upload_url: %d %s", st, body)
	}
	r := c.do("POST", "/v1/media/"+up.MediaID+"/complete", nil, nil)
	v1Expect(c.t, r, 200, "")
	var it v1Item
	r.data(c.t, &it)
	return it
}

func (c v1Client) multipart(path, name string) v1Response {
	c.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return c.do("POST", "/v1/media", &buf, map[string]string{"Content-Type": mw.FormDataContentType()})
}

func (c v1Client) get(id string) v1Item {
	c.t.Helper()
	r := c.do("GET", "/v1/media/"+id, nil, nil)
	v1Expect(c.t, r, 200, "")
	var it v1Item
	r.data(c.t, &it)
	return it
}

// mp4Header returns the boxes of an MP4 whose media data is mdatSize bytes
// that follow: ftyp, moov (mvhd with the duration, a video track's tkhd
// with its frame size) and the mdat header.
func mp4Header(seconds uint32, width, height uint16, mdatSize int64) []byte {
	box := func(typ string, payload ...[]byte) []byte {
		body := bytes.Join(payload, nil)
		b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
		return append(append(b, typ...), body...)
	}
	mvhd := make([]byte, 100)
	binary.BigEndian.PutUint32(mvhd[12:], 1000)         // timescale
	binary.BigEndian.PutUint32(mvhd[16:], seconds*1000) // duration
	tkhd := make([]byte, 84)
	binary.BigEndian.PutUint32(tkhd[76:], uint32(width)<<16)
	binary.BigEndian.PutUint32(tkhd[80:], uint32(height)<<16)
	ftyp := box("ftyp", []byte("isom"), []byte{0, 0, 2, 0}, []byte("isomiso2mp41"))
	moov := box("moov", box("mvhd", mvhd), box("trak", box("tkhd", tkhd)))
	mdat := binary.BigEndian.AppendUint32(nil, 1)
	mdat = append(mdat, "mdat"...)
	mdat = binary.BigEndian.AppendUint64(mdat, uint64(16+mdatSize))
	return bytes.Join([][]byte{ftyp, moov, mdat}, nil)
}

// zeros reads as n zero bytes without holding them.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

func TestV1API(t *testing.T) {
	dir := testdataDir(t)
	hooks := newHookReceiver(t)
	s := startStackEnv(t, 2, map[string]string{"PIXELMILL_WEBHOOK_ALLOW_PRIVATE": "true"})
	photo := filepath.Join(dir, "photo-640x480.jpg")
	admin := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
	a := newAPIKey(t, s.base, map[string]any{"name": "library A"})
	b := newAPIKey(t, s.base, map[string]any{"name": "library B"})

	t.Run("api keys", func(t *testing.T) {
		anon := wpClient{t: t, base: s.base}
		r := anon.do("POST", "/v1/api-keys", strings.NewReader(`{}`), map[string]string{"Content-Type": "application/json"})
		if r.status != 401 || !strings.Contains(string(r.body), `"unauthorized"`) {
			t.Fatalf("anonymous key creation: %d %s", r.status, r.body)
		}
		author, _ := wpUser(t, admin, "v1author", "author")
		if r := author.do("GET", "/v1/api-keys", nil, nil); r.status != 403 || !strings.Contains(string(r.body), `"forbidden"`) {
			t.Fatalf("author lists keys: %d %s", r.status, r.body)
		}
		for body, code := range map[string]string{`{`: "bad_request", `{"scopes":["admin"]}`: "validation_error", `{"scopes":[]}`: "validation_error", `{"rate_limit":-1}`: "validation_error"} {
			r := admin.do("POST", "/v1/api-keys", strings.NewReader(body), map[string]string{"Content-Type": "application/json"})
			if r.status != 400 || !strings.Contains(string(r.body), `"`+code+`"`) {
				t.Fatalf("create key with %s: %d %s", body, r.status, r.body)
			}
		}
		if !strings.HasPrefix(a.key, "pm_") || len(a.key) < 40 {
			t.Fatalf("key %q", a.key)
		}
		r = admin.do("GET", "/v1/api-keys", nil, nil)
		if r.status != 200 || strings.Contains(string(r.body), a.key) || !strings.Contains(string(r.body), a.key[:9]) {
			t.Fatalf("key list must show prefixes, never keys: %d %s", r.status, r.body)
		}
		doomed := newAPIKey(t, s.base, map[string]any{"name": "doomed"})
		v1Expect(t, doomed.do("GET", "/v1/media", nil, nil), 200, "")
		var list struct {
			Data struct {
				Items []struct {
					ID     int64  `json:"id"`
					Name   string `json:"name"`
					Prefix string `json:"prefix"`
				} `json:"items"`
			} `json:"data"`
		}
		r.json(t, &list)
		r = admin.do("GET", "/v1/api-keys", nil, nil)
		r.json(t, &list)
		var id int64
		for _, k := range list.Data.Items {
			if k.Name == "doomed" && strings.HasPrefix(doomed.key, k.Prefix) {
				id = k.ID
			}
		}
		if r := admin.do("DELETE", fmt.Sprintf("/v1/api-keys/%d", id), nil, nil); r.status != 200 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		v1Expect(t, doomed.do("GET", "/v1/media", nil, nil), 401, "unauthorized")
		if r := admin.do("DELETE", fmt.Sprintf("/v1/api-keys/%d", id), nil, nil); r.status != 404 {
			t.Fatalf("revoke twice: %d %s", r.status, r.body)
		}
	})

	t.Run("auth, envelope and limits", func(t *testing.T) {
		anon := v1Client{t: t, base: s.base}
		r := anon.do("GET", "/v1/media", nil, nil)
		v1Expect(t, r, 401, "unauthorized")
		for _, auth := range []string{"Bearer abc", "Bearer pm_unknownunknownunknownunknownunknownunknown1", "Basic YWRtaW46eA=="} {
			r := anon.do("GET", "/v1/media", nil, map[string]string{"Authorization": auth})
			v1Expect(t, r, 401, "unauthorized")
		}
		r1, r2 := a.do("GET", "/v1/media", nil, nil), a.do("GET", "/api/v1/media", nil, nil)
		v1Expect(t, r1, 200, "")
		v1Expect(t, r2, 200, "")
		if r1.env.Meta.RequestID == r2.env.Meta.RequestID {
			t.Fatalf("request ids repeat: %q", r1.env.Meta.RequestID)
		}
		v1Expect(t, a.do("GET", "/v1/nothing-here", nil, nil), 404, "not_found")
		r = a.do("PUT", "/v1/media", nil, nil)
		v1Expect(t, r, 405, "method_not_allowed")
		if r.header.Get("Allow") != "GET, HEAD, POST" {
			t.Fatalf("Allow %q", r.header.Get("Allow"))
		}
		reader := newAPIKey(t, s.base, map[string]any{"scopes": []string{"read"}})
		v1Expect(t, reader.do("GET", "/v1/media", nil, nil), 200, "")
		v1Expect(t, reader.json("POST", "/v1/media/upload", map[string]any{"filename": "a.jpg", "content_type": "image/jpeg", "size": 10}), 403, "forbidden")

		limited := newAPIKey(t, s.base, map[string]any{"rate_limit": 5})
		for i := 1; i <= 5; i++ {
			r := limited.do("GET", "/v1/media", nil, nil)
			v1Expect(t, r, 200, "")
			if r.header.Get("X-RateLimit-Limit") != "5" || r.header.Get("X-RateLimit-Remaining") != fmt.Sprint(5-i) {
				t.Fatalf("request %d: limit %s remaining %s", i, r.header.Get("X-RateLimit-Limit"), r.header.Get("X-RateLimit-Remaining"))
			}
		}
		r = limited.do("GET", "/v1/media", nil, nil)
		v1Expect(t, r, 429, "rate_limited")
		if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || r.header.Get("X-RateLimit-Remaining") != "0" {
			t.Fatalf("429 headers: Retry-After %q Remaining %q", r.header.Get("Retry-After"), r.header.Get("X-RateLimit-Remaining"))
		}
		// Another key's budget is its own.
		v1Expect(t, b.do("GET", "/v1/media", nil, nil), 200, "")
	})

	t.Run("presigned upload", func(t *testing.T) {
		data, err := os.ReadFile(photo)
		if err != nil {
			t.Fatal(err)
		}
		r := a.json("POST", "/v1/media/upload", map[string]any{"filename": "a.jpg", "content_type": "image/jpeg", "size": len(data)})
		v1Expect(t, r, 201, "")
		var up v1Upload
		r.data(t, &up)
		if !uuidRE.MatchString(up.MediaID) || !strings.HasPrefix(up.UploadURL, "http") || up.UploadMethod.Method != "PUT" ||
			up.ExpiresIn <= 0 || up.MaxSize != 20971520 || up.NextStep == "" {
			t.Fatalf("step 1: %s", r.body)
		}
		// The SDK's file_size works as size.
		v1Expect(t, a.json("POST", "/v1/media/upload", map[string]any{"filename": "b.png", "content_type": "image/png", "file_size": 1000}), 201, "")
		for _, body := range []map[string]any{
			{"content_type": "image/jpeg", "size": 10},
			{"filename": "a.jpg", "size": 10},
			{"filename": "a.jpg", "content_type": "image/jpeg"},
			{"filename": "a.exe", "content_type": "application/x-msdownload", "size": 10},
			{"filename": "a.jpg", "content_type": "image/jpeg", "size": 20971521},
			{"filename": "a.mp4", "content_type": "video/mp4", "size": 524288001},
			{"filename": strings.Repeat("a", 256) + ".jpg", "content_type": "image/jpeg", "size": 10},
		} {
			v1Expect(t, a.json("POST", "/v1/media/upload", body), 400, "validation_error")
		}
		v1Expect(t, a.do("POST", "/v1/media/upload", strings.NewReader("{"), nil), 400, "bad_request")
		v1Expect(t, a.json("POST", "/v1/media/upload", map[string]any{"filename": "big.mp4", "content_type": "video/mp4", "size": 524288000}), 201, "")

		// Before the bytes: processing, no URL of any kind, and complete
		// refuses without changing anything.
		r = a.do("GET", "/v1/media/"+up.MediaID, nil, nil)
		v1Expect(t, r, 200, "")
		if strings.Contains(string(r.body), "url") || strings.Contains(string(r.body), "storage") {
			t.Fatalf("an item shows a URL: %s", r.body)
		}
		if it := a.get(up.MediaID); it.Status != "processing" || it.Size != int64(len(data)) {
			t.Fatalf("before upload: %+v", it)
		}
		v1Expect(t, a.do("POST", "/v1/media/"+up.MediaID+"/complete", nil, nil), 409, "upload_incomplete")
		if it := a.get(up.MediaID); it.Status != "processing" {
			t.Fatalf("after early complete: %+v", it)
		}
		// Storage takes exactly the declared bytes and type, nothing else.
		if st, _ := putUpload(t, up, bytes.NewReader(append(data, 0)), int64(len(data)+1), "image/jpeg"); st/100 == 2 {
			t.Fatalf("a body over the declared size was stored: %d", st)
		}
		if st, _ := putUpload(t, up, bytes.NewReader(data), int64(len(data)), "image/png"); st/100 == 2 {
			t.Fatalf("a body of another content type was stored: %d", st)
		}
		if st, body := putUpload(t, up, bytes.NewReader(data), int64(len(data)), "image/jpeg"); st/100 != 2 {
			t.Fatalf("PUT: %d %s", st, body)
		}
		r = a.do("POST", "/v1/media/"+up.MediaID+"/complete", nil, nil)
		v1Expect(t, r, 200, "")
		var it v1Item
		r.data(t, &it)
		if it.MediaID != up.MediaID || len(it.MediaIDs) != 1 || it.MediaIDs[0] != up.MediaID || it.Type != "image" ||
			it.Width == nil || *it.Width != 640 || *it.Height != 480 || it.Size != int64(len(data)) || it.ContentType != "image/jpeg" ||
			!strings.Contains(it.NextStep, "media_ids") || it.Duration != nil || (it.Status != "processing" && it.Status != "ready") {
			t.Fatalf("complete: %s", r.body)
		}
		r = a.do("GET", "/v1/media/"+up.MediaID+"?wait=30", nil, nil)
		v1Expect(t, r, 200, "")
		r.data(t, &it)
		if it.Status != "ready" || *it.Width != 640 {
			t.Fatalf("after wait: %s", r.body)
		}
		// Complete again: the same item, unchanged.
		r = a.do("POST", "/v1/media/"+up.MediaID+"/complete", nil, nil)
		v1Expect(t, r, 200, "")
		var again v1Item
		r.data(t, &again)
		if again.MediaID != it.MediaID || again.Status != "ready" || again.CreatedAt != it.CreatedAt {
			t.Fatalf("second complete: %s", r.body)
		}
		v1Expect(t, a.do("POST", "/v1/media/00000000-0000-4000-8000-000000000000/complete", nil, nil), 404, "not_found")

		// Bytes of another type than declared: refused, still waiting.
		png, err := os.ReadFile(filepath.Join(dir, "alpha.png"))
		if err != nil {
			t.Fatal(err)
		}
		liar := a.beginUpload("liar.gif", "image/gif", int64(len(png)))
		if st, body := putUpload(t, liar, bytes.NewReader(png), int64(len(png)), "image/gif"); st/100 != 2 {
			t.Fatalf("PUT: %d %s", st, body)
		}
		v1Expect(t, a.do("POST", "/v1/media/"+liar.MediaID+"/complete", nil, nil), 422, "unprocessable_file")
		if it := a.get(liar.MediaID); it.Status != "processing" {
			t.Fatalf("after a refused complete: %+v", it)
		}

		// A corrupt image is accepted and fails in the worker, with a reason.
		truncated, err := os.ReadFile(filepath.Join(dir, "truncated.jpg"))
		if err != nil {
			t.Fatal(err)
		}
		bad := a.beginUpload("bad.jpg", "image/jpeg", int64(len(truncated)))
		if st, body := putUpload(t, bad, bytes.NewReader(truncated), int64(len(truncated)), "image/jpeg"); st/100 != 2 {
			t.Fatalf("PUT: %d %s", st, body)
		}
		v1Expect(t, a.do("POST", "/v1/media/"+bad.MediaID+"/complete", nil, nil), 200, "")
		r = a.do("GET", "/v1/media/"+bad.MediaID+"?wait=30", nil, nil)
		r.data(t, &it)
		if it.Status != "failed" || it.FailureReason == nil || *it.FailureReason == "" {
			t.Fatalf("corrupt image: %s", r.body)
		}

		// A video: its length and frame size come from the container at
		// once; its poster is a worker's job, so it is processing.
		mp4 := mp4Header(42, 1280, 720, 4096)
		vid := a.beginUpload("clip.mp4", "video/mp4", int64(len(mp4)+4096))
		if st, body := putUpload(t, vid, io.MultiReader(bytes.NewReader(mp4), &zeros{4096}), int64(len(mp4)+4096), "video/mp4"); st/100 != 2 {
			t.Fatalf("PUT: %d %s", st, body)
		}
		r = a.do("POST", "/v1/media/"+vid.MediaID+"/complete", nil, nil)
		v1Expect(t, r, 200, "")
		r.data(t, &it)
		if it.Type != "video" || it.Status != "processing" || it.Duration == nil || *it.Duration != 42 || it.Width == nil || *it.Width != 1280 || *it.Height != 720 {
			t.Fatalf("video: %s", r.body)
		}
	})

	t.Run("direct upload", func(t *testing.T) {
		r := a.multipart(photo, "direct.jpg")
		v1Expect(t, r, 201, "")
		var it v1Item
		r.data(t, &it)
		if !uuidRE.MatchString(it.MediaID) || it.Filename != "direct.jpg" || it.Type != "image" || *it.Width != 640 {
			t.Fatalf("multipart: %s", r.body)
		}
		data, _ := os.ReadFile(photo)
		r = a.do("POST", "/v1/media?filename=raw.jpg&wait=30", bytes.NewReader(data), map[string]string{"Content-Type": "image/jpeg"})
		v1Expect(t, r, 201, "")
		r.data(t, &it)
		if it.Filename != "raw.jpg" || it.Status != "ready" {
			t.Fatalf("raw with wait: %s", r.body)
		}
		v1Expect(t, a.do("POST", "/v1/media", bytes.NewReader(data), map[string]string{"Content-Type": "image/jpeg"}), 400, "validation_error")
		v1Expect(t, a.do("POST", "/v1/media?filename=page.html", strings.NewReader("<!DOCTYPE html><html><script>x()</script></html>"), nil), 422, "unprocessable_file")
		v1Expect(t, a.do("POST", "/v1/media?filename=empty.jpg", strings.NewReader(""), nil), 422, "unprocessable_file")
		// A type the core takes (WordPress does) but /v1 does not is
		// refused before anything is stored: no row, no object.
		avif, err := os.ReadFile(filepath.Join(dir, "photo.avif"))
		if err != nil {
			t.Fatal(err)
		}
		db := postgrestest.Open(t, s.dbURL)
		lastID := func() (id int64) {
			// A sequence moves even when its row is rolled back or deleted.
			if err := db.Pool.QueryRow(t.Context(), `SELECT last_value FROM media_id_seq`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		before := lastID()
		r = a.do("POST", "/v1/media?filename=photo.avif", bytes.NewReader(avif), nil)
		v1Expect(t, r, 422, "unprocessable_file")
		if !strings.Contains(string(r.body), "image/avif files are not accepted.") {
			t.Errorf("AVIF refused with %s", r.body)
		}
		if after := lastID(); after != before {
			t.Errorf("a refused AVIF made a row (media ids %d → %d)", before, after)
		}
	})

	t.Run("list, get, tenancy, delete", func(t *testing.T) {
		c := newAPIKey(t, s.base, map[string]any{"name": "library C"})
		var made []string
		for i := range 24 {
			made = append(made, c.beginUpload(fmt.Sprintf("f%02d.jpg", i), "image/jpeg", 1000).MediaID)
		}
		mp4 := mp4Header(3, 320, 240, 100)
		vid := c.beginUpload("v.mp4", "video/mp4", int64(len(mp4)+100))
		if st, body := putUpload(t, vid, io.MultiReader(bytes.NewReader(mp4), &zeros{100}), int64(len(mp4)+100), "video/mp4"); st/100 != 2 {
			t.Fatalf("PUT: %d %s", st, body)
		}
		v1Expect(t, c.do("POST", "/v1/media/"+vid.MediaID+"/complete", nil, nil), 200, "")
		made = append(made, vid.MediaID)

		type page struct {
			Items      []v1Item `json:"items"`
			MediaIDs   []string `json:"media_ids"`
			Pagination struct {
				Limit  int `json:"limit"`
				Offset int `json:"offset"`
			} `json:"pagination"`
		}
		list := func(q string) page {
			t.Helper()
			r := c.do("GET", "/v1/media"+q, nil, nil)
			v1Expect(t, r, 200, "")
			if strings.Contains(string(r.body), "url") {
				t.Fatalf("a list shows URLs: %s", r.body)
			}
			var p page
			r.data(t, &p)
			if len(p.MediaIDs) != len(p.Items) {
				t.Fatalf("media_ids %d for %d items", len(p.MediaIDs), len(p.Items))
			}
			for i := range p.Items {
				if p.MediaIDs[i] != p.Items[i].MediaID {
					t.Fatalf("media_ids out of step with items at %d", i)
				}
			}
			return p
		}
		if p := list(""); len(p.Items) != 20 || p.Pagination.Limit != 20 || p.Pagination.Offset != 0 || p.Items[0].MediaID != vid.MediaID {
			t.Fatalf("default page: %d items, pagination %+v, first %s", len(p.Items), p.Pagination, p.Items[0].MediaID)
		}
		seen := map[string]bool{}
		for i, want := range []int{10, 10, 5} {
			p := list(fmt.Sprintf("?limit=10&offset=%d", i*10))
			if len(p.Items) != want {
				t.Fatalf("page %d: %d items", i, len(p.Items))
			}
			for _, it := range p.Items {
				if seen[it.MediaID] {
					t.Fatalf("%s on two pages", it.MediaID)
				}
				seen[it.MediaID] = true
			}
		}
		for _, id := range made {
			if !seen[id] {
				t.Fatalf("%s on no page", id)
			}
		}
		if p := list("?offset=1000"); p.Items == nil || len(p.Items) != 0 || p.MediaIDs == nil {
			t.Fatalf("past the end: %+v", p)
		}
		if p := list("?limit=100"); len(p.Items) != 25 {
			t.Fatalf("limit=100: %d", len(p.Items))
		}
		if p := list("?type=video"); len(p.Items) != 1 || p.Items[0].Type != "video" || *p.Items[0].Duration != 3 {
			t.Fatalf("type=video: %+v", p.Items)
		}
		if p := list("?type=document"); len(p.Items) != 0 {
			t.Fatalf("type=document: %+v", p.Items)
		}
		for _, q := range []string{"?type=audio", "?limit=0", "?limit=101", "?limit=x", "?offset=-1"} {
			v1Expect(t, c.do("GET", "/v1/media"+q, nil, nil), 400, "validation_error")
		}
		// One item reads the same alone as in the list.
		first := list("?limit=1").Items[0]
		one := c.get(first.MediaID)
		if one.MediaID != first.MediaID || one.Status != first.Status || one.Size != first.Size || one.CreatedAt != first.CreatedAt ||
			len(one.MediaIDs) != 1 || one.MediaIDs[0] != first.MediaID {
			t.Fatalf("get %+v vs list %+v", one, first)
		}
		// Another key's library does not exist for this one.
		v1Expect(t, b.do("GET", "/v1/media/"+first.MediaID, nil, nil), 404, "not_found")
		v1Expect(t, b.do("DELETE", "/v1/media/"+first.MediaID, nil, nil), 404, "not_found")
		v1Expect(t, b.do("POST", "/v1/media/"+first.MediaID+"/complete", nil, nil), 404, "not_found")
		for _, it := range func() []v1Item {
			r := b.do("GET", "/v1/media?limit=100", nil, nil)
			var p page
			r.data(t, &p)
			return p.Items
		}() {
			if seen[it.MediaID] {
				t.Fatalf("key B lists C's %s", it.MediaID)
			}
		}
		v1Expect(t, c.do("GET", "/v1/media/00000000-0000-4000-8000-000000000000", nil, nil), 404, "not_found")
		v1Expect(t, c.do("GET", "/v1/media/not-a-uuid", nil, nil), 404, "not_found")

		r := c.do("DELETE", "/v1/media/"+vid.MediaID, nil, nil)
		v1Expect(t, r, 200, "")
		if !strings.Contains(string(r.env.Data), `"deleted":true`) || !strings.Contains(string(r.env.Data), vid.MediaID) {
			t.Fatalf("delete: %s", r.body)
		}
		v1Expect(t, c.do("GET", "/v1/media/"+vid.MediaID, nil, nil), 404, "not_found")
		v1Expect(t, c.do("DELETE", "/v1/media/"+vid.MediaID, nil, nil), 404, "not_found")
	})

	t.Run("long poll", func(t *testing.T) {
		for _, q := range []string{"?wait=x", "?wait=-1", "?wait=61"} {
			v1Expect(t, a.do("GET", "/v1/media/00000000-0000-4000-8000-000000000000"+q, nil, nil), 400, "validation_error")
		}
		// A wait that runs out answers with the item as it is.
		pending := a.beginUpload("later.jpg", "image/jpeg", 1000)
		start := time.Now()
		if it := func() v1Item {
			r := a.do("GET", "/v1/media/"+pending.MediaID+"?wait=1", nil, nil)
			v1Expect(t, r, 200, "")
			var it v1Item
			r.data(t, &it)
			return it
		}(); it.Status != "processing" || time.Since(start) < time.Second {
			t.Fatalf("timed-out wait: %+v after %s", it, time.Since(start))
		}
		// Readiness reaches a waiting client within 100 ms: the gap
		// between the worker's commit (the row's updated_at, same clock)
		// and the answer's arrival.
		db := postgrestest.Open(t, s.dbURL)
		var worst time.Duration
		for i := range 5 {
			r := a.multipart(photo, fmt.Sprintf("poll-%d.jpg", i))
			v1Expect(t, r, 201, "")
			var it v1Item
			r.data(t, &it)
			r = a.do("GET", "/v1/media/"+it.MediaID+"?wait=30", nil, nil)
			r.data(t, &it)
			if it.Status != "ready" {
				t.Fatalf("after wait: %s", r.body)
			}
			var readyAt time.Time
			if err := db.Pool.QueryRow(context.Background(), `SELECT updated_at FROM media WHERE key = $1`, it.MediaID).Scan(&readyAt); err != nil {
				t.Fatal(err)
			}
			worst = max(worst, r.at.Sub(readyAt))
		}
		t.Logf("long poll: worst gap from ready to answer %s", worst)
		if worst > 100*time.Millisecond {
			t.Fatalf("a long poll answered %s after the item was ready", worst)
		}
	})

	t.Run("event stream", func(t *testing.T) {
		stream := openStream(t, a, "")
		r := a.multipart(photo, "streamed.jpg")
		var it v1Item
		r.data(t, &it)
		other := b.multipart(photo, "other.jpg") // B's item must not show in A's stream
		var otherItem v1Item
		other.data(t, &otherItem)
		ev := stream.next(t, 60*time.Second, func(e sseEvent) bool { return e.Data.MediaID == it.MediaID })
		if ev.Event != "media.ready" || ev.Data.Status != "ready" || ev.Data.Type != "media.ready" || ev.ID == "" {
			t.Fatalf("event %+v", ev)
		}
		b.get(otherItem.MediaID) // wait until B's item is settled too
		waitFor(t, 30*time.Second, "B's item ready", func() bool { return b.get(otherItem.MediaID).Status == "ready" })
		stream.close()
		for _, e := range stream.all() {
			if e.Data.MediaID == otherItem.MediaID {
				t.Fatalf("A's stream showed B's item: %+v", e)
			}
		}
		// Reconnecting with Last-Event-ID replays what came after it.
		seq, _ := strconv.ParseUint(ev.ID, 10, 64)
		second := a.multipart(photo, "after.jpg")
		var secondItem v1Item
		second.data(t, &secondItem)
		waitFor(t, 30*time.Second, "second item ready", func() bool { return a.get(secondItem.MediaID).Status == "ready" })
		resumed := openStream(t, a, strconv.FormatUint(seq, 10))
		got := resumed.next(t, 10*time.Second, func(e sseEvent) bool { return e.Data.MediaID == secondItem.MediaID })
		if got.Event != "media.ready" {
			t.Fatalf("resumed event %+v", got)
		}
		for _, e := range resumed.all() {
			if e.Data.MediaID == it.MediaID {
				t.Fatalf("resume replayed the event it resumed after: %+v", e)
			}
		}
		resumed.close()
		v1Expect(t, a.do("GET", "/v1/media/events", nil, map[string]string{"Last-Event-ID": "x"}), 400, "validation_error")
		// The stream is a resource of its own, not a media id.
		del := a.do("DELETE", "/v1/media/events", nil, nil)
		v1Expect(t, del, 405, "method_not_allowed")
		if del.header.Get("Allow") != "GET, HEAD" {
			t.Fatalf("Allow %q", del.header.Get("Allow"))
		}
	})

	t.Run("webhooks", func(t *testing.T) {
		for _, body := range []map[string]any{
			{"url": "ftp://example.com/x"},
			{"url": "not a url"},
			{"url": hooks.url, "events": []string{"media.deleted"}},
			{"url": hooks.url, "events": []string{}},
		} {
			v1Expect(t, a.json("POST", "/v1/webhooks", body), 400, "validation_error")
		}
		r := a.json("POST", "/v1/webhooks", map[string]any{"url": hooks.url})
		v1Expect(t, r, 201, "")
		var wh struct {
			ID     string   `json:"id"`
			Secret string   `json:"secret"`
			Events []string `json:"events"`
		}
		r.data(t, &wh)
		if !strings.HasPrefix(wh.Secret, "whsec_") || len(wh.Events) != 2 {
			t.Fatalf("webhook: %s", r.body)
		}
		hooks.setSecret(wh.Secret)
		if r := a.do("GET", "/v1/webhooks", nil, nil); r.status != 200 || strings.Contains(string(r.body), wh.Secret) || !strings.Contains(string(r.body), wh.ID) {
			t.Fatalf("webhook list must not show secrets: %s", r.body)
		}
		readyItem := a.presigned(photo, "hooked.jpg", "image/jpeg")
		truncated, _ := os.ReadFile(filepath.Join(dir, "truncated.jpg"))
		failed := a.do("POST", "/v1/media?filename=hooked-bad.jpg", bytes.NewReader(truncated), nil)
		var failedItem v1Item
		failed.data(t, &failedItem)
		waitFor(t, 60*time.Second, "both webhook events, retried after a refused first attempt", func() bool {
			return hooks.has(readyItem.MediaID, "media.ready") && hooks.has(failedItem.MediaID, "media.failed")
		})
		if bad := hooks.badSignatures(); bad != 0 {
			t.Fatalf("%d deliveries with a bad signature", bad)
		}
		if n := hooks.attempts(readyItem.MediaID); n < 2 {
			t.Fatalf("the refused first attempt was not retried: %d attempts", n)
		}
		if r := a.do("DELETE", "/v1/webhooks/"+wh.ID, nil, nil); r.status != 200 {
			t.Fatalf("delete webhook: %d %s", r.status, r.body)
		}
		v1Expect(t, a.do("DELETE", "/v1/webhooks/"+wh.ID, nil, nil), 404, "not_found")
	})

	t.Run("openapi", func(t *testing.T) {
		checkOpenAPI(t, s.base, a)
	})

	t.Run("second replica, 300 MB presigned upload", func(t *testing.T) {
		replica := startAPIProcess(t, s)
		// A long poll on the replica hears of work the other replica
		// started and a worker finished.
		r := a.multipart(photo, "cross.jpg")
		var it v1Item
		r.data(t, &it)
		rep := v1Client{t: t, base: replica.base, key: a.key}
		r = rep.do("GET", "/v1/media/"+it.MediaID+"?wait=30", nil, nil)
		v1Expect(t, r, 200, "")
		r.data(t, &it)
		if it.Status != "ready" {
			t.Fatalf("replica's long poll: %s", r.body)
		}
		const mdat = 300 << 20
		head := mp4Header(600, 1920, 1080, mdat)
		size := int64(len(head)) + mdat
		up := rep.beginUpload("big.mp4", "video/mp4", size)
		if st, body := putUpload(t, up, io.MultiReader(bytes.NewReader(head), &zeros{mdat}), size, "video/mp4"); st/100 != 2 {
			t.Fatalf("PUT 300 MB: %d %s", st, body)
		}
		r = rep.do("POST", "/v1/media/"+up.MediaID+"/complete", nil, nil)
		v1Expect(t, r, 200, "")
		r.data(t, &it)
		if it.Size != size || it.Status != "processing" || *it.Duration != 600 {
			t.Fatalf("300 MB video: %s", r.body)
		}
		peak := replica.peakRSS(t)
		t.Logf("API replica peak RSS through a 300 MB presigned upload: %d MiB", peak>>20)
		if peak > 100<<20 {
			t.Fatalf("API peak RSS %d MiB, want < 100 MiB", peak>>20)
		}
	})
}

// sseEvent is one event read from the stream.
type sseEvent struct {
	ID    string
	Event string
	Data  struct {
		ID            string  `json:"id"`
		Type          string  `json:"type"`
		MediaID       string  `json:"media_id"`
		Status        string  `json:"status"`
		FailureReason *string `json:"failure_reason"`
	}
	Raw json.RawMessage // the data as sent
}

type sseStream struct {
	cancel context.CancelFunc
	mu     sync.Mutex
	events []sseEvent
	added  chan struct{}
	done   chan struct{}
}

func openStream(t *testing.T, c v1Client, lastID string) *sseStream {
	t.Helper()
	header := map[string]string{"Authorization": "Bearer " + c.key}
	if lastID != "" {
		header["Last-Event-ID"] = lastID
	}
	return openSSE(t, c.base+"/v1/media/events", header, func(resp *http.Response) bool { return resp.Header.Get("X-RateLimit-Limit") != "" })
}

// openSSE opens a Server-Sent Events stream and reads it in the
// background; ok checks more of the answer than its status and type.
func openSSE(t *testing.T, url string, header map[string]string, ok func(*http.Response) bool) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || (ok != nil && !ok(resp)) {
		cancel()
		t.Fatalf("event stream: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sseStream{cancel: cancel, added: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Event != "" {
					s.mu.Lock()
					s.events = append(s.events, ev)
					s.mu.Unlock()
					select {
					case s.added <- struct{}{}:
					default:
					}
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				ev.Event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.Raw = json.RawMessage(strings.TrimPrefix(line, "data: "))
				_ = json.Unmarshal(ev.Raw, &ev.Data)
			}
		}
	}()
	t.Cleanup(s.close)
	return s
}

func (s *sseStream) all() []sseEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sseEvent(nil), s.events...)
}

func (s *sseStream) next(t *testing.T, timeout time.Duration, match func(sseEvent) bool) sseEvent {
	t.Helper()
	deadline := time.After(timeout)
	for {
		for _, e := range s.all() {
			if match(e) {
				return e
			}
		}
		select {
		case <-s.added:
		case <-deadline:
			t.Fatalf("no matching event within %s; got %+v", timeout, s.all())
		}
	}
}

func (s *sseStream) close() {
	s.cancel()
	<-s.done
}

// hookReceiver is a webhook endpoint that checks signatures, refuses the
// first attempt of every delivery (so retries are exercised) and
// deduplicates by the idempotency id.
type hookReceiver struct {
	url string

	mu      sync.Mutex
	secret  string
	seen    map[string]webhook.Body // by idempotency id
	tries   map[string]int          // attempts per media id
	badSigs int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{seen: map[string]webhook.Body{}, tries: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get(webhook.HeaderID)
		ts, _ := strconv.ParseInt(r.Header.Get(webhook.HeaderTimestamp), 10, 64)
		h.mu.Lock()
		defer h.mu.Unlock()
		if err := webhook.Verify([]byte(h.secret), id, ts, body, r.Header.Get(webhook.HeaderSignature), time.Now(), 5*time.Minute); err != nil {
			h.badSigs++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var b webhook.Body
		if json.Unmarshal(body, &b) != nil || b.ID != id {
			h.badSigs++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		h.tries[b.Data.MediaID]++
		if h.tries[b.Data.MediaID] == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		h.seen[id] = b // a repeat of an id overwrites itself: deduplicated
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/hook"
	return h
}

func (h *hookReceiver) setSecret(s string) { h.mu.Lock(); h.secret = s; h.mu.Unlock() }

func (h *hookReceiver) has(mediaID, typ string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, b := range h.seen {
		if b.Data.MediaID == mediaID && b.Type == typ {
			return true
		}
	}
	return false
}

func (h *hookReceiver) attempts(mediaID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tries[mediaID]
}

func (h *hookReceiver) badSignatures() int { h.mu.Lock(); defer h.mu.Unlock(); return h.badSigs }

// TestV1Limits runs the dialect with tight limits: size caps, a short
// upload URL life and a short longest wait.
func TestV1Limits(t *testing.T) {
	dir := testdataDir(t)
	s := startStackEnv(t, 0, map[string]string{
		"PIXELMILL_V1_UPLOAD_TTL":      "2s",
		"PIXELMILL_UPLOAD_GRACE":       "1s",
		"PIXELMILL_UPKEEP_EVERY":       "1s",
		"PIXELMILL_V1_MAX_IMAGE_BYTES": "100000",
		"PIXELMILL_V1_MAX_VIDEO_BYTES": "200000",
		"PIXELMILL_V1_MAX_WAIT":        "5s",
	})
	a := newAPIKey(t, s.base, map[string]any{"name": "tight"})

	// Sizes: the declared size is checked against the type's cap, and a
	// direct upload over it is refused with nothing left behind.
	v1Expect(t, a.json("POST", "/v1/media/upload", map[string]any{"filename": "a.jpg", "content_type": "image/jpeg", "size": 100001}), 400, "validation_error")
	v1Expect(t, a.json("POST", "/v1/media/upload", map[string]any{"filename": "a.mp4", "content_type": "video/mp4", "size": 200001}), 400, "validation_error")
	big, err := os.ReadFile(filepath.Join(dir, "photo-1920x1080.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	v1Expect(t, a.do("POST", "/v1/media?filename=big.jpg", bytes.NewReader(big), nil), 413, "payload_too_large")
	r := a.do("GET", "/v1/media", nil, nil)
	v1Expect(t, r, 200, "")
	if !strings.Contains(string(r.env.Data), `"items":[]`) {
		t.Fatalf("a refused upload left an item: %s", r.body)
	}
	for _, q := range []string{"?wait=6", "?wait=5.5"} {
		v1Expect(t, a.do("GET", "/v1/media/00000000-0000-4000-8000-000000000000"+q, nil, nil), 400, "validation_error")
	}

	// An upload URL works for its TTL only; completing after it is gone
	// answers 410, and the upkeep removes the item soon after.
	small, err := os.ReadFile(filepath.Join(dir, "photo-640x480.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	up := a.beginUpload("late.jpg", "image/jpeg", int64(len(small)))
	if up.ExpiresIn != 2 || up.MaxSize != 100000 {
		t.Fatalf("ticket: expires_in %d max_size %d", up.ExpiresIn, up.MaxSize)
	}
	time.Sleep(3 * time.Second) // the URL's own clock: nothing to poll
	if st, body := putUpload(t, up, bytes.NewReader(small), int64(len(small)), "image/jpeg"); st != 403 {
		t.Fatalf("PUT after expiry: %d %s", st, body)
	}
	r = a.do("POST", "/v1/media/"+up.MediaID+"/complete", nil, nil)
	if r.status == 410 {
		v1Expect(t, r, 410, "upload_expired")
	} else {
		v1Expect(t, r, 404, "not_found") // the upkeep was quicker
	}
	waitFor(t, 20*time.Second, "the expired upload removed", func() bool {
		return a.do("GET", "/v1/media/"+up.MediaID, nil, nil).status == 404
	})
}
