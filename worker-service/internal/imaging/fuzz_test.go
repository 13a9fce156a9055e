package imaging

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/pixelmill/pixelmill/services/media"
)

// Fuzz targets for the pure parts of the imaging package; the byte parsers
// have theirs in meta_test.go (FuzzReadImageMeta, FuzzCleanMetadata). The
// seeds are spec §12.2's worked examples and the names of WordPress's test
// images; they run as plain tests, and `make fuzz` mutates them.

// planFormats are the inputs makePlan sees, in a fixed order to index.
var planFormats = []format{
	formats[vips.ImageTypeJPEG], formats[vips.ImageTypePNG], formats[vips.ImageTypeWEBP], formats[vips.ImageTypeGIF],
	formats[vips.ImageTypeAVIF], formats[vips.ImageTypeHEIF], formats[vips.ImageTypeTIFF],
}

// FuzzMakePlan checks the plan for any header with the stock sizes (the
// ones the worker uses): sizes that fit inside the upright image and never
// upscale, boxes inside it, safe names, and decode tiers that never give a
// rendition fewer pixels than it needs.
func FuzzMakePlan(f *testing.F) {
	for _, s := range []struct {
		name        string
		w, h        int32
		orientation int8
		fmt         uint8
	}{
		{"horizon.jpg", 3840, 2400, 1, 0}, {"canola.jpg", 640, 480, 0, 0}, {"33772.jpg", 1920, 1080, 1, 0},
		{"big.jpg", 3000, 2000, 1, 0}, {"four.jpg", 4000, 3000, 1, 0}, {"name.jpg", 1200, 1800, 6, 0},
		{"tall.jpg", 100, 400, 1, 0}, {"dot.jpg", 50, 50, 1, 0}, {"side.png", 1200, 1800, 6, 1},
		{"mirror.JPG", 640, 480, 2, 0}, {"pano.jpeg", 2400, 3840, 8, 0}, {"IMG_1.heic", 1600, 1200, 1, 5},
		{"scan.tif", 3000, 2000, 1, 6}, {"photo.webp", 1600, 1067, 0, 2}, {"anim.gif", 301, 301, 0, 3},
		{"a2-small.avif", 2561, 1, 0, 4}, {`C:\Users\x\pic.jpg`, 1, 5000, 5, 0}, {".hidden", 150, 150, 7, 0},
		{"2024/06/a.b.JPEG", 2048, 2048, 3, 0}, {"", 768, 1, 4, 0},
	} {
		f.Add(s.name, s.w, s.h, s.orientation, s.fmt, uint8(0))
	}
	f.Add("only.jpg", int32(3840), int32(2400), int8(1), uint8(0), uint8(0b000101))
	f.Fuzz(func(t *testing.T, basename string, sw, sh int32, orientation int8, fi uint8, onlyMask uint8) {
		srcW, srcH := int(sw), int(sh)
		if srcW < 1 || srcH < 1 || srcW > 1<<18 || srcH > 1<<18 {
			return // probe refuses images without pixels; 2^18 is past every decoder's limit
		}
		in := planFormats[int(fi)%len(planFormats)]
		sizes := media.DefaultSizes()
		var only []string
		for i, s := range sizes {
			if onlyMask&(1<<i) != 0 {
				only = append(only, s.Name)
			}
		}
		p := makePlan(srcW, srcH, int(orientation), in, basename, sizes, only)

		upW, upH := srcW, srcH
		rotate := in.name == "jpeg" && orientation >= 2 && orientation <= 8
		if rotate && orientation >= 5 {
			upW, upH = srcH, srcW
		}
		if p.UprightW != upW || p.UprightH != upH || p.Rotate != rotate {
			t.Fatalf("%dx%d orientation %d %s: upright %dx%d rotate %v", srcW, srcH, orientation, in.name, p.UprightW, p.UprightH, p.Rotate)
		}
		if !in.subsizes {
			if p.Main != nil || len(p.Sizes) > 0 {
				t.Fatalf("%s gets no files in WordPress, plan has %+v", in.name, p)
			}
			return
		}
		stem, _ := splitName(basename, in)
		if stem == "" || strings.ContainsAny(stem, `/\`) {
			t.Fatalf("splitName(%q): stem %q", basename, stem)
		}
		ext := p.Out.ext
		if p.Out.name == in.name {
			_, ext = splitName(basename, in)
		}
		checkName := func(r rendition) {
			t.Helper()
			if strings.ContainsAny(r.Name, `/\`) || path.Base(r.Name) != r.Name || !strings.HasPrefix(r.Name, stem) || !strings.HasSuffix(r.Name, "."+ext) {
				t.Fatalf("%q: rendition name %q (stem %q, ext %q)", basename, r.Name, stem, ext)
			}
		}
		big := upW > media.BigImageThreshold || upH > media.BigImageThreshold
		_, _, _, scalable := media.ResizeDimensions(upW, upH, media.BigImageThreshold, media.BigImageThreshold, false)
		switch {
		case big && !scalable:
			// The resize to the threshold would be within a pixel of the
			// upload: WordPress's fails, and it makes no main file at all.
			if p.Main != nil || p.MainKind != mainNone {
				t.Fatalf("%dx%d: main %+v kind %d, want none", upW, upH, p.Main, p.MainKind)
			}
		case big:
			m := p.Main
			if p.MainKind != mainScaled || m == nil || m.W < 1 || m.H < 1 || m.W > media.BigImageThreshold || m.H > media.BigImageThreshold ||
				m.Name != stem+"-scaled."+ext || (m.W != media.BigImageThreshold && m.H != media.BigImageThreshold) {
				t.Fatalf("%dx%d: main %+v kind %d, want a -scaled copy fitted in %d", upW, upH, m, p.MainKind, media.BigImageThreshold)
			}
		case p.Out.name != in.name:
			if p.MainKind != mainConverted || p.Main == nil || p.Main.W != upW || p.Main.H != upH || p.Main.Name != stem+"."+ext {
				t.Fatalf("%s: main %+v, want a converted copy", in.name, p.Main)
			}
		case rotate:
			if p.MainKind != mainRotated || p.Main == nil || p.Main.Name != stem+"-rotated."+ext {
				t.Fatalf("orientation %d: main %+v, want a -rotated copy", orientation, p.Main)
			}
		default:
			if p.Main != nil || p.MainKind != mainNone {
				t.Fatalf("plain %dx%d %s: main %+v", upW, upH, in.name, p.Main)
			}
		}
		if p.Main != nil {
			checkName(*p.Main)
			if p.Main.Box != (media.Rect{W: upW, H: upH}) {
				t.Fatalf("main box %+v, want the whole %dx%d", p.Main.Box, upW, upH)
			}
		}

		byName := map[string]rendition{}
		bySize := map[string]media.Size{}
		for _, s := range sizes {
			bySize[s.Name] = s
		}
		var order []string
		for _, r := range p.Sizes {
			s, ok := bySize[r.SizeName]
			if !ok || len(only) > 0 && !slices.Contains(only, r.SizeName) {
				t.Fatalf("size %q is not asked for (only %v)", r.SizeName, only)
			}
			order = append(order, r.SizeName)
			if r.W < 1 || r.H < 1 || r.W > upW || r.H > upH || s.Width > 0 && r.W > s.Width || s.Height > 0 && r.H > s.Height {
				t.Fatalf("%dx%d: size %s is %dx%d", upW, upH, s.Name, r.W, r.H)
			}
			b := r.Box
			if b.X < 0 || b.Y < 0 || b.W < 1 || b.H < 1 || b.X+b.W > upW || b.Y+b.H > upH {
				t.Fatalf("%dx%d: size %s cuts %+v", upW, upH, s.Name, b)
			}
			checkName(r)
			if prev, dup := byName[r.Name]; dup && (prev.W != r.W || prev.H != r.H || prev.Box != r.Box) {
				t.Fatalf("%s and %s share the name %s with different pixels", prev.SizeName, r.SizeName, r.Name)
			}
			byName[r.Name] = r
		}
		var want []string
		for _, s := range media.CreationOrder(sizes) {
			if slices.Contains(order, s.Name) {
				want = append(want, s.Name)
			}
		}
		if !slices.Equal(order, want) {
			t.Fatalf("sizes in order %v, want WordPress's creation order %v", order, want)
		}

		// The decode tiers: every rendition in exactly one, decoded at no
		// fewer pixels than its resize starts from.
		var jobs []rendition
		if p.Main != nil {
			jobs = append(jobs, *p.Main)
		}
		jobs = append(jobs, p.Sizes...)
		r := renderer{plan: p, info: sourceInfo{format: in}}
		seen := make([]int, len(jobs))
		for _, tr := range r.tiers(jobs) {
			if !slices.Contains([]int{1, 2, 4, 8}, tr.shrink) {
				t.Fatalf("tier shrink %d", tr.shrink)
			}
			for _, j := range tr.jobs {
				seen[j]++
				tw, th := thumbSize(jobs[j], upW, upH)
				if tw < jobs[j].W || th < jobs[j].H {
					t.Fatalf("thumbSize(%+v) = %dx%d, smaller than the rendition", jobs[j], tw, th)
				}
				if in.name == "jpeg" || in.name == "png" || in.name == "webp" {
					if tr.w < tw-1 || tr.h < th-1 || tr.w > upW || tr.h > upH {
						t.Fatalf("%dx%d %s: tier decodes %dx%d (shrink %d, scale %v), rendition %s needs %dx%d",
							upW, upH, in.name, tr.w, tr.h, tr.shrink, tr.scale, jobs[j].Name, tw, th)
					}
				}
			}
		}
		for j, n := range seen {
			if n != 1 {
				t.Fatalf("job %d (%s) is in %d tiers", j, jobs[j].Name, n)
			}
		}
		checkCascade(t, jobs, upW, upH)
	})
}

// checkCascade checks cascadePlan's promises for jobs, at the pixel sizes
// of 8-bit RGB and of 16-bit RGBA, with the worker's budget and one that
// holds almost nothing: every rendition in exactly one step, of its
// thumbSize; steps largest first; each made from the file or from an
// earlier kept step that covers it; kept steps within the budget.
func checkCascade(t *testing.T, jobs []rendition, upW, upH int) {
	t.Helper()
	for _, pel := range []int{3, 8} {
		for _, budget := range []int64{tierMemoryBudget, 1 << 20} {
			steps := cascadePlan(jobs, upW, upH, upW, upH, pel, budget)
			seen := make([]int, len(jobs))
			var held int64
			for i, s := range steps {
				area := int64(s.w) * int64(s.h)
				if i > 0 && area > int64(steps[i-1].w)*int64(steps[i-1].h) {
					t.Fatalf("%dx%d: step %d (%dx%d) larger than the one before", upW, upH, i, s.w, s.h)
				}
				for _, j := range s.jobs {
					seen[j]++
					if tw, th := thumbSize(jobs[j], upW, upH); tw != s.w || th != s.h {
						t.Fatalf("%dx%d: %s needs %dx%d, is in step %dx%d", upW, upH, jobs[j].Name, tw, th, s.w, s.h)
					}
				}
				if s.root && (i != 0 || len(s.jobs) > 0) {
					t.Fatalf("%dx%d: root step %d has %d renditions", upW, upH, i, len(s.jobs))
				}
				if s.from >= 0 {
					f := steps[s.from]
					far := float64(f.w) >= minStepRatio*float64(s.w) && float64(f.h) >= minStepRatio*float64(s.h)
					if s.from >= i || !f.keep || !f.root && !far {
						t.Fatalf("%dx%d: step %dx%d made from step %d %+v", upW, upH, s.w, s.h, s.from, f)
					}
				}
				if s.keep {
					held += area * int64(pel)
				}
			}
			if held > budget {
				t.Fatalf("%dx%d: kept steps hold %d bytes, budget %d", upW, upH, held, budget)
			}
			for j, n := range seen {
				if n != 1 {
					t.Fatalf("job %d (%s) is in %d steps", j, jobs[j].Name, n)
				}
			}
		}
	}
}

// FuzzMetaText checks the text cleaning of image metadata (finishMeta):
// toUTF8 always gives UTF-8 and leaves UTF-8 alone; sanitize leaves no tag,
// no raw < > or NUL, no & that starts no entity, and is stable, so metadata
// read twice is the same.
func FuzzMetaText(f *testing.F) {
	for _, s := range []string{
		// WordPress's wp_read_image_metadata fixtures and test strings.
		"Photoshop Author", "Bromley Alley", "Tom & Jerry", "already &amp; &#169; &copy;", "&nosuch;",
		"a < b > c", "<script>alert(1)</script>x", "nul\x00byte", "Canon EOS-1Ds Mark III", "f/2.8",
		"Copyright \xa9 2004", "caf\xe9", "<!-- note -->kept", "<a href=x>link</a>", "&#x41;&#65;&amp",
		"1/500", "\xef\xbb\xbfBOM", "<<b>>", "&lt;script&gt;",
	} {
		f.Add(s)
	}
	entity := regexp.MustCompile("^(?:" + entityPattern.String() + ")")
	f.Fuzz(func(t *testing.T, s string) {
		u := toUTF8(s)
		if !utf8.ValidString(u) || utf8.ValidString(s) && u != s {
			t.Fatalf("toUTF8(%q) = %q", s, u)
		}
		out := sanitize(u)
		if strings.ContainsAny(out, "<>\x00") {
			t.Fatalf("sanitize(%q) = %q: raw < > or NUL", u, out)
		}
		for i := strings.IndexByte(out, '&'); i >= 0; i = nextByte(out, '&', i) {
			m := entity.FindString(out[i:])
			if m == "" || !knownEntity(m) {
				t.Fatalf("sanitize(%q) = %q: & at %d starts no entity", u, out, i)
			}
		}
		if again := sanitize(out); again != out {
			t.Fatalf("not stable: %q → %q → %q", u, out, again)
		}
	})
}

func nextByte(s string, c byte, i int) int {
	j := strings.IndexByte(s[i+1:], c)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}
