DROP TABLE app_meta;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
