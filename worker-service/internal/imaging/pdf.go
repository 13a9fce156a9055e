package imaging

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/sandbox"
)

// PDFLimits bound the PDFs a preview is made of. A file over them fails
// before any page is rendered.
type PDFLimits struct {
	// MaxPages is the most pages a PDF may have.
	MaxPages int
	// MaxPagePoints is the longest side its first page may have, in
	// points: 14,400 (200 inches) is the most Acrobat opens.
	MaxPagePoints float64
	// Tool bounds each run of poppler's pdfinfo and pdftoppm.
	Tool sandbox.Limits
}

// DefaultPDFLimits are the limits unless configured.
func DefaultPDFLimits() PDFLimits {
	return PDFLimits{MaxPages: 5000, MaxPagePoints: 14400, Tool: sandbox.DefaultLimits()}
}

// pdfDPI is the resolution WordPress renders a PDF's first page at (its
// Imagick editor's pdf_setup).
const pdfDPI = 128

// PDFRequest is a PDF whose preview a job makes.
type PDFRequest struct {
	Source   []byte
	Basename string // the stored name, "manual.pdf"
	// Sizes are the registered sizes; the preview gets WordPress's
	// fallback sizes of them (thumbnail, medium, large).
	Sizes  []media.Size
	Limits PDFLimits
}

// PDFResult is what WordPress ≥ 4.7 records of a PDF it could render.
type PDFResult struct {
	Pages int
	// Full is the first page as a JPEG, "{stem}-pdf.jpg": media_details'
	// sizes.full.
	Full File
	// Sizes are made from Full, "{stem}-pdf-{w}x{h}.jpg", in WordPress's
	// order for a PDF: thumbnail (not cropped), medium, large.
	Sizes []File
}

// pdfFallbackSizes are WordPress's fallback_intermediate_image_sizes.
var pdfFallbackSizes = []string{"thumbnail", "medium", "large"}

// PDFPreview renders a PDF's first page, as WordPress does, in poppler's
// tools run as sandboxed child processes: pdfinfo reads the page count and
// the first page's size, which must be within req.Limits, then pdftoppm
// renders that page at 128 dpi (fitted in media.BigImageThreshold), and
// libvips makes the JPEG preview and its sizes. A PDF the tools can't
// read, or one over the limits, is an *InputError.
func PDFPreview(ctx context.Context, req PDFRequest) (*PDFResult, error) {
	lim := req.Limits
	if lim.MaxPages == 0 {
		lim = DefaultPDFLimits()
	}
	f, err := os.CreateTemp("", "pixelmill-*.pdf")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(req.Source)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}

	info, err := sandbox.Run(ctx, lim.Tool, "pdfinfo", "-f", "1", "-l", "1", f.Name())
	if err != nil {
		return nil, toolError("the PDF can't be read", err)
	}
	page, err := parsePDFInfo(string(info))
	if err != nil {
		return nil, &InputError{Reason: "the PDF can't be read", Err: err}
	}
	if page.pages > lim.MaxPages {
		return nil, &InputError{Reason: fmt.Sprintf("the PDF has %d pages; at most %d are accepted", page.pages, lim.MaxPages)}
	}
	if long := max(page.w, page.h); long > lim.MaxPagePoints || page.w <= 0 || page.h <= 0 {
		return nil, &InputError{Reason: fmt.Sprintf("the PDF's first page is %.0f x %.0f points; at most %.0f on a side are accepted",
			page.w, page.h, lim.MaxPagePoints)}
	}

	args := []string{"-png", "-f", "1", "-l", "1", "-singlefile"}
	if long := max(page.w, page.h) / 72 * pdfDPI; long > media.BigImageThreshold {
		args = append(args, "-scale-to", strconv.Itoa(media.BigImageThreshold))
	} else {
		args = append(args, "-r", strconv.Itoa(pdfDPI))
	}
	png, err := sandbox.Run(ctx, lim.Tool, "pdftoppm", append(args, f.Name())...)
	if err != nil {
		return nil, toolError("the PDF's first page can't be rendered", err)
	}
	full, err := pdfFull(png, req.Basename)
	if err != nil {
		return nil, err
	}

	var sizes []media.Size
	for _, name := range pdfFallbackSizes {
		for _, s := range req.Sizes {
			if s.Name == name {
				s.Crop = false // WordPress makes a PDF's thumbnail a soft crop
				sizes = append(sizes, s)
			}
		}
	}
	res, err := Process(ctx, Request{Source: full.Data, Basename: full.Name, Sizes: sizes})
	if err != nil {
		return nil, err
	}
	out := &PDFResult{Pages: page.pages, Full: full}
	for _, name := range pdfFallbackSizes {
		if i := slices.IndexFunc(res.Sizes, func(f File) bool { return f.SizeName == name }); i >= 0 {
			out.Sizes = append(out.Sizes, res.Sizes[i])
		}
	}
	return out, nil
}

// pdfFull encodes the rendered page as the "{stem}-pdf.jpg" preview.
func pdfFull(png []byte, basename string) (File, error) {
	im, err := vips.LoadImageFromBuffer(png, importParams(true))
	if err != nil {
		return File{}, &InputError{Reason: "the PDF's first page can't be rendered", Err: libvipsError(err)}
	}
	defer im.Close()
	if im.HasAlpha() {
		if err := im.Flatten(&vips.Color{R: 255, G: 255, B: 255}); err != nil {
			return File{}, libvipsError(err)
		}
	}
	data, _, err := im.ExportJpeg(&vips.JpegExportParams{Quality: jpegQuality, OptimizeCoding: true, StripMetadata: true})
	if err != nil {
		return File{}, libvipsError(err)
	}
	stem := strings.TrimSuffix(basename, ".pdf")
	return File{SizeName: "full", Name: stem + "-pdf.jpg", Width: im.Width(), Height: im.Height(), MIME: "image/jpeg", Data: data}, nil
}

// toolError words a failed run of a tool as the file's fault: what the
// tool said is its detail. A tool that could not be started at all is the
// machine's, and worth a retry.
func toolError(reason string, err error) error {
	var e *sandbox.Error
	if errors.As(err, &e) && !strings.HasPrefix(e.Reason, "could not run") {
		return &InputError{Reason: reason, Err: err}
	}
	return err
}

// pdfPage is what pdfinfo says of a PDF and its first page, rotation
// applied.
type pdfPage struct {
	pages int
	w, h  float64
}

var (
	pdfPagesLine = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)
	pdfSizeLine  = regexp.MustCompile(`(?m)^Page\s+1 size:\s+([\d.]+) x ([\d.]+) pts`)
	pdfRotLine   = regexp.MustCompile(`(?m)^Page\s+1 rot:\s+(\d+)`)
)

// parsePDFInfo reads `pdfinfo -f 1 -l 1`'s output.
func parsePDFInfo(out string) (pdfPage, error) {
	var p pdfPage
	m := pdfPagesLine.FindStringSubmatch(out)
	if m == nil {
		return p, errors.New("pdfinfo printed no page count")
	}
	p.pages, _ = strconv.Atoi(m[1])
	s := pdfSizeLine.FindStringSubmatch(out)
	if s == nil {
		return p, errors.New("pdfinfo printed no page size")
	}
	p.w, _ = strconv.ParseFloat(s[1], 64)
	p.h, _ = strconv.ParseFloat(s[2], 64)
	if r := pdfRotLine.FindStringSubmatch(out); r != nil && (r[1] == "90" || r[1] == "270") {
		p.w, p.h = p.h, p.w
	}
	return p, nil
}
