package media

import (
	"strings"
	"testing"
)

func TestSanitizeFileName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"canola.jpg":                  "canola.jpg",
		"my foo picture.jpg":          "my-foo-picture.jpg",
		"Filename With Spaces.jpg":    "Filename-With-Spaces.jpg",
		"../../etc/passwd.jpg":        "etcpasswd.jpg",
		"x.php.jpg":                   "x.php_.jpg",
		"jpg":                         "unnamed-file.jpg",
		"crème brûlée.png":            "creme-brulee.png",
		"a..b...jpg":                  "a.b.jpg",
		"<b>Bold</b>\x01 Name.jpg":    "bBoldb-Name.jpg",
		"hello%20world.jpg":           "hello-world.jpg",
		"-_.leading-and-trailing.gif": "leading-and-trailing.gif",
	} {
		if got := SanitizeFileName(in); got != want {
			t.Errorf("SanitizeFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecideName(t *testing.T) {
	t.Parallel()
	png := FileType{"image/png", "png"}
	jpeg := FileType{"image/jpeg", "jpg"}
	for _, tt := range []struct {
		name     string
		ft       FileType
		stem, ex string
		ok       bool
	}{
		{"image.jpg", png, "image", "png", true}, // PNG bytes named .jpg are stored as .png
		{"photo.JPEG", jpeg, "photo", "jpeg", true},
		{"evil.php", jpeg, "", "", false},
		{"noext", jpeg, "", "", false},
	} {
		stem, ext, ok := DecideName(tt.name, tt.ft)
		if stem != tt.stem || ext != tt.ex || ok != tt.ok {
			t.Errorf("DecideName(%q) = %q %q %v", tt.name, stem, ext, ok)
		}
	}
}

func TestUniqueStem(t *testing.T) {
	t.Parallel()
	taken := map[string]bool{"canola": true, "canola-1": true}
	if got := UniqueStem("Canola", taken); got != "Canola-2" {
		t.Errorf("got %q", got)
	}
	if got := UniqueStem("photo-150x150", nil); got != "photo-150x150-1" {
		t.Errorf("got %q", got)
	}
	if got := UniqueStem("x-scaled", nil); got != "x-scaled-1" {
		t.Errorf("got %q", got)
	}
	if got := UniqueStem("fresh", taken); got != "fresh" {
		t.Errorf("got %q", got)
	}
	if got := UniqueSlug("canola", map[string]bool{"canola": true}); got != "canola-2" {
		t.Errorf("slug %q", got)
	}
}

// TestUniqueSlug holds UniqueSlug to wp_unique_post_slug for attachments.
func TestUniqueSlug(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 199) + "-b"
	for _, tt := range []struct {
		slug  string
		taken []string
		want  string
	}{
		{"canola", nil, "canola"},
		{"canola", []string{"canola", "canola-2"}, "canola-3"},
		{"feed", nil, "feed-2"},
		{"rss2", nil, "rss2-2"},
		{"embed", []string{"embed-2"}, "embed-3"},
		{"feeds", nil, "feeds"},
		{long, nil, long},
		{long, []string{long}, strings.Repeat("a", 198) + "-2"},
		{strings.Repeat("é", 34), []string{strings.Repeat("é", 34)}, strings.Repeat("é", 33) + "-2"},
	} {
		taken := map[string]bool{}
		for _, s := range tt.taken {
			taken[s] = true
		}
		if got := UniqueSlug(tt.slug, taken); got != tt.want {
			t.Errorf("UniqueSlug(%q) = %q, want %q", tt.slug, got, tt.want)
		}
	}
}

// TestSlugPrefix looks up taken slugs as the store does, by SlugPrefix:
// the same long title uploaded again and again gets a new slug every time,
// though its suffixed slugs are cut (a lookup by the whole slug missed
// "cut-2" and handed it out again).
func TestSlugPrefix(t *testing.T) {
	t.Parallel()
	for _, title := range []string{
		strings.Repeat("a", 250),
		strings.Repeat("я", 33) + "ab",
		strings.Repeat("日", 22) + "ab",
		strings.Repeat("я", 34),
		"canola",
	} {
		slug := Slugify(title)
		var stored []string
		seen := map[string]bool{}
		for range 12 {
			taken := map[string]bool{}
			for _, s := range stored {
				if strings.HasPrefix(s, SlugPrefix(slug)) {
					taken[s] = true
				}
			}
			got := UniqueSlug(slug, taken)
			if seen[got] {
				t.Fatalf("%q: upload %d got %q again (stored %q)", title, len(stored)+1, got, stored)
			}
			seen[got] = true
			stored = append(stored, got)
		}
	}
}

// TestSlugify holds Slugify to WordPress's sanitize_title where slugs of
// letters agree.
func TestSlugify(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"My Custom Slug":           "my-custom-slug",
		"already-a-slug":           "already-a-slug",
		"Crème Brûlée":             "creme-brulee",
		"Filename.With.Periods":    "filename-with-periods",
		"<b>Bold</b> Name":         "bold-name",
		"Tom &amp; Jerry":          "tom-jerry",
		"AC/DC":                    "ac-dc",
		"a\u2013b\u2014c\u00a0d":   "a-b-c-d",
		"a&ndash;b&#8212;c":        "a-b-c",
		"3×4":                      "3x4",
		"  --lead--and--trail--  ": "lead-and-trail",
		"!!!":                      "",
		"snake_case":               "snake_case",
		strings.Repeat("ab ", 100): strings.TrimSuffix(strings.Repeat("ab-", 67), "-"),
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSniffType(t *testing.T) {
	t.Parallel()
	for head, want := range map[string]string{
		"\xff\xd8\xff\xe0":             "image/jpeg",
		"\x89PNG\r\n\x1a\n":            "image/png",
		"GIF89a":                       "image/gif",
		"RIFF\x00\x00\x00\x00WEBPVP8 ": "image/webp",
		"%PDF-1.7":                     "application/pdf",
	} {
		ft, ok := SniffType([]byte(head))
		if !ok || ft.MIME != want {
			t.Errorf("SniffType(%q) = %v %v, want %s", head, ft, ok, want)
		}
	}
	if _, ok := SniffType([]byte("<?php echo 1;")); ok {
		t.Error("php sniffed as an accepted type")
	}
}

func TestSniffSVG(t *testing.T) {
	t.Parallel()
	for head, want := range map[string]bool{
		`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`: true,
		"\xef\xbb\xbf  <?xml version=\"1.0\"?>\n<svg>":                            true,
		`<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"><svg>`:                    true,
		`<?xml version="1.0"?><html>`:                                             false,
		`<html><svg></svg></html>`:                                                false,
		"\x89PNG\r\n\x1a\n":                                                       false,
	} {
		if got := SniffSVG([]byte(head)); got != want {
			t.Errorf("SniffSVG(%q) = %v", head, got)
		}
	}
	if stem, ext, ok := DecideName("logo.svg", SVG); !ok || stem != "logo" || ext != "svg" {
		t.Errorf("logo.svg: %q %q %v", stem, ext, ok)
	}
	if _, _, ok := DecideName("logo.svg", FileType{"image/png", "png"}); ok {
		t.Error("PNG bytes named .svg accepted")
	}
}

// zipWith is the start of a ZIP file whose first entry is name, stored
// with body: how Office Open XML and OpenDocument files begin.
func zipWith(name, body string) string {
	h := "PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	n := len(body)
	h += string([]byte{byte(n), byte(n >> 8), 0, 0, byte(n), byte(n >> 8), 0, 0})
	h += string([]byte{byte(len(name)), 0, 0, 0})
	return h + name + body
}

// TestDecideType: every type WordPress accepts by default is decided from
// the bytes; the name only picks among what a container can hold; anything
// else is refused, however it is named.
func TestDecideType(t *testing.T) {
	t.Parallel()
	ole := "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 512)
	docx := zipWith("[Content_Types].xml", "<Types/>") + zipWith("word/document.xml", "<w/>")
	odt := zipWith("mimetype", "application/vnd.oasis.opendocument.text")
	for _, tt := range []struct {
		name, head, want string // want "" = refused
	}{
		{"song.mp3", "ID3\x04\x00\x00\x00\x00\x01\x00TIT2\x00\x00\x00\x06\x00\x00\x03Hello" + strings.Repeat("\x00", 100), "audio/mpeg"},
		{"song.m4a", "\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A isom", "audio/mpeg"},
		{"song.flac", "fLaC\x00\x00\x00\x22", "audio/flac"},
		{"song.wav", "RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00", "audio/wav"},
		{"bell.oga", "OggS\x00\x02" + strings.Repeat("\x00", 22) + "\x01vorbis", "audio/ogg"},
		{"clip.mov", "\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "video/quicktime"},
		{"clip.webm", "\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm", "video/webm"},
		{"clip.avi", "RIFF\x00\x00\x00\x00AVI LIST\x00\x00\x00\x00hdrl", "video/avi"},
		{"clip.3gp", "\x00\x00\x00\x14ftyp3gp4\x00\x00\x00\x003gp4", "video/3gpp"},
		{"doc.pdf", "%PDF-1.7\n", "application/pdf"},
		{"letter.docx", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"letter.odt", odt, "application/vnd.oasis.opendocument.text"},
		{"sheet.xlsx", zipWith("a.txt", "x"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"photos.zip", zipWith("a.txt", "x"), "application/zip"},
		{"photos.bin", zipWith("a.txt", "x"), "application/zip"}, // refused later by its name
		{"old.doc", ole, "application/msword"},
		{"old.xls", ole, "application/vnd.ms-excel"},
		{"old.ppt", ole, "application/vnd.ms-powerpoint"},
		{"note.rtf", `{\rtf1\ansi hello}`, "application/rtf"},
		{"notes.txt", "Plain words, ünïcode too.\n", "text/plain"},
		{"data.csv", "a,b,c\n1,2,3\n4,5,6\n", "text/csv"},
		{"data.csv", "one column only\n", "text/csv"},
		{"page.txt", "<!DOCTYPE html><html><script>alert(1)</script></html>", ""},
		{"setup.doc", "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", ""},
		{"tool.txt", "\x7fELF\x02\x01\x01\x00" + strings.Repeat("\x00", 56), ""},
		{"script.txt", "<?php system($_GET['c']); ?>", ""},
	} {
		ft, ok := DecideType([]byte(tt.head), tt.name)
		if ok != (tt.want != "") || ft.MIME != tt.want {
			t.Errorf("DecideType(%s) = %+v %v, want %q", tt.name, ft, ok, tt.want)
		}
		if ok && FamilyOf(ft.MIME) == "" {
			t.Errorf("%s: %s has no family", tt.name, ft.MIME)
		}
	}
	// Names: a file keeps its own extension; bytes of one type under
	// another's name are refused, as WordPress refuses them, except an
	// image's, whose extension is corrected.
	for _, tt := range []struct{ name, mime, stem, ext string }{
		{"Report.DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Report", "docx"},
		{"notes.asc", "text/plain", "notes", "asc"},
		{"speech.mp3", "audio/flac", "", ""},
		{"clip.mp4", "video/quicktime", "", ""},
		{"notes.jpg", "text/plain", "", ""},
		{"photo.gif", "image/png", "photo", "png"},
	} {
		stem, ext, ok := DecideName(tt.name, FileType{MIME: tt.mime, Ext: map[string]string{"image/png": "png"}[tt.mime]})
		if ok != (tt.ext != "") || stem != tt.stem || ext != tt.ext {
			t.Errorf("DecideName(%s, %s) = %q %q %v", tt.name, tt.mime, stem, ext, ok)
		}
	}
}
