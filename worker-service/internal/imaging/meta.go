package imaging

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"html"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rwcarlsen/goexif/exif"
	"github.com/rwcarlsen/goexif/tiff"
)

// ImageMeta is WordPress's image_meta (spec §13), the photo facts WordPress
// shows and the REST API returns. Scalars are strings formatted as PHP
// prints them ("6.3", "0.025", "27"), because that is what WordPress emits
// after its sanitizer turns every value into a string.
type ImageMeta struct {
	Aperture         string
	Credit           string
	Camera           string
	Caption          string
	CreatedTimestamp string // Unix seconds
	Copyright        string
	FocalLength      string
	ISO              string
	ShutterSpeed     string
	Title            string
	// Orientation is the EXIF orientation as read (0 when absent). Process
	// sets it to 1 when it wrote an upright main file, as WordPress does.
	Orientation int
	// Keywords are IPTC keywords; never nil, so JSON shows [] like WordPress.
	Keywords []string
	// Alt is the XMP Iptc4xmpCore:AltTextAccessibility text (WordPress 7.0).
	Alt string
}

// defaultMeta is wp_read_image_metadata's starting point.
func defaultMeta() ImageMeta {
	return ImageMeta{
		Aperture:         "0",
		CreatedTimestamp: "0",
		FocalLength:      "0",
		ISO:              "0",
		ShutterSpeed:     "0",
		Keywords:         []string{},
	}
}

// ReadImageMeta is wp_read_image_metadata: IPTC (JPEG APP13) first, then
// EXIF (JPEG and TIFF only, as WordPress), then XMP alt text. It never
// fails: unreadable or corrupt metadata leaves WordPress's defaults, because
// a bad EXIF block must not fail an upload whose pixels are fine.
//
// Approximations: WordPress runs values through wp_kses_post; here tags are
// removed and stray <, > and & escaped, which agrees for text without HTML.
// Alt takes the x-default language (Pixelmill has no site locale here).
func ReadImageMeta(buf []byte) (meta ImageMeta) {
	meta = defaultMeta()
	defer func() {
		// goexif has panicked on hostile input before; a panic here must
		// not cost the upload, only its metadata.
		if recover() != nil {
			meta = defaultMeta()
		}
	}()

	var exifBlock, app13 []byte
	isTIFF := bytes.HasPrefix(buf, []byte("II*\x00")) || bytes.HasPrefix(buf, []byte("MM\x00*"))
	switch {
	case len(buf) > 2 && buf[0] == 0xFF && buf[1] == 0xD8:
		exifBlock, app13 = jpegMetaSegments(buf)
	case isTIFF:
		exifBlock = buf
	}

	if app13 != nil {
		readIPTC(&meta, iptcParse(app13))
	}
	if exifBlock != nil {
		if x := decodeExif(exifBlock); x != nil {
			readExif(&meta, x)
		}
	}
	meta.Alt = xmpAltText(buf)
	finishMeta(&meta)
	return meta
}

// jpegMetaSegments finds the first EXIF APP1 segment (with its "Exif\0\0"
// header) and the first APP13 payload, as PHP's getimagesize reports it.
func jpegMetaSegments(b []byte) (exifBlock, app13 []byte) {
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return exifBlock, app13
		}
		marker := b[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01:
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9:
			return exifBlock, app13
		}
		n := int(binary.BigEndian.Uint16(b[i+2 : i+4]))
		end := i + 2 + n
		if n < 2 || end > len(b) {
			return exifBlock, app13
		}
		payload := b[i+4 : end]
		if marker == 0xE1 && exifBlock == nil && bytes.HasPrefix(payload, jpegExifID) {
			exifBlock = payload
		}
		if marker == 0xED && app13 == nil {
			app13 = payload
		}
		i = end
	}
	return exifBlock, app13
}

