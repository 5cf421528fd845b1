-- Usernames held while taken addresses are hidden (TRIBUNE_HIDE_EMAIL_TAKEN=on), so that
-- a username tells nobody whether an address had an account: a registration holds its
-- username whether the address was free (a new, unverified account: `user_id` set) or
-- taken (no account: `user_id` NULL), until `held_until`. Then the purge deletes the
-- hold and erases the account if its address was never verified; verifying deletes the
-- account's hold. A hold counts until the purge deletes it, so both kinds end together.
CREATE TABLE username_holds (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    username_skeleton TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    held_until TIMESTAMP NOT NULL
);
CREATE INDEX username_holds_skeleton ON username_holds (username_skeleton);
CREATE INDEX username_holds_user ON username_holds (user_id);
CREATE INDEX username_holds_until ON username_holds (held_until);
