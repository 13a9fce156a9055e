package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/postgres"
	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

func newStores(t *testing.T) (*postgres.MediaStore, *postgres.OutboxStore, *media.User) {
	t.Helper()
	db := postgrestest.NewDB(t)
	users := postgres.NewUserStore(db)
	u := &media.User{Login: "editor", Role: media.RoleEditor, PasswordHash: "x"}
	if _, err := users.EnsureUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	found, err := users.FindUserByLogin(context.Background(), "editor")
	if err != nil {
		t.Fatal(err)
	}
	return postgres.NewMediaStore(db), postgres.NewOutboxStore(db), found
}

func newItem(u *media.User, stem, title string) *media.Media {
	return &media.Media{AuthorID: u.ID, Title: title, MIME: "image/jpeg", Dir: "2026/11", Stem: stem, Ext: "jpg", OriginalFilesize: 10}
}

func TestCreateMediaUniqueNamesAndJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, outbox, u := newStores(t)

	// Raw uploads are titled from the stored stem: canola, canola-1.
	var got []*media.Media
	var slugs []string
	for range 2 {
		m := newItem(u, "canola", "")
		post := &media.AttachmentFields{}
		job, err := store.CreateMediaWith(ctx, m, media.File{Key: "k", MIME: "image/jpeg"}, media.Facets{Post: post}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if job.MediaID != m.ID || job.Seq != 1 || job.Kind != media.JobRenditions {
			t.Fatalf("job = %+v", job)
		}
		got, slugs = append(got, m), append(slugs, post.Slug)
	}
	if got[0].Stem != "canola" || got[1].Stem != "canola-1" || got[1].Title != "canola-1" || got[1].File != "canola-1.jpg" {
		t.Fatalf("stems %q %q title %q file %q", got[0].Stem, got[1].Stem, got[1].Title, got[1].File)
	}
	if slugs[0] == slugs[1] {
		t.Fatalf("slugs not unique: %q", slugs[0])
	}
	// Multipart uploads keep the client title; the slug gets WordPress's -2.
	m := newItem(u, "canola", "canola")
	if _, err := store.CreateMedia(ctx, m, media.File{Key: "k3", MIME: "image/jpeg"}, nil); err != nil {
		t.Fatal(err)
	}
	a, err := store.FindAttachment(ctx, m.ID)
	if err != nil || m.Title != "canola" || a.Slug != "canola-2" || m.Stem != "canola-2" {
		t.Fatalf("title %q slug %q stem %q (%v)", m.Title, a.Slug, m.Stem, err)
	}

	// Every create left exactly one job in the outbox, with the trace headers.
	var msgs []media.OutboxMessage
	n, err := outbox.RelayPending(ctx, 10, func(_ context.Context, msg media.OutboxMessage) error {
		msgs = append(msgs, msg)
		return nil
	})
	if err != nil || n != 3 || len(msgs) != 3 {
		t.Fatalf("relayed %d (%v)", n, err)
	}
	var job media.Job
	if err := json.Unmarshal(msgs[0].Payload, &job); err != nil || job.MediaID != got[0].ID || msgs[0].Subject != "media.jobs.renditions" {
		t.Fatalf("first message %s %s (%v)", msgs[0].Subject, msgs[0].Payload, err)
	}
	// Published rows are not relayed again.
	if n, _ := outbox.RelayPending(ctx, 10, func(context.Context, media.OutboxMessage) error { return nil }); n != 0 {
		t.Fatalf("relayed %d again", n)
	}
}

func TestCreateMediaConcurrentSameName(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, u := newStores(t)
	const n = 8
	var wg sync.WaitGroup
	stems := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := newItem(u, "photo", "")
			if _, err := store.CreateMedia(ctx, m, media.File{Key: "k", MIME: "image/jpeg"}, nil); err != nil {
				t.Error(err)
				return
			}
			stems <- m.Stem
		}()
	}
	wg.Wait()
	close(stems)
	seen := map[string]bool{}
	for s := range stems {
		if seen[s] {
			t.Fatalf("stem %q given twice", s)
		}
		seen[s] = true
	}
	if len(seen) != n {
		t.Fatalf("got %d stems", len(seen))
	}
}

