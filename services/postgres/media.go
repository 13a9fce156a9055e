package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pixelmill/pixelmill/services/media"
)

// MediaStore keeps media items, their files and the jobs they need.
type MediaStore struct{ db *DB }

// NewMediaStore returns a MediaStore on db.
func NewMediaStore(db *DB) *MediaStore { return &MediaStore{db: db} }

// maxNameAttempts bounds the retries when uploads race for the same stem
// or slug. Each retry re-reads the taken names and each round lets at least
// one of the racers commit, so N racers need at most N attempts; commits
// that also NOTIFY are serialised by Postgres, which makes whole rounds of
// losers likelier than it looks.
const maxNameAttempts = 20

// CreateMedia inserts an uploaded item, its original file and its first
// rendition job in one transaction, so an item never exists without the job
// that will finish it. A document (not a raster image) is ready at once and
// gets no job; the returned job is then nil. It picks the unique stem
// (WordPress's "-1", "-2" suffixes), and when m.Title is empty it uses the
// stored stem, as WordPress does for raw uploads. m.Visibility and
// m.CreatedAt, when set, are stored with the row, so the item has them
// from its first moment (a private upload is never public, not even
// between two writes). m is updated with what was stored. The item gets
// WordPress's attachment and Umbraco's node with their defaults; see
// CreateMediaWith.
func (s *MediaStore) CreateMedia(ctx context.Context, m *media.Media, original media.File, trace map[string]string) (*media.Job, error) {
	return s.CreateMediaWith(ctx, m, original, media.Facets{}, trace)
}

// CreateMediaWith is CreateMedia with what the dialects keep beside the
// asset, written in the same transaction: WordPress's attachment fields
// (insertAttachment) and Umbraco's place in the tree (insertNode; items of
// a /v1 library take none). f.Post, when set, is updated with what was
// stored.
func (s *MediaStore) CreateMediaWith(ctx context.Context, m *media.Media, original media.File, f media.Facets, trace map[string]string) (*media.Job, error) {
	titleFromStem := m.Title == ""
	baseStem := m.Stem
	// What was asked for: a failed attempt overwrites m and f.Post with
	// what it stored, and the next one starts from the request again.
	date := m.CreatedAt
	var post media.AttachmentFields
	if f.Post != nil {
		post = *f.Post
	}
	for attempt := 1; ; attempt++ {
		m.CreatedAt = date
		asked := post
		job, err := s.createMediaOnce(ctx, m, original, &asked, f.Place, baseStem, titleFromStem, trace)
		if err == nil {
			if f.Post != nil {
				*f.Post = asked
			}
			return job, nil
		}
		if attempt < maxNameAttempts && (isUniqueViolation(err, "media_dir_stem_idx") || isUniqueViolation(err, "wp_attachments_slug_key") || isUniqueViolation(err, "media_files_path_key")) {
			continue
		}
		return nil, translate(err, "media")
	}
}

func (s *MediaStore) createMediaOnce(ctx context.Context, m *media.Media, original media.File, post *media.AttachmentFields, at *media.Placement, baseStem string, titleFromStem bool, trace map[string]string) (*media.Job, error) {
	var job *media.Job
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		job, err = insertMedia(ctx, tx, m, original, post, at, baseStem, titleFromStem, trace)
		return err
	})
	return job, err
}

