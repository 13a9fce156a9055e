package imaging

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"testing"
	"unicode/utf16"
)

// The expected values are facts about the fixtures, read with
// `vipsheader -a` (and a plain TIFF dump for the EXIF-only Canon stub),
// then turned into what WordPress's rules and PHP's number printing make
// of them.
func TestReadImageMetaCameras(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want ImageMeta
	}{
		// NIKON D2H: FNumber 45/10, FocalLength 2333/100, ExposureTime 1/125,
		// DateTimeDigitized 2003:11:23 18:07:37, no ISO. Its UserComment is
		// not used: WordPress reads it only next to an ImageDescription.
		{"exif/nikon-d2h.jpg", ImageMeta{
			Aperture: "4.5", Camera: "NIKON D2H", CreatedTimestamp: "1069610857", FocalLength: "23.33",
			ISO: "0", ShutterSpeed: "0.008", Orientation: 1, Keywords: []string{},
		}},
		// iPhone 4S: 12/5, 107/25 mm, ISO 50, 1/1284 s, 2014:09:01 15:03:47.
		{"exif/iphone-4s.jpg", ImageMeta{
			Aperture: "2.4", Camera: "iPhone 4S", CreatedTimestamp: "1409583827", FocalLength: "4.28",
			ISO: "50", ShutterSpeed: "0.00077881619937695", Orientation: 6, Keywords: []string{},
		}},
		// Canon EOS REBEL T4i (EXIF only, no pixels): 45/10, 24/1 mm, ISO
		// 1600, 1/30 s, 2012:12:21 11:15:19; empty Artist and Copyright.
		{"exif/canon-eos-rebel-t4i.jpg", ImageMeta{
			Aperture: "4.5", Camera: "Canon EOS REBEL T4i", CreatedTimestamp: "1356088519", FocalLength: "24",
			ISO: "1600", ShutterSpeed: "0.033333333333333", Orientation: 1, Keywords: []string{},
		}},
		// HTC One_M8: Model in the EXIF sub-IFD, FocalLength 3072/1024,
		// ExposureTime 0/1024, no FNumber, no date.
		{"exif/geodegrees.jpg", ImageMeta{
			Aperture: "0", Camera: "HTC One_M8", CreatedTimestamp: "0", FocalLength: "3",
			ISO: "125", ShutterSpeed: "0", Keywords: []string{},
		}},
		// No metadata at all, and formats WordPress reads no EXIF from.
		{"photo-640x480.jpg", defaultMeta()},
		{"alpha.png", defaultMeta()},
		{"photo.webp", defaultMeta()},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got := ReadImageMeta(fixture(t, tt.file))
			if !equalMeta(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if got.Keywords == nil {
				t.Error("Keywords is nil; WordPress emits []")
			}
		})
	}
}

func TestReadImageMetaCorruptExif(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"huge_tag_exif.jpg", "infinite_loop_exif.jpg", "max_uint32_exif.jpg"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := ReadImageMeta(fixture(t, "exif/corrupt/"+name))
			want := defaultMetaWith(got.Orientation)
			if !equalMeta(got, want) {
				t.Errorf("got %+v, want defaults", got)
			}
		})
	}
	// A LONG tag claiming 2^30 values overflows goexif's size check to 4
	// bytes and would make it allocate 8 GiB: it must never see this.
	bomb := buildExif([]exifEntry{ascii(0x0110, "Bomb")}, nil)
	binary.LittleEndian.PutUint16(bomb[6+8+2+2:], 4)          // type LONG
	binary.LittleEndian.PutUint32(bomb[6+8+2+4:], 0x40000001) // count
	photo := fixture(t, "photo-640x480.jpg")
	for _, b := range [][]byte{nil, {0xFF, 0xD8}, []byte("II*\x00\x08\x00\x00\x00\xFF\xFF"), []byte("MM\x00*garbage"),
		withSegment(photo, 0xE1, bomb)} {
		if got := ReadImageMeta(b); !equalMeta(got, defaultMeta()) {
			t.Errorf("ReadImageMeta(%q) = %+v, want defaults", b, got)
		}
	}
}

