package postgres

import (
	"context"

	"github.com/pixelmill/pixelmill/services/media"
)

// UserStore keeps the accounts that may write.
type UserStore struct{ db *DB }

// NewUserStore returns a UserStore on db.
func NewUserStore(db *DB) *UserStore { return &UserStore{db: db} }

// FindUserByLogin returns the user with that login.
func (s *UserStore) FindUserByLogin(ctx context.Context, login string) (*media.User, error) {
	var u media.User
	err := s.db.Pool.QueryRow(ctx,
		`SELECT id, login, email, display_name, role, password_hash FROM users WHERE login = $1`, login).
		Scan(&u.ID, &u.Login, &u.Email, &u.DisplayName, &u.Role, &u.PasswordHash)
	if err != nil {
		return nil, translate(err, "user")
	}
	return &u, nil
}

// EnsureUser creates the user if no user has that login, and leaves an
// existing one as it is, so restarts never reset a changed password.
func (s *UserStore) EnsureUser(ctx context.Context, u *media.User) (created bool, err error) {
	tag, err := s.db.Pool.Exec(ctx,
		`INSERT INTO users (login, email, display_name, role, password_hash) VALUES ($1, $2, $3, $4, $5)
		 ON CONFLICT (login) DO NOTHING`,
		u.Login, u.Email, u.DisplayName, u.Role, u.PasswordHash)
	if err != nil {
		return false, translate(err, "user")
	}
	return tag.RowsAffected() == 1, nil
}
