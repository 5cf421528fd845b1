DROP TABLE reply_notices;
DROP TABLE subscriptions;
ALTER TABLE users DROP COLUMN moderator_digest;
ALTER TABLE users DROP COLUMN notify_replies;
