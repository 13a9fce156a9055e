package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
)

// The MP4s here are built box by box: no real file is needed to say where
// moov is, which header versions it holds and what they say.

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// mp4Box is a box with a 32-bit size around the concatenated payload.
func mp4Box(typ string, payload ...[]byte) []byte {
	p := bytes.Join(payload, nil)
	return append(append(u32(uint32(8+len(p))), typ...), p...)
}

// mp4LargeBox is a box with size 1 and a 64-bit largesize.
func mp4LargeBox(typ string, payload ...[]byte) []byte {
	p := bytes.Join(payload, nil)
	return append(append(append(u32(1), typ...), u64(uint64(16+len(p)))...), p...)
}

// mp4ToEnd is a box with size 0, which runs to the end of the file.
func mp4ToEnd(typ string, payload ...[]byte) []byte {
	return append(append(u32(0), typ...), bytes.Join(payload, nil)...)
}

// ftyp is a file type box with a major brand and the usual compatible ones.
func ftyp(brand string) []byte {
	return mp4Box("ftyp", []byte(brand), u32(0x200), []byte("isomiso2avc1mp41"))
}

// identity is a track or movie header's unity matrix.
var identity = bytes.Join([][]byte{u32(0x10000), u32(0), u32(0), u32(0), u32(0x10000), u32(0), u32(0), u32(0), u32(0x40000000)}, nil)

// mvhd0 is a version 0 movie header: 32-bit times and duration.
func mvhd0(timescale, duration uint32) []byte {
	return mp4Box("mvhd", u32(0), u32(3600), u32(3600), u32(timescale), u32(duration),
		u32(0x10000), u16(0x100), make([]byte, 10), identity, make([]byte, 24), u32(3))
}

// mvhd1 is a version 1 movie header: 64-bit times and duration.
func mvhd1(timescale uint32, duration uint64) []byte {
	return mp4Box("mvhd", u32(1<<24), u64(3600), u64(3600), u32(timescale), u64(duration),
		u32(0x10000), u16(0x100), make([]byte, 10), identity, make([]byte, 24), u32(3))
}

// tkhd is a track header of the given version (0 or 1) with a width and
// height in 16.16 fixed point; an audio track's are 0.
func tkhd(version byte, id uint32, w, h float64) []byte {
	times := [][]byte{u32(3600), u32(3600), u32(id), u32(0), u32(1000)}
	if version == 1 {
		times = [][]byte{u64(3600), u64(3600), u32(id), u32(0), u64(1000)}
	}
	return mp4Box("tkhd", u32(uint32(version)<<24|7), bytes.Join(times, nil), make([]byte, 8),
		u16(0), u16(0), u16(0), u16(0), identity, u32(uint32(w*65536)), u32(uint32(h*65536)))
}

// trak is a track with its header and a stand-in for its media box.
func trak(header []byte) []byte {
	return mp4Box("trak", header, mp4Box("mdia", mp4Box("mdhd", make([]byte, 24))))
}

