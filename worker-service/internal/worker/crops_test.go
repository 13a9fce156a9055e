package worker

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

func TestCropRequests(t *testing.T) {
	t.Parallel()
	defs := media.DefaultMediaTypes()[1].Crops // thumb 300×300, wide 1200×630
	focal := &media.Point{Left: 0.8, Top: 0.3}
	coords := map[string]media.Coords{"thumb": {X1: 0.1, Y1: 0.1, X2: 0.5, Y2: 0.1}, "gone": {X1: 0.5}}

	if got := cropRequests(nil, 4000, 3000, focal, coords); got != nil {
		t.Errorf("a type without crops gave %+v", got)
	}

	smart := cropRequests(defs, 4000, 3000, nil, nil)
	if len(smart) != 2 || smart[0].Box != nil || smart[1].Box != nil {
		t.Fatalf("no focal point, no coordinates: %+v, want two smart crops", smart)
	}
	if smart[0].Alias != "thumb" || smart[0].W != 300 || smart[0].H != 300 || smart[1].Alias != "wide" || smart[1].W != 1200 || smart[1].H != 630 {
		t.Errorf("crops %+v, want thumb 300×300 and wide 1200×630", smart)
	}

	got := cropRequests(defs, 4000, 3000, focal, coords)
	if len(got) != 2 || got[0].Box == nil || got[1].Box == nil {
		t.Fatalf("%+v, want two boxed crops", got)
	}
	c := coords["thumb"]
	if want, _ := media.CropBox(4000, 3000, defs[0], focal, &c); *got[0].Box != want {
		t.Errorf("thumb box %+v, want the coordinates' %+v", *got[0].Box, want)
	}
	if want, _ := media.CropBox(4000, 3000, defs[1], focal, nil); *got[1].Box != want {
		t.Errorf("wide box %+v, want the focal point's %+v", *got[1].Box, want)
	}
	fx, fy := 0.8*4000, 0.3*3000
	if b := *got[1].Box; fx < float64(b.X) || fx > float64(b.X+b.W) || fy < float64(b.Y) || fy > float64(b.Y+b.H) {
		t.Errorf("wide box %+v misses the focal point", b)
	}
}

func TestFinalFailure(t *testing.T) {
	t.Parallel()
	bad := &imaging.InputError{Reason: "truncated or corrupt JPEG"}
	internal := errors.New("store timed out")
	tests := []struct {
		kind               media.JobKind
		err                error
		record, deadLetter bool
	}{
		{media.JobRenditions, bad, true, true},
		{media.JobRenditions, internal, true, true},
		{media.JobCrops, bad, true, true},
		{media.JobEdit, internal, true, true},
		// A derive job never touches the item's status, and a bad file
		// is nothing to replay.
		{media.JobDerive, bad, false, false},
		{media.JobDerive, internal, false, true},
		{media.JobDerive, nil, false, true},
	}
	for _, tt := range tests {
		record, deadLetter := finalFailure(media.Job{Kind: tt.kind}, tt.err)
		if record != tt.record || deadLetter != tt.deadLetter {
			t.Errorf("%s after %v: record %v, dead letter %v; want %v, %v", tt.kind, tt.err, record, deadLetter, tt.record, tt.deadLetter)
		}
	}
}

// TestRecordFinal checks what a final failure writes: a crops job puts
// the item back to ready with no new crops, the others fail it; a job
// superseded meanwhile writes nothing and is no error.
func TestRecordFinal(t *testing.T) {
	t.Parallel()
	st := &finalStore{}
	w := &Worker{store: st}
	if err := w.recordFinal(context.Background(), media.Job{Kind: media.JobCrops, MediaID: 1, Seq: 2}, "x"); err != nil || st.crops != 1 || st.failed != 0 {
		t.Fatalf("crops: %v, %+v", err, st)
	}
	if err := w.recordFinal(context.Background(), media.Job{Kind: media.JobRenditions, MediaID: 1, Seq: 3}, "x"); err != nil || st.failed != 1 {
		t.Fatalf("renditions: %v, %+v", err, st)
	}
	st.err = media.WrapError(media.CodeConflict, "superseded", media.ErrSuperseded)
	if err := w.recordFinal(context.Background(), media.Job{Kind: media.JobEdit, MediaID: 1, Seq: 4}, "x"); err != nil {
		t.Fatalf("superseded: %v", err)
	}
	// A conflict that is not a newer job is a fault: it must surface, or
	// the item would stay processing with its failure unrecorded.
	st.err = media.Errorf(media.CodeConflict, "media already exists")
	if err := w.recordFinal(context.Background(), media.Job{Kind: media.JobRenditions, MediaID: 1, Seq: 4}, "x"); err == nil {
		t.Fatal("a conflict other than a newer job must surface")
	}
	st.err = errors.New("database down")
	if err := w.recordFinal(context.Background(), media.Job{Kind: media.JobCrops, MediaID: 1, Seq: 5}, "x"); err == nil {
		t.Fatal("a store failure must surface, so the message is retried")
	}
}

