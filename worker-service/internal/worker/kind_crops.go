package worker

import (
	"context"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

// cropsJob runs a crops job: a ready item's named crops cut again from its
// original (a new focal point or crop), stored and recorded; its sizes stay.
func (w *Worker) cropsJob(ctx context.Context, job media.Job) error {
	m, src, err := w.itemSource(ctx, job)
	if err != nil {
		return err
	}
	return w.recrop(ctx, m, job, src)
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
