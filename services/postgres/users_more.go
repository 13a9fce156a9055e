package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/pixelmill/pixelmill/services/media"
)

const userColumns = `id, login, email, display_name, role, password_hash`

func scanUser(r pgx.Row) (*media.User, error) {
	var u media.User
	err := r.Scan(&u.ID, &u.Login, &u.Email, &u.DisplayName, &u.Role, &u.PasswordHash)
	return &u, err
}

// FindUserByID returns the user with that id.
func (s *UserStore) FindUserByID(ctx context.Context, id int64) (*media.User, error) {
	u, err := scanUser(s.db.Pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return nil, translate(err, "user")
	}
	return u, nil
}

// FindUsers returns users ordered by id, optionally only those whose login
// or name contains search, and with publishedOnly only the authors of
// published posts (what WordPress lists to callers without list_users),
// with the total.
func (s *UserStore) FindUsers(ctx context.Context, search string, publishedOnly bool, limit, offset int) ([]*media.User, int, error) {
	const where = `(login ILIKE $1 OR display_name ILIKE $1) AND (NOT $2 OR EXISTS (
		SELECT 1 FROM posts p WHERE p.post_author = users.id AND p.post_status = 'publish'))`
	like := "%" + likeEscape(search) + "%"
	var total int
	if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE `+where, like, publishedOnly).Scan(&total); err != nil {
		return nil, 0, translate(err, "users")
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE `+where+` ORDER BY id LIMIT $3 OFFSET $4`, like, publishedOnly, limit, offset)
	if err != nil {
		return nil, 0, translate(err, "users")
	}
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*media.User, error) { return scanUser(r) })
	return users, total, translate(err, "users")
}

// HasPublishedPosts reports whether the user authored a published post,
// which makes their profile public in WordPress.
func (s *UserStore) HasPublishedPosts(ctx context.Context, userID int64) (bool, error) {
	var ok bool
	err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM posts WHERE post_author = $1 AND post_status = 'publish')`, userID).Scan(&ok)
	return ok, translate(err, "posts")
}

// RenameAppPassword changes an application password's name.
func (s *UserStore) RenameAppPassword(ctx context.Context, userID int64, uuid, name string) error {
	tag, err := s.db.Pool.Exec(ctx, `UPDATE app_passwords SET name = $3 WHERE user_id = $1 AND uuid = $2`, userID, uuid, name)
	if err == nil && tag.RowsAffected() == 0 {
		return media.Errorf(media.CodeNotFound, "application password not found")
	}
	return translate(err, "application password")
}

// CreateUser inserts a user; a taken login or email is a conflict.
func (s *UserStore) CreateUser(ctx context.Context, u *media.User) error {
	err := s.db.Pool.QueryRow(ctx,
		`INSERT INTO users (login, email, display_name, role, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		u.Login, u.Email, u.DisplayName, u.Role, u.PasswordHash).Scan(&u.ID)
	return translate(err, "user")
}

// UpdateUser applies u and returns the stored user.
func (s *UserStore) UpdateUser(ctx context.Context, id int64, u media.UserUpdate) (*media.User, error) {
	var a assignments
	if u.Email != nil {
		a.set("email", *u.Email)
	}
	if u.DisplayName != nil {
		a.set("display_name", *u.DisplayName)
	}
	if u.Role != nil {
		a.set("role", string(*u.Role))
	}
	if u.PasswordHash != nil {
		a.set("password_hash", *u.PasswordHash)
	}
	if !a.empty() {
		if _, err := a.update(ctx, s.db.Pool, "users", "id", id); err != nil {
			return nil, translate(err, "user")
		}
	}
	return s.FindUserByID(ctx, id)
}

// DeleteUser removes a user, giving their media to reassign.
func (s *UserStore) DeleteUser(ctx context.Context, id, reassign int64) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE media SET author_id = $2 WHERE author_id = $1`, id, reassign); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
		if err == nil && tag.RowsAffected() == 0 {
			return pgx.ErrNoRows
		}
		return err
	})
	return translate(err, "user")
}

// CreateAppPassword stores an application password's hash.
func (s *UserStore) CreateAppPassword(ctx context.Context, p *media.AppPassword) error {
	err := s.db.Pool.QueryRow(ctx,
		`INSERT INTO app_passwords (uuid, user_id, app_id, name, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING created_at`,
		p.UUID, p.UserID, p.AppID, p.Name, p.PasswordHash).Scan(&p.CreatedAt)
	return translate(err, "application password")
}

// FindAppPasswords returns a user's application passwords, oldest first.
func (s *UserStore) FindAppPasswords(ctx context.Context, userID int64) ([]media.AppPassword, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT uuid::text, user_id, app_id, name, password_hash, created_at, last_used_at, COALESCE(last_ip, '')
		FROM app_passwords WHERE user_id = $1 ORDER BY created_at, uuid`, userID)
	if err != nil {
		return nil, translate(err, "application passwords")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (media.AppPassword, error) {
		var p media.AppPassword
		err := r.Scan(&p.UUID, &p.UserID, &p.AppID, &p.Name, &p.PasswordHash, &p.CreatedAt, &p.LastUsedAt, &p.LastIP)
		return p, err
	})
	return out, translate(err, "application passwords")
}

// DeleteAppPasswords revokes one (uuid) or, with uuid "", all of a user's
// application passwords, returning how many went.
func (s *UserStore) DeleteAppPasswords(ctx context.Context, userID int64, uuid string) (int64, error) {
	q, args := `DELETE FROM app_passwords WHERE user_id = $1`, []any{userID}
	if uuid != "" {
		q, args = q+` AND uuid = $2`, append(args, uuid)
	}
	tag, err := s.db.Pool.Exec(ctx, q, args...)
	if err != nil {
		return 0, translate(err, "application password")
	}
	return tag.RowsAffected(), nil
}

// TouchAppPassword records when and from where a password was last used.
func (s *UserStore) TouchAppPassword(ctx context.Context, uuid, ip string) error {
	_, err := s.db.Pool.Exec(ctx, `UPDATE app_passwords SET last_used_at = now(), last_ip = $2 WHERE uuid = $1`, uuid, ip)
	return translate(err, "application password")
}
