package media

import (
	"bytes"
	"math"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FileType is a type Pixelmill accepts, decided from the bytes.
type FileType struct {
	MIME string
	Ext  string // canonical extension, no dot
}

// imageTypes are the raster types the workers make renditions of.
var imageTypes = map[string]string{
	"image/jpeg": "jpg",
	"image/png":  "png",
	"image/gif":  "gif",
	"image/webp": "webp",
	"image/avif": "avif",
	"image/heic": "heic",
}

// heifBrands are the ftyp major brands of HEIC/HEIF still images.
var heifBrands = map[string]bool{"heic": true, "heix": true, "heim": true, "heis": true, "mif1": true}

// MP4 is the type of MP4 video. It is stored and served as it is: no
// renditions are made, and ProbeMP4 reads its length and frame size.
var MP4 = FileType{MIME: "video/mp4", Ext: "mp4"}

// mp4Brands are the ftyp major brands of MP4 video: ISO base media, MPEG-4,
// AVC, DASH, Apple's M4V, Sony's MSNV, 3GPP's mmp4 and Adobe's F4V. QuickTime
// ("qt  ") is not among them: a .mov may carry codecs browsers can't play,
// and storing it as video/mp4 would claim otherwise. Audio-only brands
// ("M4A ") are not video either.
var mp4Brands = map[string]bool{
	"isom": true, "iso2": true, "iso4": true, "iso5": true, "iso6": true, "mp41": true, "mp42": true,
	"avc1": true, "dash": true, "M4V ": true, "MSNV": true, "mmp4": true, "f4v ": true,
}

// PDF is the type of PDF documents: a job renders their first page as a
// preview with sizes, as WordPress does.
var PDF = FileType{MIME: "application/pdf", Ext: "pdf"}

// IsRenderable reports whether mime is a raster type the workers render.
func IsRenderable(mime string) bool {
	_, ok := imageTypes[mime]
	return ok
}

// SniffType decides the type from the first bytes of a file, never from its
// name or declared Content-Type, so a script can't pose as an image. ok is
// false for types Pixelmill does not accept.
func SniffType(head []byte) (FileType, bool) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return FileType{"image/jpeg", "jpg"}, true
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return FileType{"image/png", "png"}, true
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return FileType{"image/gif", "gif"}, true
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return FileType{"image/webp", "webp"}, true
	case len(head) >= 12 && string(head[4:8]) == "ftyp" && (string(head[8:12]) == "avif" || string(head[8:12]) == "avis"):
		return FileType{"image/avif", "avif"}, true
	case len(head) >= 12 && string(head[4:8]) == "ftyp" && heifBrands[string(head[8:12])]:
		// libvips reads HEIC through libheif; renditions come out as JPEG,
		// as WordPress converts HEIC for browsers.
		return FileType{"image/heic", "heic"}, true
	case len(head) >= 12 && string(head[4:8]) == "ftyp" && mp4Brands[string(head[8:12])]:
		// AVIF and HEIC are ISO BMFF too; the major brand alone tells a
		// still image from a video.
		return MP4, true
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return PDF, true
	}
	return FileType{}, false
}

// SVG is the type of SVG files, which are accepted only when an operator
// allows them: they can carry script, so they are stored and served as
// downloads, never rendered or shown inline.
var SVG = FileType{MIME: "image/svg+xml", Ext: "svg"}

