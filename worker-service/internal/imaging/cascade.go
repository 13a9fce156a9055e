package imaging

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/davidbyttow/govips/v2/vips"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// The cascade is how a job's renditions share one decode. Every rendition
// is a scaled whole image (thumbSize's) that is then cut or smart-cropped;
// each distinct scaled image is a step. The source is decoded once into
// memory, the root step: JPEG at the shrink-on-load of its largest
// rendition, WebP at its scale, the rest whole. A step is resized from the
// root, or from an earlier step that is itself one resize of the root and
// at least minStepRatio larger, when that step serves two steps or more
// (keeping it costs a copy, see materialize). A source too large for the
// memory budget is not kept: its steps stream from the file, with flat
// memory, and the smaller steps come from the largest of them.
//
// Measured on libvips 8.16 with Highway, one thread (docs/benchmarks.md):
// a HEIC's seven renditions took 3.4 s with one decode each and take 0.8 s;
// a progressive 12 MP JPEG 0.54 → 0.36 s, a 48 MP JPEG 0.87 → 0.69 s (its
// full decode was made twice), a 9.2 MP JPEG 0.43 → 0.29 s. The renditions
// stay within the fidelity test's bounds of a direct resize
// (fidelity_test.go); a resize by 1.1–1.3 of a resize did not (31.9 dB).

// step is one scaled whole image of a cascade.
type step struct {
	w, h int
	jobs []int // indices into the jobs, in job order
	// from is the index of the kept step this one is resized from, or -1
	// for the file.
	from int
	// keep holds the step in memory: a later step is resized from it, or
	// several renditions are cut from it.
	keep bool
	// root marks the decode of the source: the first step, with no
	// renditions of its own, when the source fits the budget.
	root bool
}

// cascadeFormats are the formats rendered by a cascade; GIF keeps its tiers
// (see tiers): only LoadThumbnailFromBuffer makes govips's gifload fail on
// a truncated file, and its animations are small.
var cascadeFormats = map[string]bool{"jpeg": true, "png": true, "webp": true, "heif": true, "avif": true}

// minStepRatio is the least a kept step must be larger than a step, on
// each axis, to be its source; closer steps come from the decode. A
// lanczos3 resize by a small factor (1.1–1.3) of an already resized image
// drifts from a direct resize (31.9 dB PSNR on one photo); from
// 1.5 on, every rendition of the fidelity test's photos stays within its
// bounds.
var minStepRatio = 1.5

// cascadePlan orders jobs' scaled images by area, largest first, and picks
// each one's source. It is pure: the sizes of the jobs, the decode and a
// pixel, and the memory budget decide it. A root step, the decode itself
// (decW×decH, upright), comes first when it fits the budget; the root
// serves any step, another kept step only one it is minStepRatio times
// larger than. Kept steps together stay within budget; a step that does
// not fit is made from the file for each of its renditions.
func cascadePlan(jobs []rendition, upW, upH, decW, decH, pel int, budget int64) []step {
	var steps []step
	if int64(decW)*int64(decH)*int64(pel) <= budget {
		steps = append(steps, step{w: decW, h: decH, root: true})
	}
	byKey := map[[2]int]int{}
	for j, t := range jobs {
		tw, th := thumbSize(t, upW, upH)
		k := [2]int{tw, th}
		i, ok := byKey[k]
		if !ok {
			i = len(steps)
			byKey[k] = i
			steps = append(steps, step{w: tw, h: th})
		}
		steps[i].jobs = append(steps[i].jobs, j)
	}
	slices.SortStableFunc(steps, func(a, b step) int {
		if a.root != b.root {
			if a.root {
				return -1
			}
			return 1
		}
		return -cmpInt64(int64(a.w)*int64(a.h), int64(b.w)*int64(b.h))
	})

	// Every step that fits the budget may be kept.
	fits := make([]bool, len(steps))
	var held int64
	for i := range steps {
		bytes := int64(steps[i].w) * int64(steps[i].h) * int64(pel)
		if held+bytes <= budget {
			fits[i] = true
			held += bytes
		}
	}
	source := slices.Clone(fits)
	pickSources(steps, source)
	if len(steps) > 0 && steps[0].root {
		// With the decode in memory, keeping a resized step costs a copy
		// of it (see materialize): worth it only for a step that serves
		// two or more others. The others are made from the decode.
		users := make([]int, len(steps))
		for _, s := range steps {
			if s.from >= 0 {
				users[s.from]++
			}
		}
		for i, s := range steps {
			if !s.root && users[i] < minUsers {
				source[i] = false
			}
		}
		pickSources(steps, source)
	}
	for i := range steps {
		steps[i].keep = fits[i] && len(steps[i].jobs) > 1
	}
	for i := range steps {
		if steps[i].from >= 0 {
			steps[steps[i].from].keep = true
		}
	}
	return steps
}

