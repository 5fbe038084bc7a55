-- Accounts that leave, nicknames that change at most every 30 days, and
-- the durable consumers of the outbox.

-- When the nickname last changed by the user's own hand (sign-up and the
-- admin bootstrap leave it null): the next change waits 30 days from it.
alter table users add column nickname_changed_at timestamptz;

-- 회원 탈퇴 erases the user's row (username, email, name, password and the
-- nickname go with it); only a digest of the lowercased email stays, for a
-- day, so the same email cannot sign up again at once.
create table deleted_accounts (
    email_digest bytea primary key,
    deleted_at timestamptz not null default now(),
    constraint deleted_accounts_digest_length check (length(email_digest) = 32)
);

create index deleted_accounts_deleted_at_idx on deleted_accounts (deleted_at);

-- The outbox's durable consumers (community, timetable, ...) and the last
-- position each has applied, as it acknowledged it. Account events are
-- pruned only once every known consumer has passed them; a consumer not
-- heard from for 30 days is forgotten.
create table event_consumers (
    name text primary key,
    position bigint not null,
    seen_at timestamptz not null default now(),
    constraint event_consumers_name_check check (name ~ '^[a-z][a-z0-9_-]{0,39}$')
);

-- Writes an account event (`user_deleted`, `nickname_changed`) in the
-- caller's transaction, with the same ordering guarantee as ended sessions:
-- positions are taken one transaction at a time and commit in order.
create function record_user_event(event_kind text, event_user_id bigint) returns void
language plpgsql
set search_path from current
as $$
begin
    perform pg_advisory_xact_lock(hashtextextended('auth.events', 0));
    insert into events (kind, user_id) values (event_kind, event_user_id);
    perform pg_notify('auth_events', '');
end;
$$;

-- Account events are read by kind and position when pruning.
create index events_kind_position_idx on events (kind, position);
