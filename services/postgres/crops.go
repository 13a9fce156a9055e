package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pixelmill/pixelmill/services/media"
)

// upsertCrops stores an item's named crops after its other files.
func upsertCrops(ctx context.Context, tx pgx.Tx, m *media.Media, crops []media.File, position int) error {
	for _, f := range crops {
		position++
		f.Role = media.RoleCrop
		if err := upsertFile(ctx, tx, m, f, position); err != nil {
			return err
		}
	}
	return nil
}

// RecordCrops stores the crops a JobCrops cut again and marks the item
// ready, unless a newer job superseded this one (CodeConflict) or the item
// is gone (CodeNotFound).
func (s *MediaStore) RecordCrops(ctx context.Context, id, seq int64, crops []media.File) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		m, err := lockForJob(ctx, tx, id, seq)
		if err != nil {
			return err
		}
		var position int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(max(position), 0) FROM media_files WHERE media_id = $1 AND role <> 'crop'`, id).Scan(&position); err != nil {
			return err
		}
		if err := upsertCrops(ctx, tx, m, crops, position); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE media SET status = 'ready', status_error = '', updated_at = now() WHERE id = $1`, id); err != nil {
			return err
		}
		return insertEvent(ctx, tx, id, media.StatusReady, "")
	})
	return translate(err, "media")
}

// FindDerived returns the cached rendition of an item for the canonical
// image URL parameters spec, if one was made.
func (s *MediaStore) FindDerived(ctx context.Context, mediaID int64, spec string) (media.File, bool, error) {
	var f media.File
	err := s.db.Pool.QueryRow(ctx, `SELECT role, size_name, name, key, mime, width, height, filesize
		FROM media_files WHERE media_id = $1 AND role = 'derived' AND size_name = $2`, mediaID, spec).
		Scan(&f.Role, &f.SizeName, &f.Name, &f.Key, &f.MIME, &f.Width, &f.Height, &f.Filesize)
	if err == pgx.ErrNoRows {
		return media.File{}, false, nil
	}
	if err != nil {
		return media.File{}, false, translate(err, "file")
	}
	return f, true, nil
}

// RecordDerived caches a rendition made for image URL parameters (f.SizeName
// is their canonical form) from the picture stored as source: the item's
// original, its PDF preview, or its poster's original (media.Picture). It
// reports CodeNotFound when the item is gone and CodeConflict when that
// picture was replaced meanwhile: the rendition shows the old one.
func (s *MediaStore) RecordDerived(ctx context.Context, mediaID int64, source string, f media.File) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		m := &media.Media{ID: mediaID}
		var current bool
		if err := tx.QueryRow(ctx, `SELECT key, dir, EXISTS (SELECT 1 FROM media_files o WHERE o.key = $2 AND (
				o.media_id = media.id AND o.role IN ('original', 'size') OR o.media_id = media.poster_id AND o.role = 'original'))
			FROM media WHERE id = $1 FOR SHARE`, mediaID, source).Scan(&m.Key, &m.Dir, &current); errors.Is(err, pgx.ErrNoRows) {
			return media.WrapError(media.CodeNotFound, fmt.Sprintf("media %d not found", mediaID), media.ErrGone)
		} else if err != nil {
			return err
		}
		if !current {
			return media.WrapError(media.CodeConflict, fmt.Sprintf("the file of media %d was replaced while its rendition was made", mediaID), media.ErrSuperseded)
		}
		f.Role = media.RoleDerived
		return upsertFile(ctx, tx, m, f, 0)
	})
	return translate(err, "media")
}

// EnqueueDerive asks the workers for a rendition for image URL parameters.
// It changes nothing about the item: its status and job sequence belong to
// its own renditions.
func (s *MediaStore) EnqueueDerive(ctx context.Context, job *media.Job, trace map[string]string) error {
	return translate(pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		return insertJob(ctx, tx, job, trace)
	}), "media")
}

// FindMediaByFilePath returns the item that owns the stored file at path
// ("ab12cd34/photo.jpg"), with its files.
func (s *MediaStore) FindMediaByFilePath(ctx context.Context, path string) (*media.Media, error) {
	var files []byte
	m, err := scanMediaWith(s.db.Pool.QueryRow(ctx, `SELECT `+mediaColumns+`, `+filesJSON+`
		FROM media WHERE id = (SELECT media_id FROM media_files WHERE path = $1 ORDER BY shared LIMIT 1)`, path), &files)
	if err != nil {
		return nil, translate(err, "media")
	}
	return m, decodeFiles(m, files)
}

// CountDerived returns how many renditions for image URL parameters an
// item has cached.
func (s *MediaStore) CountDerived(ctx context.Context, mediaID int64) (int, error) {
	var n int
	err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM media_files WHERE media_id = $1 AND role = 'derived'`, mediaID).Scan(&n)
	return n, translate(err, "file")
}

// RequeueCrops has a ready image's crops cut when its named crop alias has
// no file: the item was made before its type had the crop, or before the
// types were recorded. It returns nil when there is nothing to do: the
// crop exists, or the item is not ready (its pending job makes the crops).
func (s *MediaStore) RequeueCrops(ctx context.Context, id int64, alias string, trace map[string]string) (*media.Job, error) {
	var job *media.Job
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		job, err = issueJob(ctx, tx, media.Job{Kind: media.JobCrops, MediaID: id}, trace, false, `AND m.status = 'ready' AND m.mime <> ''
			AND NOT EXISTS (SELECT 1 FROM media_files WHERE media_id = $1 AND role = 'crop' AND size_name = $2)`, alias)
		return err
	})
	return job, translate(err, "media")
}
