-- WordPress application passwords: any number per user, each revocable,
-- stored as argon2id hashes; the password itself is shown once.
CREATE TABLE app_passwords (
    uuid          uuid PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    app_id        text NOT NULL DEFAULT '',
    name          text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    last_ip       text
);
CREATE INDEX app_passwords_user_idx ON app_passwords (user_id);
