//! Sign-in rate limits: sign-in attempts are counted per username and per
//! client address in a fixed window, in the database, so the limits hold
//! across every replica of auth and every gateway in front of it.
//!
//! An attempt is counted *before* its password is checked, in one atomic
//! upsert that also reads the new counts, so parallel guesses cannot all
//! slip past a check made before any of them was recorded. Once a key is
//! over its limit, sign-ins under it get `429` with `Retry-After` until its
//! window ends, whether or not the password is right. A successful sign-in
//! clears the username's count and takes itself back from the client's, so
//! the counts are, in effect, failures.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
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
///
/// Keys are digests: whatever a client sends as a username (it need not be
/// a valid one) makes a key of fixed size, and the table holds no usernames
/// or addresses in the clear.
#[derive(Debug, Clone)]
pub struct AttemptKeys {
    username: String,
    client: String,
}

impl AttemptKeys {
    /// Keys for `username` (compared case-insensitively) from `client_ip`.
    pub fn new(username: &str, client_ip: &str) -> Self {
        AttemptKeys {
            username: key("user", &username.trim().to_lowercase()),
            client: key("client", client_ip),
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

fn key(kind: &str, value: &str) -> String {
    format!(
        "{kind}:{}",
        URL_SAFE_NO_PAD.encode(Sha256::digest(value.as_bytes()))
    )
}

/// Counts one attempt against both keys, starting a new window where the
/// old one has ended; `Err(RateLimited)` when either key is now over its
/// limit.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn begin_attempt(pool: &PgPool, keys: &AttemptKeys, limits: &SignInLimits) -> Result<()> {
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
        keys.username,
        keys.client,
        limits.window.as_secs_f64(),
    )
    .fetch_all(pool)
    .await?;
    let blocked_for = rows
        .iter()
        .filter(|row| row.failures > keys.limit_of(&row.key, limits))
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

/// After a successful sign-in: forgets the username's failures and takes
/// this attempt back from the client's count.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn succeeded(pool: &PgPool, keys: &AttemptKeys) -> Result<()> {
    sqlx::query!(
        r#"
        with forget as (delete from sign_in_failures where key = $1)
        update sign_in_failures set failures = greatest(failures - 1, 0) where key = $2
        "#,
        keys.username,
        keys.client,
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fixed_size_digests_and_usernames_compare_case_insensitively() {
        let short = AttemptKeys::new("minsu", "127.0.0.1");
        let long = AttemptKeys::new(&"x".repeat(10_000), "127.0.0.1");
        assert_eq!(short.username.len(), long.username.len());
        assert!(!short.username.contains("minsu"));
        assert_eq!(
            AttemptKeys::new(" MinSu ", "1.2.3.4").username,
            short.username
        );
        assert_ne!(short.username, short.client);
    }
}
