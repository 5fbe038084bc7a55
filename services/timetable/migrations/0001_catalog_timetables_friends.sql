-- The course catalog, timetables and friends. Every table lives in the
-- timetable schema (the connection's search_path); users and schools are
-- plain ids owned by auth.

-- Exclusion constraints mixing `=` on plain columns with `&&` on ranges need
-- btree_gist. Deployment (and the launcher) create it in public beforehand,
-- where a service role without CREATE on the database cannot; then this is
-- a no-op. Another service migrating the same database at the same moment
-- may create it first; that is fine too.
do $$
begin
    create extension if not exists btree_gist with schema public;
exception
    when unique_violation or duplicate_object then null;
end
$$;

-- A course section of one school's semester. `code` is the section code.
create table courses (
    id bigint generated always as identity primary key,
    school_id bigint not null,
    semester text not null,
    code text not null,
    name text not null,
    professor text not null,
    credits integer not null,
    -- The days the course meets, bit 0 Monday to bit 6 Sunday: the day
    -- filter of a search is one AND on the row, not a lookup per match.
    days smallint not null,
    -- Lowercased "name\nprofessor\ncode": the exact substring recheck of a
    -- search. Queries never contain control characters, so a match never
    -- spans two fields.
    search_key text not null,
    -- "<school>/<semester>/<gram>" for every character and every pair of
    -- neighbouring characters of each lowercased field: a search for q asks
    -- for all of q's grams (`@>`), which the GIN index answers even for one-
    -- and two-character Korean queries, where trigrams cannot help. The
    -- school and semester prefix keeps a common gram selective.
    search_grams text[] not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint courses_code_key unique (school_id, semester, code),
    constraint courses_semester_check check (semester ~ '^[0-9]{4}-[12SW]$'),
    constraint courses_credits_check check (credits between 0 and 30),
    constraint courses_days_check check (days between 1 and 127)
);

-- fastupdate off: an import writes straight into the index instead of a
-- pending list that every search would scan linearly (and that makes the
-- planner shun the index) until vacuum merges it.
create index courses_search_grams_idx on courses using gin (search_grams) with (fastupdate = off);

-- The weekly meetings of a course. Days are 1 (Monday) to 7 (Sunday); times
-- are minutes after midnight, [start, end).
create table course_sessions (
    course_id bigint not null references courses (id) on delete cascade,
    ordinal smallint not null,
    day smallint not null,
    start_minute integer not null,
    end_minute integer not null,
    room text not null,
    primary key (course_id, ordinal),
    constraint course_sessions_day_check check (day between 1 and 7),
    constraint course_sessions_time_check check (0 <= start_minute and start_minute < end_minute and end_minute <= 1440),
    -- A course never clashes with itself.
    constraint course_sessions_no_overlap exclude using gist (
        course_id with =, day with =, int4range(start_minute, end_minute) with &&
    )
);

-- A user's timetable for one semester. The school is the owner's at
-- creation (from the token), so "anyone of the same school" needs no call
-- to auth.
create table timetables (
    id bigint generated always as identity primary key,
    owner_id bigint not null,
    school_id bigint not null,
    semester text not null,
    name text not null,
    is_primary boolean not null default false,
    visibility text not null default 'friends',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint timetables_semester_check check (semester ~ '^[0-9]{4}-[12SW]$'),
    constraint timetables_visibility_check check (visibility in ('private', 'friends', 'public'))
);

-- One primary timetable per owner and semester, whatever races.
create unique index timetables_one_primary_key on timetables (owner_id, semester) where is_primary;
create index timetables_owner_idx on timetables (owner_id, semester, id);

-- The courses of a timetable.
create table timetable_courses (
    timetable_id bigint not null references timetables (id) on delete cascade,
    course_id bigint not null references courses (id) on delete cascade,
    added_at timestamptz not null default now(),
    constraint timetable_courses_pkey primary key (timetable_id, course_id)
);

create index timetable_courses_course_idx on timetable_courses (course_id);

-- The weekly time a timetable's courses occupy: one row per session of each
-- course in it. The exclusion constraint is what makes a clash impossible,
-- even when two adds race: the second insert waits for the first and fails.
create table timetable_slots (
    timetable_id bigint not null,
    course_id bigint not null,
    day smallint not null,
    minutes int4range not null,
    constraint timetable_slots_course_fkey foreign key (timetable_id, course_id)
        references timetable_courses (timetable_id, course_id) on delete cascade,
    constraint timetable_slots_no_overlap exclude using gist (
        timetable_id with =, day with =, minutes with &&
    )
);

create index timetable_slots_course_idx on timetable_slots (course_id);

-- A pending friend request. At most one per pair of users, whichever way
-- round: two users asking each other at once cannot both wait; the second
-- one finds the first and they become friends. The school is the sender's;
-- only a recipient of the same school sees or accepts it.
create table friend_requests (
    id bigint generated always as identity primary key,
    from_user_id bigint not null,
    to_user_id bigint not null,
    school_id bigint not null,
    created_at timestamptz not null default now(),
    constraint friend_requests_not_self check (from_user_id <> to_user_id)
);

create unique index friend_requests_pair_key
    on friend_requests (least(from_user_id, to_user_id), greatest(from_user_id, to_user_id));
create index friend_requests_to_idx on friend_requests (to_user_id, id desc);
create index friend_requests_from_idx on friend_requests (from_user_id, id desc);

-- A friendship, stored once in each direction so "my friends" is one index
-- range; both rows are written and removed in one transaction.
create table friendships (
    user_id bigint not null,
    friend_id bigint not null,
    created_at timestamptz not null default now(),
    constraint friendships_pkey primary key (user_id, friend_id),
    constraint friendships_not_self check (user_id <> friend_id)
);
