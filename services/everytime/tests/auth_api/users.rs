//! `/users/me`: reading and patching the caller, and changing the password.

use std::time::{Duration, Instant};

use everytime_devkit::status::authed;
use everytime_proto::auth::v1::{self as pb, user_service_client::UserServiceClient};
use reqwest::StatusCode;
use serde_json::json;
use tonic::transport::Channel;

use crate::support::{PASSWORD, TestStack, nickname_for};

#[tokio::test]
async fn users_me_reads_and_patches_the_caller() {
    let stack = TestStack::start().await;
    let session = stack.user("patcher").await;
    stack.sign_up_at("other", 1).await;

    let me = stack.get("/api/v1/users/me", Some(&session.token)).await;
    assert_eq!(me.body["email"], "patcher@example.ac.kr");

    // A taken nickname first: after a change, the 30-day rule answers.
    let taken = stack
        .patch(
            "/api/v1/users/me",
            Some(&session.token),
            json!({"nickname": nickname_for("other")}),
        )
        .await;
    taken.assert_problem(409, "nickname_taken");
    assert_eq!(taken.error_fields(), ["nickname"]);
    let patched = stack
        .patch(
            "/api/v1/users/me",
            Some(&session.token),
            json!({"nickname": " 바뀐닉 ", "name": "박지성"}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.body["nickname"], "바뀐닉");
    assert_eq!(patched.body["name"], "박지성");

    let only_name = stack
        .patch(
            "/api/v1/users/me",
            Some(&session.token),
            json!({"name": "손흥민"}),
        )
        .await;
    assert_eq!(only_name.body["nickname"], "바뀐닉");

    let invalid = stack
        .patch(
            "/api/v1/users/me",
            Some(&session.token),
            json!({"nickname": "x"}),
        )
        .await;
    invalid.assert_problem(400, "invalid_input");
    assert_eq!(invalid.error_fields(), ["nickname"]);
    assert_eq!(
        stack
            .get("/api/v1/users/me", Some(&session.token))
            .await
            .body["nickname"],
        "바뀐닉"
    );
}

#[tokio::test]
async fn changing_the_password_revokes_the_other_sessions() {
    let stack = TestStack::start().await;
    let phone = stack.user("mover").await;
    let laptop = stack.sign_in_with("mover", PASSWORD).await;
    let laptop_token = laptop.body["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let laptop_refresh = laptop.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();

    stack
        .put(
            "/api/v1/users/me/password",
            Some(&laptop_token),
            Some(json!({"current_password": "wrong one!", "new_password": "new password 1"})),
        )
        .await
        .assert_problem(401, "wrong_password");
    let changed = stack
        .put(
            "/api/v1/users/me/password",
            Some(&laptop_token),
            Some(json!({"current_password": PASSWORD, "new_password": "new password 1"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.text);

    stack
        .sign_in_with("mover", PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
    assert_eq!(
        stack.sign_in_with("mover", "new password 1").await.status,
        StatusCode::OK
    );
    stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": phone.refresh}),
        )
        .await
        .assert_problem(401, "invalid_refresh_token");
    let kept = stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": laptop_refresh}),
        )
        .await;
    assert_eq!(kept.status, StatusCode::OK);
}

/// How many `GetMe` calls auth has answered.
async fn own_user_lookups(stack: &TestStack) -> u64 {
    stack
        .rpc_count("auth", "/everytime.auth.v1.UserService/GetMe")
        .await
}

/// `GET /users/me` until its `field` is `expected`, for up to 5 s.
async fn until_shown(stack: &TestStack, token: &str, field: &str, expected: &str) {
    let started = Instant::now();
    loop {
        let me = stack.get("/api/v1/users/me", Some(token)).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        if me.body[field] == expected {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{field} is still {} after 5 s",
            me.body[field]
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_callers_own_user_is_asked_once_then_kept_until_it_changes() {
    let stack = TestStack::start().await;
    let me = stack.user("kept_me").await;
    // Once the gateway follows auth's events (moments after it starts),
    // repeated looks ask auth at most once.
    let started = Instant::now();
    loop {
        let before = own_user_lookups(&stack).await;
        for _ in 0..3 {
            let shown = stack.get("/api/v1/users/me", Some(&me.token)).await;
            assert_eq!(
                shown.body["email"], "kept_me@example.ac.kr",
                "{}",
                shown.text
            );
        }
        if own_user_lookups(&stack).await - before <= 1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "every look asked auth"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A change made at auth, not through this gateway (as through another
    // replica), reaches it by auth's events: a name, then a nickname.
    let mut users = UserServiceClient::new(
        Channel::from_shared(format!("http://{}", stack.stack.auth.addr))
            .expect("a URL")
            .connect_lazy(),
    );
    for (field, change) in [
        (
            "name",
            pb::UpdateMeRequest {
                name: Some("새이름".into()),
                nickname: None,
            },
        ),
        (
            "nickname",
            pb::UpdateMeRequest {
                name: None,
                nickname: Some("새별명".into()),
            },
        ),
    ] {
        let shown = change.name.clone().or(change.nickname.clone());
        users
            .update_me(authed(change, &me.token))
            .await
            .expect("auth changes it");
        until_shown(&stack, &me.token, field, &shown.expect("a change")).await;
    }

    // A change through the gateway shows on the very next look.
    let patched = stack
        .patch(
            "/api/v1/users/me",
            Some(&me.token),
            json!({"name": "세번째"}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    let shown = stack.get("/api/v1/users/me", Some(&me.token)).await;
    assert_eq!(shown.body["name"], "세번째");
    assert_eq!(shown.body["nickname"], "새별명");
    assert!(
        shown.body["nickname_changeable_at"].is_string(),
        "{}",
        shown.text
    );
}
