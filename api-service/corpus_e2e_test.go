package main

// The real-world corpus end to end: every file of testdata.sh's corpus/
// (phone photos of every shape, EXIF orientations, colour models, bit
// depths, animations, HEIC, files on every size bound) goes through
// POST /wp-json/wp/v2/media on a stack with two workers, and each result is
// held to what WordPress 7.1 makes of that upload. The expectation comes from
// the manifest's facts and WordPress's maths (media.ResizeDimensions, the Go
// port of image_resize_dimensions that services/media holds to a transcription
// of the PHP), never from Pixelmill's own answers.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
)

// corpusDeadline bounds how long the whole corpus may take to leave
// "processing" once uploaded. Two workers need about a minute and a half of
// CPU for it; the rest is room for a busy two-core machine.
const corpusDeadline = 6 * time.Minute

// corpusFile is one line of corpus/manifest.tsv.
type corpusFile struct {
	Name        string // file name, also the upload's name
	Format      string // jpeg, png, gif, webp or heic
	W, H        int    // upright: as displayed, after the EXIF orientation
	Orientation int    // EXIF orientation, 0 for none
	What        string
}

// readCorpus reads corpus/manifest.tsv.
func readCorpus(t *testing.T, dir string) []corpusFile {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatalf("%v: run deploy/local/testdata.sh (fixtures v4 or later)", err)
	}
	defer f.Close()
	var files []corpusFile
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line == 1 {
			continue // header
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 6 {
			t.Fatalf("manifest.tsv:%d: %d columns, want 6", line, len(cols))
		}
		var nums [3]int
		for i, s := range cols[2:5] {
			if nums[i], err = strconv.Atoi(s); err != nil {
				t.Fatalf("manifest.tsv:%d: %v", line, err)
			}
		}
		files = append(files, corpusFile{Name: cols[0], Format: cols[1], W: nums[0], H: nums[1], Orientation: nums[2], What: cols[5]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("manifest.tsv lists no files")
	}
	return files
}

// rotatesByEXIF reports whether WordPress turns the upload upright: only
// JPEGs, through exif_read_data, and only for orientations 2 to 8.
func (c corpusFile) rotatesByEXIF() bool {
	return c.Format == "jpeg" && c.Orientation >= 2 && c.Orientation <= 8
}

// stored is the file's own width and height: orientations 5 to 8 store the
// picture turned a quarter.
func (c corpusFile) stored() (int, int) {
	if c.Format == "jpeg" && c.Orientation >= 5 && c.Orientation <= 8 {
		return c.H, c.W
	}
	return c.W, c.H
}

// wpFile is one expected entry of media_details.sizes.
type wpFile struct {
	Size string // size name
	Name string // file name
	W, H int
}

// wpUpload is what WordPress 7.1 makes of an upload with the stock sizes.
type wpUpload struct {
	Main          string // the attached file: the upload, or its -scaled, -rotated or converted copy
	W, H          int    // media_details width and height: the attached file's
	OriginalImage string // the upload's name when a copy replaced it, else ""
	Sizes         []wpFile
	OutFormat     string // format of the sub-sizes and of a replacing copy
	OutMIME       string
}

// mimeOf is the MIME type of a corpus format.
var mimeOf = map[string]string{"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp", "heic": "image/heic"}

// expectWordPress follows wp_create_image_subsizes (wp-admin/includes/image.php,
// 7.1) for one upload:
//   - stored width or height over big_image_size_threshold: resize the upload
//     to fit 2560×2560 (image_resize_dimensions; when that answers false,
//     being within a pixel of the upload, the editor's resize fails and
//     nothing replaces the upload, not even a rotated copy), then apply the
//     EXIF orientation, save "{stem}-scaled.{ext}" (PNG too since 6.8);
//   - else a HEIC is converted to JPEG, "{stem}.jpg";
//   - else a JPEG with EXIF orientation 2 to 8 is turned upright,
//     "{stem}-rotated.{ext}";
//   - every registered size is cut from the upright upload, in creation
//     order, named "{stem}-{w}x{h}.{ext}" after its own dimensions, so two
//     sizes of equal dimensions name one file.
func expectWordPress(c corpusFile) wpUpload {
	ext := filepath.Ext(c.Name)
	stem := strings.TrimSuffix(c.Name, ext)
	ext = strings.TrimPrefix(ext, ".")
	e := wpUpload{Main: c.Name, OutFormat: c.Format, OutMIME: mimeOf[c.Format]}
	if c.Format == "heic" {
		ext, e.OutFormat, e.OutMIME = "jpg", "jpeg", "image/jpeg"
	}
	sw, sh := c.stored()
	e.W, e.H = sw, sh
	switch {
	case sw > media.BigImageThreshold || sh > media.BigImageThreshold:
		if w, h, _, ok := media.ResizeDimensions(sw, sh, media.BigImageThreshold, media.BigImageThreshold, false); ok {
			if c.rotatesByEXIF() && c.Orientation >= 5 {
				w, h = h, w
			}
			e.Main, e.W, e.H, e.OriginalImage = stem+"-scaled."+ext, w, h, c.Name
		}
	case c.Format == "heic":
		e.Main, e.W, e.H, e.OriginalImage = stem+"."+ext, c.W, c.H, c.Name
	case c.rotatesByEXIF():
		e.Main, e.W, e.H, e.OriginalImage = stem+"-rotated."+ext, c.W, c.H, c.Name
	}
	for _, s := range media.CreationOrder(media.DefaultSizes()) {
		if w, h, _, ok := media.ResizeDimensions(c.W, c.H, s.Width, s.Height, s.Crop); ok {
			e.Sizes = append(e.Sizes, wpFile{Size: s.Name, Name: fmt.Sprintf("%s-%dx%d.%s", stem, w, h, ext), W: w, H: h})
		}
	}
	return e
}

// wpRenamed matches the names WordPress would de-duplicate on upload
// (wp_unique_filename): a corpus name must not end like that, or the
// expected names above would be wrong for a reason that is not the test's.
var wpRenamed = regexp.MustCompile(`-(\d+x\d+|scaled|rotated)\.[^.]+$`)

// TestCorpusEndToEnd uploads the whole corpus, waits for every item to leave
// "processing" within corpusDeadline, then checks each one against
// expectWordPress: status ready, media_details width and height, the
// attached file (-scaled, -rotated, converted) and original_image, the exact
// set, order, names and dimensions of media_details.sizes, no
// missing_image_sizes, and every file fetched: its real pixel size and format.
func TestCorpusEndToEnd(t *testing.T) {
	dir := filepath.Join(testdataDir(t), "corpus")
	files := readCorpus(t, dir)
	s := startStack(t, 2)

	// The manifest's facts against the files' own headers, where Go can
	// read them (not HEIC): a wrong manifest must not pass as a Pixelmill bug.
	stems := map[string]string{}
	for _, c := range files {
		if wpRenamed.MatchString(c.Name) {
			t.Fatalf("corpus name %s ends like a WordPress sub-size; WordPress would rename it", c.Name)
		}
		// Each upload keeps its name only if no other has its stem:
		// Pixelmill numbers a second "photo.*" in a directory whatever its
		// extension (WordPress would not), which is not what this test is
		// about.
		stem := strings.TrimSuffix(c.Name, filepath.Ext(c.Name))
		if other, ok := stems[stem]; ok {
			t.Fatalf("corpus files %s and %s share a stem", other, c.Name)
		}
		stems[stem] = c.Name
		if _, ok := mimeOf[c.Format]; !ok {
			t.Fatalf("%s: unknown format %q", c.Name, c.Format)
		}
		if c.Format == "heic" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, c.Name))
		if err != nil {
			t.Fatal(err)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if sw, sh := c.stored(); err != nil || format != c.Format || cfg.Width != sw || cfg.Height != sh {
			t.Fatalf("%s: header says %s %dx%d (%v), manifest %s %dx%d", c.Name, format, cfg.Width, cfg.Height, err, c.Format, sw, sh)
		}
	}

	ids := make([]int64, len(files))
	uploadedAt := make([]time.Time, len(files))
	for i, c := range files {
		a, _ := s.uploadRaw(t, filepath.Join(dir, c.Name), c.Name)
		ids[i], uploadedAt[i] = a.ID, time.Now()
	}
	uploaded := time.Now()
	t.Logf("uploaded %d files in %s", len(files), uploaded.Sub(uploadedAt[0]).Round(time.Millisecond))

	// Poll every item until none is processing or the deadline passes; how
	// long each took from its own upload is logged at the end.
	final := make([]attachment, len(files))
	took := make([]time.Duration, len(files))
	pending := len(files)
	for pending > 0 && time.Since(uploaded) < corpusDeadline {
		for i, id := range ids {
			if took[i] != 0 {
				continue
			}
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/wp-json/wp/v2/media/%d?context=edit", s.base, id), nil)
			resp, body := s.do(t, req)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("get %s (%d): %d %s", files[i].Name, id, resp.StatusCode, body)
			}
			var a attachment
			if err := json.Unmarshal(body, &a); err != nil {
				t.Fatal(err)
			}
			final[i] = a
			if a.ProcessingStatus != "processing" {
				took[i] = time.Since(uploadedAt[i])
				pending--
			}
		}
		time.Sleep(250 * time.Millisecond)
	}

	for i, c := range files {
		t.Run(c.Name, func(t *testing.T) {
			a, want := final[i], expectWordPress(c)
			if took[i] == 0 {
				t.Fatalf("%s (%dx%d %s): still %q %s after the last upload (%s)", c.What, c.W, c.H, c.Format, a.ProcessingStatus, corpusDeadline, a.ProcessingError)
			}
			// Nothing in the corpus is a file WordPress refuses: each one
			// must come out ready.
			if a.ProcessingStatus != "ready" {
				t.Fatalf("%s: status %q after %s: %s", c.What, a.ProcessingStatus, took[i].Round(time.Millisecond), a.ProcessingError)
			}
			checkCorpusItem(t, a, c, want)
		})
	}

	var summary strings.Builder
	for i, c := range files {
		fmt.Fprintf(&summary, "\n  %-28s %-10s %6.1fs  %s", c.Name, final[i].ProcessingStatus, took[i].Seconds(), c.What)
	}
	t.Logf("status, and seconds from each upload until it left processing (0 = never):%s", summary.String())
}

