package media

// The rules of a new item, decided here and stored by the store in the
// transaction that makes the item.

// FirstStatus is a new item's status, and the kind of its first job when
// a worker must finish it ("" when none): a presigned upload waits for its
// bytes (completing it decides the rest, by this function again); a file
// the workers make nothing of is stored and ready at once; an image, a
// PDF, an audio or a video file is processing until its first job: an
// image's renditions (an edit's, when the item is an edit), a PDF's
// preview, an audio or video file's facts and poster (JobFor).
func FirstStatus(m *Media) (Status, JobKind) {
	switch {
	case m.Status == StatusUploading:
		return StatusUploading, ""
	case m.IsFolder():
		return StatusReady, ""
	case !m.IsImage() && fileKind(m.MIME) == "":
		return StatusReady, ""
	}
	kind, _ := JobFor(JobRenditions, JobState{Status: StatusProcessing, MIME: m.MIME, NeedsEdit: m.Edit != nil})
	return StatusProcessing, kind
}

// SlugBase is what a new item's slug is made from, before it is made
// unique: the slug asked for, else the title, else the stored stem, each
// slugified, the first that leaves something (WordPress's order).
func SlugBase(slug, title, stem string) string {
	for _, s := range []string{slug, title, stem} {
		if out := Slugify(s); out != "" {
			return out
		}
	}
	return ""
}
