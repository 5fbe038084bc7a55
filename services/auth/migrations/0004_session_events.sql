-- auth's outbox: what other services must hear from auth, one row per
-- event, in the order they happened. Today: ended sessions (sign-out,
-- revocation, password change, refresh-token reuse, absolute lifetime,
-- account deletion); the same table will carry deleted users and nickname
-- changes. `EventService/WatchEvents` serves it from a position, then live.
create table events (
    position bigint generated always as identity primary key,
    kind text not null,
    session_id bigint,
    user_id bigint not null,
    at timestamptz not null default now()
);

-- Pruning deletes by age.
create index events_at_idx on events (at);

-- A session ends when its revoked_at is first set (or it is deleted while
-- live): the trigger writes the event in the same transaction as that
-- change, whatever code path made it, so no ended session is ever missed.
--
-- The advisory lock makes event transactions take positions one at a time
-- and commit in position order: a reader that has seen position n can
-- never later find a smaller position committed (no event is skipped by a
-- stream resuming after n). It is held to the end of the transaction, so
-- concurrent sign-outs queue here for the length of a commit.
--
-- NOTIFY wakes the live streams; the table stays the truth (a missed
-- notification costs at most the streams' poll interval).
--
-- `set search_path from current` pins the migration's search path (the
-- auth schema), so a session deleted from any connection (an operator's,
-- a cascade from users) finds the outbox.
create function record_session_ended() returns trigger
language plpgsql
set search_path from current
as $$
declare
    ended record;
begin
    if tg_op = 'DELETE' then
        ended := old;
        if old.revoked_at is not null then
            return old;
        end if;
    else
        ended := new;
    end if;
    perform pg_advisory_xact_lock(hashtextextended('auth.events', 0));
    insert into events (kind, session_id, user_id) values ('session_ended', ended.id, ended.user_id);
    perform pg_notify('auth_events', '');
    return ended;
end;
$$;

create trigger sessions_ended
    after update of revoked_at on sessions
    for each row
    when (old.revoked_at is null and new.revoked_at is not null)
    execute function record_session_ended();

create trigger sessions_deleted_live
    after delete on sessions
    for each row
    execute function record_session_ended();
