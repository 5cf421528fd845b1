DROP TABLE moderation_log;
DROP INDEX comments_open_flags;
ALTER TABLE comments DROP COLUMN open_flags;
