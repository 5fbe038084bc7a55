//! The per-user write limits through the gateway: writing too fast is a
//! `429` problem with code `too_fast` and a `Retry-After` header, and the
//! limits are on unless configured off (the other tests turn them off).

use serde_json::json;

use crate::{Community, support::TestStack};

#[tokio::test]
async fn a_second_post_on_a_board_within_30_seconds_is_429_too_fast_with_retry_after() {
    let stack = TestStack::start_with(|config| {
        config.community.write_limits = everytime_community::domain::WriteLimits::default();
    })
    .await;
    let writer = stack.user("quickwriter").await;
    let board = stack.board(&writer.token, "자유게시판").await;

    stack
        .write(&writer.token, board, "첫 글", "내용", false)
        .await;
    let reply = stack
        .post(
            &format!("/api/v1/boards/{board}/posts"),
            Some(&writer.token),
            json!({"title": "둘째 글", "content": "내용", "anonymous": false}),
        )
        .await;

    reply.assert_problem(429, "too_fast");
    let retry_after: u64 = reply
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=30).contains(&retry_after), "{retry_after}");
}

#[tokio::test]
async fn the_openapi_document_lists_429_on_every_limited_write() {
    let stack = TestStack::start().await;

    let document = stack.get("/api/v1/openapi.json", None).await;

    for (path, method) in [
        ("/api/v1/boards", "post"),
        ("/api/v1/boards/{board_id}/posts", "post"),
        ("/api/v1/posts/{post_id}/comments", "post"),
        ("/api/v1/posts/{post_id}/like", "put"),
        ("/api/v1/comments/{comment_id}/like", "put"),
        ("/api/v1/users/me/password", "put"),
        ("/api/v1/users/me", "delete"),
    ] {
        let responses = &document.body["paths"][path][method]["responses"];
        assert!(responses["429"].is_object(), "{method} {path}: {responses}");
    }
}
