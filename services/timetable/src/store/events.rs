//! timetable's outbox (`events`, migration 0006): recording a friend
//! request in the transaction that makes it, reading the outbox from a
//! position, and pruning (consumers acknowledge through
//! `everytime_common::outbox::acknowledge`).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// The NOTIFY channel `record_friend_requested()` wakes streams on.
pub const CHANNEL: &str = "timetable_events";

/// One stored event.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub position: i64,
    pub kind: String,
    pub request_id: i64,
    pub from_user_id: i64,
    pub to_user_id: i64,
    pub from_nickname: String,
    pub at: DateTime<Utc>,
}

/// The kind of a friend request's event.
pub const FRIEND_REQUESTED: &str = "friend_requested";

/// Records a friend request in the caller's transaction, in position order
/// with every other event.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn record_friend_requested(
    db: &mut PgConnection,
    request_id: i64,
    from_user_id: i64,
    to_user_id: i64,
    from_nickname: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "select record_friend_requested($1, $2, $3, $4)",
        request_id,
        from_user_id,
        to_user_id,
        from_nickname
    )
    .execute(db)
    .await?;
    Ok(())
}

/// At most `limit` events after `after`, oldest first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn events_after(
    db: impl PgExecutor<'_>,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as!(
        EventRow,
        r#"
        select position, kind, request_id, from_user_id, to_user_id, from_nickname, at
        from events
        where position > $1
        order by position
        limit $2
        "#,
        after,
        limit
    )
    .fetch_all(db)
    .await
}

/// Deletes the events older than `before` that every consumer seen since
/// `heard_since` has passed (all of them older than `before` when no
/// consumer has been heard from); how many.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn prune(
    db: impl PgExecutor<'_>,
    before: DateTime<Utc>,
    heard_since: DateTime<Utc>,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        r#"
        delete from events
        where at < $1
          and position <= coalesce(
              (select min(position) from event_consumers where seen_at >= $2),
              9223372036854775807
          )
        "#,
        before,
        heard_since
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// Deletes the events about a user who left (undelivered requests of
/// theirs, or to them, notify no one).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn erase_user(db: &mut PgConnection, user_id: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "delete from events where from_user_id = $1 or to_user_id = $1",
        user_id
    )
    .execute(db)
    .await?
    .rows_affected())
}
