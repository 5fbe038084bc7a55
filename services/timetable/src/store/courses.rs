//! The queries of the catalog: courses and their weekly sessions.
//!
//! Each function is one statement (or one small, fixed group of them),
//! checked at compile time against the migrations (`sqlx::query!`, offline
//! data in `.sqlx/`). Lists are bounded; every lookup uses an index.

use sqlx::{PgConnection, PgExecutor};

use crate::{
    domain::{CourseInput, Semester},
    error::Result,
};

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

/// An upserted course: its id, code, and whether it is new.
#[derive(Debug, Clone)]
pub struct Upserted {
    pub id: i64,
    pub code: String,
    pub inserted: bool,
}

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

/// Courses by id, by code.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn courses(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<Vec<CourseRow>> {
    Ok(sqlx::query_as!(
        CourseRow,
        r#"
        select id, school_id, semester, code, name, professor, credits
        from courses where id = any($1)
        order by code
        "#,
        ids
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
/// Adds take it before [`super::timetables::lock_timetable`], the order imports take courses
/// and then timetables in, so the two never wait on each other in a circle.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_course(db: &mut PgConnection, id: i64) -> Result<bool> {
    let row = sqlx::query_scalar!("select id from courses where id = $1 for share", id)
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}
