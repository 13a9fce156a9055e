package media

import (
	"bytes"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fuzz targets for the name and type rules of uploads. The seeds are
// WordPress's own cases (tests/phpunit/tests/formatting/sanitizeFileName.php,
// the REST attachments tests' fixture names, spec §6.5–§6.8); they run as
// plain tests with `go test`, and `make fuzz` mutates them.

// safely runs fn and turns a panic into a test failure, so a regression
// input in testdata fails its own case instead of killing the package's
// whole test binary.
func safely[T any](t *testing.T, what string, fn func() T) T {
	t.Helper()
	var out T
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%s panicked: %v", what, r)
			}
		}()
		out = fn()
	}()
	return out
}

// fileNameSeeds are client file names WordPress's tests use.
var fileNameSeeds = []string{
	"canola.jpg", "codeispoetry.png", "test-image.jpg", "test-image-iptc.jpg", "2004-07-22-DSC_0008.jpg",
	"33772.jpg", "a2-small.jpg", "waffles.jpg", "test-image-large.jpg", "image.jpg", "photo.JPEG",
	"my foo picture.jpg", "Filename With Spaces.jpg", "Filename.With.Periods.jpg", "Filename-With-Dashes.jpg",
	"%22Quoted%22.jpg", "quote%22in%22middle.jpg", "<b>Bold</b> Name.jpg", "test%20file%20name.txt",
	"../../etc/passwd.jpg", "..\\..\\windows\\win.ini.jpg", "x.php.jpg", "test.phtml.txt", "evil.php",
	"x.php5.png", "shell.pl.jpeg", "jpg", ".jpg", "unnamed-file.jpg", "noext", "crème brûlée.png",
	"àáâãäåçèéêëìíîïñòóôõöùúûüýÿ.gif", "a..b...jpg", "-_.leading-and-trailing.gif", "try  this\t\ttest\n\nfile.png",
	"testfile\x00.jpg", "?[]/\\=<>:;,'\"&$#*()|~`!{}%+’«»”“.jpg", "photo-150x150.jpg", "x-scaled.jpg",
	"IMG_1.heic", "scan.TIFF", "favicon.ico", "doc.pdf", "emoji-😀.webp", "日本語のファイル名.avif",
	strings.Repeat("long-name-", 25) + ".jpg", strings.Repeat("長", 60) + ".jpg",
	"x." + strings.Repeat("a", 190) + ".jpg", "a." + strings.Repeat("b", 198),
}

// acceptedMIMEs are every type SniffType may accept, with the canonical
// extension it must report.
var acceptedMIMEs = map[string]string{
	"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
	"image/avif": "avif", "image/heic": "heic", "application/pdf": "pdf", "video/mp4": "mp4",
}

// sniffSeeds are the magic numbers of each accepted type and of types that
// must be refused.
var sniffSeeds = [][]byte{
	[]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), []byte("\xff\xd8\xff\xe1\x00\x18Exif\x00\x00"),
	[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), []byte("GIF89a\x01\x00\x01\x00"), []byte("GIF87a"),
	[]byte("RIFF\x24\x00\x00\x00WEBPVP8 "), []byte("RIFF\x24\x00\x00\x00WEBPVP8L"),
	[]byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00"), []byte("\x00\x00\x00\x1cftypavis"),
	[]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), []byte("%PDF-1.7\n"),
	[]byte("\x00\x00\x00\x20ftypisom\x00\x00\x02\x00"), []byte("\x00\x00\x00\x14ftypqt  "),
	[]byte("<?php echo 1;"), []byte("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), []byte("BM6\x00\x00\x00"),
	[]byte("II*\x00"), []byte("MM\x00*"), []byte("\x00\x00\x01\x00"), []byte("PK\x03\x04"), []byte("GIF8"),
	[]byte("RIFF\x00\x00\x00\x00WAVE"), []byte("\xff\xd8"), {},
}

