package imaging

import (
	"bytes"
	"encoding/binary"
)

// cleanMetadata fixes the metadata govips's encoders leave in data on
// libvips 8.14, where RemoveMetadata plus export cannot give "ICC profile
// kept, nothing else":
//   - With StripMetadata off (on 8.14 strip also drops the ICC profile;
//     keep=icc is 8.15+) jpegsave and webpsave synthesise a small EXIF block
//     (resolution, orientation, dimensions) even after RemoveMetadata, in
//     vips__exif_update. WordPress's renditions carry none, nor do ours.
//   - ExportWebp always passes webpsave a profile, "none" unless
//     OptimizeICCProfile swapped the pixels to govips's own sRGB, so the
//     source's profile never reaches a WebP. icc, when not nil, is put back
//     byte for byte.
//
// Anything that does not parse is returned unchanged: these are libvips'
// own bytes.
func cleanMetadata(formatName string, data, icc []byte) []byte {
	switch formatName {
	case "jpeg":
		return dropJPEGSegments(data)
	case "webp":
		return fixWebPChunks(data, icc)
	case "png":
		return dropPNGChunks(data)
	}
	return data
}

var (
	jpegExifID = []byte("Exif\x00\x00")
	jpegXMPID  = []byte("http://ns.adobe.com/xap/1.0/\x00")
)

// dropJPEGSegments removes APP1 (EXIF, XMP) and APP13 (IPTC) segments before
// the first scan and copies the rest verbatim.
func dropJPEGSegments(data []byte) []byte {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return data
	}
	out := make([]byte, 0, len(data))
	out = append(out, 0xFF, 0xD8)
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return data
		}
		marker := data[i+1]
		if marker == 0xDA { // start of scan: the rest is image data
			return append(out, data[i:]...)
		}
		n := int(binary.BigEndian.Uint16(data[i+2 : i+4]))
		end := i + 2 + n
		if n < 2 || end > len(data) {
			return data
		}
		payload := data[i+4 : end]
		drop := marker == 0xED ||
			(marker == 0xE1 && (bytes.HasPrefix(payload, jpegExifID) || bytes.HasPrefix(payload, jpegXMPID)))
		if !drop {
			out = append(out, data[i:end]...)
		}
		i = end
	}
	return data
}

// VP8X feature flags for the chunks fixWebPChunks touches.
const (
	webpFlagICC  = 0x20
	webpFlagEXIF = 0x08
	webpFlagXMP  = 0x04
)

// fixWebPChunks removes the EXIF and "XMP " chunks of an extended WebP and
// makes its ICCP chunk icc (none when icc is nil), then sets the VP8X flags
// to match and fixes the RIFF size. ICCP must follow VP8X directly. webpsave
// writes VP8X whenever it writes EXIF, which with strip off is always; a
// simple WebP is left as it is.
func fixWebPChunks(data, icc []byte) []byte {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return data
	}
	out := make([]byte, 12, len(data)+len(icc)+9)
	copy(out, data[:12])
	vp8x := -1
	changed := false
	for i := 12; i < len(data); {
		if i+8 > len(data) {
			return data
		}
		id := string(data[i : i+4])
		n := int(binary.LittleEndian.Uint32(data[i+4 : i+8]))
		end := i + 8 + n + n%2 // chunks are padded to even length
		if n < 0 || end > len(data) {
			if i+8+n == len(data) { // tolerate a missing final pad byte
				end = len(data)
			} else {
				return data
			}
		}
		switch id {
		case "EXIF", "XMP ":
			changed = true
		case "ICCP":
			// Replaced by icc below (libvips 8.14 writes none here).
			changed = true
		default:
			out = append(out, data[i:end]...)
			if id == "VP8X" && n >= 1 {
				vp8x = len(out) - (end - i)
				if icc != nil {
					out = appendChunk(out, "ICCP", icc)
					changed = true
				}
			}
		}
		i = end
	}
	if !changed {
		return data
	}
	if vp8x >= 0 {
		flags := &out[vp8x+8]
		*flags &^= webpFlagEXIF | webpFlagXMP | webpFlagICC
		if icc != nil {
			*flags |= webpFlagICC
		}
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out
}

// appendChunk appends a RIFF chunk with its padding byte.
func appendChunk(out []byte, id string, payload []byte) []byte {
	out = append(out, id...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
	out = append(out, payload...)
	if len(payload)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// dropPNGChunks removes eXIf and the XMP iTXt chunk; libvips 8.14 writes
// neither after RemoveMetadata, this keeps it that way across versions.
func dropPNGChunks(data []byte) []byte {
	if !bytes.HasPrefix(data, pngSignature) {
		return data
	}
	out := make([]byte, 0, len(data))
	out = append(out, pngSignature...)
	changed := false
	for i := len(pngSignature); i < len(data); {
		if i+12 > len(data) {
			return data
		}
		n := int(binary.BigEndian.Uint32(data[i : i+4]))
		end := i + 12 + n
		if n < 0 || end > len(data) {
			return data
		}
		typ := string(data[i+4 : i+8])
		body := data[i+8 : i+8+n]
		if typ == "eXIf" || (typ == "iTXt" && bytes.HasPrefix(body, []byte("XML:com.adobe.xmp\x00"))) {
			changed = true
		} else {
			out = append(out, data[i:end]...)
		}
		i = end
	}
	if !changed {
		return data
	}
	return out
}