// SniffSVG reports whether the first bytes of a file are an SVG document.
func SniffSVG(head []byte) bool {
	h := bytes.ToLower(bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n"))
	return bytes.HasPrefix(h, []byte("<svg")) ||
		(bytes.HasPrefix(h, []byte("<?xml")) || bytes.HasPrefix(h, []byte("<!doctype svg"))) && bytes.Contains(h, []byte("<svg"))
}

// extAliases are the extensions a client may use for a type; a name whose
// extension is not one of them is corrected, as WordPress does (PNG bytes
// named x.jpg are stored as x.png).
var extAliases = map[string][]string{
	"image/jpeg":    {"jpg", "jpeg", "jpe"},
	"image/png":     {"png"},
	"image/gif":     {"gif"},
	"image/webp":    {"webp"},
	"image/avif":    {"avif"},
	"image/heic":    {"heic", "heif"},
	"image/svg+xml": {"svg"},
}

func init() {
	// The other accepted types' extensions are theirs (mediaTypes).
	for _, t := range mediaTypes {
		extAliases[t.mime] = t.exts
		for _, e := range t.exts {
			allowedExts[e] = true
		}
	}
}

// allowedExts are the extensions WordPress's stock list allows (the
// images here, the other types' from mediaTypes); a client name with any
// other extension is refused before the bytes are looked at.
var allowedExts = map[string]bool{
	"jpg": true, "jpeg": true, "jpe": true, "png": true, "gif": true, "webp": true, "avif": true,
	"bmp": true, "tif": true, "tiff": true, "ico": true, "heic": true, "heif": true,
}

// DecideName returns the stored stem and extension for a client file name
// and the sniffed type, or ok=false when WordPress would refuse the file
// ("Sorry, you are not allowed to upload this file type.").
func DecideName(clientName string, ft FileType) (stem, ext string, ok bool) {
	name := SanitizeFileName(clientName)
	ext = strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	stem = strings.TrimSuffix(name, path.Ext(name))
	if !allowedExts[ext] && !(ft == SVG && ext == "svg") {
		return "", "", false
	}
	keep := false
	for _, a := range extAliases[ft.MIME] {
		keep = keep || a == ext
	}
	switch {
	case keep:
	case IsRenderable(ft.MIME):
		// An image's extension is corrected to its type's, as WordPress's
		// getimagesize check does.
		ext = ft.Ext
	default:
		// Any other type must bear one of its own extensions: WordPress
		// refuses a file whose real type is not its name's (text named
		// .jpg, MP4 named .mov).
		return "", "", false
	}
	if stem == "" {
		stem = "unnamed-file"
	}
	return stem, ext, true
}

var (
	fileNameSpecial = strings.NewReplacer(
		"?", "", "[", "", "]", "", "/", "", "\\", "", "=", "", "<", "", ">", "", ":", "", ";", "", ",", "",
		"'", "", "\"", "", "&", "", "$", "", "#", "", "*", "", "(", "", ")", "", "|", "", "~", "", "`", "",
		"!", "", "{", "", "}", "", "%", "", "+", "", "’", "", "«", "", "»", "", "”", "", "“", "", "\x00", "",
	)
	dotRuns     = regexp.MustCompile(`\.{2,}`)
	dashSpace   = regexp.MustCompile(`[\s\-]+`)
	sizeSuffix  = regexp.MustCompile(`-(\d+x\d+|scaled|rotated)$`)
	controlRune = func(r rune) bool { return unicode.IsControl(r) }
)

// SanitizeFileName is WordPress's sanitize_file_name: accents stripped,
// shell and URL specials removed, whitespace and dash runs to one dash, dot
// runs to one dot, trimmed of ".-_", with path separators gone so a name
// can never climb out of its directory.
func SanitizeFileName(name string) string {
	name = strings.ReplaceAll(name, "%20", "-")
	name = stripAccents(name)
	name = strings.Map(func(r rune) rune {
		if controlRune(r) {
			return -1
		}
		return r
	}, name)
	name = fileNameSpecial.Replace(name)
	name = dotRuns.ReplaceAllString(name, ".")
	name = dashSpace.ReplaceAllString(name, "-")
	name = strings.Trim(name, ".-_")
	if !strings.Contains(name, ".") {
		// A bare extension ("jpg") becomes "unnamed-file.jpg" in WordPress;
		// a bare stem stays as it is and fails the type check.
		if allowedExts[strings.ToLower(name)] {
			return "unnamed-file." + name
		}
		return truncateName(name)
	}
	// Inner extension-like parts that are not allowed types get "_"
	// appended ("x.php.jpg" → "x.php_.jpg"), so no server treats the file
	// as a script; then the name is cut to length, which drops a part it
	// would cut into rather than leave it unmarked.
	parts := strings.Split(name, ".")
	for i := 1; i < len(parts)-1; i++ {
		if needsMark(parts[i]) {
			parts[i] += "_"
		}
	}
	return truncateName(strings.Join(parts, "."))
}

// needsMark reports whether an inner part of a name looks like an
// extension that is not an allowed type.
func needsMark(p string) bool {
	return len(p) >= 2 && len(p) <= 5 && !allowedExts[strings.ToLower(p)] && isAlnum(p)
}

// maxNameBytes bounds a stored name, well under file-system and S3 key
// limits, leaving room for the "_" marks, "-N" suffixes and "-WxH" size
// names added later.
const maxNameBytes = 180

// truncateName shortens a long name at a rune boundary, keeping a short
// extension, and never leaves an empty stem or a trailing ".-_".
func truncateName(name string) string {
	if len(name) <= maxNameBytes {
		return name
	}
	ext := path.Ext(name)
	if len(ext) > 16 { // no allowed extension is that long
		ext = ""
	}
	stem := strings.TrimSuffix(name, ext)
	limit := maxNameBytes - len(ext)
	for limit > 0 && !utf8.RuneStart(stem[limit]) {
		limit--
	}
	stem = strings.TrimRight(stem[:limit], ".-_")
	// A cut can leave an inner part that now looks like an extension
	// ("x.php_" cut to "x.php"): drop it, so marking isn't needed again and
	// sanitizing twice gives the same name.
	// Trimming may take the mark off the part before, so repeat.
	for i := strings.LastIndex(stem, "."); i >= 0 && needsMark(stem[i+1:]); i = strings.LastIndex(stem, ".") {
		stem = strings.TrimRight(stem[:i], ".-_")
	}
	if stem == "" {
		stem = "unnamed-file"
	}
	return stem + ext
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// stripAccents removes combining marks after NFD decomposition, as
// WordPress's remove_accents does for Latin letters.
func stripAccents(s string) string {
	// Invalid bytes go first: they would stop the decomposition of what
	// follows them, and no stored name should carry them anyway.
	s = strings.ToValidUTF8(s, "")
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// UniqueStem returns stem, or stem with a "-N" suffix, that is not in taken
// (lower-cased stems already used in the same directory). As in WordPress, a
// stem that looks like a sub-size name ("photo-150x150", "x-scaled") always
// gets a suffix, so it can't shadow another item's renditions.
func UniqueStem(stem string, taken map[string]bool) string {
	forced := sizeSuffix.MatchString(stem)
	if !forced && !taken[strings.ToLower(stem)] {
		return stem
	}
	for n := 1; ; n++ {
		c := stem + "-" + strconv.Itoa(n)
		if !taken[strings.ToLower(c)] {
			return c
		}
	}
}

// MaxSlug is the longest slug WordPress keeps: sanitize_title encodes at
// most 200 bytes of a title, and a numeric suffix cuts the slug it follows
// so that the whole still fits (_truncate_post_slug).
const MaxSlug = 200

// reservedSlugs are slugs WordPress never gives an attachment as they are:
// the feed names and "embed" would shadow the feed and embed URLs under the
// attachment's page (wp_unique_post_slug).
var reservedSlugs = map[string]bool{"feed": true, "rdf": true, "rss": true, "rss2": true, "atom": true, "embed": true}

// UniqueSlug returns slug, or slug with "-2", "-3", … (WordPress's slug
// suffixes start at 2), that is not in taken. A reserved slug (a feed name,
// "embed") always gets a suffix, and a long slug is cut to make room for
// its suffix, as WordPress does.
func UniqueSlug(slug string, taken map[string]bool) string {
	if !taken[slug] && !reservedSlugs[slug] {
		return slug
	}
	for n := 2; ; n++ {
		suffix := "-" + strconv.Itoa(n)
		c := truncateSlug(slug, MaxSlug-len(suffix)) + suffix
		if !taken[c] {
			return c
		}
	}
}

// SlugPrefix is what every slug UniqueSlug may return for slug starts
// with: slug cut to leave room for the longest suffix an int can make, as
// the suffixed candidates of a long slug are cut. A store looks up the
// taken slugs by this prefix, not by slug itself, or it would miss a taken
// "cut-slug-2" and hand it out again.
func SlugPrefix(slug string) string {
	return truncateSlug(slug, MaxSlug-len("-"+strconv.Itoa(math.MaxInt)))
}

// truncateSlug cuts slug to at most n bytes as WordPress counts them (a
// non-ASCII byte is percent-encoded there, so it counts three), on a
// character boundary, and drops the dashes it then ends with.
func truncateSlug(slug string, n int) string {
	return strings.TrimRight(capEncoded(slug, n), "-")
}

// capEncoded is s up to the last whole character whose WordPress encoding
// (utf8_uri_encode: ASCII as is, every other byte as %xx) fits in n bytes.
func capEncoded(s string, n int) string {
	size := 0
	for i, r := range s {
		w := 1
		if r >= utf8.RuneSelf {
			w = 3 * utf8.RuneLen(r)
		}
		if size+w > n {
			return s[:i]
		}
		size += w
	}
	return s
}

var (
	// slugDash are what sanitize_title turns into a dash before it drops
	// everything else that is no letter: the slash, and non-breaking
	// spaces, en and em dashes, written or as entities.
	slugDash = strings.NewReplacer("/", "-", "\u00a0", "-", "\u2013", "-", "\u2014", "-",
		"&nbsp;", "-", "&#160;", "-", "&ndash;", "-", "&#8211;", "-", "&mdash;", "-", "&#8212;", "-", "\u00d7", "x")
	// htmlEntity is sanitize_title's entity pattern, taken as lazily as
	// WordPress takes it ("a & b; c" loses "& b;").
	htmlEntity = regexp.MustCompile(`&.+?;`)
)

// Slugify is WordPress's sanitize_title (save context) for slugs made of
// letters: accents stripped, tags gone, lower-case, cut to MaxSlug encoded
// bytes, slashes and dashes of any kind to "-", "×" to "x", HTML entities
// dropped, dots and whitespace to dashes, anything but letters, digits, '_'
// and '-' dropped, dash runs folded and edge dashes trimmed. Where
// WordPress keeps a non-ASCII letter percent-encoded ("%e6%97%a5"), and
// keeps "%xx" octets a title carries, Slugify keeps the letter itself and
// drops the "%": a slug here is always letters, digits, '_' and '-'.
func Slugify(title string) string {
	s := strings.ToLower(stripTags(stripAccents(title)))
	s = capEncoded(s, MaxSlug)
	s = htmlEntity.ReplaceAllString(slugDash.Replace(s), "")
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-':
			b.WriteRune(r)
		case r == '.' || unicode.IsSpace(r):
			b.WriteRune('-')
		}
	}
	out := dashSpace.ReplaceAllString(b.String(), "-")
	return strings.Trim(out, "-")
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

func stripTags(s string) string { return tagRE.ReplaceAllString(s, "") }

// ContentTypeFor returns the MIME type to serve a stored file name with.
func ContentTypeFor(name string) string {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	for mime, exts := range extAliases {
		for _, e := range exts {
			if e == ext {
				return mime
			}
		}
	}
	return http.DetectContentType(nil)
}
