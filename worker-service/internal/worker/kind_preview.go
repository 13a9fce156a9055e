package worker

import (
	"context"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

// previewJob runs a preview job: the item's PDF, read from the store, its
// first page rendered with its sizes (imaging.PDFPreview), stored and
// recorded with its page count. The PDF stays the attached file.
func (w *Worker) previewJob(ctx context.Context, job media.Job) error {
	m, src, err := w.itemSource(ctx, job)
	if err != nil {
		return err
	}
	done := phase(&phasesOf(ctx).render)
	res, err := imaging.PDFPreview(ctx, imaging.PDFRequest{Source: src, Basename: m.OriginalName(), Sizes: w.sizes, Limits: w.cfg.PDF})
	done()
	if err != nil {
		return err
	}
	done = phase(&phasesOf(ctx).store)
	files, err := w.storeAll(ctx, m, append(res.Sizes, res.Full))
	done()
	if err != nil {
		return err
	}
	return w.record(ctx, m, job, media.Renditions{
		Width: m.Width, Height: m.Height, Filesize: int64(len(src)),
		Sizes: files, Facts: &media.Facts{Pages: res.Pages},
	})
}
