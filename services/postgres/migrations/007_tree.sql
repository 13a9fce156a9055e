-- Umbraco's media tree over the same rows: every item has a media type, a
-- place under a folder (folders are rows without a file) and a sort order
-- among its siblings, a focal point, hand-placed crops and custom
-- properties, whatever dialect created it.
ALTER TABLE media
    ADD COLUMN media_type     text NOT NULL DEFAULT '',
    ADD COLUMN node_parent_id bigint REFERENCES media (id) ON DELETE CASCADE,
    ADD COLUMN sort_order     integer NOT NULL DEFAULT 0,
    ADD COLUMN focal_left     double precision CHECK (focal_left BETWEEN 0 AND 1),
    ADD COLUMN focal_top      double precision CHECK (focal_top BETWEEN 0 AND 1),
    ADD COLUMN crop_coords    jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN properties     jsonb NOT NULL DEFAULT '{}';

-- Items made before types were recorded: rendered images are Image, the
-- rest File (the media package's IsRenderable list).
UPDATE media SET media_type = CASE
    WHEN mime IN ('image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/heic') THEN 'Image'
    ELSE 'File' END;

-- Children in their order; the root is node_parent_id IS NULL.
CREATE INDEX media_tree_idx ON media (node_parent_id, sort_order, id);

-- A type's named crops are cut by the workers, and on-demand renditions
-- for image URL parameters are cached as 'derived' files (size_name holds
-- their canonical parameters).
ALTER TABLE media_files DROP CONSTRAINT media_files_role_check;
ALTER TABLE media_files ADD CONSTRAINT media_files_role_check CHECK (role IN ('original', 'main', 'size', 'crop', 'derived'));

-- The configured media types, written by the API at start, so the workers
-- cut the crops the API shows without a configuration of their own.
CREATE TABLE media_types (
    alias      text PRIMARY KEY,
    definition jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
