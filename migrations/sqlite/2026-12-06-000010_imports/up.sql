-- Comments brought in from another system (Disqus, WordPress) keep their author's name
-- and email when no Tribune account is linked; linked and native comments leave both NULL.
ALTER TABLE comments ADD COLUMN author_name TEXT;
ALTER TABLE comments ADD COLUMN author_email TEXT;
-- An address verified later claims its imported comments (db::imports::claim).
CREATE INDEX comments_author_email ON comments (author_email) WHERE author_email IS NOT NULL;

-- What an import created, by the other system's id: a second import of the same file
-- finds every record here and changes nothing.
CREATE TABLE import_ids (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('article', 'comment')),
    external_id TEXT NOT NULL,
    local_id BIGINT NOT NULL,
    UNIQUE (source, kind, external_id)
);
