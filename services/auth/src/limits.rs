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
//!
//! The limits themselves are [`SignInLimits`] (in [`crate::domain`]); the
//! counters' SQL is [`crate::store::attempts`].

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::{
    domain::SignInLimits,
    error::{Error, Result},
    store::attempts,
};

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
pub async fn begin_attempt(pool: &PgPool, keys: &AttemptKeys, limits: &SignInLimits) -> Result<()> {
    let counts = attempts::count_attempt(
        pool,
        &keys.username,
        &keys.client,
        limits.window.as_secs_f64(),
    )
    .await?;
    let blocked_for = counts
        .iter()
        .filter(|count| count.failures > keys.limit_of(&count.key, limits))
        .map(|count| count.seconds_left)
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
pub async fn succeeded(pool: &PgPool, keys: &AttemptKeys) -> Result<()> {
    Ok(attempts::forget_success(pool, &keys.username, &keys.client).await?)
}

/// Deletes counters whose window has ended; run now and then.
pub async fn purge_expired(pool: &PgPool, limits: &SignInLimits) -> Result<u64> {
    Ok(attempts::purge_expired(pool, limits.window.as_secs_f64()).await?)
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