// insertMedia records a new item in tx: its row, its attachment and node,
// its original file, and its first job (or its ready event). See
// CreateMediaWith.
func insertMedia(ctx context.Context, tx pgx.Tx, m *media.Media, original media.File, post *media.AttachmentFields, at *media.Placement, baseStem string, titleFromStem bool, trace map[string]string) (*media.Job, error) {
	var job *media.Job
	err := func() error {
		if m.APIKeyID == nil {
			// A place in the tree: its sort order and its parent hold
			// only under the tree lock.
			if err := lockTree(ctx, tx); err != nil {
				return err
			}
		}
		taken, err := takenNames(ctx, tx, `SELECT lower(stem) FROM media WHERE dir = $1 AND lower(stem) LIKE $2 ESCAPE '\'`, m.Dir, likePrefix(strings.ToLower(baseStem)))
		if err != nil {
			return err
		}
		m.Stem = media.UniqueStem(baseStem, taken)
		if titleFromStem {
			m.Title, m.TitleDefault = m.Stem, true
		}
		m.File = m.OriginalName()
		if m.Key == "" {
			m.Key = uuid.NewString()
		}
		var first media.JobKind
		m.Status, first = media.FirstStatus(m)
		m.JobSeq = 1
		if m.Visibility == "" {
			m.Visibility = media.VisibilityInherit
		}
		var createdAt *time.Time
		if !m.CreatedAt.IsZero() {
			createdAt = &m.CreatedAt
		}
		err = tx.QueryRow(ctx, `
			INSERT INTO media (key, author_id, title, title_default, visibility,
			                   mime, dir, stem, ext, client_filename, file, width, height, filesize, original_filesize,
			                   status, job_seq, parent_media_id, parent_file, edit, api_key_id, upload_size, upload_expires_at, duration,
			                   media_type, focal_left, focal_top, crop_coords, created_at)
			VALUES ($1,$2,$3,$28,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,
			        $23,$24,$25,$26, COALESCE($27, now()))
			RETURNING id, created_at, updated_at`,
			m.Key, m.AuthorID, m.Title, m.Visibility,
			m.MIME, m.Dir, m.Stem, m.Ext, m.ClientFilename, m.File, m.Width, m.Height, m.OriginalFilesize,
			m.Status, m.JobSeq, m.ParentID, m.ParentFile, m.Edit, m.APIKeyID, m.UploadSize, m.UploadExpires, m.Duration,
			m.TypeAlias(), focalLeft(m.Focal), focalTop(m.Focal), coordsArg(m.CropCoords), createdAt, m.TitleDefault).
			Scan(&m.ID, &m.CreatedAt, &m.UpdatedAt)
		if err != nil {
			return fmt.Errorf("insert media: %w", err)
		}
		if err := insertAttachment(ctx, tx, m, post); err != nil {
			return err
		}
		if m.APIKeyID == nil {
			if err := insertNode(ctx, tx, m.ID, at); err != nil {
				return err
			}
		}
		m.MediaType = m.TypeAlias()
		if m.IsFolder() {
			return nil
		}
		m.Filesize = m.OriginalFilesize
		original.Role, original.Name = media.RoleOriginal, m.File
		if err := upsertFile(ctx, tx, m, original, 0); err != nil {
			return err
		}
		m.Files = []media.File{original}
		switch {
		case m.Status == media.StatusReady:
			return insertEvent(ctx, tx, m.ID, media.StatusReady, "")
		case first == "":
			return nil // uploading: completing the upload decides what comes next
		}
		job = &media.Job{Kind: first, MediaID: m.ID, MediaKey: m.Key, Seq: m.JobSeq, MetadataOnly: m.SizesDeferred}
		return insertJob(ctx, tx, job, trace)
	}()
	return job, err
}

// RequeueMedia issues a new rendition job for an item (post-process, or a
// reconciler) limited to sizes (empty: every missing size). It bumps the
// item's job sequence so any older job in flight can no longer record.
func (s *MediaStore) RequeueMedia(ctx context.Context, id int64, sizes []string, trace map[string]string) (*media.Job, error) {
	var job *media.Job
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) (err error) {
		job, err = issueJob(ctx, tx, media.Job{Kind: media.JobRenditions, MediaID: id, Sizes: sizes}, trace, true, `AND m.status <> 'uploading'`)
		if err == nil && job == nil {
			// Not found, or still uploading: as the UPDATE's no rows were.
			err = pgx.ErrNoRows
		}
		return err
	})
	if err != nil {
		return nil, translate(err, "media")
	}
	return job, nil
}

