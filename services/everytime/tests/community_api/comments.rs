//! Comments: numbered anonymous commenters, deleted parents, and what a detail costs.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Reply, TestStack, nickname_for};
use crate::{Community, id, ids, keys, pool, stack_with_database, statements_run};

#[tokio::test]
async fn comments_number_anonymous_commenters_and_keep_deleted_parents() {
    let stack = TestStack::start().await;
    let author = stack.user("op_user").await;
    let first = stack.user("first").await;
    let second = stack.user("second").await;
    let named = stack.user("named").await;
    // An anonymous post where one may also comment by name (on 비밀게시판
    // every comment is anonymous).
    let board = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack
        .write(&author.token, board, "질문", "답해주세요", true)
        .await);

    let one = stack
        .comment(&first.token, post, "첫 댓글", true, None)
        .await;
    let by_author = stack
        .comment(&author.token, post, "글쓴이예요", true, None)
        .await;
    let two = stack
        .comment(&second.token, post, "두번째", true, None)
        .await;
    let by_name = stack
        .comment(&named.token, post, "실명입니다", false, None)
        .await;
    let reply = stack
        .comment(&second.token, post, "답글", true, Some(id(&one.body)))
        .await;
    let nested = stack
        .comment(
            &first.token,
            post,
            "답글의 답글",
            true,
            Some(id(&reply.body)),
        )
        .await;
    let unknown_parent = stack
        .comment(&first.token, post, "유령", true, Some(987_654))
        .await;

    for created in [&one, &by_author, &two, &by_name, &reply] {
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        assert_eq!(
            keys(&created.body),
            [
                "author",
                "blinded",
                "content",
                "created_at",
                "deleted",
                "id",
                "is_mine",
                "like_count",
                "liked_by_me",
                "replies"
            ]
        );
        assert_eq!(created.body["is_mine"], true);
    }
    assert_eq!(
        one.body["author"],
        json!({"nickname": "익명1", "anonymous": true})
    );
    assert_eq!(
        by_author.body["author"],
        json!({"nickname": "익명(글쓴이)", "anonymous": true})
    );
    assert_eq!(
        two.body["author"],
        json!({"nickname": "익명2", "anonymous": true})
    );
    assert_eq!(
        by_name.body["author"],
        json!({"nickname": nickname_for("named"), "anonymous": false})
    );
    assert_eq!(
        reply.body["author"],
        json!({"nickname": "익명2", "anonymous": true})
    );
    nested.assert_problem(400, "reply_to_reply");
    assert_eq!(nested.error_fields(), ["parent_id"]);
    unknown_parent.assert_problem(400, "invalid_input");
    assert_eq!(unknown_parent.error_fields(), ["parent_id"]);

    // The first comment goes, but its reply keeps it in the thread.
    let path = |comment: &Reply| format!("/api/v1/comments/{}", id(&comment.body));
    stack
        .delete(&path(&one), Some(&second.token))
        .await
        .assert_problem(403, "not_author");
    assert_eq!(
        stack.delete(&path(&one), Some(&first.token)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        stack.delete(&path(&two), Some(&second.token)).await.status,
        StatusCode::NO_CONTENT
    );
    stack
        .delete(&path(&two), Some(&second.token))
        .await
        .assert_problem(404, "comment_not_found");

    let thread = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&named.token))
        .await;
    assert_eq!(thread.status, StatusCode::OK, "{}", thread.text);
    let comments = thread.body["comments"].as_array().expect("comments");
    assert_eq!(
        ids(comments),
        [id(&one.body), id(&by_author.body), id(&by_name.body)]
    );
    let kept = &comments[0];
    assert_eq!(kept["deleted"], true);
    assert_eq!(kept["content"], "삭제된 댓글입니다.");
    assert!(kept["author"].is_null());
    assert_eq!(kept["is_mine"], false);
    assert_eq!(ids(kept["replies"].as_array().unwrap()), [id(&reply.body)]);
    assert_eq!(kept["replies"][0]["author"]["nickname"], "익명2");
    assert_eq!(kept["replies"][0]["replies"], json!([]));
    assert_eq!(comments[2]["is_mine"], true);
    assert_eq!(thread.body["comment_count"], 3);
}

#[tokio::test]
async fn a_post_detail_costs_the_same_statements_with_0_or_200_comments() {
    let (stack, url) = stack_with_database().await;
    let author = stack.user("counted").await;
    let crowd = stack.users("crowd", 8).await;
    let viewer = stack.user("lurker").await;
    let board = stack.board(&author.token, "자유게시판").await;
    let quiet = id(&stack
        .write(&author.token, board, "조용한 글", "내용", false)
        .await);
    let busy = id(&stack
        .write(&author.token, board, "시끌벅적", "내용", false)
        .await);
    let mut top_level = Vec::new();
    for i in 0..200 {
        let user = &crowd[i % crowd.len()];
        let parent = (i % 4 == 3).then(|| top_level[i / 8]);
        let reply = stack
            .comment(&user.token, busy, "댓글", i % 2 == 0, parent)
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        if parent.is_none() {
            top_level.push(id(&reply.body));
        }
    }
    let db = &pool(&url).await;
    let count = move || statements_run(db, "");
    let (stack, token) = (&stack, viewer.token.as_str());
    let get = move |post: i64| async move {
        stack
            .get(&format!("/api/v1/posts/{post}"), Some(token))
            .await
    };
    // Warm up every connection and cache on the way.
    get(quiet).await;
    get(busy).await;

    // Background work (the event channel, pruning) may run a statement in
    // a window now and then: of three measurements, the fewest count.
    let mut windows = Vec::new();
    let (mut quiet_post, mut busy_post) = (None, None);
    for _ in 0..3 {
        let before = count().await;
        quiet_post = Some(get(quiet).await);
        let middle = count().await;
        busy_post = Some(get(busy).await);
        let after = count().await;
        windows.push((before, middle, after));
    }
    let (quiet_post, busy_post) = (quiet_post.unwrap(), busy_post.unwrap());
    let quiet_cost = windows.iter().map(|(b, m, _)| m - b).min().unwrap();
    let busy_cost = windows.iter().map(|(_, m, a)| a - m).min().unwrap();

    assert_eq!(quiet_post.body["comments"], json!([]));
    let comments = busy_post.body["comments"].as_array().expect("comments");
    let shown: usize = comments
        .iter()
        .map(|c| 1 + c["replies"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(shown, 200);
    let nicknames: HashSet<&str> = comments
        .iter()
        .filter(|c| c["author"]["anonymous"] == false)
        .filter_map(|c| c["author"]["nickname"].as_str())
        .collect();
    assert!(
        nicknames.contains(nickname_for("crowd01").as_str()),
        "{nicknames:?}"
    );
    // The post, its thread and one nickname lookup, however long the thread.
    assert!(quiet_cost > 0, "the statements were counted");
    assert_eq!(busy_cost, quiet_cost, "statements for 200 comments vs none");
}
