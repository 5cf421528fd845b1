DROP INDEX moderation_log_at;
DROP INDEX moderation_log_action;
ALTER TABLE moderation_log
    DROP COLUMN prev_moderated_at,
    DROP COLUMN prev_moderated_by,
    DROP COLUMN prev_rejection_reason,
    DROP COLUMN prev_moderation_reason,
    DROP COLUMN prev_status;
DELETE FROM moderation_log WHERE action IN ('undo', 'note_add', 'note_delete');
ALTER TABLE moderation_log DROP CONSTRAINT moderation_log_action_check;
ALTER TABLE moderation_log ADD CONSTRAINT moderation_log_action_check CHECK (action IN ('approve',
    'reject', 'auto_approve', 'auto_pending', 'auto_reject', 'auto_hide', 'ban', 'unban',
    'role_change', 'settings_change', 'article_change'));

DROP INDEX flags_created_at;
DROP INDEX comments_created_at;
DROP INDEX articles_last_comment_at;
DROP INDEX articles_reported_count;
DROP INDEX articles_pending_count;
ALTER TABLE articles DROP COLUMN last_comment_at, DROP COLUMN reported_count, DROP COLUMN pending_count;

DROP TABLE moderator_notes;
