package worker

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

// storePoster stores picture (cover art, a video frame) as the original of
// a new image item, named as WordPress names cover art
// ("{name-ext}-image.jpg"), for the store to record with m's result. Its
// key comes from m's and the job's, so a job run twice writes the same
// object, and the record of the first run, if any, drops the second.
func (w *Worker) storePoster(ctx context.Context, m *media.Media, job media.Job, picture []byte) (*media.Poster, error) {
	ft, ok := media.SniffType(picture)
	if !ok || !media.IsRenderable(ft.MIME) {
		return nil, &imaging.InputError{Reason: "the embedded picture is not an image Pixelmill renders"}
	}
	hdr, err := imaging.Probe(picture)
	if err != nil {
		return nil, err
	}
	parent, err := uuid.Parse(m.Key)
	if err != nil {
		return nil, err
	}
	key := uuid.NewSHA1(parent, fmt.Appendf(nil, "poster/%d", job.Seq)).String()
	objectKey := objstore.OriginalKey(key)
	if _, err := w.objects.Put(ctx, objectKey, bytesReader(picture), int64(len(picture)), ft.MIME); err != nil {
		return nil, fmt.Errorf("store poster of media %d: %w", m.ID, err)
	}
	stem := strings.ReplaceAll(m.OriginalName(), ".", "-") + "-image"
	item := &media.Media{Key: key, MIME: ft.MIME, Stem: stem, Ext: ft.Ext, ClientFilename: stem + "." + ft.Ext,
		Width: hdr.Width, Height: hdr.Height, OriginalFilesize: int64(len(picture))}
	return &media.Poster{Item: item, Original: media.File{Key: objectKey, MIME: ft.MIME, Width: hdr.Width, Height: hdr.Height, Filesize: int64(len(picture))}}, nil
}
