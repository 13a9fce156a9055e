package main

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// libraryReport is what testdata/js/library-browser.mjs prints.
type libraryReport struct {
	Steps   []map[string]any          `json:"steps"`
	Console []string                  `json:"console"`
	CSP     []string                  `json:"csp"`
	Axe     map[string][]axeViolation `json:"axe"`
	Failed  []string                  `json:"failed"`
	Error   string                    `json:"error"`
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Nodes  int    `json:"nodes"`
	Help   string `json:"help"`
}

// step returns the fields the browser reported at a step.
func (r *libraryReport) step(t *testing.T, name string) map[string]any {
	t.Helper()
	for _, s := range r.Steps {
		if s["name"] == name {
			return s
		}
	}
	t.Fatalf("the browser never reached step %q (error: %s)", name, r.Error)
	return nil
}

// artifactsDir is where browser screenshots are kept:
// PIXELMILL_TEST_ARTIFACTS (make test sets test-artifacts/), else a
// temporary directory.
func artifactsDir(t *testing.T) string {
	if d := os.Getenv("PIXELMILL_TEST_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestLibraryBrowser drives the media library page in headless Chromium:
// sign in with an application password (and, apart, with an API key), upload two photos and watch their
// progress and thumbnails arrive without a reload or polling, open one,
// set its focal point and see its crops cut again, edit its alt text, copy
// a file's address, search, delete one, use it at a phone's width, open
// the attachment page; axe-core finds no serious violation in any of those
// states and the page breaks none of its Content-Security-Policy.
func TestLibraryBrowser(t *testing.T) {
	if _, err := os.Stat(filepath.Join("testdata", "js", "node_modules", "@axe-core", "playwright")); err != nil {
		t.Fatal("testdata/js/node_modules is missing: run `make test`, or `npm ci` in api-service/testdata/js")
	}
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		t.Fatal("/usr/bin/chromium is missing: run `make test`, which installs Debian's chromium")
	}
	s := startStack(t, 1)
	root := wpClient{t: t, base: s.base, login: "admin", pass: adminPassword}
	r := root.form("POST", "/wp-json/wp/v2/users/me/application-passwords", url.Values{"name": {"library"}})
	expect(t, r, 201, "")
	var ap struct {
		Password string `json:"password"`
	}
	r.json(t, &ap)
	// One item from before, so the grid is not empty when the page opens.
	s.uploadRaw(t, filepath.Join(testdataDir(t), "photo-640x480.jpg"), "earlier.jpg")

	key := newAPIKey(t, s.base, map[string]any{"name": "library", "scopes": []string{"umbraco:read"}})

	shots := artifactsDir(t)
	cmd := exec.Command("node", "library-browser.mjs", s.base, "admin", ap.Password,
		filepath.Join(testdataDir(t), "photo-1800x1200.jpg"), filepath.Join(testdataDir(t), "sideways-1200x1800.jpg"), shots, key.key)
	cmd.Dir = filepath.Join("testdata", "js")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("library-browser.mjs: %v\n%s", err, out)
	}
	var rep libraryReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	t.Logf("browser report: %s", out)
	if rep.Error != "" {
		t.Fatalf("the browser stopped: %s\nconsole: %s", rep.Error, strings.Join(rep.Console, "\n"))
	}
	if len(rep.CSP) > 0 {
		t.Errorf("the page broke its Content-Security-Policy: %q", rep.CSP)
	}
	for _, line := range rep.Console {
		if strings.HasPrefix(line, "pageerror") || strings.HasPrefix(line, "error") {
			t.Errorf("browser console: %s", line)
		}
	}
	for _, f := range rep.Failed {
		t.Errorf("the page asked for something that failed: %s", f)
	}

	if n := rep.step(t, "uploading")["progressBars"].(float64); n != 2 {
		t.Errorf("%v progress bars while uploading, want one for each of the 2 files", n)
	}
	arrived := rep.step(t, "thumbnails arrived")
	if arrived["noReload"] != true {
		t.Error("the page was reloaded while uploads were processed")
	}
	if n := arrived["listRequestsDuringUpload"].(float64); n != 0 {
		t.Errorf("the page listed media %v times while waiting: polling, not the event stream", n)
	}
	if n := arrived["eventStreams"].(float64); n < 1 {
		t.Error("the page never opened the event stream")
	}
	if n := arrived["itemRequests"].(float64); n > 6 {
		t.Errorf("%v item reads for 2 uploads: more than the events call for", n)
	}
	if info, _ := arrived["pageInfo"].(string); !strings.HasSuffix(info, "3 items") {
		t.Errorf("page info %q once both uploads are in, want 3 items", info)
	}
	if srcset, _ := arrived["srcset"].(string); strings.Count(srcset, "w,") < 1 || !strings.Contains(srcset, "/wp-content/uploads/") {
		t.Errorf("thumbnail srcset %q, want several sizes", srcset)
	}

	large := rep.step(t, "large upload")
	if large["presign"].(float64) != 1 || large["storagePuts"].(float64) != 1 {
		t.Errorf("the 17 MiB file: %v presigned uploads begun, %v PUTs to storage; want 1 and 1", large["presign"], large["storagePuts"])
	}
	if p, _ := large["progress"].([]any); len(p) != 1 || len(p[0].([]any)) < 2 {
		t.Errorf("the large upload's progress values %v, want it to move", large["progress"])
	}

	focal := rep.step(t, "focal point")
	if changed, _ := focal["changed"].([]any); len(changed) == 0 {
		t.Errorf("no crop changed after the focal point moved (crops %v)", focal["crops"])
	}
	if rows := focal["fileRows"].(float64); rows < 4 {
		t.Errorf("%v file rows in the detail, want the attached file and its sizes", rows)
	}
	if clip, _ := rep.step(t, "copied")["clipboard"].(string); !strings.HasPrefix(clip, s.base+"/wp-content/uploads/") {
		t.Errorf("clipboard %q, want a file's address", clip)
	}
	if n := rep.step(t, "searched")["tiles"].(float64); n != 1 {
		t.Errorf("%v tiles after searching one title", n)
	}
	left, _ := rep.step(t, "deleted")["tiles"].([]any)
	if slices.ContainsFunc(left, func(v any) bool { return strings.Contains(v.(string), "library-phone") }) {
		t.Errorf("the deleted item is still shown: %v", left)
	}

	// What the page did is what the API now says.
	var items []struct {
		ID      int64  `json:"id"`
		AltText string `json:"alt_text"`
		Slug    string `json:"slug"`
		Px      struct {
			Focal *struct{ Left, Top float64 } `json:"focal_point"`
		} `json:"pixelmill"`
	}
	root.do("GET", "/wp-json/wp/v2/media?context=edit&per_page=100", nil, nil).json(t, &items)
	found := map[string]bool{}
	for _, it := range items {
		found[it.Slug] = true
		if it.Slug == "library-harbour" {
			if it.AltText != "Boats in a harbour at dusk" {
				t.Errorf("alt text %q after the edit", it.AltText)
			}
			if it.Px.Focal == nil || it.Px.Focal.Left > 0.15 {
				t.Errorf("focal point %+v, want the click's, near the left edge", it.Px.Focal)
			}
		}
	}
	if !found["library-harbour"] || found["library-phone"] {
		t.Errorf("items after the session: %v, want library-harbour kept and library-phone deleted", found)
	}

	for name, vs := range rep.Axe {
		for _, v := range vs {
			if v.Impact == "serious" || v.Impact == "critical" {
				t.Errorf("axe (%s): %s %s on %d nodes: %s", name, v.Impact, v.ID, v.Nodes, v.Help)
			}
		}
	}
	for _, want := range []string{"grid", "detail", "phone", "phone-detail", "attachment"} {
		if _, ok := rep.Axe[want]; !ok {
			t.Errorf("axe did not check %s", want)
		}
	}
	if o := rep.step(t, "phone")["overflow"].(float64); o > 0 {
		t.Errorf("at a phone's width the page is %vpx wider than the screen", o)
	}
	if o := rep.step(t, "phone detail")["overflow"].(float64); o > 0 {
		t.Errorf("at a phone's width the detail is %vpx wider than the screen", o)
	}
	keyed := rep.step(t, "signed in with a key")
	if keyed["who"] != "Signed in as admin" || keyed["tiles"].(float64) < 2 {
		t.Errorf("signed in with an API key: %v", keyed)
	}
	page := rep.step(t, "attachment page")
	if page["status"].(float64) != 200 || page["h1"] != "library-harbour" || page["img"].(float64) != 1 ||
		!strings.Contains(page["csp"].(string), "default-src 'none'") {
		t.Errorf("attachment page: %v", page)
	}
	for _, shot := range []string{"library-grid.png", "library-detail.png", "library-phone.png"} {
		fi, err := os.Stat(filepath.Join(shots, shot))
		if err != nil || fi.Size() < 10_000 {
			t.Errorf("screenshot %s: %v", shot, err)
		}
	}
	t.Logf("screenshots in %s", shots)
}
