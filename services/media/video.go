package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// VideoInfo is what a video's container says about it.
type VideoInfo struct {
	Duration      float64 // seconds
	Width, Height int     // of the first track with a picture; 0 when none has one
}

// Limits on what ProbeMP4 reads, so a hostile file can neither make it
// allocate much nor keep it walking: besides these, every box must fit in
// what is left of the file or of its parent and be at least its header
// long, so each step moves forward.
const (
	// maxMoovBytes bounds the one allocation, as moov is read whole; the
	// sample tables of a feature-length film take a few MiB.
	maxMoovBytes = 64 << 20
	// maxTopBoxes bounds the walk to moov. A plain file has a handful of
	// top-level boxes (ftyp, free, mdat, moov); a fragmented one has
	// thousands, but writes moov first.
	maxTopBoxes = 1024
	// maxMoovBoxes bounds the boxes looked at inside moov, all levels
	// counted. The depth needs no limit: ProbeMP4 goes down only to
	// moov/trak/tkhd and moov/mvex/mehd, never following a box's own say.
	maxMoovBoxes = 1 << 16
)

// ProbeMP4 reads an MP4's moov box through r (size bytes long) for the
// video's duration and picture size. It reads only top-level box headers on
// the way to moov, which may come after the media data in files not written
// "faststart", then moov itself; none of the media data. Width and Height
// are the first picture track's, as its track header gives them (before
// any rotation in its matrix); an audio-only file has none and is no error.
func ProbeMP4(r io.ReaderAt, size int64) (VideoInfo, error) {
	if size < 0 {
		return VideoInfo{}, fmt.Errorf("mp4: negative file size %d", size)
	}
	var head [16]byte
	for off, n := int64(0), 0; off < size; n++ {
		if n == maxTopBoxes {
			return VideoInfo{}, fmt.Errorf("mp4: no moov box in the first %d boxes", maxTopBoxes)
		}
		h := head[:min(int64(len(head)), size-off)]
		if err := readFull(r, h, off); err != nil {
			return VideoInfo{}, fmt.Errorf("mp4: read box header at offset %d: %w", off, err)
		}
		b, err := parseBox(h, size-off)
		if err != nil {
			return VideoInfo{}, fmt.Errorf("mp4: box at offset %d: %w", off, err)
		}
		if b.typ != "moov" {
			off += b.size
			continue
		}
		if b.size-b.hdr > maxMoovBytes {
			return VideoInfo{}, fmt.Errorf("mp4: moov box is %d bytes, over the %d MiB limit", b.size-b.hdr, maxMoovBytes>>20)
		}
		moov := make([]byte, b.size-b.hdr)
		if err := readFull(r, moov, off+b.hdr); err != nil {
			return VideoInfo{}, fmt.Errorf("mp4: read moov at offset %d: %w", off, err)
		}
		info, err := parseMoov(moov)
		if err != nil {
			return VideoInfo{}, fmt.Errorf("mp4: moov: %w", err)
		}
		return info, nil
	}
	return VideoInfo{}, errors.New("mp4: no moov box")
}

// readFull reads len(p) bytes at off, a short read being an error: the
// caller was told the file is longer.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil // io.ReaderAt may report io.EOF with the last bytes
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// box is a box's header: its type, and its size and its header's, both in
// bytes.
type box struct {
	typ       string
	size, hdr int64
}

// parseBox decodes the box header at the start of h (up to 16 bytes), with
// left bytes remaining in the file or the parent box from its start.
func parseBox(h []byte, left int64) (box, error) {
	if len(h) < 8 {
		return box{}, fmt.Errorf("truncated box header: %d bytes left", left)
	}
	b := box{typ: string(h[4:8]), size: int64(binary.BigEndian.Uint32(h)), hdr: 8}
	switch b.size {
	case 0: // extends to the end of the file (here, of the parent too)
		b.size = left
	case 1: // a 64-bit largesize follows the type
		if len(h) < 16 {
			return box{}, fmt.Errorf("%q: truncated largesize: %d bytes left", b.typ, left)
		}
		large := binary.BigEndian.Uint64(h[8:16])
		if large > uint64(left) {
			return box{}, fmt.Errorf("%q: size %d is more than the %d bytes left", b.typ, large, left)
		}
		b.size, b.hdr = int64(large), 16
	}
	if b.size < b.hdr {
		return box{}, fmt.Errorf("%q: size %d is less than its %d-byte header", b.typ, b.size, b.hdr)
	}
	if b.size > left {
		return box{}, fmt.Errorf("%q: size %d is more than the %d bytes left", b.typ, b.size, left)
	}
	return b, nil
}

