//! A backend that is down or stalled: 503 and 504 within the deadline, then recovery.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestStack;

#[tokio::test]
async fn with_auth_down_the_gateway_answers_503_quickly_and_recovers() {
    let mut stack = TestStack::start().await;
    let session = stack.user("resilient").await;
    assert_eq!(stack.get("/readyz", None).await.status, StatusCode::OK);

    stack.stack.stop_auth().await.expect("auth stops");

    let ready = stack.get("/readyz", None).await;
    ready.assert_problem(503, "not_ready");
    assert_eq!(ready.body["failing"], json!(["auth"]));
    let started = Instant::now();
    let me = stack.get("/api/v1/users/me", Some(&session.token)).await;
    me.assert_problem(503, "service_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered within the deadline"
    );
    stack
        .get("/api/v1/schools", None)
        .await
        .assert_problem(503, "service_unavailable");

    stack.stack.restart_auth().await.expect("auth restarts");

    let mut ready = stack.get("/readyz", None).await;
    for _ in 0..50 {
        if ready.status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        ready = stack.get("/readyz", None).await;
    }
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    let me = stack.get("/api/v1/users/me", Some(&session.token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
}

#[tokio::test]
async fn with_community_down_the_callers_user_still_answers_without_the_restriction() {
    let mut stack = TestStack::start().await;
    let session = stack.user("no_board").await;
    let me = stack.get("/api/v1/users/me", Some(&session.token)).await;
    assert_eq!(me.body["restricted_until"], Value::Null);
    assert!(
        me.body
            .as_object()
            .is_some_and(|me| me.contains_key("restricted_until"))
    );

    stack.stack.stop_community().await.expect("community stops");

    // The user is auth's: it answers, and the restriction, which community
    // decides, is left out as unknown rather than guessed, as soon as the
    // gateway sees community's stream of changes end (its cache is then
    // not served).
    let started = Instant::now();
    loop {
        let me = stack.get("/api/v1/users/me", Some(&session.token)).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.body["username"], "no_board");
        let known = me
            .body
            .as_object()
            .is_some_and(|me| me.contains_key("restricted_until"));
        if !known {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{}", me.text);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stack
        .get("/api/v1/boards", Some(&session.token))
        .await
        .assert_problem(503, "service_unavailable");
}

#[tokio::test]
async fn a_backend_that_accepts_but_never_answers_is_a_504_within_the_deadline() {
    // A "backend" that takes connections and reads whatever comes, but never
    // writes a byte: a stalled process, a full pool, a paused container.
    let stalled = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let stalled_addr = stalled.local_addr().expect("an address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = stalled.accept().await {
            held.push(stream);
        }
    });
    let mut config = everytime_gateway::Config::new();
    config.auth_url = format!("http://{stalled_addr}");
    config.grpc_timeout = Duration::from_millis(500);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let gateway = listener.local_addr().expect("an address");
    tokio::spawn(everytime_gateway::serve(
        config,
        listener,
        std::future::pending(),
    ));

    let started = Instant::now();
    let response = reqwest::get(format!("http://{gateway}/api/v1/schools"))
        .await
        .expect("the gateway answers");
    let elapsed = started.elapsed();

    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.expect("a problem");
    assert_eq!(body["code"], "backend_timeout");
    assert_eq!(body["status"], 504);
    assert!(
        elapsed >= Duration::from_millis(450) && elapsed < Duration::from_secs(3),
        "answered at the deadline, not before and not long after: {elapsed:?}"
    );
}
