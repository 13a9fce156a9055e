package media

import "slices"

// JobKind names what a job does; it is also the last token of an item
// job's NATS subject (media.jobs.<kind>).
type JobKind string

// The job kinds. A kind is declared here and nowhere else: jobKinds says
// where each goes and what it makes, JobFor decides which one an item
// needs, the store issues it in the caller's transaction (postgres's
// insertJob), and the worker runs it through its table of handlers, one
// file a kind (worker-service/internal/worker/kind_*.go).
const (
	// JobRenditions makes the main file and the sub-sizes of an upload,
	// and its media type's named crops.
	JobRenditions JobKind = "renditions"
	// JobEdit makes an edited item's original from its parent's, then
	// its renditions.
	JobEdit JobKind = "edit"
	// JobCrops re-renders a ready item's named crops only: its focal
	// point or crop coordinates changed.
	JobCrops JobKind = "crops"
	// JobDerive makes one rendition for image URL parameters
	// (Job.Transform) and caches it as a RoleDerived file. It leaves the
	// item's status and job sequence alone: those belong to the item's
	// own jobs.
	JobDerive JobKind = "derive"
	// JobPreview renders a PDF's first page and its preview sizes, and
	// reads its page count.
	JobPreview JobKind = "preview"
	// JobAudio reads an audio file's facts and tags, and makes its
	// embedded cover art an image item of its own.
	JobAudio JobKind = "audio"
	// JobVideo reads a video's facts and makes a representative frame an
	// image item of its own, its poster.
	JobVideo JobKind = "video"
)

// JobQueue is which stream and consumer a kind's jobs go through.
type JobQueue string

const (
	// QueueItems is the item jobs' stream (subjects media.jobs.>) and the
	// workers' shared consumer: the jobs that make an item ready, one
	// current job an item (its JobSeq).
	QueueItems JobQueue = "items"
	// QueueDerive is a stream of its own (DeriveSubject): anyone may ask
	// for image URL renditions, and a flood of them must never hold back
	// an upload's job.
	QueueDerive JobQueue = "derive"
)

// JobKindSpec declares one kind.
type JobKindSpec struct {
	Kind    JobKind
	Subject string   // the NATS subject its jobs are published on
	Queue   JobQueue // the stream and consumer that carry them
	// Seq: its jobs carry the item's JobSeq, only the newest records, and
	// the item is processing until it has.
	Seq   bool
	Makes string // what a job of the kind produces, in words
}

// jobKinds lists every kind, in the order they were added.
var jobKinds = []JobKindSpec{
	{JobRenditions, "media.jobs.renditions", QueueItems, true,
		"the main file (-scaled, -rotated), the sub-sizes, the type's crops and image_meta"},
	{JobEdit, "media.jobs.edit", QueueItems, true,
		"an edited item's original from its parent's, then what renditions makes"},
	{JobCrops, "media.jobs.crops", QueueItems, true,
		"the type's named crops again, around a new focal point or crop"},
	{JobDerive, DeriveSubject, QueueDerive, false,
		"one cached rendition for image URL parameters (RoleDerived)"},
	{JobPreview, "media.jobs.preview", QueueItems, true,
		"a PDF's first page as {stem}-pdf.jpg and its thumbnail, medium and large sizes, and its page count"},
	{JobAudio, "media.jobs.audio", QueueItems, true,
		"an audio file's length, stream facts and tags (an ID3 title as the item's), its cover art as an image item"},
	{JobVideo, "media.jobs.video", QueueItems, true,
		"a video's length, frame size as shown, codecs and rate, and a representative frame as its poster image item"},
}

// fileKind is the kind of job that makes an item of a type other than the
// rendered images ready; "" for a type stored as it is.
func fileKind(mime string) JobKind {
	switch {
	case mime == PDF.MIME:
		return JobPreview
	case FamilyOf(mime) == FamilyAudio:
		return JobAudio
	case FamilyOf(mime) == FamilyVideo:
		return JobVideo
	}
	return ""
}

// JobKinds returns every declared kind.
func JobKinds() []JobKindSpec { return slices.Clone(jobKinds) }

// Spec returns k's declaration; ok is false for a kind never declared (a
// newer API's, say).
func (k JobKind) Spec() (JobKindSpec, bool) {
	for _, s := range jobKinds {
		if s.Kind == k {
			return s, true
		}
	}
	return JobKindSpec{}, false
}

// JobState is what JobFor needs to know of an item.
type JobState struct {
	Status Status
	// MIME is the item's type.
	MIME string
	// NeedsEdit: the item is an edit whose original was never made.
	NeedsEdit bool
}

// JobFor decides which job an item in state s needs when want is asked
// for, and why when that is another kind. It is the one place this is
// decided; the store calls it in the transaction that issues the job.
//   - An edit whose original was never made needs the edit first: no size
//     or crop can be cut from an original that does not exist.
//   - A PDF's sizes, asked for as any item's, are its preview; an audio
//     or video file's job reads its facts and makes its poster.
//   - Crops are asked of a ready item; one still processing (or failed)
//     has a renditions job pending or due, which the new job supersedes and
//     so must do whole, crops included.
func JobFor(want JobKind, s JobState) (JobKind, string) {
	switch {
	case fileKind(s.MIME) != "" && (want == JobRenditions || want == JobCrops):
		return fileKind(s.MIME), "a PDF's, audio or video file's job is its kind's own"
	case s.NeedsEdit && (want == JobRenditions || want == JobCrops):
		return JobEdit, "its original is made from its parent's first"
	case want == JobCrops && s.Status != StatusReady:
		return JobRenditions, "its renditions are not made yet: the whole job, crops included"
	}
	return want, ""
}

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

// QueuedAtHeader is the NATS header with the time a job was written to the
// outbox (RFC 3339), from which a worker measures how long it waited.
const QueuedAtHeader = "Pixelmill-Queued-At"

// DeriveSubject is where derive jobs go: a stream of their own, apart from
// the item jobs (media.jobs.<kind>), because anyone may ask for them.
const DeriveSubject = "media.derive.jobs"

// Subject is the NATS subject the job is published on: its kind's, or by
// the item jobs' pattern for a kind this build does not know.
func (j Job) Subject() string {
	if s, ok := j.Kind.Spec(); ok {
		return s.Subject
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
	// Facts are what the job read of a file that is not a still image.
	Facts *Facts
	// Duration is an audio or video file's length, in seconds.
	Duration *float64
	// Title, when set, becomes the item's title where its title is still
	// the one its file name gave it: an ID3 title, as WordPress takes it.
	Title string
	// Poster is an image item the job made of the file's cover art or of
	// a video's frame, to record with it and link as its poster.
	Poster *Poster
}

// Poster is a new image item made of another item's file: its row (MIME,
// Stem, Ext, Key, Width, Height, OriginalFilesize) and its original,
// already stored. It takes its author, library, visibility and folder
// from the item it is the poster of, and gets its own renditions job.
type Poster struct {
	Item     *Media
	Original File
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
