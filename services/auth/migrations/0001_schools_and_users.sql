-- Schools, users, sign-in sessions and their refresh tokens, the keys that
-- sign access tokens, and the sign-in failure counters behind rate limits.
-- Every table lives in the auth schema (the connection's search_path).

create table schools (
    id bigint generated always as identity primary key,
    name text not null,
    created_at timestamptz not null default now(),
    constraint schools_name_key unique (name)
);

-- Seed universities; the first one also hosts the bootstrap admin.
insert into schools (name) values
    ('서울대학교'),
    ('연세대학교'),
    ('고려대학교'),
    ('한국과학기술원'),
    ('포항공과대학교'),
    ('성균관대학교'),
    ('한양대학교'),
    ('서강대학교'),
    ('중앙대학교'),
    ('경희대학교'),
    ('한국외국어대학교'),
    ('서울시립대학교'),
    ('이화여자대학교'),
    ('부산대학교'),
    ('경북대학교'),
    ('전남대학교');

create table users (
    id bigint generated always as identity primary key,
    school_id bigint not null references schools (id),
    username text not null,
    email text not null,
    nickname text not null,
    name text not null,
    password_hash text not null,
    role text not null default 'user',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint users_username_key unique (username),
    constraint users_nickname_key unique (nickname),
    constraint users_role_check check (role in ('user', 'admin'))
);

-- Emails are unique whatever their case.
create unique index users_email_key on users (lower(email));

-- A sign-in on one device. Its refresh tokens rotate; revoking the session
-- revokes all of them at once.
create table sessions (
    id bigint generated always as identity primary key,
    user_id bigint not null references users (id) on delete cascade,
    user_agent text not null default '',
    created_at timestamptz not null default now(),
    last_used_at timestamptz not null default now(),
    expires_at timestamptz not null,
    revoked_at timestamptz
);

create index sessions_live_by_user_idx on sessions (user_id, id desc) where revoked_at is null;

-- Refresh tokens are stored only as SHA-256 hashes. A token is spent once
-- it has been traded for a new one; presenting it again revokes its session.
create table refresh_tokens (
    id bigint generated always as identity primary key,
    session_id bigint not null references sessions (id) on delete cascade,
    token_hash bytea not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    spent_at timestamptz,
    constraint refresh_tokens_token_hash_key unique (token_hash)
);

create index refresh_tokens_session_idx on refresh_tokens (session_id);

-- Ed25519 keys that sign access tokens. The newest unretired key signs;
-- every unretired key is published in the JWK Set.
create table signing_keys (
    kid text primary key,
    seed bytea not null,
    created_at timestamptz not null default now(),
    retired_at timestamptz,
    constraint signing_keys_seed_length check (length(seed) = 32)
);

-- Failed sign-ins per username and per client address in a fixed window.
create table sign_in_failures (
    key text primary key,
    window_start timestamptz not null,
    failures integer not null
);

create index sign_in_failures_window_idx on sign_in_failures (window_start);
