package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pixelmill/pixelmill/services/media"
)

// UpdateMedia applies u to the item and returns it as stored. A requested
// slug that is taken gets WordPress's numeric suffix.
func (s *MediaStore) UpdateMedia(ctx context.Context, id int64, u media.Update) (*media.Media, error) {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var sets []string
		var args []any
		set := func(col string, v any) {
			args = append(args, v)
			sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
		}
		if u.Title != nil {
			set("title", *u.Title)
		}
		if u.Caption != nil {
			set("caption", *u.Caption)
		}
		if u.Description != nil {
			set("description", *u.Description)
		}
		if u.AltText != nil {
			set("alt_text", *u.AltText)
		}
		if u.AuthorID != nil {
			set("author_id", *u.AuthorID)
		}
		if u.PostID != nil {
			var post *int64
			if *u.PostID > 0 {
				post = u.PostID
			}
			set("post_id", post)
		}
		if u.Visibility != nil {
			set("visibility", string(*u.Visibility))
		}
		if u.CommentStatus != nil {
			set("comment_status", *u.CommentStatus)
		}
		if u.PingStatus != nil {
			set("ping_status", *u.PingStatus)
		}
		if u.Template != nil {
			set("template", *u.Template)
		}
		if u.Date != nil {
			set("created_at", *u.Date)
		}
		if u.Slug != nil {
			slug := media.Slugify(*u.Slug)
			taken, err := takenNames(ctx, tx, `SELECT slug FROM media WHERE slug LIKE $1 ESCAPE '\' AND id <> $2`, likePrefix(media.SlugPrefix(slug)), id)
			if err != nil {
				return err
			}
			set("slug", media.UniqueSlug(slug, taken))
		}
		if len(sets) == 0 {
			return nil
		}
		args = append(args, id)
		tag, err := tx.Exec(ctx, "UPDATE media SET "+strings.Join(sets, ", ")+fmt.Sprintf(", updated_at = now() WHERE id = $%d", len(args)), args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return pgx.ErrNoRows
		}
		return nil
	})
	if err != nil {
		return nil, translate(err, "media")
	}
	return s.FindMediaByID(ctx, id)
}

// DeleteMedia removes the item and its file rows and returns it as it was,
// so the caller can remove its objects. Jobs still in flight for it find
// no row and drop themselves.
func (s *MediaStore) DeleteMedia(ctx context.Context, id int64) (*media.Media, error) {
	m, err := s.FindMediaByID(ctx, id)
	if err != nil {
		return nil, err
	}
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM media WHERE id = $1`, id)
	if err != nil {
		return nil, translate(err, "media")
	}
	if tag.RowsAffected() == 0 {
		return nil, media.Errorf(media.CodeNotFound, "media not found")
	}
	return m, nil
}
