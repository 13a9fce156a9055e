package media

import (
	"path"
	"slices"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// Family is what kind of media a type is, which decides what the workers
// make of it and how each dialect names it.
type Family string

// The families.
const (
	FamilyImage    Family = "image"    // rendered: sizes, crops, image URLs
	FamilyAudio    Family = "audio"    // facts and tags read; cover art becomes an image item
	FamilyVideo    Family = "video"    // facts read; a poster frame becomes an image item
	FamilyDocument Family = "document" // PDF (a preview is rendered), office files, text
	FamilyArchive  Family = "archive"  // ZIP: stored and served as a download, never unpacked
)

// mediaTypes are the types WordPress accepts by default beyond the images
// (get_allowed_mime_types for an administrator), by the MIME type
// WordPress records for them, with their extensions, canonical first.
var mediaTypes = []struct {
	mime   string
	family Family
	exts   []string
}{
	{"audio/mpeg", FamilyAudio, []string{"mp3", "m4a", "m4b"}},
	{"audio/ogg", FamilyAudio, []string{"ogg", "oga"}},
	{"audio/wav", FamilyAudio, []string{"wav"}},
	{"audio/flac", FamilyAudio, []string{"flac"}},
	{"video/mp4", FamilyVideo, []string{"mp4", "m4v"}},
	{"video/quicktime", FamilyVideo, []string{"mov", "qt"}},
	{"video/webm", FamilyVideo, []string{"webm"}},
	{"video/ogg", FamilyVideo, []string{"ogv"}},
	{"video/avi", FamilyVideo, []string{"avi"}},
	{"video/3gpp", FamilyVideo, []string{"3gp", "3gpp"}},
	{"video/3gpp2", FamilyVideo, []string{"3g2", "3gp2"}},
	{"application/pdf", FamilyDocument, []string{"pdf"}},
	{"application/msword", FamilyDocument, []string{"doc"}},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", FamilyDocument, []string{"docx"}},
	{"application/vnd.oasis.opendocument.text", FamilyDocument, []string{"odt"}},
	{"application/vnd.ms-excel", FamilyDocument, []string{"xls"}},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", FamilyDocument, []string{"xlsx"}},
	{"application/vnd.oasis.opendocument.spreadsheet", FamilyDocument, []string{"ods"}},
	{"application/vnd.ms-powerpoint", FamilyDocument, []string{"ppt"}},
	{"application/vnd.openxmlformats-officedocument.presentationml.presentation", FamilyDocument, []string{"pptx"}},
	{"application/vnd.oasis.opendocument.presentation", FamilyDocument, []string{"odp"}},
	{"application/rtf", FamilyDocument, []string{"rtf"}},
	{"text/plain", FamilyDocument, []string{"txt", "asc", "srt"}},
	{"text/csv", FamilyDocument, []string{"csv"}},
	{"application/zip", FamilyArchive, []string{"zip"}},
}

// byDetected maps what the byte detector names (mimetype's names and
// aliases) to the MIME type WordPress records. A container the detector
// can't see into further (an OLE or ZIP file, Ogg, plain text) is
// settled by the client's extension among the types it can hold: see
// containers.
var byDetected = map[string]string{
	"audio/mpeg": "audio/mpeg", "audio/x-m4a": "audio/mpeg", "audio/mp4": "audio/mpeg",
	"audio/ogg": "audio/ogg", "audio/wav": "audio/wav", "audio/flac": "audio/flac",
	"video/mp4": "video/mp4", "video/x-m4v": "video/mp4", "video/quicktime": "video/quicktime",
	"video/webm": "video/webm", "video/ogg": "video/ogg", "video/x-msvideo": "video/avi",
	"video/3gpp": "video/3gpp", "video/3gpp2": "video/3gpp2",
	"application/pdf":    "application/pdf",
	"application/msword": "application/msword", "application/vnd.ms-excel": "application/vnd.ms-excel",
	"application/vnd.ms-powerpoint":                                             "application/vnd.ms-powerpoint",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text":                                   "application/vnd.oasis.opendocument.text",
	"application/vnd.oasis.opendocument.spreadsheet":                            "application/vnd.oasis.opendocument.spreadsheet",
	"application/vnd.oasis.opendocument.presentation":                           "application/vnd.oasis.opendocument.presentation",
	"text/rtf": "application/rtf", "text/csv": "text/csv", "text/plain": "text/plain",
	"application/zip": "application/zip",
}

// containers are the detected types that hold several of ours: the
// client's extension picks one of them, and any other extension gets the
// first.
var containers = map[string][]string{
	// OLE compound files whose class the detector could not read.
	"application/x-ole-storage": {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"},
	// Office Open XML and OpenDocument files are ZIP files; one whose
	// first entries don't say so is still the ZIP its name claims.
	"application/zip": {"application/zip",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.openxmlformats-officedocument.presentationml.presentation",
		"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
		"application/vnd.oasis.opendocument.presentation"},
	"application/ogg": {"audio/ogg", "video/ogg"},
	"text/plain":      {"text/plain", "text/csv"},
}

// DetectHead is how many leading bytes DecideType reads: enough for the
// detector to see an OLE file's class and a ZIP file's first entries.
const DetectHead = 8 << 10

// DecideType decides a file's type from its first bytes (DetectHead of
// them): the images the workers render (SniffType), and every other type
// WordPress accepts by default. The client's file name settles only which
// of a container's types the bytes are (a ZIP named .docx); it never
// makes bytes of one type pass as another. ok is false for any other
// type, a script or an executable say.
func DecideType(head []byte, clientName string) (FileType, bool) {
	if ft, ok := SniffType(head); ok {
		return ft, true
	}
	// Only what the detector names is taken, never a parent of it: an
	// installer is an OLE file and a web page is text, and neither may
	// pass as a document.
	name, _, _ := strings.Cut(mimetype.Detect(head).String(), ";") // "text/plain; charset=utf-8"
	if choices, ok := containers[name]; ok {
		return fileTypeOf(containerChoice(choices, clientName)), true
	}
	if mime, ok := byDetected[name]; ok {
		return fileTypeOf(mime), true
	}
	return FileType{}, false
}

// containerChoice is the type of choices whose extensions hold the
// client's, else the first.
func containerChoice(choices []string, clientName string) string {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(clientName), "."))
	for _, c := range choices {
		for _, t := range mediaTypes {
			if t.mime == c && slices.Contains(t.exts, ext) {
				return c
			}
		}
	}
	return choices[0]
}

