package main

// End-to-end tests of the core pipeline on real services: the API service
// runs in-process on 127.0.0.1:0, two worker-service processes built from
// source consume the jobs, and Postgres, NATS and MinIO are the ones
// `make test` started.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "golang.org/x/image/webp"

	"github.com/pixelmill/pixelmill/services/objstore"
	"github.com/pixelmill/pixelmill/services/objstore/objstoretest"
	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

const adminPassword = "e2e-admin-password"

// stack is a running API with its workers.
type stack struct {
	base    string
	dbURL   string
	apiLog  *syncBuffer
	workers []*workerProc
	env     map[string]string // what the API and the workers were started with
}

type workerProc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
}

// syncBuffer collects a process's output while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testdataDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PIXELMILL_TESTDATA_DIR")
	if dir == "" {
		t.Fatal("PIXELMILL_TESTDATA_DIR is not set: run `make test`, or deploy/local/testdata.sh DIR first")
	}
	return dir
}

func natsURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("PIXELMILL_TEST_NATS_URL")
	if u == "" {
		t.Fatal("PIXELMILL_TEST_NATS_URL is not set: run the tests with `make test`")
	}
	return u
}

// workerBinDir holds the worker binary built for this test run; TestMain
// removes it.
var workerBinDir string

// TestMain removes what the tests built once they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	if workerBinDir != "" {
		_ = os.RemoveAll(workerBinDir)
	}
	os.Exit(code)
}

// buildWorker compiles worker-service once per test binary.
var buildWorker = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "pixelmill-e2e-bin")
	if err != nil {
		return "", err
	}
	workerBinDir = dir
	bin := filepath.Join(dir, "worker-service")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "worker-service")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build worker-service: %v\n%s", err, out)
	}
	return bin, nil
})

// startStack starts the API in-process and n worker processes on a fresh
// database and bucket.
func startStack(t *testing.T, workers int) *stack {
	t.Helper()
	return startStackEnv(t, workers, nil)
}

