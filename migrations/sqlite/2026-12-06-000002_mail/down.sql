DROP TABLE mail_outbox;
DROP TABLE used_links;
ALTER TABLE users DROP COLUMN language;
ALTER TABLE users DROP COLUMN email_verified_at;
