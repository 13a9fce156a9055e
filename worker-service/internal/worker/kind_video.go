package worker

import (
	"context"

	"github.com/pixelmill/pixelmill/services/media"
)

// videoJob runs a video job: the item's file, read from the store, its
// facts read by ffprobe (the frame size as it is shown), a representative
// frame stored as its poster image item, and, for a video browsers can't
// play, an H.264/AAC MP4 copy as its attached file, all recorded together
// (avJob).
func (w *Worker) videoJob(ctx context.Context, job media.Job) error {
	return w.avJob(ctx, job, true)
}
