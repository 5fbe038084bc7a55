//! The timetable schema's queries: courses and their sessions, timetables
//! and the time they occupy, friend requests and friendships.
//!
//! Each function is one statement (or one small, fixed group of them),
//! checked at compile time against the migrations (`sqlx::query!`, offline
//! data in `.sqlx/`). Lists are bounded; every lookup uses an index.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::{
    domain::{CourseInput, Semester},
    error::Result,
};

/// A user may keep at most this many timetables per semester.
pub const MAX_TIMETABLES_PER_SEMESTER: i64 = 20;
/// `ListTimetables` without a semester returns at most this many.
pub const MAX_LISTED_TIMETABLES: i64 = 200;
/// A user may have at most this many friends (one `BatchGetUsers` names them all).
pub const MAX_FRIENDS: i64 = 400;
/// Each of the incoming and outgoing request lists shows at most this many, newest first.
pub const MAX_LISTED_REQUESTS: i64 = 200;

/// The constraint that keeps a timetable's sessions apart.
pub const SLOTS_NO_OVERLAP: &str = "timetable_slots_no_overlap";
/// At most one pending request between two users.
pub const REQUEST_PAIR_KEY: &str = "friend_requests_pair_key";

/// A course of the catalog.
#[derive(Debug, Clone)]
pub struct CourseRow {
    pub id: i64,
    pub school_id: i64,
    pub semester: String,
    pub code: String,
    pub name: String,
    pub professor: String,
    pub credits: i32,
}

/// A weekly session of a course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub course_id: i64,
    pub day: i16,
    pub start_minute: i32,
    pub end_minute: i32,
    pub room: String,
}

/// A timetable without its courses.
#[derive(Debug, Clone)]
pub struct TimetableRow {
    pub id: i64,
    pub owner_id: i64,
    pub school_id: i64,
    pub semester: String,
    pub name: String,
    pub is_primary: bool,
    pub visibility: String,
    pub created_at: DateTime<Utc>,
}

/// A course of a timetable.
#[derive(Debug, Clone)]
pub struct TimetableCourseRow {
    pub timetable_id: i64,
    pub course: CourseRow,
}

/// A pending friend request.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub from_user_id: i64,
    pub to_user_id: i64,
    pub school_id: i64,
    pub created_at: DateTime<Utc>,
}

/// A friend and since when.
#[derive(Debug, Clone)]
pub struct FriendRow {
    pub friend_id: i64,
    pub created_at: DateTime<Utc>,
}

/// An upserted course: its id, code, and whether it is new.
#[derive(Debug, Clone)]
pub struct Upserted {
    pub id: i64,
    pub code: String,
    pub inserted: bool,
}

// ---------------------------------------------------------------- catalog

/// Inserts or updates courses by (school, semester, code). `grams` holds
/// each course's search tokens joined by U+001F (no token contains it).
#[tracing::instrument(skip_all, fields(courses = courses.len()))]
pub async fn upsert_courses(
    db: &mut PgConnection,
    school_id: i64,
    semester: &Semester,
    courses: &[CourseInput],
    search_keys: &[String],
    grams: &[String],
) -> Result<Vec<Upserted>> {
    let codes: Vec<&str> = courses.iter().map(|course| course.code.as_str()).collect();
    let names: Vec<&str> = courses.iter().map(|course| course.name.as_str()).collect();
    let professors: Vec<&str> = courses
        .iter()
        .map(|course| course.professor.as_str())
        .collect();
    let credits: Vec<i32> = courses.iter().map(|course| course.credits).collect();
    let days: Vec<i16> = courses.iter().map(CourseInput::day_mask).collect();
    Ok(sqlx::query_as!(
        Upserted,
        r#"
        insert into courses (school_id, semester, code, name, professor, credits, days, search_key, search_grams)
        select $1, $2, t.code, t.name, t.professor, t.credits, t.days, t.search_key, string_to_array(t.grams, chr(31))
        from unnest($3::text[], $4::text[], $5::text[], $6::int4[], $7::int2[], $8::text[], $9::text[])
            as t (code, name, professor, credits, days, search_key, grams)
        order by t.code
        on conflict (school_id, semester, code) do update set
            name = excluded.name,
            professor = excluded.professor,
            credits = excluded.credits,
            days = excluded.days,
            search_key = excluded.search_key,
            search_grams = excluded.search_grams,
            updated_at = now()
        returning id, code, (xmax = 0) as "inserted!"
        "#,
        school_id,
        semester.as_str(),
        &codes as &[&str],
        &names as &[&str],
        &professors as &[&str],
        &credits,
        &days,
        search_keys,
        grams,
    )
    .fetch_all(db)
    .await?)
}

