//! Boards: the defaults, creating one, and other schools' boards staying out of reach.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestStack;
use crate::{Community, id, ids, keys, rfc3339_utc};

#[tokio::test]
async fn boards_list_the_defaults_and_are_created_with_201() {
    let stack = TestStack::start().await;
    let user = stack.user("boarder").await;

    let listed = stack.get("/api/v1/boards", Some(&user.token)).await;
    let created = stack
        .post(
            "/api/v1/boards",
            Some(&user.token),
            json!({"name": " 스터디게시판 ", "description": "같이 공부해요", "anonymous_only": true}),
        )
        .await;
    let minimal = stack
        .post("/api/v1/boards", Some(&user.token), json!({"name": "장터"}))
        .await;
    let taken = stack
        .post(
            "/api/v1/boards",
            Some(&user.token),
            json!({"name": "자유게시판"}),
        )
        .await;
    let too_long = stack
        .post(
            "/api/v1/boards",
            Some(&user.token),
            json!({"name": "가".repeat(31)}),
        )
        .await;
    let no_name = stack
        .post(
            "/api/v1/boards",
            Some(&user.token),
            json!({"description": "x"}),
        )
        .await;
    let anonymous = stack.get("/api/v1/boards", None).await;

    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let boards = listed.body["items"].as_array().expect("items");
    let names: Vec<_> = boards
        .iter()
        .map(|board| board["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        ["자유게시판", "비밀게시판", "새내기게시판", "정보게시판"]
    );
    assert_eq!(boards[1]["anonymous_only"], true);
    assert_eq!(
        keys(&boards[0]),
        ["anonymous_only", "created_at", "description", "id", "name"]
    );
    assert!(rfc3339_utc(&boards[0]["created_at"]), "{}", boards[0]);

    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["name"], "스터디게시판");
    assert_eq!(created.body["description"], "같이 공부해요");
    assert_eq!(created.body["anonymous_only"], true);
    assert_eq!(minimal.status, StatusCode::CREATED, "{}", minimal.text);
    assert_eq!(
        (
            minimal.body["description"].clone(),
            minimal.body["anonymous_only"].clone()
        ),
        (json!(""), json!(false))
    );
    taken.assert_problem(409, "board_name_taken");
    assert_eq!(taken.error_fields(), ["name"]);
    too_long.assert_problem(400, "invalid_input");
    assert_eq!(too_long.error_fields(), ["name"]);
    no_name.assert_problem(400, "invalid_input");
    assert_eq!(no_name.error_fields(), ["name"]);
    anonymous.assert_problem(401, "missing_token");
    let after = stack.get("/api/v1/boards", Some(&user.token)).await;
    assert_eq!(after.body["items"].as_array().map(Vec::len), Some(6));
}

#[tokio::test]
async fn another_schools_boards_posts_and_comments_are_404() {
    let stack = TestStack::start().await;
    let local = stack.user("local").await;
    let stranger = stack.user_at("stranger", 2).await;
    let board = stack.board(&local.token, "자유게시판").await;
    let post = id(&stack
        .write(&local.token, board, "우리 학교 글", "족보 있음", false)
        .await);
    let comment = id(&stack
        .comment(&local.token, post, "우리끼리", false, None)
        .await
        .body);
    let token = Some(stranger.token.as_str());

    stack
        .get(&format!("/api/v1/boards/{board}/posts"), token)
        .await
        .assert_problem(404, "board_not_found");
    stack
        .post(
            &format!("/api/v1/boards/{board}/posts"),
            token,
            json!({"title": "침입", "content": "x"}),
        )
        .await
        .assert_problem(404, "board_not_found");
    stack
        .get(&format!("/api/v1/posts/{post}"), token)
        .await
        .assert_problem(404, "post_not_found");
    stack
        .patch(
            &format!("/api/v1/posts/{post}"),
            token,
            json!({"title": "x"}),
        )
        .await
        .assert_problem(404, "post_not_found");
    stack
        .delete(&format!("/api/v1/posts/{post}"), token)
        .await
        .assert_problem(404, "post_not_found");
    stack
        .comment(&stranger.token, post, "침입", false, None)
        .await
        .assert_problem(404, "post_not_found");
    stack
        .put(&format!("/api/v1/posts/{post}/like"), token, None)
        .await
        .assert_problem(404, "post_not_found");
    stack
        .put(&format!("/api/v1/posts/{post}/scrap"), token, None)
        .await
        .assert_problem(404, "post_not_found");
    stack
        .delete(&format!("/api/v1/posts/{post}/scrap"), token)
        .await
        .assert_problem(404, "post_not_found");
    stack
        .put(&format!("/api/v1/comments/{comment}/like"), token, None)
        .await
        .assert_problem(404, "comment_not_found");
    stack
        .delete(&format!("/api/v1/comments/{comment}"), token)
        .await
        .assert_problem(404, "comment_not_found");
    stack
        .get(
            &format!("/api/v1/posts/search?q=족보&board_id={board}"),
            token,
        )
        .await
        .assert_problem(404, "board_not_found");
    for path in [
        "/api/v1/posts/search?q=족보",
        "/api/v1/posts/hot",
        "/api/v1/posts/best",
        "/api/v1/me/posts",
    ] {
        let reply = stack.get(path, token).await;
        assert_eq!(reply.body["items"], json!([]), "{path}: {}", reply.text);
    }
    let their_boards = stack.get("/api/v1/boards", token).await;
    assert!(!ids(their_boards.body["items"].as_array().unwrap()).contains(&board));
    // Nothing changed for the post's own school.
    let seen = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&local.token))
        .await;
    assert_eq!(
        (seen.body["title"].clone(), seen.body["like_count"].clone()),
        (json!("우리 학교 글"), json!(0))
    );
}
