-- 강의평가: reviews of a lecture. A lecture is what students review across
-- sections and semesters: one school's course name and professor. Reviews
-- are always anonymous: the author's id is kept only to allow one review per
-- user, to answer "is it mine", to list "my reviews" and to refuse liking
-- one's own; no response ever carries it.

create table lectures (
    id bigint generated always as identity primary key,
    school_id bigint not null,
    name text not null,
    professor text not null,
    constraint lectures_key unique (school_id, name, professor)
);

create table reviews (
    id bigint generated always as identity primary key,
    lecture_id bigint not null references lectures (id) on delete cascade,
    author_id bigint not null,
    rating smallint not null,
    assignment text not null,
    team_project text not null,
    grading text not null,
    attendance text not null,
    exams smallint not null,
    content text not null,
    -- When the reviewer took the lecture.
    semester text not null,
    like_count integer not null default 0,
    created_at timestamptz not null default now(),
    constraint reviews_one_per_user_key unique (lecture_id, author_id),
    constraint reviews_rating_check check (rating between 1 and 5),
    constraint reviews_assignment_check check (assignment in ('many', 'normal', 'none')),
    constraint reviews_team_project_check check (team_project in ('many', 'normal', 'none')),
    constraint reviews_grading_check check (grading in ('generous', 'normal', 'strict')),
    constraint reviews_attendance_check check (attendance in ('every_time', 'sometimes', 'electronic', 'none')),
    constraint reviews_exams_check check (exams between 0 and 4),
    constraint reviews_content_check check (char_length(content) between 20 and 1000),
    constraint reviews_semester_check check (semester ~ '^[0-9]{4}-[12SW]$'),
    constraint reviews_like_count_check check (like_count >= 0)
);

-- The course page: a lecture's reviews, newest first, and its summary,
-- read from the index alone (the answers are in it).
create index reviews_lecture_idx on reviews (lecture_id, id desc)
    include (rating, assignment, team_project, grading, attendance);
-- "My reviews", newest first.
create index reviews_author_idx on reviews (author_id, id desc);

-- A 공감 on a review: once per user, for good.
create table review_likes (
    review_id bigint not null references reviews (id) on delete cascade,
    user_id bigint not null,
    created_at timestamptz not null default now(),
    constraint review_likes_pkey primary key (review_id, user_id)
);
