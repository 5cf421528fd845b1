DROP TRIGGER comments_own_thread;