/// The sessions of these courses, by course, day and time.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn sessions_of(db: impl PgExecutor<'_>, course_ids: &[i64]) -> Result<Vec<SessionRow>> {
    Ok(sqlx::query_as!(
        SessionRow,
        r#"
        select course_id, day, start_minute, end_minute, room
        from course_sessions
        where course_id = any($1)
        order by course_id, day, start_minute, end_minute, room
        "#,
        course_ids
    )
    .fetch_all(db)
    .await?)
}

/// Replaces the sessions of `course_ids` with `sessions`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn replace_sessions(
    db: &mut PgConnection,
    course_ids: &[i64],
    sessions: &[SessionRow],
) -> Result<()> {
    sqlx::query!(
        "delete from course_sessions where course_id = any($1)",
        course_ids
    )
    .execute(&mut *db)
    .await?;
    let ids: Vec<i64> = sessions.iter().map(|s| s.course_id).collect();
    let days: Vec<i16> = sessions.iter().map(|s| s.day).collect();
    let starts: Vec<i32> = sessions.iter().map(|s| s.start_minute).collect();
    let ends: Vec<i32> = sessions.iter().map(|s| s.end_minute).collect();
    let rooms: Vec<&str> = sessions.iter().map(|s| s.room.as_str()).collect();
    sqlx::query!(
        r#"
        insert into course_sessions (course_id, ordinal, day, start_minute, end_minute, room)
        select t.course_id,
               (row_number() over (partition by t.course_id order by t.n))::int2,
               t.day, t.start_minute, t.end_minute, t.room
        from unnest($1::int8[], $2::int2[], $3::int4[], $4::int4[], $5::text[])
            with ordinality as t (course_id, day, start_minute, end_minute, room, n)
        "#,
        &ids,
        &days,
        &starts,
        &ends,
        &rooms as &[&str],
    )
    .execute(db)
    .await?;
    Ok(())
}

/// After the sessions of `course_ids` changed: rewrites the time those
/// courses occupy in every timetable holding them. Where a course's new
/// times clash with another course of a timetable, it leaves that timetable
/// (which never holds a clash); those (timetable, course) pairs are returned.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn reslot_courses(db: &mut PgConnection, course_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    sqlx::query!(
        "delete from timetable_slots where course_id = any($1)",
        course_ids
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!(
        r#"
        insert into timetable_slots (timetable_id, course_id, day, minutes)
        select tc.timetable_id, tc.course_id, s.day, int4range(s.start_minute, s.end_minute)
        from timetable_courses tc
        join course_sessions s on s.course_id = tc.course_id
        where tc.course_id = any($1)
        order by tc.added_at, tc.timetable_id, tc.course_id, s.ordinal
        on conflict do nothing
        "#,
        course_ids
    )
    .execute(&mut *db)
    .await?;
    let dropped = sqlx::query!(
        r#"
        delete from timetable_courses tc
        where tc.course_id = any($1)
          and (select count(*) from timetable_slots ts
               where ts.timetable_id = tc.timetable_id and ts.course_id = tc.course_id)
            < (select count(*) from course_sessions s where s.course_id = tc.course_id)
        returning tc.timetable_id, tc.course_id
        "#,
        course_ids
    )
    .fetch_all(db)
    .await?;
    Ok(dropped
        .into_iter()
        .map(|row| (row.timetable_id, row.course_id))
        .collect())
}

/// Refreshes the planner's statistics of `courses` (after an import).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn analyze_courses(db: impl PgExecutor<'_>) -> Result<()> {
    // Not a `query!`: a utility statement has nothing for the macro to check.
    sqlx::query("analyze courses").execute(db).await?;
    Ok(())
}

/// Serializes the demo catalog loads of one school's semester until the
/// transaction ends, so replicas starting together load it once.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_demo_load(db: &mut PgConnection, school_id: i64, semester: &str) -> Result<()> {
    sqlx::query!(
        r#"select 1 as "locked!" from (select pg_advisory_xact_lock(hashtextextended('everytime.timetable.demo/' || $2, $1))) as lock"#,
        school_id,
        semester
    )
    .fetch_one(db)
    .await?;
    Ok(())
}