// RecordRenditions stores a worker's result and marks the item ready. It
// returns a CodeConflict error when a newer job superseded this one and a
// CodeNotFound error when the item was deleted meanwhile: in both cases the
// worker drops the job. Files are upserted by (item, role, size), so a job
// done twice leaves the same rows.
func (s *MediaStore) RecordRenditions(ctx context.Context, id, seq int64, r media.Renditions) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if r.Poster != nil {
			// The poster takes a place in the tree: the tree lock comes
			// before any row lock, as everywhere.
			if err := lockTree(ctx, tx); err != nil {
				return err
			}
		}
		m, err := lockForJob(ctx, tx, id, seq)
		if err != nil {
			return err
		}
		if r.Poster != nil {
			if err := insertPoster(ctx, tx, id, r.Poster); err != nil {
				return err
			}
		}
		if r.Original != nil {
			r.Original.Role = media.RoleOriginal
			if err := upsertFile(ctx, tx, m, *r.Original, 0); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE media SET original_filesize = $2 WHERE id = $1`, id, r.Original.Filesize); err != nil {
				return err
			}
		}
		file, position := m.File, 1
		if r.Main != nil {
			r.Main.Role = media.RoleMain
			if err := upsertFile(ctx, tx, m, *r.Main, position); err != nil {
				return err
			}
			file = r.Main.Name
		}
		for _, f := range r.Sizes {
			position++
			f.Role = media.RoleSize
			if err := upsertFile(ctx, tx, m, f, position); err != nil {
				return err
			}
		}
		if err := upsertCrops(ctx, tx, m, r.Crops, position); err != nil {
			return err
		}
		if r.OriginalWidth > 0 {
			if _, err := tx.Exec(ctx, `UPDATE media_files SET width = $2, height = $3 WHERE media_id = $1 AND role = 'original'`,
				id, r.OriginalWidth, r.OriginalHeight); err != nil {
				return err
			}
		}
		var meta []byte
		if r.Meta != nil {
			if meta, err = json.Marshal(r.Meta); err != nil {
				return err
			}
		}
		var facts []byte
		if r.Facts != nil {
			if facts, err = json.Marshal(r.Facts); err != nil {
				return err
			}
		}
		var poster *int64
		if r.Poster != nil {
			poster = &r.Poster.Item.ID
		}
		_, err = tx.Exec(ctx, `
			UPDATE media SET file = $2, width = $3, height = $4, filesize = $5, image_meta = COALESCE($6, image_meta),
			       facts = COALESCE($7, facts), duration = COALESCE($8, duration), poster_id = COALESCE($9, poster_id),
			       title = CASE WHEN $10 <> '' AND title_default THEN $10 ELSE title END,
			       title_default = title_default AND $10 = '',
			       status = 'ready', status_error = '', updated_at = now()
			WHERE id = $1`, id, file, r.Width, r.Height, r.Filesize, meta, facts, r.Duration, poster, r.Title)
		if err != nil {
			return err
		}
		return insertEvent(ctx, tx, id, media.StatusReady, "")
	})
	return translate(err, "media")
}

// FailMedia marks the item failed with a reason a person can read, unless a
// newer job superseded this one.
func (s *MediaStore) FailMedia(ctx context.Context, id, seq int64, reason string) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := lockForJob(ctx, tx, id, seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE media SET status = 'failed', status_error = $2, updated_at = now() WHERE id = $1`, id, reason); err != nil {
			return err
		}
		return insertEvent(ctx, tx, id, media.StatusFailed, reason)
	})
	return translate(err, "media")
}

// lockForJob locks the item's row for the rest of the transaction, so that
// two jobs for one item never interleave their writes, and checks that seq
// is still the item's newest job.
func lockForJob(ctx context.Context, tx pgx.Tx, id, seq int64) (*media.Media, error) {
	m := &media.Media{ID: id}
	var current int64
	err := tx.QueryRow(ctx, `SELECT key, dir, file, job_seq FROM media WHERE id = $1 FOR UPDATE`, id).
		Scan(&m.Key, &m.Dir, &m.File, &current)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, media.WrapError(media.CodeNotFound, fmt.Sprintf("media %d not found", id), media.ErrGone)
	}
	if err != nil {
		return nil, err
	}
	if current != seq {
		return nil, media.WrapError(media.CodeConflict, fmt.Sprintf("job %d of media %d was superseded by job %d", seq, id, current), media.ErrSuperseded)
	}
	return m, nil
}

// FindMediaByID returns an item with its files, in one round trip: it is
// the API's hottest read.
func (s *MediaStore) FindMediaByID(ctx context.Context, id int64) (*media.Media, error) {
	var files []byte
	m, err := scanMediaWith(s.db.Pool.QueryRow(ctx, `SELECT `+mediaColumns+`, `+filesJSON+` FROM media WHERE id = $1`, id), &files)
	if err != nil {
		return nil, translate(err, "media")
	}
	if err := decodeFiles(m, files); err != nil {
		return nil, err
	}
	return m, nil
}