// finalStore counts the final failures written.
type finalStore struct {
	Store
	crops, failed int
	err           error
}

func (s *finalStore) RecordCrops(context.Context, int64, int64, []media.File) error {
	s.crops++
	return s.err
}

func (s *finalStore) FailMedia(context.Context, int64, int64, string) error {
	s.failed++
	return s.err
}

// fakeStore answers FindMediaByID and MediaType; anything that would
// record fails the test.
type fakeStore struct {
	t     *testing.T
	media *media.Media
	err   error
}

func (s *fakeStore) FindMediaByID(context.Context, int64) (*media.Media, error) {
	return s.media, s.err
}

func (s *fakeStore) MediaType(_ context.Context, alias string) (media.MediaType, error) {
	for _, mt := range media.DefaultMediaTypes() {
		if mt.Alias == alias {
			return mt, nil
		}
	}
	return media.MediaType{Alias: alias}, nil
}

func (s *fakeStore) RecordRenditions(context.Context, int64, int64, media.Renditions) error {
	s.t.Error("RecordRenditions called")
	return nil
}

func (s *fakeStore) FailMedia(context.Context, int64, int64, string) error {
	s.t.Error("FailMedia called")
	return nil
}

func (s *fakeStore) RecordCrops(context.Context, int64, int64, []media.File) error {
	s.t.Error("RecordCrops called")
	return nil
}

func (s *fakeStore) FindDerived(_ context.Context, _ int64, spec string) (media.File, bool, error) {
	for _, f := range s.media.Files {
		if f.Role == media.RoleDerived && f.SizeName == spec {
			return f, true, nil
		}
	}
	return media.File{}, false, nil
}

func (s *fakeStore) RecordDerived(context.Context, int64, string, media.File) error {
	s.t.Error("RecordDerived called")
	return nil
}

// TestRunDrops checks the jobs a worker acks and forgets before reading
// any file: derive jobs that are malformed, for a gone or foreign item,
// already made or for an item without an image yet, and crops jobs that a
// newer job superseded.
func TestRunDrops(t *testing.T) {
	t.Parallel()
	tr := &media.Transform{Width: 300, Height: 200}
	ready := func() *media.Media {
		return &media.Media{ID: 7, Key: "k", MIME: "image/jpeg", Status: media.StatusReady, JobSeq: 3,
			Files: []media.File{{Role: media.RoleOriginal, Name: "a.jpg", Key: "o/a.jpg"}}}
	}
	made := ready()
	made.Files = append(made.Files, media.File{Role: media.RoleDerived, SizeName: tr.Canonical(), Name: "a~x.jpg"})
	uploading := ready()
	uploading.Status = media.StatusUploading
	folder := &media.Media{ID: 7, Key: "k", Status: media.StatusReady}
	tests := []struct {
		name string
		job  media.Job
		m    *media.Media
		err  error
		want string
	}{
		{"derive without transform", media.Job{Kind: media.JobDerive, MediaID: 7}, ready(), nil, "without a transform"},
		{"derive with a bad transform", media.Job{Kind: media.JobDerive, MediaID: 7, Transform: &media.Transform{Width: 9999}}, ready(), nil, "bad transform"},
		{"derive of a deleted item", media.Job{Kind: media.JobDerive, MediaID: 7, Transform: tr}, nil, media.Errorf(media.CodeNotFound, "gone"), "deleted"},
		{"derive for another deployment", media.Job{Kind: media.JobDerive, MediaID: 7, MediaKey: "other", Transform: tr}, ready(), nil, "does not match"},
		{"derive made already", media.Job{Kind: media.JobDerive, MediaID: 7, Transform: tr}, made, nil, "already made"},
		{"derive before the upload", media.Job{Kind: media.JobDerive, MediaID: 7, Transform: tr}, uploading, nil, "no picture"},
		{"derive of a folder", media.Job{Kind: media.JobDerive, MediaID: 7, Transform: tr}, folder, nil, "no picture"},
		{"crops superseded", media.Job{Kind: media.JobCrops, MediaID: 7, Seq: 2}, ready(), nil, "superseded"},
		{"crops recorded already", media.Job{Kind: media.JobCrops, MediaID: 7, Seq: 3}, ready(), nil, "already recorded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := New(DefaultConfig(), &fakeStore{t: t, media: tt.m, err: tt.err}, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			err = w.run(context.Background(), tt.job)
			if !errors.Is(err, errDrop) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run: %v, want a drop saying %q", err, tt.want)
			}
		})
	}
}
