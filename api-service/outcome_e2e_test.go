package main

import (
	"context"
	"image"
	"image/jpeg"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

// The tests of this file hold Pixelmill's first promise on the live stack:
// every accepted upload ends ready or failed, never stuck.

// TestPortraitPhotoEndsReady uploads an upright 3:4 photo, whose
// medium_large and large are both 768×1024: WordPress gives them one file,
// and so must Pixelmill, instead of writing it twice and never finishing.
func TestPortraitPhotoEndsReady(t *testing.T) {
	s := startStack(t, 1)
	// A real photo's right-hand 1800×2400 part: an upright 3:4 under the
	// big-image threshold, so no -scaled copy joins in.
	src := filepath.Join(t.TempDir(), "portrait.jpg")
	writePortrait(t, filepath.Join(testdataDir(t), "photo-3840x2400.jpg"), src, 1800, 2400)

	up, resp := s.uploadRaw(t, src, "portrait.jpg")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	a := s.waitDone(t, up.ID)
	if a.ProcessingStatus != "ready" {
		t.Fatalf("status %s: %s", a.ProcessingStatus, a.ProcessingError)
	}
	checkSizes(t, a, map[string]dims{
		"medium": {225, 300}, "large": {768, 1024}, "thumbnail": {150, 150},
		"medium_large": {768, 1024}, "1536x1536": {1152, 1536}, "2048x2048": {1536, 2048}, "full": {1800, 2400},
	}, []string{"medium", "large", "thumbnail", "medium_large", "1536x1536", "2048x2048", "full"})
	var large, mediumLarge sizeEntry
	for _, e := range a.MediaDetails.Sizes {
		switch e.Name {
		case "large":
			large = e
		case "medium_large":
			mediumLarge = e
		}
	}
	if large.File != "portrait-768x1024.jpg" || mediumLarge.File != large.File || mediumLarge.SourceURL != large.SourceURL {
		t.Fatalf("large %+v and medium_large %+v must name one file", large, mediumLarge)
	}
	if cfg, format, _ := fetchImage(t, large.SourceURL); cfg.Width != 768 || cfg.Height != 1024 || format != "jpeg" {
		t.Fatalf("shared file: %dx%d %s", cfg.Width, cfg.Height, format)
	}
	if len(a.MissingSizes) != 0 {
		t.Fatalf("missing sizes: %v", a.MissingSizes)
	}
}

// writePortrait writes the right-hand w×h part of the JPEG at from to to.
func writePortrait(t *testing.T, from, to string, w, h int) {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	part := img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(b.Max.X-w, b.Max.Y-h, b.Max.X, b.Max.Y))
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := jpeg.Encode(out, part, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
}

// TestUnforeseenFailureEndsFailed makes recording a job's result fail in a
// way nobody planned for, the way the shared-file bug did: Postgres refuses
// one item's file rows with a unique violation. Such a job must not be
// dropped as "no longer wanted" (the item would stay processing): it is
// retried, then the item fails with a reason and the job is dead-lettered,
// while an upload beside it ends ready.
func TestUnforeseenFailureEndsFailed(t *testing.T) {
	s := startStackEnv(t, 1, map[string]string{
		"PIXELMILL_JOB_MAX_DELIVER": "3",
		"PIXELMILL_JOB_RETRY_BASE":  "200ms",
		"PIXELMILL_JOB_RETRY_MAX":   "1s",
	})
	db := postgrestest.Open(t, s.dbURL)
	_, err := db.Pool.Exec(context.Background(), `
		CREATE FUNCTION cursed_files() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.role = 'size' AND NEW.name LIKE 'cursed%' THEN
				RAISE EXCEPTION 'cursed file row' USING ERRCODE = 'unique_violation';
			END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER cursed_files BEFORE INSERT OR UPDATE ON media_files
			FOR EACH ROW EXECUTE FUNCTION cursed_files();`)
	if err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(testdataDir(t), "photo-640x480.jpg")
	cursed, resp := s.uploadRaw(t, photo, "cursed.jpg")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	fine, _ := s.uploadRaw(t, photo, "fine.jpg")

	a := s.waitDone(t, cursed.ID)
	if a.ProcessingStatus != "failed" || !strings.Contains(a.ProcessingError, "processing kept failing") {
		t.Fatalf("cursed item: %s %q", a.ProcessingStatus, a.ProcessingError)
	}
	if got := s.waitDone(t, fine.ID); got.ProcessingStatus != "ready" {
		t.Fatalf("the item beside it: %s %q", got.ProcessingStatus, got.ProcessingError)
	}
	key := s.mediaKey(t, cursed.ID)
	if list := s.dlq(t, "list"); !strings.Contains(list, key) {
		t.Fatalf("the job is not dead-lettered:\n%s", list)
	}
	if logs := s.workers[0].out.String(); strings.Contains(lineWith(logs, key), "job_dropped") || strings.Count(logs, `"msg":"job_retry"`) < 2 {
		t.Fatalf("the job was dropped or not retried:\n%s", logs)
	}
}

// TestStuckItemFailsAtBound runs a stack with no worker at all: nothing
// ever records an outcome. The reconciler reissues the item's job
// PIXELMILL_STUCK_MAX_REISSUES times, then fails the item with a reason.
func TestStuckItemFailsAtBound(t *testing.T) {
	s := startStackEnv(t, 0, map[string]string{
		"PIXELMILL_UPKEEP_EVERY":       "1s",
		"PIXELMILL_STUCK_AFTER":        "1s",
		"PIXELMILL_STUCK_MAX_REISSUES": "2",
	})
	up, resp := s.uploadRaw(t, filepath.Join(testdataDir(t), "photo-640x480.jpg"), "orphan.jpg")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	start := time.Now()
	a := s.waitDone(t, up.ID)
	if a.ProcessingStatus != "failed" || !strings.Contains(a.ProcessingError, "given 2 new jobs") {
		t.Fatalf("status %s %q", a.ProcessingStatus, a.ProcessingError)
	}
	if got := strings.Count(s.apiLog.String(), `"msg":"media_requeued"`); got != 2 {
		t.Fatalf("requeued %d times, want 2 (after %s)", got, time.Since(start))
	}
}
