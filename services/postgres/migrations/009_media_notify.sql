-- Every change to an item or its files is announced on the channel
-- pixelmill_media with the item's id, so each API replica can drop that
-- item from its read cache. Postgres delivers one notification per
-- distinct payload a transaction sends, at commit.
CREATE FUNCTION notify_media_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row_id bigint;
BEGIN
    IF TG_TABLE_NAME = 'media' THEN
        row_id := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
    ELSE
        row_id := CASE WHEN TG_OP = 'DELETE' THEN OLD.media_id ELSE NEW.media_id END;
    END IF;
    PERFORM pg_notify('pixelmill_media', row_id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER media_changed AFTER INSERT OR UPDATE OR DELETE ON media
    FOR EACH ROW EXECUTE FUNCTION notify_media_changed();
CREATE TRIGGER media_files_changed AFTER INSERT OR UPDATE OR DELETE ON media_files
    FOR EACH ROW EXECUTE FUNCTION notify_media_changed();