// minUsers is how many steps a resized step must serve to be kept as a
// source when the decode is kept too.
const minUsers = 2

// pickSources sets each step's from: the smallest step before it that may
// be a source (source[k]) and is either the decode or one resize of it,
// minStepRatio times larger on each axis; else the decode; else the file.
func pickSources(steps []step, source []bool) {
	for i := range steps {
		steps[i].from = -1
		if steps[i].root {
			continue
		}
		for k := i - 1; k >= 0; k-- {
			// Steps are by area, descending: the first source met going
			// back is the smallest.
			f := steps[k]
			if !source[k] || !f.root && f.from >= 0 && !steps[f.from].root {
				// A source is the decode or one resize from it: never a
				// resize of a resize of a resize.
				continue
			}
			if f.root || float64(f.w) >= minStepRatio*float64(steps[i].w) && float64(f.h) >= minStepRatio*float64(steps[i].h) {
				steps[i].from = k
				break
			}
		}
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// renderCascade makes every job from one decode of the source (see step).
// A kept step's renditions are encoded while the next step is resized, up
// to renderers pieces of work at once.
func (r *renderer) renderCascade(ctx context.Context, jobs []rendition) ([]File, error) {
	upW, upH := r.plan.UprightW, r.plan.UprightH
	root := r.rootTier(jobs)
	steps := cascadePlan(jobs, upW, upH, root.w, root.h, r.info.pel, tierMemoryBudget)
	files := make([]File, len(jobs))
	errs := make([]error, len(jobs))
	kept := make([]*vips.ImageRef, len(steps))
	defer func() {
		for _, im := range kept {
			closeRef(im)
		}
	}()

	sem := make(chan struct{}, max(1, int(renderers.Load())))
	var wg sync.WaitGroup
	defer wg.Wait() // before the kept images close
	for i, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !s.keep {
			// Each rendition makes the step itself: from a kept step, or
			// streamed from the file with flat memory.
			for _, j := range s.jobs {
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer func() { <-sem; wg.Done() }()
					files[j], errs[j] = r.renderStep(ctx, jobs[j], s, kept)
				}()
			}
			continue
		}
		sem <- struct{}{}
		var err error
		if s.root {
			_, span := tracer.Start(ctx, "imaging.decode", trace.WithAttributes(
				attribute.Int("image.width", s.w), attribute.Int("image.height", s.h), attribute.Int("jpeg.shrink", root.shrink)))
			if kept[i], err = r.decode(root); err == nil {
				// libvips decodes on first use: force it here, so the
				// span holds the decode, not the first rendition.
				_, err = kept[i].Average()
			}
			endSpan(span, err)
		} else {
			_, span := tracer.Start(ctx, "imaging.resize", trace.WithAttributes(
				attribute.Int("image.width", s.w), attribute.Int("image.height", s.h), attribute.Int("cascade.from", s.from)))
			var im *vips.ImageRef
			if im, err = r.scaleStep(s, kept); err == nil {
				kept[i], err = materialize(im)
				im.Close()
			}
			endSpan(span, err)
		}
		<-sem
		if err != nil {
			wg.Wait()
			return nil, r.stepError(jobs, s, err)
		}
		for _, j := range s.jobs {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				files[j], errs[j] = r.renderFrom(ctx, jobs[j], kept[i])
			}()
		}
	}
	wg.Wait()
	for j, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.what(jobs, j), err)
		}
	}
	return files, nil
}

