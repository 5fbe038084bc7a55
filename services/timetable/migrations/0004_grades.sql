-- The grade calculator (학점계산기): each user's courses and grades per
-- semester, and the credits they aim at. Users are plain ids owned by auth.
-- Arithmetic stays exact: credits are stored in half-credit units and every
-- average is computed from integers.

-- One course of a user's semester. A semester exists while it has courses;
-- replacing it deletes and reinserts its rows under the user's lock.
create table grade_courses (
    user_id bigint not null,
    semester text not null,
    -- The position in the semester as the user put it, from 0.
    ordinal smallint not null,
    name text not null,
    -- Credits times two: 1 (0.5 credits) to 20 (10 credits).
    half_credits smallint not null,
    -- A+ A0 B+ B0 C+ C0 D+ D0 F P NP; null while not known (counts nowhere).
    grade text,
    -- A major course counts in the major average too.
    major boolean not null default false,
    constraint grade_courses_pkey primary key (user_id, semester, ordinal),
    constraint grade_courses_semester_check check (semester ~ '^[0-9]{4}-[12SW]$'),
    constraint grade_courses_ordinal_check check (ordinal between 0 and 29),
    constraint grade_courses_name_check check (char_length(name) between 1 and 40),
    constraint grade_courses_half_credits_check check (half_credits between 1 and 20),
    constraint grade_courses_grade_check check (
        grade in ('A+', 'A0', 'B+', 'B0', 'C+', 'C0', 'D+', 'D0', 'F', 'P', 'NP')
    )
);

-- The credits a user aims at (to graduate); no row until set.
create table grade_targets (
    user_id bigint primary key,
    target_credits integer not null,
    updated_at timestamptz not null default now(),
    constraint grade_targets_credits_check check (target_credits between 1 and 300)
);
