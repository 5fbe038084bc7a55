//! The JWK Set the gateway publishes at `/.well-known/jwks.json`, cached.
//!
//! Without a cache every request for it was a `GetJwks` call to auth and a
//! database read there: anyone could turn a flood of cheap public GETs into
//! load on auth. The set is kept as long as the token verifier keeps its
//! keys ([`KEYS_MAX_AGE`]) and fetched again after that, by one request
//! while the others wait for it; a failed fetch keeps serving the set it
//! has and is retried at most once per [`MIN_REFETCH_INTERVAL`], so an auth
//! outage is not hammered either. Answers say how much longer they are
//! fresh in `Cache-Control: public, max-age=…`.

use std::{
    future::Future,
    time::{Duration, Instant},
};

use axum::http::StatusCode;
use everytime_common::token::{KEYS_MAX_AGE, MIN_REFETCH_INTERVAL};
use tokio::sync::Mutex;

use crate::error::ApiError;

/// The cached JWK Set, serialised, and the state of its last fetches.
#[derive(Debug, Default)]
pub struct JwksCache {
    inner: Mutex<Cached>,
}

#[derive(Debug, Default)]
struct Cached {
    /// The JSON answered, and when it was fetched.
    body: Option<(String, Instant)>,
    /// When a fetch last failed.
    failed_at: Option<Instant>,
}

/// A JWK Set to answer, and for how much longer it is fresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The JSON of the set.
    pub body: String,
    /// What `max-age` says.
    pub max_age: Duration,
}

impl JwksCache {
    /// The cached set while it is fresh; else the set `fetch` returns (the
    /// JSON of the set), one fetch at a time. When the fetch fails the
    /// stale set is answered if there is one, else the error; after a
    /// failure no fetch is tried for [`MIN_REFETCH_INTERVAL`].
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<Answer, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<String, ApiError>>,
    {
        // Held across the fetch: concurrent requests wait for its result
        // rather than each calling auth.
        let mut cached = self.inner.lock().await;
        if let Some((body, fetched_at)) = &cached.body
            && fetched_at.elapsed() < KEYS_MAX_AGE
        {
            return Ok(Answer {
                body: body.clone(),
                max_age: KEYS_MAX_AGE.saturating_sub(fetched_at.elapsed()),
            });
        }
        let stale = |cached: &Cached| {
            cached.body.as_ref().map(|(body, _)| Answer {
                body: body.clone(),
                max_age: Duration::ZERO,
            })
        };
        if cached
            .failed_at
            .is_some_and(|at| at.elapsed() < MIN_REFETCH_INTERVAL)
        {
            return stale(&cached).ok_or_else(keys_unavailable);
        }
        match fetch().await {
            Ok(body) => {
                cached.body = Some((body.clone(), Instant::now()));
                cached.failed_at = None;
                Ok(Answer {
                    body,
                    max_age: KEYS_MAX_AGE,
                })
            }
            Err(error) => {
                cached.failed_at = Some(Instant::now());
                tracing::warn!(?error, "cannot fetch the JWK Set from auth");
                stale(&cached).ok_or(error)
            }
        }
    }
}

/// What a fetch that auth did not answer becomes, and what is answered
/// while no new fetch is tried: the same problem as auth being down.
pub fn keys_unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
        "the auth service is unavailable; try again shortly",
    )
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use super::*;

    /// A fetch that counts its calls and answers `result`.
    fn counting(
        calls: &Arc<AtomicUsize>,
        result: Result<&'static str, ()>,
    ) -> impl FnOnce() -> std::future::Ready<Result<String, ApiError>> {
        let calls = calls.clone();
        move || {
            calls.fetch_add(1, Ordering::SeqCst);
            std::future::ready(result.map(str::to_owned).map_err(|()| keys_unavailable()))
        }
    }

    #[tokio::test]
    async fn many_requests_make_one_fetch_while_the_set_is_fresh() {
        let cache = Arc::new(JwksCache::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let answers = futures::future::join_all((0..50).map(|_| {
            let cache = cache.clone();
            let fetch = counting(&calls, Ok(r#"{"keys":[]}"#));
            async move { cache.get(fetch).await }
        }))
        .await;
        for answer in answers {
            let answer = answer.expect("answered");
            assert_eq!(answer.body, r#"{"keys":[]}"#);
            assert!(answer.max_age > Duration::ZERO && answer.max_age <= KEYS_MAX_AGE);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "one fetch for 50 requests");
    }

    #[tokio::test]
    async fn a_failed_fetch_is_not_retried_at_once() {
        let cache = JwksCache::default();
        let calls = Arc::new(AtomicUsize::new(0));
        for _ in 0..20 {
            let error = cache
                .get(counting(&calls, Err(())))
                .await
                .expect_err("auth is down and nothing is cached");
            assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "one attempt per interval");
    }
}
