DROP INDEX comments_held_by_author;
