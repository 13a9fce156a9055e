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

	// create stores m with the attachment fields asked for, checks that
	// they were given back as stored, and reads the item back.
	create := func(m *media.Media, asked media.AttachmentFields) *media.Attachment {
		t.Helper()
		post := asked
		if _, err := store.CreateMediaWith(ctx, m, media.File{Key: "k-" + m.Stem, MIME: "image/jpeg"}, media.Facets{Post: &post}, nil); err != nil {
			t.Fatal(err)
		}
		got, err := store.FindAttachment(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if post != got.AttachmentFields {
			t.Fatalf("the fields given back %+v, stored %+v", post, got.AttachmentFields)
		}
		return got
	}

	date := time.Date(2017, 2, 14, 10, 0, 0, 0, time.UTC)
	m := newItem(u, "asked", "A title")
	m.Visibility, m.CreatedAt = media.VisibilityPrivate, date
	got := create(m, media.AttachmentFields{Slug: "My Slug", CommentStatus: "closed", PingStatus: "open", Caption: "A caption", AltText: "Alt"})
	if got.Slug != "my-slug" || got.Visibility != media.VisibilityPrivate || !got.CreatedAt.Equal(date) ||
		got.CommentStatus != "closed" || got.PingStatus != "open" || got.Caption != "A caption" || got.AltText != "Alt" {
		t.Fatalf("stored %q %q %v %q %q %q %q", got.Slug, got.Visibility, got.CreatedAt, got.CommentStatus, got.PingStatus, got.Caption, got.AltText)
	}
	if !m.CreatedAt.Equal(date) || m.Visibility != media.VisibilityPrivate {
		t.Fatalf("m not updated with what was stored: %v %q", m.CreatedAt, m.Visibility)
	}
	if got.UpdatedAt.Before(time.Now().Add(-time.Hour)) {
		t.Fatalf("updated_at %v: a back-dated item is still modified now", got.UpdatedAt)
	}

	// The same slug again gets WordPress's -2; a title's slug takes the
	// asked one into account too.
	if got := create(newItem(u, "asked2", ""), media.AttachmentFields{Slug: "my-slug"}); got.Slug != "my-slug-2" {
		t.Fatalf("second slug %q", got.Slug)
	}
	if got := create(newItem(u, "asked3", "My Slug"), media.AttachmentFields{}); got.Slug != "my-slug-3" {
		t.Fatalf("title slug %q", got.Slug)
	}
	// A reserved slug and one that sanitizes to nothing.
	if got := create(newItem(u, "asked4", "Fallback Title"), media.AttachmentFields{Slug: "feed"}); got.Slug != "feed-2" {
		t.Fatalf("reserved slug %q", got.Slug)
	}
	if got := create(newItem(u, "asked5", "Fallback Title"), media.AttachmentFields{Slug: "!!!"}); got.Slug != "fallback-title" {
		t.Fatalf("empty slug falls back to the title: %q", got.Slug)
	}

	// Nothing asked: inherit, now, open, closed.
	before := time.Now().Add(-time.Minute)
	got = create(newItem(u, "plain", "Plain"), media.AttachmentFields{})
	if got.Visibility != media.VisibilityInherit || got.CreatedAt.Before(before) || got.CommentStatus != "open" || got.PingStatus != "closed" {
		t.Fatalf("defaults %q %v %q %q", got.Visibility, got.CreatedAt, got.CommentStatus, got.PingStatus)
	}
}

// TestCreateMediaLongTitleSlugs uploads the same long title again and
// again: its suffixed slugs are cut to fit, so the taken ones must be
// looked up by the cut prefix, or the third upload computes -2 again and
// fails on wp_attachments_slug_key. A slug set by an update is made unique the
// same way.
func TestCreateMediaLongTitleSlugs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, u := newStores(t)
	for _, title := range []string{strings.Repeat("a", 200), strings.Repeat("я", 33) + "ab"} {
		seen := map[string]bool{}
		var last *media.Attachment
		for i := range 3 {
			m := newItem(u, fmt.Sprintf("long-%d", i), title)
			post := &media.AttachmentFields{}
			if _, err := store.CreateMediaWith(ctx, m, media.File{Key: "k", MIME: "image/jpeg"}, media.Facets{Post: post}, nil); err != nil {
				t.Fatalf("%q upload %d: %v", title, i+1, err)
			}
			if seen[post.Slug] {
				t.Fatalf("%q upload %d: slug %q again", title, i+1, post.Slug)
			}
			seen[post.Slug], last = true, &media.Attachment{Media: m, AttachmentFields: *post}
		}
		slug := title
		got, err := store.UpdateMedia(ctx, last.ID, media.Update{Post: media.AttachmentUpdate{Slug: &slug}})
		if err != nil {
			t.Fatalf("%q update: %v", title, err)
		}
		if got.Slug != last.Slug {
			t.Fatalf("%q update: slug %q, want its own %q back", title, got.Slug, last.Slug)
		}
	}
}
