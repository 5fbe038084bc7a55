-- How far the community service has applied each event source (auth's
-- outbox): moved in the same transaction as each event's effect, so an
-- event is applied once, however often it is delivered.
create table event_positions (
    source text primary key,
    position bigint not null
);
