package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/postgres"
	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

func TestAPIKeysAndWebhooks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgrestest.NewDB(t)
	users := postgres.NewUserStore(db)
	u := &media.User{Login: "root", Role: media.RoleAdministrator, PasswordHash: "x"}
	if _, err := users.EnsureUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	u, _ = users.FindUserByLogin(ctx, "root")
	keys := postgres.NewAPIKeyStore(db)
	k := &media.APIKey{UserID: u.ID, Name: "ci", Prefix: "pm_abcdef", Hash: []byte("0123456789abcdef0123456789abcdef"), Scopes: []media.Scope{media.ScopeRead}}
	if err := keys.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := keys.CreateAPIKey(ctx, &media.APIKey{UserID: u.ID, Prefix: "pm_x", Hash: k.Hash, Scopes: k.Scopes}); media.ErrorCode(err) != media.CodeConflict {
		t.Fatalf("a second key with the same hash: %v", err)
	}
	got, err := keys.FindAPIKeyByHash(ctx, k.Hash)
	if err != nil || got.ID != k.ID || !got.Allows(media.ScopeRead) || got.Allows(media.ScopeWrite) || got.LastUsedAt != nil {
		t.Fatalf("find by hash: %+v %v", got, err)
	}
	if err := keys.TouchAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ = keys.FindAPIKeyByHash(ctx, k.Hash); got.LastUsedAt == nil {
		t.Fatal("last_used_at not set")
	}

	// Webhooks belong to their key; another key can't delete them.
	wh := &media.Webhook{APIKeyID: k.ID, URL: "https://example.com/hook", Events: []media.EventType{media.EventReady}, Secret: "whsec_x"}
	if err := keys.CreateWebhook(ctx, wh); err != nil {
		t.Fatal(err)
	}
	hooks, err := keys.FindWebhooks(ctx, k.ID)
	if err != nil || len(hooks) != 1 || !hooks[0].Wants(media.EventReady) || hooks[0].Wants(media.EventFailed) || hooks[0].Secret != "whsec_x" {
		t.Fatalf("webhooks: %+v %v", hooks, err)
	}
	if err := keys.RecordWebhookAttempt(ctx, wh.ID, time.Now(), 503, "busy"); err != nil {
		t.Fatal(err)
	}
	if one, err := keys.FindWebhook(ctx, wh.ID); err != nil || one.LastStatus != 503 || one.LastError != "busy" || one.LastAttemptAt == nil {
		t.Fatalf("after an attempt: %+v %v", one, err)
	}
	if err := keys.DeleteWebhook(ctx, k.ID+1, wh.ID); media.ErrorCode(err) != media.CodeNotFound {
		t.Fatalf("delete by another key: %v", err)
	}
	if _, err := keys.FindWebhook(ctx, "not-a-uuid"); media.ErrorCode(err) != media.CodeNotFound {
		t.Fatalf("bad id: %v", err)
	}

	// Revoked keys are not found, and revoke twice is not found.
	if _, err := keys.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.FindAPIKeyByHash(ctx, k.Hash); media.ErrorCode(err) != media.CodeNotFound {
		t.Fatalf("revoked key found: %v", err)
	}
	if _, err := keys.RevokeAPIKey(ctx, k.ID); media.ErrorCode(err) != media.CodeNotFound {
		t.Fatalf("revoke twice: %v", err)
	}
	all, err := keys.FindAPIKeys(ctx)
	if err != nil || len(all) != 1 || all[0].RevokedAt == nil {
		t.Fatalf("list: %+v %v", all, err)
	}
}