// decodeExif parses an "Exif\0\0…" block or a whole TIFF. goexif reports
// broken sub-IFDs as errors but keeps what it read, and so do we; but
// it is only given structures that safeTIFF has checked.
func decodeExif(block []byte) *exif.Exif {
	if !safeTIFF(bytes.TrimPrefix(block, jpegExifID)) {
		return nil
	}
	x, err := exif.Decode(bytes.NewReader(block))
	if x == nil || (err != nil && exif.IsCriticalError(err)) {
		return nil
	}
	return x
}

// TIFF field type sizes, by type number (BYTE … DOUBLE).
var tiffTypeSize = [...]uint64{0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8}

// Tags pointing at sub-IFDs that goexif follows: EXIF, GPS, interop.
var tiffPointerTags = map[uint16]bool{0x8769: true, 0x8825: true, 0xA005: true}

// maxTagBytes bounds one tag's value. Metadata values are small; goexif
// allocates 8 bytes per element of a tag, so an unchecked count is a
// memory bomb (a LONG tag with count 2^30 overflows goexif's size check
// and asks for 8 GiB).
const maxTagBytes = 1 << 20

// safeTIFF walks the IFDs goexif will read (the IFD chain and the EXIF,
// GPS and interop sub-IFDs) and reports whether every tag's declared size
// is sane: within the data, within maxTagBytes, no overflow. Loops in the
// IFD structure count as corrupt.
func safeTIFF(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	var order binary.ByteOrder
	switch string(b[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return false
	}
	seen := map[uint32]bool{}
	queue := []uint32{order.Uint32(b[4:8])}
	for len(queue) > 0 {
		off := queue[0]
		queue = queue[1:]
		if off == 0 {
			continue
		}
		if seen[off] || len(seen) > 16 || uint64(off)+2 > uint64(len(b)) {
			return false
		}
		seen[off] = true
		n := uint64(order.Uint16(b[off:]))
		end := uint64(off) + 2 + 12*n
		if end+4 > uint64(len(b)) {
			// goexif needs the whole directory and its next-IFD link.
			return false
		}
		for i := uint64(0); i < n; i++ {
			e := b[uint64(off)+2+12*i:]
			tag, typ, count := order.Uint16(e), order.Uint16(e[2:]), uint64(order.Uint32(e[4:]))
			if int(typ) < len(tiffTypeSize) {
				size := tiffTypeSize[typ] * count
				if size > maxTagBytes || size > uint64(len(b)) {
					return false
				}
			}
			if tiffPointerTags[tag] && (typ == 4 || typ == 13) && count == 1 {
				queue = append(queue, order.Uint32(e[8:]))
			}
		}
		queue = append(queue, order.Uint32(b[end:]))
	}
	return true
}

// iptcParse is PHP's iptcparse: find the first 0x1C record marker, then read
// records until the data stops looking like IPTC. Keys are "2#105" etc.
func iptcParse(b []byte) map[string][]string {
	out := map[string][]string{}
	i := 0
	for i < len(b) {
		if b[i] == 0x1C && i+1 < len(b) && (b[i+1] == 0x01 || b[i+1] == 0x02) {
			break
		}
		i++
	}
	for i < len(b) {
		if b[i] != 0x1C {
			break
		}
		i++
		if i+4 >= len(b) {
			break
		}
		dataset, record := b[i], b[i+1]
		i += 2
		var n int
		if b[i]&0x80 != 0 { // extended length
			if i+6 >= len(b) {
				break
			}
			n = int(binary.BigEndian.Uint32(b[i+2 : i+6]))
			i += 6
		} else {
			n = int(binary.BigEndian.Uint16(b[i : i+2]))
			i += 2
		}
		if n < 0 || n > len(b) || i+n > len(b) {
			break
		}
		key := strconv.Itoa(int(dataset)) + "#" + leftPad3(int(record))
		out[key] = append(out[key], string(b[i:i+n]))
		i += n
	}
	return out
}

func leftPad3(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

// readIPTC applies WordPress's IPTC rules.
func readIPTC(m *ImageMeta, iptc map[string][]string) {
	first := func(key string) string {
		if v := iptc[key]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if v := first("2#105"); !phpEmpty(v) { // headline
		m.Title = phpTrim(v)
	} else if v := first("2#005"); !phpEmpty(v) { // title
		m.Title = phpTrim(v)
	}
	if v := first("2#120"); !phpEmpty(v) { // caption / description
		caption := phpTrim(v)
		if phpEmpty(m.Title) && len(caption) < 80 {
			m.Title = caption // a short caption is probably a title
		}
		m.Caption = caption
	}
	if v := first("2#110"); !phpEmpty(v) { // credit
		m.Credit = phpTrim(v)
	} else if v := first("2#080"); !phpEmpty(v) { // by-line
		m.Credit = phpTrim(v)
	}
	if d, t := first("2#055"), first("2#060"); !phpEmpty(d) && !phpEmpty(t) {
		if ts, ok := iptcTimestamp(d, t); ok {
			m.CreatedTimestamp = strconv.FormatInt(ts, 10)
		}
	}
	if v := first("2#116"); !phpEmpty(v) {
		m.Copyright = phpTrim(v)
	}
	if kw := iptc["2#025"]; len(kw) > 0 && !phpEmpty(kw[0]) {
		m.Keywords = append([]string(nil), kw...)
	}
}

// iptcTimestamp reads IPTC's CCYYMMDD date and HHMMSS±HHMM time; PHP's
// strtotime reads the same, in UTC when no offset is given (WordPress
// runs PHP in UTC).
func iptcTimestamp(date, clock string) (int64, bool) {
	date, clock = strings.TrimSpace(date), strings.TrimSpace(clock)
	layouts := []string{"20060102 150405-0700", "20060102 150405"}
	for _, l := range layouts {
		if t, err := time.Parse(l, date+" "+clock); err == nil {
			return t.Unix(), true
		}
	}
	return 0, false
}

// XP tags (Windows) that PHP's exif_read_data names Comments and Author.
const (
	tagXPComment = 0x9C9C
	tagXPAuthor  = 0x9C9D
)

// readExif applies WordPress's EXIF rules after IPTC.
func readExif(m *ImageMeta, x *exif.Exif) {
	desc, hasDesc := exifString(x, exif.ImageDescription)
	if hasDesc && !phpEmpty(desc) {
		if phpEmpty(m.Title) && len(desc) < 80 {
			m.Title = phpTrim(desc)
		}
		if phpEmpty(m.Caption) {
			if uc := userComment(x); !phpEmpty(uc) {
				m.Caption = phpTrim(uc)
			}
		}
		if phpEmpty(m.Caption) {
			m.Caption = phpTrim(desc)
		}
	} else if c := xpString(x, tagXPComment); phpEmpty(m.Caption) && !phpEmpty(c) {
		m.Caption = phpTrim(c)
	}

	if phpEmpty(m.Credit) {
		if v, _ := exifString(x, exif.Artist); !phpEmpty(v) {
			m.Credit = phpTrim(v)
		} else if v := xpString(x, tagXPAuthor); !phpEmpty(v) {
			m.Credit = phpTrim(v)
		}
	}
	if phpEmpty(m.Copyright) {
		if v, _ := exifString(x, exif.Copyright); !phpEmpty(v) {
			m.Copyright = phpTrim(v)
		}
	}
	if v, ok := exifNumber(x, exif.FNumber); ok {
		m.Aperture = phpNumber(math.Round(v*100) / 100)
	}
	if v, _ := exifString(x, exif.Model); !phpEmpty(v) {
		m.Camera = phpTrim(v)
	}
	if m.CreatedTimestamp == "0" {
		if v, _ := exifString(x, exif.DateTimeDigitized); !phpEmpty(v) {
			if t, err := time.Parse("2006:01:02 15:04:05", phpTrim(v)); err == nil {
				m.CreatedTimestamp = strconv.FormatInt(t.Unix(), 10)
			}
		}
	}
	if v, ok := exifNumber(x, exif.FocalLength); ok {
		m.FocalLength = phpNumber(v)
	}
	if tag, err := x.Get(exif.ISOSpeedRatings); err == nil {
		if iso, err := tag.Int(0); err == nil && iso != 0 {
			m.ISO = strconv.Itoa(iso)
		}
	}
	if v, ok := exifNumber(x, exif.ExposureTime); ok {
		m.ShutterSpeed = phpNumber(v)
	}
	if tag, err := x.Get(exif.Orientation); err == nil {
		if o, err := tag.Int(0); err == nil && o != 0 {
			m.Orientation = o
		}
	}
}

// exifString returns an ASCII tag as PHP's exif_read_data would.
func exifString(x *exif.Exif, name exif.FieldName) (string, bool) {
	tag, err := x.Get(name)
	if err != nil {
		return "", false
	}
	if s, err := tag.StringVal(); err == nil {
		return strings.TrimRight(s, "\x00"), true
	}
	return strings.TrimRight(string(tag.Val), "\x00"), true
}

// exifNumber is wp_exif_frac2dec of a rational (or integer) tag. ok is
// false when the tag is absent or zero, where WordPress keeps its default.
func exifNumber(x *exif.Exif, name exif.FieldName) (float64, bool) {
	tag, err := x.Get(name)
	if err != nil {
		return 0, false
	}
	var v float64
	switch tag.Format() {
	case tiff.RatVal:
		num, den, err := tag.Rat2(0)
		if err != nil {
			return 0, false
		}
		if den == 0 {
			return 0, true
		}
		v = float64(num) / float64(den)
	case tiff.IntVal:
		n, err := tag.Int64(0)
		if err != nil {
			return 0, false
		}
		v = float64(n)
	case tiff.FloatVal:
		f, err := tag.Float(0)
		if err != nil {
			return 0, false
		}
		v = f
	default:
		return 0, false
	}
	return v, true
}

// userComment decodes EXIF UserComment: an 8-byte character code, then text.
func userComment(x *exif.Exif) string {
	tag, err := x.Get(exif.UserComment)
	if err != nil || len(tag.Val) < 8 {
		return ""
	}
	code, text := string(tag.Val[:8]), tag.Val[8:]
	if strings.HasPrefix(code, "UNICODE") {
		return decodeUTF16(text, x.Tiff.Order)
	}
	return strings.TrimRight(string(text), "\x00 ")
}

// xpString reads a Windows XP tag (UTF-16LE bytes) from IFD0; goexif does
// not name these tags.
func xpString(x *exif.Exif, id uint16) string {
	if x.Tiff == nil || len(x.Tiff.Dirs) == 0 {
		return ""
	}
	for _, tag := range x.Tiff.Dirs[0].Tags {
		if tag.Id == id {
			return decodeUTF16(tag.Val, binary.LittleEndian)
		}
	}
	return ""
}

func decodeUTF16(b []byte, order binary.ByteOrder) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, order.Uint16(b[i:]))
	}
	return strings.TrimRight(string(utf16.Decode(u)), "\x00")
}