/// How many courses a school has for a semester.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn count_courses(db: impl PgExecutor<'_>, school_id: i64, semester: &str) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from courses where school_id = $1 and semester = $2"#,
        school_id,
        semester
    )
    .fetch_one(db)
    .await?)
}

/// A page of a school's semester's courses by code, after `after` (`""`
/// for the first page), optionally only those meeting on a day of
/// `day_mask` (bit 0 Monday).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn list_courses(
    db: impl PgExecutor<'_>,
    school_id: i64,
    semester: &str,
    day_mask: Option<i16>,
    after: &str,
    limit: i64,
) -> Result<Vec<CourseRow>> {
    Ok(sqlx::query_as!(
        CourseRow,
        r#"
        select c.id, c.school_id, c.semester, c.code, c.name, c.professor, c.credits
        from courses c
        where c.school_id = $1 and c.semester = $2 and c.code > $4
          and ($3::int2 is null or c.days & $3 <> 0)
        order by c.code
        limit $5
        "#,
        school_id,
        semester,
        day_mask,
        after,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// [`list_courses`] of the courses whose name, professor or code contains
/// `key` (lowercased). The GIN index finds the rows holding every one of
/// `grams`; `strpos` rechecks the exact substring.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn search_courses(
    db: impl PgExecutor<'_>,
    school_id: i64,
    semester: &str,
    grams: &[String],
    key: &str,
    day_mask: Option<i16>,
    after: &str,
    limit: i64,
) -> Result<Vec<CourseRow>> {
    Ok(sqlx::query_as!(
        CourseRow,
        r#"
        select c.id, c.school_id, c.semester, c.code, c.name, c.professor, c.credits
        from courses c
        where c.search_grams @> $3::text[]
          and strpos(c.search_key, $4) > 0
          and c.school_id = $1 and c.semester = $2 and c.code > $6
          and ($5::int2 is null or c.days & $5 <> 0)
        order by c.code
        limit $7
        "#,
        school_id,
        semester,
        grams,
        key,
        day_mask,
        after,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// A course by id.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn course(db: impl PgExecutor<'_>, id: i64) -> Result<Option<CourseRow>> {
    Ok(sqlx::query_as!(
        CourseRow,
        r#"
        select id, school_id, semester, code, name, professor, credits
        from courses where id = $1
        "#,
        id
    )
    .fetch_optional(db)
    .await?)
}

// ---------------------------------------------------------------- timetables

/// Serializes the transactions that change which timetables an owner has
/// (create, delete, switch primary) until the transaction ends.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_owner(db: &mut PgConnection, owner_id: i64) -> Result<()> {
    sqlx::query!(
        r#"select 1 as "locked!" from (select pg_advisory_xact_lock(hashtextextended('everytime.timetable.owner', $1))) as lock"#,
        owner_id
    )
    .fetch_one(db)
    .await?;
    Ok(())
}

/// The owner's timetables, newest semester first, then oldest first; of one
/// semester when given.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn timetables_of_owner(
    db: impl PgExecutor<'_>,
    owner_id: i64,
    semester: Option<&str>,
) -> Result<Vec<TimetableRow>> {
    Ok(sqlx::query_as!(
        TimetableRow,
        r#"
        select id, owner_id, school_id, semester, name, is_primary, visibility, created_at
        from timetables
        where owner_id = $1 and ($2::text is null or semester = $2)
        order by semester desc, id
        limit $3
        "#,
        owner_id,
        semester,
        MAX_LISTED_TIMETABLES
    )
    .fetch_all(db)
    .await?)
}

/// A timetable by id.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn timetable(db: impl PgExecutor<'_>, id: i64) -> Result<Option<TimetableRow>> {
    Ok(sqlx::query_as!(
        TimetableRow,
        r#"
        select id, owner_id, school_id, semester, name, is_primary, visibility, created_at
        from timetables where id = $1
        "#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// The owner's primary timetable of a semester.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn primary_timetable(
    db: impl PgExecutor<'_>,
    owner_id: i64,
    semester: &str,
) -> Result<Option<TimetableRow>> {
    Ok(sqlx::query_as!(
        TimetableRow,
        r#"
        select id, owner_id, school_id, semester, name, is_primary, visibility, created_at
        from timetables where owner_id = $1 and semester = $2 and is_primary
        "#,
        owner_id,
        semester
    )
    .fetch_optional(db)
    .await?)
}

/// Creates a timetable.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_timetable(
    db: &mut PgConnection,
    owner_id: i64,
    school_id: i64,
    semester: &str,
    name: &str,
    is_primary: bool,
) -> Result<TimetableRow> {
    Ok(sqlx::query_as!(
        TimetableRow,
        r#"
        insert into timetables (owner_id, school_id, semester, name, is_primary)
        values ($1, $2, $3, $4, $5)
        returning id, owner_id, school_id, semester, name, is_primary, visibility, created_at
        "#,
        owner_id,
        school_id,
        semester,
        name,
        is_primary
    )
    .fetch_one(db)
    .await?)
}

/// Renames and/or changes the visibility; `None` keeps the value.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn update_timetable(
    db: &mut PgConnection,
    id: i64,
    name: Option<&str>,
    visibility: Option<&str>,
) -> Result<()> {
    sqlx::query!(
        r#"
        update timetables set
            name = coalesce($2, name),
            visibility = coalesce($3, visibility),
            updated_at = now()
        where id = $1
        "#,
        id,
        name,
        visibility
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Makes `id` the primary timetable of its owner's semester and the others
/// not. Two statements, the old primary cleared first: the partial unique
/// index is checked row by row and would refuse two primaries even for a
/// moment. Run it in a transaction, so nobody sees the semester without one.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn make_primary(
    db: &mut PgConnection,
    id: i64,
    owner_id: i64,
    semester: &str,
) -> Result<()> {
    sqlx::query!(
        r#"
        update timetables set is_primary = false, updated_at = now()
        where owner_id = $1 and semester = $2 and is_primary and id <> $3
        "#,
        owner_id,
        semester,
        id
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!(
        "update timetables set is_primary = true, updated_at = now() where id = $1 and not is_primary",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes a timetable (its courses and slots go with it).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_timetable(db: &mut PgConnection, id: i64) -> Result<()> {
    sqlx::query!("delete from timetables where id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// Makes the oldest of the owner's semester's timetables primary, if any.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn promote_oldest(db: &mut PgConnection, owner_id: i64, semester: &str) -> Result<()> {
    sqlx::query!(
        r#"
        update timetables set is_primary = true, updated_at = now()
        where id = (select id from timetables where owner_id = $1 and semester = $2
                    order by created_at, id limit 1)
        "#,
        owner_id,
        semester
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The names of the owner's timetables of a semester.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn timetable_names(
    db: &mut PgConnection,
    owner_id: i64,
    semester: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "select name from timetables where owner_id = $1 and semester = $2",
        owner_id,
        semester
    )
    .fetch_all(db)
    .await?)
}

/// The courses of these timetables, by timetable and code.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn courses_of_timetables(
    db: impl PgExecutor<'_>,
    timetable_ids: &[i64],
) -> Result<Vec<TimetableCourseRow>> {
    let rows = sqlx::query!(
        r#"
        select tc.timetable_id, c.id, c.school_id, c.semester, c.code, c.name, c.professor, c.credits
        from timetable_courses tc
        join courses c on c.id = tc.course_id
        where tc.timetable_id = any($1)
        order by tc.timetable_id, c.code
        "#,
        timetable_ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| TimetableCourseRow {
            timetable_id: row.timetable_id,
            course: CourseRow {
                id: row.id,
                school_id: row.school_id,
                semester: row.semester,
                code: row.code,
                name: row.name,
                professor: row.professor,
                credits: row.credits,
            },
        })
        .collect())
}

/// The ids of a timetable's courses in the order they were added.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn course_ids_by_addition(
    db: impl PgExecutor<'_>,
    timetable_id: i64,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar!(
        "select course_id from timetable_courses where timetable_id = $1 order by added_at, course_id",
        timetable_id
    )
    .fetch_all(db)
    .await?)
}

/// Share-locks a course's row until the transaction ends; false when it is
/// gone. An import's upsert takes the row's update lock, which conflicts
/// with this one, so an add that holds it copies sessions no import is
/// replacing, and an import that holds the update lock makes the add wait
/// and then copy the new sessions. (The foreign key of `timetable_courses`
/// only takes a key-share lock, which an import's update does not block.)
/// Adds take it before [`lock_timetable`], the order imports take courses
/// and then timetables in, so the two never wait on each other in a circle.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_course(db: &mut PgConnection, id: i64) -> Result<bool> {
    let row = sqlx::query_scalar!("select id from courses where id = $1 for share", id)
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}

