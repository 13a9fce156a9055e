package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pixelmill/pixelmill/services/media"
)

// WordPress's attachment post: the fields WordPress keeps of an item
// beside its asset, in a table of their own (013). Every item has one.

// fromAttachments joins each item to its attachment: reads name the
// attachment's columns through a.
const fromAttachments = `media JOIN wp_attachments a ON a.media_id = media.id`

// attachmentColumns are selected after mediaColumns by attachment reads.
const attachmentColumns = `a.post_id, a.caption, a.description, a.alt_text, a.slug, a.comment_status, a.ping_status, a.template`

// attachmentDest are the scan targets of attachmentColumns.
func attachmentDest(f *media.AttachmentFields) []any {
	return []any{&f.PostID, &f.Caption, &f.Description, &f.AltText, &f.Slug, &f.CommentStatus, &f.PingStatus, &f.Template}
}

// insertAttachment gives a new item its attachment. The slug is f.Slug
// when set (a slug a client asked for), else made from the title or the
// stem (media.SlugBase), with WordPress's numeric suffix when taken; unset
// discussion settings take WordPress's defaults. f is updated with what
// was stored.
func insertAttachment(ctx context.Context, tx pgx.Tx, m *media.Media, f *media.AttachmentFields) error {
	slug := media.SlugBase(f.Slug, m.Title, m.Stem)
	taken, err := takenNames(ctx, tx, `SELECT slug FROM wp_attachments WHERE slug LIKE $1 ESCAPE '\'`, likePrefix(media.SlugPrefix(slug)))
	if err != nil {
		return err
	}
	f.Slug = media.UniqueSlug(slug, taken)
	err = tx.QueryRow(ctx, `
		INSERT INTO wp_attachments (media_id, post_id, caption, description, alt_text, slug, comment_status, ping_status, template)
		VALUES ($1, $2, $3, $4, $5, $6, COALESCE(NULLIF($7, ''), 'open'), COALESCE(NULLIF($8, ''), 'closed'), $9)
		RETURNING comment_status, ping_status`,
		m.ID, f.PostID, f.Caption, f.Description, f.AltText, f.Slug, f.CommentStatus, f.PingStatus, f.Template).
		Scan(&f.CommentStatus, &f.PingStatus)
	if err != nil {
		return fmt.Errorf("insert attachment: %w", err)
	}
	return nil
}

// FindAttachment returns an item with its files and its attachment, in
// one round trip: it is the API's hottest read.
func (s *MediaStore) FindAttachment(ctx context.Context, id int64) (*media.Attachment, error) {
	var files []byte
	a := &media.Attachment{}
	m, err := scanMediaWith(s.db.Pool.QueryRow(ctx, `SELECT `+mediaColumns+`, `+attachmentColumns+`, `+filesJSON+`
		FROM `+fromAttachments+` WHERE media.id = $1`, id), append(attachmentDest(&a.AttachmentFields), &files)...)
	if err != nil {
		return nil, translate(err, "media")
	}
	a.Media = m
	if err := decodeFiles(m, files); err != nil {
		return nil, err
	}
	return a, nil
}

// updateAttachment applies u to the item's attachment in tx, and reports
// whether anything was set. A requested slug that is taken gets
// WordPress's numeric suffix.
func updateAttachment(ctx context.Context, tx pgx.Tx, id int64, u media.AttachmentUpdate) (bool, error) {
	var a assignments
	if u.Caption != nil {
		a.set("caption", *u.Caption)
	}
	if u.Description != nil {
		a.set("description", *u.Description)
	}
	if u.AltText != nil {
		a.set("alt_text", *u.AltText)
	}
	if u.PostID != nil {
		var post *int64
		if *u.PostID > 0 {
			post = u.PostID
		}
		a.set("post_id", post)
	}
	if u.CommentStatus != nil {
		a.set("comment_status", *u.CommentStatus)
	}
	if u.PingStatus != nil {
		a.set("ping_status", *u.PingStatus)
	}
	if u.Template != nil {
		a.set("template", *u.Template)
	}
	if u.Slug != nil {
		slug := media.Slugify(*u.Slug)
		taken, err := takenNames(ctx, tx, `SELECT slug FROM wp_attachments WHERE slug LIKE $1 ESCAPE '\' AND media_id <> $2`, likePrefix(media.SlugPrefix(slug)), id)
		if err != nil {
			return false, err
		}
		a.set("slug", media.UniqueSlug(slug, taken))
	}
	if a.empty() {
		return false, nil
	}
	n, err := a.update(ctx, tx, "wp_attachments", "media_id", id)
	if err == nil && n == 0 {
		err = pgx.ErrNoRows
	}
	return err == nil, err
}
