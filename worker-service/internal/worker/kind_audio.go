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
	if err != nil {
		done()
		return err
	}
	r := media.Renditions{Width: m.Width, Height: m.Height, Filesize: int64(len(src)), Facts: &p.Facts, Duration: &p.Facts.Length}
	if v := p.Facts.Video; v != nil {
		r.Width, r.Height = v.Width, v.Height
	}
	var web *imaging.File
	if video && imaging.NeedsWebVideo(m.MIME, &p.Facts) && p.Facts.Length <= w.cfg.AV.MaxTranscode.Seconds() {
		// A video browsers can't play gets a copy they can, which becomes
		// the attached file, as a HEIC's JPEG does (the original stays).
		data, width, height, err := f.WebMP4(ctx, w.cfg.AV.WebMaxSide)
		if err != nil {
			done()
			return err
		}
		web = &imaging.File{Name: m.Stem + ".mp4", Width: width, Height: height, MIME: media.MP4.MIME, Data: data}
	}
	done()
	if web != nil {
		files, err := w.storeAll(ctx, m, []imaging.File{*web})
		if err != nil {
			return err
		}
		r.Main, r.Width, r.Height, r.Filesize = &files[0], web.Width, web.Height, files[0].Filesize
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
