-- API keys for the /v1 API and the Umbraco dialects. A key is 32 random
-- bytes, so a plain SHA-256 of it is as safe to store as a slow password
-- hash and lets a request find its key with one index lookup.
CREATE TABLE api_keys (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '',
    prefix       text NOT NULL,          -- the key's first characters, to tell keys apart in lists
    hash         bytea NOT NULL UNIQUE,  -- sha256 of the whole key
    scopes       text[] NOT NULL,
    rate_limit   integer NOT NULL DEFAULT 0 CHECK (rate_limit >= 0), -- requests per minute; 0 = the configured default
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- An item made through /v1 belongs to the key that made it: that key's
-- library is its own tenant. Revoking a key keeps its items (an
-- administrator still sees them through WordPress).
ALTER TABLE media ADD COLUMN api_key_id bigint REFERENCES api_keys (id);
CREATE INDEX media_api_key_idx ON media (api_key_id, created_at DESC) WHERE api_key_id IS NOT NULL;

-- Presigned uploads: the row exists from step 1 in status 'uploading' with
-- the size the client declared and when its upload URL expires; complete
-- turns it into 'processing' (or 'ready' for a document).
ALTER TABLE media DROP CONSTRAINT media_status_check;
ALTER TABLE media ADD CONSTRAINT media_status_check CHECK (status IN ('uploading', 'processing', 'ready', 'failed'));
ALTER TABLE media ADD COLUMN upload_size bigint NOT NULL DEFAULT 0;
ALTER TABLE media ADD COLUMN upload_expires_at timestamptz;
CREATE INDEX media_uploading_idx ON media (upload_expires_at) WHERE status = 'uploading';

-- Videos: the container's duration in seconds.
ALTER TABLE media ADD COLUMN duration double precision;

-- Webhooks a key registered. The secret signs deliveries, so it is kept as
-- given (it must be read to sign), unlike the keys.
CREATE TABLE webhooks (
    id              uuid PRIMARY KEY,
    api_key_id      bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    url             text NOT NULL,
    events          text[] NOT NULL,
    secret          text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    last_status     integer NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT ''
);
CREATE INDEX webhooks_api_key_idx ON webhooks (api_key_id);
