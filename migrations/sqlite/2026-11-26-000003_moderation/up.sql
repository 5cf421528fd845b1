-- The moderation log, and each comment's count of unresolved flags (for the reported queue).
ALTER TABLE comments ADD COLUMN open_flags BIGINT NOT NULL DEFAULT 0;
CREATE INDEX comments_open_flags ON comments (open_flags, id);

CREATE TABLE moderation_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    -- NULL: an automatic decision.
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'auto_approve', 'auto_pending',
        'auto_reject', 'auto_hide', 'ban', 'unban', 'role_change', 'settings_change', 'article_change')),
    comment_id BIGINT REFERENCES comments (id) ON DELETE SET NULL,
    user_id BIGINT REFERENCES users (id),
    reason TEXT,
    note TEXT
);
CREATE INDEX moderation_log_comment ON moderation_log (comment_id, id);
CREATE INDEX moderation_log_user ON moderation_log (user_id, id);
CREATE INDEX moderation_log_actor ON moderation_log (actor_id, id);
