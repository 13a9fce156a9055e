package imaging

import (
	"context"
	"fmt"
	"path"

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

// cropRenditions plans the requested crops as renditions like the
// sub-sizes, riding their shrink-on-load tiers: a crop without a box is
// cut around the point libvips' attention finds (found once for them all).
// A box outside the upright image is a caller's bug, not a bad file.
func cropRenditions(src []byte, p plan, crops []CropRequest) ([]rendition, error) {
	out := make([]rendition, 0, len(crops))
	var subject *media.Point
	for _, c := range crops {
		if c.W < 1 || c.H < 1 || c.W > media.MaxCropSide || c.H > media.MaxCropSide {
			return nil, fmt.Errorf("crop %s: size %dx%d out of range", c.Alias, c.W, c.H)
		}
		r := rendition{SizeName: c.Alias, Name: media.CropFileName(p.Stem, c.Alias, p.Ext), W: c.W, H: c.H}
		if c.Box == nil {
			if subject == nil {
				pt := attentionPoint(src, p.Rotate)
				subject = &pt
			}
			r.Box, _ = media.CropBox(p.UprightW, p.UprightH, media.CropDef{Alias: c.Alias, Width: c.W, Height: c.H}, subject, nil)
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
	jobs, err := cropRenditions(src, p, crops)
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
