//! Sign-in failure counters, one row per key (a digest of a username, a
//! client address block or a known device) with its count and the time of
//! its latest failure; what they mean is [`crate::limits`]'s business.

use sqlx::{PgConnection, PgExecutor};

/// A key's count, read under a row lock before an attempt.
#[derive(Debug, Clone)]
pub struct AttemptCount {
    /// The counter key.
    pub key: String,
    /// Failures not yet forgotten.
    pub failures: i32,
    /// Seconds since the latest of them.
    pub since_last: f64,
}

/// Locks the keys' counters for the transaction, creating missing ones at
/// zero and zeroing those whose latest failure is `window_secs` old, and
/// reads them.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_counts(
    db: &mut PgConnection,
    keys: &[String],
    window_secs: f64,
) -> sqlx::Result<Vec<AttemptCount>> {
    let rows = sqlx::query!(
        r#"
        insert into sign_in_failures (key, window_start, failures, last_failure_at)
        select key, now(), 0, now() from unnest($1::text[]) as key order by key
        on conflict (key) do update set
            failures = case
                when sign_in_failures.last_failure_at <= now() - make_interval(secs => $2) then 0
                else sign_in_failures.failures
            end
        returning key, failures,
            extract(epoch from (now() - last_failure_at))::float8 as "since_last!"
        "#,
        keys,
        window_secs,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AttemptCount {
            key: row.key,
            failures: row.failures,
            since_last: row.since_last,
        })
        .collect())
}

/// Counts one failure against each key, as of now.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn count_failure(db: &mut PgConnection, keys: &[String]) -> sqlx::Result<()> {
    sqlx::query!(
        "update sign_in_failures set failures = failures + 1, last_failure_at = now() where key = any($1)",
        keys,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes the `forget` counters and takes one failure back from the
/// `take_back` ones.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn forget_success(
    db: impl PgExecutor<'_>,
    forget: &[String],
    take_back: &[String],
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"
        with forget as (delete from sign_in_failures where key = any($1))
        update sign_in_failures set failures = greatest(failures - 1, 0) where key = any($2)
        "#,
        forget,
        take_back,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes counters whose latest failure is `window_secs` old; how many.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn purge_expired(db: impl PgExecutor<'_>, window_secs: f64) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "delete from sign_in_failures where last_failure_at <= now() - make_interval(secs => $1)",
        window_secs,
    )
    .execute(db)
    .await?
    .rows_affected())
}
