-- What the moderation console needs: notes about accounts, article counters, indexed
-- time windows, and a log that can undo a decision and filter by action.

-- Notes moderators keep about an account, for moderators only.
CREATE TABLE moderator_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- The account the note is about.
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The moderator who wrote it.
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX moderator_notes_user ON moderator_notes (user_id, id);

-- Counters of the moderators' article list and dashboard, kept exact in the same
-- transaction as every change of a comment (see db::comments::shift_counters):
-- comments waiting in the pending queue, approved comments with unresolved flags (the
-- reported queue), and when the last comment (of any status) was posted.
ALTER TABLE articles ADD COLUMN pending_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN reported_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN last_comment_at TIMESTAMP;
UPDATE articles SET
    pending_count = (SELECT count(*) FROM comments c
                     WHERE c.article_id = articles.id AND c.status = 'pending'),
    reported_count = (SELECT count(*) FROM comments c
                      WHERE c.article_id = articles.id AND c.status = 'approved' AND c.open_flags > 0),
    last_comment_at = (SELECT max(c.created_at) FROM comments c WHERE c.article_id = articles.id);
CREATE INDEX articles_pending_count ON articles (pending_count, id);
CREATE INDEX articles_reported_count ON articles (reported_count, id);
CREATE INDEX articles_last_comment_at ON articles (last_comment_at, id);
-- The dashboard's windows (comments and flags of the last hours) are index ranges.
CREATE INDEX comments_created_at ON comments (created_at);
CREATE INDEX flags_created_at ON flags (created_at);

-- The log gains the actions `undo`, `note_add` and `note_delete`, and, on a human
-- decision, the comment's state before it (prev_*), which `undo` restores. SQLite
-- cannot change a CHECK constraint, so the table is rebuilt.
CREATE TABLE moderation_log_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    -- NULL: an automatic decision.
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'auto_approve', 'auto_pending',
        'auto_reject', 'auto_hide', 'ban', 'unban', 'role_change', 'settings_change', 'article_change',
        'undo', 'note_add', 'note_delete')),
    comment_id BIGINT REFERENCES comments (id) ON DELETE SET NULL,
    user_id BIGINT REFERENCES users (id),
    reason TEXT,
    note TEXT,
    prev_status TEXT CHECK (prev_status IN ('approved', 'pending', 'rejected')),
    prev_moderation_reason TEXT,
    prev_rejection_reason TEXT,
    prev_moderated_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    prev_moderated_at TIMESTAMP
);
INSERT INTO moderation_log_new (id, at, actor_id, action, comment_id, user_id, reason, note)
    SELECT id, at, actor_id, action, comment_id, user_id, reason, note FROM moderation_log;
DROP TABLE moderation_log;
ALTER TABLE moderation_log_new RENAME TO moderation_log;
CREATE INDEX moderation_log_comment ON moderation_log (comment_id, id);
CREATE INDEX moderation_log_user ON moderation_log (user_id, id);
CREATE INDEX moderation_log_actor ON moderation_log (actor_id, id);
CREATE INDEX moderation_log_action ON moderation_log (action, id);
CREATE INDEX moderation_log_at ON moderation_log (at);