// mehd is a version 0 movie extends header.
func mehd(duration uint32) []byte { return mp4Box("mehd", u32(0), u32(duration)) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

var mdat = mp4Box("mdat", bytes.Repeat([]byte{0xAB}, 100))

// mp4Files are well-formed files and what ProbeMP4 must read from them.
var mp4Files = []struct {
	name string
	file []byte
	want VideoInfo
}{
	{"faststart v0", cat(ftyp("isom"), mp4Box("moov", mvhd0(1000, 12345), trak(tkhd(0, 1, 1920, 1080))), mdat),
		VideoInfo{12.345, 1920, 1080}},
	{"moov after mdat v1", cat(ftyp("mp42"), mdat, mp4Box("moov", mvhd1(90000, 90000*3600*5), trak(tkhd(1, 1, 3840, 2160)))),
		VideoInfo{18000, 3840, 2160}},
	{"largesize mdat before moov", cat(ftyp("isom"), mp4Box("free"), mp4LargeBox("mdat", bytes.Repeat([]byte{0}, 64)),
		mp4Box("moov", mvhd0(600, 300), trak(tkhd(0, 1, 640, 480)))), VideoInfo{0.5, 640, 480}},
	{"largesize moov", cat(ftyp("isom"), mp4LargeBox("moov", mvhd0(1, 7), trak(tkhd(0, 1, 320, 240))), mdat),
		VideoInfo{7, 320, 240}},
	{"moov to end of file", cat(ftyp("M4V "), mdat, mp4ToEnd("moov", mvhd0(25, 50), trak(tkhd(0, 1, 720, 576)))),
		VideoInfo{2, 720, 576}},
	{"mdat to end of file", cat(ftyp("isom"), mp4Box("moov", mvhd0(1000, 1500), trak(tkhd(0, 1, 1280, 720))), mp4ToEnd("mdat", make([]byte, 40))),
		VideoInfo{1.5, 1280, 720}},
	{"audio track first", cat(ftyp("isom"), mp4Box("moov", mvhd0(44100, 44100*3), trak(tkhd(0, 1, 0, 0)),
		trak(tkhd(0, 2, 1080, 1920)), trak(tkhd(0, 3, 640, 360))), mdat), VideoInfo{3, 1080, 1920}},
	{"audio only", cat(ftyp("isom"), mp4Box("moov", mvhd0(48000, 24000), trak(tkhd(0, 1, 0, 0))), mdat),
		VideoInfo{0.5, 0, 0}},
	{"fractional size", cat(ftyp("isom"), mp4Box("moov", mvhd0(1000, 1000), trak(tkhd(0, 1, 640.75, 359.5))), mdat),
		VideoInfo{1, 640, 359}},
	{"unknown duration v0", cat(ftyp("isom"), mp4Box("moov", mvhd0(1000, math.MaxUint32), trak(tkhd(0, 1, 16, 16)))),
		VideoInfo{0, 16, 16}},
	{"unknown duration v1", cat(ftyp("isom"), mp4Box("moov", mvhd1(1000, math.MaxUint64), trak(tkhd(1, 1, 16, 16)))),
		VideoInfo{0, 16, 16}},
	{"fragmented", cat(ftyp("iso5"), mp4Box("moov", mvhd0(1000, 0), trak(tkhd(0, 1, 854, 480)), mp4Box("mvex", mehd(60000))),
		mp4Box("moof", make([]byte, 16)), mdat), VideoInfo{60, 854, 480}},
	{"trailing zero in moov", cat(ftyp("isom"), mp4Box("moov", mvhd0(1000, 2000), trak(tkhd(0, 1, 100, 50)),
		mp4Box("udta", mp4Box("name", []byte("x"))), u32(0))), VideoInfo{2, 100, 50}},
}

// sparseFile is an io.ReaderAt over head followed by zeros up to size, so
// a test can claim a large file without allocating it.
type sparseFile struct {
	head []byte
	size int64
}

func (s sparseFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= s.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), s.size-off))
	clear(p[:n])
	if off < int64(len(s.head)) {
		copy(p[:n], s.head[off:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// badMP4s are malformed files and a part of the error each must give.
var badMP4s = []struct {
	name, want string
	file       []byte
}{
	{"empty", "no moov box", nil},
	{"no moov", "no moov box", cat(ftyp("isom"), mdat)},
	{"truncated header", "truncated box header", cat(ftyp("isom"), []byte{0, 0, 0})},
	{"truncated moov", "more than the", cat(ftyp("isom"), mp4Box("moov", mvhd0(1000, 1000), trak(tkhd(0, 1, 640, 480))))[:100]},
	{"box larger than file", "size 4096 is more than the 100 bytes left", cat(u32(4096), []byte("ftyp"), make([]byte, 92))},
	{"size under 8", "size 4 is less than its 8-byte header", cat(ftyp("isom"), u32(4), []byte("mdat"), make([]byte, 8))},
	{"largesize under 16", "size 8 is less than its 16-byte header", cat(ftyp("isom"), u32(1), []byte("mdat"), u64(8), make([]byte, 8))},
	{"largesize huge", "is more than the", cat(ftyp("isom"), u32(1), []byte("mdat"), u64(math.MaxUint64), make([]byte, 8))},
	{"truncated largesize", "truncated largesize", cat(ftyp("isom"), u32(1), []byte("mdat"), u32(0))},
	{"no mvhd", "no mvhd box", cat(ftyp("isom"), mp4Box("moov", trak(tkhd(0, 1, 640, 480))))},
	{"timescale 0", "timescale is 0", cat(ftyp("isom"), mp4Box("moov", mvhd0(0, 1000)))},
	{"mvhd version 2", "mvhd: unsupported version 2", cat(ftyp("isom"), mp4Box("moov", mp4Box("mvhd", u32(2<<24), make([]byte, 96))))},
	{"mvhd truncated", "mvhd: truncated", cat(ftyp("isom"), mp4Box("moov", mp4Box("mvhd", mvhd1(1000, 1000)[8:8+24])))},
	{"mvhd empty", "mvhd: truncated", cat(ftyp("isom"), mp4Box("moov", mp4Box("mvhd")))},
	{"tkhd truncated", "trak: tkhd: truncated", cat(ftyp("isom"), mp4Box("moov", mvhd0(1000, 1000), mp4Box("trak", mp4Box("tkhd", tkhd(1, 1, 640, 480)[8:8+80]))))},
	{"tkhd version 9", "tkhd: unsupported version 9", cat(ftyp("isom"), mp4Box("moov", mvhd0(1000, 1000), mp4Box("trak", mp4Box("tkhd", u32(9<<24), make([]byte, 92)))))},
	{"child larger than parent", "trak: box at offset 0", cat(ftyp("isom"), mp4Box("moov", mvhd0(1000, 1000), mp4Box("trak", u32(200), []byte("tkhd"), make([]byte, 8))), mdat)},
	{"mehd truncated", "mvex: mehd: truncated", cat(ftyp("isom"), mp4Box("moov", mvhd0(1000, 0), mp4Box("mvex", mp4Box("mehd", u32(0)))))},
	{"too many top-level boxes", "no moov box in the first 1024 boxes", cat(ftyp("isom"), bytes.Repeat(mp4Box("free"), 1100), mp4Box("moov", mvhd0(1, 1)))},
	{"too many boxes in moov", "more than 65536 boxes", cat(ftyp("isom"), mp4Box("moov", mvhd0(1, 1), bytes.Repeat(mp4Box("free"), 1<<16)))},
}

func TestProbeMP4(t *testing.T) {
	t.Parallel()
	for _, tt := range mp4Files {
		got, err := ProbeMP4(bytes.NewReader(tt.file), int64(len(tt.file)))
		if err != nil || got != tt.want {
			t.Errorf("%s: ProbeMP4 = %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
		if ft, ok := SniffType(tt.file); !ok || ft.MIME != "video/mp4" {
			t.Errorf("%s: SniffType = %+v %v", tt.name, ft, ok)
		}
	}
}

func TestProbeMP4Malformed(t *testing.T) {
	t.Parallel()
	for _, tt := range badMP4s {
		got, err := ProbeMP4(bytes.NewReader(tt.file), int64(len(tt.file)))
		if err == nil || got != (VideoInfo{}) {
			t.Errorf("%s: ProbeMP4 = %+v, %v; want an error", tt.name, got, err)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "mp4: ") || !strings.Contains(msg, tt.want) {
			t.Errorf("%s: error %q, want it to start with \"mp4: \" and say %q", tt.name, msg, tt.want)
		}
	}
}

func TestProbeMP4Reader(t *testing.T) {
	t.Parallel()
	file := mp4Files[0].file
	// A file shorter than the caller says: the header fits the claimed
	// size, the read comes up short.
	if _, err := ProbeMP4(bytes.NewReader(file[:60]), int64(len(file))); err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("short reader: %v, want unexpected EOF", err)
	}
	if _, err := ProbeMP4(bytes.NewReader(file), -1); err == nil {
		t.Error("negative size: no error")
	}
	// A moov over the limit is refused before anything is allocated.
	huge := cat(ftyp("isom"), u32(maxMoovBytes+9), []byte("moov"))
	if _, err := ProbeMP4(sparseFile{huge, 1 << 30}, 1<<30); err == nil || !strings.Contains(err.Error(), "over the 64 MiB limit") {
		t.Errorf("huge moov: %v", err)
	}
	// Just under it is read; a moov of zeros is a run of size-0 boxes of
	// type "\x00\x00\x00\x00", the first covering the rest: no mvhd.
	big := cat(ftyp("isom"), u32(maxMoovBytes+8), []byte("moov"))
	if _, err := ProbeMP4(sparseFile{big, 1 << 30}, 1<<30); err == nil || !strings.Contains(err.Error(), "no mvhd box") {
		t.Errorf("64 MiB moov: %v", err)
	}
	// moov far into a large file is found by its header alone.
	far := cat(ftyp("isom"), u32(1), []byte("mdat"), u64(5<<30-32))
	if _, err := ProbeMP4(sparseFile{far, 5 << 30}, 5<<30); err == nil || err.Error() != "mp4: no moov box" {
		t.Errorf("5 GiB mdat, no moov: %v", err)
	}
}

func TestSniffTypeMP4(t *testing.T) {
	t.Parallel()
	mp4, avif, heic := MP4, FileType{"image/avif", "avif"}, FileType{"image/heic", "heic"}
	for brand, want := range map[string]FileType{
		"isom": mp4, "iso2": mp4, "iso4": mp4, "iso5": mp4, "iso6": mp4, "mp41": mp4, "mp42": mp4,
		"avc1": mp4, "dash": mp4, "M4V ": mp4, "MSNV": mp4, "mmp4": mp4, "f4v ": mp4,
		"avif": avif, "avis": avif, "heic": heic, "heix": heic, "mif1": heic,
		"qt  ": {}, "M4A ": {}, "3gp4": {}, "ISOM": {}, "mp4 ": {}, // refused
	} {
		head := "\x00\x00\x00\x20ftyp" + brand + "\x00\x00\x02\x00isomiso2"
		ft, ok := SniffType([]byte(head))
		if ft != want || ok != (want != FileType{}) {
			t.Errorf("brand %q: SniffType = %+v %v, want %+v", brand, ft, ok, want)
		}
	}
	for _, head := range []string{"\x00\x00\x00\x20ftypis", "\x00\x00\x00\x20FTYPisom", "\x00\x00\x00\x20moovisom"} {
		if ft, ok := SniffType([]byte(head)); ok {
			t.Errorf("SniffType(%q) = %+v", head, ft)
		}
	}

	for _, tt := range []struct {
		name, stem, ext string
		ok              bool
	}{
		{"clip.mp4", "clip", "mp4", true},
		{"clip.M4V", "clip", "m4v", true},
		{"clip.jpg", "", "", false}, // a video's name must be a video's (WordPress)
		{"clip.mov", "", "", false}, // a .mov is a QuickTime file: MP4 bytes may not bear its name
	} {
		stem, ext, ok := DecideName(tt.name, mp4)
		if stem != tt.stem || ext != tt.ext || ok != tt.ok {
			t.Errorf("DecideName(%q, mp4) = %q %q %v", tt.name, stem, ext, ok)
		}
	}
	for _, name := range []string{"x.mp4", "x.m4v"} {
		if got := ContentTypeFor(name); got != "video/mp4" {
			t.Errorf("ContentTypeFor(%q) = %q", name, got)
		}
	}
	if IsRenderable("video/mp4") {
		t.Error("video/mp4 is renderable")
	}
}

// FuzzProbeMP4 checks that no file makes ProbeMP4 panic, and that what it
// reads is a duration that is a number of seconds and a size that is both
// sides or neither.
func FuzzProbeMP4(f *testing.F) {
	for _, tt := range mp4Files {
		f.Add(tt.file)
	}
	for _, tt := range badMP4s {
		if len(tt.file) < 4096 {
			f.Add(tt.file)
		}
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		type result struct {
			info VideoInfo
			err  error
		}
		r := safely(t, fmt.Sprintf("ProbeMP4(%q)", file), func() result {
			info, err := ProbeMP4(bytes.NewReader(file), int64(len(file)))
			return result{info, err}
		})
		if r.err != nil {
			if r.info != (VideoInfo{}) {
				t.Fatalf("error %v with %+v", r.err, r.info)
			}
			if !strings.HasPrefix(r.err.Error(), "mp4: ") {
				t.Fatalf("error %q lacks its context", r.err)
			}
			return
		}
		d := r.info.Duration
		if d < 0 || math.IsNaN(d) || math.IsInf(d, 0) {
			t.Fatalf("duration %v", d)
		}
		if r.info.Width < 0 || r.info.Height < 0 || (r.info.Width == 0) != (r.info.Height == 0) {
			t.Fatalf("size %dx%d", r.info.Width, r.info.Height)
		}
	})
}
