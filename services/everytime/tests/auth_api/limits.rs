//! Rate limits on sign-in: per account in auth, per client in the gateway.

use reqwest::StatusCode;

use crate::support::{PASSWORD, TestStack};

#[tokio::test]
async fn repeated_sign_in_failures_are_429_with_retry_after() {
    let stack = TestStack::start().await;
    stack.sign_up_at("guarded", 1).await;

    for _ in 0..5 {
        stack
            .sign_in_with("guarded", "wrong password")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let reply = stack.sign_in_with("guarded", PASSWORD).await;

    reply.assert_problem(429, "too_many_attempts");
    let retry_after: u64 = reply
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    // The first wait of the rising delay (no lockout until a window ends).
    assert_eq!(retry_after, 1);
}

#[tokio::test]
async fn the_gateway_limits_auth_requests_per_client() {
    let stack = TestStack::start_with(|config| config.gateway.auth_rate_limit_per_minute = 3).await;

    for _ in 0..3 {
        let reply = stack.sign_in_with("someone", "whatever password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let reply = stack.sign_in_with("someone", "whatever password").await;

    reply.assert_problem(429, "rate_limited");
    assert!(reply.header("retry-after").is_some());
}
