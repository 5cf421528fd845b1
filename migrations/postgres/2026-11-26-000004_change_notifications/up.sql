-- Tell every instance's read caches when the tables behind counts, thread pages and
-- site settings change (one notification per statement; PostgreSQL merges duplicates per transaction).
CREATE FUNCTION tribune_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tribune_changes', TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER articles_changed AFTER INSERT OR UPDATE OR DELETE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION tribune_notify_change();
CREATE TRIGGER comments_changed AFTER INSERT OR UPDATE OR DELETE ON comments
    FOR EACH STATEMENT EXECUTE FUNCTION tribune_notify_change();
CREATE TRIGGER users_changed AFTER UPDATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION tribune_notify_change();
CREATE TRIGGER app_meta_changed AFTER INSERT OR UPDATE OR DELETE ON app_meta
    FOR EACH STATEMENT EXECUTE FUNCTION tribune_notify_change();
