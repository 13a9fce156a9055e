package core

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
	"github.com/pixelmill/pixelmill/services/objstore/objstoretest"
	"github.com/pixelmill/pixelmill/services/postgres"
	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

type kicks int

func (k *kicks) Kick() { *k++ }

func newService(t *testing.T) (*Service, *postgres.DB, *objstore.Store, *kicks) {
	t.Helper()
	db := postgrestest.NewDB(t)
	objects, _ := objstoretest.NewStore(t)
	k := new(kicks)
	return New(postgres.NewMediaStore(db), objects, k, NewURLSigner([]byte("test"), time.Hour), slog.New(slog.NewTextHandler(io.Discard, nil))), db, objects, k
}

// newUploads records an upload named stem by an author (made on first use),
// processing with its first job.
func newUploads(t *testing.T, db *postgres.DB, stem string) *media.Media {
	t.Helper()
	ctx := context.Background()
	users := postgres.NewUserStore(db)
	if _, err := users.EnsureUser(ctx, &media.User{Login: "a", Role: media.RoleAuthor, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	u, err := users.FindUserByLogin(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	m := &media.Media{AuthorID: u.ID, MIME: "image/jpeg", Dir: "2026/11", Stem: stem, Ext: "jpg"}
	if _, err := postgres.NewMediaStore(db).CreateMedia(ctx, m, media.File{Key: "k-" + stem, MIME: m.MIME}, nil); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReconcileRequeuesStuckItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, db, _, k := newService(t)
	store := postgres.NewMediaStore(db)
	stuck := newUploads(t, db, "stuck")
	newUploads(t, db, "fresh") // recent: left alone
	if _, err := db.Pool.Exec(ctx, `UPDATE media SET job_at = now() - interval '1 hour' WHERE id = $1`, stuck.ID); err != nil {
		t.Fatal(err)
	}
	n, _, err := svc.Reconcile(ctx, 15*time.Minute, 3)
	if err != nil || n != 1 || *k != 1 {
		t.Fatalf("requeued %d (kicks %d): %v", n, *k, err)
	}
	got, _ := store.FindMediaByID(ctx, stuck.ID)
	if got.JobSeq != 2 || got.Status != media.StatusProcessing {
		t.Fatalf("stuck item: seq %d status %s", got.JobSeq, got.Status)
	}
	var jobs int
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE convert_from(payload, 'UTF8') LIKE '%"seq":2%'`).Scan(&jobs)
	if jobs != 1 {
		t.Fatalf("outbox has %d new jobs", jobs)
	}
	// Its clock restarted: nothing is stuck now.
	if n, _, _ := svc.Reconcile(ctx, 15*time.Minute, 3); n != 0 {
		t.Fatalf("requeued %d again", n)
	}
}

// TestReconcileBound checks the last line of defence: an item that never
// gets an outcome, whatever its jobs do, gets maxReissues new jobs and then
// fails with a reason a person can read, and its failure is announced. A
// later post-process has the whole bound again.
func TestReconcileBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, db, _, _ := newService(t)
	store := postgres.NewMediaStore(db)
	m := newUploads(t, db, "never")
	// The item's job is an hour old, while its row changed just now: an
	// edit of its title or place must not keep it processing for ever.
	age := func() {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, `UPDATE media SET job_at = now() - interval '1 hour', updated_at = now() WHERE id = $1`, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	const bound = 2
	for i := 1; i <= bound; i++ {
		age()
		requeued, failed, err := svc.Reconcile(ctx, 15*time.Minute, bound)
		if err != nil || requeued != 1 || failed != 0 {
			t.Fatalf("round %d: requeued %d failed %d: %v", i, requeued, failed, err)
		}
	}
	age()
	requeued, failed, err := svc.Reconcile(ctx, 15*time.Minute, bound)
	if err != nil || requeued != 0 || failed != 1 {
		t.Fatalf("past the bound: requeued %d failed %d: %v", requeued, failed, err)
	}
	got, _ := store.FindMediaByID(ctx, m.ID)
	if got.Status != media.StatusFailed || !strings.Contains(got.StatusError, "2 new jobs") || got.JobSeq != 1+bound {
		t.Fatalf("item: status %s seq %d error %q", got.Status, got.JobSeq, got.StatusError)
	}
	var events int
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE subject = 'media.events.failed' AND convert_from(payload, 'UTF8') ~ $1`,
		`"media_id":`+strconv.FormatInt(m.ID, 10)+`[,}]`).Scan(&events)
	if events != 1 {
		t.Fatalf("%d failure events in the outbox", events)
	}
	// Failed items are left alone, and a new request starts the count over.
	if requeued, failed, _ := svc.Reconcile(ctx, 0, bound); requeued+failed != 0 {
		t.Fatalf("a failed item was touched again: %d, %d", requeued, failed)
	}
	if _, err := store.RequeueMedia(ctx, m.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	age()
	if requeued, failed, _ := svc.Reconcile(ctx, 15*time.Minute, bound); requeued != 1 || failed != 0 {
		t.Fatalf("after a post-process: requeued %d failed %d", requeued, failed)
	}
	// A post-process asked for while the item is still stuck also starts
	// the count over: its job has the whole bound.
	if _, err := store.RequeueMedia(ctx, m.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= bound; i++ {
		age()
		if requeued, failed, _ := svc.Reconcile(ctx, 15*time.Minute, bound); requeued != 1 || failed != 0 {
			t.Fatalf("post-process while stuck, round %d: requeued %d failed %d", i, requeued, failed)
		}
	}
}

func TestSweepRemovesOnlyOrphans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, db, objects, _ := newService(t)
	users := postgres.NewUserStore(db)
	if _, err := users.EnsureUser(ctx, &media.User{Login: "a", Role: media.RoleAuthor, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	u, _ := users.FindUserByLogin(ctx, "a")
	kept := &media.Media{AuthorID: u.ID, MIME: "image/jpeg", Dir: "2026/11", Stem: "kept", Ext: "jpg", Key: uuid.NewString()}
	if _, err := postgres.NewMediaStore(db).CreateMedia(ctx, kept, media.File{Key: objstore.OriginalKey(kept.Key), MIME: "image/jpeg"}, nil); err != nil {
		t.Fatal(err)
	}
	orphan := uuid.NewString()
	for _, key := range []string{objstore.OriginalKey(kept.Key), objstore.OriginalKey(orphan), objstore.FileKey(orphan, "x-300x200.jpg")} {
		if _, err := objects.Put(ctx, key, strings.NewReader("data"), 4, "image/jpeg"); err != nil {
			t.Fatal(err)
		}
	}
	// Young orphans may belong to an upload under way: they stay.
	if n, err := svc.Sweep(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("swept %d young objects: %v", n, err)
	}
	n, err := svc.Sweep(ctx, time.Nanosecond)
	if err != nil || n != 2 {
		t.Fatalf("swept %d: %v", n, err)
	}
	left, _ := objects.ListInfo(ctx, "media/")
	if len(left) != 1 || left[0].Key != objstore.OriginalKey(kept.Key) {
		t.Fatalf("left %v", left)
	}
}
