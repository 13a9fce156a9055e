package imaging

import (
	"fmt"
	"strings"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/pixelmill/pixelmill/services/media"
)

// planString renders a plan compactly: "main=name WxH; size:name WxH; …".
func planString(p plan) string {
	var parts []string
	if p.Main != nil {
		parts = append(parts, fmt.Sprintf("main=%s %dx%d", p.Main.Name, p.Main.W, p.Main.H))
	}
	for _, s := range p.Sizes {
		parts = append(parts, fmt.Sprintf("%s=%s %dx%d", s.SizeName, s.Name, s.W, s.H))
	}
	return strings.Join(parts, "; ")
}

// TestPlanWorkedExamples checks every worked example of spec §12.2 and the
// brief: names, real dimensions and WordPress's creation order.
func TestPlanWorkedExamples(t *testing.T) {
	t.Parallel()
	jpegFormat := formats[vips.ImageTypeJPEG]
	tests := []struct {
		name               string
		w, h, orientation  int
		in                 format
		want               string
		uprightW, uprightH int
		rotate             bool
		kind               mainKind
	}{
		{"horizon.jpg", 3840, 2400, 1, jpegFormat,
			"main=horizon-scaled.jpg 2560x1600; medium=horizon-300x188.jpg 300x188; large=horizon-1024x640.jpg 1024x640; " +
				"thumbnail=horizon-150x150.jpg 150x150; medium_large=horizon-768x480.jpg 768x480; " +
				"1536x1536=horizon-1536x960.jpg 1536x960; 2048x2048=horizon-2048x1280.jpg 2048x1280",
			3840, 2400, false, mainScaled},
		{"canola.jpg", 640, 480, 0, jpegFormat,
			"medium=canola-300x225.jpg 300x225; thumbnail=canola-150x150.jpg 150x150",
			640, 480, false, mainNone},
		{"33772.jpg", 1920, 1080, 1, jpegFormat,
			"medium=33772-300x169.jpg 300x169; large=33772-1024x576.jpg 1024x576; thumbnail=33772-150x150.jpg 150x150; " +
				"medium_large=33772-768x432.jpg 768x432; 1536x1536=33772-1536x864.jpg 1536x864",
			1920, 1080, false, mainNone},
		{"big.jpg", 3000, 2000, 1, jpegFormat,
			"main=big-scaled.jpg 2560x1707; medium=big-300x200.jpg 300x200; large=big-1024x683.jpg 1024x683; " +
				"thumbnail=big-150x150.jpg 150x150; medium_large=big-768x512.jpg 768x512; " +
				"1536x1536=big-1536x1024.jpg 1536x1024; 2048x2048=big-2048x1365.jpg 2048x1365",
			3000, 2000, false, mainScaled},
		{"four.jpg", 4000, 3000, 1, jpegFormat,
			"main=four-scaled.jpg 2560x1920; medium=four-300x225.jpg 300x225; large=four-1024x768.jpg 1024x768; " +
				"thumbnail=four-150x150.jpg 150x150; medium_large=four-768x576.jpg 768x576; " +
				"1536x1536=four-1536x1152.jpg 1536x1152; 2048x2048=four-2048x1536.jpg 2048x1536",
			4000, 3000, false, mainScaled},
		// One pixel over the threshold: the resize to 2560 would be within a
		// pixel of the upload, so WordPress makes no -scaled file.
		{"edge.jpg", 2561, 1921, 1, jpegFormat,
			"medium=edge-300x225.jpg 300x225; large=edge-1024x768.jpg 1024x768; thumbnail=edge-150x150.jpg 150x150; " +
				"medium_large=edge-768x576.jpg 768x576; 1536x1536=edge-1536x1152.jpg 1536x1152; 2048x2048=edge-2048x1536.jpg 2048x1536",
			2561, 1921, false, mainNone},
		{"name.jpg", 1200, 1800, 6, jpegFormat,
			"main=name-rotated.jpg 1800x1200; medium=name-300x200.jpg 300x200; large=name-1024x683.jpg 1024x683; " +
				"thumbnail=name-150x150.jpg 150x150; medium_large=name-768x512.jpg 768x512; " +
				"1536x1536=name-1536x1024.jpg 1536x1024",
			1800, 1200, true, mainRotated},
		{"tall.jpg", 100, 400, 1, jpegFormat,
			"medium=tall-75x300.jpg 75x300; thumbnail=tall-100x150.jpg 100x150",
			100, 400, false, mainNone},
		{"dot.jpg", 50, 50, 1, jpegFormat, "", 50, 50, false, mainNone},
		// Orientation counts only for JPEG, as in WordPress.
		{"side.png", 1200, 1800, 6, formats[vips.ImageTypePNG],
			"medium=side-200x300.png 200x300; large=side-683x1024.png 683x1024; thumbnail=side-150x150.png 150x150; " +
				"medium_large=side-768x1152.png 768x1152; 1536x1536=side-1024x1536.png 1024x1536",
			1200, 1800, false, mainNone},
		// Mirror-only orientation 2 keeps the size but still needs -rotated.
		{"mirror.JPG", 640, 480, 2, jpegFormat,
			"main=mirror-rotated.JPG 640x480; medium=mirror-300x225.JPG 300x225; thumbnail=mirror-150x150.JPG 150x150",
			640, 480, true, mainRotated},
		// Big and sideways: scaled from the upright size, rotated too.
		{"pano.jpeg", 2400, 3840, 8, jpegFormat,
			"main=pano-scaled.jpeg 2560x1600; medium=pano-300x188.jpeg 300x188; large=pano-1024x640.jpeg 1024x640; " +
				"thumbnail=pano-150x150.jpeg 150x150; medium_large=pano-768x480.jpeg 768x480; " +
				"1536x1536=pano-1536x960.jpeg 1536x960; 2048x2048=pano-2048x1280.jpeg 2048x1280",
			3840, 2400, true, mainScaled},
		// HEIC renditions are JPEG (WordPress 6.7+), the main one too.
		{"IMG_1.heic", 1600, 1200, 1, formats[vips.ImageTypeHEIF],
			"main=IMG_1.jpg 1600x1200; medium=IMG_1-300x225.jpg 300x225; large=IMG_1-1024x768.jpg 1024x768; " +
				"thumbnail=IMG_1-150x150.jpg 150x150; medium_large=IMG_1-768x576.jpg 768x576; " +
				"1536x1536=IMG_1-1536x1152.jpg 1536x1152",
			1600, 1200, false, mainConverted},
		// TIFF: no sub-sizes in WordPress.
		{"scan.tif", 3000, 2000, 1, formats[vips.ImageTypeTIFF], "", 3000, 2000, false, mainNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := makePlan(tt.w, tt.h, tt.orientation, tt.in, tt.name, media.DefaultSizes(), nil)
			if got := planString(p); got != tt.want {
				t.Errorf("plan\n got %s\nwant %s", got, tt.want)
			}
			if p.UprightW != tt.uprightW || p.UprightH != tt.uprightH || p.Rotate != tt.rotate || p.MainKind != tt.kind {
				t.Errorf("upright %dx%d rotate=%v kind=%d, want %dx%d rotate=%v kind=%d",
					p.UprightW, p.UprightH, p.Rotate, p.MainKind, tt.uprightW, tt.uprightH, tt.rotate, tt.kind)
			}
		})
	}
}

