-- How far the timetable service has applied each event source (auth's
-- outbox): moved in the same transaction as each event's effect, so an
-- event is applied once, however often it is delivered.
create table event_positions (
    source text primary key,
    position bigint not null
);

-- Erasing a user's friendships looks both ways up by index.
create index friendships_friend_idx on friendships (friend_id);
-- Erasing a user's grades and timetables uses the primary keys and
-- timetables_owner_idx.
