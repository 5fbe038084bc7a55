//! `/users/me`: reading and patching the caller, and changing the password.

use reqwest::StatusCode;
use serde_json::json;

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
