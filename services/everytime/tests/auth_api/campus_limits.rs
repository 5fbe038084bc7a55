//! Limits that fit a campus behind one address: many users sign in and
//! refresh from it with nothing refused, while a stranger guessing one
//! user's password from it is slowed and never locks the owner's known
//! device out.

use std::time::Instant;

use futures::{StreamExt, stream};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{PASSWORD, Reply, TestStack};

/// Students on the campus; each signs up, signs in and refreshes.
const STUDENTS: usize = 500;
/// Refreshes per student: 2,000 in all.
const REFRESHES_EACH: usize = 4;
/// Wrong passwords the stranger sends for the owner, spread over the run.
const GUESSES: usize = 50;

/// The value of the `device` cookie (with whatever prefix the gateway
/// names it) a sign-in set.
fn device_cookie(reply: &Reply) -> (String, String) {
    reply
        .cookies()
        .iter()
        .find_map(|cookie| {
            let (name, rest) = cookie.split_once('=')?;
            let value = rest.split(';').next()?;
            (name.ends_with("device") && !value.is_empty())
                .then(|| (name.to_owned(), value.to_owned()))
        })
        .expect("a device cookie")
}

async fn sign_in_with_cookie(stack: &TestStack, username: &str, cookie: &str) -> Reply {
    stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/auth/sign-in"))
                .header("cookie", cookie)
                .json(&json!({"username": username, "password": PASSWORD})),
        )
        .await
}

/// One student: signs up, signs in and refreshes, all of it from the
/// campus's address; every answer must be a success.
async fn student(stack: &TestStack, index: usize) {
    let username = format!("cu{index:03}");
    let created = stack.sign_up_at(&username, 1).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let mut refresh = stack.sign_in(&username).await.refresh;
    for _ in 0..REFRESHES_EACH {
        let reply = stack
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": refresh}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "refresh: {}", reply.text);
        refresh = reply.body["refresh_token"]
            .as_str()
            .expect("a refresh token")
            .to_owned();
    }
}

/// One wrong guess for the owner: a `401` while the username's free
/// failures last, then mostly `429` with `Retry-After`.
async fn guess(stack: &TestStack) -> StatusCode {
    let reply = stack.sign_in_with("campusowner", "a wrong guess").await;
    match reply.status {
        StatusCode::UNAUTHORIZED => reply.assert_problem(401, "invalid_credentials"),
        _ => {
            let retry_after: u64 = reply
                .header("retry-after")
                .expect("Retry-After")
                .parse()
                .expect("seconds");
            assert!(retry_after >= 1, "{retry_after}");
            reply.assert_problem(429, "too_many_attempts")
        }
    };
    reply.status
}

#[tokio::test]
async fn a_campus_signs_in_and_refreshes_from_one_address_while_a_guesser_is_slowed() {
    let stack = TestStack::start_with(|config| {
        // The gateway's own sign-in limit, not the tests' raised one.
        config.gateway.auth_rate_limit_per_minute =
            everytime_gateway::Config::new().auth_rate_limit_per_minute;
        // Sign-ups have their own limit and test; 500 in a minute is not
        // what this test is about.
        config.gateway.sign_up_rate_limit_per_hour = 100_000;
    })
    .await;
    let owner = stack.sign_up_at("campusowner", 1).await;
    assert_eq!(owner.status, StatusCode::CREATED, "{}", owner.text);
    let first = stack.sign_in_with("campusowner", PASSWORD).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let (name, value) = device_cookie(&first);
    let cookie = format!("{name}={value}");
    let started = Instant::now();

    // Every tenth student, one wrong guess for the owner; eight students
    // at a time.
    let guesses_each = STUDENTS / GUESSES;
    let statuses: Vec<Option<StatusCode>> = stream::iter(0..STUDENTS)
        .map(|index| {
            let stack = &stack;
            async move {
                student(stack, index).await;
                if index % guesses_each == 0 {
                    Some(guess(stack).await)
                } else {
                    None
                }
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let statuses: Vec<StatusCode> = statuses.into_iter().flatten().collect();

    assert_eq!(statuses.len(), GUESSES);
    let slowed = statuses
        .iter()
        .filter(|status| **status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    // Five free failures, then waits of 1, 2, 4, … seconds: over the run,
    // only a few more guesses are ever checked.
    let elapsed = started.elapsed().as_secs_f64();
    let checked_at_most = 5 + 2 + elapsed.log2().ceil().max(0.0) as usize;
    assert!(
        GUESSES - slowed <= checked_at_most,
        "{} guesses checked in {elapsed:.0} s; {statuses:?}",
        GUESSES - slowed
    );
    assert!(slowed >= 30, "{statuses:?}");

    // The owner's username is under a delay: a correct password from a new
    // device waits too; the owner's known device signs in.
    guess(&stack).await;
    stack
        .sign_in_with("campusowner", PASSWORD)
        .await
        .assert_problem(429, "too_many_attempts");
    let signed_in = sign_in_with_cookie(&stack, "campusowner", &cookie).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text);
    assert_eq!(
        device_cookie(&signed_in).1,
        value,
        "a known device keeps its token"
    );
}

#[tokio::test]
async fn a_device_cookie_of_another_user_does_not_get_past_the_delay() {
    let stack = TestStack::start().await;
    stack.sign_up_at("victim", 1).await;
    stack.sign_up_at("stranger", 1).await;
    let stranger = stack.sign_in_with("stranger", PASSWORD).await;
    let (name, value) = device_cookie(&stranger);

    for _ in 0..5 {
        stack
            .sign_in_with("victim", "wrong password")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let reply = sign_in_with_cookie(&stack, "victim", &format!("{name}={value}")).await;

    reply.assert_problem(429, "too_many_attempts");
    assert!(reply.header("retry-after").is_some());
}

#[tokio::test]
async fn refresh_is_not_limited_by_address() {
    let stack = TestStack::start_with(|config| config.gateway.auth_rate_limit_per_minute = 3).await;
    let mut refresh = stack.user("refresher").await.refresh;

    for _ in 0..10 {
        let reply = stack
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": refresh}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        refresh = reply.body["refresh_token"]
            .as_str()
            .expect("a refresh token")
            .to_owned();
    }
}

#[tokio::test]
async fn wrong_current_passwords_are_slowed_like_sign_in_failures() {
    let stack = TestStack::start().await;
    let session = stack.user("changer").await;
    let change = |current: &'static str| {
        stack.put(
            "/api/v1/users/me/password",
            Some(&session.token),
            Some(json!({"current_password": current, "new_password": "a brand new passphrase"})),
        )
    };

    for _ in 0..5 {
        change("not my password")
            .await
            .assert_problem(401, "wrong_password");
    }
    let reply = change(PASSWORD).await;

    reply.assert_problem(429, "too_many_attempts");
    assert!(reply.header("retry-after").is_some());
}
