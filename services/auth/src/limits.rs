//! Sign-in rate limits that slow guessing down without locking anyone out:
//! failures are counted per username, per client address block (an IPv4
//! address, an IPv6 /64) and per known device, in the database, so the
//! limits hold across every replica of auth and every gateway in front of
//! it.
//!
//! A key's first failures are free; after that each attempt must wait a
//! delay that doubles with every further failure (see
//! [`SignInLimits::delay`]), and one that comes too early gets `429` with
//! `Retry-After` without its password being checked (so it costs no hash
//! and counts nothing). An attempt is counted as a failure *before* its
//! password is checked, under a row lock on its counters, so parallel
//! guesses cannot all slip past a check made before any of them was
//! recorded; a success takes its attempt back.
//!
//! A sign-in that presents a known device of the user it names (OWASP's
//! device cookies) is counted against that device alone: a stranger's
//! failures for the username or from the address never hold it up.
//!
//! The limits themselves are [`SignInLimits`] (in [`crate::domain`]); the
//! counters' SQL is [`crate::store::attempts`].

use std::{net::IpAddr, time::Duration};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use everytime_common::net;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::{
    domain::SignInLimits,
    error::{Error, Result},
    store::{attempts, devices},
};

/// What a counter key counts, which decides its free failures and what a
/// success does to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Username,
    Client,
    Device,
}

/// The counter keys of one attempt.
///
/// Keys are digests: whatever a client sends as a username (it need not be
/// a valid one) makes a key of fixed size, and the table holds no
/// usernames, addresses or device tokens in the clear.
#[derive(Debug, Clone)]
pub struct AttemptKeys {
    keys: Vec<(Kind, String)>,
}

impl AttemptKeys {
    /// Keys for `username` (compared case-insensitively) from `client_ip`.
    pub fn new(username: &str, client_ip: &str) -> Self {
        AttemptKeys {
            keys: vec![
                (Kind::Username, username_key(username)),
                (Kind::Client, key("client", &address_block(client_ip))),
            ],
        }
    }

    /// The key of a username alone: for checks of a signed-in user's
    /// password, which share the username's count with sign-in.
    pub fn username(username: &str) -> Self {
        AttemptKeys {
            keys: vec![(Kind::Username, username_key(username))],
        }
    }

    /// The key of a known device (by its token's hash) alone.
    pub fn device(token_hash: &[u8]) -> Self {
        AttemptKeys {
            keys: vec![(Kind::Device, key_of_bytes("device", token_hash))],
        }
    }

    fn names(&self, pick: impl Fn(Kind) -> bool) -> Vec<String> {
        self.keys
            .iter()
            .filter(|(kind, _)| pick(*kind))
            .map(|(_, name)| name.clone())
            .collect()
    }

    fn free_failures(&self, name: &str, limits: &SignInLimits) -> i32 {
        match self.keys.iter().find(|(_, key)| key == name) {
            Some((Kind::Client, _)) => limits.per_client,
            _ => limits.per_username,
        }
    }
}

fn username_key(username: &str) -> String {
    key("user", &username.trim().to_lowercase())
}

fn key(kind: &str, value: &str) -> String {
    key_of_bytes(kind, value.as_bytes())
}

fn key_of_bytes(kind: &str, value: &[u8]) -> String {
    format!("{kind}:{}", URL_SAFE_NO_PAD.encode(Sha256::digest(value)))
}

/// The block an address is counted in: an IPv4 address itself, an IPv6
/// address's /64 (one subscriber's share, which can hold any number of
/// addresses). Anything unparsable counts as itself.
fn address_block(ip: &str) -> String {
    match ip.trim().parse::<IpAddr>().map(net::address_block) {
        Ok(IpAddr::V6(block)) => format!("{block}/64"),
        Ok(ip) => ip.to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// Counts one attempt as a failure against every key, unless one of them
/// must still wait: then `Err(RateLimited)` with the longest wait, and
/// nothing is counted.
pub async fn begin_attempt(pool: &PgPool, keys: &AttemptKeys, limits: &SignInLimits) -> Result<()> {
    let names = keys.names(|_| true);
    let mut tx = pool.begin().await?;
    let counts = attempts::lock_counts(&mut tx, &names, limits.window.as_secs_f64()).await?;
    let wait = counts
        .iter()
        .map(|count| {
            let delay = limits.delay(count.failures, keys.free_failures(&count.key, limits));
            // `now()` is when the transaction began, so a failure counted
            // by one that began later looks a hair in the future: never
            // a wait of its own.
            match delay.is_zero() {
                true => 0.0,
                false => delay.as_secs_f64() - count.since_last.max(0.0),
            }
        })
        .fold(0.0_f64, f64::max);
    if wait > 0.0 {
        // Dropping the transaction rolls the new, empty counters back.
        return Err(Error::RateLimited(Duration::from_secs(
            wait.ceil().max(1.0) as u64,
        )));
    }
    attempts::count_failure(&mut tx, &names).await?;
    tx.commit().await?;
    Ok(())
}

/// After a successful attempt: forgets the username's and the device's
/// failures and takes this attempt back from the client's count.
pub async fn succeeded(pool: &PgPool, keys: &AttemptKeys) -> Result<()> {
    Ok(attempts::forget_success(
        pool,
        &keys.names(|kind| kind != Kind::Client),
        &keys.names(|kind| kind == Kind::Client),
    )
    .await?)
}

/// Deletes counters forgotten by now and expired device tokens; run now
/// and then.
pub async fn purge_expired(pool: &PgPool, limits: &SignInLimits) -> Result<u64> {
    let counters = attempts::purge_expired(pool, limits.window.as_secs_f64()).await?;
    let devices = devices::purge_expired(pool).await?;
    // Deleted accounts' email digests, once their day is over.
    let deleted = crate::store::users::forget_deleted_before(
        pool,
        chrono::Utc::now() - crate::domain::DELETED_EMAIL_HOLD,
    )
    .await?;
    Ok(counters + devices + deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fixed_size_digests_and_usernames_compare_case_insensitively() {
        let short = AttemptKeys::new("minsu", "127.0.0.1");
        let long = AttemptKeys::new(&"x".repeat(10_000), "127.0.0.1");
        let username = |keys: &AttemptKeys| keys.names(|kind| kind == Kind::Username);
        assert_eq!(username(&short)[0].len(), username(&long)[0].len());
        assert!(!username(&short)[0].contains("minsu"));
        assert_eq!(
            username(&AttemptKeys::new(" MinSu ", "1.2.3.4")),
            username(&short)
        );
        assert_eq!(username(&AttemptKeys::username("minsu")), username(&short));
        assert_ne!(username(&short), short.names(|kind| kind == Kind::Client));
    }

    #[test]
    fn an_ipv6_address_counts_in_its_64_and_ipv4_in_itself() {
        assert_eq!(
            address_block("2001:db8:1:2:aaaa::1"),
            address_block("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_eq!(address_block("2001:db8:1:2::9"), "2001:db8:1:2::/64");
        assert_ne!(
            address_block("2001:db8:1:2::1"),
            address_block("2001:db8:1:3::1")
        );
        assert_eq!(address_block("::ffff:192.0.2.1"), "192.0.2.1");
        assert_ne!(address_block("192.0.2.1"), address_block("192.0.2.2"));
        assert_eq!(address_block("unknown"), "unknown");
    }
}
