-- Boards, posts, comments, 공감 (likes), scraps and the per-post numbering
-- of anonymous commenters. Every table lives in the community schema (the
-- connection's search_path). Users and schools belong to auth: they are
-- plain bigint ids here, never foreign keys across schemas.
--
-- Invariants the database holds itself, so racing requests cannot break
-- them: one like per user and post/comment, one scrap per user and post
-- (primary keys); counters change in the same transaction as the rows they
-- count; a post's board is of the post's school; a reply's parent is on the
-- same post; one anonymous number per commenter and post, and no two
-- commenters of a post with the same number.

-- The lowercased text's distinct character bigrams. Search indexes them
-- (GIN) because a trigram index gives no selectivity to the two-character
-- queries Korean users type most ("자료", "족보"). Immutable, so a generated
-- column can use it; query and column go through the same lower(). The text
-- is split into characters once and zipped with itself shifted by one:
-- substr() per position would rescan the UTF-8 string each time (quadratic
-- on a 10,000-character post).
create function bigrams(value text) returns text[]
language sql immutable strict parallel safe
as $$
    select coalesce(array_agg(distinct first || second), '{}')
    from (select string_to_array(lower(value), null) as chars) as split,
         unnest(chars[1:cardinality(chars) - 1], chars[2:]) as pairs (first, second)
$$;

-- The BEST게시판 season of a moment: year * 10 + half (1: January–June,
-- 2: July–December), in Korea time (UTC+9, no daylight saving), where the
-- app's users live their semesters.
create function season_of(at timestamptz) returns integer
language sql immutable strict parallel safe
as $$
    select (extract(year from at at time zone 'Asia/Seoul') * 10
            + case when extract(month from at at time zone 'Asia/Seoul') <= 6 then 1 else 2 end)::integer
$$;

create table boards (
    id bigint generated always as identity primary key,
    school_id bigint not null,
    name text not null,
    description text not null default '',
    anonymous_only boolean not null default false,
    created_at timestamptz not null default now(),
    -- Board names are unique per school; the default boards rely on it to
    -- be created once even when two first listings race.
    constraint boards_school_id_name_key unique (school_id, name),
    -- Lets posts reference (board, school) so a post is always in a board
    -- of its own school.
    constraint boards_id_school_id_key unique (id, school_id),
    constraint boards_name_length check (char_length(name) between 1 and 30),
    constraint boards_description_length check (char_length(description) <= 200)
);

create table posts (
    id bigint generated always as identity primary key,
    school_id bigint not null,
    board_id bigint not null,
    author_id bigint not null,
    anonymous boolean not null,
    title text not null,
    content text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    -- What search looks up; always in step with title and content.
    search_grams text[] generated always as (bigrams(title) || bigrams(content)) stored,
    constraint posts_board_fkey foreign key (board_id, school_id) references boards (id, school_id),
    constraint posts_title_length check (char_length(title) between 1 and 100),
    constraint posts_content_length check (char_length(content) between 1 and 10000)
);

-- Lists walk these backwards from a cursor (ids grow with creation time,
-- so descending id is newest first): a board's posts, a user's posts, a
-- school's posts (search, when the query's bigrams are too common for the
-- GIN index to narrow much).
create index posts_board_idx on posts (board_id, id);
create index posts_author_idx on posts (author_id, id);
create index posts_school_idx on posts (school_id, id);
-- fastupdate off: a new post's bigrams go straight into the index instead
-- of a pending list that every search would have to read through until
-- the next vacuum. Posting pays a little more; searching stays fast.
create index posts_search_grams_idx on posts using gin (search_grams) with (fastupdate = off);
-- Bigrams follow a long-tailed distribution: a larger sample of their most
-- common values lets the planner see that a rare query bigram matches few
-- posts and pick the GIN index rather than walking posts newest first.
alter table posts alter column search_grams set statistics 1000;

