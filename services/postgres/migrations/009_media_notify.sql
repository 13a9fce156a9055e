-- Every change to an item or its files is announced on the channel
-- pixelmill_media with the item's id, so each API replica can drop that
-- item from its read cache. Postgres delivers one notification per
-- distinct payload a transaction sends, at commit. Renditions made for
-- image URL parameters ('derived' files) are not part of an item as read,
-- so they announce nothing. A TRUNCATE announces "all".
CREATE FUNCTION notify_media_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'media' THEN
        PERFORM pg_notify('pixelmill_media', (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.role <> 'derived' THEN
        PERFORM pg_notify('pixelmill_media', OLD.media_id::text);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.role <> 'derived' THEN
        PERFORM pg_notify('pixelmill_media', NEW.media_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION notify_media_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pixelmill_media', 'all');
    RETURN NULL;
END
$$;

CREATE TRIGGER media_changed AFTER INSERT OR UPDATE OR DELETE ON media
    FOR EACH ROW EXECUTE FUNCTION notify_media_changed();
CREATE TRIGGER media_files_changed AFTER INSERT OR UPDATE OR DELETE ON media_files
    FOR EACH ROW EXECUTE FUNCTION notify_media_changed();
CREATE TRIGGER media_truncated AFTER TRUNCATE ON media
    FOR EACH STATEMENT EXECUTE FUNCTION notify_media_truncated();
CREATE TRIGGER media_files_truncated AFTER TRUNCATE ON media_files
    FOR EACH STATEMENT EXECUTE FUNCTION notify_media_truncated();
