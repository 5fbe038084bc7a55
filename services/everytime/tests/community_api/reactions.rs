//! 공감 (likes) and scraps: once per user, never your own, exact under races.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestStack;
use crate::{Community, id};

#[tokio::test]
async fn likes_are_once_never_your_own_and_scraps_are_idempotent() {
    let stack = TestStack::start().await;
    let author = stack.user("liked").await;
    let fan = stack.user("liker").await;
    let board = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack
        .write(&author.token, board, "공감 부탁", "내용", false)
        .await);
    let comment = id(&stack
        .comment(&author.token, post, "댓글", false, None)
        .await
        .body);
    let like = format!("/api/v1/posts/{post}/like");
    let comment_like = format!("/api/v1/comments/{comment}/like");
    let scrap = format!("/api/v1/posts/{post}/scrap");

    let liked = stack.put(&like, Some(&fan.token), None).await;
    let again = stack.put(&like, Some(&fan.token), None).await;
    let own = stack.put(&like, Some(&author.token), None).await;
    let comment_liked = stack.put(&comment_like, Some(&fan.token), None).await;
    let comment_again = stack.put(&comment_like, Some(&fan.token), None).await;
    let comment_own = stack.put(&comment_like, Some(&author.token), None).await;
    let scrapped = stack.put(&scrap, Some(&fan.token), None).await;
    let scrapped_again = stack.put(&scrap, Some(&fan.token), None).await;
    let own_scrap = stack.put(&scrap, Some(&author.token), None).await;
    let seen = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&fan.token))
        .await;
    let unscrapped = stack.delete(&scrap, Some(&fan.token)).await;
    let unscrapped_again = stack.delete(&scrap, Some(&fan.token)).await;

    assert_eq!(liked.status, StatusCode::OK, "{}", liked.text);
    assert_eq!(liked.body, json!({"like_count": 1, "liked": true}));
    again.assert_problem(409, "already_liked");
    own.assert_problem(403, "own_post");
    assert_eq!(comment_liked.body, json!({"like_count": 1, "liked": true}));
    comment_again.assert_problem(409, "already_liked");
    comment_own.assert_problem(403, "own_post");
    assert_eq!(scrapped.body, json!({"scrap_count": 1, "scrapped": true}));
    assert_eq!(
        scrapped_again.body,
        json!({"scrap_count": 1, "scrapped": true})
    );
    own_scrap.assert_problem(403, "own_post");
    assert_eq!(seen.body["liked_by_me"], true);
    assert_eq!(seen.body["scrapped_by_me"], true);
    assert_eq!(seen.body["like_count"], 1);
    assert_eq!(seen.body["comments"][0]["liked_by_me"], true);
    assert_eq!(seen.body["comments"][0]["like_count"], 1);
    assert_eq!(unscrapped.status, StatusCode::OK, "{}", unscrapped.text);
    assert_eq!(
        unscrapped.body,
        json!({"scrap_count": 0, "scrapped": false})
    );
    assert_eq!(
        unscrapped_again.body,
        json!({"scrap_count": 0, "scrapped": false})
    );
}

#[tokio::test]
async fn likes_and_scraps_are_exact_when_requests_race() {
    let stack = TestStack::start().await;
    let author = stack.user("popular").await;
    let fans = stack.users("fan", 20).await;
    let board = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack
        .write(&author.token, board, "인기글", "내용", false)
        .await);
    let comment = id(&stack
        .comment(&author.token, post, "인기 댓글", true, None)
        .await
        .body);
    let like = format!("/api/v1/posts/{post}/like");
    let comment_like = format!("/api/v1/comments/{comment}/like");
    let scrap = format!("/api/v1/posts/{post}/scrap");

    // Twenty users at once.
    let likes = futures::future::join_all(
        fans.iter()
            .map(|fan| stack.put(&like, Some(&fan.token), None)),
    )
    .await;
    let comment_likes = futures::future::join_all(
        fans.iter()
            .map(|fan| stack.put(&comment_like, Some(&fan.token), None)),
    )
    .await;
    assert!(likes.iter().all(|reply| reply.status == StatusCode::OK));
    assert!(
        comment_likes
            .iter()
            .all(|reply| reply.status == StatusCode::OK)
    );
    let counts: HashSet<i64> = likes
        .iter()
        .filter_map(|reply| reply.body["like_count"].as_i64())
        .collect();
    assert_eq!(counts, (1..=20).collect(), "each like saw its own count");

    // One user ten times at once.
    let other_post = id(&stack
        .write(&author.token, board, "연타", "내용", false)
        .await);
    let other_comment = id(&stack
        .comment(&author.token, other_post, "연타 댓글", false, None)
        .await
        .body);
    let hammer = &fans[0].token;
    let paths = [
        format!("/api/v1/posts/{other_post}/like"),
        format!("/api/v1/comments/{other_comment}/like"),
    ];
    for path in &paths {
        let replies =
            futures::future::join_all((0..10).map(|_| stack.put(path, Some(hammer), None))).await;
        assert_eq!(
            replies
                .iter()
                .filter(|reply| reply.status == StatusCode::OK)
                .count(),
            1,
            "{path}"
        );
        let refused: Vec<_> = replies
            .iter()
            .filter(|reply| reply.status != StatusCode::OK)
            .collect();
        assert_eq!(refused.len(), 9);
        for reply in refused {
            reply.assert_problem(409, "already_liked");
        }
    }
    let scraps =
        futures::future::join_all((0..10).map(|_| stack.put(&scrap, Some(hammer), None))).await;
    for reply in &scraps {
        assert_eq!(
            reply.body,
            json!({"scrap_count": 1, "scrapped": true}),
            "{}",
            reply.text
        );
    }
    // Twenty users scrapping one post at once.
    let other_scrap = format!("/api/v1/posts/{other_post}/scrap");
    let scraps = futures::future::join_all(
        fans.iter()
            .map(|fan| stack.put(&other_scrap, Some(&fan.token), None)),
    )
    .await;
    assert!(
        scraps
            .iter()
            .all(|reply| reply.status == StatusCode::OK && reply.body["scrapped"] == true),
        "{scraps:?}"
    );
    let counts: HashSet<i64> = scraps
        .iter()
        .filter_map(|reply| reply.body["scrap_count"].as_i64())
        .collect();
    assert_eq!(counts, (1..=20).collect(), "each scrap saw its own count");

    let seen = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&author.token))
        .await;
    assert_eq!(seen.body["like_count"], 20);
    assert_eq!(seen.body["scrap_count"], 1);
    assert_eq!(seen.body["comments"][0]["like_count"], 20);
    let hammered = stack
        .get(&format!("/api/v1/posts/{other_post}"), Some(&author.token))
        .await;
    assert_eq!(hammered.body["like_count"], 1);
    assert_eq!(hammered.body["scrap_count"], 20);
    assert_eq!(hammered.body["comments"][0]["like_count"], 1);
}