// filesJSON selects an item's files as one JSON array, in file order.
const filesJSON = `COALESCE((SELECT json_agg(json_build_array(f.role, f.size_name, f.name, f.key, f.mime, f.width, f.height, f.filesize)
	ORDER BY f.position, f.size_name) FROM media_files f WHERE f.media_id = media.id AND f.role <> 'derived'), '[]')`

// decodeFiles fills m.Files from filesJSON's array of rows.
func decodeFiles(m *media.Media, data []byte) error {
	var rows [][]json.RawMessage
	if err := json.Unmarshal(data, &rows); err != nil {
		return fmt.Errorf("decode files of media %d: %w", m.ID, err)
	}
	m.Files = make([]media.File, len(rows))
	for i, row := range rows {
		f := &m.Files[i]
		cols := []any{&f.Role, &f.SizeName, &f.Name, &f.Key, &f.MIME, &f.Width, &f.Height, &f.Filesize}
		if len(row) != len(cols) {
			return fmt.Errorf("decode files of media %d: %d columns, want %d", m.ID, len(row), len(cols))
		}
		for j, c := range cols {
			if err := json.Unmarshal(row[j], c); err != nil {
				return fmt.Errorf("decode files of media %d: %w", m.ID, err)
			}
		}
	}
	return nil
}

// FindFileByPath returns the stored file that a URL path
// ("2026/11/horizon-300x188.jpg") names, with its item's visibility and
// author, which decide who may read it.
func (s *MediaStore) FindFileByPath(ctx context.Context, path string) (media.File, media.Visibility, int64, error) {
	var f media.File
	var vis media.Visibility
	var author int64
	err := s.db.Pool.QueryRow(ctx, `
		SELECT f.role, f.size_name, f.name, f.key, f.mime, f.width, f.height, f.filesize, m.visibility, m.author_id
		FROM media_files f JOIN media m ON m.id = f.media_id WHERE f.path = $1
		ORDER BY f.shared LIMIT 1`, path).
		Scan(&f.Role, &f.SizeName, &f.Name, &f.Key, &f.MIME, &f.Width, &f.Height, &f.Filesize, &vis, &author)
	if err != nil {
		return media.File{}, "", 0, translate(err, "file")
	}
	return f, vis, author, nil
}

const mediaColumns = `id, key, author_id, title, title_default, visibility,
	mime, dir, stem, ext, client_filename, file, width, height, filesize, original_filesize, image_meta,
	status, status_error, job_seq, created_at, updated_at, parent_media_id, parent_file, edit,
	api_key_id, upload_size, upload_expires_at, duration,
	media_type, focal_left, focal_top, crop_coords, facts, poster_id`

// scanMediaWith scans mediaColumns and then any extra columns into extra.
func scanMediaWith(row pgx.Row, extra ...any) (*media.Media, error) {
	var m media.Media
	var meta []byte
	var focalLeft, focalTop *float64
	err := row.Scan(append([]any{&m.ID, &m.Key, &m.AuthorID, &m.Title, &m.TitleDefault,
		&m.Visibility, &m.MIME, &m.Dir, &m.Stem, &m.Ext, &m.ClientFilename, &m.File, &m.Width, &m.Height,
		&m.Filesize, &m.OriginalFilesize, &meta, &m.Status, &m.StatusError, &m.JobSeq, &m.CreatedAt, &m.UpdatedAt,
		&m.ParentID, &m.ParentFile, &m.Edit,
		&m.APIKeyID, &m.UploadSize, &m.UploadExpires, &m.Duration,
		&m.MediaType, &focalLeft, &focalTop, &m.CropCoords, &m.Facts, &m.PosterID}, extra...)...)
	if err != nil {
		return nil, err
	}
	if focalLeft != nil && focalTop != nil {
		m.Focal = &media.Point{Left: *focalLeft, Top: *focalTop}
	}
	if meta != nil {
		m.ImageMeta = &media.ImageMeta{}
		if err := json.Unmarshal(meta, m.ImageMeta); err != nil {
			return nil, fmt.Errorf("decode image_meta of media %d: %w", m.ID, err)
		}
	}
	return &m, nil
}

