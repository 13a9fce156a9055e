package main

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// mediaFixture is one line of testdata's media/manifest.tsv.
type mediaFixture struct {
	file, mime, family, duration, width, height, pages, outcome, what string
}

// mediaFixtures reads media/manifest.tsv (deploy/local/mediadata.sh).
func mediaFixtures(t *testing.T) (string, []mediaFixture) {
	t.Helper()
	dir := filepath.Join(testdataDir(t), "media")
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatalf("media fixtures: %v (deploy/local/testdata.sh makes them)", err)
	}
	defer f.Close()
	var out []mediaFixture
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 9 {
			t.Fatalf("manifest line %q: %d columns", sc.Text(), len(c))
		}
		out = append(out, mediaFixture{c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]})
	}
	if len(out) < 15 {
		t.Fatalf("only %d media fixtures", len(out))
	}
	return dir, out
}

// TestMediaKindsEndToEnd uploads every media fixture through WordPress, raw
// and multipart: each is accepted as the type its bytes are, and ends as
// the manifest says. A PDF ends ready with WordPress's preview sizes, and a
// hostile one failed with its reason, while the workers go on: the photo
// uploaded after all of them is made ready too.
func TestMediaKindsEndToEnd(t *testing.T) {
	t.Parallel()
	s := startStack(t, 2)
	dir, fixtures := mediaFixtures(t)
	// Audio and video are stored as they are until their jobs land (their
	// facts, posters and tags); what is checked of them here is that they
	// are accepted as what their bytes are and end ready.
	decoded := map[string]bool{"document": true, "archive": true, "image": true}
	type upload struct {
		fx mediaFixture
		a  attachment
	}
	var ups []upload
	for i, fx := range fixtures {
		path := filepath.Join(dir, fx.file)
		if fx.outcome == "refused" {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("POST", s.base+"/wp-json/wp/v2/media", bytes.NewReader(data))
			req.Header.Set("Content-Disposition", `attachment; filename="`+fx.file+`"`)
			resp, body := s.do(t, req)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"message"`) {
				t.Errorf("%s (%s): %d %s, want a 400 with its reason", fx.file, fx.what, resp.StatusCode, body)
			}
			continue
		}
		var a attachment
		if i%2 == 0 {
			a, _ = s.uploadRaw(t, path, fx.file)
		} else {
			a = s.uploadMultipart(t, path, "")
		}
		if a.MIME != fx.mime {
			t.Errorf("%s: mime_type %q, want %q", fx.file, a.MIME, fx.mime)
		}
		if want := map[bool]string{true: "image", false: "file"}[fx.family == "image"]; a.MediaType != want {
			t.Errorf("%s: media_type %q, want %q", fx.file, a.MediaType, want)
		}
		ups = append(ups, upload{fx, a})
	}
	for _, u := range ups {
		a := s.waitDone(t, u.a.ID)
		want := u.fx.outcome
		if !decoded[u.fx.family] {
			want = "ready"
		}
		if a.ProcessingStatus != want {
			t.Errorf("%s (%s): %s %q, want %s", u.fx.file, u.fx.what, a.ProcessingStatus, a.ProcessingError, want)
			continue
		}
		if want == "failed" && a.ProcessingError == "" {
			t.Errorf("%s failed with no reason", u.fx.file)
		}
		if u.fx.mime == "application/pdf" && want == "ready" {
			checkPDFPreview(t, s, u.fx, a)
		}
		if u.fx.family == "image" && want == "ready" {
			if got := strconv.Itoa(a.MediaDetails.Width) + "x" + strconv.Itoa(a.MediaDetails.Height); got != u.fx.width+"x"+u.fx.height {
				t.Errorf("%s: %s, want %sx%s", u.fx.file, got, u.fx.width, u.fx.height)
			}
		}
	}
	// The workers that met every hostile file still work.
	a, _ := s.uploadRaw(t, filepath.Join(testdataDir(t), "photo-640x480.jpg"), "after.jpg")
	if a = s.waitDone(t, a.ID); a.ProcessingStatus != "ready" {
		t.Fatalf("a photo after the hostile files: %s %q", a.ProcessingStatus, a.ProcessingError)
	}
}

// checkPDFPreview checks a ready PDF as WordPress ≥ 4.7 shows one: the
// PDF stays the attached file; media_details.sizes are its first page's
// preview, thumbnail, medium and large, then full, each a JPEG named
// "{stem}-pdf…" that is served at its size; nothing is missing.
func checkPDFPreview(t *testing.T, s *stack, fx mediaFixture, a attachment) {
	t.Helper()
	stem := strings.TrimSuffix(fx.file, ".pdf")
	if !strings.HasSuffix(a.SourceURL, "/"+fx.file) {
		t.Errorf("%s: source_url %s: the PDF is no longer the attached file", fx.file, a.SourceURL)
	}
	var names []string
	for _, e := range a.MediaDetails.Sizes {
		names = append(names, e.Name)
		if !strings.HasPrefix(e.File, stem+"-pdf") || e.MIME != "image/jpeg" {
			t.Errorf("%s: size %s is %s (%s)", fx.file, e.Name, e.File, e.MIME)
		}
		cfg, format, _ := fetchImage(t, e.SourceURL)
		if format != "jpeg" || cfg.Width != e.Width || cfg.Height != e.Height {
			t.Errorf("%s: %s serves a %s of %dx%d, recorded %dx%d", fx.file, e.Name, format, cfg.Width, cfg.Height, e.Width, e.Height)
		}
	}
	if strings.Join(names, ",") != "thumbnail,medium,large,full" {
		t.Errorf("%s: sizes %v", fx.file, names)
	}
	if len(a.MissingSizes) != 0 {
		t.Errorf("%s: missing_image_sizes %v", fx.file, a.MissingSizes)
	}
	// A post-process finds nothing missing and leaves it ready.
	req, _ := http.NewRequest("POST", s.base+"/wp-json/wp/v2/media/"+strconv.FormatInt(a.ID, 10)+"/post-process?action=create-image-subsizes", nil)
	if resp, body := s.do(t, req); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"processing_status":"ready"`) {
		t.Errorf("%s: post-process %d %s", fx.file, resp.StatusCode, body)
	}
}
