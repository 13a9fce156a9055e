-- An audio file's cover art or a video's poster frame becomes an image
-- item of its own, linked here (WordPress shows it as featured_media).
-- Deleting the image unlinks it; deleting the item leaves the image.
ALTER TABLE media ADD COLUMN poster_id bigint REFERENCES media (id) ON DELETE SET NULL;

-- Whether the item's title is still the one made from its file's name: a
-- title the file carries (an ID3 title) then replaces it, as in WordPress;
-- a title a client gave or set never is. Items made before keep theirs.
ALTER TABLE media ADD COLUMN title_default boolean NOT NULL DEFAULT false;