/// Locks the timetables holding any of `course_ids`, in id order, until
/// the transaction ends: an import re-slotting those courses then has the
/// timetables to itself, like an add (see [`lock_timetable`]), so neither
/// waits on the other's half-written slots.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_timetables_holding(db: &mut PgConnection, course_ids: &[i64]) -> Result<()> {
    sqlx::query_scalar!(
        r#"
        select t.id from timetables t
        where t.id in (select tc.timetable_id from timetable_courses tc where tc.course_id = any($1))
        order by t.id
        for no key update of t
        "#,
        course_ids
    )
    .fetch_all(db)
    .await?;
    Ok(())
}

/// Locks a timetable's row until the transaction ends, so adds to one
/// timetable queue up instead of deadlocking on each other's slots (the
/// exclusion constraint still decides who clashes); false when it is gone.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_timetable(db: &mut PgConnection, id: i64) -> Result<bool> {
    let row = sqlx::query_scalar!(
        "select id from timetables where id = $1 for no key update",
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// Puts a course in a timetable; false when it is there already.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_timetable_course(
    db: &mut PgConnection,
    timetable_id: i64,
    course_id: i64,
) -> Result<bool> {
    let inserted = sqlx::query!(
        r#"
        insert into timetable_courses (timetable_id, course_id) values ($1, $2)
        on conflict do nothing
        returning course_id
        "#,
        timetable_id,
        course_id
    )
    .fetch_optional(db)
    .await?;
    Ok(inserted.is_some())
}

