//! Signing keys kept in the database (when none is configured): the seed
//! of each Ed25519 key, newest first, and an advisory lock so replicas
//! starting together agree on one key.

use sqlx::{PgConnection, PgExecutor};

/// Takes the transaction-scoped lock that serializes key creation.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_signing_keys(db: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("select pg_advisory_xact_lock(hashtext('everytime.auth.signing_keys'))")
        .execute(db)
        .await?;
    Ok(())
}

/// The seed of the newest unretired key, if there is one.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn newest_seed(db: &mut PgConnection) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar!(
        "select seed from signing_keys where retired_at is null order by created_at desc, kid limit 1"
    )
    .fetch_optional(db)
    .await
}

/// Stores a new key.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_signing_key(db: &mut PgConnection, kid: &str, seed: &[u8]) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into signing_keys (kid, seed) values ($1, $2)",
        kid,
        seed,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The seeds of every unretired key, newest first.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn unretired_seeds(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Vec<u8>>> {
    sqlx::query_scalar!(
        "select seed from signing_keys where retired_at is null order by created_at desc, kid"
    )
    .fetch_all(db)
    .await
}