// eachBox calls fn with the type and payload of each box in p, a
// container's payload, charging each to *budget, and stops at fn's first
// error. Fewer than 8 bytes at the end are ignored: QuickTime writers end
// some containers with a 32-bit zero.
func eachBox(p []byte, budget *int, fn func(typ string, payload []byte) error) error {
	for off := 0; len(p)-off >= 8; {
		if *budget <= 0 {
			return fmt.Errorf("more than %d boxes", maxMoovBoxes)
		}
		*budget--
		b, err := parseBox(p[off:min(off+16, len(p))], int64(len(p)-off))
		if err != nil {
			return fmt.Errorf("box at offset %d: %w", off, err)
		}
		end := off + int(b.size)
		if err := fn(b.typ, p[off+int(b.hdr):end]); err != nil {
			return fmt.Errorf("%s: %w", b.typ, err)
		}
		off = end
	}
	return nil
}

// parseMoov reads the movie header's duration, falling back to the movie
// extends header's for a fragmented file (whose moov describes no
// samples), and the picture size of the first track that has one.
func parseMoov(moov []byte) (VideoInfo, error) {
	var (
		info                VideoInfo
		timescale           uint32
		duration, fragments uint64
		haveMvhd            bool
	)
	budget := maxMoovBoxes
	err := eachBox(moov, &budget, func(typ string, p []byte) error {
		switch {
		case typ == "mvhd" && !haveMvhd:
			var err error
			timescale, duration, err = parseMvhd(p)
			haveMvhd = true
			return err
		case typ == "trak" && info.Width == 0:
			return eachBox(p, &budget, func(typ string, p []byte) error {
				if typ != "tkhd" || info.Width != 0 {
					return nil
				}
				w, h, err := parseTkhd(p)
				if err == nil && w > 0 && h > 0 {
					info.Width, info.Height = w, h
				}
				return err
			})
		case typ == "mvex":
			return eachBox(p, &budget, func(typ string, p []byte) error {
				if typ != "mehd" {
					return nil
				}
				var err error
				fragments, err = parseMehd(p)
				return err
			})
		}
		return nil
	})
	if err != nil {
		return VideoInfo{}, err
	}
	if !haveMvhd {
		return VideoInfo{}, errors.New("no mvhd box")
	}
	if duration == 0 {
		duration = fragments
	}
	info.Duration = float64(duration) / float64(timescale)
	return info, nil
}

// parseMvhd reads the movie header's timescale (units a second) and
// duration in them; a duration of all ones means unknown and reads as 0.
func parseMvhd(p []byte) (timescale uint32, duration uint64, err error) {
	if len(p) < 4 {
		return 0, 0, fmt.Errorf("truncated: %d bytes", len(p))
	}
	switch v := p[0]; {
	case v == 0 && len(p) >= 20: // creation, modification, timescale, duration: 32 bits each
		timescale, duration = binary.BigEndian.Uint32(p[12:16]), uint64(binary.BigEndian.Uint32(p[16:20]))
		if duration == math.MaxUint32 {
			duration = 0
		}
	case v == 1 && len(p) >= 32: // creation and modification 64 bits, timescale 32, duration 64
		timescale, duration = binary.BigEndian.Uint32(p[20:24]), binary.BigEndian.Uint64(p[24:32])
		if duration == math.MaxUint64 {
			duration = 0
		}
	case v > 1:
		return 0, 0, fmt.Errorf("unsupported version %d", v)
	default:
		return 0, 0, fmt.Errorf("truncated: %d bytes for version %d", len(p), v)
	}
	if timescale == 0 {
		return 0, 0, errors.New("timescale is 0")
	}
	return timescale, duration, nil
}

// parseTkhd reads a track header's width and height, 16.16 fixed point
// after the times, track ID, duration, layer, volume and matrix; the
// fraction is dropped.
func parseTkhd(p []byte) (width, height int, err error) {
	var at int
	switch {
	case len(p) < 4:
		return 0, 0, fmt.Errorf("truncated: %d bytes", len(p))
	case p[0] == 0:
		at = 76
	case p[0] == 1:
		at = 88 // creation, modification and duration are 64 bits
	default:
		return 0, 0, fmt.Errorf("unsupported version %d", p[0])
	}
	if len(p) < at+8 {
		return 0, 0, fmt.Errorf("truncated: %d bytes for version %d", len(p), p[0])
	}
	return int(binary.BigEndian.Uint32(p[at:]) >> 16), int(binary.BigEndian.Uint32(p[at+4:]) >> 16), nil
}

// parseMehd reads the movie extends header's fragment duration, in the
// movie header's timescale.
func parseMehd(p []byte) (uint64, error) {
	switch {
	case len(p) >= 8 && p[0] == 0:
		return uint64(binary.BigEndian.Uint32(p[4:8])), nil
	case len(p) >= 12 && p[0] == 1:
		return binary.BigEndian.Uint64(p[4:12]), nil
	case len(p) >= 1 && p[0] > 1:
		return 0, fmt.Errorf("unsupported version %d", p[0])
	}
	return 0, fmt.Errorf("truncated: %d bytes", len(p))
}
