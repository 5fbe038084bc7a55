//! The queries of timetables: the timetables, the courses they hold and
//! the time those occupy (`timetable_slots`, whose exclusion constraint
//! [`SLOTS_NO_OVERLAP`] keeps a timetable free of clashes).
//!
//! Each function is one statement (or one small, fixed group of them),
//! checked at compile time against the migrations (`sqlx::query!`, offline
//! data in `.sqlx/`). Lists are bounded; every lookup uses an index.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::{
    courses::{CourseRow, SessionRow},
    friends::FriendRow,
};
use crate::{
    domain::limits::{MAX_FRIENDS, MAX_LISTED_TIMETABLES},
    error::Result,
};

/// The constraint that keeps a timetable's sessions apart.
pub const SLOTS_NO_OVERLAP: &str = "timetable_slots_no_overlap";

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

/// A course of a timetable, with its sessions by day and time.
#[derive(Debug, Clone)]
pub struct TimetableCourseRow {
    pub timetable_id: i64,
    pub course: CourseRow,
    pub sessions: Vec<SessionRow>,
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

/// The first screen's two lookups in one statement: `owner_id`'s primary
/// timetable of `semester`, if there is one, and their friends, newest
/// first (as [`friends_of`](super::friends::friends_of) lists them).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn primary_timetable_and_friends(
    db: impl PgExecutor<'_>,
    owner_id: i64,
    semester: &str,
) -> Result<(Option<TimetableRow>, Vec<FriendRow>)> {
    let row = sqlx::query!(
        r#"
        select t.id as "id?", t.owner_id as "owner_id?", t.school_id as "school_id?",
            t.semester as "semester?", t.name as "name?", t.is_primary as "is_primary?",
            t.visibility as "visibility?", t.created_at as "created_at?",
            f.ids as "friend_ids!", f.since as "friend_since!"
        from (
            select coalesce(array_agg(friend_id order by created_at desc, friend_id), '{}') as ids,
                coalesce(array_agg(created_at order by created_at desc, friend_id), '{}') as since
            from (
                select friend_id, created_at from friendships
                where user_id = $1
                order by created_at desc, friend_id
                limit $3
            ) listed
        ) f
        left join timetables t on t.owner_id = $1 and t.semester = $2 and t.is_primary
        "#,
        owner_id,
        semester,
        MAX_FRIENDS
    )
    .fetch_one(db)
    .await?;
    let timetable = (|| {
        Some(TimetableRow {
            id: row.id?,
            owner_id: row.owner_id?,
            school_id: row.school_id?,
            semester: row.semester?,
            name: row.name?,
            is_primary: row.is_primary?,
            visibility: row.visibility?,
            created_at: row.created_at?,
        })
    })();
    let friends = row
        .friend_ids
        .into_iter()
        .zip(row.friend_since)
        .map(|(friend_id, created_at)| FriendRow {
            friend_id,
            created_at,
        })
        .collect();
    Ok((timetable, friends))
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

/// The courses of these timetables, by timetable and code, each with its
/// sessions by day and time: one statement, a row per session (the
/// course's columns repeated), grouped here.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn courses_of_timetables(
    db: impl PgExecutor<'_>,
    timetable_ids: &[i64],
) -> Result<Vec<TimetableCourseRow>> {
    let rows = sqlx::query!(
        r#"
        select tc.timetable_id, c.id, c.school_id, c.semester, c.code, c.name, c.professor, c.credits,
            cs.day as "day?", cs.start_minute as "start_minute?", cs.end_minute as "end_minute?",
            cs.room as "room?"
        from timetable_courses tc
        join courses c on c.id = tc.course_id
        left join course_sessions cs on cs.course_id = c.id
        where tc.timetable_id = any($1)
        order by tc.timetable_id, c.code, c.id, cs.day, cs.start_minute, cs.end_minute, cs.room
        "#,
        timetable_ids
    )
    .fetch_all(db)
    .await?;
    let courses = super::grouped(
        rows,
        |(timetable_id, course): &(i64, CourseRow), row| {
            *timetable_id == row.timetable_id && course.id == row.id
        },
        |row| {
            let session = match (row.day, row.start_minute, row.end_minute, row.room) {
                (Some(day), Some(start_minute), Some(end_minute), Some(room)) => Some(SessionRow {
                    course_id: row.id,
                    day,
                    start_minute,
                    end_minute,
                    room,
                }),
                _ => None,
            };
            let course = CourseRow {
                id: row.id,
                school_id: row.school_id,
                semester: row.semester,
                code: row.code,
                name: row.name,
                professor: row.professor,
                credits: row.credits,
            };
            ((row.timetable_id, course), session)
        },
    );
    Ok(courses
        .into_iter()
        .map(|((timetable_id, course), sessions)| TimetableCourseRow {
            timetable_id,
            course,
            sessions,
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
