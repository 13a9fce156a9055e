-- The Umbraco tree's own fields leave the media row for a table of the
-- tree's own: the row keeps the asset (its type, focal point and crops
-- included, which the workers cut); a node keeps the item's folder, its
-- place among its siblings and its property values. Every item outside a
-- /v1 library has one, as every such item had these columns; they move
-- unchanged.
CREATE TABLE media_nodes (
    media_id   bigint PRIMARY KEY REFERENCES media (id) ON DELETE CASCADE,
    -- A folder is deleted with its whole subtree, in one statement.
    parent_id  bigint REFERENCES media (id) ON DELETE CASCADE,
    sort_order integer NOT NULL DEFAULT 0,
    properties jsonb NOT NULL DEFAULT '{}'
);

INSERT INTO media_nodes (media_id, parent_id, sort_order, properties)
SELECT id, node_parent_id, sort_order, properties FROM media WHERE api_key_id IS NULL;

-- Children in their order; the root is parent_id IS NULL.
CREATE INDEX media_nodes_tree_idx ON media_nodes (parent_id, sort_order, media_id);

DROP INDEX media_tree_idx;
ALTER TABLE media
    DROP COLUMN node_parent_id,
    DROP COLUMN sort_order,
    DROP COLUMN properties;
