-- What a worker read of a file that is not a still image: a PDF's page
-- count; an audio or video file's length, streams and tags. NULL until a
-- job read them, and for images (their metadata is image_meta).
ALTER TABLE media ADD COLUMN facts jsonb;
