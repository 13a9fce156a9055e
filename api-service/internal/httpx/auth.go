package httpx

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/pixelmill/pixelmill/services/media"
)

// UserFinder is what authentication needs of the user store.
type UserFinder interface {
	FindUserByLogin(ctx context.Context, login string) (*media.User, error)
	FindAppPasswords(ctx context.Context, userID int64) ([]media.AppPassword, error)
}

// Authenticator checks HTTP Basic credentials (WordPress application
// passwords work the same way) against argon2id hashes.
type Authenticator struct {
	users UserFinder
	// dummy is compared when the login is unknown, so a wrong login costs
	// the same time as a wrong password and logins can't be enumerated.
	dummy string

	mu    sync.Mutex
	cache map[[32]byte]cachedUser
}

type cachedUser struct {
	user    *media.User
	expires time.Time
}

// credentialCacheTTL bounds how long a verified password is remembered.
// argon2id costs tens of milliseconds and 64 MiB by design; paying that on
// every request of a client would make the hash the API's bottleneck.
const credentialCacheTTL = time.Minute

// NewAuthenticator returns an Authenticator over users.
func NewAuthenticator(users UserFinder) *Authenticator {
	dummy, _ := HashPassword("pixelmill-dummy-password")
	return &Authenticator{users: users, dummy: dummy, cache: map[[32]byte]cachedUser{}}
}

// passwordParams are OWASP's recommended argon2id settings (19 MiB, two
// passes, one lane). The library's default of 64 MiB per hash makes every
// uncached login cost the API 64 MiB, several at once a memory spike that
// dwarfs the rest of the service. Hashes record their parameters, so older
// hashes made with other settings still verify.
var passwordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// HashPassword returns the argon2id hash of password in PHC format.
func HashPassword(password string) (string, error) {
	return argon2id.CreateHash(password, passwordParams)
}

// Authenticate returns the user whose credentials the request carries, nil
// for an anonymous request, or a CodeUnauth error for bad credentials.
func (a *Authenticator) Authenticate(ctx context.Context, login, password string, ok bool) (*media.User, error) {
	if !ok {
		return nil, nil
	}
	key := sha256.Sum256([]byte(login + "\x00" + password))
	a.mu.Lock()
	c, hit := a.cache[key]
	a.mu.Unlock()
	if hit && time.Now().Before(c.expires) {
		return c.user, nil
	}
	u, err := a.users.FindUserByLogin(ctx, login)
	if err != nil && media.ErrorCode(err) != media.CodeNotFound {
		return nil, err
	}
	hash := a.dummy
	if u != nil {
		hash = u.PasswordHash
	}
	match, cmpErr := argon2id.ComparePasswordAndHash(password, hash)
	if u != nil && !match {
		match = a.matchAppPassword(ctx, u, password)
	}
	if u == nil || cmpErr != nil || !match {
		return nil, media.Errorf(media.CodeUnauth, "Unknown username or incorrect password.")
	}
	a.mu.Lock()
	if len(a.cache) > 10000 { // bound memory against credential spraying
		clear(a.cache)
	}
	a.cache[key] = cachedUser{user: u, expires: time.Now().Add(credentialCacheTTL)}
	a.mu.Unlock()
	return u, nil
}

// matchAppPassword checks the user's application passwords. WordPress
// shows them in groups of four separated by spaces; the spaces don't count.
func (a *Authenticator) matchAppPassword(ctx context.Context, u *media.User, password string) bool {
	apps, err := a.users.FindAppPasswords(ctx, u.ID)
	if err != nil {
		return false
	}
	password = strings.ReplaceAll(password, " ", "")
	for _, p := range apps {
		if PasswordMatches(password, p.PasswordHash) {
			return true
		}
	}
	return false
}

// Forget drops every remembered credential, so a revoked or changed
// password stops working at once.
func (a *Authenticator) Forget() {
	a.mu.Lock()
	clear(a.cache)
	a.mu.Unlock()
}

// PasswordMatches reports whether password matches an argon2id hash.
func PasswordMatches(password, hash string) bool {
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}