/// Occupies the course's sessions in the timetable. A clash violates
/// [`SLOTS_NO_OVERLAP`], also against a concurrent add that commits first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_slots(
    db: &mut PgConnection,
    timetable_id: i64,
    course_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        insert into timetable_slots (timetable_id, course_id, day, minutes)
        select $1, course_id, day, int4range(start_minute, end_minute)
        from course_sessions where course_id = $2
        "#,
        timetable_id,
        course_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The courses of the timetable that clash with the course's sessions.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn clashing_courses(
    db: impl PgExecutor<'_>,
    timetable_id: i64,
    course_id: i64,
) -> Result<Vec<CourseRow>> {
    Ok(sqlx::query_as!(
        CourseRow,
        r#"
        select c.id, c.school_id, c.semester, c.code, c.name, c.professor, c.credits
        from courses c
        where c.id <> $2 and c.id in (
            select ts.course_id
            from course_sessions s
            join timetable_slots ts
              on ts.timetable_id = $1 and ts.day = s.day
             and ts.minutes && int4range(s.start_minute, s.end_minute)
            where s.course_id = $2
        )
        order by c.code
        "#,
        timetable_id,
        course_id
    )
    .fetch_all(db)
    .await?)
}

/// Takes a course out of a timetable (its slots go with it); false when it
/// was not there.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_timetable_course(
    db: impl PgExecutor<'_>,
    timetable_id: i64,
    course_id: i64,
) -> Result<bool> {
    let deleted = sqlx::query!(
        "delete from timetable_courses where timetable_id = $1 and course_id = $2",
        timetable_id,
        course_id
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected() > 0)
}

// ---------------------------------------------------------------- friends

/// Serializes the friend changes touching these users until the
/// transaction ends; locks in id order, so two transactions never wait on
/// each other in a circle.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_users(db: &mut PgConnection, a: i64, b: i64) -> Result<()> {
    let (low, high) = (a.min(b), a.max(b));
    lock_user(db, low).await?;
    if high != low {
        lock_user(db, high).await?;
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
async fn lock_user(db: &mut PgConnection, user_id: i64) -> Result<()> {
    sqlx::query!(
        r#"select 1 as "locked!" from (select pg_advisory_xact_lock(hashtextextended('everytime.timetable.friends', $1))) as lock"#,
        user_id
    )
    .fetch_one(db)
    .await?;
    Ok(())
}

/// Whether `friend_id` is a friend of `user_id`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn are_friends(db: impl PgExecutor<'_>, user_id: i64, friend_id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from friendships where user_id = $1 and friend_id = $2) as "exists!""#,
        user_id,
        friend_id
    )
    .fetch_one(db)
    .await?)
}

/// How many friends a user has.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn friend_count(db: &mut PgConnection, user_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from friendships where user_id = $1"#,
        user_id
    )
    .fetch_one(db)
    .await?)
}

