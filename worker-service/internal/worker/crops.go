package worker

import (
	"context"
	"fmt"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

// cropRequests turns a media type's crop definitions into imaging's
// requests for an upW×upH upright original: each crop is cut from the
// item's hand-placed coordinates for it, else around its focal point, else
// where libvips' smart crop finds the subject (no Box).
func cropRequests(defs []media.CropDef, upW, upH int, focal *media.Point, coords map[string]media.Coords) []imaging.CropRequest {
	if len(defs) == 0 {
		return nil
	}
	out := make([]imaging.CropRequest, 0, len(defs))
	for _, d := range defs {
		var c *media.Coords
		if v, ok := coords[d.Alias]; ok {
			c = &v
		}
		req := imaging.CropRequest{Alias: d.Alias, W: d.Width, H: d.Height}
		if box, ok := media.CropBox(upW, upH, d, focal, c); ok {
			req.Box = &box
		}
		out = append(out, req)
	}
	return out
}

// typeCrops returns the crops the item's media type defines, laid out on
// its upright original, whose header is hdr.
func (w *Worker) typeCrops(ctx context.Context, m *media.Media, hdr imaging.Header) ([]imaging.CropRequest, error) {
	alias := m.TypeAlias()
	t, err := w.store.MediaType(ctx, alias)
	if err != nil {
		return nil, fmt.Errorf("load media type %s: %w", alias, err)
	}
	upW, upH := upright(hdr)
	return cropRequests(t.Crops, upW, upH, m.Focal, m.CropCoords), nil
}

// recrop runs a crops job on the item's original src: the crops alone,
// stored and recorded.
func (w *Worker) recrop(ctx context.Context, m *media.Media, job media.Job, src []byte) error {
	hdr, err := imaging.Probe(src)
	if err != nil {
		return err
	}
	reqs, err := w.typeCrops(ctx, m, hdr)
	if err != nil {
		return err
	}
	outs, err := imaging.Crops(ctx, src, m.OriginalName(), reqs)
	if err != nil {
		return err
	}
	files, err := w.storeAll(ctx, m, outs)
	if err != nil {
		return err
	}
	return settle(w.store.RecordCrops(ctx, m.ID, job.Seq, files), "record crops of media %d", m.ID)
}

// derive runs a derive job: one rendition for image URL parameters, cached
// as a derived file. It ignores the job sequence and never changes the
// item's status, which belong to the item's own jobs; an item still being
// processed is fine once its original exists.
func (w *Worker) derive(ctx context.Context, job media.Job) error {
	if job.Transform == nil {
		return fmt.Errorf("derive job without a transform: %w", errDrop)
	}
	t := *job.Transform
	if err := t.Validate(); err != nil {
		return fmt.Errorf("derive job with a bad transform (%v): %w", err, errDrop)
	}
	m, err := w.jobItem(ctx, job)
	if err != nil {
		return err
	}
	canonical := t.Canonical()
	if _, made, err := w.store.FindDerived(ctx, m.ID, canonical); err != nil {
		return fmt.Errorf("look up derived file of media %d: %w", m.ID, err)
	} else if made {
		// Made already: a redelivery, or two requests raced to enqueue.
		return fmt.Errorf("derived %q already made: %w", canonical, errDrop)
	}
	orig, ok := m.FileByRole(media.RoleOriginal)
	if !ok || m.Status == media.StatusUploading || !m.IsImage() {
		return fmt.Errorf("media %d has no image to derive from (%s): %w", m.ID, m.Status, errDrop)
	}
	src, err := w.objects.ReadAll(ctx, orig.Key, w.cfg.MaxBytes)
	if media.ErrorCode(err) == media.CodeNotFound && m.Status != media.StatusProcessing {
		return &imaging.InputError{Reason: "the item's original is missing", Err: err}
	}
	if err != nil {
		// Processing: an edited item's original may still be in the making.
		return fmt.Errorf("read original of media %d: %w", m.ID, err)
	}
	out, err := imaging.Derive(ctx, src, m.OriginalName(), t)
	if err != nil {
		return err
	}
	f, err := w.store1(ctx, m, out)
	if err != nil {
		return err
	}
	return settle(w.store.RecordDerived(ctx, m.ID, orig.Key, f), "record derived file of media %d", m.ID)
}

// finalFailure says what a job's final failure (a bad file, or the last
// delivery) does before its message is terminated: whether recordFinal
// writes it, and whether it is dead-lettered. A derive job records
// nothing: the item's status belongs to its own renditions, which may be
// fine while one URL's parameters can't be met; and its bad-file failures
// aren't dead-lettered, since replaying them can't help.
func finalFailure(job media.Job, err error) (record, deadLetter bool) {
	if job.Kind == media.JobDerive {
		return false, !imaging.IsInputError(err)
	}
	return true, true
}

// recordFinal writes a job's final failure. A renditions or edit job fails
// its item. A crops job leaves the item ready with the crops it had: its
// sizes are fine, and a later focal point or crop request tries again. A
// job superseded meanwhile, or whose item is gone, records nothing.
func (w *Worker) recordFinal(ctx context.Context, job media.Job, reason string) error {
	var err error
	if job.Kind == media.JobCrops {
		err = w.store.RecordCrops(ctx, job.MediaID, job.Seq, nil)
	} else {
		err = w.store.FailMedia(ctx, job.MediaID, job.Seq, reason)
	}
	if unwanted(err) {
		return nil
	}
	return err
}
