//! Sign-in rate limits: failed sign-ins are counted per username and per
//! client address in a fixed window, in the database, so the limits hold
//! across every replica of auth and every gateway in front of it.
//!
//! Once a key reaches its limit, sign-ins under it get `429` with
//! `Retry-After` until its window ends, whether or not the password is
//! right. A successful sign-in clears the username's count.

use std::time::Duration;

use sqlx::PgPool;

use crate::error::{Error, Result};

/// How many failures each key may have in one window.
#[derive(Debug, Clone)]
pub struct SignInLimits {
    /// Failures per username (`SIGN_IN_MAX_FAILURES_PER_USERNAME`, default 5).
    pub per_username: i32,
    /// Failures per client address (`SIGN_IN_MAX_FAILURES_PER_CLIENT`, default 20).
    pub per_client: i32,
    /// The window (`SIGN_IN_FAILURE_WINDOW_SECONDS`, default 900).
    pub window: Duration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            per_username: 5,
            per_client: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// The counter keys of one sign-in attempt.
#[derive(Debug, Clone)]
pub struct AttemptKeys {
    username: String,
    client: String,
}

impl AttemptKeys {
    /// Keys for `username` (compared case-insensitively) from `client_ip`.
    pub fn new(username: &str, client_ip: &str) -> Self {
        AttemptKeys {
            username: format!("user:{}", username.trim().to_lowercase()),
            client: format!("client:{client_ip}"),
        }
    }

    fn limit_of(&self, key: &str, limits: &SignInLimits) -> i32 {
        if key == self.username {
            limits.per_username
        } else {
            limits.per_client
        }
    }
}

/// `Err(RateLimited)` when either key is over its limit in the current window.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn check(pool: &PgPool, keys: &AttemptKeys, limits: &SignInLimits) -> Result<()> {
    let rows = sqlx::query!(
        r#"
        select key, failures,
               extract(epoch from (window_start + make_interval(secs => $3) - now()))::float8 as "seconds_left!"
        from sign_in_failures
        where key in ($1, $2)
          and window_start > now() - make_interval(secs => $3)
        "#,
        keys.username,
        keys.client,
        limits.window.as_secs_f64(),
    )
    .fetch_all(pool)
    .await?;
    let blocked_for = rows
        .iter()
        .filter(|row| row.failures >= keys.limit_of(&row.key, limits))
        .map(|row| row.seconds_left)
        .fold(None, |longest: Option<f64>, left| {
            Some(longest.map_or(left, |longest| longest.max(left)))
        });
    match blocked_for {
        Some(seconds) => Err(Error::RateLimited(Duration::from_secs(
            seconds.ceil().max(1.0) as u64,
        ))),
        None => Ok(()),
    }
}

/// Counts one failure against both keys, starting a new window where the
/// old one has ended.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn record_failure(
    pool: &PgPool,
    keys: &AttemptKeys,
    limits: &SignInLimits,
) -> Result<()> {
    sqlx::query!(
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
        "#,
        keys.username,
        keys.client,
        limits.window.as_secs_f64(),
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets the username's failures after a successful sign-in.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn clear_username(pool: &PgPool, keys: &AttemptKeys) -> Result<()> {
    sqlx::query!("delete from sign_in_failures where key = $1", keys.username)
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes counters whose window has ended; run now and then.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn purge_expired(pool: &PgPool, limits: &SignInLimits) -> Result<u64> {
    let deleted = sqlx::query!(
        "delete from sign_in_failures where window_start <= now() - make_interval(secs => $1)",
        limits.window.as_secs_f64(),
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(deleted)
}
