-- Email: an account's language and whether its address is verified, links that work
-- once, and the mail outbox.

-- When the address in `email` was verified (by a mailed link, or vouched for by the
-- publisher's single sign-on); NULL while it is not. Cleared when the address changes.
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP;
-- The language of mail to the account.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('de', 'en', 'vi'));

-- Mailed links (verification, password reset) already used, by their `jti`, kept until
-- they expire: each link works once.
CREATE TABLE used_links (
    jti TEXT PRIMARY KEY NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- The mail outbox: a mail is written in the transaction of its cause and sent by a
-- worker under a lease, retried with backoff until `failed`.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- One mail per cause: a second queueing of the same cause inserts nothing. Also
    -- the mail's Message-ID, so a receiver can tell a resend after a crash.
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    -- The account it is for (NULL once the account row is gone).
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    recipient TEXT NOT NULL,
    language TEXT NOT NULL,
    -- The template's values, as JSON text; never a secret (links are signed when sent).
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_token TEXT,
    lease_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
