-- The UTS #39 confusable skeleton of the folded username, unique, so that names which
-- only look alike (Cyrillic "аdmin" beside "admin") cannot both exist. NULL once the
-- account is erased. SQL cannot compute skeletons: rows from before this migration get
-- theirs from the application right after migrating (db::users::fill_username_skeletons).
ALTER TABLE users ADD COLUMN username_skeleton TEXT;
CREATE UNIQUE INDEX users_username_skeleton ON users (username_skeleton);
