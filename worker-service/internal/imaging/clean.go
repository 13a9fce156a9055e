package imaging

import (
	"bytes"
	"encoding/binary"
)

// dropMetadata removes EXIF and XMP that the encoder wrote into data on its
// own. With strip off (to keep the ICC profile on libvips 8.14) jpegsave and
// webpsave synthesise a small EXIF block (resolution, orientation 1,
// dimensions) even when the image has none; WordPress's renditions carry
// none, and neither should ours. The ICC profile is left in place. Anything
// that does not parse is returned unchanged: these are libvips' own bytes.
func dropMetadata(formatName string, data []byte) []byte {
	switch formatName {
	case "jpeg":
		return dropJPEGSegments(data)
	case "webp":
		return dropWebPChunks(data)
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

// VP8X feature flags for the chunks dropWebPChunks removes.
const (
	webpFlagEXIF = 0x08
	webpFlagXMP  = 0x04
)

// dropWebPChunks removes the EXIF and "XMP " chunks of an extended WebP,
// clears their VP8X flags and fixes the RIFF size.
func dropWebPChunks(data []byte) []byte {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return data
	}
	out := make([]byte, 12, len(data))
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
		default:
			if id == "VP8X" && n >= 1 {
				vp8x = len(out) + 8
			}
			out = append(out, data[i:end]...)
		}
		i = end
	}
	if !changed {
		return data
	}
	if vp8x >= 0 {
		out[vp8x] &^= webpFlagEXIF | webpFlagXMP
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// dropPNGChunks removes eXIf and the XMP iTXt chunk; libvips 8.14 writes
// neither after pm_strip, this keeps it that way across versions.
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