// upsertFile stores one file row of an item. A row naming a file that
// another row of the same item already holds (two sizes of equal
// dimensions) is stored as shared: the path is unique only among the rows
// that hold a file, so items never share one, but an item's sizes may.
func upsertFile(ctx context.Context, tx pgx.Tx, m *media.Media, f media.File, position int) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO media_files (media_id, role, size_name, name, path, key, mime, width, height, filesize, position, shared)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11, EXISTS (
			SELECT 1 FROM media_files o
			WHERE o.media_id = $1 AND o.path = $5 AND NOT o.shared AND (o.role, o.size_name) <> ($2, $3)))
		ON CONFLICT (media_id, role, size_name) DO UPDATE SET
			name = EXCLUDED.name, path = EXCLUDED.path, key = EXCLUDED.key, mime = EXCLUDED.mime,
			width = EXCLUDED.width, height = EXCLUDED.height, filesize = EXCLUDED.filesize, position = EXCLUDED.position,
			shared = EXCLUDED.shared`,
		m.ID, f.Role, f.SizeName, f.Name, m.Dir+"/"+f.Name, f.Key, f.MIME, f.Width, f.Height, f.Filesize, position)
	if err != nil {
		return fmt.Errorf("store file %s of media %d: %w", f.Name, m.ID, err)
	}
	return nil
}

func takenNames(ctx context.Context, tx pgx.Tx, query string, args ...any) (map[string]bool, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	taken := make(map[string]bool, len(names))
	for _, n := range names {
		taken[n] = true
	}
	return taken, nil
}

// likePrefix escapes s for LIKE and matches s itself or s followed by more.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// RequeueStuck issues a new job for up to limit items whose newest job was
// issued before cutoff and that are still processing (job_at; an edit to
// an item's fields doesn't restart that clock): their job was lost (a broker that dropped
// acknowledged messages, a message deleted by hand) or keeps dying. An item
// that already got maxReissues such jobs fails instead, with a reason, so
// no item stays processing without bound; those are returned as failed.
// Rows are claimed with SKIP LOCKED, so several API replicas never requeue
// one item twice at once, and each requeue restarts the item's clock.
func (s *MediaStore) RequeueStuck(ctx context.Context, cutoff time.Time, limit, maxReissues int, trace map[string]string) (jobs []*media.Job, failed []int64, err error) {
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// The job sequence stays: a job still running may yet record its
		// result, which is better news than this failure.
		reason := fmt.Sprintf("Processing never finished: the item was given %d new jobs after it stopped making progress, and none of them ended.", maxReissues)
		rows, err := tx.Query(ctx, `
			UPDATE media SET status = 'failed', status_error = $4, updated_at = now()
			WHERE id IN (
				SELECT id FROM media
				WHERE status = 'processing' AND job_at < $1 AND reissues >= $3
				ORDER BY job_at LIMIT $2 FOR UPDATE SKIP LOCKED)
			RETURNING id`, cutoff, limit, maxReissues, reason)
		if err != nil {
			return err
		}
		if failed, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return err
		}
		for _, id := range failed {
			if err := insertEvent(ctx, tx, id, media.StatusFailed, reason); err != nil {
				return err
			}
		}
		rows, err = tx.Query(ctx, `
			UPDATE media SET job_seq = job_seq + 1, reissues = reissues + 1, updated_at = now()
			WHERE id IN (
				SELECT id FROM media
				WHERE status = 'processing' AND job_at < $1 AND reissues < $3
				ORDER BY job_at LIMIT $2 FOR UPDATE SKIP LOCKED)
			RETURNING id, key, job_seq, mime, edit IS NOT NULL AND original_filesize = 0`, cutoff, limit, maxReissues)
		if err != nil {
			return err
		}
		jobs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*media.Job, error) {
			j := &media.Job{}
			var mime string
			var needsEdit bool
			err := r.Scan(&j.MediaID, &j.MediaKey, &j.Seq, &mime, &needsEdit)
			j.Kind, _ = media.JobFor(media.JobRenditions, media.JobState{Status: media.StatusProcessing, MIME: mime, NeedsEdit: needsEdit})
			return j, err
		})
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if err := insertJob(ctx, tx, j, trace); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, translate(err, "media")
	}
	return jobs, failed, nil
}

// KnownKeys returns which of the media keys (UUIDs) have a row.
func (s *MediaStore) KnownKeys(ctx context.Context, keys []string) (map[string]bool, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT key::text FROM media WHERE key::text = ANY($1)`, keys)
	if err != nil {
		return nil, translate(err, "media")
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, translate(err, "media")
	}
	out := make(map[string]bool, len(found))
	for _, k := range found {
		out[k] = true
	}
	return out, nil
}