func TestRelayStopsAtPublishError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, outbox, u := newStores(t)
	for _, stem := range []string{"a", "b"} {
		if _, err := store.CreateMedia(ctx, newItem(u, stem, ""), media.File{Key: stem, MIME: "image/jpeg"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	down := errors.New("nats down")
	calls := 0
	n, err := outbox.RelayPending(ctx, 10, func(context.Context, media.OutboxMessage) error {
		calls++
		if calls == 2 {
			return down
		}
		return nil
	})
	if n != 1 || !errors.Is(err, down) {
		t.Fatalf("n=%d err=%v", n, err)
	}
	// The unpublished one is still there for the next pass.
	n, err = outbox.RelayPending(ctx, 10, func(context.Context, media.OutboxMessage) error { return nil })
	if n != 1 || err != nil {
		t.Fatalf("second pass n=%d err=%v", n, err)
	}
}

func TestRecordRenditionsIdempotentAndSuperseded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, u := newStores(t)
	m := newItem(u, "horizon", "")
	job, err := store.CreateMedia(ctx, m, media.File{Key: "orig", MIME: "image/jpeg", Width: 3840, Height: 2400}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := media.Renditions{
		Main:  &media.File{Name: "horizon-scaled.jpg", Key: "m", MIME: "image/jpeg", Width: 2560, Height: 1600, Filesize: 5},
		Width: 2560, Height: 1600, Filesize: 5,
		Sizes: []media.File{
			{SizeName: "medium", Name: "horizon-300x188.jpg", Key: "s1", MIME: "image/jpeg", Width: 300, Height: 188, Filesize: 3},
			{SizeName: "thumbnail", Name: "horizon-150x150.jpg", Key: "s2", MIME: "image/jpeg", Width: 150, Height: 150, Filesize: 2},
		},
		Meta:          &media.ImageMeta{Camera: "X", Keywords: []string{}},
		OriginalWidth: 3840, OriginalHeight: 2400,
	}
	// Done twice (a redelivery): same rows.
	for range 2 {
		if err := store.RecordRenditions(ctx, m.ID, job.Seq, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := store.FindMediaByID(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != media.StatusReady || got.File != "horizon-scaled.jpg" || got.Width != 2560 || len(got.Files) != 4 {
		t.Fatalf("got status %s file %s width %d files %d", got.Status, got.File, got.Width, len(got.Files))
	}
	if got.OriginalImage() != "horizon.jpg" || got.ImageMeta == nil || got.ImageMeta.Camera != "X" {
		t.Fatalf("original_image %q meta %+v", got.OriginalImage(), got.ImageMeta)
	}
	if names := got.Renditions(); names[0].SizeName != "medium" || names[1].SizeName != "thumbnail" {
		t.Fatalf("order %+v", names)
	}
	f, vis, author, err := store.FindFileByPath(ctx, "2026/11/horizon-300x188.jpg")
	if err != nil || f.Key != "s1" || vis != media.VisibilityInherit || author != u.ID {
		t.Fatalf("file by path: %+v %s %v", f, vis, err)
	}

	// A newer job supersedes the first: the old one can no longer record.
	job2, err := store.RequeueMedia(ctx, m.ID, []string{"large"}, nil)
	if err != nil || job2.Seq != job.Seq+1 {
		t.Fatalf("requeue: %+v %v", job2, err)
	}
	if err := store.RecordRenditions(ctx, m.ID, job.Seq, r); media.ErrorCode(err) != media.CodeConflict {
		t.Fatalf("stale record: %v", err)
	}
	if err := store.FailMedia(ctx, m.ID, job2.Seq, "bad file"); err != nil {
		t.Fatal(err)
	}
	got, _ = store.FindMediaByID(ctx, m.ID)
	if got.Status != media.StatusFailed || got.StatusError != "bad file" {
		t.Fatalf("status %s %q", got.Status, got.StatusError)
	}
	if _, err := store.FindMediaByID(ctx, 999999); media.ErrorCode(err) != media.CodeNotFound {
		t.Fatalf("missing: %v", err)
	}
}

func TestCreateDocumentJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, outbox, u := newStores(t)
	mime := "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	m := &media.Media{AuthorID: u.ID, MIME: mime, Dir: "2026/11", Stem: "letter", Ext: "docx", OriginalFilesize: 10}
	job, err := store.CreateMedia(ctx, m, media.File{Key: "docx", MIME: mime}, nil)
	if err != nil || job != nil || m.Status != media.StatusReady {
		t.Fatalf("job %+v status %s: %v", job, m.Status, err)
	}
	// No job; only the event that it is ready.
	got := drain(t, outbox)
	if len(got) != 1 || len(got["media.events.ready"]) != 1 {
		t.Fatalf("a document queued %v", func() map[string]int {
			n := map[string]int{}
			for k, v := range got {
				n[k] = len(v)
			}
			return n
		}())
	}

	// A PDF is processing until its preview job is recorded, with its
	// sizes and page count; a post-process of it is a preview job too.
	pdf := &media.Media{AuthorID: u.ID, MIME: "application/pdf", Dir: "2026/11", Stem: "manual", Ext: "pdf", OriginalFilesize: 10}
	job, err = store.CreateMedia(ctx, pdf, media.File{Key: "pdf", MIME: "application/pdf"}, nil)
	if err != nil || job == nil || job.Kind != media.JobPreview || pdf.Status != media.StatusProcessing {
		t.Fatalf("PDF: job %+v status %s: %v", job, pdf.Status, err)
	}
	thumb := media.File{SizeName: "thumbnail", Name: "manual-pdf-106x150.jpg", Key: "k-thumb", MIME: "image/jpeg", Width: 106, Height: 150}
	full := media.File{SizeName: "full", Name: "manual-pdf.jpg", Key: "k-full", MIME: "image/jpeg", Width: 1059, Height: 1497}
	if err := store.RecordRenditions(ctx, pdf.ID, job.Seq, media.Renditions{Filesize: 10, Sizes: []media.File{thumb, full}, Facts: &media.Facts{Pages: 73}}); err != nil {
		t.Fatal(err)
	}
	got2, err := store.FindMediaByID(ctx, pdf.ID)
	if err != nil || got2.Status != media.StatusReady || got2.Facts == nil || got2.Facts.Pages != 73 || len(got2.Renditions()) != 2 || got2.File != "manual.pdf" {
		t.Fatalf("recorded PDF %+v %v", got2, err)
	}
	again, err := store.RequeueMedia(ctx, pdf.ID, []string{"medium"}, nil)
	if err != nil || again == nil || again.Kind != media.JobPreview || len(again.Sizes) != 0 {
		t.Fatalf("post-process of a PDF: %+v %v", again, err)
	}
}

// TestRecordRenditionsSharedFile checks what an upright 3:4 photo needs:
// medium_large and large come out 768×1024 and name one file, as in
// WordPress. Both sizes are recorded, the item is ready, the file's URL path
// resolves to it, and a redelivered job records the same. Another item may
// still not hold that path.
func TestRecordRenditionsSharedFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, u := newStores(t)
	m := newItem(u, "portrait", "")
	job, err := store.CreateMedia(ctx, m, media.File{Key: "k-portrait", MIME: "image/jpeg"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	shared := media.File{Name: "portrait-768x1024.jpg", Key: m.Key + "/768", MIME: "image/jpeg", Width: 768, Height: 1024, Filesize: 5}
	ml, large := shared, shared
	ml.SizeName, large.SizeName = "medium_large", "large"
	r := media.Renditions{Width: 2560, Height: 3413, Filesize: 10, Sizes: []media.File{
		{SizeName: "medium", Name: "portrait-225x300.jpg", Key: m.Key + "/225", MIME: "image/jpeg", Width: 225, Height: 300},
		large, ml,
	}}
	for range 2 { // the second time: a redelivery
		if err := store.RecordRenditions(ctx, m.ID, job.Seq, r); err != nil {
			t.Fatalf("record: %v", err)
		}
	}
	got, err := store.FindMediaByID(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != media.StatusReady {
		t.Fatalf("status %s", got.Status)
	}
	names := map[string]string{}
	for _, f := range got.Files {
		names[f.SizeName] = f.Name
	}
	if names["large"] != shared.Name || names["medium_large"] != shared.Name {
		t.Fatalf("sizes: %v", names)
	}
	f, _, _, err := store.FindFileByPath(ctx, "2026/11/"+shared.Name)
	if err != nil || f.Key != shared.Key {
		t.Fatalf("file by path: %+v, %v", f, err)
	}
	// A post-process of one of the two sizes alone records it again.
	job, err = store.RequeueMedia(ctx, m.ID, []string{"medium_large"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Sizes = []media.File{ml}
	if err := store.RecordRenditions(ctx, m.ID, job.Seq, r); err != nil {
		t.Fatalf("record one of a shared pair: %v", err)
	}
	if f, _, _, err := store.FindFileByPath(ctx, "2026/11/"+shared.Name); err != nil || f.Key != shared.Key {
		t.Fatalf("file by path after: %+v, %v", f, err)
	}

	// Another item naming the same path is a fault, not a share: it is
	// not wanted-or-not, it is a conflict that must be retried and seen.
	other := newItem(u, "other", "")
	job, err = store.CreateMedia(ctx, other, media.File{Key: "k-other", MIME: "image/jpeg"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = store.RecordRenditions(ctx, other.ID, job.Seq, media.Renditions{Width: 1, Height: 1, Sizes: []media.File{ml}})
	if media.ErrorCode(err) != media.CodeConflict || errors.Is(err, media.ErrSuperseded) || errors.Is(err, media.ErrGone) {
		t.Fatalf("another item's file at the same path: %v", err)
	}
}

// TestJobWritesSayWhy checks that a store answers a superseded job and a
// deleted item with the sentinels a worker drops jobs for.
func TestJobWritesSayWhy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, u := newStores(t)
	m := newItem(u, "why", "")
	job, err := store.CreateMedia(ctx, m, media.File{Key: "k-why", MIME: "image/jpeg"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.RequeueMedia(ctx, m.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := store.RecordRenditions(ctx, m.ID, job.Seq, media.Renditions{}); !errors.Is(err, media.ErrSuperseded) {
		t.Fatalf("superseded: %v", err)
	}
	if err := store.FailMedia(ctx, m.ID+1000, 1, "x"); !errors.Is(err, media.ErrGone) {
		t.Fatalf("gone: %v", err)
	}
}
