package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/postgres"
	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

// BenchmarkLibraryPages measures the queries the media library's grid
// makes (WordPress's list, 40 a page, newest first) on 10,000 items: the
// first page, the last one, a search, a processing-status filter and a
// folder. `make bench` runs it; nothing is asserted about speed.
func BenchmarkLibraryPages(b *testing.B) {
	ctx := context.Background()
	db := postgrestest.NewDB(b)
	users := postgres.NewUserStore(db)
	u := &media.User{Login: "bench", Role: media.RoleEditor, PasswordHash: "x"}
	if _, err := users.EnsureUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	u, err := users.FindUserByLogin(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	store := postgres.NewMediaStore(db)
	const items = 10_000
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < items; i += 8 {
				m := &media.Media{AuthorID: u.ID, MIME: "image/jpeg", Dir: fmt.Sprintf("2026/%02d", 1+i%12),
					Stem: fmt.Sprintf("photo-%05d", i), Ext: "jpg", OriginalFilesize: 1000}
				if _, err := store.CreateMediaWith(ctx, m, media.File{Key: "k/" + m.Stem, MIME: m.MIME}, media.Facets{Post: &media.AttachmentFields{}}, nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	page := func(f media.Filter) func(*testing.B) {
		return func(b *testing.B) {
			f.OrderBy, f.Desc, f.Limit = media.OrderDate, true, 40
			for b.Loop() {
				list, total, err := store.FindAttachments(ctx, f)
				if err != nil || (f.Search == "" && total < 40) || len(list) == 0 {
					b.Fatalf("%d of %d: %v", len(list), total, err)
				}
			}
		}
	}
	b.Run("first page of 40", page(media.Filter{}))
	b.Run("last page of 40", page(media.Filter{Offset: items - 40}))
	b.Run("search", page(media.Filter{Search: "photo-0777"}))
	b.Run("processing only", page(media.Filter{Statuses: []media.Status{media.StatusProcessing}}))
	b.Run("top folder, page 100", page(media.Filter{InRootFolder: true, Offset: 99 * 40}))
}
