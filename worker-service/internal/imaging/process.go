package imaging

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"sync"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/pixelmill/pixelmill/services/media"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Request asks for WordPress's renditions of one upload.
type Request struct {
	// Source is the uploaded file, unchanged.
	Source []byte
	// Basename is the stored file name of the upload, e.g. "horizon.jpg";
	// every output name derives from it as WordPress's do.
	Basename string
	// Sizes are the registered sizes, usually media.DefaultSizes().
	Sizes []media.Size
	// Only, when not empty, limits the sub-sizes to these names: the
	// "create missing sizes" post-process. The main file is still made, so
	// a Result always describes the whole attachment.
	Only []string
	// Crops are the item's media type's named crops, made from the
	// original alongside the sizes (see CropRequest).
	Crops []CropRequest
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
	// upright image is over media.BigImageThreshold (fitted in 2560×2560 and
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
	// Crops are the requested named crops, in request order: SizeName is
	// the alias, Name media.CropFileName's.
	Crops []File
}

// tierMemoryBudget caps the bytes one shared decode may hold (see Process).
// 96 MiB is a 32-megapixel RGB image at full size, and stays under libvips'
// disc threshold (100 MiB), so a random-access load decodes into memory, not
// a temporary file. Bigger tiers stream each rendition from the file
// instead, trading time for flat memory.
const tierMemoryBudget = 96 << 20

// Process makes the main file and the sub-sizes WordPress would make for
// req.Source. Sub-sizes come from the original upload after EXIF
// orientation, never from the encoded -scaled file. The original is
// decoded once (see step): the largest renditions are resized from that
// decode, smaller ones from an unencoded resize of it kept in memory when
// it is at least minStepRatio larger, within the fidelity test's bounds of
// a direct resize. GIF keeps one shrink-on-load tier per decode (tiers).
// Renditions carry the ICC profile and no EXIF, XMP or IPTC.
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

	info, err := probe(req.Source, maxPixels.Load())
	if err != nil {
		return nil, fmt.Errorf("process %s: %w", name, err)
	}

	ctx, span := tracer.Start(ctx, "imaging.Process", trace.WithAttributes(
		attribute.String("image.format", info.format.name), attribute.Int("image.width", info.Width),
		attribute.Int("image.height", info.Height), attribute.Bool("image.progressive", info.Progressive)))
	defer span.End()

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

	// The main file first, then the sizes. Sizes that come out with equal
	// dimensions have one name and so share one file, as in WordPress: an
	// upright 3:4 photo's medium_large and large are both 768×1024.
	var jobs []rendition
	if p.Main != nil {
		jobs = append(jobs, *p.Main)
	}
	index := map[string]int{}
	sizeJob := make([]int, len(p.Sizes))
	for i, s := range p.Sizes {
		j, ok := index[s.Name]
		if !ok {
			j = len(jobs)
			index[s.Name] = j
			s.SizeName = ""
			jobs = append(jobs, s)
		}
		sizeJob[i] = j
	}
	crops, err := cropRenditions(p, req.Crops)
	if err != nil {
		return nil, fmt.Errorf("process %s: %w", name, err)
	}
	firstCrop := len(jobs)
	jobs = append(jobs, crops...)

	r := renderer{src: req.Source, plan: p, info: info, strict: true}
	files, err := r.renderRetry(ctx, jobs)
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
	res.Crops = files[firstCrop:]
	return res, nil
}

// renderRetry is renderAll, strict first and then, when the strict
// loaders tripped over warnings of a file that decodes at fail_on=error
// (which WordPress ignores too), once more leniently.
func (r *renderer) renderRetry(ctx context.Context, jobs []rendition) ([]File, error) {
	files, err := r.renderAll(ctx, jobs)
	if errors.Is(err, errTolerable) {
		r.strict = false
		files, err = r.renderAll(ctx, jobs)
	}
	return files, err
}

// renderer makes the files of one plan from one upload.
type renderer struct {
	src  []byte
	plan plan
	info sourceInfo
	// strict loads with govips's FailOnError (see importParams).
	strict bool
	// quality overrides the encoder's default quality when not 0.
	quality int
}

