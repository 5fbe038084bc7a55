-- 직접 추가: blocks of a user's own in a timetable (a study group, a
-- part-time job). An entry's weekly sessions are its rows in
-- timetable_slots, the same table that holds the time of the timetable's
-- courses, so the one exclusion constraint keeps courses and entries apart
-- whatever races: of a course add and an entry add that overlap, the
-- second insert waits for the first and fails.

create table custom_entries (
    id bigint generated always as identity primary key,
    timetable_id bigint not null references timetables (id) on delete cascade,
    name text not null,
    -- Empty when not given.
    place text not null default '',
    memo text not null default '',
    created_at timestamptz not null default now(),
    constraint custom_entries_name_check check (char_length(name) between 1 and 40),
    constraint custom_entries_place_check check (char_length(place) <= 40),
    constraint custom_entries_memo_check check (char_length(memo) <= 200)
);

create index custom_entries_timetable_idx on custom_entries (timetable_id, id);

-- A slot is a course's or an entry's, never both. A course's slots still
-- follow its membership of the timetable (the composite foreign key, which
-- is not checked while course_id is null); an entry's go with the entry.
alter table timetable_slots
    alter column course_id drop not null,
    add column entry_id bigint references custom_entries (id) on delete cascade,
    add constraint timetable_slots_owner_check check ((course_id is null) <> (entry_id is null));

create index timetable_slots_entry_idx on timetable_slots (entry_id) where entry_id is not null;
