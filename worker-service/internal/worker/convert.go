package worker

import (
	"bytes"
	"io"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

func toMediaMeta(m imaging.ImageMeta, rotated bool) *media.ImageMeta {
	kw := m.Keywords
	if kw == nil {
		kw = []string{}
	}
	return &media.ImageMeta{
		Aperture: m.Aperture, Credit: m.Credit, Camera: m.Camera, Caption: m.Caption,
		CreatedTimestamp: m.CreatedTimestamp, Copyright: m.Copyright, FocalLength: m.FocalLength,
		ISO: m.ISO, ShutterSpeed: m.ShutterSpeed, Title: m.Title, Orientation: m.Orientation,
		Keywords: kw, Alt: m.Alt, Rotated: rotated,
	}
}

// rotatedByEXIF reports whether WordPress would turn this file upright:
// only JPEG EXIF orientation counts.
func rotatedByEXIF(h imaging.Header) bool { return h.Format == "jpeg" && h.Orientation > 1 }

// upright returns the original's dimensions after EXIF orientation.
func upright(h imaging.Header) (int, int) {
	if h.Format == "jpeg" && h.Orientation >= 5 && h.Orientation <= 8 {
		return h.Height, h.Width
	}
	return h.Width, h.Height
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
