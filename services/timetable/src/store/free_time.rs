//! The queries of 공강 찾기: which of some users are the caller's friends,
//! and the time the primary timetables of several users occupy, in one
//! statement for all of them.
//!
//! Checked at compile time against the migrations (`sqlx::query!`, offline
//! data in `.sqlx/`). Both are bounded by the 1–10 users asked about.

use sqlx::PgExecutor;

use crate::error::Result;

/// A user's primary timetable and one slot of it; the slot is absent for a
/// timetable that occupies no time.
#[derive(Debug, Clone)]
pub struct PrimarySlotRow {
    pub owner_id: i64,
    pub visibility: String,
    pub day: Option<i16>,
    pub start_minute: Option<i32>,
    pub end_minute: Option<i32>,
}

/// Those of `user_ids` who are friends of `user_id`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn friends_among(
    db: impl PgExecutor<'_>,
    user_id: i64,
    user_ids: &[i64],
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar!(
        "select friend_id from friendships where user_id = $1 and friend_id = any($2)",
        user_id,
        user_ids
    )
    .fetch_all(db)
    .await?)
}

/// The weekday slots (courses and custom entries alike) of the primary
/// timetables of `user_ids` for a semester; a user without one has no row.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn primary_slots(
    db: impl PgExecutor<'_>,
    user_ids: &[i64],
    semester: &str,
) -> Result<Vec<PrimarySlotRow>> {
    Ok(sqlx::query_as!(
        PrimarySlotRow,
        r#"
        select t.owner_id, t.visibility, s.day as "day?",
            lower(s.minutes) as "start_minute?", upper(s.minutes) as "end_minute?"
        from timetables t
        left join timetable_slots s on s.timetable_id = t.id and s.day between 1 and 5
        where t.owner_id = any($1) and t.semester = $2 and t.is_primary
        "#,
        user_ids,
        semester
    )
    .fetch_all(db)
    .await?)
}