func fileTypeOf(mime string) FileType {
	for _, t := range mediaTypes {
		if t.mime == mime {
			return FileType{MIME: mime, Ext: t.exts[0]}
		}
	}
	return FileType{}
}

// FamilyOf is the family of an accepted MIME type ("" for none).
func FamilyOf(mime string) Family {
	if IsRenderable(mime) || mime == SVG.MIME {
		return FamilyImage
	}
	for _, t := range mediaTypes {
		if t.mime == mime {
			return t.family
		}
	}
	return ""
}

// AcceptedTypes are the types beyond the rendered images that DecideType
// accepts, each with its canonical extension.
func AcceptedTypes() []FileType {
	out := make([]FileType, len(mediaTypes))
	for i, t := range mediaTypes {
		out[i] = FileType{MIME: t.mime, Ext: t.exts[0]}
	}
	return out
}

// DeclaredTypes are the content types a client may declare for a file it
// is about to upload (a presigned upload's type, before any byte is
// seen), each with the type it stands for: the rendered images, HEIF as
// HEIC, and every type of AcceptedTypes. The bytes must then agree.
func DeclaredTypes() map[string]FileType {
	out := map[string]FileType{
		"image/jpeg":      {MIME: "image/jpeg", Ext: "jpg"},
		"image/png":       {MIME: "image/png", Ext: "png"},
		"image/gif":       {MIME: "image/gif", Ext: "gif"},
		"image/webp":      {MIME: "image/webp", Ext: "webp"},
		"image/heic":      {MIME: "image/heic", Ext: "heic"},
		"image/heif":      {MIME: "image/heic", Ext: "heic"},
		"video/mp4":       {MIME: "video/mp4", Ext: "mp4"},
		"application/pdf": {MIME: "application/pdf", Ext: "pdf"},
	}
	for _, ft := range AcceptedTypes() {
		if _, ok := out[ft.MIME]; !ok {
			out[ft.MIME] = ft
		}
	}
	return out
}
