package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/pixelmill/pixelmill/services/media"
)

// PostStore keeps the posts and pages media are attached to.
type PostStore struct{ db *DB }

// NewPostStore returns a PostStore on db.
func NewPostStore(db *DB) *PostStore { return &PostStore{db: db} }

const postColumns = `id, post_type, post_status, post_author, post_title, post_date`

func scanPost(r pgx.Row) (*media.Post, error) {
	var p media.Post
	err := r.Scan(&p.ID, &p.Type, &p.Status, &p.AuthorID, &p.Title, &p.Date)
	return &p, err
}

// CreatePost inserts a post; a zero Date means now.
func (s *PostStore) CreatePost(ctx context.Context, p *media.Post) error {
	var date any
	if !p.Date.IsZero() {
		date = p.Date
	}
	err := s.db.Pool.QueryRow(ctx, `
		INSERT INTO posts (post_type, post_status, post_author, post_title, post_date)
		VALUES ($1, $2, $3, $4, COALESCE($5, now())) RETURNING id, post_date`,
		p.Type, p.Status, p.AuthorID, p.Title, date).Scan(&p.ID, &p.Date)
	return translate(err, "post")
}

// FindPostByID returns the post or page with that id.
func (s *PostStore) FindPostByID(ctx context.Context, id int64) (*media.Post, error) {
	p, err := scanPost(s.db.Pool.QueryRow(ctx, `SELECT `+postColumns+` FROM posts WHERE id = $1`, id))
	if err != nil {
		return nil, translate(err, "post")
	}
	return p, nil
}

// FindPosts returns the posts among ids, by id.
func (s *PostStore) FindPosts(ctx context.Context, ids []int64) (map[int64]*media.Post, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+postColumns+` FROM posts WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, translate(err, "posts")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*media.Post, error) { return scanPost(r) })
	if err != nil {
		return nil, translate(err, "posts")
	}
	out := make(map[int64]*media.Post, len(list))
	for _, p := range list {
		out[p.ID] = p
	}
	return out, nil
}

// DeletePost removes a post; its attachments keep their (now dangling)
// parent id, as in WordPress.
func (s *PostStore) DeletePost(ctx context.Context, id int64) error {
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM posts WHERE id = $1`, id)
	if err == nil && tag.RowsAffected() == 0 {
		return media.Errorf(media.CodeNotFound, "post not found")
	}
	return translate(err, "post")
}
