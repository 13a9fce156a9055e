package v1

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pixelmill/pixelmill/api-service/internal/webhook"
	"github.com/pixelmill/pixelmill/services/media"
)

// apiKey is a key as lists show it: never the key itself.
type apiKey struct {
	ID         int64         `json:"id"`
	Name       string        `json:"name"`
	Prefix     string        `json:"prefix"`
	Scopes     []media.Scope `json:"scopes"`
	RateLimit  int           `json:"rate_limit"`
	CreatedAt  string        `json:"created_at"`
	LastUsedAt *string       `json:"last_used_at"`
	RevokedAt  *string       `json:"revoked_at"`
}

func stamp(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(timestampFormat)
	return &s
}

func (h *Handler) toAPIKey(k *media.APIKey) apiKey {
	limit := k.RateLimit
	if limit == 0 {
		limit = h.cfg.RateLimit
	}
	return apiKey{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, RateLimit: limit,
		CreatedAt: k.CreatedAt.UTC().Format(timestampFormat), LastUsedAt: stamp(k.LastUsedAt), RevokedAt: stamp(k.RevokedAt)}
}

func (h *Handler) handleAPIKeyCreate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name      string        `json:"name"`
		Scopes    []media.Scope `json:"scopes"`
		RateLimit int           `json:"rate_limit"`
	}
	if err := decodeJSON(r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	if len(req.Name) > 200 {
		h.writeError(w, r, invalid("name", "name must be at most 200 characters."))
		return
	}
	// Without scopes a key gets its own library's (read, write); the
	// shared Umbraco tree only when asked for by name.
	if req.Scopes == nil {
		req.Scopes = []media.Scope{media.ScopeRead, media.ScopeWrite}
	}
	scopes, err := subsetOf("scopes", req.Scopes, media.ScopeRead, media.ScopeWrite, media.ScopeUmbracoRead, media.ScopeUmbracoWrite)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	req.Scopes = scopes
	if req.RateLimit < 0 || req.RateLimit > 1_000_000 {
		h.writeError(w, r, invalid("rate_limit", "rate_limit is requests per minute, from 1 to 1000000 (0 or absent: the default)."))
		return
	}
	k := &media.APIKey{UserID: callerOf(r).user.ID, Name: req.Name, Scopes: req.Scopes, RateLimit: req.RateLimit}
	key, err := h.accounts.CreateAPIKey(r.Context(), k)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.write(w, r, http.StatusCreated, struct {
		apiKey
		Key string `json:"key"`
	}{h.toAPIKey(k), key})
}

func (h *Handler) handleAPIKeyList(w http.ResponseWriter, r *http.Request) {
	keys, err := h.keys.FindAPIKeys(r.Context())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := []apiKey{}
	for _, k := range keys {
		out = append(out, h.toAPIKey(k))
	}
	h.write(w, r, http.StatusOK, map[string]any{"items": out})
}

func (h *Handler) handleAPIKeyDelete(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.writeError(w, r, apiErr(http.StatusNotFound, "not_found", "API key not found."))
		return
	}
	k, err := h.accounts.RevokeAPIKey(r.Context(), id)
	if media.ErrorCode(err) == media.CodeNotFound {
		h.writeError(w, r, apiErr(http.StatusNotFound, "not_found", "API key not found."))
		return
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.write(w, r, http.StatusOK, map[string]any{"id": k.ID, "revoked": true})
}

// webhookOut is a webhook as the dialect shows it; the secret only once.
type webhookOut struct {
	ID            string            `json:"id"`
	URL           string            `json:"url"`
	Events        []media.EventType `json:"events"`
	Secret        string            `json:"secret,omitempty"`
	CreatedAt     string            `json:"created_at"`
	LastAttemptAt *string           `json:"last_attempt_at"`
	LastStatus    int               `json:"last_status"`
	LastError     string            `json:"last_error"`
}

func toWebhook(wh *media.Webhook) webhookOut {
	return webhookOut{ID: wh.ID, URL: wh.URL, Events: wh.Events, CreatedAt: wh.CreatedAt.UTC().Format(timestampFormat),
		LastAttemptAt: stamp(wh.LastAttemptAt), LastStatus: wh.LastStatus, LastError: wh.LastError}
}

// maxWebhooks bounds a key's webhooks; each event fans out to all of them.
const maxWebhooks = 20

func (h *Handler) handleWebhookCreate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		URL    string            `json:"url"`
		Events []media.EventType `json:"events"`
	}
	if err := decodeJSON(r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := webhook.ValidateURL(req.URL, h.cfg.WebhookAllowPrivate); err != nil {
		h.writeError(w, r, invalid("url", "url: "+err.Error()))
		return
	}
	events, err := subsetOf("events", req.Events, media.EventReady, media.EventFailed)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	req.Events = events
	c := callerOf(r)
	existing, err := h.keys.FindWebhooks(r.Context(), c.key.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if len(existing) >= maxWebhooks {
		h.writeError(w, r, apiErr(http.StatusConflict, "too_many_webhooks", "A key may register at most 20 webhooks; delete one first."))
		return
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	wh := &media.Webhook{APIKeyID: c.key.ID, URL: req.URL, Events: req.Events, Secret: secret}
	if err := h.keys.CreateWebhook(r.Context(), wh); err != nil {
		h.writeError(w, r, err)
		return
	}
	out := toWebhook(wh)
	out.Secret = secret
	h.write(w, r, http.StatusCreated, out)
}

func (h *Handler) handleWebhookList(w http.ResponseWriter, r *http.Request) {
	hooks, err := h.keys.FindWebhooks(r.Context(), callerOf(r).key.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := []webhookOut{}
	for _, wh := range hooks {
		out = append(out, toWebhook(wh))
	}
	h.write(w, r, http.StatusOK, map[string]any{"items": out})
}

func (h *Handler) handleWebhookDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if u, err := uuid.Parse(id); err == nil {
		id = u.String() // the id as the webhook shows it, whatever form was sent
	}
	if err := h.keys.DeleteWebhook(r.Context(), callerOf(r).key.ID, id); err != nil {
		if media.ErrorCode(err) == media.CodeNotFound {
			err = apiErr(http.StatusNotFound, "not_found", "Webhook not found.")
		}
		h.writeError(w, r, err)
		return
	}
	h.write(w, r, http.StatusOK, map[string]any{"id": id, "deleted": true})
}

// subsetOf checks a set a request names: absent means all of allowed; it
// must not be empty nor hold anything else. It returns the set sorted,
// without repeats.
func subsetOf[T ~string](field string, got []T, allowed ...T) ([]T, error) {
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	if got == nil {
		return slices.Clone(allowed), nil
	}
	for _, g := range got {
		if !slices.Contains(allowed, g) {
			return nil, invalid(field, fmt.Sprintf("%s may hold %s.", field, strings.Join(names, ", ")))
		}
	}
	if len(got) == 0 {
		return nil, invalid(field, fmt.Sprintf("%s needs at least one of %s.", field, strings.Join(names, ", ")))
	}
	out := slices.Clone(got)
	slices.Sort(out)
	return slices.Compact(out), nil
}
