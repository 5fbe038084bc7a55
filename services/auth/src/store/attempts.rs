//! Sign-in failure counters, one row per key (a digest of a username or a
//! client address) with a fixed window; what they mean is
//! [`crate::limits`]'s business.

use sqlx::PgExecutor;

/// A key's count after an attempt.
#[derive(Debug, Clone)]
pub struct AttemptCount {
    /// The counter key.
    pub key: String,
    /// Attempts in the current window, this one included.
    pub failures: i32,
    /// Seconds until the window ends.
    pub seconds_left: f64,
}

/// Counts one attempt against both keys in one upsert, starting a new
/// window where the old one (of `window_secs`) has ended, and reads the
/// new counts.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn count_attempt(
    db: impl PgExecutor<'_>,
    username_key: &str,
    client_key: &str,
    window_secs: f64,
) -> sqlx::Result<Vec<AttemptCount>> {
    let rows = sqlx::query!(
        r#"
        insert into sign_in_failures (key, window_start, failures)
        select key, now(), 1 from unnest(array[$1, $2]::text[]) as key
        on conflict (key) do update set
            failures = case
                when sign_in_failures.window_start <= now() - make_interval(secs => $3) then 1
                else sign_in_failures.failures + 1
            end,
            window_start = case
                when sign_in_failures.window_start <= now() - make_interval(secs => $3) then now()
                else sign_in_failures.window_start
            end
        returning key, failures,
            extract(epoch from (window_start + make_interval(secs => $3) - now()))::float8 as "seconds_left!"
        "#,
        username_key,
        client_key,
        window_secs,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AttemptCount {
            key: row.key,
            failures: row.failures,
            seconds_left: row.seconds_left,
        })
        .collect())
}

/// Deletes the username's counter and takes one attempt back from the
/// client's.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn forget_success(
    db: impl PgExecutor<'_>,
    username_key: &str,
    client_key: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"
        with forget as (delete from sign_in_failures where key = $1)
        update sign_in_failures set failures = greatest(failures - 1, 0) where key = $2
        "#,
        username_key,
        client_key,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes counters whose window (of `window_secs`) has ended; how many.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn purge_expired(db: impl PgExecutor<'_>, window_secs: f64) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "delete from sign_in_failures where window_start <= now() - make_interval(secs => $1)",
        window_secs,
    )
    .execute(db)
    .await?
    .rows_affected())
}
