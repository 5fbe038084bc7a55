//! A per-client token bucket for the public auth endpoints (sign-up,
//! sign-in, refresh): cheap flood protection in front of the expensive
//! password hashing. The precise, cross-replica limits on failed sign-ins
//! live in the auth service; this one only caps request rates per gateway.

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
        let capacity = f64::from(per_minute.max(1));
        RateLimiter {
            capacity,
            per_second: capacity / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `client`, or says how long until one is free.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
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

/// What [`limit_auth`] needs: the buckets, and whether the client address
/// may be taken from `X-Forwarded-For`.
#[derive(Debug, Clone)]
pub struct AuthLimit {
    /// The per-client buckets, shared by every route the limit guards.
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
}
