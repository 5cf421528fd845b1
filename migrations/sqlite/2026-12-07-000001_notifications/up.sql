-- Reply notifications and moderator digests (issue 16).

-- The account's master switch for reply mails (on: its subscriptions are in force), and
-- whether a moderator or admin wants the periodic digest of the queues (off by default).
ALTER TABLE users ADD COLUMN notify_replies BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN moderator_digest BOOLEAN NOT NULL DEFAULT 0;

-- What a reader asked to hear about: replies to one own comment, or replies to any own
-- comment on one article. Exactly one of comment_id and article_id is set.
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    comment_id BIGINT REFERENCES comments (id) ON DELETE CASCADE,
    article_id BIGINT REFERENCES articles (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    CHECK ((comment_id IS NULL) <> (article_id IS NULL))
);
CREATE UNIQUE INDEX subscriptions_comment ON subscriptions (comment_id, user_id);
CREATE UNIQUE INDEX subscriptions_article ON subscriptions (article_id, user_id);
CREATE INDEX subscriptions_user ON subscriptions (user_id, id);

-- One line per approved reply and subscriber, written in the transaction that approved
-- the reply: at most one per (recipient, reply), so a reply is never mailed twice. The
-- notifier stamps `seen_at` when it first sees a line (the batch window starts), then
-- puts every waiting line of one subscription into one mail and records its key.
CREATE TABLE reply_notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    subscription_id BIGINT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    seen_at TIMESTAMP,
    -- The idempotency key of the mail it went into ('skipped' when it was not mailed);
    -- NULL while it waits.
    mail_key TEXT,
    UNIQUE (user_id, comment_id)
);
CREATE INDEX reply_notices_waiting ON reply_notices (mail_key, subscription_id);
