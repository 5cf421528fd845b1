-- A top-level comment is its own thread. It is inserted with thread_id 0 and takes its
-- own id here (SQLite's triggers cannot change the row before it is stored, so this
-- runs after the insert; RETURNING still shows 0, which the code knows).
CREATE TRIGGER comments_own_thread AFTER INSERT ON comments
    FOR EACH ROW WHEN NEW.thread_id = 0
BEGIN
    UPDATE comments SET thread_id = NEW.id WHERE id = NEW.id;
END;
