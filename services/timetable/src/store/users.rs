//! What the timetable service holds of one user, erased when they leave.
//!
//! One statement per table, all in the caller's transaction (the event's),
//! each by an index. Reviews stay: they never named their author, and the
//! lecture's summary keeps counting them; the review likes a user gave stay
//! counted too.

use sqlx::PgConnection;

use crate::error::Result;

/// Deletes a user's timetables (their courses, custom entries and slots go
/// with them), friendships both ways, friend requests either way, and
/// grades; the rows deleted, for the log.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn erase_user(db: &mut PgConnection, user_id: i64) -> Result<u64, sqlx::Error> {
    let mut erased = 0;
    erased += sqlx::query!("delete from timetables where owner_id = $1", user_id)
        .execute(&mut *db)
        .await?
        .rows_affected();
    erased += sqlx::query!(
        "delete from friendships where user_id = $1 or friend_id = $1",
        user_id
    )
    .execute(&mut *db)
    .await?
    .rows_affected();
    erased += sqlx::query!(
        "delete from friend_requests where from_user_id = $1 or to_user_id = $1",
        user_id
    )
    .execute(&mut *db)
    .await?
    .rows_affected();
    erased += sqlx::query!("delete from grade_courses where user_id = $1", user_id)
        .execute(&mut *db)
        .await?
        .rows_affected();
    erased += sqlx::query!("delete from grade_targets where user_id = $1", user_id)
        .execute(&mut *db)
        .await?
        .rows_affected();
    Ok(erased)
}
