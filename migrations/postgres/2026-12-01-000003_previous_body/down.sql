ALTER TABLE comments DROP COLUMN previous_body;
