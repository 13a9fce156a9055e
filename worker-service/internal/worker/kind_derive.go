package worker

import (
	"context"
	"fmt"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

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
	var poster *media.Media
	if m.PosterID != nil {
		if poster, err = w.store.FindMediaByID(ctx, *m.PosterID); err != nil && media.ErrorCode(err) != media.CodeNotFound {
			return fmt.Errorf("read poster of media %d: %w", m.ID, err)
		}
	}
	// An image's original, a PDF's preview, a video's or audio file's
	// poster (media.Media.Picture).
	orig, ok := m.Picture(poster)
	if !ok || m.Status == media.StatusUploading {
		return fmt.Errorf("media %d has no picture to derive from (%s): %w", m.ID, m.Status, errDrop)
	}
	src, err := w.objects.ReadAll(ctx, orig.Key, w.cfg.MaxBytes)
	if media.ErrorCode(err) == media.CodeNotFound && m.Status != media.StatusProcessing {
		return &imaging.InputError{Reason: "the item's original is missing", Err: err}
	}
	if err != nil {
		// Processing: an edited item's original may still be in the making.
		return fmt.Errorf("read original of media %d: %w", m.ID, err)
	}
	out, err := imaging.Derive(ctx, src, orig.Name, t)
	if err != nil {
		return err
	}
	f, err := w.store1(ctx, m, out)
	if err != nil {
		return err
	}
	return settle(w.store.RecordDerived(ctx, m.ID, orig.Key, f), "record derived file of media %d", m.ID)
}
