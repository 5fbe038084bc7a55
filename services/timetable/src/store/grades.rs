//! The queries of the grade calculator: each user's courses per semester
//! and their target, and the courses of a primary timetable to fill a
//! semester from.
//!
//! Each function is one statement, checked at compile time against the
//! migrations (`sqlx::query!`, offline data in `.sqlx/`). Lists are
//! bounded; every lookup uses the primary key.

use sqlx::{PgConnection, PgExecutor};

use crate::{
    domain::limits::{GRADE_COURSES_MAX, MAX_GRADE_SEMESTERS},
    error::Result,
};

/// A stored course of a semester.
#[derive(Debug, Clone)]
pub struct GradeCourseRow {
    pub semester: String,
    pub name: String,
    pub half_credits: i16,
    pub grade: Option<String>,
    pub major: bool,
}

/// A course of a timetable, as the calculator takes it.
#[derive(Debug, Clone)]
pub struct TimetableCourseRow {
    pub name: String,
    pub credits: i32,
}

/// Serializes the changes to one user's grades until the transaction ends,
/// so two replacements of a semester cannot interleave.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_user(db: &mut PgConnection, user_id: i64) -> Result<()> {
    sqlx::query!(
        r#"select 1 as "locked!" from (select pg_advisory_xact_lock(hashtextextended('everytime.timetable.grades', $1))) as lock"#,
        user_id
    )
    .fetch_one(db)
    .await?;
    Ok(())
}

/// Every course of a user, or of one semester, by semester and position.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn courses_of(
    db: impl PgExecutor<'_>,
    user_id: i64,
    semester: Option<&str>,
) -> Result<Vec<GradeCourseRow>> {
    let limit = MAX_GRADE_SEMESTERS * i64::try_from(GRADE_COURSES_MAX).unwrap_or(i64::MAX);
    Ok(sqlx::query_as!(
        GradeCourseRow,
        r#"
        select semester, name, half_credits, grade, major
        from grade_courses
        where user_id = $1 and ($2::text is null or semester = $2)
        order by semester, ordinal
        limit $3
        "#,
        user_id,
        semester,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// The semesters a user keeps, besides `semester`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn other_semester_count(
    db: &mut PgConnection,
    user_id: i64,
    semester: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"
        select count(distinct semester) as "count!" from grade_courses
        where user_id = $1 and semester <> $2
        "#,
        user_id,
        semester
    )
    .fetch_one(db)
    .await?)
}

/// Deletes a semester's courses.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_semester(db: &mut PgConnection, user_id: i64, semester: &str) -> Result<()> {
    sqlx::query!(
        "delete from grade_courses where user_id = $1 and semester = $2",
        user_id,
        semester
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Inserts a semester's courses in the order given; the columns are
/// parallel arrays (one statement for the whole semester).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_courses(
    db: &mut PgConnection,
    user_id: i64,
    semester: &str,
    names: &[String],
    half_credits: &[i16],
    grades: &[Option<String>],
    majors: &[bool],
) -> Result<()> {
    sqlx::query!(
        r#"
        insert into grade_courses (user_id, semester, ordinal, name, half_credits, grade, major)
        select $1, $2, (course.ordinal - 1)::int2, course.name, course.half_credits, course.grade, course.major
        from unnest($3::text[], $4::int2[], $5::text[], $6::bool[])
            with ordinality as course (name, half_credits, grade, major, ordinal)
        "#,
        user_id,
        semester,
        names,
        half_credits,
        grades as &[Option<String>],
        majors
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A user's target credits, if set.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn target(db: impl PgExecutor<'_>, user_id: i64) -> Result<Option<i32>> {
    Ok(sqlx::query_scalar!(
        "select target_credits from grade_targets where user_id = $1",
        user_id
    )
    .fetch_optional(db)
    .await?)
}

/// Sets a user's target credits.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn set_target(db: impl PgExecutor<'_>, user_id: i64, target_credits: i32) -> Result<()> {
    sqlx::query!(
        r#"
        insert into grade_targets (user_id, target_credits) values ($1, $2)
        on conflict (user_id) do update set target_credits = excluded.target_credits, updated_at = now()
        "#,
        user_id,
        target_credits
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The courses of a user's primary timetable of a semester, by code;
/// `None` when there is no primary timetable.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn primary_timetable_courses(
    db: &mut PgConnection,
    user_id: i64,
    semester: &str,
) -> Result<Option<Vec<TimetableCourseRow>>> {
    let primary = sqlx::query_scalar!(
        "select id from timetables where owner_id = $1 and semester = $2 and is_primary",
        user_id,
        semester
    )
    .fetch_optional(&mut *db)
    .await?;
    let Some(timetable_id) = primary else {
        return Ok(None);
    };
    Ok(Some(
        sqlx::query_as!(
            TimetableCourseRow,
            r#"
            select c.name, c.credits
            from timetable_courses tc
            join courses c on c.id = tc.course_id
            where tc.timetable_id = $1
            order by c.code
            "#,
            timetable_id
        )
        .fetch_all(db)
        .await?,
    ))
}
