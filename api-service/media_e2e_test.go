package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image"
	_ "image/jpeg"
	"math"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mediaFixture is one line of testdata's media/manifest.tsv.
type mediaFixture struct {
	file, mime, family, duration, width, height, pages, outcome, what, title, poster string
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
		if len(c) != 11 {
			t.Fatalf("manifest line %q: %d columns", sc.Text(), len(c))
		}
		out = append(out, mediaFixture{c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]})
	}
	if len(out) < 15 {
		t.Fatalf("only %d media fixtures", len(out))
	}
	return dir, out
}

// TestMediaKindsEndToEnd uploads every media fixture through WordPress, raw
// and multipart: each is accepted as the type its bytes are, and ends as
// the manifest says. A PDF ends ready with WordPress's preview sizes; an
// audio or video file with its length, frame size and tags in
// media_details and its cover art or poster frame an image item of its
// own (featured_media), itself made ready; a hostile one failed with its
// reason, while the workers go on: the photo uploaded after all of them is
// made ready too.
func TestMediaKindsEndToEnd(t *testing.T) {
	s := startStack(t, 2)
	dir, fixtures := mediaFixtures(t)
	type upload struct {
		fx mediaFixture
		a  attachment
	}
	var ups []upload
	for _, fx := range fixtures {
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
		// Each goes both ways WordPress takes a file: as the raw body and
		// as a multipart part.
		raw, _ := s.uploadRaw(t, path, fx.file)
		for _, a := range []attachment{raw, s.uploadMultipart(t, path, "")} {
			if a.MIME != fx.mime {
				t.Errorf("%s: mime_type %q, want %q", fx.file, a.MIME, fx.mime)
			}
			if want := map[bool]string{true: "image", false: "file"}[fx.family == "image"]; a.MediaType != want {
				t.Errorf("%s: media_type %q, want %q", fx.file, a.MediaType, want)
			}
			ups = append(ups, upload{fx, a})
		}
	}
	for _, u := range ups {
		a := s.waitDone(t, u.a.ID)
		want := u.fx.outcome
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
		if (u.fx.mime == "application/pdf" || u.fx.file == "clip.mp4") && want == "ready" {
			// Image URL parameters on the file's path are applied to its
			// picture: the PDF's preview, the video's poster.
			_, rest, _ := strings.Cut(a.SourceURL, "/wp-content/uploads/")
			url := s.base + "/media/" + rest + "?width=200&format=jpg"
			var cfg image.Config
			var format string
			waitFor(t, time.Minute, "a rendition of "+u.fx.file, func() bool {
				resp, err := http.Get(url)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if resp.StatusCode == http.StatusServiceUnavailable {
					return false
				}
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d", url, resp.StatusCode)
				}
				cfg, format, _ = image.DecodeConfig(resp.Body)
				return true
			})
			if format != "jpeg" || cfg.Width != 200 {
				t.Errorf("%s: %s of %dx%d, want a 200 px wide JPEG", url, format, cfg.Width, cfg.Height)
			}
		}
		if (u.fx.family == "audio" || u.fx.family == "video") && want == "ready" {
			checkAV(t, s, u.fx, a)
		}
		if u.fx.family == "image" && want == "ready" {
			if got := strconv.Itoa(a.MediaDetails.Width) + "x" + strconv.Itoa(a.MediaDetails.Height); got != u.fx.width+"x"+u.fx.height {
				t.Errorf("%s: %s, want %sx%s", u.fx.file, got, u.fx.width, u.fx.height)
			}
		}
	}
	// WordPress's filters find them by their kind and their type.
	count := func(query string) (n int, want int) {
		req, _ := http.NewRequest("GET", s.base+"/wp-json/wp/v2/media?per_page=100&"+query, nil)
		resp, body := s.do(t, req)
		var list []attachment
		if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil {
			t.Fatalf("list %s: %d %s", query, resp.StatusCode, body)
		}
		for _, a := range list {
			n++
			if !strings.Contains(a.MIME, strings.TrimPrefix(strings.TrimPrefix(query, "media_type="), "mime_type=")) {
				t.Errorf("list %s holds a %s", query, a.MIME)
			}
		}
		for _, fx := range fixtures {
			if fx.outcome != "refused" && strings.Contains(fx.mime, strings.TrimPrefix(strings.TrimPrefix(query, "media_type="), "mime_type=")) {
				want += 2 // raw and multipart
			}
		}
		return n, want
	}
	for _, q := range []string{"media_type=audio", "media_type=video", "mime_type=video/quicktime", "mime_type=application/zip"} {
		if n, want := count(q); n != want || n == 0 {
			t.Errorf("list %s: %d items, want %d", q, n, want)
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
	// The stored name: the fixture's, or with a "-1" when it was sent twice.
	stored := path.Base(a.SourceURL)
	stem := strings.TrimSuffix(stored, ".pdf")
	if !strings.HasPrefix(stem, strings.TrimSuffix(fx.file, ".pdf")) || !strings.HasSuffix(stored, ".pdf") {
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
	req0, _ := http.NewRequest("GET", s.base+"/wp-json/wp/v2/media/"+strconv.FormatInt(a.ID, 10), nil)
	_, body := s.do(t, req0)
	var pages struct {
		MediaDetails struct {
			Pages int `json:"pages"`
		} `json:"media_details"`
	}
	if json.Unmarshal(body, &pages) != nil || strconv.Itoa(pages.MediaDetails.Pages) != fx.pages {
		t.Errorf("%s: %d pages, want %s", fx.file, pages.MediaDetails.Pages, fx.pages)
	}
	// A post-process finds nothing missing and leaves it ready.
	req, _ := http.NewRequest("POST", s.base+"/wp-json/wp/v2/media/"+strconv.FormatInt(a.ID, 10)+"/post-process?action=create-image-subsizes", nil)
	if resp, body := s.do(t, req); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"processing_status":"ready"`) {
		t.Errorf("%s: post-process %d %s", fx.file, resp.StatusCode, body)
	}
}

// avDetails is the part of an audio or video file's media_details read
// here.
type avDetails struct {
	MediaDetails struct {
		Length          int    `json:"length"`
		LengthFormatted string `json:"length_formatted"`
		Width           int    `json:"width"`
		Height          int    `json:"height"`
		SampleRate      int    `json:"sample_rate"`
		Audio           *struct {
			SampleRate int `json:"sample_rate"`
		} `json:"audio"`
	} `json:"media_details"`
	FeaturedMedia int64 `json:"featured_media"`
}

// checkAV checks a ready audio or video file against its fixture's facts:
// its whole-second length as WordPress gives it, a video's frame size as
// shown, an audio file's sample rate, the title its tags give, and its
// poster image item, ready, of the video's frame size.
func checkAV(t *testing.T, s *stack, fx mediaFixture, a attachment) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.base+"/wp-json/wp/v2/media/"+strconv.FormatInt(a.ID, 10)+"?context=edit", nil)
	resp, body := s.do(t, req)
	var d avDetails
	if resp.StatusCode != 200 || json.Unmarshal(body, &d) != nil {
		t.Fatalf("%s: %d %s", fx.file, resp.StatusCode, body)
	}
	md := d.MediaDetails
	seconds, _ := strconv.ParseFloat(fx.duration, 64)
	if md.Length != int(math.Round(seconds)) || md.LengthFormatted == "" {
		t.Errorf("%s: length %d %q, want %.0f s", fx.file, md.Length, md.LengthFormatted, seconds)
	}
	if fx.family == "video" {
		if strconv.Itoa(md.Width)+"x"+strconv.Itoa(md.Height) != fx.width+"x"+fx.height || md.Audio == nil || md.Audio.SampleRate == 0 {
			t.Errorf("%s: %dx%d, audio %+v, want %sx%s with its audio", fx.file, md.Width, md.Height, md.Audio, fx.width, fx.height)
		}
	} else if md.SampleRate == 0 {
		t.Errorf("%s: no sample rate: %s", fx.file, body)
	}
	if fx.family == "video" {
		// Browsers can't all play HEVC in QuickTime: its attached file is
		// an H.264 MP4 copy, and the original stays reachable.
		web := fx.mime == "video/quicktime"
		stored := strings.TrimSuffix(path.Base(a.SourceURL), ".mp4")
		if strings.HasSuffix(a.SourceURL, ".mp4") != (web || fx.mime == "video/mp4") || (web && a.MediaDetails.OriginalImage != stored+path.Ext(fx.file)) {
			t.Errorf("%s: source_url %s, original_image %q", fx.file, a.SourceURL, a.MediaDetails.OriginalImage)
		}
		if resp, err := http.Head(a.SourceURL); err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != map[bool]string{true: "video/mp4", false: fx.mime}[web || fx.mime == "video/mp4"] {
			t.Errorf("%s: HEAD %s: %v %v", fx.file, a.SourceURL, resp, err)
		}
	}
	if want := fx.title; want != "-" && a.Title.Raw != want {
		t.Errorf("%s: title %q, want its tag's %q", fx.file, a.Title.Raw, want)
	}
	if (d.FeaturedMedia != 0) != (fx.poster == "yes") {
		t.Errorf("%s: featured_media %d, poster %s", fx.file, d.FeaturedMedia, fx.poster)
		return
	}
	if d.FeaturedMedia != 0 {
		p := s.waitDone(t, d.FeaturedMedia)
		if p.ProcessingStatus != "ready" || p.MediaType != "image" || len(p.MediaDetails.Sizes) == 0 {
			t.Errorf("%s: poster %d: %s %s, %d sizes", fx.file, p.ID, p.ProcessingStatus, p.MediaType, len(p.MediaDetails.Sizes))
		}
		if fx.family == "video" && strconv.Itoa(p.MediaDetails.Width)+"x"+strconv.Itoa(p.MediaDetails.Height) != fx.width+"x"+fx.height {
			t.Errorf("%s: poster %dx%d, want the frame's %sx%s", fx.file, p.MediaDetails.Width, p.MediaDetails.Height, fx.width, fx.height)
		}
	}
}

// TestMediaKindsV1AndHeartcore sends every media fixture through /v1
// (multipart, waiting for it) and Heartcore (multipart, as the type
// Umbraco picks for it). Through /v1 each ends as the manifest says, with
// its length within 0.1 s and a video's frame size exact; through
// Heartcore each is accepted with its extension and byte count.
func TestMediaKindsV1AndHeartcore(t *testing.T) {
	s := startStack(t, 2)
	dir, fixtures := mediaFixtures(t)
	v1 := newAPIKey(t, s.base, map[string]any{"name": "kinds", "scopes": []string{"read", "write"}})
	hc := hcClient{t: t, base: s.base, key: newAPIKey(t, s.base, map[string]any{"name": "kinds-hc", "scopes": []string{"umbraco:read", "umbraco:write"}}).key}
	umbracoType := map[string]string{"image": "Image", "audio": "umbracoMediaAudio", "video": "umbracoMediaVideo", "archive": "File"}
	for _, fx := range fixtures {
		path := filepath.Join(dir, fx.file)
		r := v1.multipart(path, fx.file)
		if fx.outcome == "refused" {
			if r.status/100 != 4 || r.code() == "" {
				t.Errorf("/v1 %s: %d %s, want a 4xx with its reason", fx.file, r.status, r.body)
			}
			continue
		}
		v1Expect(t, r, 201, "")
		var it v1Item
		r.data(t, &it)
		waitFor(t, 2*time.Minute, "/v1 "+fx.file, func() bool {
			it = v1.get(it.MediaID)
			return it.Status != "processing"
		})
		if it.Status != fx.outcome || it.ContentType != fx.mime {
			t.Errorf("/v1 %s: %s %s (%v), want %s %s", fx.file, it.Status, it.ContentType, it.FailureReason, fx.outcome, fx.mime)
			continue
		}
		if seconds, err := strconv.ParseFloat(fx.duration, 64); err == nil && fx.outcome == "ready" &&
			(it.Duration == nil || math.Abs(*it.Duration-seconds) > 0.1) {
			t.Errorf("/v1 %s: duration %v, want %s", fx.file, it.Duration, fx.duration)
		}
		if fx.family == "video" && fx.outcome == "ready" &&
			(it.Width == nil || it.Height == nil || strconv.Itoa(*it.Width)+"x"+strconv.Itoa(*it.Height) != fx.width+"x"+fx.height) {
			t.Errorf("/v1 %s: %vx%v, want %sx%s", fx.file, it.Width, it.Height, fx.width, fx.height)
		}

		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		alias := umbracoType[fx.family]
		if alias == "" {
			alias = "File"
			if fx.mime == "application/pdf" || strings.Contains(fx.mime, "wordprocessing") {
				alias = "umbracoMediaArticle"
			}
		}
		item := hc.item(hc.upload("POST", "/media", map[string]any{"mediaTypeAlias": alias, "name": fx.file, "umbracoFile": fx.file}, fx.file, data), 201)
		if item["mediaTypeAlias"] != alias || item["umbracoBytes"] != strconv.Itoa(len(data)) {
			t.Errorf("Heartcore %s: %v %v, want %s of %d bytes", fx.file, item["mediaTypeAlias"], item["umbracoBytes"], alias, len(data))
		}
	}
}
