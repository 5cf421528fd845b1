-- The `jti` of every publisher token that signed someone on, kept until the token
-- expires, so a token works once across every instance.
CREATE TABLE sso_seen_tokens (
    jti TEXT PRIMARY KEY NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sso_seen_tokens_expires_at ON sso_seen_tokens (expires_at);
