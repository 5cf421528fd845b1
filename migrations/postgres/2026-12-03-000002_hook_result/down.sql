ALTER TABLE comments DROP COLUMN hook_result;