func FuzzSniffType(f *testing.F) {
	for _, s := range sniffSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		ft, ok := SniffType(head)
		if !ok {
			if ft != (FileType{}) {
				t.Fatalf("refused %q but returned %+v", head, ft)
			}
		} else {
			want, known := acceptedMIMEs[ft.MIME]
			if !known {
				t.Fatalf("accepted %q as %q, not an accepted type", head, ft.MIME)
			}
			if ft.Ext != want {
				t.Fatalf("%s: ext %q, want %q", ft.MIME, ft.Ext, want)
			}
			if got := ContentTypeFor("x." + ft.Ext); got != ft.MIME {
				t.Fatalf("ContentTypeFor(x.%s) = %q, want %q", ft.Ext, got, ft.MIME)
			}
			if IsRenderable(ft.MIME) != strings.HasPrefix(ft.MIME, "image/") {
				t.Fatalf("IsRenderable(%s) = %v", ft.MIME, IsRenderable(ft.MIME))
			}
			// The decision reads a prefix: more bytes never change it
			// (the upload path peeks 512 bytes, a short file fewer).
			if ft2, ok2 := SniffType(append(bytes.Clone(head), "trailing bytes"...)); !ok2 || ft2 != ft {
				t.Fatalf("%q + more bytes: %+v %v, was %+v", head, ft2, ok2, ft)
			}
		}
		// Where Go's own sniffer recognises one of these types by its magic
		// number, SniffType must agree (Go needs no more bytes than we do).
		switch std := http.DetectContentType(head); std {
		case "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf":
			if !ok || ft.MIME != std {
				t.Fatalf("%q: net/http sniffs %s, SniffType %+v %v", head, std, ft, ok)
			}
		}
	})
}

// accented reports the first rune of s that carries a combining mark,
// which stripAccents promises to remove.
func accented(s string) (rune, bool) {
	for _, r := range s {
		for _, d := range norm.NFD.String(string(r)) {
			if unicode.Is(unicode.Mn, d) {
				return r, true
			}
		}
	}
	return 0, false
}

// checkFileName asserts what SanitizeFileName promises of any result.
func checkFileName(t *testing.T, in, out string, maxLen int) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("name %q → %q: not valid UTF-8", in, out)
	}
	if strings.ContainsAny(out, "/\\\x00") {
		t.Fatalf("name %q → %q: path separator or NUL", in, out)
	}
	for _, r := range out {
		if unicode.IsControl(r) {
			t.Fatalf("name %q → %q: control character %U", in, out, r)
		}
		if strings.ContainsRune("?[]=<>:;,'\"&$#*()|~`!{}%+’«»”“", r) {
			t.Fatalf("name %q → %q: special %q kept", in, out, r)
		}
	}
	if r, ok := accented(out); ok {
		t.Fatalf("name %q → %q: accent kept on %q", in, out, r)
	}
	if strings.Contains(out, "..") {
		t.Fatalf("name %q → %q: contains ..", in, out)
	}
	if out != "" && (strings.ContainsAny(out[:1], ".-_") || strings.ContainsAny(out[len(out)-1:], ".-_")) {
		t.Fatalf("name %q → %q: starts or ends with . - _", in, out)
	}
	if strings.Contains(out, ".") && len(out) > maxLen {
		t.Fatalf("name %q → %q: %d bytes, over the %d limit", in, out, len(out), maxLen)
	}
	// Inner extension-like parts that are not allowed types end in "_", so
	// no web server runs "x.php.jpg" as a script.
	parts := strings.Split(out, ".")
	for i := 1; i < len(parts)-1; i++ {
		p := parts[i]
		if len(p) >= 2 && len(p) <= 5 && !allowedExts[strings.ToLower(p)] && isAlnum(p) {
			t.Fatalf("name %q → %q: inner extension %q without _", in, out, p)
		}
	}
}

func FuzzSanitizeFileName(f *testing.F) {
	for _, s := range fileNameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		out := safely(t, fmt.Sprintf("SanitizeFileName(%q)", name), func() string { return SanitizeFileName(name) })
		checkFileName(t, name, out, 200)
		if again := safely(t, fmt.Sprintf("SanitizeFileName(%q)", out), func() string { return SanitizeFileName(out) }); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", name, out, again)
		}
	})
}

