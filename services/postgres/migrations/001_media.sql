-- Users who may write: WordPress-style roles, passwords stored as argon2id hashes.
CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    login         text NOT NULL UNIQUE,
    email         text NOT NULL DEFAULT '',
    display_name  text NOT NULL DEFAULT '',
    role          text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per uploaded file, whatever dialect created it.
CREATE TABLE media (
    id                bigserial PRIMARY KEY,
    key               uuid NOT NULL UNIQUE,
    author_id         bigint NOT NULL REFERENCES users (id),
    post_id           bigint,
    title             text NOT NULL DEFAULT '',
    caption           text NOT NULL DEFAULT '',
    description       text NOT NULL DEFAULT '',
    alt_text          text NOT NULL DEFAULT '',
    slug              text NOT NULL UNIQUE,
    visibility        text NOT NULL DEFAULT 'inherit' CHECK (visibility IN ('inherit', 'private', 'trash')),
    mime              text NOT NULL,
    dir               text NOT NULL,
    stem              text NOT NULL,
    ext               text NOT NULL,
    client_filename   text NOT NULL DEFAULT '',
    file              text NOT NULL,
    width             integer NOT NULL DEFAULT 0,
    height            integer NOT NULL DEFAULT 0,
    filesize          bigint NOT NULL DEFAULT 0,
    original_filesize bigint NOT NULL DEFAULT 0,
    image_meta        jsonb,
    status            text NOT NULL CHECK (status IN ('processing', 'ready', 'failed')),
    status_error      text NOT NULL DEFAULT '',
    job_seq           bigint NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Stems are unique per directory, ignoring case, so that no two items'
-- sub-size names ("{stem}-{w}x{h}.{ext}") can ever collide.
CREATE UNIQUE INDEX media_dir_stem_idx ON media (dir, lower(stem));
CREATE INDEX media_status_idx ON media (status, updated_at);

-- Every stored object of an item: the original, the main copy, each size.
CREATE TABLE media_files (
    media_id  bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    role      text NOT NULL CHECK (role IN ('original', 'main', 'size')),
    size_name text NOT NULL DEFAULT '',
    name      text NOT NULL,
    path      text NOT NULL UNIQUE, -- "2026/11/horizon-300x188.jpg", what URLs carry
    key       text NOT NULL,        -- object key in the bucket
    mime      text NOT NULL,
    width     integer NOT NULL DEFAULT 0,
    height    integer NOT NULL DEFAULT 0,
    filesize  bigint NOT NULL DEFAULT 0,
    position  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (media_id, role, size_name)
);

-- Transactional outbox: a job row commits with the change that needs it; the
-- relay publishes it to JetStream and marks it, so a broker outage delays
-- work but never loses it.
CREATE TABLE outbox (
    id           uuid PRIMARY KEY,
    subject      text NOT NULL,
    payload      bytea NOT NULL,
    headers      jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (created_at) WHERE published_at IS NULL;
