-- The reconciler measures how long an item has waited on its newest job,
-- not how long since its row last changed: a title edited or a move in the
-- tree touches updated_at, and must never keep a stuck item processing for
-- ever. job_at is when the item's newest job was issued.
ALTER TABLE media ADD COLUMN job_at timestamptz NOT NULL DEFAULT now();
UPDATE media SET job_at = updated_at WHERE status = 'processing';
CREATE INDEX media_processing_job_at_idx ON media (job_at) WHERE status = 'processing';

-- Every job an item gets bumps its job sequence, wherever it is issued;
-- that restarts its clock. A job someone asked for (a post-process, an edit,
-- a new file) also restarts the count of the reconciler's reissues, which
-- the reconciler raises itself with each job it issues. Leaving processing
-- clears the count too.
CREATE FUNCTION media_job_clock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.job_seq IS DISTINCT FROM OLD.job_seq THEN
        NEW.job_at := now();
        IF NEW.reissues = OLD.reissues THEN
            NEW.reissues := 0;
        END IF;
    END IF;
    IF NEW.status <> 'processing' THEN
        NEW.reissues := 0;
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER media_reissues_reset ON media;
DROP FUNCTION media_reissues_reset();
CREATE TRIGGER media_job_clock BEFORE UPDATE ON media
    FOR EACH ROW WHEN (NEW.job_seq IS DISTINCT FROM OLD.job_seq OR (NEW.status <> 'processing' AND OLD.reissues <> 0))
    EXECUTE FUNCTION media_job_clock();
