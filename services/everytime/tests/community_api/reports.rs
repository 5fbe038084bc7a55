//! 신고 and blinding through the gateway: every refusal, blinding exactly
//! once at the fifth of many simultaneous reporters, what a blinded post or
//! comment looks like and where it no longer shows, the write restriction
//! after three blindings, and the administrators' list and restore.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Reply, Session, TestStack};
use crate::{Community, id, ids};

async fn report(stack: &TestStack, token: &str, what: &str, id: i64, reason: &str) -> Reply {
    stack
        .post(
            &format!("/api/v1/{what}/{id}/reports"),
            Some(token),
            json!({"reason": reason}),
        )
        .await
}

/// `reporters` report `what/id` all at once, with the reasons in turn.
async fn report_together(
    stack: &TestStack,
    reporters: &[Session],
    what: &str,
    id: i64,
) -> Vec<Reply> {
    const REASONS: [&str; 3] = ["abuse", "spam", "abuse"];
    futures::future::join_all(
        reporters
            .iter()
            .enumerate()
            .map(|(i, user)| report(stack, &user.token, what, id, REASONS[i % 3])),
    )
    .await
}

#[tokio::test]
async fn reports_are_once_per_user_never_ones_own_and_name_a_known_reason() {
    let stack = TestStack::start().await;
    let author = stack.user("reported").await;
    let reporter = stack.user("reporter").await;
    let outsider = stack.user_at("elsewhere", 2).await;
    let free = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack
        .write(&author.token, free, "제목", "내용", false)
        .await);
    let comment = id(&stack
        .comment(&author.token, post, "댓글", false, None)
        .await
        .body);

    for (what, id) in [("posts", post), ("comments", comment)] {
        let bad = report(&stack, &reporter.token, what, id, "rude").await;
        bad.assert_problem(400, "invalid_input");
        assert_eq!(bad.error_fields(), ["reason"]);
        report(&stack, &author.token, what, id, "abuse")
            .await
            .assert_problem(403, "own_post");
        report(&stack, &outsider.token, what, id, "abuse")
            .await
            .assert_problem(
                404,
                if what == "posts" {
                    "post_not_found"
                } else {
                    "comment_not_found"
                },
            );
        let reported = report(&stack, &reporter.token, what, id, "abuse").await;
        assert_eq!(reported.status, StatusCode::CREATED, "{}", reported.text);
        assert_eq!(reported.body, json!({"reported": true}));
        report(&stack, &reporter.token, what, id, "spam")
            .await
            .assert_problem(409, "already_reported");
    }
    report(&stack, &reporter.token, "posts", 999_999, "abuse")
        .await
        .assert_problem(404, "post_not_found");
    // One report is far from blinding.
    let shown = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&reporter.token))
        .await;
    assert_eq!(shown.body["blinded"], false);
    assert_eq!(shown.body["blind_reasons"], Value::Null);
    assert_eq!(shown.body["comments"][0]["blinded"], false);
}