-- The counters of a post, apart from it: a like rewrites this narrow row
-- and its two small partial indexes, not the post with its large search
-- index. school_id and season are copied here so HOT and BEST are one index
-- range each.
create table post_stats (
    post_id bigint primary key,
    school_id bigint not null,
    season integer not null,
    like_count integer not null default 0,
    comment_count integer not null default 0,
    scrap_count integer not null default 0,
    -- When the 10th like arrived: HOT게시판 lists by it. Likes are never
    -- taken back, so once set it stays.
    hot_at timestamptz,
    constraint post_stats_post_id_fkey foreign key (post_id) references posts (id) on delete cascade,
    constraint post_stats_counts_check check (like_count >= 0 and comment_count >= 0 and scrap_count >= 0)
);

-- HOT게시판 (at least 10 likes) and BEST게시판 (at least 100 likes in a
-- season), each walked backwards from a cursor. The thresholds are in the
-- predicates, so the queries repeat them as literals.
create index post_stats_hot_idx on post_stats (school_id, hot_at, post_id)
    where hot_at is not null;
create index post_stats_best_idx on post_stats (school_id, season, like_count, post_id)
    where like_count >= 100;

create table post_likes (
    post_id bigint not null,
    user_id bigint not null,
    created_at timestamptz not null default now(),
    constraint post_likes_pkey primary key (post_id, user_id),
    constraint post_likes_post_id_fkey foreign key (post_id) references posts (id) on delete cascade
);

create table scraps (
    post_id bigint not null,
    user_id bigint not null,
    created_at timestamptz not null default now(),
    constraint scraps_pkey primary key (post_id, user_id),
    constraint scraps_post_id_fkey foreign key (post_id) references posts (id) on delete cascade
);

-- The caller's scraps, newest first.
create index scraps_user_idx on scraps (user_id, created_at, post_id);

-- A deleted comment keeps its row (deleted_at set, content cleared): one
-- with live replies still shows as "삭제된 댓글입니다.", and the numbering
-- of anonymous commenters never shifts.
create table comments (
    id bigint generated always as identity primary key,
    post_id bigint not null,
    parent_id bigint,
    author_id bigint not null,
    anonymous boolean not null,
    content text not null,
    like_count integer not null default 0,
    created_at timestamptz not null default now(),
    deleted_at timestamptz,
    constraint comments_post_id_fkey foreign key (post_id) references posts (id) on delete cascade,
    constraint comments_id_post_id_key unique (id, post_id),
    -- A reply's parent is a comment of the same post.
    constraint comments_parent_fkey foreign key (parent_id, post_id)
        references comments (id, post_id) on delete cascade,
    constraint comments_content_length check (deleted_at is not null or char_length(content) between 1 and 300),
    constraint comments_like_count_check check (like_count >= 0)
);

-- A post's thread, oldest first.
create index comments_post_idx on comments (post_id, id);
-- Replies of a comment (and the parent foreign key's cascade).
create index comments_parent_idx on comments (parent_id) where parent_id is not null;

create table comment_likes (
    comment_id bigint not null,
    user_id bigint not null,
    created_at timestamptz not null default now(),
    constraint comment_likes_pkey primary key (comment_id, user_id),
    constraint comment_likes_comment_id_fkey foreign key (comment_id) references comments (id) on delete cascade
);

-- Everyone who commented on a post: their anonymous number there (given at
-- their first anonymous comment, in order, and kept for good), how many of
-- their comments are live, and when they last commented (the caller's
-- "posts I commented on" list). Numbers are handed out while the post's
-- counter row is locked, so two first comments cannot take the same one;
-- the unique constraint would refuse it anyway.
create table commenters (
    post_id bigint not null,
    user_id bigint not null,
    anonymous_number integer,
    live_comments integer not null default 0,
    last_commented_at timestamptz not null default now(),
    constraint commenters_pkey primary key (post_id, user_id),
    constraint commenters_post_id_fkey foreign key (post_id) references posts (id) on delete cascade,
    constraint commenters_post_id_anonymous_number_key unique (post_id, anonymous_number),
    constraint commenters_live_comments_check check (live_comments >= 0),
    constraint commenters_anonymous_number_check check (anonymous_number > 0)
);

-- The posts a user has live comments on, by their latest comment.
create index commenters_user_idx on commenters (user_id, last_commented_at, post_id)
    where live_comments > 0;
