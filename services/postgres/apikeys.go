package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pixelmill/pixelmill/services/media"
)

// APIKeyStore keeps API keys and the webhooks registered with them.
type APIKeyStore struct{ db *DB }

// NewAPIKeyStore returns an APIKeyStore on db.
func NewAPIKeyStore(db *DB) *APIKeyStore { return &APIKeyStore{db: db} }

const apiKeyColumns = `id, user_id, name, prefix, hash, scopes, rate_limit, created_at, last_used_at, revoked_at`

func scanAPIKey(row pgx.Row) (*media.APIKey, error) {
	var k media.APIKey
	var scopes []string
	if err := row.Scan(&k.ID, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &scopes, &k.RateLimit, &k.CreatedAt, &k.LastUsedAt, &k.RevokedAt); err != nil {
		return nil, err
	}
	for _, s := range scopes {
		k.Scopes = append(k.Scopes, media.Scope(s))
	}
	return &k, nil
}

// CreateAPIKey stores a new key (its hash); k gets its id and dates.
func (s *APIKeyStore) CreateAPIKey(ctx context.Context, k *media.APIKey) error {
	scopes := make([]string, len(k.Scopes))
	for i, sc := range k.Scopes {
		scopes[i] = string(sc)
	}
	err := s.db.Pool.QueryRow(ctx, `
		INSERT INTO api_keys (user_id, name, prefix, hash, scopes, rate_limit) VALUES ($1,$2,$3,$4,$5,$6)
		RETURNING id, created_at`, k.UserID, k.Name, k.Prefix, k.Hash, scopes, k.RateLimit).Scan(&k.ID, &k.CreatedAt)
	return translate(err, "api key")
}

// FindAPIKeyByHash returns the unrevoked key with the hash, or a
// CodeNotFound error.
func (s *APIKeyStore) FindAPIKeyByHash(ctx context.Context, hash []byte) (*media.APIKey, error) {
	k, err := scanAPIKey(s.db.Pool.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1 AND revoked_at IS NULL`, hash))
	return k, translate(err, "api key")
}

// TouchAPIKey records that the key was used; at most once a minute per key,
// so a busy key doesn't write on every request.
func (s *APIKeyStore) TouchAPIKey(ctx context.Context, id int64) error {
	_, err := s.db.Pool.Exec(ctx, `
		UPDATE api_keys SET last_used_at = now()
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, id)
	return translate(err, "api key")
}

// FindAPIKeys returns every key, newest first, revoked ones included.
func (s *APIKeyStore) FindAPIKeys(ctx context.Context) ([]*media.APIKey, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY id DESC`)
	if err != nil {
		return nil, translate(err, "api key")
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*media.APIKey, error) { return scanAPIKey(r) })
	return keys, translate(err, "api key")
}

// RevokeAPIKey stops a key from working; its items stay. Revoking a
// revoked key is a CodeNotFound error.
func (s *APIKeyStore) RevokeAPIKey(ctx context.Context, id int64) (*media.APIKey, error) {
	k, err := scanAPIKey(s.db.Pool.QueryRow(ctx, `
		UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING `+apiKeyColumns, id))
	return k, translate(err, "api key")
}

const webhookColumns = `id, api_key_id, url, events, secret, created_at, last_attempt_at, last_status, last_error`

func scanWebhook(row pgx.Row) (*media.Webhook, error) {
	var w media.Webhook
	var id uuid.UUID
	var events []string
	if err := row.Scan(&id, &w.APIKeyID, &w.URL, &events, &w.Secret, &w.CreatedAt, &w.LastAttemptAt, &w.LastStatus, &w.LastError); err != nil {
		return nil, err
	}
	w.ID = id.String()
	for _, e := range events {
		w.Events = append(w.Events, media.EventType(e))
	}
	return &w, nil
}

// CreateWebhook stores a webhook; w gets its id and date.
func (s *APIKeyStore) CreateWebhook(ctx context.Context, w *media.Webhook) error {
	id := uuid.New()
	events := make([]string, len(w.Events))
	for i, e := range w.Events {
		events[i] = string(e)
	}
	err := s.db.Pool.QueryRow(ctx, `
		INSERT INTO webhooks (id, api_key_id, url, events, secret) VALUES ($1,$2,$3,$4,$5) RETURNING created_at`,
		id, w.APIKeyID, w.URL, events, w.Secret).Scan(&w.CreatedAt)
	if err != nil {
		return translate(err, "webhook")
	}
	w.ID = id.String()
	return nil
}

// FindWebhooks returns the key's webhooks, oldest first.
func (s *APIKeyStore) FindWebhooks(ctx context.Context, apiKeyID int64) ([]*media.Webhook, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE api_key_id = $1 ORDER BY created_at, id`, apiKeyID)
	if err != nil {
		return nil, translate(err, "webhook")
	}
	hooks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*media.Webhook, error) { return scanWebhook(r) })
	return hooks, translate(err, "webhook")
}

// FindWebhook returns one webhook, or a CodeNotFound error.
func (s *APIKeyStore) FindWebhook(ctx context.Context, id string) (*media.Webhook, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return nil, media.Errorf(media.CodeNotFound, "webhook not found")
	}
	w, err := scanWebhook(s.db.Pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, uid))
	return w, translate(err, "webhook")
}

// DeleteWebhook removes the key's webhook; another key's is not found.
func (s *APIKeyStore) DeleteWebhook(ctx context.Context, apiKeyID int64, id string) error {
	uid, err := uuid.Parse(id)
	if err != nil {
		return media.Errorf(media.CodeNotFound, "webhook not found")
	}
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM webhooks WHERE id = $1 AND api_key_id = $2`, uid, apiKeyID)
	if err != nil {
		return translate(err, "webhook")
	}
	if tag.RowsAffected() == 0 {
		return media.Errorf(media.CodeNotFound, "webhook not found")
	}
	return nil
}

// RecordWebhookAttempt notes the outcome of a delivery attempt, so the key
// owner can see why deliveries fail.
func (s *APIKeyStore) RecordWebhookAttempt(ctx context.Context, id string, at time.Time, status int, errText string) error {
	uid, err := uuid.Parse(id)
	if err != nil {
		return nil
	}
	_, err = s.db.Pool.Exec(ctx, `UPDATE webhooks SET last_attempt_at = $2, last_status = $3, last_error = $4 WHERE id = $1`, uid, at, status, errText)
	return translate(err, "webhook")
}