// checkCorpusItem holds one finished attachment to WordPress's answer.
func checkCorpusItem(t *testing.T, a attachment, c corpusFile, want wpUpload) {
	t.Helper()
	md := a.MediaDetails
	if a.MIME != mimeOf[c.Format] {
		t.Errorf("mime_type %s, want %s", a.MIME, mimeOf[c.Format])
	}
	if md.Width != want.W || md.Height != want.H {
		t.Errorf("media_details %dx%d, want %dx%d", md.Width, md.Height, want.W, want.H)
	}
	if !strings.HasSuffix(md.File, "/"+want.Main) || !strings.HasSuffix(a.SourceURL, "/"+want.Main) {
		t.Errorf("attached file %s (source_url %s), want …/%s", md.File, a.SourceURL, want.Main)
	}
	if md.OriginalImage != want.OriginalImage {
		t.Errorf("original_image %q, want %q", md.OriginalImage, want.OriginalImage)
	}
	if len(a.MissingSizes) != 0 {
		t.Errorf("missing_image_sizes %v, want none", a.MissingSizes)
	}

	// The attached file itself.
	mainFormat := c.Format
	if want.Main != c.Name {
		mainFormat = want.OutFormat
	}
	if cfg, format, _ := fetchImage(t, a.SourceURL); cfg.Width != want.W || cfg.Height != want.H || format != mainFormat {
		t.Errorf("attached file is %s %dx%d, want %s %dx%d", format, cfg.Width, cfg.Height, mainFormat, want.W, want.H)
	}

	// media_details.sizes: exactly WordPress's, in its order, then "full"
	// when there is any (an image without sub-sizes has an empty object).
	var got, exp []string
	for _, sz := range md.Sizes {
		got = append(got, fmt.Sprintf("%s %s %dx%d", sz.Name, sz.File, sz.Width, sz.Height))
	}
	for _, f := range want.Sizes {
		exp = append(exp, fmt.Sprintf("%s %s %dx%d", f.Size, f.Name, f.W, f.H))
	}
	if len(want.Sizes) > 0 {
		exp = append(exp, fmt.Sprintf("full %s %dx%d", want.Main, want.W, want.H))
	}
	if strings.Join(got, "\n") != strings.Join(exp, "\n") {
		t.Errorf("media_details.sizes:\n  got  %s\n  want %s", strings.Join(got, "\n       "), strings.Join(exp, "\n       "))
	}

	// Equal dimensions share one file, distinct ones never do (a 3:4
	// portrait's medium_large and large are both 768×1024).
	byDims, byName := map[[2]int]string{}, map[string][2]int{}
	for _, sz := range md.Sizes {
		if sz.Name == "full" {
			continue
		}
		d := [2]int{sz.Width, sz.Height}
		if f, ok := byDims[d]; ok && f != sz.File {
			t.Errorf("%dx%d is both %s and %s", d[0], d[1], f, sz.File)
		}
		if o, ok := byName[sz.File]; ok && o != d {
			t.Errorf("%s is both %dx%d and %dx%d", sz.File, o[0], o[1], d[0], d[1])
		}
		byDims[d], byName[sz.File] = sz.File, d
	}

	// Every file: fetched, its real size and format; the sub-sizes in the
	// output format, "full" under the post's MIME type as WordPress has it.
	for _, sz := range md.Sizes {
		cfg, format, _ := fetchImage(t, sz.SourceURL)
		wantFormat, wantMIME := want.OutFormat, want.OutMIME
		if sz.Name == "full" {
			wantFormat, wantMIME = mainFormat, a.MIME
		}
		if cfg.Width != sz.Width || cfg.Height != sz.Height || format != wantFormat {
			t.Errorf("%s: %s is %s %dx%d, recorded %dx%d, want %s", sz.Name, sz.File, format, cfg.Width, cfg.Height, sz.Width, sz.Height, wantFormat)
		}
		if sz.MIME != wantMIME || (sz.Name != "full" && sz.Filesize <= 0) {
			t.Errorf("%s: mime_type %s filesize %d, want %s and a size", sz.Name, sz.MIME, sz.Filesize, wantMIME)
		}
	}
}
