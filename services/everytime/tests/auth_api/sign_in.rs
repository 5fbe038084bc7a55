//! Signing in: the token body and cookies, and failures that give nothing away.

use std::time::Instant;

use reqwest::StatusCode;

use crate::support::{PASSWORD, TestStack};

#[tokio::test]
async fn sign_in_returns_the_token_body_and_httponly_cookies() {
    let stack = TestStack::start().await;
    stack.sign_up_at("cookie", 1).await;

    let reply = stack.sign_in_with("cookie", PASSWORD).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"]["username"], "cookie");
    assert_eq!(body["user"]["email"], "cookie@example.ac.kr");
    let access = body["access_token"].as_str().expect("access token");
    let refresh = body["refresh_token"].as_str().expect("refresh token");
    assert_eq!(access.split('.').count(), 3, "a JWT");

    let cookies = reply.cookies();
    let access_cookie = cookies
        .iter()
        .find(|c| c.starts_with("access_token="))
        .expect("access cookie");
    let refresh_cookie = cookies
        .iter()
        .find(|c| c.starts_with("refresh_token="))
        .expect("refresh cookie");
    for cookie in [access_cookie, refresh_cookie] {
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    }
    assert!(access_cookie.starts_with(&format!("access_token={access};")));
    assert!(refresh_cookie.starts_with(&format!("refresh_token={refresh};")));

    // The cookie alone authenticates a browser.
    let me = stack
        .send(
            stack
                .http
                .get(stack.url("/api/v1/users/me"))
                .header("cookie", format!("access_token={access}")),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["username"], "cookie");
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_identical_401s() {
    let stack = TestStack::start().await;
    stack.sign_up_at("exists", 1).await;

    let wrong_password = stack.sign_in_with("exists", "not the password").await;
    let unknown_user = stack.sign_in_with("nobody_here", "not the password").await;

    wrong_password.assert_problem(401, "invalid_credentials");
    assert_eq!(wrong_password.status, unknown_user.status);
    assert_eq!(wrong_password.text, unknown_user.text);
    assert_eq!(
        wrong_password.header("content-type"),
        unknown_user.header("content-type")
    );
    // So is a username no user could have: a NUL, or kilobytes of it.
    for impossible in ["exi\u{0}sts".to_owned(), "x".repeat(30_000)] {
        let reply = stack.sign_in_with(&impossible, "not the password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
        assert_eq!(reply.text, wrong_password.text);
    }
}

#[tokio::test]
async fn unknown_usernames_take_about_as_long_as_wrong_passwords() {
    let stack = TestStack::start().await;
    stack.sign_up_at("timing", 1).await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for round in 0..4 {
        let start = Instant::now();
        stack
            .sign_in_with("timing", &format!("wrong password {round}"))
            .await;
        known.push(start.elapsed());
        let start = Instant::now();
        stack
            .sign_in_with(&format!("ghost_{round}"), "wrong password")
            .await;
        unknown.push(start.elapsed());
    }
    known.sort();
    unknown.sort();

    // Both paths hash once: medians within a factor of three, not the
    // orders of magnitude between hashing and not hashing.
    let (known, unknown) = (known[2], unknown[2]);
    assert!(
        unknown * 3 > known && known * 3 > unknown,
        "known {known:?}, unknown {unknown:?}"
    );
}
