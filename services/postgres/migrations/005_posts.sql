-- Posts and pages that media can be attached to. They share the media id
-- sequence, as WordPress's posts and attachments share one id space: an id
-- names either a post or an attachment, never both.
CREATE TABLE posts (
    id          bigint PRIMARY KEY DEFAULT nextval('media_id_seq'),
    post_type   text NOT NULL CHECK (post_type IN ('post', 'page')),
    post_status text NOT NULL CHECK (post_status IN ('publish', 'future', 'draft', 'pending', 'private')),
    post_author bigint NOT NULL REFERENCES users (id),
    post_title  text NOT NULL DEFAULT '',
    post_date   timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now()
);
