//! The REST contract: malformed ids never 500, and the OpenAPI document lists every endpoint.

use crate::support::TestStack;

#[tokio::test]
async fn malformed_and_absurd_ids_are_400_or_404_never_500() {
    let stack = TestStack::start().await;
    let user = stack.user("prober").await;
    let token = Some(user.token.as_str());

    let word = stack.get("/api/v1/posts/abc", token).await;
    word.assert_problem(400, "invalid_input");
    assert_eq!(word.error_fields(), ["post_id"]);
    stack
        .get("/api/v1/posts/99999999999999999999", token)
        .await
        .assert_problem(400, "invalid_input");
    for id in ["0", "-1", "9223372036854775807"] {
        stack
            .get(&format!("/api/v1/posts/{id}"), token)
            .await
            .assert_problem(404, "post_not_found");
        stack
            .get(&format!("/api/v1/boards/{id}/posts"), token)
            .await
            .assert_problem(404, "board_not_found");
        stack
            .put(&format!("/api/v1/posts/{id}/like"), token, None)
            .await
            .assert_problem(404, "post_not_found");
        stack
            .put(&format!("/api/v1/comments/{id}/like"), token, None)
            .await
            .assert_problem(404, "comment_not_found");
        stack
            .delete(&format!("/api/v1/comments/{id}"), token)
            .await
            .assert_problem(404, "comment_not_found");
    }
    let no_body = stack
        .call(reqwest::Method::POST, "/api/v1/boards", token, None)
        .await;
    no_body.assert_problem(415, "unsupported_media_type");
}

#[tokio::test]
async fn the_openapi_document_describes_every_community_endpoint() {
    let stack = TestStack::start().await;

    let document = stack.get("/api/v1/openapi.json", None).await;

    let paths = document.body["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/api/v1/boards", &["get", "post"][..]),
        ("/api/v1/boards/{board_id}/posts", &["get", "post"]),
        ("/api/v1/posts/{post_id}", &["get", "patch", "delete"]),
        ("/api/v1/posts/{post_id}/comments", &["post"]),
        ("/api/v1/comments/{comment_id}", &["delete"]),
        ("/api/v1/posts/{post_id}/like", &["put"]),
        ("/api/v1/comments/{comment_id}/like", &["put"]),
        ("/api/v1/posts/{post_id}/scrap", &["put", "delete"]),
        ("/api/v1/posts/hot", &["get"]),
        ("/api/v1/posts/best", &["get"]),
        ("/api/v1/posts/search", &["get"]),
        ("/api/v1/me/posts", &["get"]),
        ("/api/v1/me/comments", &["get"]),
        ("/api/v1/me/scraps", &["get"]),
    ] {
        for method in methods {
            assert!(
                paths.get(path).and_then(|p| p.get(*method)).is_some(),
                "{method} {path}"
            );
        }
    }
    let schemas = &document.body["components"]["schemas"];
    for schema in [
        "PostBody",
        "CommentBody",
        "PostSummaryBody",
        "AuthorBody",
        "BoardBody",
        "PostPage",
    ] {
        assert!(schemas.get(schema).is_some(), "{schema}");
    }
}
