//! The queries of 직접 추가: custom entries, the time they occupy (their rows
//! in `timetable_slots`, beside the courses'), and what a new course or
//! entry would clash with.
//!
//! Each function is one statement, checked at compile time against the
//! migrations (`sqlx::query!`, offline data in `.sqlx/`). Lists are bounded
//! by the entries a timetable may hold; every lookup uses an index.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::error::Result;

/// A custom entry without its sessions.
#[derive(Debug, Clone)]
pub struct EntryRow {
    pub id: i64,
    pub timetable_id: i64,
    pub name: String,
    pub place: String,
    pub memo: String,
    pub created_at: DateTime<Utc>,
}

/// A weekly session of an entry: its slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntrySlotRow {
    pub entry_id: i64,
    pub day: i16,
    pub start_minute: i32,
    pub end_minute: i32,
}

/// Weekly times as parallel arrays: day (1–7), start and end minute.
#[derive(Debug, Clone, Default)]
pub struct Times {
    pub days: Vec<i16>,
    pub starts: Vec<i32>,
    pub ends: Vec<i32>,
}

impl FromIterator<(i16, i32, i32)> for Times {
    /// From `(day, start minute, end minute)` triples, in order.
    fn from_iter<I: IntoIterator<Item = (i16, i32, i32)>>(times: I) -> Self {
        let mut all = Times::default();
        for (day, start, end) in times {
            all.days.push(day);
            all.starts.push(start);
            all.ends.push(end);
        }
        all
    }
}

/// How many entries a timetable holds.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn entry_count(db: &mut PgConnection, timetable_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from custom_entries where timetable_id = $1"#,
        timetable_id
    )
    .fetch_one(db)
    .await?)
}

/// Creates an entry (without its time: [`insert_entry_slots`]).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_entry(
    db: &mut PgConnection,
    timetable_id: i64,
    name: &str,
    place: &str,
    memo: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"
        insert into custom_entries (timetable_id, name, place, memo)
        values ($1, $2, $3, $4)
        returning id
        "#,
        timetable_id,
        name,
        place,
        memo
    )
    .fetch_one(db)
    .await?)
}

/// Occupies an entry's times in its timetable. A clash violates
/// `timetable_slots_no_overlap`, also against a concurrent add that
/// commits first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_entry_slots(
    db: &mut PgConnection,
    timetable_id: i64,
    entry_id: i64,
    times: &Times,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        insert into timetable_slots (timetable_id, entry_id, day, minutes)
        select $1, $2, slot.day, int4range(slot.start_minute, slot.end_minute)
        from unnest($3::int2[], $4::int4[], $5::int4[]) as slot (day, start_minute, end_minute)
        "#,
        timetable_id,
        entry_id,
        &times.days,
        &times.starts,
        &times.ends
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What of a timetable overlaps any of `times`: the courses' ids (by code)
/// and the entries' ids (in the order they were added).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn clashing(
    db: impl PgExecutor<'_>,
    timetable_id: i64,
    times: &Times,
) -> Result<(Vec<i64>, Vec<i64>)> {
    let rows = sqlx::query!(
        r#"
        select distinct ts.course_id, ts.entry_id
        from unnest($2::int2[], $3::int4[], $4::int4[]) as slot (day, start_minute, end_minute)
        join timetable_slots ts
          on ts.timetable_id = $1 and ts.day = slot.day
         and ts.minutes && int4range(slot.start_minute, slot.end_minute)
        "#,
        timetable_id,
        &times.days,
        &times.starts,
        &times.ends
    )
    .fetch_all(db)
    .await?;
    let mut courses: Vec<i64> = rows.iter().filter_map(|row| row.course_id).collect();
    let mut entries: Vec<i64> = rows.iter().filter_map(|row| row.entry_id).collect();
    courses.sort_unstable();
    entries.sort_unstable();
    Ok((courses, entries))
}

