//! Named authors: their nicknames come from auth in one batch, and a failed lookup costs no write.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::nickname_for;
use crate::{Community, id, pool, stack_with_database, statements_run};

#[tokio::test]
async fn a_named_author_unknown_to_auth_shows_a_placeholder() {
    let (stack, _url) = stack_with_database().await;
    let leaver = stack.user("leaver").await;
    let stayer = stack.user("stayer").await;
    let board = stack.board(&leaver.token, "자유게시판").await;
    let post = id(&stack
        .write(&leaver.token, board, "탈퇴 전 글", "내용", false)
        .await);
    stack
        .comment(&stayer.token, post, "남은 댓글", false, None)
        .await;
    // The viewer saw the name once, so the gateway has it cached.
    let before = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&stayer.token))
        .await;
    assert_eq!(before.body["author"]["nickname"], nickname_for("leaver"));
    let left = stack
        .call(
            reqwest::Method::DELETE,
            "/api/v1/users/me",
            Some(&leaver.token),
            Some(json!({"password": crate::support::PASSWORD})),
        )
        .await;
    assert_eq!(left.status, StatusCode::NO_CONTENT, "{}", left.text);

    // auth's UserDeleted reaches the gateway's cache within moments.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let seen = loop {
        let seen = stack
            .get(&format!("/api/v1/posts/{post}"), Some(&stayer.token))
            .await;
        if seen.body["author"]["nickname"] != nickname_for("leaver")
            || std::time::Instant::now() > deadline
        {
            break seen;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let listed = stack
        .get(
            &format!("/api/v1/boards/{board}/posts"),
            Some(&stayer.token),
        )
        .await;

    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
    assert_eq!(
        seen.body["author"],
        json!({"nickname": "(알 수 없음)", "anonymous": false})
    );
    assert_eq!(
        seen.body["comments"][0]["author"]["nickname"],
        nickname_for("stayer")
    );
    assert_eq!(
        listed.body["items"][0]["author"]["nickname"],
        "(알 수 없음)"
    );
}

#[tokio::test]
async fn a_thread_of_600_named_commenters_is_named_by_one_batch_get_users() {
    let (stack, url) = stack_with_database().await;
    let author = stack.user("crowded").await;
    let viewer = stack.user("scroller").await;
    let board = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack
        .write(&author.token, board, "댓글 600개", "내용", false)
        .await);
    let db = pool(&url).await;
    // Six hundred users, each commenting once by name: straight into the
    // database (signing 600 up would hash 600 passwords).
    sqlx::query(
        "insert into auth.users (school_id, username, email, nickname, name, password_hash)
         select 1, 'mob' || n, 'mob' || n || '@example.ac.kr', '군중' || n, '김군중', 'x'
         from generate_series(1, 600) as n",
    )
    .execute(&db)
    .await
    .unwrap();
    sqlx::query(
        "with crowd as (select id from auth.users where username like 'mob%'),
              written as (
                  insert into community.comments (post_id, author_id, anonymous, content)
                  select $1, id, false, '댓글' from crowd order by id
                  returning author_id)
         insert into community.commenters (post_id, user_id, live_comments)
         select $1, author_id, 1 from written",
    )
    .bind(post)
    .execute(&db)
    .await
    .unwrap();
    sqlx::query("update community.post_stats set comment_count = 600 where post_id = $1")
        .bind(post)
        .execute(&db)
        .await
        .unwrap();
    // auth's one statement per BatchGetUsers call.
    let lookups = "select id, nickname, school_id from users where id = any($1)";
    let path = format!("/api/v1/posts/{post}");

    let before = statements_run(&db, lookups).await;
    let detail = stack.get(&path, Some(&viewer.token)).await;
    let after = statements_run(&db, lookups).await;

    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(after - before, 1, "one BatchGetUsers for 601 named authors");
    // The names are cached now: reading the thread again asks auth nothing.
    let again = stack.get(&path, Some(&viewer.token)).await;
    assert_eq!(again.body, detail.body);
    assert_eq!(
        statements_run(&db, lookups).await,
        after,
        "names seen recently come from the gateway's cache"
    );
    assert_eq!(detail.body["author"]["nickname"], nickname_for("crowded"));
    let names: HashSet<&str> = detail.body["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .filter_map(|comment| comment["author"]["nickname"].as_str())
        .collect();
    assert_eq!(names.len(), 600);
    assert!(
        names.contains("군중1") && names.contains("군중600"),
        "{names:?}"
    );
}

#[tokio::test]
async fn a_write_is_kept_when_the_nickname_lookup_beside_it_fails() {
    let (mut stack, url) = stack_with_database().await;
    let writer = stack.user("steadfast").await;
    let board = stack.board(&writer.token, "자유게시판").await;
    // An anonymous post: writing it looks no one up.
    let post = id(&stack
        .write(&writer.token, board, "먼저 쓴 글", "내용", true)
        .await);

    stack.stack.stop_auth().await.expect("auth stops");
    let mut replies = Vec::new();
    for i in 0..5 {
        replies.push(
            stack
                .post(
                    &format!("/api/v1/boards/{board}/posts"),
                    Some(&writer.token),
                    json!({"title": format!("인증 없이 쓴 글 {i}"), "content": "내용"}),
                )
                .await,
        );
        replies.push(
            stack
                .comment(
                    &writer.token,
                    post,
                    &format!("인증 없이 쓴 댓글 {i}"),
                    false,
                    None,
                )
                .await,
        );
    }

    // The answer is auth's (down), but every write went through.
    for reply in &replies {
        reply.assert_problem(503, "service_unavailable");
    }
    let db = pool(&url).await;
    let posts: i64 = sqlx::query_scalar(
        "select count(*) from community.posts where title like '인증 없이 쓴 글 %'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let comments: i64 = sqlx::query_scalar(
        "select count(*) from community.comments where content like '인증 없이 쓴 댓글 %'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!((posts, comments), (5, 5));
    // A write the service refuses is still the write's own error.
    stack
        .comment(&writer.token, post, " ", false, None)
        .await
        .assert_problem(400, "invalid_input");
    stack.stack.restart_auth().await.expect("auth restarts");
    let seen = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&writer.token))
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
    assert_eq!(seen.body["comment_count"], 5);
}

#[tokio::test]
async fn a_rename_reaches_every_viewer_of_cached_names_within_moments() {
    let stack = crate::support::TestStack::start().await;
    let author = stack.user("renaming").await;
    let viewer = stack.user("watching").await;
    let board = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack
        .write(&author.token, board, "이름 바꿀게요", "내용", false)
        .await);
    let path = format!("/api/v1/posts/{post}");
    let seen = stack.get(&path, Some(&viewer.token)).await;
    assert_eq!(seen.body["author"]["nickname"], nickname_for("renaming"));

    let renamed = stack
        .patch(
            "/api/v1/users/me",
            Some(&author.token),
            json!({"nickname": "새이름"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    // The author sees it on the very next request.
    let own = stack.get(&path, Some(&author.token)).await;
    assert_eq!(own.body["author"]["nickname"], "새이름");
    // Others when auth's NicknameChanged reaches the gateway.
    let started = std::time::Instant::now();
    loop {
        let seen = stack.get(&path, Some(&viewer.token)).await;
        if seen.body["author"]["nickname"] == "새이름" {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "still the old name: {}",
            seen.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
