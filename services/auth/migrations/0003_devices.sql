-- Known devices (OWASP "device cookies"): each successful sign-in hands the
-- client a random device token, stored here only as its SHA-256 hash. A
-- correct password presented with a live device token of the same user
-- signs in whatever the failure counts of its address or username.
create table devices (
    token_hash bytea primary key,
    user_id bigint not null references users (id) on delete cascade,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null
);

create index devices_user_idx on devices (user_id);
create index devices_expires_idx on devices (expires_at);

-- Failures now make a rising delay measured from the latest one (instead of
-- a lockout until a fixed window ends), and are forgotten a window after it.
alter table sign_in_failures
    add column last_failure_at timestamptz not null default now();

create index sign_in_failures_last_failure_idx on sign_in_failures (last_failure_at);
