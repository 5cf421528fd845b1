-- Appeals against moderation decisions (EU Digital Services Act, Art. 20): an author
-- contests a decision (a log line: `reject`, `auto_reject` or `ban`) once; a moderator
-- other than the one who decided upholds or reverses it.

-- The log gains `appeal`, `appeal_upheld` and `appeal_reversed`. SQLite cannot change a
-- CHECK constraint, so the table is rebuilt (nothing references it).
CREATE TABLE moderation_log_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    -- NULL: an automatic decision.
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'auto_approve', 'auto_pending',
        'auto_reject', 'auto_hide', 'ban', 'unban', 'role_change', 'settings_change', 'article_change',
        'undo', 'note_add', 'note_delete', 'appeal', 'appeal_upheld', 'appeal_reversed')),
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
INSERT INTO moderation_log_new SELECT id, at, actor_id, action, comment_id, user_id, reason, note,
    prev_status, prev_moderation_reason, prev_rejection_reason, prev_moderated_by, prev_moderated_at
    FROM moderation_log;
DROP TABLE moderation_log;
ALTER TABLE moderation_log_new RENAME TO moderation_log;
CREATE INDEX moderation_log_comment ON moderation_log (comment_id, id);
CREATE INDEX moderation_log_user ON moderation_log (user_id, id);
CREATE INDEX moderation_log_actor ON moderation_log (actor_id, id);
CREATE INDEX moderation_log_action ON moderation_log (action, id);
CREATE INDEX moderation_log_at ON moderation_log (at);

CREATE TABLE appeals (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- The decision appealed: a line of the moderation log, appealed once. No foreign key:
    -- SQLite rebuilds the log table to change its CHECK, which a reference would forbid.
    decision_id BIGINT NOT NULL UNIQUE,
    -- The author who appealed.
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- The comment decided on; NULL for a ban.
    comment_id BIGINT REFERENCES comments (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'upheld', 'reversed')),
    created_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at TIMESTAMP,
    -- The deciding moderator's reasons, shown to the author.
    decision_note TEXT
);
CREATE INDEX appeals_state ON appeals (state, id);
CREATE INDEX appeals_user ON appeals (user_id, id);
