DROP TABLE import_ids;
DROP INDEX comments_author_email;
ALTER TABLE comments DROP COLUMN author_email;
ALTER TABLE comments DROP COLUMN author_name;