// xmpAltTag is the XMP property WordPress 7.0 reads as alt text.
const (
	nsIptc4xmpCore = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
	nsXML          = "http://www.w3.org/XML/1998/namespace"
)

// xmpAltText finds the XMP packet anywhere in buf (JPEG APP1, PNG iTXt,
// WebP "XMP " chunk all store it as plain text) and returns the x-default
// (else the first) entry of Iptc4xmpCore:AltTextAccessibility.
func xmpAltText(buf []byte) string {
	start := bytes.Index(buf, []byte("<x:xmpmeta"))
	if start < 0 {
		return ""
	}
	end := bytes.Index(buf[start:], []byte("</x:xmpmeta>"))
	if end < 0 {
		return ""
	}
	dec := xml.NewDecoder(bytes.NewReader(buf[start : start+end+len("</x:xmpmeta>")]))
	dec.Strict = false
	depth := 0 // >0 while inside AltTextAccessibility
	var first, xdefault string
	var lang string
	var inLi bool
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth > 0 {
				depth++
				if t.Name.Local == "li" {
					inLi, lang = true, ""
					text.Reset()
					for _, a := range t.Attr {
						if a.Name.Local == "lang" && (a.Name.Space == nsXML || a.Name.Space == "xml") {
							lang = a.Value
						}
					}
				}
			} else if t.Name.Local == "AltTextAccessibility" && t.Name.Space == nsIptc4xmpCore {
				depth = 1
			}
		case xml.CharData:
			if inLi {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 0 {
				continue
			}
			if inLi && t.Name.Local == "li" {
				inLi = false
				v := strings.TrimSpace(text.String())
				if first == "" {
					first = v
				}
				if lang == "x-default" && xdefault == "" {
					xdefault = v
				}
			}
			depth--
			if depth == 0 {
				if xdefault != "" {
					return xdefault
				}
				return first
			}
		}
	}
	if xdefault != "" {
		return xdefault
	}
	return first
}

