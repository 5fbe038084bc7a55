-- timetable's outbox on the event channel: friend requests, which the
-- community service turns into notifications (알림). Written in the
-- transaction of the request by record_friend_requested(), served by
-- FriendEventService/WatchFriendEvents from a position, then live.
create table events (
    position bigint generated always as identity primary key,
    kind text not null,
    request_id bigint not null,
    from_user_id bigint not null,
    to_user_id bigint not null,
    from_nickname text not null default '',
    at timestamptz not null default now(),
    constraint events_kind_check check (kind in ('friend_requested'))
);

-- Pruning deletes by age and position.
create index events_at_idx on events (at);

-- The durable consumers' last acknowledged positions: events are kept
-- until every consumer heard from in the last 30 days has passed them.
create table event_consumers (
    name text primary key,
    position bigint not null,
    seen_at timestamptz not null default now(),
    constraint event_consumers_name_check check (name ~ '^[a-z][a-z0-9_-]{0,39}$')
);

-- Positions are taken one transaction at a time (the advisory lock is held
-- to commit), so no smaller position commits after a larger one is
-- visible: a stream that sent position n never misses a smaller one.
-- The NOTIFY wakes the streams at commit.
create function record_friend_requested(
    request bigint, asker bigint, asked bigint, asker_nickname text
) returns void
language plpgsql
set search_path from current
as $$
begin
    perform pg_advisory_xact_lock(hashtextextended('timetable.events', 0));
    insert into events (kind, request_id, from_user_id, to_user_id, from_nickname)
        values ('friend_requested', request, asker, asked, asker_nickname);
    perform pg_notify('timetable_events', '');
end;
$$;