// startStackEnv is startStack with extra variables (PIXELMILL_JOB_ACK_WAIT,
// say) for the API and the workers alike.
func startStackEnv(t *testing.T, workers int, extra map[string]string) *stack {
	t.Helper()
	dbURL := postgrestest.NewDatabase(t)
	_, s3 := objstoretest.NewStore(t)
	env := map[string]string{
		"PIXELMILL_DATABASE_URL":   dbURL,
		"PIXELMILL_NATS_URL":       natsURL(t),
		"PIXELMILL_S3_ENDPOINT":    s3.Endpoint,
		"PIXELMILL_S3_ACCESS_KEY":  s3.AccessKey,
		"PIXELMILL_S3_SECRET_KEY":  s3.SecretKey,
		"PIXELMILL_S3_BUCKET":      s3.Bucket,
		"PIXELMILL_ADMIN_PASSWORD": adminPassword,
		"PIXELMILL_HTTP_ADDR":      "127.0.0.1:0",
		"PIXELMILL_METRICS_ADDR":   "127.0.0.1:0",
		"PIXELMILL_LOG_FORMAT":     "json",
		"PIXELMILL_LOG_LEVEL":      "info",
		// The tests send far more than a client would; the limiter has a
		// test of its own (TestRateLimitWordPress).
		"PIXELMILL_RATE_LIMIT_ANON": "1000000",
		"PIXELMILL_RATE_LIMIT_AUTH": "1000000",
	}
	for k, v := range extra {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	apiLog := &syncBuffer{}
	go func() { done <- run(ctx, func(k string) string { return env[k] }, apiLog, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("api-service stopped: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("api-service did not start within 60s")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("api-service: %v", err)
		}
	})
	// The API serves URLs under its public address, which only exists once
	// it listens; point it there for file URLs via the Host-independent base.
	s := &stack{base: "http://" + addr, dbURL: dbURL, apiLog: apiLog, env: env}

	bin, err := buildWorker()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= workers; i++ {
		name := fmt.Sprintf("worker-%d", i)
		// Later entries win: the workers log at info, for job_done lines.
		s.workers = append(s.workers, startProcess(t, name, bin, env, "PIXELMILL_WORKER_NAME="+name, "PIXELMILL_WORKER_HTTP_ADDR=127.0.0.1:0", "PIXELMILL_LOG_LEVEL=info"))
	}
	for _, w := range s.workers {
		waitFor(t, 60*time.Second, w.name+" consuming", func() bool { return strings.Contains(w.out.String(), `"msg":"consuming"`) })
	}
	return s
}

// startProcess starts bin with the environment plus env and extra (later
// entries win), collecting its output. At cleanup the process the returned
// workerProc holds then is interrupted and given 40 s to drain: the fault
// tests replace a killed worker's process in place, and the replacement
// must not outlive the test (it would take the next test's jobs). Its
// output is logged if the test failed.
func startProcess(t *testing.T, name, bin string, env map[string]string, extra ...string) *workerProc {
	t.Helper()
	p := &workerProc{name: name, cmd: exec.Command(bin), out: &syncBuffer{}}
	p.cmd.Env = os.Environ()
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Env = append(p.cmd.Env, extra...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd, out := p.cmd, p.out // the process it holds now
		_ = cmd.Process.Signal(os.Interrupt)
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		select {
		case <-waited:
		case <-time.After(40 * time.Second):
			_ = cmd.Process.Kill()
			<-waited
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return p
}

// dlq runs `worker-service dlq ARGS…` against the stack.
func (s *stack) dlq(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := buildWorker()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"dlq"}, args...)...)
	cmd.Env = s.workers[0].cmd.Env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("worker-service dlq %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// mediaKey reads an item's UUID from its files' object keys, through the
// database the stack uses.
func (s *stack) mediaKey(t *testing.T, id int64) string {
	t.Helper()
	db := postgrestest.Open(t, s.dbURL)
	var key string
	if err := db.Pool.QueryRow(context.Background(), `SELECT key::text FROM media WHERE id = $1`, id).Scan(&key); err != nil {
		t.Fatal(err)
	}
	return key
}

// objects opens the stack's bucket, to check what it holds.
func (s *stack) objects(t *testing.T) *objstore.Store {
	t.Helper()
	store, err := objstore.New(objstore.Config{
		Endpoint: s.env["PIXELMILL_S3_ENDPOINT"], AccessKey: s.env["PIXELMILL_S3_ACCESS_KEY"], SecretKey: s.env["PIXELMILL_S3_SECRET_KEY"],
		Bucket: s.env["PIXELMILL_S3_BUCKET"], Region: "us-east-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

func lineWith(text, sub string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// attachment is the part of WordPress's attachment JSON the tests read.
type attachment struct {
	ID               int64    `json:"id"`
	Status           string   `json:"status"`
	MIME             string   `json:"mime_type"`
	MediaType        string   `json:"media_type"`
	SourceURL        string   `json:"source_url"`
	ProcessingStatus string   `json:"processing_status"`
	ProcessingError  string   `json:"processing_error"`
	MissingSizes     []string `json:"missing_image_sizes"`
	Title            struct {
		Raw      string `json:"raw"`
		Rendered string `json:"rendered"`
	} `json:"title"`
	MediaDetails struct {
		Width         int            `json:"width"`
		Height        int            `json:"height"`
		File          string         `json:"file"`
		Filesize      int64          `json:"filesize"`
		OriginalImage string         `json:"original_image"`
		Sizes         orderedSizes   `json:"sizes"`
		ImageMeta     map[string]any `json:"image_meta"`
	} `json:"media_details"`
}

type sizeEntry struct {
	Name      string
	File      string `json:"file"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Filesize  int64  `json:"filesize"`
	MIME      string `json:"mime_type"`
	SourceURL string `json:"source_url"`
}

// orderedSizes keeps media_details.sizes in the order WordPress emits.
type orderedSizes []sizeEntry

func (o *orderedSizes) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return err
		}
		var e sizeEntry
		if err := dec.Decode(&e); err != nil {
			return err
		}
		e.Name = k.(string)
		*o = append(*o, e)
	}
	return nil
}

func (s *stack) do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	req.SetBasicAuth("admin", adminPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// uploadRaw posts a file as WordPress's raw-body upload.
func (s *stack) uploadRaw(t *testing.T, path, name string) (attachment, *http.Response) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	req, _ := http.NewRequest("POST", s.base+"/wp-json/wp/v2/media", f)
	req.Header.Set("Content-Type", "image/jpeg") // deliberately generic: the bytes decide
	req.Header.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	resp, body := s.do(t, req)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload %s: %d %s", name, resp.StatusCode, body)
	}
	var a attachment
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	return a, resp
}

// uploadMultipart posts a file as a multipart "file" part with a title.
func (s *stack) uploadMultipart(t *testing.T, path, title string) attachment {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("title", title)
	part, _ := mw.CreateFormFile("file", filepath.Base(path))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", s.base+"/wp-json/wp/v2/media", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, body := s.do(t, req)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload %s: %d %s", path, resp.StatusCode, body)
	}
	var a attachment
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// waitDone polls GET /media/{id} until processing leaves "processing".
func (s *stack) waitDone(t *testing.T, id int64) attachment {
	t.Helper()
	var a attachment
	waitFor(t, 3*time.Minute, fmt.Sprintf("media %d to finish", id), func() bool {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/wp-json/wp/v2/media/%d?context=edit", s.base, id), nil)
		resp, body := s.do(t, req)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("get %d: %d %s", id, resp.StatusCode, body)
		}
		a = attachment{}
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatal(err)
		}
		return a.ProcessingStatus != "processing"
	})
	return a
}

// fetchImage GETs a file URL with plain HTTP and decodes its header.
func fetchImage(t *testing.T, url string) (image.Config, string, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if resp.Header.Get("ETag") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s: headers %v", url, resp.Header)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("decode %s: %v", url, err)
	}
	return cfg, format, body
}

type dims struct{ w, h int }

func checkSizes(t *testing.T, a attachment, want map[string]dims, order []string) {
	t.Helper()
	var got []string
	for _, s := range a.MediaDetails.Sizes {
		got = append(got, s.Name)
		cfg, _, _ := fetchImage(t, s.SourceURL)
		if s.Name == "full" {
			if cfg.Width != a.MediaDetails.Width || cfg.Height != a.MediaDetails.Height {
				t.Errorf("full: file is %dx%d, details say %dx%d", cfg.Width, cfg.Height, a.MediaDetails.Width, a.MediaDetails.Height)
			}
			continue
		}
		w, ok := want[s.Name]
		if !ok {
			t.Errorf("unexpected size %s", s.Name)
			continue
		}
		if s.Width != w.w || s.Height != w.h || cfg.Width != w.w || cfg.Height != w.h {
			t.Errorf("%s: recorded %dx%d, file %dx%d, want %dx%d", s.Name, s.Width, s.Height, cfg.Width, cfg.Height, w.w, w.h)
		}
		if s.Filesize <= 0 || s.MIME != a.MIME {
			t.Errorf("%s: filesize %d mime %s", s.Name, s.Filesize, s.MIME)
		}
	}
	if strings.Join(got, ",") != strings.Join(order, ",") {
		t.Errorf("sizes order %v, want %v", got, order)
	}
	if len(a.MissingSizes) != 0 {
		t.Errorf("missing_image_sizes = %v after ready", a.MissingSizes)
	}
}

func TestPipelineEndToEnd(t *testing.T) {
	dir := testdataDir(t)
	s := startStack(t, 2)

	big, resp := s.uploadRaw(t, filepath.Join(dir, "photo-3840x2400.jpg"), "horizon.jpg")
	if loc := resp.Header.Get("Location"); loc != fmt.Sprintf("%s/wp-json/wp/v2/media/%d", s.base, big.ID) {
		t.Errorf("Location = %q", loc)
	}
	if resp.Header.Get("X-WP-Upload-Attachment-ID") != fmt.Sprint(big.ID) {
		t.Errorf("X-WP-Upload-Attachment-ID = %q", resp.Header.Get("X-WP-Upload-Attachment-ID"))
	}
	if big.ProcessingStatus != "processing" || big.MediaDetails.Width != 3840 || len(big.MissingSizes) != 6 {
		t.Errorf("201 body: status %s width %d missing %v", big.ProcessingStatus, big.MediaDetails.Width, big.MissingSizes)
	}
	small := s.uploadMultipart(t, filepath.Join(dir, "photo-640x480.jpg"), "Small photo")
	sideways, _ := s.uploadRaw(t, filepath.Join(dir, "exif", "iphone-4s.jpg"), "iphone.jpg")
	camera, _ := s.uploadRaw(t, filepath.Join(dir, "exif", "nikon-d2h.jpg"), "nikon.jpg")
	alpha, _ := s.uploadRaw(t, filepath.Join(dir, "alpha.png"), "alpha.png")
	webp, _ := s.uploadRaw(t, filepath.Join(dir, "photo.webp"), "photo.webp")
	truncated, _ := s.uploadRaw(t, filepath.Join(dir, "truncated.jpg"), "truncated.jpg")
	// Jobs after the broken file: the workers must go on.
	var after []attachment
	for i := range 6 {
		a, _ := s.uploadRaw(t, filepath.Join(dir, "photo-640x480.jpg"), fmt.Sprintf("after-%d.jpg", i))
		after = append(after, a)
	}

	t.Run("3840x2400 gets a -scaled main file and every size", func(t *testing.T) {
		a := s.waitDone(t, big.ID)
		if a.ProcessingStatus != "ready" {
			t.Fatalf("status %s: %s", a.ProcessingStatus, a.ProcessingError)
		}
		if a.MediaDetails.Width != 2560 || a.MediaDetails.Height != 1600 || !strings.HasSuffix(a.MediaDetails.File, "/horizon-scaled.jpg") ||
			a.MediaDetails.OriginalImage != "horizon.jpg" || !strings.HasSuffix(a.SourceURL, "/horizon-scaled.jpg") {
			t.Errorf("main: %dx%d file %s original %s source %s", a.MediaDetails.Width, a.MediaDetails.Height, a.MediaDetails.File, a.MediaDetails.OriginalImage, a.SourceURL)
		}
		cfg, _, _ := fetchImage(t, a.SourceURL)
		if cfg.Width != 2560 || cfg.Height != 1600 {
			t.Errorf("scaled file is %dx%d", cfg.Width, cfg.Height)
		}
		checkSizes(t, a, map[string]dims{
			"medium": {300, 188}, "large": {1024, 640}, "thumbnail": {150, 150},
			"medium_large": {768, 480}, "1536x1536": {1536, 960}, "2048x2048": {2048, 1280},
		}, []string{"medium", "large", "thumbnail", "medium_large", "1536x1536", "2048x2048", "full"})
		if got := a.MediaDetails.Sizes[0].File; got != "horizon-300x188.jpg" {
			t.Errorf("medium file %s", got)
		}
		// The original stays fetchable under its own name.
		orig, _, _ := fetchImage(t, strings.TrimSuffix(a.SourceURL, "horizon-scaled.jpg")+"horizon.jpg")
		if orig.Width != 3840 {
			t.Errorf("original is %d wide", orig.Width)
		}
	})

	t.Run("640x480 gets only medium and thumbnail", func(t *testing.T) {
		a := s.waitDone(t, small.ID)
		if a.ProcessingStatus != "ready" || a.Title.Raw != "Small photo" {
			t.Fatalf("status %s title %q: %s", a.ProcessingStatus, a.Title.Raw, a.ProcessingError)
		}
		checkSizes(t, a, map[string]dims{"medium": {300, 225}, "thumbnail": {150, 150}}, []string{"medium", "thumbnail", "full"})
		if a.MediaDetails.OriginalImage != "" {
			t.Errorf("original_image %q for an unscaled upload", a.MediaDetails.OriginalImage)
		}
	})

	t.Run("sideways camera JPEG comes out upright with its EXIF", func(t *testing.T) {
		a := s.waitDone(t, sideways.ID)
		if a.ProcessingStatus != "ready" {
			t.Fatalf("status %s: %s", a.ProcessingStatus, a.ProcessingError)
		}
		// Stored 205×102 with orientation 6: upright it is 102×205.
		if a.MediaDetails.Width != 102 || a.MediaDetails.Height != 205 || !strings.HasSuffix(a.MediaDetails.File, "-rotated.jpg") {
			t.Errorf("main %dx%d %s", a.MediaDetails.Width, a.MediaDetails.Height, a.MediaDetails.File)
		}
		cfg, _, _ := fetchImage(t, a.SourceURL)
		if cfg.Width != 102 || cfg.Height != 205 {
			t.Errorf("rotated file is %dx%d", cfg.Width, cfg.Height)
		}
		checkSizes(t, a, map[string]dims{"thumbnail": {102, 150}}, []string{"thumbnail", "full"})
		if a.MediaDetails.ImageMeta["orientation"] != float64(1) || a.MediaDetails.ImageMeta["aperture"] != "2.4" || a.MediaDetails.ImageMeta["iso"] != "50" {
			t.Errorf("image_meta %v", a.MediaDetails.ImageMeta)
		}
	})

	t.Run("camera EXIF lands in image_meta", func(t *testing.T) {
		a := s.waitDone(t, camera.ID)
		if a.ProcessingStatus != "ready" {
			t.Fatalf("status %s: %s", a.ProcessingStatus, a.ProcessingError)
		}
		if a.MediaDetails.ImageMeta["camera"] != "NIKON D2H" || a.MediaDetails.ImageMeta["aperture"] != "4.5" {
			t.Errorf("image_meta %v", a.MediaDetails.ImageMeta)
		}
		// Renditions carry no EXIF (no GPS position leaks).
		_, _, body := fetchImage(t, a.MediaDetails.Sizes[0].SourceURL)
		if bytes.Contains(body, []byte("Exif\x00\x00")) {
			t.Error("rendition still carries EXIF")
		}
	})

	t.Run("PNG with alpha and WebP keep their formats", func(t *testing.T) {
		for _, tc := range []struct {
			a      attachment
			format string
			mime   string
		}{{alpha, "png", "image/png"}, {webp, "webp", "image/webp"}} {
			a := s.waitDone(t, tc.a.ID)
			if a.ProcessingStatus != "ready" || a.MIME != tc.mime || len(a.MediaDetails.Sizes) < 3 {
				t.Fatalf("%s: status %s mime %s sizes %d: %s", tc.format, a.ProcessingStatus, a.MIME, len(a.MediaDetails.Sizes), a.ProcessingError)
			}
			for _, sz := range a.MediaDetails.Sizes {
				_, format, body := fetchImage(t, sz.SourceURL)
				if format != tc.format || !strings.HasSuffix(sz.File, "."+tc.format) {
					t.Errorf("%s: %s is %s", tc.format, sz.File, format)
				}
				if tc.format == "png" && sz.Name == "medium" {
					img, _, err := image.Decode(bytes.NewReader(body))
					if err != nil {
						t.Fatal(err)
					}
					// alpha.png ramps from transparent (left) to opaque (right).
					_, _, _, left := img.At(0, img.Bounds().Dy()/2).RGBA()
					_, _, _, right := img.At(img.Bounds().Dx()-1, img.Bounds().Dy()/2).RGBA()
					if left > 0x2000 || right < 0xE000 {
						t.Errorf("alpha lost: left %x right %x", left, right)
					}
				}
			}
		}
	})

	t.Run("truncated JPEG fails with a reason and the workers go on", func(t *testing.T) {
		a := s.waitDone(t, truncated.ID)
		if a.ProcessingStatus != "failed" || a.ProcessingError == "" {
			t.Fatalf("status %s error %q", a.ProcessingStatus, a.ProcessingError)
		}
		t.Logf("truncated: %s", a.ProcessingError)

		// It sits in the dead-letter stream, and an operator can replay it.
		key := s.mediaKey(t, truncated.ID)
		list := s.dlq(t, "list")
		if !strings.Contains(list, key) || !strings.Contains(list, a.ProcessingError) {
			t.Fatalf("dlq list lacks %s:\n%s", key, list)
		}
		seq := strings.Fields(lineWith(list, key))[0]
		if out := s.dlq(t, "replay", seq); !strings.Contains(out, "1 replayed") {
			t.Fatalf("dlq replay: %s", out)
		}
		waitFor(t, time.Minute, "the replayed job to fail again", func() bool {
			return strings.Count(s.dlq(t, "list"), key) == 1 && s.waitDone(t, truncated.ID).ProcessingStatus == "failed"
		})
		for _, b := range after {
			if got := s.waitDone(t, b.ID); got.ProcessingStatus != "ready" {
				t.Errorf("media %d after the broken one: %s %s", b.ID, got.ProcessingStatus, got.ProcessingError)
			}
		}
	})

	t.Run("one trace from the upload request to the worker's job", func(t *testing.T) {
		uploadTrace := ""
		for _, line := range strings.Split(s.apiLog.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) != nil || m["msg"] != "http_request" || m["method"] != "POST" {
				continue
			}
			// The first POST of this test is the 3840×2400 upload.
			uploadTrace, _ = m["trace_id"].(string)
			break
		}
		jobTrace := ""
		for _, w := range s.workers {
			for _, line := range strings.Split(w.out.String(), "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "job_done" && m["media_id"] == float64(big.ID) {
					jobTrace, _ = m["trace_id"].(string)
				}
			}
		}
		if uploadTrace == "" || jobTrace != uploadTrace {
			t.Errorf("upload trace %q, job trace %q", uploadTrace, jobTrace)
		}
	})

	t.Run("files are served with Range", func(t *testing.T) {
		a := s.waitDone(t, small.ID)
		req, _ := http.NewRequest("GET", a.SourceURL, nil)
		req.Header.Set("Range", "bytes=0-9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusPartialContent || len(body) != 10 || !bytes.HasPrefix(body, []byte{0xFF, 0xD8}) || resp.Header.Get("Cache-Control") == "" {
			t.Errorf("Range: %d, %d bytes, headers %v", resp.StatusCode, len(body), resp.Header)
		}
	})

	t.Run("two workers: each job processed exactly once", func(t *testing.T) {
		ids := []int64{big.ID, small.ID, sideways.ID, camera.ID, alpha.ID, webp.ID, truncated.ID}
		for _, a := range after {
			ids = append(ids, a.ID)
		}
		// Per job, not per item: the dead-letter replay above issued the
		// broken file a second job on purpose.
		type jobID struct{ media, seq int64 }
		done := map[jobID][]string{}
		for _, w := range s.workers {
			sc := bufio.NewScanner(strings.NewReader(w.out.String()))
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				var line struct {
					Msg     string `json:"msg"`
					MediaID int64  `json:"media_id"`
					JobSeq  int64  `json:"job_seq"`
				}
				if json.Unmarshal(sc.Bytes(), &line) == nil && (line.Msg == "job_done" || line.Msg == "job_failed") {
					k := jobID{line.MediaID, line.JobSeq}
					done[k] = append(done[k], w.name)
				}
			}
		}
		perWorker := map[string]int{}
		for _, id := range ids {
			if n := len(done[jobID{id, 1}]); n != 1 {
				t.Errorf("media %d job 1 processed %d times (%v)", id, n, done[jobID{id, 1}])
			}
		}
		for k, workers := range done {
			if len(workers) != 1 {
				t.Errorf("job %+v processed %d times (%v)", k, len(workers), workers)
			}
			perWorker[workers[0]]++
		}
		if len(perWorker) != 2 {
			t.Errorf("jobs per worker %v: want both workers to take part", perWorker)
		}
		t.Logf("jobs per worker: %v", perWorker)
	})
}
