package worker

import (
	"context"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

// audioJob runs an audio job: the item's file, read from the store, its
// facts and tags read by ffprobe (imaging.AVFile), its embedded cover art
// stored as an image item of its own, all recorded together; an ID3 title
// becomes the item's title where the client gave none.
func (w *Worker) audioJob(ctx context.Context, job media.Job) error {
	return w.avJob(ctx, job, false)
}

// avJob is the audio and the video job: video says which.
func (w *Worker) avJob(ctx context.Context, job media.Job, video bool) error {
	m, src, err := w.itemSource(ctx, job)
	if err != nil {
		return err
	}
	done := phase(&phasesOf(ctx).render)
	f, err := imaging.OpenAV(src, w.cfg.AV)
	if err != nil {
		done()
		return err
	}
	defer f.Close()
	p, err := f.Probe(ctx, video)
	if err != nil {
		done()
		return err
	}
	var picture []byte
	switch {
	case video:
		picture, err = f.Poster(ctx, p.Facts.Length)
	case p.Cover >= 0:
		picture, err = f.Cover(ctx, p.Cover)
	}
	done()
	if err != nil {
		return err
	}
	r := media.Renditions{Width: m.Width, Height: m.Height, Filesize: int64(len(src)), Facts: &p.Facts, Duration: &p.Facts.Length}
	if v := p.Facts.Video; v != nil {
		r.Width, r.Height = v.Width, v.Height
	}
	if t := p.Facts.Tags; t != nil && !video {
		r.Title = t.Title
	}
	if picture != nil {
		defer phase(&phasesOf(ctx).store)()
		if r.Poster, err = w.storePoster(ctx, m, job, picture); err != nil {
			return err
		}
	}
	return w.record(ctx, m, job, r)
}
