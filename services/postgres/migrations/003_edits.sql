-- Items made by WordPress's /edit: the item they were cut from and the
-- operations a worker applies to that item's original to make theirs.
ALTER TABLE media
    ADD COLUMN parent_media_id bigint,
    ADD COLUMN parent_file     text NOT NULL DEFAULT '',
    ADD COLUMN edit            jsonb;