// tier is a set of renditions libvips would decode the same way.
type tier struct {
	shrink int     // JPEG shrink-on-load factor of the decode
	scale  float64 // WebP scale-on-load of the decode; 0 for none
	w, h   int     // size of the decoded image
	jobs   []int
}

// renderAll makes every job: by a cascade from one decode (see step), or,
// for GIF, tier by tier in the order tiers first occur.
func (r *renderer) renderAll(ctx context.Context, jobs []rendition) ([]File, error) {
	if cascadeFormats[r.info.format.name] {
		return r.renderCascade(ctx, jobs)
	}
	files := make([]File, len(jobs))
	for _, t := range r.tiers(jobs) {
		var shared *vips.ImageRef
		if len(t.jobs) > 1 && int64(t.w)*int64(t.h)*int64(r.info.pel) <= tierMemoryBudget {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			var err error
			shared, err = r.load(t, vips.AccessRandom)
			if err != nil {
				return nil, fmt.Errorf("decode: %w", classify(err, r.src, r.info.format, r.strict))
			}
		}
		errs := r.renderTier(ctx, jobs, t, shared, files)
		closeRef(shared)
		for k, j := range t.jobs {
			if err := errs[k]; err != nil {
				what := "size " + jobs[j].Name
				if j == 0 && r.plan.Main != nil {
					what = "main " + jobs[j].Name
				}
				return nil, fmt.Errorf("%s: %w", what, err)
			}
		}
	}
	return files, nil
}

// renderTier makes a tier's renditions, up to renderers of them at once:
// libvips runs independent pipelines on one shared, read-only decode
// safely, so a job's renditions can use the cores a single pipeline on one
// libvips thread leaves idle. It returns each job's error, in t.jobs order.
func (r *renderer) renderTier(ctx context.Context, jobs []rendition, t tier, shared *vips.ImageRef, files []File) []error {
	errs := make([]error, len(t.jobs))
	sem := make(chan struct{}, max(1, int(renderers.Load())))
	var wg sync.WaitGroup
	for k, j := range t.jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := ctx.Err(); err != nil {
				errs[k] = err
				return
			}
			files[j], errs[k] = r.render(jobs[j], t, shared)
		}()
	}
	wg.Wait()
	return errs
}

// closeRef closes a tier's shared decode, if it has one.
func closeRef(im *vips.ImageRef) {
	if im != nil {
		im.Close()
	}
}

// tiers, for GIF and a derived rendition's single job (the cascade
// serves the rest), groups jobs by the decode libvips' thumbnail would do
// for them:
// the JPEG shrink-on-load factor (1, 2, 4, 8 with at least 2× left for the
// final reduce), one full decode for PNG, which cannot shrink on load, and
// one decode for WebP, whose decoder works at full size whatever the scale.
// HEIF/AVIF stay one decode per job so that libvips can use the file's
// embedded thumbnail for small sizes, and GIF too, because only
// LoadThumbnailFromBuffer makes govips's gifload fail on a truncated file.
func (r *renderer) tiers(jobs []rendition) []tier {
	upW, upH := r.plan.UprightW, r.plan.UprightH
	var out []tier
	byKey := map[string]int{}
	for j, t := range jobs {
		key, n := fmt.Sprintf("job%d", j), 1
		switch r.info.format.name {
		case "jpeg":
			tw, th := thumbSize(t, upW, upH)
			n = jpegShrink(math.Min(float64(upW)/float64(tw), float64(upH)/float64(th)))
			key = fmt.Sprintf("shrink=%d", n)
		case "png", "webp":
			key = "whole"
		}
		i, ok := byKey[key]
		if !ok {
			i = len(out)
			byKey[key] = i
			out = append(out, tier{shrink: n, w: (upW + n - 1) / n, h: (upH + n - 1) / n})
		}
		out[i].jobs = append(out[i].jobs, j)
	}
	if r.info.format.name == "jpeg" && r.info.Progressive && len(out) > 1 {
		out = r.oneDecode(out, upW, upH)
	}
	if r.info.format.name == "webp" {
		for i := range out {
			// Decode at the size of the largest rendition of the tier.
			best := 1.0
			for k, j := range out[i].jobs {
				tw, th := thumbSize(jobs[j], upW, upH)
				s := math.Max(1, math.Min(float64(upW)/float64(tw), float64(upH)/float64(th)))
				if k == 0 || s < best {
					best = s
				}
			}
			if best > 1 {
				out[i].scale = 1 / best
			}
			out[i].w = int(math.Round(float64(upW) / best))
			out[i].h = int(math.Round(float64(upH) / best))
		}
	}
	return out
}

