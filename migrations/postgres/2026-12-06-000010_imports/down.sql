DROP TABLE import_ids;
ALTER TABLE comments DROP COLUMN author_email;
ALTER TABLE comments DROP COLUMN author_name;
