-- Per-user write limits (one post per board every 30 seconds, 10 comments
-- and 30 likes a minute, 3 boards a day, by default): the writes each user
-- made recently, so every replica of the service counts the same ones.
--
-- A write is checked and recorded in the same transaction as the write
-- itself, after a per-user advisory lock, so racing writes by one user
-- are counted one at a time and a refused or failed write records
-- nothing. Rows older than their kind's window are deleted by the next
-- write of that user and kind, so the table holds only recent writes.
create table write_events (
    user_id bigint not null,
    -- What was written: 'post' (scope: the board), 'comment', 'like'
    -- (of a post or a comment) or 'board'; scope_id is 0 where the limit
    -- is per user alone.
    kind text not null check (kind in ('post', 'comment', 'like', 'board')),
    scope_id bigint not null default 0,
    at timestamptz not null
);

-- The check reads a user's latest writes of one kind and scope, newest
-- first; pruning deletes a user's old writes of one kind (the prefix).
create index write_events_user_idx on write_events (user_id, kind, scope_id, at desc);
