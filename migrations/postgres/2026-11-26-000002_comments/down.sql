DROP TABLE flags;
DROP TABLE likes;
DROP TABLE comments;
DROP TABLE articles;
