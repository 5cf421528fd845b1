CREATE TABLE moderation_log_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'auto_approve', 'auto_pending',
        'auto_reject', 'auto_hide', 'ban', 'unban', 'role_change', 'settings_change', 'article_change')),
    comment_id BIGINT REFERENCES comments (id) ON DELETE SET NULL,
    user_id BIGINT REFERENCES users (id),
    reason TEXT,
    note TEXT
);
INSERT INTO moderation_log_old (id, at, actor_id, action, comment_id, user_id, reason, note)
    SELECT id, at, actor_id, action, comment_id, user_id, reason, note FROM moderation_log
    WHERE action NOT IN ('undo', 'note_add', 'note_delete');
DROP TABLE moderation_log;
ALTER TABLE moderation_log_old RENAME TO moderation_log;
CREATE INDEX moderation_log_comment ON moderation_log (comment_id, id);
CREATE INDEX moderation_log_user ON moderation_log (user_id, id);
CREATE INDEX moderation_log_actor ON moderation_log (actor_id, id);

DROP INDEX flags_created_at;
DROP INDEX comments_created_at;
DROP INDEX articles_last_comment_at;
DROP INDEX articles_reported_count;
DROP INDEX articles_pending_count;
ALTER TABLE articles DROP COLUMN last_comment_at;
ALTER TABLE articles DROP COLUMN reported_count;
ALTER TABLE articles DROP COLUMN pending_count;

DROP TABLE moderator_notes;
