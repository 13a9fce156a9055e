package imaging

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"strings"
	"testing"
)

// animatedGIF encodes n 2×2 frames.
func animatedGIF(t *testing.T, n int) []byte {
	t.Helper()
	anim := &gif.GIF{}
	pal := color.Palette{color.Black, color.White}
	for i := range n {
		img := image.NewPaletted(image.Rect(0, 0, 2, 2), pal)
		img.SetColorIndex(i%2, 0, 1)
		anim.Image = append(anim.Image, img)
		anim.Delay = append(anim.Delay, 1)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestProbeFrameLimit(t *testing.T) {
	if h, err := Probe(animatedGIF(t, 10)); err != nil || h.Pages != 10 {
		t.Fatalf("10 frames: pages %d, %v", h.Pages, err)
	}
	_, err := Probe(animatedGIF(t, DefaultConfig().MaxFrames+500))
	if !IsInputError(err) || !strings.Contains(err.Error(), "too many frames") {
		t.Fatalf("a GIF over the frame limit: %v", err)
	}
}
