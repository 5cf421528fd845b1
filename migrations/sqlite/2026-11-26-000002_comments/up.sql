-- Articles, comments with their thread position, likes and flags.
CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    key TEXT NOT NULL,
    title TEXT,
    url TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    moderation TEXT NOT NULL DEFAULT 'default' CHECK (moderation IN ('default', 'pre', 'post')),
    closes_at TIMESTAMP,
    -- Approved comments, replies included; kept exact by every change of visibility.
    comment_count BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX articles_key ON articles (key);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES comments (id),
    -- The top-level comment of the thread (its own id for a top-level comment).
    thread_id BIGINT NOT NULL,
    depth INTEGER NOT NULL CHECK (depth BETWEEN 0 AND 5),
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('approved', 'pending', 'rejected', 'deleted')),
    moderation_reason TEXT,
    rejection_reason TEXT,
    moderated_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    moderated_at TIMESTAMP,
    like_count BIGINT NOT NULL DEFAULT 0,
    -- On a top-level comment: approved replies in its thread.
    visible_replies BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    edited_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_article_depth_id ON comments (article_id, depth, id);
CREATE INDEX comments_article_depth_likes ON comments (article_id, depth, like_count, id);
CREATE INDEX comments_thread_id ON comments (thread_id, id);
CREATE INDEX comments_author_id ON comments (author_id, id);
CREATE INDEX comments_status_id ON comments (status, id);

CREATE TABLE likes (
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);
CREATE INDEX likes_user_id ON likes (user_id);

CREATE TABLE flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reason TEXT NOT NULL CHECK (reason IN ('spam', 'abuse', 'off_topic', 'illegal_content', 'other')),
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX flags_comment_user ON flags (comment_id, user_id);
CREATE INDEX flags_user_id ON flags (user_id);
