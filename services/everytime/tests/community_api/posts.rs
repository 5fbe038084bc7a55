//! Posts: writing, reading, editing and deleting, and the limits on them.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestStack, nickname_for};
use crate::{Community, id, keys, pool, rfc3339_utc, stack_with_database};

#[tokio::test]
async fn a_post_is_written_read_edited_and_deleted() {
    let stack = TestStack::start().await;
    let author = stack.user("writer").await;
    let other = stack.user("reader").await;
    let board = stack.board(&author.token, "자유게시판").await;
    let content = format!("  {}  ", "가".repeat(120));

    let created = stack
        .post(
            &format!("/api/v1/boards/{board}/posts"),
            Some(&author.token),
            json!({"title": " 첫 글 ", "content": content}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let post = &created.body;
    let post_id = id(post);
    assert_eq!(
        keys(post),
        [
            "author",
            "blind_reasons",
            "blinded",
            "board",
            "comment_count",
            "comments",
            "content",
            "content_preview",
            "created_at",
            "id",
            "is_mine",
            "like_count",
            "liked_by_me",
            "scrap_count",
            "scrapped_by_me",
            "title",
            "updated_at"
        ]
    );
    assert_eq!(post["title"], "첫 글");
    assert_eq!(post["content"], "가".repeat(120));
    assert_eq!(post["content_preview"], "가".repeat(100));
    assert_eq!(post["board"], json!({"id": board, "name": "자유게시판"}));
    assert_eq!(
        post["author"],
        json!({"nickname": nickname_for("writer"), "anonymous": false})
    );
    assert_eq!(
        (
            post["like_count"].clone(),
            post["comment_count"].clone(),
            post["scrap_count"].clone()
        ),
        (json!(0), json!(0), json!(0))
    );
    assert_eq!(post["is_mine"], true);
    assert_eq!(post["comments"], json!([]));
    assert!(
        rfc3339_utc(&post["created_at"]) && rfc3339_utc(&post["updated_at"]),
        "{post}"
    );

    let read = stack
        .get(&format!("/api/v1/posts/{post_id}"), Some(&other.token))
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body["is_mine"], false);
    assert_eq!(read.body["author"]["nickname"], nickname_for("writer"));

    let path = format!("/api/v1/posts/{post_id}");
    stack
        .patch(&path, Some(&other.token), json!({"title": "탈취"}))
        .await
        .assert_problem(403, "not_author");
    let invalid = stack
        .patch(
            &path,
            Some(&author.token),
            json!({"title": "", "content": "내".repeat(10_001)}),
        )
        .await;
    invalid.assert_problem(400, "invalid_input");
    assert_eq!(invalid.error_fields(), ["title", "content"]);
    let edited = stack
        .patch(&path, Some(&author.token), json!({"content": "고친 내용"}))
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(
        (edited.body["title"].clone(), edited.body["content"].clone()),
        (json!("첫 글"), json!("고친 내용"))
    );

    stack
        .delete(&path, Some(&other.token))
        .await
        .assert_problem(403, "not_author");
    let deleted = stack.delete(&path, Some(&author.token)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.text.is_empty());
    stack
        .get(&path, Some(&author.token))
        .await
        .assert_problem(404, "post_not_found");
    stack
        .delete(&path, Some(&author.token))
        .await
        .assert_problem(404, "post_not_found");
    let list = stack
        .get(
            &format!("/api/v1/boards/{board}/posts"),
            Some(&author.token),
        )
        .await;
    assert_eq!(list.body["items"], json!([]));
}

#[tokio::test]
async fn post_limits_are_400_naming_the_field() {
    let stack = TestStack::start().await;
    let user = stack.user("limits").await;
    let board = stack.board(&user.token, "자유게시판").await;
    let path = format!("/api/v1/boards/{board}/posts");

    for (body, field) in [
        (json!({"title": "", "content": "내용"}), "title"),
        (json!({"title": "   ", "content": "내용"}), "title"),
        (
            json!({"title": "제".repeat(101), "content": "내용"}),
            "title",
        ),
        (json!({"title": "제목", "content": " \n "}), "content"),
        (
            json!({"title": "제목", "content": "내".repeat(10_001)}),
            "content",
        ),
        (json!({"content": "내용"}), "title"),
        (
            json!({"title": "제목", "content": "내용", "anonymous": "yes"}),
            "anonymous",
        ),
    ] {
        let reply = stack.post(&path, Some(&user.token), body.clone()).await;
        reply.assert_problem(400, "invalid_input");
        assert_eq!(reply.error_fields(), [field], "{body}");
    }
    let at_limits = stack
        .post(
            &path,
            Some(&user.token),
            json!({"title": "제".repeat(100), "content": "내".repeat(10_000)}),
        )
        .await;
    assert_eq!(at_limits.status, StatusCode::CREATED, "{}", at_limits.text);
    let post = id(&at_limits.body);
    let comments = format!("/api/v1/posts/{post}/comments");
    let long = stack
        .post(
            &comments,
            Some(&user.token),
            json!({"content": "댓".repeat(301)}),
        )
        .await;
    long.assert_problem(400, "invalid_input");
    assert_eq!(long.error_fields(), ["content"]);
    let ok = stack
        .post(
            &comments,
            Some(&user.token),
            json!({"content": "댓".repeat(300)}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
}

#[tokio::test]
async fn a_full_post_and_a_full_school_are_400_problems_with_their_codes() {
    let (stack, url) = stack_with_database().await;
    let user = stack.user("fullhouse").await;
    let board = stack.board(&user.token, "자유게시판").await;
    let post = id(&stack
        .write(&user.token, board, "댓글 천 개", "내용", false)
        .await);
    sqlx::query("update community.post_stats set comment_count = 1000 where post_id = $1")
        .bind(post)
        .execute(&pool(&url).await)
        .await
        .unwrap();

    let comment = stack
        .comment(&user.token, post, "천한 번째", false, None)
        .await;
    let mut created = 0;
    for i in 0..96 {
        let reply = stack
            .post(
                "/api/v1/boards",
                Some(&user.token),
                json!({"name": format!("게시판 {i}")}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        created += 1;
    }
    let board_101 = stack
        .post(
            "/api/v1/boards",
            Some(&user.token),
            json!({"name": "하나 더"}),
        )
        .await;

    comment.assert_problem(400, "too_many_comments");
    assert_eq!(comment.error_fields(), ["post_id"]);
    assert!(
        comment.body["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("1000")),
        "{}",
        comment.text
    );
    assert_eq!(created, 96);
    board_101.assert_problem(400, "too_many_boards");
    assert!(board_101.error_fields().is_empty(), "{}", board_101.text);
    assert!(
        board_101.body["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("100")),
        "{}",
        board_101.text
    );
    let seen = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&user.token))
        .await;
    assert_eq!(seen.body["comment_count"], 1000);
}
