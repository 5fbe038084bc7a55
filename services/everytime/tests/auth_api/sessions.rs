//! Sessions: refresh rotation, sign-out, and listing and revoking sessions.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestStack;

#[tokio::test]
async fn refresh_rotates_and_a_spent_token_revokes_the_session() {
    let stack = TestStack::start().await;
    let session = stack.user("rotate").await;

    let first = stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": session.refresh}),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let second_refresh = first.body["refresh_token"]
        .as_str()
        .expect("new refresh")
        .to_owned();
    assert_ne!(second_refresh, session.refresh);
    assert!(first.body["access_token"].is_string());
    assert_eq!(first.body["user"]["username"], "rotate");

    let second = stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": second_refresh}),
        )
        .await;
    assert_eq!(second.status, StatusCode::OK);
    let newest = second.body["refresh_token"]
        .as_str()
        .expect("newest")
        .to_owned();

    // The spent first token comes back: 401, and the whole session ends.
    stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": session.refresh}),
        )
        .await
        .assert_problem(401, "refresh_token_reused");
    stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": newest}),
        )
        .await
        .assert_problem(401, "invalid_refresh_token");
}

#[tokio::test]
async fn refresh_accepts_the_cookie_and_needs_a_token() {
    let stack = TestStack::start().await;
    let session = stack.user("cookierf").await;

    let with_cookie = stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/auth/refresh"))
                .header("cookie", format!("refresh_token={}", session.refresh))
                .header("origin", &stack.base),
        )
        .await;
    assert_eq!(with_cookie.status, StatusCode::OK, "{}", with_cookie.text);
    assert!(
        with_cookie
            .cookies()
            .iter()
            .any(|c| c.starts_with("refresh_token="))
    );

    let without = stack
        .send(stack.http.post(stack.url("/api/v1/auth/refresh")))
        .await;
    without.assert_problem(400, "invalid_input");
    assert_eq!(without.error_fields(), ["refresh_token"]);
}

#[tokio::test]
async fn sign_out_revokes_the_session_and_clears_the_cookies() {
    let stack = TestStack::start().await;
    let session = stack.user("goodbye").await;

    let reply = stack
        .post("/api/v1/auth/sign-out", Some(&session.token), json!({}))
        .await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let cookies = reply.cookies();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("access_token=;") && c.contains("Max-Age=0")),
        "{cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("refresh_token=;") && c.contains("Max-Age=0")),
        "{cookies:?}"
    );
    stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": session.refresh}),
        )
        .await
        .assert_problem(401, "invalid_refresh_token");
    stack
        .post("/api/v1/auth/sign-out", None, json!({}))
        .await
        .assert_problem(401, "missing_token");
}

#[tokio::test]
async fn sessions_are_listed_and_revoked_and_others_are_404() {
    let stack = TestStack::start().await;
    let first = stack.user("devices").await;
    let second = stack.sign_in("devices").await;
    let stranger = stack.user("stranger").await;

    let list = stack
        .get("/api/v1/auth/sessions", Some(&second.token))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.body["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["current"], true);
    assert_eq!(items[1]["current"], false);
    for item in &items {
        assert!(
            item["id"].is_i64()
                && item["created_at"].is_string()
                && item["last_used_at"].is_string()
        );
        assert!(item["user_agent"].is_string());
    }
    let older = items[1]["id"].as_i64().expect("id");

    stack
        .delete(
            &format!("/api/v1/auth/sessions/{older}"),
            Some(&stranger.token),
        )
        .await
        .assert_problem(404, "session_not_found");
    let revoked = stack
        .delete(
            &format!("/api/v1/auth/sessions/{older}"),
            Some(&second.token),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    stack
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first.refresh}),
        )
        .await
        .assert_problem(401, "invalid_refresh_token");
    let after = stack
        .get("/api/v1/auth/sessions", Some(&second.token))
        .await;
    assert_eq!(after.body["items"].as_array().map(Vec::len), Some(1));
}