#[tokio::test]
async fn the_fifth_of_many_simultaneous_reporters_blinds_a_post_once() {
    let (stack, admin) = TestStack::start_with_admin().await;
    let author = stack.user("blindee").await;
    let viewer = stack.user("onlooker").await;
    let crowd = stack.users("crowd", 10).await;
    let free = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack
        .write(
            &author.token,
            free,
            "문제의 글 키워드",
            "신고될 내용",
            false,
        )
        .await);
    // Ten likes put it on HOT first.
    for user in &crowd {
        let liked = stack
            .put(
                &format!("/api/v1/posts/{post}/like"),
                Some(&user.token),
                None,
            )
            .await;
        assert_eq!(liked.status, StatusCode::OK, "{}", liked.text);
    }
    let hot = stack.get("/api/v1/posts/hot", Some(&viewer.token)).await;
    assert_eq!(ids(hot.body["items"].as_array().expect("items")), [post]);

    // Eight report at the same moment: every report is taken.
    for reply in report_together(&stack, &crowd[..8], "posts", post).await {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }

    let shown = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&viewer.token))
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert_eq!(shown.body["blinded"], true);
    assert_eq!(shown.body["title"], "블라인드 처리된 게시물입니다");
    assert_eq!(shown.body["content"], "");
    assert_eq!(shown.body["content_preview"], "");
    assert_eq!(shown.body["blind_reasons"], json!({"abuse": 5, "spam": 3}));
    // Out of every list but the author's own.
    for path in [
        format!("/api/v1/boards/{free}/posts"),
        "/api/v1/posts/hot".to_owned(),
        format!("/api/v1/posts/search?q={}", "%ED%82%A4%EC%9B%8C%EB%93%9C"),
    ] {
        let list = stack.get(&path, Some(&viewer.token)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        assert!(
            !ids(list.body["items"].as_array().expect("items")).contains(&post),
            "{path}: {}",
            list.text
        );
    }
    let mine = stack.get("/api/v1/me/posts", Some(&author.token)).await;
    assert_eq!(mine.body["items"][0]["id"], post);
    assert_eq!(
        mine.body["items"][0]["title"],
        "블라인드 처리된 게시물입니다"
    );
    // The admin sees it once, with every report counted.
    let reported = stack.get("/api/v1/admin/reports", Some(&admin)).await;
    assert_eq!(reported.status, StatusCode::OK, "{}", reported.text);
    assert_eq!(
        reported.body["items"],
        json!([{"kind": "post", "id": post, "post_id": post, "report_count": 8,
                "reasons": {"abuse": 5, "spam": 3}, "blinded": true,
                "excerpt": "문제의 글 키워드\n신고될 내용"}])
    );
    // Blinded once: one blinding on the author's record, so no restriction.
    let me = stack.get("/api/v1/users/me", Some(&author.token)).await;
    assert_eq!(me.body["restricted_until"], Value::Null);

    // Restored: back in the lists, its reports cleared.
    let restored = stack
        .post(
            &format!("/api/v1/admin/reports/post/{post}/restore"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(restored.status, StatusCode::NO_CONTENT, "{}", restored.text);
    let shown = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&viewer.token))
        .await;
    assert_eq!(shown.body["blinded"], false);
    assert_eq!(shown.body["title"], "문제의 글 키워드");
    let board = stack
        .get(&format!("/api/v1/boards/{free}/posts"), Some(&viewer.token))
        .await;
    assert_eq!(ids(board.body["items"].as_array().expect("items")), [post]);
    let hot = stack.get("/api/v1/posts/hot", Some(&viewer.token)).await;
    assert_eq!(ids(hot.body["items"].as_array().expect("items")), [post]);
    let reported = stack.get("/api/v1/admin/reports", Some(&admin)).await;
    assert_eq!(reported.body["items"], json!([]));
    stack
        .post(
            &format!("/api/v1/admin/reports/post/{post}/restore"),
            Some(&admin),
            json!({}),
        )
        .await
        .assert_problem(404, "report_not_found");
    stack
        .post(
            &format!("/api/v1/admin/reports/board/{post}/restore"),
            Some(&admin),
            json!({}),
        )
        .await
        .assert_problem(400, "invalid_input");
    // Not for users.
    stack
        .get("/api/v1/admin/reports", Some(&viewer.token))
        .await
        .assert_problem(403, "admin_only");
    stack
        .post(
            &format!("/api/v1/admin/reports/post/{post}/restore"),
            Some(&viewer.token),
            json!({}),
        )
        .await
        .assert_problem(403, "admin_only");
}

#[tokio::test]
async fn a_blinded_comment_shows_without_author_or_content() {
    let stack = TestStack::start().await;
    let author = stack.user("poster").await;
    let rude = stack.user("rude").await;
    let crowd = stack.users("judge", 5).await;
    let free = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack.write(&author.token, free, "글", "내용", false).await);
    let comment = id(&stack
        .comment(&rude.token, post, "나쁜 말", false, None)
        .await
        .body);
    let reply = stack
        .comment(&author.token, post, "답글", false, Some(comment))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);

    for reply in report_together(&stack, &crowd, "comments", comment).await {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }

    let shown = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&author.token))
        .await;
    let blinded = &shown.body["comments"][0];
    assert_eq!(blinded["id"], comment);
    assert_eq!(blinded["blinded"], true);
    assert_eq!(blinded["content"], "블라인드 처리된 댓글입니다.");
    assert_eq!(blinded["author"], Value::Null);
    assert!(!shown.text.contains("나쁜 말"));
    // The post itself is untouched, and the reply stays.
    assert_eq!(shown.body["blinded"], false);
    assert_eq!(blinded["replies"][0]["content"], "답글");
}

