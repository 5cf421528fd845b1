DROP TABLE sso_seen_tokens;
