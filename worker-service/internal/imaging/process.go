package imaging

import (
	"context"
	"fmt"
	"math"
	"path"
	"strconv"
)

// Request asks for WordPress's renditions of one upload.
type Request struct {
	// Source is the uploaded file, unchanged.
	Source []byte
	// Basename is the stored file name of the upload, e.g. "horizon.jpg";
	// every output name derives from it as WordPress's do.
	Basename string
	// Sizes are the registered sizes, usually DefaultSizes().
	Sizes []Size
	// Only, when not empty, limits the sub-sizes to these names: the
	// "create missing sizes" post-process. The main file is still made, so
	// a Result always describes the whole attachment.
	Only []string
}

// File is one encoded output, ready to store.
type File struct {
	SizeName      string // "" for the main (-scaled / -rotated) file
	Name          string // e.g. "horizon-300x188.jpg", "horizon-scaled.jpg"
	Width, Height int
	MIME          string
	Data          []byte
}

// Result is what WordPress's wp_create_image_subsizes would record for the
// upload: the attached file's size, the main copy if one replaces the
// upload, every sub-size, and image_meta.
type Result struct {
	// MIME is the format of the outputs: the original's, except HEIC/HEIF
	// whose renditions are JPEG (WordPress 6.7+).
	MIME string
	// Width and Height are the attached file's: the main copy when Main is
	// set, else the upload as displayed (it is not rotated then).
	Width, Height int
	// Main replaces the upload as the attached file: "-scaled" when the
	// upright image is over BigImageThreshold (fitted in 2560×2560 and
	// EXIF-rotated), "-rotated" for a JPEG with EXIF orientation 2..8 that
	// needs no scaling, or "{stem}.jpg" for a converted HEIC. Nil otherwise.
	Main *File
	// OriginalImage is WordPress's original_image: Basename when Main is
	// set, so the untouched upload stays reachable; "" otherwise.
	OriginalImage string
	// Sizes are in WordPress's creation order (medium, large, thumbnail,
	// medium_large, then the rest as registered), only those §12.3 yields.
	Sizes []File
	// Meta is image_meta, read from the original upload.
	Meta ImageMeta
}

// tierMemoryBudget caps the bytes one in-memory decode may hold (see
// Process). 96 MiB is a 32-megapixel RGB image at full size; bigger tiers
// stream each rendition from the file instead, trading time for flat memory.
const tierMemoryBudget = 96 << 20

