package imaging

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/pixelmill/pixelmill/services/media"
)

// Derive makes the one rendition image URL parameters ask for (a
// media.Transform, see media.ParseImageQuery): laid out by t.Plan on the
// upright original (JPEG EXIF orientation applied, as for every rendition
// here), exactly the planned size, encoded as t.Format (or as the
// upload's renditions are) at t.Quality (or the pipeline's defaults).
// Pad and boxpad fill the canvas with transparency where the format has
// alpha and with white in a JPEG; a JPEG of a source with alpha is
// flattened onto white too. The File's SizeName is t.Canonical() and its
// Name media.DerivedFileName's. Errors are Process's: an *InputError for
// a bad file.
func Derive(ctx context.Context, src []byte, basename string, t media.Transform) (File, error) {
	name := path.Base(basename)
	if err := t.Validate(); err != nil {
		return File{}, fmt.Errorf("derive %s: %w", name, err)
	}
	if err := ready(); err != nil {
		return File{}, fmt.Errorf("derive %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return File{}, fmt.Errorf("derive %s: %w", name, err)
	}
	info, err := probe(src, maxPixels.Load())
	if err != nil {
		return File{}, fmt.Errorf("derive %s: %w", name, err)
	}
	p := makePlan(info.Width, info.Height, info.Orientation, info.format, name, nil, nil)
	// An asked-for format names the file by its own extension; otherwise
	// the upload's spelling stays, as for the sub-sizes.
	if out := deriveFormat(p.Out, t.Format, info.HasAlpha); t.Format != "" || out.name != p.Out.name {
		p.Out, p.Ext = out, out.ext
	}
	canonical := t.Canonical()
	l := t.Plan(p.UprightW, p.UprightH)
	job := rendition{
		SizeName: canonical,
		Name:     media.DerivedFileName(p.Stem, canonical, p.Ext),
		W:        l.W,
		H:        l.H,
		Box:      l.Box,
	}

	r := &renderer{src: src, plan: p, info: info, strict: true, quality: t.Quality}
	f, err := r.derive(job, l)
	if errors.Is(err, errTolerable) {
		r.strict = false
		f, err = r.derive(job, l)
	}
	if err != nil {
		return File{}, fmt.Errorf("derive %s: %w", name, err)
	}
	return f, nil
}

// derive renders job and puts it on the layout's canvas.
func (r *renderer) derive(job rendition, l media.Layout) (File, error) {
	tiers := r.tiers([]rendition{job})
	im, err := r.cut(job, tiers[0], nil)
	if err != nil {
		return File{}, err
	}
	defer im.Close()
	if err := r.background(im, l); err != nil {
		return File{}, err
	}
	f, err := r.encode(im, job)
	if err != nil {
		return File{}, err
	}
	f.Width, f.Height = l.CanvasW, l.CanvasH
	return f, nil
}

// background pads im onto the layout's canvas and, for a JPEG, flattens
// any alpha onto white: a JPEG has no transparency, and libvips would
// flatten onto black.
func (r *renderer) background(im *vips.ImageRef, l media.Layout) error {
	jpeg := r.plan.Out.name == "jpeg"
	padded := l.CanvasW != l.W || l.CanvasH != l.H
	if !padded && !(jpeg && im.HasAlpha()) {
		return nil
	}
	// The background is given as sRGB: a grey or CMYK image is converted
	// first, and its ICC profile, which described the old colour space,
	// dropped (sRGB is what an image without one is read as).
	if im.Interpretation() != vips.InterpretationSRGB {
		if err := im.ToColorSpace(vips.InterpretationSRGB); err != nil {
			return fmt.Errorf("to sRGB: %w", libvipsError(err))
		}
		if err := im.RemoveICCProfile(); err != nil {
			return fmt.Errorf("drop ICC profile: %w", libvipsError(err))
		}
	}
	white := &vips.Color{R: 255, G: 255, B: 255}
	if jpeg {
		if im.HasAlpha() {
			if err := im.Flatten(white); err != nil {
				return fmt.Errorf("flatten: %w", libvipsError(err))
			}
		}
		if padded {
			if err := im.EmbedBackground(l.X, l.Y, l.CanvasW, l.CanvasH, white); err != nil {
				return fmt.Errorf("pad to %dx%d: %w", l.CanvasW, l.CanvasH, libvipsError(err))
			}
		}
		return nil
	}
	if err := im.AddAlpha(); err != nil {
		return fmt.Errorf("add alpha: %w", libvipsError(err))
	}
	if err := im.EmbedBackgroundRGBA(l.X, l.Y, l.CanvasW, l.CanvasH, &vips.ColorRGBA{}); err != nil {
		return fmt.Errorf("pad to %dx%d: %w", l.CanvasW, l.CanvasH, libvipsError(err))
	}
	return nil
}

// deriveFormat is the output format of a derived rendition: the one asked
// for, else the upload's renditions' own; a TIFF, which has none, becomes
// PNG when it has alpha and JPEG otherwise.
func deriveFormat(renditions format, want string, alpha bool) format {
	if want == "" {
		want = renditions.name
	}
	switch want {
	case "jpeg":
		return formats[vips.ImageTypeJPEG]
	case "png":
		return formats[vips.ImageTypePNG]
	case "webp":
		return formats[vips.ImageTypeWEBP]
	case "gif":
		return formats[vips.ImageTypeGIF]
	case "avif":
		return formats[vips.ImageTypeAVIF]
	}
	if alpha {
		return formats[vips.ImageTypePNG]
	}
	return formats[vips.ImageTypeJPEG]
}