func FuzzDecideName(f *testing.F) {
	types := []FileType{
		{"image/jpeg", "jpg"}, {"image/png", "png"}, {"image/gif", "gif"},
		{"image/webp", "webp"}, {"image/avif", "avif"}, {"application/pdf", "pdf"},
	}
	for i, s := range fileNameSeeds {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, name string, which uint8) {
		// DecideName is only called with a type SniffType accepted.
		ft := types[int(which)%len(types)]
		type decision struct {
			stem, ext string
			ok        bool
		}
		d := safely(t, fmt.Sprintf("DecideName(%q)", name), func() decision {
			stem, ext, ok := DecideName(name, ft)
			return decision{stem, ext, ok}
		})
		stem, ext, ok := d.stem, d.ext, d.ok
		clean := SanitizeFileName(name)
		// An allowed extension passes: any for an image (it is
		// corrected), only the type's own for any other type.
		cleanExt := strings.ToLower(strings.TrimPrefix(path.Ext(clean), "."))
		wantOK := allowedExts[cleanExt] && (IsRenderable(ft.MIME) || slices.Contains(extAliases[ft.MIME], cleanExt))
		if ok != wantOK {
			t.Fatalf("DecideName(%q, %s) ok=%v, but the sanitized name %q has extension %q", name, ft.MIME, ok, clean, cleanExt)
		}
		if !ok {
			if stem != "" || ext != "" {
				t.Fatalf("refused %q but returned %q %q", name, stem, ext)
			}
			return
		}
		if stem == "" {
			t.Fatalf("DecideName(%q): empty stem", name)
		}
		if !allowedExts[ext] || ext != strings.ToLower(ext) {
			t.Fatalf("DecideName(%q): ext %q not an allowed lower-case extension", name, ext)
		}
		keep := false
		for _, a := range extAliases[ft.MIME] {
			keep = keep || a == ext
		}
		if !keep {
			t.Fatalf("DecideName(%q, %s): ext %q is not one of the type's %v", name, ft.MIME, ext, extAliases[ft.MIME])
		}
		if ft.MIME == "image/png" && ext != "png" {
			t.Fatalf("PNG bytes named %q stored as .%s", name, ext)
		}
		// The type may swap the extension for a longer one ("jpg" →
		// "webp"), so the stored name may pass the limit by that much.
		checkFileName(t, name, stem+"."+ext, 202)
	})
}

// takenSet builds a set of taken names from a newline-separated list plus
// base-1 … base-n, the collisions the loops must walk past.
func takenSet(list, base string, n uint8, first int, lower bool) map[string]bool {
	taken := map[string]bool{}
	add := func(s string) {
		if lower {
			s = strings.ToLower(s)
		}
		taken[s] = true
	}
	if list != "" {
		for _, s := range strings.Split(list, "\n") {
			add(s)
		}
	}
	for i := first; i < first+int(n); i++ {
		add(base + "-" + strconv.Itoa(i))
	}
	return taken
}

func FuzzUniqueStem(f *testing.F) {
	f.Add("canola", "canola\ncanola-1", uint8(0))
	f.Add("Canola", "canola\ncanola-1", uint8(3))
	f.Add("photo-150x150", "", uint8(0))
	f.Add("x-scaled", "x-scaled-1", uint8(0))
	f.Add("img-rotated", "", uint8(5))
	f.Add("canola-edited", "canola-edited", uint8(2))
	f.Add("fresh", "canola", uint8(0))
	f.Add("ÄBC", "äbc", uint8(1))
	f.Fuzz(func(t *testing.T, stem, list string, n uint8) {
		taken := takenSet(list, stem, n, 1, true)
		got := UniqueStem(stem, taken)
		if taken[strings.ToLower(got)] {
			t.Fatalf("UniqueStem(%q) = %q, which is taken", stem, got)
		}
		if sizeSuffix.MatchString(got) {
			t.Fatalf("UniqueStem(%q) = %q looks like a sub-size name", stem, got)
		}
		if got == stem {
			return
		}
		num, ok := strings.CutPrefix(got, stem+"-")
		k, err := strconv.Atoi(num)
		if !ok || err != nil || k < 1 || strconv.Itoa(k) != num {
			t.Fatalf("UniqueStem(%q) = %q: not the stem with a -N suffix", stem, got)
		}
		for j := 1; j < k; j++ { // the first free number is taken
			if !taken[strings.ToLower(stem+"-"+strconv.Itoa(j))] {
				t.Fatalf("UniqueStem(%q) = %q, but %s-%d is free", stem, got, stem, j)
			}
		}
		if !taken[strings.ToLower(stem)] && !sizeSuffix.MatchString(stem) {
			t.Fatalf("UniqueStem(%q) = %q, but the stem itself is free", stem, got)
		}
	})
}

