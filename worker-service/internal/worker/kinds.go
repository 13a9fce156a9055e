package worker

import (
	"context"
	"fmt"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

// handler is how the worker runs one job kind (media.JobKinds declares
// them): the job itself, in a file of its own (kind_<kind>.go), and what
// its final failure records.
type handler struct {
	run func(w *Worker, ctx context.Context, job media.Job) error
	// fail records a final failure; nil records nothing, for a kind whose
	// outcome is not its item's status.
	fail func(w *Worker, ctx context.Context, job media.Job, reason string) error
	// replayBadFiles dead-letters a bad file's failure too: replaying it
	// can help once the item's file or settings are fixed.
	replayBadFiles bool
}

// handlers has an entry for every declared kind; TestHandlers checks it.
var handlers = map[media.JobKind]handler{
	media.JobRenditions: {run: (*Worker).renditionsJob, fail: (*Worker).failItem, replayBadFiles: true},
	media.JobEdit:       {run: (*Worker).editJob, fail: (*Worker).failItem, replayBadFiles: true},
	media.JobCrops:      {run: (*Worker).cropsJob, fail: (*Worker).keepCrops, replayBadFiles: true},
	media.JobPreview:    {run: (*Worker).previewJob, fail: (*Worker).failItem, replayBadFiles: true},
	media.JobAudio:      {run: (*Worker).audioJob, fail: (*Worker).failItem, replayBadFiles: true},
	media.JobVideo:      {run: (*Worker).videoJob, fail: (*Worker).failItem, replayBadFiles: true},
	// A derive job's bad-file failure can't be helped by a replay: the
	// URL's parameters can't be met on that image.
	media.JobDerive: {run: (*Worker).derive},
}

// run does the work of one job through its kind's handler; every kind is
// idempotent: object keys and rows are deterministic, so running a job
// twice leaves the same state. A kind this build does not know (a newer
// API's) is an error, retried and then failed, so that a newer worker may
// take it meanwhile.
func (w *Worker) run(ctx context.Context, job media.Job) error {
	h, ok := handlers[job.Kind]
	if !ok {
		return fmt.Errorf("job kind %q is unknown to this worker", job.Kind)
	}
	return h.run(w, ctx, job)
}

// itemJob loads the item of a job that carries its JobSeq (an item job)
// and its original file, after the checks every such job makes: the item
// still exists, the job is its newest and not recorded yet.
func (w *Worker) itemJob(ctx context.Context, job media.Job) (*media.Media, media.File, error) {
	m, err := w.jobItem(ctx, job)
	if err != nil {
		return nil, media.File{}, err
	}
	if m.JobSeq != job.Seq {
		return nil, media.File{}, fmt.Errorf("job %d superseded by %d: %w", job.Seq, m.JobSeq, errDrop)
	}
	if m.Status != media.StatusProcessing {
		// Recorded already: a worker died between recording and acking.
		// Doing it again would only repeat the same writes.
		return nil, media.File{}, fmt.Errorf("job %d already recorded (%s): %w", job.Seq, m.Status, errDrop)
	}
	orig, ok := m.FileByRole(media.RoleOriginal)
	if !ok {
		return nil, media.File{}, &imaging.InputError{Reason: "the item has no original file"}
	}
	return m, orig, nil
}

// itemSource is itemJob and the item's original, read from the store.
func (w *Worker) itemSource(ctx context.Context, job media.Job) (*media.Media, []byte, error) {
	m, orig, err := w.itemJob(ctx, job)
	if err != nil {
		return nil, nil, err
	}
	done := phase(&phasesOf(ctx).read)
	src, err := w.objects.ReadAll(ctx, orig.Key, w.cfg.MaxBytes)
	done()
	if err != nil {
		return nil, nil, fmt.Errorf("read original of media %d: %w", m.ID, err)
	}
	return m, src, nil
}

// finalFailure says what a job's final failure (a bad file, or the last
// delivery) does before its message is terminated: whether recordFinal
// writes it, and whether it is dead-lettered. A kind this worker does not
// know is recorded and kept, as an item job.
func finalFailure(job media.Job, err error) (record, deadLetter bool) {
	h, ok := handlers[job.Kind]
	if !ok {
		return true, true
	}
	return h.fail != nil, h.replayBadFiles || !imaging.IsInputError(err)
}

// recordFinal writes a job's final failure as its kind says. A job
// superseded meanwhile, or whose item is gone, records nothing.
func (w *Worker) recordFinal(ctx context.Context, job media.Job, reason string) error {
	fail := (*Worker).failItem
	if h, ok := handlers[job.Kind]; ok {
		if h.fail == nil {
			return nil
		}
		fail = h.fail
	}
	if err := fail(w, ctx, job, reason); !unwanted(err) {
		return err
	}
	return nil
}

// failItem fails a renditions or edit job's item with the reason.
func (w *Worker) failItem(ctx context.Context, job media.Job, reason string) error {
	return w.store.FailMedia(ctx, job.MediaID, job.Seq, reason)
}

// keepCrops ends a failed crops job with the item ready and the crops it
// had: its sizes are fine, and a later focal point or crop request tries
// again.
func (w *Worker) keepCrops(ctx context.Context, job media.Job, _ string) error {
	return w.store.RecordCrops(ctx, job.MediaID, job.Seq, nil)
}