// finishMeta does WordPress's last steps: Latin-1 strings become UTF-8 and
// every value goes through the sanitizer.
func finishMeta(m *ImageMeta) {
	for _, p := range []*string{&m.Title, &m.Caption, &m.Credit, &m.Copyright, &m.Camera, &m.ISO} {
		*p = toUTF8(*p)
	}
	for i, k := range m.Keywords {
		m.Keywords[i] = toUTF8(k)
	}
	for _, p := range []*string{
		&m.Aperture, &m.Credit, &m.Camera, &m.Caption, &m.CreatedTimestamp, &m.Copyright,
		&m.FocalLength, &m.ISO, &m.ShutterSpeed, &m.Title, &m.Alt,
	} {
		*p = sanitize(*p)
	}
	for i, k := range m.Keywords {
		m.Keywords[i] = sanitize(k)
	}
}

// toUTF8 is WordPress's seems_utf8/utf8_encode: text that is not UTF-8 is
// taken as Latin-1.
func toUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

var (
	tagPattern    = regexp.MustCompile(`<!--[\s\S]*?-->|</?[A-Za-z][^<>]*>`)
	entityPattern = regexp.MustCompile(`&([A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);`)
)

// sanitize approximates wp_kses_post for metadata: NULs and tags go, a lone
// "<" or ">" is escaped, and "&" that starts no entity becomes "&amp;".
func sanitize(s string) string {
	if s == "" {
		return s
	}
	s = strings.ReplaceAll(s, "\x00", "")
	s = tagPattern.ReplaceAllString(s, "")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			if m := entityPattern.FindString(s[i:]); m != "" && strings.HasPrefix(s[i:], m) && knownEntity(m) {
				b.WriteString(m)
				i += len(m) - 1
			} else {
				b.WriteString("&amp;")
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// knownEntity reports whether an "&…;" is one html knows (numeric ones are).
func knownEntity(e string) bool {
	return strings.HasPrefix(e, "&#") || html.UnescapeString(e) != e
}

// phpEmpty is PHP's empty() for a string: "" and "0" are empty.
func phpEmpty(s string) bool { return s == "" || s == "0" }

// phpTrim is PHP's trim(): spaces, tabs, newlines, NUL and vertical tab.
func phpTrim(s string) string { return strings.Trim(s, " \t\n\r\x00\x0B") }

// phpNumber prints v as PHP's (string) cast does: whole numbers without a
// decimal point, others with up to 14 significant digits ("0.025",
// "0.00077881619937695", "1.0E-5"); 27/1 and round(8.0, 2) both print "8"
// style, so ints and whole floats need no distinction.
func phpNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	s := strconv.FormatFloat(v, 'G', 14, 64)
	mant, exp, ok := strings.Cut(s, "E")
	if !ok {
		return s
	}
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	sign := "+"
	if strings.HasPrefix(exp, "-") {
		sign = "-"
	}
	exp = strings.TrimLeft(strings.TrimLeft(exp, "+-"), "0")
	return mant + "E" + sign + exp
}
