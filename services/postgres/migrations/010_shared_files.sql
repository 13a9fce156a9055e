-- Two sizes with equal dimensions are one file, as in WordPress: an upright
-- 3:4 photo's medium_large and large are both 768×1024 and both name
-- "photo-768x1024.jpg". Each keeps its row (media_details lists both), and
-- the second row marks itself shared: it names a file another row of the
-- same item holds. A path stays unique among the rows that hold a file, so
-- two items still never share one.
ALTER TABLE media_files ADD COLUMN shared boolean NOT NULL DEFAULT false;
ALTER TABLE media_files DROP CONSTRAINT media_files_path_key;
CREATE UNIQUE INDEX media_files_path_key ON media_files (path) WHERE NOT shared;
CREATE INDEX media_files_path_idx ON media_files (path);

-- reissues counts the jobs the reconciler gave an item that stayed
-- processing; at its bound the item fails instead of getting another. It
-- restarts whenever the item leaves processing, so a later post-process or
-- edit has the whole bound again.
ALTER TABLE media ADD COLUMN reissues integer NOT NULL DEFAULT 0;

CREATE FUNCTION media_reissues_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'processing' THEN
        NEW.reissues := 0;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER media_reissues_reset BEFORE UPDATE OF status ON media
    FOR EACH ROW WHEN (NEW.status <> 'processing' AND OLD.reissues <> 0)
    EXECUTE FUNCTION media_reissues_reset();
