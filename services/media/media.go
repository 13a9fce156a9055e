package media

import "time"

// Status is where an item is in the rendition pipeline. It is separate from
// Visibility (WordPress's post status) because an item can be private and
// still processing.
type Status string

// The processing statuses. An upload starts StatusProcessing and ends in one
// of the other two; a post-process or edit request sends it back to
// StatusProcessing.
const (
	// StatusUploading is a presigned upload's item before the client said
	// the bytes are in place; the /v1 API shows it as processing.
	StatusUploading  Status = "uploading"
	StatusProcessing Status = "processing"
	StatusReady      Status = "ready"
	StatusFailed     Status = "failed"
)

// Visibility is WordPress's post status for attachments.
type Visibility string

// The visibilities WordPress allows on attachments.
const (
	VisibilityInherit Visibility = "inherit"
	VisibilityPrivate Visibility = "private"
	VisibilityTrash   Visibility = "trash"
)

// Media is one uploaded file and everything derived from it: the asset,
// as every dialect shares it. ID is WordPress's integer id, Key is the
// UUID that Umbraco and /v1 show. What a dialect keeps beside the asset is
// a type and a table of its own: WordPress's attachment post is
// Attachment, Umbraco's place in the tree is Node.
type Media struct {
	ID       int64
	Key      string // UUID, lower-case, hyphenated
	AuthorID int64

	// Title is the item's name in every dialect (WordPress's title,
	// Umbraco's name, /v1's title).
	Title string
	// TitleDefault says Title is still the one made from the file's name,
	// which a title the file carries replaces.
	TitleDefault bool
	// Visibility says who may see the item (Can): everyone, the owner
	// and editors, or nobody (trashed).
	Visibility Visibility

	MIME string
	// Dir is the uploads sub-directory ("2026/11"); every file of the item
	// lives in it, so WordPress's year/month URLs hold.
	Dir string
	// Stem is the stored upload name without extension, unique in Dir
	// (case-insensitive), so that no two items' sub-size names can collide.
	Stem string
	// Ext is the lower-case extension decided from the bytes, without dot.
	Ext string
	// ClientFilename is the name the client sent, before sanitizing.
	ClientFilename string

	// File is the attached file's base name: the upload itself, or its
	// "-scaled"/"-rotated" copy once a worker made one.
	File     string
	Width    int
	Height   int
	Filesize int64
	// OriginalFilesize is the byte size of the upload as received.
	OriginalFilesize int64

	ImageMeta *ImageMeta
	// Facts are what a worker read of a file that is not a still image
	// (a PDF's pages); nil until then.
	Facts *Facts
	// PosterID is the image item made of the file's cover art or of a
	// video's frame (WordPress's featured_media); nil when there is none.
	PosterID *int64

	Status      Status
	StatusError string
	// JobSeq numbers the jobs issued for this item; a worker's result is
	// recorded only if its job is still the newest, so an older job can't
	// overwrite a newer one's result.
	JobSeq int64

	// ParentID and ParentFile are set on items made by WordPress's /edit:
	// the item cut from and its uploads-relative file (parent_image).
	ParentID   *int64
	ParentFile string
	// Edit is how a worker makes this item's original; nil for uploads.
	Edit *Edit

	// SizesDeferred, at creation, asks for metadata only: no sizes until a
	// post-process (WordPress's generate_sub_sizes=false). Not stored.
	SizesDeferred bool

	// APIKeyID is the /v1 key whose library the item belongs to; nil for
	// items made through WordPress.
	APIKeyID *int64
	// UploadSize and UploadExpires describe a presigned upload while the
	// item is StatusUploading: the byte count the client declared and when
	// its upload URL stops working.
	UploadSize    int64
	UploadExpires *time.Time
	// Duration is a video's length in seconds; nil for everything else.
	Duration *float64

	// MediaType is the item's type alias (Folder, Image, File or a
	// configured one); see TypeAlias. It decides which named crops the
	// workers cut.
	MediaType string
	// Focal is where the crops are centred; nil until set.
	Focal *Point
	// CropCoords are crops an editor placed by hand, by alias; a crop
	// without coordinates is cut around Focal.
	CropCoords map[string]Coords

	// Files are the stored objects: the original, the main copy and every
	// rendition, in creation order.
	Files []File

	CreatedAt time.Time
	UpdatedAt time.Time
}

// OriginalName is the stored name of the upload ("horizon.jpg").
func (m *Media) OriginalName() string { return m.Stem + "." + m.Ext }

// OriginalImage is WordPress's original_image: the upload's name when a
// scaled or rotated copy replaced it as the attached file, else "".
func (m *Media) OriginalImage() string {
	if m.File != "" && m.File != m.OriginalName() {
		return m.OriginalName()
	}
	return ""
}

// Renditions returns the sub-size files in creation order.
func (m *Media) Renditions() []File {
	var out []File
	for _, f := range m.Files {
		if f.Role == RoleSize {
			out = append(out, f)
		}
	}
	return out
}

// MediaPath is the item's address among the image URLs, relative to the
// site: "/media/{folder}/{name}", the upload as received, which takes image
// URL parameters (?width=…, ?crop=alias); "" for a folder.
func (m *Media) MediaPath() string {
	if m.IsFolder() {
		return ""
	}
	return "/media/" + m.Dir + "/" + m.OriginalName()
}

