-- Nothing to do on SQLite: other writers' commits are noticed through PRAGMA
-- data_version. The migration exists so both backends list the same names.
SELECT 1;
