-- A top-level comment is its own thread. It is inserted with thread_id 0 and takes its
-- own id here, in the insert itself, instead of in a second statement (one network
-- round trip less per post).
CREATE FUNCTION comments_own_thread() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.thread_id = 0 THEN
        NEW.thread_id := NEW.id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER comments_own_thread BEFORE INSERT ON comments
    FOR EACH ROW EXECUTE FUNCTION comments_own_thread();
