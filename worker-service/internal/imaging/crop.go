package imaging

import (
	"context"
	"fmt"
	"path"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/pixelmill/pixelmill/services/media"
)

// CropRequest asks for one of a media type's named crops: exactly W×H,
// cut from Box of the upright original (media.CropBox decides it from the
// item's focal point or crop coordinates). A nil Box leaves the choice to
// libvips' attention-based smart crop, for items nobody placed a focal
// point on.
type CropRequest struct {
	Alias string
	W, H  int
	Box   *media.Rect
}

// cropRenditions plans the requested crops: boxed ones are renditions like
// the sub-sizes and ride their shrink-on-load tiers; smart ones are scaled
// to cover W×H in the same tiers and cut where libvips finds the subject.
// A box outside the upright image is a caller's bug, not a bad file.
func cropRenditions(p plan, crops []CropRequest) ([]rendition, error) {
	out := make([]rendition, 0, len(crops))
	for _, c := range crops {
		if c.W < 1 || c.H < 1 || c.W > media.MaxCropSide || c.H > media.MaxCropSide {
			return nil, fmt.Errorf("crop %s: size %dx%d out of range", c.Alias, c.W, c.H)
		}
		r := rendition{
			SizeName: c.Alias,
			Name:     media.CropFileName(p.Stem, c.Alias, p.Ext),
			W:        c.W,
			H:        c.H,
			Box:      media.Rect{W: p.UprightW, H: p.UprightH},
		}
		if c.Box == nil {
			r.Attention = true
		} else {
			b := *c.Box
			if b.X < 0 || b.Y < 0 || b.W < 1 || b.H < 1 || b.X+b.W > p.UprightW || b.Y+b.H > p.UprightH {
				return nil, fmt.Errorf("crop %s: box %+v outside the %dx%d image", c.Alias, b, p.UprightW, p.UprightH)
			}
			r.Box = b
		}
		out = append(out, r)
	}
	return out, nil
}

// Crops makes only the named crops of an upload, as Process would make
// them: the crops job, after the focal point or the crop coordinates of an
// item changed. Errors are Process's: an *InputError for a bad file.
func Crops(ctx context.Context, src []byte, basename string, crops []CropRequest) ([]File, error) {
	name := path.Base(basename)
	if err := ready(); err != nil {
		return nil, fmt.Errorf("crops %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("crops %s: %w", name, err)
	}
	info, err := probe(src, maxPixels.Load())
	if err != nil {
		return nil, fmt.Errorf("crops %s: %w", name, err)
	}
	p := makePlan(info.Width, info.Height, info.Orientation, info.format, name, nil, nil)
	if !info.format.subsizes || len(crops) == 0 {
		return nil, nil
	}
	jobs, err := cropRenditions(p, crops)
	if err != nil {
		return nil, fmt.Errorf("crops %s: %w", name, err)
	}
	r := renderer{src: src, plan: p, info: info, strict: true}
	files, err := r.renderRetry(ctx, jobs)
	if err != nil {
		return nil, fmt.Errorf("crops %s: %w", name, err)
	}
	return files, nil
}

// smart returns the upright source scaled to cover w×h and cut to w×h
// where libvips' attention measure (edges, skin tones, saturated colours)
// scores highest. libvips' thumbnail does the cut itself: smartcrop reads
// the image more than once, which a streamed (sequential) decode can't
// serve, and thumbnail then decodes with random access. The loaders are
// those of scaled, for the same orientation rules.
func (r *renderer) smart(t tier, shared *vips.ImageRef, w, h int) (*vips.ImageRef, error) {
	return r.thumbnail(t, shared, w, h, vips.InterestingAttention, vips.SizeBoth, vips.AccessRandom)
}
