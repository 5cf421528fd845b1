DROP TABLE appeals;
DELETE FROM moderation_log WHERE action IN ('appeal', 'appeal_upheld', 'appeal_reversed');
ALTER TABLE moderation_log DROP CONSTRAINT moderation_log_action_check;
ALTER TABLE moderation_log ADD CONSTRAINT moderation_log_action_check CHECK (action IN ('approve',
    'reject', 'auto_approve', 'auto_pending', 'auto_reject', 'auto_hide', 'ban', 'unban',
    'role_change', 'settings_change', 'article_change', 'undo', 'note_add', 'note_delete'));
