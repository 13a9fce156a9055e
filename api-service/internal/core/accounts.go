package core

import (
	"context"
	"errors"

	"github.com/pixelmill/pixelmill/services/media"
)

// Accounts manages who may sign in: users, their application passwords
// and API keys. It holds the rules every dialect's user and key routes
// translate to: a user has a valid role and never a plain password, a
// reassignment goes to another existing user, a new key is generated and
// stored hashed, and whatever changes a credential makes the
// authenticators forget what they cached, so it takes effect at once on
// every route. Who may ask for each change is the dialect's to check
// (WordPress's capabilities, /v1's administrator).
type Accounts struct {
	users AccountUsers
	keys  AccountKeys
	creds Credentials
}

// AccountUsers is what Accounts needs of the user store.
type AccountUsers interface {
	FindUserByID(ctx context.Context, id int64) (*media.User, error)
	CreateUser(ctx context.Context, u *media.User) error
	UpdateUser(ctx context.Context, id int64, u media.UserUpdate) (*media.User, error)
	DeleteUser(ctx context.Context, id, reassign int64) error
	CreateAppPassword(ctx context.Context, p *media.AppPassword) error
	DeleteAppPasswords(ctx context.Context, userID int64, uuid string) (int64, error)
}

// AccountKeys is what Accounts needs of the API key store.
type AccountKeys interface {
	CreateAPIKey(ctx context.Context, k *media.APIKey) error
	RevokeAPIKey(ctx context.Context, id int64) (*media.APIKey, error)
}

// Credentials are how secrets are made and checked, from the HTTP layer
// that checks them (httpx): a password hash, a new API key, and what
// forgets the authenticators' caches.
type Credentials struct {
	HashPassword func(password string) (string, error)
	NewAPIKey    func() (key string, hash []byte, prefix string, err error)
	// ForgetUsers and ForgetKeys drop the cached checks of passwords and
	// of keys.
	ForgetUsers, ForgetKeys func()
}

// NewAccounts returns the account service.
func NewAccounts(users AccountUsers, keys AccountKeys, creds Credentials) *Accounts {
	return &Accounts{users: users, keys: keys, creds: creds}
}

// Refusals of Accounts a dialect words its own way, each wrapped in a
// CodeInvalid media.Error.
var (
	ErrInvalidRole     = errors.New("invalid role")
	ErrInvalidReassign = errors.New("invalid reassignment")
)

// CreateUser stores u with password, hashed. A login already taken is a
// CodeConflict error.
func (a *Accounts) CreateUser(ctx context.Context, u *media.User, password string) error {
	if !media.ValidRole(u.Role) {
		return media.WrapError(media.CodeInvalid, "The role is not valid.", ErrInvalidRole)
	}
	hash, err := a.creds.HashPassword(password)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	return a.users.CreateUser(ctx, u)
}

// UserChange is a change to a user; nil fields stay. Password is the new
// plain password; empty leaves it.
type UserChange struct {
	Email, DisplayName *string
	Role               *media.Role
	Password           string
}

// UpdateUser applies c to the user id.
func (a *Accounts) UpdateUser(ctx context.Context, id int64, c UserChange) (*media.User, error) {
	upd := media.UserUpdate{Email: c.Email, DisplayName: c.DisplayName, Role: c.Role}
	if c.Role != nil && !media.ValidRole(*c.Role) {
		return nil, media.WrapError(media.CodeInvalid, "The role is not valid.", ErrInvalidRole)
	}
	if c.Password != "" {
		hash, err := a.creds.HashPassword(c.Password)
		if err != nil {
			return nil, err
		}
		upd.PasswordHash = &hash
	}
	u, err := a.users.UpdateUser(ctx, id, upd)
	if err != nil {
		return nil, err
	}
	a.creds.ForgetUsers()
	return u, nil
}

// DeleteUser deletes the user id, giving what was theirs to reassign,
// another existing user.
func (a *Accounts) DeleteUser(ctx context.Context, id, reassign int64) error {
	if reassign == id {
		return media.WrapError(media.CodeInvalid, "The items can't go to the user being deleted.", ErrInvalidReassign)
	}
	if _, err := a.users.FindUserByID(ctx, reassign); err != nil {
		return media.WrapError(media.CodeInvalid, "The user to give the items to does not exist.", errors.Join(ErrInvalidReassign, err))
	}
	if err := a.users.DeleteUser(ctx, id, reassign); err != nil {
		return err
	}
	a.creds.ForgetUsers()
	return nil
}

// CreateAppPassword stores p with password, hashed.
func (a *Accounts) CreateAppPassword(ctx context.Context, p *media.AppPassword, password string) error {
	hash, err := a.creds.HashPassword(password)
	if err != nil {
		return err
	}
	p.PasswordHash = hash
	return a.users.CreateAppPassword(ctx, p)
}

// DeleteAppPasswords deletes a user's application password uuid, or all
// of them when uuid is empty, and says how many went.
func (a *Accounts) DeleteAppPasswords(ctx context.Context, userID int64, uuid string) (int64, error) {
	n, err := a.users.DeleteAppPasswords(ctx, userID, uuid)
	if err != nil {
		return 0, err
	}
	a.creds.ForgetUsers()
	return n, nil
}

// CreateAPIKey generates a key for k, stores k with the key's hash and
// prefix, and returns the key, which is shown once and never stored.
func (a *Accounts) CreateAPIKey(ctx context.Context, k *media.APIKey) (string, error) {
	key, hash, prefix, err := a.creds.NewAPIKey()
	if err != nil {
		return "", err
	}
	k.Hash, k.Prefix = hash, prefix
	if err := a.keys.CreateAPIKey(ctx, k); err != nil {
		return "", err
	}
	return key, nil
}

// RevokeAPIKey revokes the key id at once on every route.
func (a *Accounts) RevokeAPIKey(ctx context.Context, id int64) (*media.APIKey, error) {
	k, err := a.keys.RevokeAPIKey(ctx, id)
	if err != nil {
		return nil, err
	}
	a.creds.ForgetKeys()
	return k, nil
}
