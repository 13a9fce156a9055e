package media

// JobKind names what a job does; it is also the last token of the job's
// NATS subject (media.jobs.<kind>).
type JobKind string

// The job kinds.
const (
	// JobRenditions makes the main file and the sub-sizes of an upload.
	JobRenditions JobKind = "renditions"
)

// Job is the message a worker receives. It carries ids only, never bytes:
// JetStream messages stay tiny and Postgres stays the source of truth.
type Job struct {
	Kind     JobKind `json:"kind"`
	MediaID  int64   `json:"media_id"`
	MediaKey string  `json:"media_key"`
	// Seq is the item's JobSeq when the job was issued; the worker records
	// its result only if it is still the newest.
	Seq int64 `json:"seq"`
	// Sizes limits the job to these size names; empty means all missing.
	Sizes []string `json:"sizes,omitempty"`
	// MetadataOnly reads dimensions and image_meta and makes no file.
	MetadataOnly bool `json:"metadata_only,omitempty"`
	// Transform is what a JobDerive makes: one rendition for image URL
	// parameters, cached under Transform.Canonical().
	Transform *Transform `json:"transform,omitempty"`
}

// DeriveSubject is where derive jobs go: a stream of their own, apart from
// the item jobs (media.jobs.<kind>), because anyone may ask for them.
const DeriveSubject = "media.derive.jobs"

// Subject is the NATS subject the job is published on.
func (j Job) Subject() string {
	if j.Kind == JobDerive {
		return DeriveSubject
	}
	return "media.jobs." + string(j.Kind)
}

// Renditions is what a worker made for an item: the attached file's final
// shape, the files it wrote, and the metadata it read.
type Renditions struct {
	// Main is the -scaled or -rotated copy that replaces the original as the
	// attached file; nil when the original stays attached.
	Main     *File
	Width    int // of the attached file
	Height   int
	Filesize int64
	Sizes    []File
	Meta     *ImageMeta
	// Original is set when the job made the item's original (an edit).
	Original *File
	// Crops are the item's media type's named crops (RoleCrop, SizeName
	// the alias).
	Crops []File
	// OriginalWidth and OriginalHeight are the upload's upright dimensions,
	// which missing_image_sizes is computed from.
	OriginalWidth  int
	OriginalHeight int
}

// OutboxMessage is one message the core wrote to the outbox in the
// transaction that made it necessary (a job, an event), waiting for the
// relay to publish it. The store writes and claims them; jobqueue publishes
// them; neither knows the other.
type OutboxMessage struct {
	ID      string // also the Nats-Msg-Id, so a re-publish is deduplicated
	Subject string
	Payload []byte
	Headers map[string]string // trace context of the request that caused it
}