/// A user's friends, newest friendship first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn friends_of(db: impl PgExecutor<'_>, user_id: i64) -> Result<Vec<FriendRow>> {
    Ok(sqlx::query_as!(
        FriendRow,
        r#"
        select friend_id, created_at from friendships
        where user_id = $1
        order by created_at desc, friend_id
        limit $2
        "#,
        user_id,
        MAX_FRIENDS
    )
    .fetch_all(db)
    .await?)
}

/// Makes two users friends, both ways; returns since when.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_friendship(db: &mut PgConnection, a: i64, b: i64) -> Result<DateTime<Utc>> {
    sqlx::query!(
        r#"
        insert into friendships (user_id, friend_id) values ($1, $2), ($2, $1)
        on conflict do nothing
        "#,
        a,
        b
    )
    .execute(&mut *db)
    .await?;
    Ok(sqlx::query_scalar!(
        "select created_at from friendships where user_id = $1 and friend_id = $2",
        a,
        b
    )
    .fetch_one(db)
    .await?)
}

/// Ends a friendship both ways; false when there was none.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_friendship(db: impl PgExecutor<'_>, a: i64, b: i64) -> Result<bool> {
    let deleted = sqlx::query!(
        r#"
        delete from friendships
        where (user_id = $1 and friend_id = $2) or (user_id = $2 and friend_id = $1)
        "#,
        a,
        b
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected() > 0)
}

/// The pending request from `from` to `to`, if any.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn request_between(
    db: &mut PgConnection,
    from: i64,
    to: i64,
) -> Result<Option<RequestRow>> {
    Ok(sqlx::query_as!(
        RequestRow,
        r#"
        select id, from_user_id, to_user_id, school_id, created_at
        from friend_requests
        where from_user_id = $1 and to_user_id = $2
        "#,
        from,
        to
    )
    .fetch_optional(db)
    .await?)
}

/// A request by id.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn request(db: impl PgExecutor<'_>, id: i64) -> Result<Option<RequestRow>> {
    Ok(sqlx::query_as!(
        RequestRow,
        r#"
        select id, from_user_id, to_user_id, school_id, created_at
        from friend_requests where id = $1
        "#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// Records a request; a pending one between the two either way violates
/// [`REQUEST_PAIR_KEY`].
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_request(
    db: &mut PgConnection,
    from: i64,
    to: i64,
    school_id: i64,
) -> Result<RequestRow, sqlx::Error> {
    sqlx::query_as!(
        RequestRow,
        r#"
        insert into friend_requests (from_user_id, to_user_id, school_id) values ($1, $2, $3)
        returning id, from_user_id, to_user_id, school_id, created_at
        "#,
        from,
        to,
        school_id
    )
    .fetch_one(db)
    .await
}

/// Deletes request `id` if `user_id` sent or received it.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_request_of(db: impl PgExecutor<'_>, id: i64, user_id: i64) -> Result<bool> {
    let deleted = sqlx::query!(
        "delete from friend_requests where id = $1 and (from_user_id = $2 or to_user_id = $2)",
        id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected() > 0)
}

/// Deletes request `id` addressed to `to` and returns it.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn take_request_to(
    db: &mut PgConnection,
    id: i64,
    to: i64,
) -> Result<Option<RequestRow>> {
    Ok(sqlx::query_as!(
        RequestRow,
        r#"
        delete from friend_requests where id = $1 and to_user_id = $2
        returning id, from_user_id, to_user_id, school_id, created_at
        "#,
        id,
        to
    )
    .fetch_optional(db)
    .await?)
}

/// Requests addressed to `user_id` from their school, newest first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn incoming_requests(
    db: impl PgExecutor<'_>,
    user_id: i64,
    school_id: i64,
) -> Result<Vec<RequestRow>> {
    Ok(sqlx::query_as!(
        RequestRow,
        r#"
        select id, from_user_id, to_user_id, school_id, created_at
        from friend_requests
        where to_user_id = $1 and school_id = $2
        order by id desc
        limit $3
        "#,
        user_id,
        school_id,
        MAX_LISTED_REQUESTS
    )
    .fetch_all(db)
    .await?)
}

/// Requests `user_id` sent, newest first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn outgoing_requests(db: impl PgExecutor<'_>, user_id: i64) -> Result<Vec<RequestRow>> {
    Ok(sqlx::query_as!(
        RequestRow,
        r#"
        select id, from_user_id, to_user_id, school_id, created_at
        from friend_requests
        where from_user_id = $1
        order by id desc
        limit $2
        "#,
        user_id,
        MAX_LISTED_REQUESTS
    )
    .fetch_all(db)
    .await?)
}
