-- A board's posts and a user's posts are read from their index alone.
--
-- Both lists filter on school_id as well as on the board or author, and the
-- planner takes the two for independent, so it thinks few of a board's
-- posts are of its school and that walking the whole posts_pkey backwards,
-- filtering as it goes, is about as cheap. For a busy board that is true;
-- for a quiet one (and for the generic plan a prepared statement settles
-- on, which knows no board) it walks the table. With school_id in the
-- index the page is an index-only scan of exactly its rows, the cheapest
-- plan whatever the board's size.
drop index posts_board_idx;
create index posts_board_idx on posts (board_id, id) include (school_id);

drop index posts_author_idx;
create index posts_author_idx on posts (author_id, id) include (school_id);
