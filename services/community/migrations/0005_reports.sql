-- 신고 and blinding: reports of posts and comments, one per user per item;
-- an item reported by REPORTS_TO_BLIND different users (5 by default) is
-- blinded; an author with 3 items blinded within 30 days may not write for
-- 7 days.

-- When an item was blinded (null while it is not). A blinded post leaves
-- every list but its author's own; a blinded comment shows without its
-- author or content.
alter table posts add column blinded_at timestamptz;
alter table comments add column blinded_at timestamptz;
-- The lists of HOT and BEST read post_stats alone: it carries the flag.
alter table post_stats add column blinded boolean not null default false;

-- Board pages, HOT and BEST walk only unblinded posts: their indexes say
-- so in their predicates, and the lists stay index-only.
drop index posts_board_idx;
create index posts_board_idx on posts (board_id, id) include (school_id) where blinded_at is null;
drop index post_stats_hot_idx;
create index post_stats_hot_idx on post_stats (school_id, hot_at, post_id)
    where hot_at is not null and not blinded;
drop index post_stats_best_idx;
create index post_stats_best_idx on post_stats (school_id, season, like_count, post_id)
    where like_count >= 100 and not blinded;

-- One report per user per item; the reason is one of the app's seven.
create table reports (
    kind text not null,
    item_id bigint not null,
    reporter_id bigint not null,
    reason text not null,
    created_at timestamptz not null default now(),
    constraint reports_pkey primary key (kind, item_id, reporter_id),
    constraint reports_kind_check check (kind in ('post', 'comment')),
    constraint reports_reason_check check (reason in (
        'off_topic', 'abuse', 'obscene', 'commercial', 'fraud', 'spam', 'political'
    ))
);

-- One row per reported item: how many reported it (counted under this
-- row's lock, so the REPORTS_TO_BLIND-th of many simultaneous reports
-- blinds it, once), when it was blinded, and whose it is. The admin's list
-- walks it most reported first; the write restriction reads an author's
-- recent blindings from it.
create table report_stats (
    kind text not null,
    item_id bigint not null,
    school_id bigint not null,
    post_id bigint not null,
    author_id bigint not null,
    report_count integer not null default 0,
    blinded_at timestamptz,
    constraint report_stats_pkey primary key (kind, item_id),
    constraint report_stats_kind_check check (kind in ('post', 'comment')),
    constraint report_stats_count_check check (report_count >= 0)
);

create index report_stats_school_idx on report_stats (school_id, report_count desc, kind desc, item_id desc);
create index report_stats_author_idx on report_stats (author_id, blinded_at) where blinded_at is not null;

-- Reports are limited per user too (10 a day by default).
alter table write_events drop constraint write_events_kind_check;
alter table write_events add constraint write_events_kind_check
    check (kind in ('post', 'comment', 'like', 'board', 'report'));
