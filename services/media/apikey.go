package media

import (
	"slices"
	"time"
)

// Scope is what an API key may do.
type Scope string

// The scopes of API keys. read lists and gets the key's own /v1 library;
// write uploads and deletes there. umbraco:read and umbraco:write do the
// same on the shared Umbraco tree (Heartcore's management API), which a
// key reaches only when it was made with them.
const (
	ScopeRead         Scope = "read"
	ScopeWrite        Scope = "write"
	ScopeUmbracoRead  Scope = "umbraco:read"
	ScopeUmbracoWrite Scope = "umbraco:write"
)

// APIKey is a credential for the /v1 API and the Umbraco dialects. Only its
// hash is stored; the key itself is shown once, when it is created.
type APIKey struct {
	ID     int64
	UserID int64 // the administrator who created it; items it makes are theirs
	Name   string
	// Prefix is the key's first characters, shown in lists so keys can be
	// told apart without revealing them.
	Prefix string
	Hash   []byte
	Scopes []Scope
	// RateLimit is requests per minute; 0 means the configured default.
	RateLimit  int
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Allows reports whether the key has the scope.
func (k *APIKey) Allows(s Scope) bool { return slices.Contains(k.Scopes, s) }

// EventType names a status change that listeners and webhooks receive.
type EventType string

// The event types: an item became ready, or failed.
const (
	EventReady  EventType = "media.ready"
	EventFailed EventType = "media.failed"
)

// Event is one status change of an item, as published on
// media.events.<status> and delivered to webhooks. ID is unique per change
// and is the idempotency id receivers deduplicate by.
type Event struct {
	ID        string    `json:"id"`
	Type      EventType `json:"type"`
	MediaID   int64     `json:"media_id"`
	MediaKey  string    `json:"media_key"`
	Status    Status    `json:"status"`
	Error     string    `json:"error,omitempty"`
	APIKeyID  *int64    `json:"api_key_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Webhook is a URL a key registered for some event types.
type Webhook struct {
	ID       string
	APIKeyID int64
	URL      string
	Events   []EventType
	// Secret signs deliveries (HMAC-SHA256); shown once, at creation.
	Secret        string
	CreatedAt     time.Time
	LastAttemptAt *time.Time
	LastStatus    int
	LastError     string
}

// Wants reports whether the webhook is registered for the event type.
func (w *Webhook) Wants(t EventType) bool { return slices.Contains(w.Events, t) }