/// The entries of these timetables, by timetable and in the order added,
/// each with its slots by day and start: one statement, a row per slot
/// (the entry's columns repeated), grouped here.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn entries_of_timetables(
    db: impl PgExecutor<'_>,
    timetable_ids: &[i64],
) -> Result<Vec<(EntryRow, Vec<EntrySlotRow>)>> {
    let rows = sqlx::query!(
        r#"
        select e.id, e.timetable_id, e.name, e.place, e.memo, e.created_at,
            ts.day as "day?", lower(ts.minutes) as "start_minute?",
            upper(ts.minutes) as "end_minute?"
        from custom_entries e
        left join timetable_slots ts on ts.entry_id = e.id
        where e.timetable_id = any($1)
        order by e.timetable_id, e.id, ts.day, lower(ts.minutes)
        "#,
        timetable_ids
    )
    .fetch_all(db)
    .await?;
    Ok(super::grouped(
        rows,
        |entry: &EntryRow, row| entry.id == row.id,
        |row| {
            let slot = match (row.day, row.start_minute, row.end_minute) {
                (Some(day), Some(start_minute), Some(end_minute)) => Some(EntrySlotRow {
                    entry_id: row.id,
                    day,
                    start_minute,
                    end_minute,
                }),
                _ => None,
            };
            let entry = EntryRow {
                id: row.id,
                timetable_id: row.timetable_id,
                name: row.name,
                place: row.place,
                memo: row.memo,
                created_at: row.created_at,
            };
            (entry, slot)
        },
    ))
}

/// Entries by id, in the order added.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn entries(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<Vec<EntryRow>> {
    Ok(sqlx::query_as!(
        EntryRow,
        r#"
        select id, timetable_id, name, place, memo, created_at
        from custom_entries
        where id = any($1)
        order by id
        "#,
        ids
    )
    .fetch_all(db)
    .await?)
}

/// The sessions of these entries, by entry, day and start.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn slots_of(db: impl PgExecutor<'_>, entry_ids: &[i64]) -> Result<Vec<EntrySlotRow>> {
    Ok(sqlx::query_as!(
        EntrySlotRow,
        r#"
        select entry_id as "entry_id!", day,
            lower(minutes) as "start_minute!", upper(minutes) as "end_minute!"
        from timetable_slots
        where entry_id = any($1)
        order by entry_id, day, lower(minutes)
        "#,
        entry_ids
    )
    .fetch_all(db)
    .await?)
}

/// Deletes an entry of a timetable (its slots go with it); false when the
/// timetable holds no such entry.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_entry(
    db: impl PgExecutor<'_>,
    timetable_id: i64,
    entry_id: i64,
) -> Result<bool> {
    let deleted = sqlx::query!(
        "delete from custom_entries where id = $1 and timetable_id = $2",
        entry_id,
        timetable_id
    )
    .execute(db)
    .await?;
    Ok(deleted.rows_affected() > 0)
}

/// Locks a timetable against changes until the transaction ends while it
/// is copied: adds take the stronger `for no key update` on the same row
/// and wait, so the copy sees the courses and entries of one moment.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn share_timetable(db: &mut PgConnection, id: i64) -> Result<bool> {
    let row = sqlx::query_scalar!("select id from timetables where id = $1 for share", id)
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}

/// Copies the courses of timetable `from` into `to`, with the time they
/// occupy (from the courses' sessions, like an add).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn copy_courses(db: &mut PgConnection, from: i64, to: i64) -> Result<()> {
    sqlx::query!(
        r#"
        insert into timetable_courses (timetable_id, course_id, added_at)
        select $2, course_id, added_at from timetable_courses where timetable_id = $1
        "#,
        from,
        to
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!(
        r#"
        insert into timetable_slots (timetable_id, course_id, day, minutes)
        select tc.timetable_id, tc.course_id, s.day, int4range(s.start_minute, s.end_minute)
        from timetable_courses tc
        join course_sessions s on s.course_id = tc.course_id
        where tc.timetable_id = $1
        "#,
        to
    )
    .execute(db)
    .await?;
    Ok(())
}
