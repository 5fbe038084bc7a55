//! Per-client token buckets for the public auth endpoints: cheap flood
//! protection in front of the expensive password hashing, one bucket for
//! sign-in and another for sign-up. Refresh has none: every app refreshes
//! every few minutes, and a campus behind one address would empty any
//! bucket on refreshes alone (a refresh costs no password hash, and a
//! refresh token cannot be guessed). The precise, cross-replica limits on
//! failed sign-ins live in the auth service; these only cap request rates
//! per gateway.
//!
//! Clients are keyed by address block: an IPv4 address, or an IPv6 /64
//! (one subscriber's share, which holds any number of addresses).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use everytime_common::net::address_block;

use crate::{error::ApiError, extract::client_meta};

/// Buckets kept at most; beyond this, full (idle) buckets are dropped.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets keyed by client address.
#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// Allows `per_minute` requests a minute per client, in bursts of as many.
    pub fn per_minute(per_minute: u32) -> Self {
        Self::per_period(per_minute, Duration::from_secs(60))
    }

    /// Allows `per_hour` requests an hour per client, in bursts of as many.
    pub fn per_hour(per_hour: u32) -> Self {
        Self::per_period(per_hour, Duration::from_secs(60 * 60))
    }

    fn per_period(requests: u32, period: Duration) -> Self {
        let capacity = f64::from(requests.max(1));
        RateLimiter {
            capacity,
            per_second: capacity / period.as_secs_f64(),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `client`'s address block, or says how long until
    /// one is free.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let client = address_block(client);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED {
            let (capacity, per_second) = (self.capacity, self.per_second);
            buckets.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second
                    < capacity
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.capacity,
            updated: now,
        });
        let refill = now.duration_since(bucket.updated).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

/// What [`limit_auth`] needs: the buckets of one kind of request, and
/// whether the client address may be taken from `X-Forwarded-For`.
#[derive(Debug, Clone)]
pub struct AuthLimit {
    /// The per-client buckets, shared by every route this limit guards.
    pub limiter: Arc<RateLimiter>,
    /// `TRUST_FORWARDED_FOR`.
    pub trust_forwarded_for: bool,
}

/// Middleware: `429` with `Retry-After` once a client's bucket is empty.
pub async fn limit_auth(State(limit): State<AuthLimit>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let client = client_meta(&parts, limit.trust_forwarded_for).ip;
    if let Some(ip) = client
        && let Err(wait) = limit.limiter.check(ip, Instant::now())
    {
        return ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests from this client; try again later",
        )
        .with_retry_after(wait.as_secs_f64().ceil() as u64)
        .into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 8));

    #[test]
    fn a_burst_up_to_the_limit_passes_and_the_next_waits() {
        let limiter = RateLimiter::per_minute(3);
        let now = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(CLIENT, now).is_ok());
        }
        let wait = limiter.check(CLIENT, now).unwrap_err();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(
            limiter.check(OTHER, now).is_ok(),
            "clients have their own buckets"
        );
    }

    #[test]
    fn tokens_refill_with_time() {
        let limiter = RateLimiter::per_minute(60);
        let start = Instant::now();
        for _ in 0..60 {
            assert!(limiter.check(CLIENT, start).is_ok());
        }
        assert!(limiter.check(CLIENT, start).is_err());
        assert!(
            limiter
                .check(CLIENT, start + Duration::from_secs(1))
                .is_ok()
        );
    }

    #[test]
    fn an_ipv6_address_shares_its_64s_bucket_and_not_its_neighbours() {
        let limiter = RateLimiter::per_minute(2);
        let now = Instant::now();
        let ip = |text: &str| text.parse::<IpAddr>().expect("an address");
        assert!(limiter.check(ip("2001:db8:1:2::1"), now).is_ok());
        assert!(
            limiter
                .check(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"), now)
                .is_ok()
        );
        assert!(
            limiter.check(ip("2001:db8:1:2:1234::5"), now).is_err(),
            "a fresh address in the same /64 draws from the same bucket"
        );
        assert!(limiter.check(ip("2001:db8:1:3::1"), now).is_ok());
        assert!(limiter.check(ip("192.0.2.9"), now).is_ok());
        assert!(limiter.check(ip("192.0.2.9"), now).is_ok());
        assert!(
            limiter.check(ip("::ffff:192.0.2.9"), now).is_err(),
            "an IPv4-mapped address is its IPv4 address"
        );
    }

    #[test]
    fn three_hundred_sign_ups_an_hour_from_one_address_pass() {
        let limiter = RateLimiter::per_hour(300);
        let start = Instant::now();
        // Spread over the hour, and all at once at its start.
        for i in 0..300 {
            let at = start + Duration::from_secs(i * 12);
            assert!(limiter.check(CLIENT, at).is_ok(), "sign-up {i}");
        }
        let burst = RateLimiter::per_hour(300);
        for i in 0..300 {
            assert!(burst.check(CLIENT, start).is_ok(), "sign-up {i}");
        }
        let wait = burst.check(CLIENT, start).unwrap_err();
        assert!(wait <= Duration::from_secs(12), "{wait:?}");
    }
}
