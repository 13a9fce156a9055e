package media

import "testing"

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