func FuzzUniqueSlug(f *testing.F) {
	f.Add("canola", "canola", uint8(0))
	f.Add("canola", "canola\ncanola-2\ncanola-3", uint8(0))
	f.Add("test-image", "test-image", uint8(9))
	f.Add("fresh", "canola", uint8(0))
	f.Add("", "", uint8(0))
	f.Add("feed", "", uint8(0))
	f.Add("embed", "embed-2", uint8(0))
	f.Add(strings.Repeat("a", MaxSlug), strings.Repeat("a", MaxSlug), uint8(3))
	f.Add(strings.Repeat("日", 70), strings.Repeat("日", 70), uint8(0))
	f.Fuzz(func(t *testing.T, slug, list string, n uint8) {
		taken := takenSet(list, slug, n, 2, false)
		got := UniqueSlug(slug, taken)
		if taken[got] {
			t.Fatalf("UniqueSlug(%q) = %q, which is taken", slug, got)
		}
		if !strings.HasPrefix(got, SlugPrefix(slug)) {
			t.Fatalf("UniqueSlug(%q) = %q, which does not start with SlugPrefix %q", slug, got, SlugPrefix(slug))
		}
		if !taken[slug] && !reservedSlugs[slug] {
			if got != slug {
				t.Fatalf("UniqueSlug(%q) = %q, but the slug is free", slug, got)
			}
			return
		}
		// The slug, cut to leave room for "-N" within MaxSlug, then "-N".
		base := func(num string) string { return truncateSlug(slug, MaxSlug-len(num)-1) }
		i := strings.LastIndex(got, "-")
		num := got[i+1:]
		k, err := strconv.Atoi(num)
		if i < 0 || err != nil || k < 2 || strconv.Itoa(k) != num || got[:i] != base(num) {
			t.Fatalf("UniqueSlug(%q) = %q: not the slug with a -N suffix, N ≥ 2", slug, got)
		}
		if len(slug) <= MaxSlug-len(num)-1 && got[:i] != strings.TrimRight(slug, "-") {
			t.Fatalf("UniqueSlug(%q) = %q: a short slug was cut", slug, got)
		}
		for j := 2; j < k; j++ {
			if c := base(strconv.Itoa(j)) + "-" + strconv.Itoa(j); !taken[c] {
				t.Fatalf("UniqueSlug(%q) = %q, but %s is free", slug, got, c)
			}
		}
	})
}

