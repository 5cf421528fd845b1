DROP TRIGGER app_meta_changed ON app_meta;
DROP TRIGGER users_changed ON users;
DROP TRIGGER comments_changed ON comments;
DROP TRIGGER articles_changed ON articles;
DROP FUNCTION tribune_notify_change();