// iptcRecord is one IPTC-IIM dataset.
func iptcRecord(record byte, value string) []byte {
	b := []byte{0x1C, 2, record, 0, 0}
	binary.BigEndian.PutUint16(b[3:], uint16(len(value)))
	return append(b, value...)
}

// app13 wraps IPTC records as Photoshop does: "Photoshop 3.0", 8BIM 0x0404.
func app13(records ...[]byte) []byte {
	iim := bytes.Join(records, nil)
	b := []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00")
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(iim)))
	b = append(b, n[:]...)
	b = append(b, iim...)
	if len(iim)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func TestReadImageMetaIPTC(t *testing.T) {
	t.Parallel()
	photo := fixture(t, "photo-640x480.jpg")
	long := "A caption long enough that WordPress will not take it for a title, as it runs past eighty bytes."

	src := withSegment(photo, 0xED, app13(
		iptcRecord(105, "Headline wins"),
		iptcRecord(5, "Object name"),
		iptcRecord(120, "  "+long+"  "),
		iptcRecord(80, "By-line"),
		iptcRecord(110, "Credit wins"),
		iptcRecord(116, "© 2024 Jane & Co"),
		iptcRecord(25, "sea"),
		iptcRecord(25, "Caf\xe9"), // Latin-1, as old IPTC writers store it
		iptcRecord(25, "<b>bold</b>"),
		iptcRecord(55, "20040722"),
		iptcRecord(60, "171459+0200"),
	))
	got := ReadImageMeta(src)
	want := defaultMeta()
	want.Title = "Headline wins"
	want.Caption = long
	want.Credit = "Credit wins"
	want.Copyright = "© 2024 Jane &amp; Co"
	want.Keywords = []string{"sea", "Café", "bold"}
	want.CreatedTimestamp = "1090509299" // 2004-07-22 17:14:59 +02:00
	if !equalMeta(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	// A short caption becomes the title when there is no headline or name;
	// the by-line is the credit when there is no credit; no time, no date.
	src = withSegment(photo, 0xED, app13(
		iptcRecord(120, "Short caption"),
		iptcRecord(80, "By-line"),
		iptcRecord(55, "20040722"),
	))
	got = ReadImageMeta(src)
	want = defaultMeta()
	want.Title = "Short caption"
	want.Caption = "Short caption"
	want.Credit = "By-line"
	if !equalMeta(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// exifEntry is one IFD entry for buildExif.
type exifEntry struct {
	tag, typ uint16
	data     []byte // raw value bytes (little endian)
}

func ascii(tag uint16, s string) exifEntry { return exifEntry{tag, 2, append([]byte(s), 0)} }

// buildExif makes a little-endian "Exif\0\0" block with IFD0 entries and,
// if given, an EXIF sub-IFD.
func buildExif(ifd0, sub []exifEntry) []byte {
	le := binary.LittleEndian
	typeSize := map[uint16]int{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1}
	var tiff []byte
	tiff = append(tiff, 'I', 'I', 42, 0, 8, 0, 0, 0)
	writeIFD := func(entries []exifEntry, at int) []byte {
		// IFD at offset `at`, values right after it.
		n := len(entries)
		ifd := make([]byte, 2+12*n+4)
		le.PutUint16(ifd, uint16(n))
		var values []byte
		valueAt := at + len(ifd)
		for i, e := range entries {
			o := 2 + 12*i
			le.PutUint16(ifd[o:], e.tag)
			le.PutUint16(ifd[o+2:], e.typ)
			le.PutUint32(ifd[o+4:], uint32(len(e.data)/typeSize[e.typ]))
			if len(e.data) <= 4 {
				copy(ifd[o+8:], e.data)
			} else {
				le.PutUint32(ifd[o+8:], uint32(valueAt+len(values)))
				values = append(values, e.data...)
				if len(values)%2 == 1 {
					values = append(values, 0)
				}
			}
		}
		return append(ifd, values...)
	}
	if sub != nil {
		// The pointer's value is patched once IFD0's size is known.
		ifd0 = append(ifd0, exifEntry{0x8769, 4, []byte{0, 0, 0, 0}})
	}
	first := writeIFD(ifd0, 8)
	if sub != nil {
		subAt := 8 + len(first)
		le.PutUint32(ifd0[len(ifd0)-1].data, uint32(subAt))
		first = writeIFD(ifd0, 8)
		first = append(first, writeIFD(sub, subAt)...)
	}
	tiff = append(tiff, first...)
	return append([]byte("Exif\x00\x00"), tiff...)
}

func rational(num, den uint32) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint32(b, num)
	binary.LittleEndian.PutUint32(b[4:], den)
	return b
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return append(b, 0, 0)
}

func TestReadImageMetaExifRules(t *testing.T) {
	t.Parallel()
	photo := fixture(t, "photo-640x480.jpg")
	tests := []struct {
		name      string
		ifd0, sub []exifEntry
		want      func(*ImageMeta)
	}{
		{"description is title and caption",
			[]exifEntry{ascii(0x010E, "Harbour at dawn"), ascii(0x013B, "Jane Doe"), ascii(0x8298, "CC BY 4.0")}, nil,
			func(m *ImageMeta) {
				m.Title, m.Caption, m.Credit, m.Copyright = "Harbour at dawn", "Harbour at dawn", "Jane Doe", "CC BY 4.0"
			}},
		{"user comment is the caption next to a description",
			[]exifEntry{ascii(0x010E, "Harbour")},
			[]exifEntry{{0x9286, 7, []byte("ASCII\x00\x00\x00Boats leaving at six")}},
			func(m *ImageMeta) { m.Title, m.Caption = "Harbour", "Boats leaving at six" }},
		{"long description is only a caption",
			[]exifEntry{ascii(0x010E, "An ImageDescription that is far too long to be a title: over eighty bytes of it.")}, nil,
			func(m *ImageMeta) {
				m.Caption = "An ImageDescription that is far too long to be a title: over eighty bytes of it."
			}},
		{"XP comment and author when nothing better",
			[]exifEntry{{0x9C9C, 1, utf16le("Windows comment")}, {0x9C9D, 1, utf16le("Jürgen")}}, nil,
			func(m *ImageMeta) { m.Caption, m.Credit = "Windows comment", "Jürgen" }},
		{"numbers as PHP prints them",
			[]exifEntry{ascii(0x0110, " Model X "), {0x0112, 3, []byte{8, 0}}},
			[]exifEntry{
				{0x829D, 5, rational(63, 10)},        // FNumber 6.3
				{0x920A, 5, rational(27, 1)},         // FocalLength 27
				{0x829A, 5, rational(1, 40)},         // ExposureTime 0.025
				{0x8827, 3, []byte{0x90, 0x01}},      // ISO 400
				ascii(0x9004, "2004:07:22 17:14:59"), // DateTimeDigitized
			},
			func(m *ImageMeta) {
				m.Camera, m.Orientation = "Model X", 8
				m.Aperture, m.FocalLength, m.ShutterSpeed, m.ISO = "6.3", "27", "0.025", "400"
				m.CreatedTimestamp = "1090516499"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ReadImageMeta(withSegment(photo, 0xE1, buildExif(tt.ifd0, tt.sub)))
			want := defaultMeta()
			tt.want(&want)
			if !equalMeta(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestReadImageMetaAltText(t *testing.T) {
	t.Parallel()
	xmp := `http://ns.adobe.com/xap/1.0/` + "\x00" + `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/">
<Iptc4xmpCore:AltTextAccessibility><rdf:Alt>
<rdf:li xml:lang="fr">Un phare au crépuscule</rdf:li>
<rdf:li xml:lang="x-default">A lighthouse at dusk</rdf:li>
</rdf:Alt></Iptc4xmpCore:AltTextAccessibility>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
	got := ReadImageMeta(withSegment(fixture(t, "photo-640x480.jpg"), 0xE1, []byte(xmp)))
	if got.Alt != "A lighthouse at dusk" {
		t.Errorf("alt %q", got.Alt)
	}
}

func TestPHPNumber(t *testing.T) {
	t.Parallel()
	for v, want := range map[float64]string{
		6.3: "6.3", 0.025: "0.025", 27: "27", 4.5: "4.5", 23.33: "23.33", 0: "0", 8: "8",
		1.0 / 3: "0.33333333333333", 1.0 / 1284: "0.00077881619937695", 1e-5: "1.0E-5", 1.5e-5: "1.5E-5",
		1.2345678901234567e16: "1.2345678901235E+16",
	} {
		if got := phpNumber(v); got != want {
			t.Errorf("phpNumber(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":                       "plain",
		"Tom & Jerry":                 "Tom &amp; Jerry",
		"already &amp; &#169; &copy;": "already &amp; &#169; &copy;",
		"&nosuch;":                    "&amp;nosuch;",
		"a < b > c":                   "a &lt; b &gt; c",
		"<script>alert(1)</script>x":  "alert(1)x",
		"nul\x00byte":                 "nulbyte",
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzReadImageMeta feeds hostile metadata to the parsers: they must never
// panic, hang or return values WordPress could not have produced.
func FuzzReadImageMeta(f *testing.F) {
	for _, name := range []string{
		"exif/nikon-d2h.jpg", "exif/iphone-4s.jpg", "exif/corrupt/huge_tag_exif.jpg",
		"exif/corrupt/infinite_loop_exif.jpg", "orientation/orientation_5.jpg",
	} {
		f.Add(fixture(f, name))
	}
	f.Add(withSegment([]byte{0xFF, 0xD8, 0xFF, 0xD9}, 0xED, app13(iptcRecord(25, "k"), iptcRecord(55, "2024"))))
	f.Add(buildExif([]exifEntry{ascii(0x010E, "x")}, []exifEntry{{0x829D, 5, rational(1, 0)}})[6:])
	f.Fuzz(func(t *testing.T, b []byte) {
		m := ReadImageMeta(b)
		if m.Keywords == nil {
			t.Fatal("nil keywords")
		}
		for _, s := range []string{m.CreatedTimestamp} {
			if _, err := strconv.ParseInt(s, 10, 64); err != nil {
				t.Fatalf("created_timestamp %q", s)
			}
		}
		for _, s := range []string{m.Aperture, m.FocalLength, m.ShutterSpeed} {
			if _, err := strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("not a number: %q", s)
			}
		}
	})
}

// FuzzCleanMetadata: the byte cleaners never panic, never grow a file
// when there is no profile to put back, and grow it by no more than the
// ICCP chunk when there is.
func FuzzCleanMetadata(f *testing.F) {
	f.Add(fixture(f, "exif/nikon-d2h.jpg"))
	f.Add(fixture(f, "photo.webp")[:4096])
	f.Add(fixture(f, "alpha.png")[:4096])
	icc := []byte("a made-up profile")
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, format := range []string{"jpeg", "webp", "png"} {
			if out := cleanMetadata(format, b, nil); len(out) > len(b) {
				t.Fatalf("%s: %d bytes became %d", format, len(b), len(out))
			}
			if out := cleanMetadata(format, b, icc); len(out) > len(b)+8+len(icc)+1 {
				t.Fatalf("%s with ICC: %d bytes became %d", format, len(b), len(out))
			}
		}
	})
}

func TestCleanMetadataKeepsOthers(t *testing.T) {
	t.Parallel()
	// A real libvips WebP with an EXIF chunk (the photo.webp fixture).
	src := fixture(t, "photo.webp")
	out := fixWebPChunks(src, nil)
	for _, id := range webpChunks(t, out) {
		if id == "EXIF" || id == "XMP " {
			t.Errorf("chunk %q kept", id)
		}
	}
	h, err := Probe(out)
	if err != nil || h.Width != 1600 || h.Orientation != 0 {
		t.Errorf("cleaned WebP: %+v %v", h, err)
	}
	// JPEG: EXIF/IPTC/XMP go, JFIF and ICC stay.
	jpg := fixture(t, "exif/nikon-d2h.jpg")
	var kept []string
	for _, s := range jpegSegments(t, dropJPEGSegments(jpg)) {
		kept = append(kept, fmt.Sprintf("%X", s.marker))
	}
	if got := fmt.Sprint(kept); got != "[E0 EE DB C0 DD C4]" {
		t.Errorf("segments after cleaning %s", got)
	}
}
