package httpx

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
)

// APIKeyPrefix starts every API key, so a leaked key is easy to recognise
// (secret scanners match on it) and a password is never taken for a key.
const APIKeyPrefix = "pm_"

// KeyFinder is what key authentication needs of the key store.
type KeyFinder interface {
	FindAPIKeyByHash(ctx context.Context, hash []byte) (*media.APIKey, error)
	TouchAPIKey(ctx context.Context, id int64) error
}

// KeyAuthenticator checks API keys. A key is 32 random bytes, so its
// SHA-256 is stored instead of a slow password hash: guessing is hopeless
// either way, and a lookup costs one index probe.
type KeyAuthenticator struct {
	keys KeyFinder

	mu    sync.Mutex
	cache map[[32]byte]cachedKey
}

type cachedKey struct {
	key     *media.APIKey
	expires time.Time
}

// keyCacheTTL bounds how long another replica may keep accepting a key
// revoked elsewhere; the replica that revokes forgets it at once.
const keyCacheTTL = 5 * time.Second

// NewKeyAuthenticator returns a KeyAuthenticator over keys.
func NewKeyAuthenticator(keys KeyFinder) *KeyAuthenticator {
	return &KeyAuthenticator{keys: keys, cache: map[[32]byte]cachedKey{}}
}

// NewAPIKey returns a new random key and its hash and display prefix.
func NewAPIKey() (key string, hash []byte, prefix string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, "", err
	}
	key = APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(key))
	return key, sum[:], key[:len(APIKeyPrefix)+6], nil
}

// Authenticate returns the unrevoked key, or a CodeUnauth error.
func (a *KeyAuthenticator) Authenticate(ctx context.Context, key string) (*media.APIKey, error) {
	if !strings.HasPrefix(key, APIKeyPrefix) || len(key) > 128 {
		return nil, media.Errorf(media.CodeUnauth, "Invalid or expired API key.")
	}
	sum := sha256.Sum256([]byte(key))
	now := time.Now()
	a.mu.Lock()
	c, hit := a.cache[sum]
	a.mu.Unlock()
	if hit && now.Before(c.expires) {
		return c.key, nil
	}
	k, err := a.keys.FindAPIKeyByHash(ctx, sum[:])
	if media.ErrorCode(err) == media.CodeNotFound {
		return nil, media.Errorf(media.CodeUnauth, "Invalid or expired API key.")
	}
	if err != nil {
		return nil, err
	}
	_ = a.keys.TouchAPIKey(ctx, k.ID) // best effort: a missed touch only ages last_used_at
	a.mu.Lock()
	if len(a.cache) > 10000 { // bound memory against key spraying
		clear(a.cache)
	}
	a.cache[sum] = cachedKey{key: k, expires: now.Add(keyCacheTTL)}
	a.mu.Unlock()
	return k, nil
}

// Forget drops every remembered key, so a revoked key stops working on
// this replica at once.
func (a *KeyAuthenticator) Forget() {
	a.mu.Lock()
	clear(a.cache)
	a.mu.Unlock()
}

// BearerToken returns the token of an "Authorization: Bearer …" header.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