// Process makes the main file and the sub-sizes WordPress would make for
// req.Source. Sub-sizes are cut from the original upload (never from the
// -scaled copy) after EXIF orientation. Renditions are grouped by the
// shrink-on-load tier libvips' thumbnail would decode them at (JPEG 1/1,
// 1/2, 1/4, 1/8); a tier with several renditions is decoded once into
// memory and each is resized from there, a tier with one streams from the
// file (thumbnail_buffer). Measured on 3840×2400 JPEGs both beat decoding
// the full image once and resizing it N times. Renditions carry the ICC
// profile and no EXIF, XMP or IPTC.
//
// An *InputError means the file is bad and the job should fail for good;
// other errors are internal and the job may be retried. Formats WordPress
// makes no sub-sizes of (TIFF) give a Result without files.
func Process(ctx context.Context, req Request) (*Result, error) {
	name := path.Base(req.Basename)
	if err := ready(); err != nil {
		return nil, fmt.Errorf("process %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("process %s: %w", name, err)
	}

	src := newCBuf(req.Source)
	defer src.free()
	info, err := probe(src, req.Source, maxPixels.Load())
	if err != nil {
		return nil, fmt.Errorf("process %s: %w", name, err)
	}

	p := makePlan(info.Width, info.Height, info.Orientation, info.format, name, req.Sizes, req.Only)
	res := &Result{
		MIME:   p.Out.mime,
		Width:  p.UprightW,
		Height: p.UprightH,
		Meta:   ReadImageMeta(req.Source),
	}
	if !info.format.subsizes {
		res.MIME = info.format.mime
		return res, nil
	}

	// The main file first, then the sizes; a custom size equal to a stock
	// one shares its file, as it would in WordPress.
	var jobs []rendition
	if p.Main != nil {
		jobs = append(jobs, *p.Main)
	}
	index := map[rendition]int{}
	sizeJob := make([]int, len(p.Sizes))
	for i, s := range p.Sizes {
		key := s
		key.SizeName = ""
		j, ok := index[key]
		if !ok {
			j = len(jobs)
			index[key] = j
			jobs = append(jobs, key)
		}
		sizeJob[i] = j
	}

	r := renderer{src: src, plan: p, info: info}
	files, err := r.renderAll(ctx, jobs)
	if err != nil {
		return nil, fmt.Errorf("process %s: %w", name, err)
	}

	if p.Main != nil {
		f := files[0]
		res.Main = &f
		res.Width, res.Height = f.Width, f.Height
		res.OriginalImage = name
		if p.Rotate && res.Meta.Orientation != 0 {
			res.Meta.Orientation = 1
		}
	}
	for i, s := range p.Sizes {
		f := files[sizeJob[i]]
		f.SizeName = s.SizeName
		res.Sizes = append(res.Sizes, f)
	}
	return res, nil
}

// renderer makes the files of one plan from one source copy.
type renderer struct {
	src  *cbuf
	plan plan
	info sourceInfo
}

// tier is a set of renditions libvips would decode the same way.
type tier struct {
	options string // loader options of the shared decode
	w, h    int    // size of the decoded image
	jobs    []int
}

// renderAll makes every job, tier by tier, in the order tiers first occur.
func (r *renderer) renderAll(ctx context.Context, jobs []rendition) ([]File, error) {
	files := make([]File, len(jobs))
	for _, t := range r.tiers(jobs) {
		var mem *vimage
		if len(t.jobs) > 1 && int64(t.w)*int64(t.h)*int64(r.info.pel) <= tierMemoryBudget {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			var err error
			mem, err = decode(r.src, t.options, r.plan.Rotate)
			if err != nil {
				return nil, fmt.Errorf("decode: %w", classify(err, r.src, r.info.format))
			}
		}
		for _, j := range t.jobs {
			if err := ctx.Err(); err != nil {
				mem.close()
				return nil, err
			}
			f, err := r.render(jobs[j], mem)
			if err != nil {
				mem.close()
				what := "size " + jobs[j].Name
				if j == 0 && r.plan.Main != nil {
					what = "main " + jobs[j].Name
				}
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			files[j] = f
		}
		mem.close()
	}
	return files, nil
}

// tiers groups jobs by the decode libvips' thumbnail would do for them:
// the JPEG shrink-on-load factor (1, 2, 4, 8 with at least 2× left for the
// final reduce), one full decode for PNG/GIF which cannot shrink on load,
// and one decode for WebP, whose decoder works at full size whatever the
// scale. HEIF/AVIF stay one decode per job so that libvips can use the
// file's embedded thumbnail for small sizes.
func (r *renderer) tiers(jobs []rendition) []tier {
	upW, upH := r.plan.UprightW, r.plan.UprightH
	var out []tier
	byKey := map[string]int{}
	for j, t := range jobs {
		tw, th := thumbSize(t, upW, upH)
		shrink := math.Min(float64(upW)/float64(tw), float64(upH)/float64(th))
		key, opts, w, h := "", "", upW, upH
		switch r.info.format.name {
		case "jpeg":
			n := jpegShrink(shrink)
			key = fmt.Sprintf("shrink=%d", n)
			opts = key
			w, h = (upW+n-1)/n, (upH+n-1)/n
		case "webp":
			key = "webp"
		case "png", "gif":
			key = "full"
		default:
			key = fmt.Sprintf("job%d", j)
		}
		i, ok := byKey[key]
		if !ok {
			i = len(out)
			byKey[key] = i
			out = append(out, tier{options: opts, w: w, h: h})
		}
		out[i].jobs = append(out[i].jobs, j)
	}
	for i := range out {
		if key := r.info.format.name; key == "webp" {
			// Decode at the size of the largest rendition of the tier.
			best := 1.0
			for k, j := range out[i].jobs {
				tw, th := thumbSize(jobs[j], upW, upH)
				s := math.Max(1, math.Min(float64(upW)/float64(tw), float64(upH)/float64(th)))
				if k == 0 || s < best {
					best = s
				}
			}
			out[i].options = "scale=" + strconv.FormatFloat(1/best, 'g', -1, 64)
			out[i].w = int(math.Round(float64(upW) / best))
			out[i].h = int(math.Round(float64(upH) / best))
		}
		opts := "fail_on=error"
		if out[i].options != "" {
			opts = out[i].options + "," + opts
		}
		out[i].options = opts
	}
	return out
}

// jpegShrink is libvips thumbnail's choice of libjpeg shrink-on-load for
// an overall shrink factor: leave at least 2× for the final reduce.
func jpegShrink(shrink float64) int {
	switch {
	case shrink >= 16:
		return 8
	case shrink >= 8:
		return 4
	case shrink >= 4:
		return 2
	}
	return 1
}

// thumbSize is the size the whole upright image is scaled to for t: t
// itself, or for a crop the size at which t.Box becomes t.W×t.H.
func thumbSize(t rendition, upW, upH int) (int, int) {
	if t.Box == (Rect{W: upW, H: upH}) {
		return t.W, t.H
	}
	sx := float64(t.W) / float64(t.Box.W)
	sy := float64(t.H) / float64(t.Box.H)
	return max(t.W, int(math.Round(float64(upW)*sx))), max(t.H, int(math.Round(float64(upH)*sy)))
}

// render makes one rendition exactly t.W×t.H from the upright source:
// resized from mem when its tier was decoded into memory, else streamed
// from the file with shrink-on-load.
func (r *renderer) render(t rendition, mem *vimage) (File, error) {
	var chain []*vimage
	defer func() {
		for i := len(chain) - 1; i >= 0; i-- {
			chain[i].close()
		}
	}()
	step := func(im *vimage, err error) (*vimage, error) {
		if err == nil {
			chain = append(chain, im)
		}
		return im, err
	}

	upW, upH := r.plan.UprightW, r.plan.UprightH
	tw, th := thumbSize(t, upW, upH)
	var im *vimage
	var err error
	if mem != nil {
		im, err = step(mem.thumbnailImage(tw, th))
	} else {
		im, err = step(thumbnail(r.src, tw, th, r.plan.Rotate))
	}
	if err != nil {
		return File{}, classify(err, r.src, r.info.format)
	}
	if t.Box != (Rect{W: upW, H: upH}) {
		// A crop: the whole image was scaled so that the source box became
		// t.W×t.H; cut the box out. libvips' own crop=centre centres after
		// scaling, which can land a pixel away from WordPress's box.
		sx := float64(t.W) / float64(t.Box.W)
		sy := float64(t.H) / float64(t.Box.H)
		x := clamp(int(math.Round(float64(t.Box.X)*sx)), 0, max(0, im.width()-t.W))
		y := clamp(int(math.Round(float64(t.Box.Y)*sy)), 0, max(0, im.height()-t.H))
		im, err = step(im.extract(x, y, min(t.W, im.width()-x), min(t.H, im.height()-y)))
		if err != nil {
			return File{}, fmt.Errorf("crop %dx%d at %d,%d: %w", t.W, t.H, x, y, err)
		}
	}
	if im.width() != t.W || im.height() != t.H {
		// libvips rounds sizes its own way; WordPress's numbers win.
		im, err = step(im.fit(t.W, t.H))
		if err != nil {
			return File{}, fmt.Errorf("fit %dx%d: %w", t.W, t.H, err)
		}
	}
	im, err = step(im.strip())
	if err != nil {
		return File{}, fmt.Errorf("strip metadata: %w", err)
	}
	out := r.plan.Out
	data, err := im.save(out, r.info.palette && out.name == "png")
	if err != nil {
		if cerr := classify(err, r.src, r.info.format); IsInputError(cerr) {
			return File{}, cerr
		}
		return File{}, fmt.Errorf("encode %s: %w", out.name, err)
	}
	return File{
		SizeName: t.SizeName,
		Name:     t.Name,
		Width:    t.W,
		Height:   t.H,
		MIME:     out.mime,
		Data:     dropMetadata(out.name, data),
	}, nil
}

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}
