package worker

import (
	"context"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

// renditionsJob runs a renditions job: the item's original, read from the
// store, made into its main file, sizes and type's crops (imaging.Process),
// stored and recorded.
func (w *Worker) renditionsJob(ctx context.Context, job media.Job) error {
	m, src, err := w.itemSource(ctx, job)
	if err != nil {
		return err
	}
	return w.renderItem(ctx, m, job, src, nil)
}

// renderItem makes and records the renditions of m from its original src;
// made is the original when the job made it (an edit), nil otherwise.
func (w *Worker) renderItem(ctx context.Context, m *media.Media, job media.Job, src []byte, made *media.File) error {
	hdr, err := imaging.Probe(src)
	if err != nil {
		return err
	}
	if job.MetadataOnly {
		// generate_sub_sizes=false: WordPress records the upload as it is
		// (not turned upright) and leaves every size missing.
		meta := imaging.ReadImageMeta(src)
		r := media.Renditions{Width: hdr.Width, Height: hdr.Height, Filesize: int64(len(src)), Meta: toMediaMeta(meta, false), Original: made}
		r.OriginalWidth, r.OriginalHeight = upright(hdr)
		return w.record(ctx, m, job, r)
	}
	// The type's named crops come with a whole renditions job; "make
	// these sizes" leaves them alone.
	var crops []imaging.CropRequest
	if len(job.Sizes) == 0 {
		if crops, err = w.typeCrops(ctx, m, hdr); err != nil {
			return err
		}
	}
	done := phase(&phasesOf(ctx).render)
	res, err := imaging.Process(ctx, imaging.Request{Source: src, Basename: m.OriginalName(), Sizes: w.sizes, Only: job.Sizes, Crops: crops})
	done()
	if err != nil {
		return err
	}
	r := media.Renditions{Width: res.Width, Height: res.Height, Filesize: int64(len(src)), Meta: toMediaMeta(res.Meta, rotatedByEXIF(hdr)), Original: made}
	r.OriginalWidth, r.OriginalHeight = upright(hdr)
	if made != nil {
		r.Meta = w.parentMeta(ctx, m, r.Meta)
	}
	outs := make([]imaging.File, 0, 1+len(res.Sizes)+len(res.Crops))
	if res.Main != nil {
		outs = append(outs, *res.Main)
	}
	outs = append(append(outs, res.Sizes...), res.Crops...)
	done = phase(&phasesOf(ctx).store)
	files, err := w.storeAll(ctx, m, outs)
	done()
	if err != nil {
		return err
	}
	if res.Main != nil {
		r.Main, r.Filesize = &files[0], files[0].Filesize
		files = files[1:]
	}
	r.Sizes, r.Crops = files[:len(res.Sizes)], files[len(res.Sizes):]
	return w.record(ctx, m, job, r)
}
