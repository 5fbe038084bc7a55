//! auth's outbox (`events`, migration 0004): reading it from a position,
//! pruning it, and ending sessions for reasons the session itself carries
//! (its absolute lifetime). Events are written by the `sessions` triggers,
//! in the transaction that ends the session, never by a query here.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// One stored event.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub position: i64,
    pub kind: String,
    pub session_id: Option<i64>,
    pub user_id: i64,
    pub at: DateTime<Utc>,
}

/// The NOTIFY channel the triggers wake streams on.
pub const CHANNEL: &str = "auth_events";

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
        select position, kind, session_id, user_id, at
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

/// Deletes the events from before `before`; how many it deleted.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn prune_before(db: impl PgExecutor<'_>, before: DateTime<Utc>) -> sqlx::Result<u64> {
    Ok(sqlx::query!("delete from events where at < $1", before)
        .execute(db)
        .await?
        .rows_affected())
}

/// Revokes the session `id` when it started at or before `started_before`
/// and is still live; true when it did.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn end_session_started_before(
    db: &mut PgConnection,
    id: i64,
    started_before: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let row = sqlx::query_scalar!(
        r#"
        update sessions set revoked_at = now()
        where id = $1 and created_at <= $2 and revoked_at is null
        returning id
        "#,
        id,
        started_before
    )
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}
