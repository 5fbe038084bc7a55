//! Known devices: device tokens (stored as hashes) of earlier successful
//! sign-ins, one row per token; what they allow is [`crate::limits`]'s and
//! [`crate::sessions`]' business.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// Records a device token of `user_id`, live until `expires_at`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_device(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into devices (token_hash, user_id, expires_at) values ($1, $2, $3)",
        token_hash,
        user_id,
        expires_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The user whose live device token this is, if any.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn device_user(db: impl PgExecutor<'_>, token_hash: &[u8]) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "select user_id from devices where token_hash = $1 and expires_at > now()",
        token_hash,
    )
    .fetch_optional(db)
    .await
}

/// Moves a live device token's expiry to `expires_at`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn extend_device(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update devices set expires_at = $2 where token_hash = $1",
        token_hash,
        expires_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes expired device tokens; how many.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn purge_expired(db: impl PgExecutor<'_>) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!("delete from devices where expires_at <= now()")
            .execute(db)
            .await?
            .rows_affected(),
    )
}
