-- What the external moderation hook said about a comment (JSON), for moderators.
ALTER TABLE comments ADD COLUMN hook_result TEXT;