// oneDecode merges a progressive JPEG's tiers into one, decoded at the
// largest rendition's shrink, when that decode fits the memory budget. A
// progressive JPEG can't be decoded in part: libjpeg reads every scan into
// a coefficient buffer of the whole image whatever the shrink, so each
// tier's decode would cost a full decode's time and memory (measured on a
// 9 MP photo: 1.5 s and 229 MB with four decodes). Decoding once and
// resizing every size from memory costs less than that.
func (r *renderer) oneDecode(tiers []tier, upW, upH int) []tier {
	all := tier{shrink: tiers[0].shrink}
	for _, t := range tiers {
		all.shrink = min(all.shrink, t.shrink)
		all.jobs = append(all.jobs, t.jobs...)
	}
	all.w, all.h = (upW+all.shrink-1)/all.shrink, (upH+all.shrink-1)/all.shrink
	if int64(all.w)*int64(all.h)*int64(r.info.pel) > tierMemoryBudget {
		return tiers
	}
	slices.Sort(all.jobs)
	return []tier{all}
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
// itself; for a smart crop the smallest size covering t.W×t.H; for a box
// that is enlarged, the image's own size (the box is cut, then enlarged);
// else the size at which t.Box becomes t.W×t.H.
func thumbSize(t rendition, upW, upH int) (int, int) {
	switch {
	case t.Attention:
		s := math.Max(float64(t.W)/float64(upW), float64(t.H)/float64(upH))
		return max(t.W, int(math.Round(float64(upW)*s))), max(t.H, int(math.Round(float64(upH)*s)))
	case t.Box == (media.Rect{W: upW, H: upH}):
		return t.W, t.H
	case enlarges(t):
		return upW, upH
	}
	sx := float64(t.W) / float64(t.Box.W)
	sy := float64(t.H) / float64(t.Box.H)
	return max(t.W, int(math.Round(float64(upW)*sx))), max(t.H, int(math.Round(float64(upH)*sy)))
}

// load opens the upload with govips at t's shrink-on-load, lazily: libvips
// decodes on the first pixel asked for. With random access it keeps the
// whole decode for every rendition of the tier. The orientation tag goes
// unless the plan turns the image upright, so ThumbnailWithSize, which
// auto-rotates, leaves PNG and WebP as stored, as WordPress does.
func (r *renderer) load(t tier, access int) (*vips.ImageRef, error) {
	params := importParams(r.strict)
	params.Access.Set(access)
	if t.shrink > 1 {
		params.JpegShrinkFactor.Set(t.shrink)
	}
	if t.scale > 0 {
		params.WebpScaleFactor.Set(t.scale)
	}
	im, err := vips.LoadImageFromBuffer(r.src, params)
	if err != nil {
		return nil, err
	}
	if !r.plan.Rotate {
		if err := im.RemoveOrientation(); err != nil {
			im.Close()
			return nil, err
		}
	}
	return im, nil
}

// scaled returns the upright source scaled to exactly tw×th: resized from
// shared when its tier was decoded once, else read from the file with
// shrink-on-load. JPEG, GIF and HEIF/AVIF stream through
// LoadThumbnailFromBuffer, which turns JPEGs upright by their orientation
// (2..8 exactly when the plan rotates) and whose HEIF loader has applied the
// orientation already. PNG and WebP go through load instead: govips's
// thumbnail from a buffer cannot be told not to rotate them.
func (r *renderer) scaled(t tier, shared *vips.ImageRef, tw, th int) (*vips.ImageRef, error) {
	return r.thumbnail(t, shared, tw, th, vips.InterestingNone, vips.SizeForce, vips.AccessSequential)
}

// thumbnail is libvips' thumbnail of the upright source to tw×th, with
// interesting deciding a crop and size whether it may enlarge; access is
// how PNG and WebP are loaded when no shared decode serves.
func (r *renderer) thumbnail(t tier, shared *vips.ImageRef, tw, th int, interesting vips.Interesting, size vips.Size, access int) (*vips.ImageRef, error) {
	var im *vips.ImageRef
	var err error
	switch {
	case shared != nil:
		im, err = shared.Copy()
	case r.info.format.name == "png" || r.info.format.name == "webp":
		im, err = r.load(t, access)
	default:
		return vips.LoadThumbnailFromBuffer(r.src, tw, th, interesting, size, importParams(r.strict))
	}
	if err != nil {
		return nil, err
	}
	// thumbnail_image after a shrink-on-load load is what thumbnail_buffer
	// does itself: premultiplied alpha, lanczos3, exact size.
	if err := im.ThumbnailWithSize(tw, th, interesting, size); err != nil {
		im.Close()
		return nil, err
	}
	return im, nil
}

// render makes one rendition exactly t.W×t.H from the upright source.
func (r *renderer) render(t rendition, tr tier, shared *vips.ImageRef) (File, error) {
	im, err := r.cut(t, tr, shared)
	if err != nil {
		return File{}, err
	}
	defer im.Close()
	return r.encode(im, t)
}

// cut returns the upright source's t.Box (or, for a smart crop, what
// libvips finds most interesting) scaled to exactly t.W×t.H, pixels only:
// metadata goes in encode.
func (r *renderer) cut(t rendition, tr tier, shared *vips.ImageRef) (*vips.ImageRef, error) {
	var im *vips.ImageRef
	var err error
	if t.Attention {
		im, err = r.smart(tr, shared, t.W, t.H)
	} else {
		tw, th := thumbSize(t, r.plan.UprightW, r.plan.UprightH)
		im, err = r.scaled(tr, shared, tw, th)
	}
	if err != nil {
		return nil, classify(err, r.src, r.info.format, r.strict)
	}
	if err := r.shape(im, t); err != nil {
		im.Close()
		return nil, err
	}
	return im, nil
}

// shape turns the scaled source im (thumbSize's size) into t.W×t.H; a
// smart crop only needs shape's last step.
func (r *renderer) shape(im *vips.ImageRef, t rendition) error {
	upW, upH := r.plan.UprightW, r.plan.UprightH
	switch {
	case t.Attention:
	case t.Box != (media.Rect{W: upW, H: upH}) && enlarges(t):
		// Cut first, then enlarge: scaling the whole image up to where
		// the box has the output's size could exceed libvips' image size
		// limits for a small box.
		b := t.Box
		if err := im.ExtractArea(b.X, b.Y, b.W, b.H); err != nil {
			return fmt.Errorf("crop %dx%d at %d,%d: %w", b.W, b.H, b.X, b.Y, libvipsError(err))
		}
		if err := im.ResizeWithVScale(float64(t.W)/float64(b.W), float64(t.H)/float64(b.H), vips.KernelLanczos3); err != nil {
			return fmt.Errorf("enlarge %dx%d to %dx%d: %w", b.W, b.H, t.W, t.H, libvipsError(err))
		}
	case t.Box != (media.Rect{W: upW, H: upH}):
		// A crop: the whole image was scaled so that the source box became
		// t.W×t.H; cut the box out. libvips' own crop=centre centres after
		// scaling, which can land a pixel away from WordPress's box.
		sx := float64(t.W) / float64(t.Box.W)
		sy := float64(t.H) / float64(t.Box.H)
		x := clamp(int(math.Round(float64(t.Box.X)*sx)), 0, max(0, im.Width()-t.W))
		y := clamp(int(math.Round(float64(t.Box.Y)*sy)), 0, max(0, im.Height()-t.H))
		if err := im.ExtractArea(x, y, min(t.W, im.Width()-x), min(t.H, im.Height()-y)); err != nil {
			return fmt.Errorf("crop %dx%d at %d,%d: %w", t.W, t.H, x, y, libvipsError(err))
		}
	}
	if im.Width() != t.W || im.Height() != t.H {
		// libvips rounds sizes its own way; WordPress's numbers win. The
		// edge pixels repeat into the one-pixel difference.
		if err := im.Embed(0, 0, t.W, t.H, vips.ExtendCopy); err != nil {
			return fmt.Errorf("fit %dx%d: %w", t.W, t.H, libvipsError(err))
		}
	}
	return nil
}

// encode writes im, which is t's pixels, as t's file.
func (r *renderer) encode(im *vips.ImageRef, t rendition) (File, error) {
	// Everything but the ICC profile and libvips' bookkeeping (orientation,
	// pages, delay, loop) goes: no EXIF (GPS, camera serials), XMP or IPTC
	// reaches a rendition, while the colours stay right.
	if err := im.RemoveMetadata(); err != nil {
		return File{}, fmt.Errorf("strip metadata: %w", libvipsError(err))
	}
	out := r.plan.Out
	var icc []byte
	if out.name == "webp" {
		icc = im.GetICCProfile()
	}
	data, err := r.export(im)
	if err != nil {
		if cerr := classify(err, r.src, r.info.format, r.strict); IsInputError(cerr) || errors.Is(cerr, errTolerable) {
			return File{}, cerr
		}
		return File{}, fmt.Errorf("encode %s: %w", out.name, libvipsError(err))
	}
	return File{
		SizeName: t.SizeName,
		Name:     t.Name,
		Width:    t.W,
		Height:   t.H,
		MIME:     out.mime,
		Data:     cleanMetadata(out.name, data, icc),
	}, nil
}

// export encodes im in the plan's output format with WordPress's settings.
// This is where the lazy pipeline runs, so decode errors of the source
// surface here too. Metadata stays on (StripMetadata false): on libvips
// 8.14 strip also drops the ICC profile; cleanMetadata removes the EXIF
// block the encoders then write on their own.
func (r *renderer) export(im *vips.ImageRef) ([]byte, error) {
	var data []byte
	var err error
	switch name := r.plan.Out.name; name {
	case "jpeg":
		// Baseline, not govips's progressive default: it decodes with
		// less memory in browsers and in libvips.
		data, _, err = im.ExportJpeg(&vips.JpegExportParams{
			Quality:        r.qualityOr(jpegQuality),
			Interlace:      false,
			OptimizeCoding: true,
		})
	case "webp":
		data, _, err = im.ExportWebp(&vips.WebpExportParams{Quality: r.qualityOr(webpQuality), ReductionEffort: 4})
	case "png":
		data, _, err = im.ExportPng(&vips.PngExportParams{
			Compression: 6,
			Filter:      vips.PngFilterNone,
			Palette:     r.info.palette,
		})
	case "gif":
		data, _, err = im.ExportGIF(vips.NewGifExportParams())
	case "avif":
		// AVIF's EXIF lives in the ISOBMFF container, out of reach of
		// cleanMetadata; so strip when there is no ICC profile to lose, and
		// otherwise accept libvips' minimal EXIF (no camera data, no GPS)
		// to keep the colours. Effort 4 is libvips' default and NOTES'
		// budget.
		data, _, err = im.ExportAvif(&vips.AvifExportParams{
			Quality:       r.qualityOr(otherQuality),
			Bitdepth:      8,
			Effort:        4,
			StripMetadata: !im.HasICCProfile(),
		})
	default:
		return nil, errors.New("no encoder for " + name)
	}
	return data, err
}

// qualityOr is the quality asked for, or def.
func (r *renderer) qualityOr(def int) int {
	if r.quality > 0 {
		return r.quality
	}
	return def
}

// enlarges reports whether t scales its box up on either axis.
func enlarges(t rendition) bool { return t.W > t.Box.W || t.H > t.Box.H }

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}
