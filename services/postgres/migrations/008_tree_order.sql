-- Items that existed before the tree all started at sort order 0: number
-- each folder's children (the root's too) in the order they were made.
-- /v1 libraries and unfinished presigned uploads take no place.
UPDATE media m SET sort_order = n.pos
FROM (
    SELECT id, row_number() OVER (PARTITION BY node_parent_id ORDER BY sort_order, id) - 1 AS pos
    FROM media WHERE api_key_id IS NULL AND status <> 'uploading'
) n
WHERE m.id = n.id AND m.sort_order <> n.pos;
