//! auth's outbox (`events`, migrations 0004 and 0005): reading it from a
//! position, writing account events, the durable consumers' positions,
//! pruning, and ending sessions for reasons the session itself carries
//! (its absolute lifetime). Ended sessions are written by the `sessions`
//! triggers, in the transaction that ends the session; account events by
//! [`record_user_event`], in the transaction of the change.

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

/// An account event: `user_deleted`, `nickname_changed` or
/// `profile_changed`.
pub const USER_DELETED: &str = "user_deleted";
pub const NICKNAME_CHANGED: &str = "nickname_changed";
pub const PROFILE_CHANGED: &str = "profile_changed";
/// The kind of the events token verifiers need, pruned by age alone.
pub const SESSION_ENDED: &str = "session_ended";

/// Records an account event in the caller's transaction (in position order
/// with every other event; see migration 0005).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn record_user_event(
    db: &mut PgConnection,
    kind: &str,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query!("select record_user_event($1, $2)", kind, user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Prunes the outbox: ended sessions from before `sessions_before`; account
/// events from before `accounts_before` that every consumer heard from
/// since `consumers_since` has passed (none while no consumer is known).
/// Consumers silent since before `consumers_since` are forgotten first.
/// How many events it deleted.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn prune(
    db: &mut PgConnection,
    sessions_before: DateTime<Utc>,
    accounts_before: DateTime<Utc>,
    consumers_since: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let forgotten = sqlx::query_scalar!(
        "delete from event_consumers where seen_at < $1 returning name",
        consumers_since
    )
    .fetch_all(&mut *db)
    .await?;
    for name in forgotten {
        tracing::warn!(
            consumer = name,
            "an event consumer was silent too long and is forgotten"
        );
    }
    let sessions = sqlx::query!(
        "delete from events where kind = $1 and at < $2",
        SESSION_ENDED,
        sessions_before
    )
    .execute(&mut *db)
    .await?
    .rows_affected();
    let accounts = sqlx::query!(
        r#"
        delete from events
        where kind <> $1 and at < $2
          and position <= (select min(position) from event_consumers)
        "#,
        SESSION_ENDED,
        accounts_before
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(sessions + accounts)
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
