package imaging

import (
	"context"
	"fmt"
	"math"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/pixelmill/pixelmill/services/media"
)

// Edit applies WordPress's image-editor operations (spec §10.3) to the
// upright source, in order, and encodes the result in the source's format
// with WordPress's quality: it becomes the original of a new item. The
// whole image is decoded once, as every operation needs all of it.
func Edit(ctx context.Context, src []byte, ops []media.EditOp) (*File, error) {
	if err := ready(); err != nil {
		return nil, err
	}
	info, err := probe(src, maxPixels.Load())
	if err != nil {
		return nil, fmt.Errorf("edit: %w", err)
	}
	im, err := vips.LoadImageFromBuffer(src, importParams(false))
	if err != nil {
		return nil, classify(err, src, info.format, false)
	}
	defer closeRef(im)
	// WordPress 7.1 turns a JPEG upright before editing, so edits act on
	// what the client previewed; other formats' orientation tags are
	// ignored, as WordPress ignores them.
	if info.format.name == "jpeg" {
		err = im.AutoRotate()
	} else {
		err = im.RemoveOrientation()
	}
	if err != nil {
		return nil, fmt.Errorf("edit: orient: %w", libvipsError(err))
	}
	for i, op := range ops {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := applyOp(im, op); err != nil {
			return nil, fmt.Errorf("edit: modifier %d (%s): %w", i, op.Type, err)
		}
	}
	if err := im.RemoveMetadata(); err != nil {
		return nil, fmt.Errorf("edit: metadata: %w", libvipsError(err))
	}
	r := &renderer{src: src, plan: plan{Out: info.format.output()}, info: info}
	var icc []byte
	if r.plan.Out.name == "webp" {
		icc = im.GetICCProfile()
	}
	data, err := r.export(im)
	if err != nil {
		return nil, fmt.Errorf("edit: encode %s: %w", r.plan.Out.name, libvipsError(err))
	}
	return &File{
		Width: im.Width(), Height: im.Height(), MIME: r.plan.Out.mime,
		Data: cleanMetadata(r.plan.Out.name, data, icc),
	}, nil
}

// applyOp runs one flip, rotate or crop on im.
func applyOp(im *vips.ImageRef, op media.EditOp) error {
	switch op.Type {
	case "flip":
		if op.Horizontal {
			if err := im.Flip(vips.DirectionHorizontal); err != nil {
				return libvipsError(err)
			}
		}
		if op.Vertical {
			if err := im.Flip(vips.DirectionVertical); err != nil {
				return libvipsError(err)
			}
		}
	case "rotate":
		angle := math.Mod(math.Mod(op.Angle, 360)+360, 360) // clockwise, 0 ≤ angle < 360
		switch angle {
		case 0:
			return nil
		case 90:
			return libvipsError(im.Rotate(vips.Angle90))
		case 180:
			return libvipsError(im.Rotate(vips.Angle180))
		case 270:
			return libvipsError(im.Rotate(vips.Angle270))
		}
		// Other angles enlarge the canvas, as WordPress's editors do; new
		// pixels are transparent where there is alpha, else black.
		return libvipsError(im.Similarity(1, angle, &vips.ColorRGBA{}, 0, 0, 0, 0))
	case "crop":
		w, h := im.Width(), im.Height()
		x := int(math.Round(float64(w) * op.Left / 100))
		y := int(math.Round(float64(h) * op.Top / 100))
		cw := int(math.Round(float64(w) * op.Width / 100))
		ch := int(math.Round(float64(h) * op.Height / 100))
		if cw <= 0 || ch <= 0 || x >= w || y >= h {
			return &InputError{Reason: fmt.Sprintf("crop %g%%×%g%% at %g%%,%g%% leaves no image", op.Width, op.Height, op.Left, op.Top)}
		}
		cw, ch = min(cw, w-x), min(ch, h-y)
		if cw == w && ch == h {
			return nil
		}
		return libvipsError(im.ExtractArea(x, y, cw, ch))
	default:
		return &InputError{Reason: "unknown edit operation " + op.Type}
	}
	return nil
}