// FuzzSlugify checks what Slugify's doc promises: accents stripped,
// lower-case, nothing but letters, digits, '_' and '-', no dash runs or
// edge dashes; and a slug slugifies to itself.
func FuzzSlugify(f *testing.F) {
	for _, s := range []string{
		"canola", "Canola Title", "Filename With Spaces", "Filename.With.Periods", "Filename-With-Dashes",
		"<b>Bold</b> Name", "%22Quoted%22", "Tom &amp; Jerry", "Crème Brûlée", "àáâãäåçèéêëìíîïñòóôõöùúûüýÿ",
		"Ελληνικά", "日本語", "ÀÉÎ ÕÜ", "İstanbul", "ǅemal", "ß", "a\u00a0b", "a\u3000b", "x\u0301y",
		"  --lead--and--trail--  ", "test-image-large", "33772", "2004-07-22-DSC_0008", "photo-150x150",
		"<script>alert(1)</script>", "a/b", "a\tb\nc", "", "Tom &amp; Jerry", "a & b; c", "a\u2013b", "3×4",
		strings.Repeat("long title ", 30), strings.Repeat("日本", 60),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		s := Slugify(title)
		if !utf8.ValidString(s) {
			t.Fatalf("Slugify(%q) = %q: invalid UTF-8", title, s)
		}
		for _, r := range s {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-') {
				t.Fatalf("Slugify(%q) = %q: %q is not a letter, digit, _ or -", title, s, r)
			}
			if unicode.IsLetter(r) && unicode.ToLower(r) != r {
				t.Fatalf("Slugify(%q) = %q: %q is not lower-case", title, s, r)
			}
			if r < utf8.RuneSelf && unicode.IsLetter(r) && (r < 'a' || r > 'z') {
				t.Fatalf("Slugify(%q) = %q: ASCII letter %q", title, s, r)
			}
		}
		if r, ok := accented(s); ok {
			t.Fatalf("Slugify(%q) = %q: accent kept on %q", title, s, r)
		}
		if strings.Contains(s, "--") || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
			t.Fatalf("Slugify(%q) = %q: dash run or edge dash", title, s)
		}
		if enc := len(capEncoded(s, MaxSlug)); enc != len(s) {
			t.Fatalf("Slugify(%q) = %q: over %d bytes as WordPress encodes it", title, s, MaxSlug)
		}
		if again := Slugify(s); again != s {
			t.Fatalf("not idempotent: %q → %q → %q", title, s, again)
		}
	})
}

// FuzzResizeDimensions checks WordPress's size maths for any source and
// size: a size that is made has at least one pixel each way, is never
// larger than the source or the bounds, and cuts a box inside the source.
func FuzzResizeDimensions(f *testing.F) {
	for _, src := range [][2]int{{3840, 2400}, {640, 480}, {1920, 1080}, {3000, 2000}, {100, 400}, {50, 50}, {301, 301}, {1, 1000}, {1000, 1}} {
		for _, s := range DefaultSizes() {
			f.Add(int32(src[0]), int32(src[1]), int32(s.Width), int32(s.Height), s.Crop)
		}
	}
	f.Add(int32(1200), int32(1800), int32(1200), int32(9999), false)
	f.Add(int32(10), int32(1000), int32(0), int32(300), true)
	f.Fuzz(func(t *testing.T, sw, sh, dw, dh int32, crop bool) {
		srcW, srcH, dstW, dstH := int(sw), int(sh), int(dw), int(dh)
		if dstW < 0 || dstH < 0 {
			return // add_image_size takes absint()s: a size is never negative
		}
		w, h, box, ok := ResizeDimensions(srcW, srcH, dstW, dstH, crop)
		if !ok {
			return
		}
		if w < 1 || h < 1 {
			t.Fatalf("ResizeDimensions(%d, %d, %d, %d, %v) = %dx%d: no pixels", srcW, srcH, dstW, dstH, crop, w, h)
		}
		if w > srcW || h > srcH || dstW > 0 && w > dstW || dstH > 0 && h > dstH {
			t.Fatalf("ResizeDimensions(%d, %d, %d, %d, %v) = %dx%d: larger than the source or the bounds", srcW, srcH, dstW, dstH, crop, w, h)
		}
		if box.X < 0 || box.Y < 0 || box.W < 1 || box.H < 1 || box.X+box.W > srcW || box.Y+box.H > srcH {
			t.Fatalf("ResizeDimensions(%d, %d, %d, %d, %v): box %+v outside the source", srcW, srcH, dstW, dstH, crop, box)
		}
		if !crop && box != (Rect{W: srcW, H: srcH}) {
			t.Fatalf("ResizeDimensions(%d, %d, %d, %d, false): box %+v is not the whole source", srcW, srcH, dstW, dstH, box)
		}
		if abs(w-srcW) <= 1 && abs(h-srcH) <= 1 {
			t.Fatalf("ResizeDimensions(%d, %d, %d, %d, %v) = %dx%d: within a pixel of the source", srcW, srcH, dstW, dstH, crop, w, h)
		}
	})
}
