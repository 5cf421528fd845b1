-- A signed-in reader's page is the page everyone sees unless they have held (pending or
-- rejected) comments on the article: the page's shared rows carry who has, read from
-- this small index rather than from all of the article's comments.
CREATE INDEX comments_held_by_author ON comments (article_id, author_id)
    WHERE status IN ('pending', 'rejected');
