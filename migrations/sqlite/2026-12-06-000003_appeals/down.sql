DROP TABLE appeals;

CREATE TABLE moderation_log_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
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
INSERT INTO moderation_log_old SELECT id, at, actor_id, action, comment_id, user_id, reason, note,
    prev_status, prev_moderation_reason, prev_rejection_reason, prev_moderated_by, prev_moderated_at
    FROM moderation_log WHERE action NOT IN ('appeal', 'appeal_upheld', 'appeal_reversed');
DROP TABLE moderation_log;
ALTER TABLE moderation_log_old RENAME TO moderation_log;
CREATE INDEX moderation_log_comment ON moderation_log (comment_id, id);
CREATE INDEX moderation_log_user ON moderation_log (user_id, id);
CREATE INDEX moderation_log_actor ON moderation_log (actor_id, id);
CREATE INDEX moderation_log_action ON moderation_log (action, id);
CREATE INDEX moderation_log_at ON moderation_log (at);