// what names job j in an error: the main file or a size.
func (r *renderer) what(jobs []rendition, j int) string {
	if j == 0 && r.plan.Main != nil {
		return "main " + jobs[j].Name
	}
	return "size " + jobs[j].Name
}

// rootTier is the decode every rendition could be resized from: JPEG at
// the shrink-on-load libvips would pick for the largest rendition, WebP at
// its scale, the others whole. Its size is the upright one.
func (r *renderer) rootTier(jobs []rendition) tier {
	upW, upH := r.plan.UprightW, r.plan.UprightH
	best := 0.0 // the smallest shrink of any rendition
	for _, t := range jobs {
		tw, th := thumbSize(t, upW, upH)
		s := math.Max(1, math.Min(float64(upW)/float64(tw), float64(upH)/float64(th)))
		if best == 0 || s < best {
			best = s
		}
	}
	t := tier{shrink: 1, w: upW, h: upH}
	switch r.info.format.name {
	case "jpeg":
		t.shrink = jpegShrink(best)
		t.w, t.h = (upW+t.shrink-1)/t.shrink, (upH+t.shrink-1)/t.shrink
	case "webp":
		if best > 1 {
			t.scale = 1 / best
			t.w, t.h = int(math.Round(float64(upW)/best)), int(math.Round(float64(upH)/best))
		}
	}
	return t
}

// decode loads the root tier into memory. JPEG, PNG and WebP decode with
// random access, which libvips keeps in memory, and keep their orientation
// tag when the plan rotates, so each resize from them turns them upright.
// HEIF and AVIF go through thumbnail, as every HEIF rendition does (its
// loader applies the orientation), at full size, kept by materialize.
func (r *renderer) decode(t tier) (*vips.ImageRef, error) {
	switch r.info.format.name {
	case "heif", "avif":
		im, err := vips.LoadThumbnailFromBuffer(r.src, t.w, t.h, vips.InterestingNone, vips.SizeForce, importParams(r.strict))
		if err != nil {
			return nil, err
		}
		defer im.Close()
		return materialize(im)
	}
	return r.load(t, vips.AccessRandom)
}

// stepError words the failure to make step s: of the decode, or for the
// step's first rendition.
func (r *renderer) stepError(jobs []rendition, s step, err error) error {
	what := "decode"
	if len(s.jobs) > 0 {
		what = r.what(jobs, s.jobs[0])
	}
	return fmt.Errorf("%s: %w", what, classify(err, r.src, r.info.format, r.strict))
}

// scaleStep returns the upright source scaled to s.w×s.h: resized from the
// kept step s.from, else from the file as a direct resize would (see
// thumbnail), shrinking on load.
func (r *renderer) scaleStep(s step, kept []*vips.ImageRef) (*vips.ImageRef, error) {
	var from *vips.ImageRef
	if s.from >= 0 {
		from = kept[s.from]
	}
	return r.thumbnail(r.fileTier(s.w, s.h), from, s.w, s.h, vips.InterestingNone, vips.SizeForce, vips.AccessSequential)
}

// fileTier is the decode of the file for a w×h scaled image: WebP decodes
// at the scale of the output (libwebp scales while decoding); JPEG's
// shrink-on-load is LoadThumbnailFromBuffer's own choice, and PNG has none.
func (r *renderer) fileTier(w, h int) tier {
	t := tier{shrink: 1}
	if r.info.format.name == "webp" {
		upW, upH := r.plan.UprightW, r.plan.UprightH
		if s := math.Min(float64(upW)/float64(w), float64(upH)/float64(h)); s > 1 {
			t.scale = 1 / s
		}
	}
	return t
}

