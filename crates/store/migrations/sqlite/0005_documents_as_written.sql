-- PostgreSQL's 0005 moves entity documents from `jsonb` to `json` so they are kept as
-- written. SQLite has always kept the text as written; this file only keeps both backends
-- at the same migration version.
SELECT 1;
