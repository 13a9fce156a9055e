-- WordPress's attachment post leaves the media row for a table of its own:
-- the row keeps the asset (its title and visibility included, which every
-- dialect shows); an attachment keeps the post it is attached to, its
-- caption, description, alt text and slug, and its discussion settings
-- and template. Every item has one, as every item had these columns; they
-- move unchanged.
CREATE TABLE wp_attachments (
    media_id       bigint PRIMARY KEY REFERENCES media (id) ON DELETE CASCADE,
    post_id        bigint,
    caption        text NOT NULL DEFAULT '',
    description    text NOT NULL DEFAULT '',
    alt_text       text NOT NULL DEFAULT '',
    slug           text NOT NULL CONSTRAINT wp_attachments_slug_key UNIQUE,
    comment_status text NOT NULL DEFAULT 'open' CHECK (comment_status IN ('open', 'closed')),
    ping_status    text NOT NULL DEFAULT 'closed' CHECK (ping_status IN ('open', 'closed')),
    template       text NOT NULL DEFAULT ''
);

INSERT INTO wp_attachments (media_id, post_id, caption, description, alt_text, slug, comment_status, ping_status, template)
SELECT id, post_id, caption, description, alt_text, slug, comment_status, ping_status, template FROM media;

-- Lists filter by the attached post (parent=, parent_exclude=).
CREATE INDEX wp_attachments_post_idx ON wp_attachments (post_id);

ALTER TABLE media
    DROP COLUMN post_id,
    DROP COLUMN caption,
    DROP COLUMN description,
    DROP COLUMN alt_text,
    DROP COLUMN slug,
    DROP COLUMN comment_status,
    DROP COLUMN ping_status,
    DROP COLUMN template;
