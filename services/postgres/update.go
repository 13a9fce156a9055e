package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/pixelmill/pixelmill/services/media"
)

// UpdateMedia applies u to the item, its attachment's fields too, and
// returns it as WordPress holds it. A requested slug that is taken gets
// WordPress's numeric suffix.
func (s *MediaStore) UpdateMedia(ctx context.Context, id int64, u media.Update) (*media.Attachment, error) {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var a assignments
		if u.Title != nil {
			a.set("title", *u.Title)
			a.set("title_default", false)
		}
		if u.AuthorID != nil {
			a.set("author_id", *u.AuthorID)
		}
		if u.Visibility != nil {
			a.set("visibility", string(*u.Visibility))
		}
		if u.Date != nil {
			a.set("created_at", *u.Date)
		}
		post, err := updateAttachment(ctx, tx, id, u.Post)
		if err != nil {
			return err
		}
		if a.empty() && !post {
			return nil
		}
		// The item changed, as a whole: its date moves and the API
		// replicas hear of it (009), whichever table changed.
		n, err := a.update(ctx, tx, "media", "id", id, "updated_at = now()")
		if err == nil && n == 0 {
			err = pgx.ErrNoRows
		}
		return err
	})
	if err != nil {
		return nil, translate(err, "media")
	}
	return s.FindAttachment(ctx, id)
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
