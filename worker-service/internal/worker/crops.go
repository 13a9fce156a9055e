package worker

import (
	"context"
	"fmt"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

// cropRequests turns a media type's crop definitions into imaging's
// requests for an upW×upH upright original: each crop is cut from the
// item's hand-placed coordinates for it, else around its focal point, else
// where libvips' smart crop finds the subject (no Box).
func cropRequests(defs []media.CropDef, upW, upH int, focal *media.Point, coords map[string]media.Coords) []imaging.CropRequest {
	if len(defs) == 0 {
		return nil
	}
	out := make([]imaging.CropRequest, 0, len(defs))
	for _, d := range defs {
		var c *media.Coords
		if v, ok := coords[d.Alias]; ok {
			c = &v
		}
		req := imaging.CropRequest{Alias: d.Alias, W: d.Width, H: d.Height}
		if box, ok := media.CropBox(upW, upH, d, focal, c); ok {
			req.Box = &box
		}
		out = append(out, req)
	}
	return out
}

// typeCrops returns the crops the item's media type defines, laid out on
// its upright original, whose header is hdr.
func (w *Worker) typeCrops(ctx context.Context, m *media.Media, hdr imaging.Header) ([]imaging.CropRequest, error) {
	alias := m.TypeAlias()
	t, err := w.store.MediaType(ctx, alias)
	if err != nil {
		return nil, fmt.Errorf("load media type %s: %w", alias, err)
	}
	upW, upH := upright(hdr)
	return cropRequests(t.Crops, upW, upH, m.Focal, m.CropCoords), nil
}
