package worker

import (
	"context"
	"fmt"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

// editJob runs an edit job: the edited item's original made from its
// parent's (edit), then its renditions, as a renditions job makes them.
func (w *Worker) editJob(ctx context.Context, job media.Job) error {
	m, orig, err := w.itemJob(ctx, job)
	if err != nil {
		return err
	}
	src, made, err := w.edit(ctx, m, orig)
	if err != nil {
		return err
	}
	return w.renderItem(ctx, m, job, src, made)
}

// edit makes an edited item's original: its parent's original with the
// item's operations applied, stored under the item's own original key.
func (w *Worker) edit(ctx context.Context, m *media.Media, orig media.File) ([]byte, *media.File, error) {
	if m.Edit == nil {
		return nil, nil, &imaging.InputError{Reason: "the item has no edit to apply"}
	}
	parentSrc, err := w.objects.ReadAll(ctx, m.Edit.SourceKey, w.cfg.MaxBytes)
	if media.ErrorCode(err) == media.CodeNotFound {
		return nil, nil, &imaging.InputError{Reason: "the edited image's source is gone", Err: err}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read edit source of media %d: %w", m.ID, err)
	}
	out, err := imaging.Edit(ctx, parentSrc, m.Edit.Ops)
	if err != nil {
		return nil, nil, err
	}
	if _, err := w.objects.Put(ctx, orig.Key, bytesReader(out.Data), int64(len(out.Data)), out.MIME); err != nil {
		return nil, nil, fmt.Errorf("store edited original %s: %w", orig.Key, err)
	}
	return out.Data, &media.File{Name: m.OriginalName(), Key: orig.Key, MIME: out.MIME, Width: out.Width, Height: out.Height, Filesize: int64(len(out.Data))}, nil
}

// parentMeta gives an edited item its parent's image_meta, as WordPress
// copies it: the edited pixels carry no EXIF of their own, and they are
// upright, so the orientation is 1.
func (w *Worker) parentMeta(ctx context.Context, m *media.Media, own *media.ImageMeta) *media.ImageMeta {
	if m.ParentID == nil {
		return own
	}
	parent, err := w.store.FindMediaByID(ctx, *m.ParentID)
	if err != nil || parent.ImageMeta == nil {
		return own
	}
	meta := *parent.ImageMeta
	if meta.Orientation != 0 {
		meta.Orientation, meta.Rotated = 1, true
	}
	return &meta
}