// FindMediaByKey returns an item, by its UUID, with its files.
func (s *MediaStore) FindMediaByKey(ctx context.Context, key string) (*media.Media, error) {
	k, err := uuid.Parse(key)
	if err != nil {
		return nil, media.Errorf(media.CodeNotFound, "media not found")
	}
	var files []byte
	m, err := scanMediaWith(s.db.Pool.QueryRow(ctx, `SELECT `+mediaColumns+`, `+filesJSON+` FROM media WHERE key = $1`, k), &files)
	if err != nil {
		return nil, translate(err, "media")
	}
	if err := decodeFiles(m, files); err != nil {
		return nil, err
	}
	return m, nil
}

// UploadCheck is what the core found in storage when a presigned upload
// was completed.
type UploadCheck struct {
	Width, Height int
	Filesize      int64
	Duration      *float64
}

// CompleteUpload turns a presigned upload into a processing item with its
// first job (or, for a document, a ready item with its event), in one
// transaction. It reports done=false, and changes nothing, when the item
// was already completed, so that complete may be called twice.
func (s *MediaStore) CompleteUpload(ctx context.Context, id int64, c UploadCheck, trace map[string]string) (job *media.Job, done bool, err error) {
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		m := &media.Media{ID: id}
		err := tx.QueryRow(ctx, `SELECT key, dir, file, mime, status, job_seq FROM media WHERE id = $1 FOR UPDATE`, id).
			Scan(&m.Key, &m.Dir, &m.File, &m.MIME, &m.Status, &m.JobSeq)
		if err != nil {
			return err
		}
		if m.Status != media.StatusUploading {
			return nil
		}
		done = true
		m.Status = media.StatusProcessing // the bytes are in: what next is FirstStatus's
		status, first := media.FirstStatus(m)
		_, err = tx.Exec(ctx, `
			UPDATE media SET width = $2, height = $3, filesize = $4, original_filesize = $4, duration = $5,
			       status = $6, upload_expires_at = NULL, updated_at = now(), job_at = now()
			WHERE id = $1`, id, c.Width, c.Height, c.Filesize, c.Duration, status)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE media_files SET width = $2, height = $3, filesize = $4 WHERE media_id = $1 AND role = 'original'`,
			id, c.Width, c.Height, c.Filesize); err != nil {
			return err
		}
		if first == "" {
			return insertEvent(ctx, tx, id, media.StatusReady, "")
		}
		job = &media.Job{Kind: first, MediaID: id, MediaKey: m.Key, Seq: m.JobSeq}
		return insertJob(ctx, tx, job, trace)
	})
	return job, done, translate(err, "media")
}

// DeleteExpiredUploads removes up to limit presigned uploads whose URL
// expired before cutoff without being completed, and returns them so their
// objects can be removed too.
func (s *MediaStore) DeleteExpiredUploads(ctx context.Context, cutoff time.Time, limit int) ([]*media.Media, error) {
	rows, err := s.db.Pool.Query(ctx, `
		DELETE FROM media WHERE id IN (
			SELECT id FROM media WHERE status = 'uploading' AND upload_expires_at < $1
			ORDER BY upload_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
		RETURNING id, key::text`, cutoff, limit)
	if err != nil {
		return nil, translate(err, "media")
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*media.Media, error) {
		var m media.Media
		return &m, r.Scan(&m.ID, &m.Key)
	})
	return items, translate(err, "media")
}

// insertPoster records p as a new image item in tx, beside the item id it
// is the poster of: the same author, library, visibility, folder and
// uploads directory, with its own renditions job. The caller links it.
func insertPoster(ctx context.Context, tx pgx.Tx, id int64, p *media.Poster) error {
	c := p.Item
	var place media.Placement
	err := tx.QueryRow(ctx, `SELECT author_id, api_key_id, visibility, dir, (SELECT parent_id FROM media_nodes WHERE media_id = $1)
		FROM media WHERE id = $1`, id).Scan(&c.AuthorID, &c.APIKeyID, &c.Visibility, &c.Dir, &place.ParentID)
	if err != nil {
		return err
	}
	if _, err := insertMedia(ctx, tx, c, p.Original, &media.AttachmentFields{}, &place, c.Stem, true, nil); err != nil {
		return fmt.Errorf("insert poster of media %d: %w", id, err)
	}
	return nil
}