// renderStep makes job t of a step that is not kept: it scales the source
// for t alone, then cuts t from it.
func (r *renderer) renderStep(ctx context.Context, t rendition, s step, kept []*vips.ImageRef) (f File, err error) {
	if err := ctx.Err(); err != nil {
		return File{}, err
	}
	_, span := renditionSpan(ctx, t)
	defer func() { endRendition(span, f, err) }()
	im, err := r.scaleStep(s, kept)
	if err != nil {
		return File{}, classify(err, r.src, r.info.format, r.strict)
	}
	defer im.Close()
	return r.finish(im, t)
}

// renderFrom makes job t from its kept step's image, which it leaves open.
func (r *renderer) renderFrom(ctx context.Context, t rendition, from *vips.ImageRef) (f File, err error) {
	if err := ctx.Err(); err != nil {
		return File{}, err
	}
	_, span := renditionSpan(ctx, t)
	defer func() { endRendition(span, f, err) }()
	im, err := from.Copy()
	if err != nil {
		return File{}, fmt.Errorf("copy: %w", libvipsError(err))
	}
	defer im.Close()
	return r.finish(im, t)
}

// finish cuts t from im, the upright source scaled to t's thumbSize, and
// encodes it. A smart crop lets libvips' attention measure place the cut.
func (r *renderer) finish(im *vips.ImageRef, t rendition) (File, error) {
	if t.Attention {
		if err := im.ThumbnailWithSize(t.W, t.H, vips.InterestingAttention, vips.SizeBoth); err != nil {
			return File{}, classify(err, r.src, r.info.format, r.strict)
		}
	}
	if err := r.shape(im, t); err != nil {
		return File{}, err
	}
	return r.encode(im, t)
}

// tracer makes the spans of a job's libvips stages: the decode, each kept
// resize and each rendition. libvips computes lazily, so a rendition's
// span holds its resize, cut and encode together.
var tracer = otel.Tracer("pixelmill/imaging")

// renditionSpan starts the span of one rendition.
func renditionSpan(ctx context.Context, t rendition) (context.Context, trace.Span) {
	return tracer.Start(ctx, "imaging.rendition", trace.WithAttributes(
		attribute.String("rendition.name", t.Name), attribute.String("rendition.size", t.SizeName),
		attribute.Int("image.width", t.W), attribute.Int("image.height", t.H)))
}

// endRendition ends a rendition's span with its encoded size or error.
func endRendition(span trace.Span, f File, err error) {
	span.SetAttributes(attribute.Int("rendition.bytes", len(f.Data)))
	endSpan(span, err)
}

// endSpan ends span, marking it failed with err.
func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// materialize computes im into memory and returns it as a new image that
// later pipelines read without computing im again. govips has no
// vips_image_copy_memory, so the pixels go through an uncompressed TIFF
// in memory, which keeps every band, the sample format and the ICC
// profile. The orientation tag goes: the pixels are upright already, and
// thumbnail would turn them again.
func materialize(im *vips.ImageRef) (*vips.ImageRef, error) {
	data, _, err := im.ExportTiff(&vips.TiffExportParams{Compression: vips.TiffCompressionNone, Predictor: vips.TiffPredictorNone})
	if err != nil {
		return nil, err
	}
	params := &vips.ImportParams{}
	params.Access.Set(vips.AccessRandom)
	out, err := vips.LoadImageFromBuffer(data, params)
	if err != nil {
		return nil, fmt.Errorf("reload: %w", err)
	}
	if err := out.RemoveOrientation(); err != nil {
		out.Close()
		return nil, fmt.Errorf("reload: %w", err)
	}
	return out, nil
}
