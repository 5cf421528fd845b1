DROP TRIGGER comments_own_thread ON comments;
DROP FUNCTION comments_own_thread();