// FileByRole returns the first file of the role, if any.
func (m *Media) FileByRole(role FileRole) (File, bool) {
	for _, f := range m.Files {
		if f.Role == role {
			return f, true
		}
	}
	return File{}, false
}

// IsImage reports whether the item is a raster image that gets renditions.
func (m *Media) IsImage() bool { return IsRenderable(m.MIME) }

// FileRole says what a stored file is to its item.
type FileRole string

// The file roles.
const (
	RoleOriginal FileRole = "original" // the upload as received
	RoleMain     FileRole = "main"     // the -scaled or -rotated copy that replaced the original as attached file
	RoleSize     FileRole = "size"     // a named sub-size
	RoleCrop     FileRole = "crop"     // a media type's named crop, cut around the focal point
	RoleDerived  FileRole = "derived"  // made for image URL parameters; SizeName is their canonical form
)

// File is one stored object of an item.
type File struct {
	Role     FileRole
	SizeName string // for RoleSize: "thumbnail", "medium", …
	Name     string // base name, e.g. "horizon-300x188.jpg"
	Key      string // object key in the bucket
	MIME     string
	Width    int
	Height   int
	Filesize int64
}

// ImageMeta is the metadata WordPress reads from EXIF and IPTC. Scalars are
// strings because WordPress emits them as strings.
type ImageMeta struct {
	Aperture         string   `json:"aperture"`
	Credit           string   `json:"credit"`
	Camera           string   `json:"camera"`
	Caption          string   `json:"caption"`
	CreatedTimestamp string   `json:"created_timestamp"`
	Copyright        string   `json:"copyright"`
	FocalLength      string   `json:"focal_length"`
	ISO              string   `json:"iso"`
	ShutterSpeed     string   `json:"shutter_speed"`
	Title            string   `json:"title"`
	Orientation      int      `json:"orientation"`
	Keywords         []string `json:"keywords"`
	Alt              string   `json:"alt"`
	// Rotated records that the attached file was turned upright, which
	// WordPress signals by emitting orientation as the integer 1.
	Rotated bool `json:"rotated,omitempty"`
}

// Update is a change to an item's fields; nil fields stay as they are.
type Update struct {
	Title      *string
	AuthorID   *int64
	Visibility *Visibility
	Date       *time.Time
	// Post changes WordPress's attachment fields.
	Post AttachmentUpdate
}

// Facts are what a worker read of a file that is not a still image.
type Facts struct {
	// Pages is a PDF's page count.
	Pages int `json:"pages,omitempty"`
	// Length is an audio or video file's duration, in seconds.
	Length float64 `json:"length,omitempty"`
	// Container is the file's format as FFmpeg names it: mp3, mov, ogg,
	// wav, flac, matroska, avi.
	Container string `json:"container,omitempty"`
	// Bitrate is the whole file's, in bits a second.
	Bitrate int64 `json:"bitrate,omitempty"`
	// Audio and Video are the file's first stream of each.
	Audio *AudioFacts `json:"audio,omitempty"`
	Video *VideoFacts `json:"video,omitempty"`
	// Tags are what the file says of itself (ID3, Vorbis comments, iTunes
	// atoms).
	Tags *Tags `json:"tags,omitempty"`
}

// AudioFacts describe an audio stream.
type AudioFacts struct {
	Codec         string `json:"codec"`      // FFmpeg's name: mp3, aac, vorbis, flac, opus, pcm_s16le
	CodecName     string `json:"codec_name"` // its long name: "MP3 (MPEG audio layer 3)"
	SampleRate    int    `json:"sample_rate"`
	Channels      int    `json:"channels"`
	BitsPerSample int    `json:"bits_per_sample,omitempty"`
	Bitrate       int64  `json:"bitrate,omitempty"`
	// BitrateMode is cbr or vbr.
	BitrateMode string `json:"bitrate_mode,omitempty"`
	Lossless    bool   `json:"lossless"`
}

// VideoFacts describe a video stream, as it is shown: Width and Height
// are after its rotation.
type VideoFacts struct {
	Codec     string  `json:"codec"`      // h264, hevc, vp9, av1, mpeg4
	CodecName string  `json:"codec_name"` // "H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10"
	Width     int     `json:"width"`
	Height    int     `json:"height"`
	FrameRate float64 `json:"frame_rate,omitempty"`
	// Rotation is the display matrix's turn, in degrees clockwise.
	Rotation int `json:"rotation,omitempty"`
}

// Tags are a media file's own titles.
type Tags struct {
	Title  string `json:"title,omitempty"`
	Artist string `json:"artist,omitempty"`
	Album  string `json:"album,omitempty"`
	Year   string `json:"year,omitempty"`
	Genre  string `json:"genre,omitempty"`
	Track  string `json:"track,omitempty"`
}

// Picture is the still an item's image URL renditions are made from: an
// image's original; a PDF's first-page preview (its "full" size); an audio
// or video file's poster, the original of poster (the item PosterID names,
// which the caller read; nil when it has none). ok is false while there is
// none yet, or for a file that has no picture.
func (m *Media) Picture(poster *Media) (File, bool) {
	switch {
	case m.IsImage():
		return m.FileByRole(RoleOriginal)
	case m.MIME == PDF.MIME:
		for _, f := range m.Renditions() {
			if f.SizeName == "full" {
				return f, true
			}
		}
	case poster != nil && m.PosterID != nil && poster.ID == *m.PosterID:
		return poster.FileByRole(RoleOriginal)
	}
	return File{}, false
}
