package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
)

// TestCreateMediaAskedFields checks that what a WordPress create request
// sets is stored with the row itself: the slug asked for (sanitized, made
// unique), the visibility, the date and the discussion settings; and that
// unset ones keep WordPress's defaults.
func TestCreateMediaAskedFields(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, u := newStores(t)

	create := func(m *media.Media) *media.Media {
		t.Helper()
		if _, err := store.CreateMedia(ctx, m, media.File{Key: "k-" + m.Stem, MIME: "image/jpeg"}, nil); err != nil {
			t.Fatal(err)
		}
		got, err := store.FindMediaByID(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	date := time.Date(2017, 2, 14, 10, 0, 0, 0, time.UTC)
	m := newItem(u, "asked", "A title")
	m.Slug, m.Visibility, m.CreatedAt, m.CommentStatus, m.PingStatus = "My Slug", media.VisibilityPrivate, date, "closed", "open"
	got := create(m)
	if got.Slug != "my-slug" || got.Visibility != media.VisibilityPrivate || !got.CreatedAt.Equal(date) ||
		got.CommentStatus != "closed" || got.PingStatus != "open" {
		t.Fatalf("stored %q %q %v %q %q", got.Slug, got.Visibility, got.CreatedAt, got.CommentStatus, got.PingStatus)
	}
	if m.Slug != got.Slug || !m.CreatedAt.Equal(date) || m.Visibility != media.VisibilityPrivate {
		t.Fatalf("m not updated with what was stored: %q %v %q", m.Slug, m.CreatedAt, m.Visibility)
	}
	if got.UpdatedAt.Before(time.Now().Add(-time.Hour)) {
		t.Fatalf("updated_at %v: a back-dated item is still modified now", got.UpdatedAt)
	}

	// The same slug again gets WordPress's -2; a title's slug takes the
	// asked one into account too.
	m = newItem(u, "asked2", "")
	m.Slug = "my-slug"
	if got := create(m); got.Slug != "my-slug-2" {
		t.Fatalf("second slug %q", got.Slug)
	}
	if got := create(newItem(u, "asked3", "My Slug")); got.Slug != "my-slug-3" {
		t.Fatalf("title slug %q", got.Slug)
	}
	// A reserved slug and one that sanitizes to nothing.
	m = newItem(u, "asked4", "Fallback Title")
	m.Slug = "feed"
	if got := create(m); got.Slug != "feed-2" {
		t.Fatalf("reserved slug %q", got.Slug)
	}
	m = newItem(u, "asked5", "Fallback Title")
	m.Slug = "!!!"
	if got := create(m); got.Slug != "fallback-title" {
		t.Fatalf("empty slug falls back to the title: %q", got.Slug)
	}

	// Nothing asked: inherit, now, open, closed.
	before := time.Now().Add(-time.Minute)
	got = create(newItem(u, "plain", "Plain"))
	if got.Visibility != media.VisibilityInherit || got.CreatedAt.Before(before) || got.CommentStatus != "open" || got.PingStatus != "closed" {
		t.Fatalf("defaults %q %v %q %q", got.Visibility, got.CreatedAt, got.CommentStatus, got.PingStatus)
	}
}

// TestCreateMediaLongTitleSlugs uploads the same long title again and
// again: its suffixed slugs are cut to fit, so the taken ones must be
// looked up by the cut prefix, or the third upload computes -2 again and
// fails on media_slug_key. A slug set by an update is made unique the
// same way.
func TestCreateMediaLongTitleSlugs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, u := newStores(t)
	for _, title := range []string{strings.Repeat("a", 200), strings.Repeat("я", 33) + "ab"} {
		seen := map[string]bool{}
		var last *media.Media
		for i := range 3 {
			m := newItem(u, fmt.Sprintf("long-%d", i), title)
			if _, err := store.CreateMedia(ctx, m, media.File{Key: "k", MIME: "image/jpeg"}, nil); err != nil {
				t.Fatalf("%q upload %d: %v", title, i+1, err)
			}
			if seen[m.Slug] {
				t.Fatalf("%q upload %d: slug %q again", title, i+1, m.Slug)
			}
			seen[m.Slug], last = true, m
		}
		slug := title
		got, err := store.UpdateMedia(ctx, last.ID, media.Update{Slug: &slug})
		if err != nil {
			t.Fatalf("%q update: %v", title, err)
		}
		if got.Slug != last.Slug {
			t.Fatalf("%q update: slug %q, want its own %q back", title, got.Slug, last.Slug)
		}
	}
}