func newStoresDB(t *testing.T) (*postgres.DB, *postgres.MediaStore, *postgres.OutboxStore, *media.User) {
	t.Helper()
	db := postgrestest.NewDB(t)
	users := postgres.NewUserStore(db)
	if _, err := users.EnsureUser(context.Background(), &media.User{Login: "editor", Role: media.RoleEditor, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	u, err := users.FindUserByLogin(context.Background(), "editor")
	if err != nil {
		t.Fatal(err)
	}
	return db, postgres.NewMediaStore(db), postgres.NewOutboxStore(db), u
}

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// drain relays every pending outbox message and returns them by subject.
func drain(t *testing.T, outbox *postgres.OutboxStore) map[string][][]byte {
	t.Helper()
	got := map[string][][]byte{}
	if _, err := outbox.RelayPending(context.Background(), 1000, func(_ context.Context, m media.OutboxMessage) error {
		got[m.Subject] = append(got[m.Subject], m.Payload)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestPresignedUploadLifecycleAndEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, store, outbox, u := newStoresDB(t)
	keyID := int64(0)
	// A key row for the item to belong to.
	if err := db.Pool.QueryRow(ctx, `INSERT INTO api_keys (user_id, prefix, hash, scopes) VALUES ($1, 'pm_', 'h', '{read}') RETURNING id`, u.ID).Scan(&keyID); err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(-time.Minute) // already expired, for the sweep below
	m := &media.Media{AuthorID: u.ID, MIME: "image/jpeg", Dir: "2026/11", Stem: "up", Ext: "jpg", Status: media.StatusUploading,
		UploadSize: 1234, UploadExpires: &expires, APIKeyID: &keyID, Visibility: media.VisibilityPrivate}
	job, err := store.CreateMedia(ctx, m, media.File{Key: "media/x/original", MIME: "image/jpeg"}, nil)
	if err != nil || job != nil || m.Status != media.StatusUploading {
		t.Fatalf("create uploading: job %+v status %s err %v", job, m.Status, err)
	}
	if n := len(drain(t, outbox)); n != 0 {
		t.Fatalf("an uploading item queued %d subjects", n)
	}
	// Lists hide it unless asked; the key's library shows it.
	all := []media.Visibility{media.VisibilityInherit, media.VisibilityPrivate}
	if items, _, _ := store.FindAttachments(ctx, media.Filter{Visibilities: all, Limit: 10}); len(items) != 0 {
		t.Fatalf("listed while uploading: %d", len(items))
	}
	if items, _, _ := store.FindAttachments(ctx, media.Filter{Visibilities: all, APIKeyID: &keyID, IncludeUploading: true, Limit: 10}); len(items) != 1 || items[0].UploadSize != 1234 {
		t.Fatalf("key library: %+v", items)
	}
	// Post-process can't start an item that has no file yet.
	if _, err := store.RequeueMedia(ctx, m.ID, nil, nil); media.ErrorCode(err) != media.CodeNotFound {
		t.Fatalf("requeue while uploading: %v", err)
	}

	job, done, err := store.CompleteUpload(ctx, m.ID, postgres.UploadCheck{Width: 640, Height: 480, Filesize: 1234}, nil)
	if err != nil || !done || job == nil || job.Seq != 1 || job.MediaKey != m.Key {
		t.Fatalf("complete: %+v %v %v", job, done, err)
	}
	job2, done2, err := store.CompleteUpload(ctx, m.ID, postgres.UploadCheck{Filesize: 1}, nil)
	if err != nil || done2 || job2 != nil {
		t.Fatalf("second complete must change nothing: %+v %v %v", job2, done2, err)
	}
	got, err := store.FindMediaByKey(ctx, m.Key)
	if err != nil || got.Status != media.StatusProcessing || got.OriginalFilesize != 1234 || got.UploadExpires != nil || *got.APIKeyID != keyID {
		t.Fatalf("after complete: %+v %v", got, err)
	}
	if n := len(drain(t, outbox)["media.jobs.renditions"]); n != 1 {
		t.Fatalf("jobs after complete: %d", n)
	}

	// The worker's result commits with its event, which names the key.
	if err := store.RecordRenditions(ctx, m.ID, 1, media.Renditions{Width: 640, Height: 480, Filesize: 1234}); err != nil {
		t.Fatal(err)
	}
	events := drain(t, outbox)["media.events.ready"]
	if len(events) != 1 {
		t.Fatalf("ready events: %d", len(events))
	}
	var ev media.Event
	if err := json.Unmarshal(events[0], &ev); err != nil || ev.Type != media.EventReady || ev.MediaKey != m.Key || ev.APIKeyID == nil || *ev.APIKeyID != keyID || ev.ID == "" {
		t.Fatalf("event %s: %v", events[0], err)
	}
	if err := store.FailMedia(ctx, m.ID, 1, "broken"); err != nil {
		t.Fatal(err)
	}
	if failed := drain(t, outbox)["media.events.failed"]; len(failed) != 1 {
		t.Fatalf("failed events: %d", len(failed))
	}

	// An expired upload that never completed is removed by the sweep;
	// a completed one is not.
	stale := &media.Media{AuthorID: u.ID, MIME: "image/png", Dir: "2026/11", Stem: "stale", Ext: "png", Status: media.StatusUploading,
		UploadSize: 1, UploadExpires: &expires, APIKeyID: &keyID, Visibility: media.VisibilityPrivate}
	if _, err := store.CreateMedia(ctx, stale, media.File{Key: "media/y/original", MIME: "image/png"}, nil); err != nil {
		t.Fatal(err)
	}
	gone, err := store.DeleteExpiredUploads(ctx, time.Now(), 10)
	if err != nil || len(gone) != 1 || gone[0].Key != stale.Key {
		t.Fatalf("expired: %+v %v", gone, err)
	}
	if _, err := store.FindMediaByKey(ctx, stale.Key); media.ErrorCode(err) != media.CodeNotFound {
		t.Fatalf("expired upload still there: %v", err)
	}
	if _, err := store.FindMediaByKey(ctx, m.Key); err != nil {
		t.Fatalf("completed item swept: %v", err)
	}
}

// TestMediaChangesNotify checks that every change to an item or its files
// is announced on MediaChannel with the item's id, once per transaction.
func TestMediaChangesNotify(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, store, _, u := newStoresDB(t)
	ids := make(chan string, 100)
	go db.Listen(ctx, postgres.MediaChannel, slogDiscard(), func(ev postgres.ListenEvent, payload string) {
		ids <- fmt.Sprint(ev, ":", payload)
	})
	next := func(what string) string {
		t.Helper()
		select {
		case got := <-ids:
			return got
		case <-time.After(10 * time.Second):
			t.Fatalf("no notification after %s", what)
			return ""
		}
	}
	if got := next("LISTEN"); got != fmt.Sprint(postgres.Listening, ":") {
		t.Fatalf("first event %q", got)
	}
	m := newItem(u, "notify", "")
	if _, err := store.CreateMedia(ctx, m, media.File{Key: "k", MIME: "image/jpeg"}, nil); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint(postgres.Notified, ":", m.ID)
	if got := next("create"); got != want {
		t.Fatalf("create: %q, want %q", got, want)
	}
	title := "changed"
	if _, err := store.UpdateMedia(ctx, m.ID, media.Update{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if got := next("update"); got != want {
		t.Fatalf("update: %q, want %q", got, want)
	}
	if err := store.RecordRenditions(ctx, m.ID, 1, media.Renditions{Width: 5, Height: 5, Sizes: []media.File{{SizeName: "medium", Name: "n-5x5.jpg", Key: "k2"}}}); err != nil {
		t.Fatal(err)
	}
	if got := next("renditions"); got != want {
		t.Fatalf("renditions: %q, want %q", got, want)
	}
	// A rendition for image URL parameters is not part of the item read.
	if err := store.RecordDerived(ctx, m.ID, "k", media.File{SizeName: "width=10", Name: "n~abc.jpg", Key: "k3"}); err != nil {
		t.Fatal(err)
	}
	select {
	case extra := <-ids:
		t.Fatalf("a derived file announced %q", extra)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := store.DeleteMedia(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if got := next("delete"); got != want {
		t.Fatalf("delete: %q, want %q", got, want)
	}
	select {
	case extra := <-ids:
		t.Fatalf("more than one notification a transaction: %q", extra)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := db.Pool.Exec(ctx, `TRUNCATE media_files`); err != nil {
		t.Fatal(err)
	}
	if got := next("truncate"); got != fmt.Sprint(postgres.Notified, ":all") {
		t.Fatalf("truncate: %q", got)
	}
}

func TestListenWakesOnOutboxCommit(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, store, _, u := newStoresDB(t)
	woken := make(chan struct{}, 10)
	go db.Listen(ctx, postgres.OutboxChannel, slogDiscard(), func(ev postgres.ListenEvent, _ string) {
		if ev != postgres.Lost {
			woken <- struct{}{}
		}
	})
	select {
	case <-woken: // the wake after LISTEN starts
	case <-time.After(10 * time.Second):
		t.Fatal("no wake after LISTEN")
	}
	start := time.Now()
	if _, err := store.CreateMedia(ctx, newItem(u, "wake", ""), media.File{Key: "k", MIME: "image/jpeg"}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woken:
		t.Logf("woken %s after the commit began", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("a committed job did not wake the listener")
	}
}
