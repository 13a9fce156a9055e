-- WordPress's discussion settings and page template of an attachment.
ALTER TABLE media
    ADD COLUMN comment_status text NOT NULL DEFAULT 'open' CHECK (comment_status IN ('open', 'closed')),
    ADD COLUMN ping_status    text NOT NULL DEFAULT 'closed' CHECK (ping_status IN ('open', 'closed')),
    ADD COLUMN template       text NOT NULL DEFAULT '';
