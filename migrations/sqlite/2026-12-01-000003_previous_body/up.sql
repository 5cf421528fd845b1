-- The text before the author's last edit, for moderators (see db::comments::revise):
-- while an edit of an approved comment waits as `edited`, the text a moderator approved.
-- NULL until the first edit, and once the comment is deleted.
ALTER TABLE comments ADD COLUMN previous_body TEXT;