#[tokio::test]
async fn three_blindings_in_30_days_stop_posts_and_comments_for_7_days() {
    let stack = TestStack::start().await;
    let author = stack.user("troll").await;
    let crowd = stack.users("mod", 5).await;
    let mut posts = Vec::new();
    for board in ["자유게시판", "새내기게시판", "정보게시판"] {
        let board = stack.board(&author.token, board).await;
        posts.push(id(&stack
            .write(&author.token, board, "도배", "도배 내용", false)
            .await));
    }
    let target = posts[0];
    for (count, post) in posts.iter().enumerate() {
        for reply in report_together(&stack, &crowd, "posts", *post).await {
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        }
        if count < 2 {
            let me = stack.get("/api/v1/users/me", Some(&author.token)).await;
            assert_eq!(
                me.body["restricted_until"],
                Value::Null,
                "after {}",
                count + 1
            );
        } else {
            // Shown within moments, though the gateway kept "may write"
            // from the two looks before.
            let until = stack.restricted_until(&author.token).await;
            let until = chrono::DateTime::parse_from_rfc3339(&until).expect("RFC 3339");
            let days = (until.timestamp() - chrono::Utc::now().timestamp()) as f64 / 86_400.0;
            assert!((6.9..=7.0).contains(&days), "{days}");
        }
    }
    let free = stack.board(&author.token, "비밀게시판").await;
    let refused = stack
        .post(
            &format!("/api/v1/boards/{free}/posts"),
            Some(&author.token),
            json!({"title": "또", "content": "또"}),
        )
        .await;
    refused.assert_problem(403, "write_restricted");
    assert!(
        refused.body["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("until"))
    );
    let other = id(&stack
        .write(&crowd[0].token, free, "남의 글", "내용", true)
        .await);
    stack
        .comment(&author.token, other, "댓글", true, None)
        .await
        .assert_problem(403, "write_restricted");
    stack
        .post(
            "/api/v1/messages",
            Some(&author.token),
            json!({"post_id": other, "content": "쪽지"}),
        )
        .await
        .assert_problem(403, "write_restricted");
    // Each blinding told the author, once, and never a reporter.
    let told = stack
        .get("/api/v1/notifications", Some(&author.token))
        .await;
    let blinded: Vec<&Value> = told.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|item| item["kind"] == "blinded")
        .collect();
    assert_eq!(blinded.len(), 3, "{}", told.text);
    assert!(blinded.iter().all(|item| {
        item["text"] == "신고가 누적되어 내 글이 블라인드 처리되었어요: 도배"
            && item["comment_id"].is_null()
    }));
    let reporter = stack
        .get("/api/v1/notifications", Some(&crowd[0].token))
        .await;
    assert_eq!(reporter.body["items"], json!([]), "{}", reporter.text);
    // Likes and reports are not writing.
    let liked = stack
        .put(
            &format!("/api/v1/posts/{other}/like"),
            Some(&author.token),
            None,
        )
        .await;
    assert_eq!(liked.status, StatusCode::OK, "{}", liked.text);
    // Others are not restricted; the PATCH of /users/me says it too.
    let me = stack
        .patch(
            "/api/v1/users/me",
            Some(&crowd[0].token),
            json!({"name": "새이름"}),
        )
        .await;
    assert_eq!(me.body["restricted_until"], Value::Null);
    let _ = target;
}

#[tokio::test]
async fn reports_are_limited_to_10_a_day() {
    let stack = TestStack::start_with(|config| {
        config.community.write_limits = everytime_community::domain::WriteLimits {
            posts_per_board: everytime_community::domain::WriteLimit {
                max: 100,
                window: std::time::Duration::from_secs(1),
            },
            ..everytime_community::domain::WriteLimits::default()
        };
    })
    .await;
    let reporter = stack.user("zealous").await;
    let authors = stack.users("writer", 11).await;
    let free = stack.board(&reporter.token, "자유게시판").await;
    let mut posts = Vec::new();
    for author in &authors {
        posts.push(id(&stack
            .write(&author.token, free, "글", "내용", false)
            .await));
    }
    for post in &posts[..10] {
        let reply = report(&stack, &reporter.token, "posts", *post, "spam").await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    let refused = report(&stack, &reporter.token, "posts", posts[10], "spam").await;
    refused.assert_problem(429, "too_fast");
    assert!(refused.header("retry-after").is_some());
}

/// How many `GetWriteRestriction` calls community has answered, from the
/// process's metrics page.
async fn restriction_lookups(stack: &TestStack) -> u64 {
    stack
        .rpc_count(
            "community",
            "/everytime.community.v1.CommunityService/GetWriteRestriction",
        )
        .await
}

#[tokio::test]
async fn the_callers_restriction_is_asked_once_then_kept_until_a_blinding() {
    let stack = TestStack::start().await;
    let author = stack.user("asked_once").await;
    // Once the gateway follows community's changes (moments after it
    // starts), repeated looks at /users/me ask community at most once.
    let started = std::time::Instant::now();
    loop {
        let before = restriction_lookups(&stack).await;
        for _ in 0..3 {
            let me = stack.get("/api/v1/users/me", Some(&author.token)).await;
            assert_eq!(me.body["restricted_until"], Value::Null, "{}", me.text);
        }
        if restriction_lookups(&stack).await - before <= 1 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "every look asked community"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // A blinding (anyone's) drops what was kept: the next look asks again.
    let crowd = stack.users("bl", 5).await;
    let board = stack.board(&author.token, "자유게시판").await;
    let post = id(&stack
        .write(&author.token, board, "신고될 글", "내용", false)
        .await);
    for reply in report_together(&stack, &crowd, "posts", post).await {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    let started = std::time::Instant::now();
    loop {
        let before = restriction_lookups(&stack).await;
        stack.get("/api/v1/users/me", Some(&author.token)).await;
        if restriction_lookups(&stack).await > before {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "still served from before the blinding"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