func TestPlanOnlyAndCustomSizes(t *testing.T) {
	t.Parallel()
	jpegFormat := formats[vips.ImageTypeJPEG]
	sizes := append(media.DefaultSizes(),
		media.Size{Name: "post-thumbnail", Width: 1200, Height: 9999},
		media.Size{Name: "nothing", Width: 0, Height: 0},
		media.Size{Name: "square", Width: 400, Height: 400, Crop: true},
	)

	p := makePlan(3840, 2400, 1, jpegFormat, "a.jpg", sizes, nil)
	var names []string
	for _, s := range p.Sizes {
		names = append(names, s.SizeName)
	}
	want := "medium large thumbnail medium_large 1536x1536 2048x2048 post-thumbnail square"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("order %q, want %q", got, want)
	}

	p = makePlan(3840, 2400, 1, jpegFormat, "a.jpg", sizes, []string{"thumbnail", "square"})
	if got := planString(p); got != "main=a-scaled.jpg 2560x1600; thumbnail=a-150x150.jpg 150x150; square=a-400x400.jpg 400x400" {
		t.Errorf("only: %s", got)
	}
}

func TestSplitName(t *testing.T) {
	t.Parallel()
	jpegFormat := formats[vips.ImageTypeJPEG]
	for in, want := range map[string]string{
		"horizon.jpg":        "horizon|jpg",
		"2024/06/a.b.JPEG":   "a.b|JPEG",
		"noext":              "noext|jpg",
		".hidden":            ".hidden|jpg",
		`C:\Users\x\pic.jpg`: "pic|jpg",
	} {
		stem, ext := splitName(in, jpegFormat)
		if got := stem + "|" + ext; got != want {
			t.Errorf("splitName(%q) = %q, want %q", in, got, want)
		}
	}
}
