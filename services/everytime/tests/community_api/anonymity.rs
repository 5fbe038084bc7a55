//! Anonymity: no reply anywhere tells who wrote anonymous content.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Reply, Session};
use crate::{Community, id, ids, keys, pool, stack_with_database};

/// The writer's user id in the anonymity scan: long enough that no other
/// id, count or time in a response can equal or contain it by chance, so
/// finding it anywhere in one is a leak.
pub(crate) const WRITER_ID: i64 = 73_400_320_017;

/// Every number anywhere in `value`, with the key it sits under.
fn numbers<'a>(value: &'a Value, key: &'a str, found: &mut Vec<(&'a str, i64)>) {
    match value {
        Value::Number(number) => found.extend(number.as_i64().map(|n| (key, n))),
        Value::Array(items) => items.iter().for_each(|item| numbers(item, key, found)),
        Value::Object(object) => object
            .iter()
            .for_each(|(key, value)| numbers(value, key, found)),
        _ => {}
    }
}

/// What in `body` (a reply's JSON, `text` as sent) would tell who `writer`
/// is: their username, nickname or id (as a number under any key, or as
/// text anywhere), or a key that carries ids. `None` when nothing does.
pub(crate) fn revealed(text: &str, body: &Value, writer: &Session) -> Option<String> {
    let username = writer.user["username"].as_str().unwrap_or("?");
    let nickname = writer.user["nickname"].as_str().unwrap_or("?");
    for secret in [
        username,
        nickname,
        &writer.id.to_string(),
        "\"user_id\"",
        "\"author_id\"",
        "\"username\"",
    ] {
        if text.contains(secret) {
            return Some(format!("{secret} in {text}"));
        }
    }
    let mut found = Vec::new();
    numbers(body, "", &mut found);
    found
        .into_iter()
        .find(|(_, number)| *number == writer.id)
        .map(|(key, _)| format!("the id under {key:?}"))
}

/// Asserts a reply the viewer got shows nothing of who `writer` is, and
/// that every author in it is `null` or `{nickname, anonymous}`.
#[track_caller]
fn assert_hides(reply: &Reply, what: &str, writer: &Session) {
    assert!(reply.status.is_success(), "{what}: {}", reply.text);
    if let Some(leak) = revealed(&reply.text, &reply.body, writer) {
        panic!("{what} reveals {leak}");
    }
    check_authors(&reply.body, what);
}

#[test]
fn the_anonymity_scan_finds_the_writer_under_any_key() {
    let writer = Session {
        user: json!({"username": "secretw", "nickname": "닉secretw"}),
        id: WRITER_ID,
        token: String::new(),
        refresh: String::new(),
    };
    let leaks = |body: Value| revealed(&body.to_string(), &body, &writer).is_some();

    assert!(leaks(json!({"items": [{"id": 1, "writer": WRITER_ID}]})));
    assert!(leaks(
        json!({"author": {"nickname": "익명", "anonymous": true, "who": WRITER_ID}})
    ));
    assert!(leaks(
        json!({"comments": [{"replies": [{"x": [WRITER_ID]}]}]})
    ));
    assert!(leaks(json!({"note": format!("by {WRITER_ID}")})));
    assert!(leaks(json!({"author": {"nickname": "닉secretw"}})));
    assert!(leaks(json!({"user_id": 5})));
    assert!(!leaks(json!({
        "items": [{"id": 1, "like_count": 10, "author": {"nickname": "익명", "anonymous": true}}],
        "next_cursor": null
    })));
}

#[tokio::test]
async fn nobody_learns_who_wrote_anonymous_content() {
    let (stack, url) = stack_with_database().await;
    let db = pool(&url).await;
    // The writer's id is one no count or other id can pass for.
    sqlx::query(&format!(
        "alter table auth.users alter column id restart with {WRITER_ID}"
    ))
    .execute(&db)
    .await
    .unwrap();
    let writer = stack.user("secretw").await;
    assert_eq!(writer.id, WRITER_ID);
    let viewer = stack.user("viewer").await;
    let likers = stack.users("hot", 10).await;
    let free = stack.board(&writer.token, "자유게시판").await;
    let secret = stack.board(&writer.token, "비밀게시판").await;
    let hidden = stack
        .write(&writer.token, free, "익명 족보 공유", "족보 있어요", true)
        .await;
    let forced = stack
        .write(
            &writer.token,
            secret,
            "비밀 족보",
            "실명으로 보냈지만",
            false,
        )
        .await;
    let hidden_id = id(&hidden);
    let forced_id = id(&forced);
    assert_eq!(
        forced["author"],
        json!({"nickname": "익명", "anonymous": true})
    );
    let viewers_post = id(&stack
        .write(&viewer.token, free, "실명 글", "족보 아님", false)
        .await);
    let on_viewers = stack
        .comment(&writer.token, viewers_post, "익명 댓글", true, None)
        .await;
    assert_eq!(on_viewers.body["author"]["nickname"], "익명1");
    let writers_comment = id(&on_viewers.body);
    // The writer comments on their own posts: anonymously, and "by name" on
    // the anonymous-only board, which makes it anonymous.
    stack
        .comment(&writer.token, hidden_id, "글쓴이 댓글", true, None)
        .await;
    stack
        .comment(&writer.token, forced_id, "실명으로 보냈지만", false, None)
        .await;
    for post in [hidden_id, forced_id] {
        for liker in &likers {
            let liked = stack
                .put(
                    &format!("/api/v1/posts/{post}/like"),
                    Some(&liker.token),
                    None,
                )
                .await;
            assert_eq!(liked.status, StatusCode::OK);
        }
    }
    // BEST needs a hundred likes; the count is set directly, the likes
    // themselves are the service tests' business.
    sqlx::query("update community.post_stats set like_count = 150 where post_id = $1")
        .bind(hidden_id)
        .execute(&db)
        .await
        .unwrap();

    // What the viewer's own writes answer.
    let question = stack
        .comment(&viewer.token, forced_id, "궁금", true, None)
        .await;
    let question_id = id(&question.body);
    stack
        .comment(
            &writer.token,
            forced_id,
            "글쓴이 답글",
            true,
            Some(question_id),
        )
        .await;
    let writes = [
        ("a comment on the secret board", question),
        (
            "a comment on the writer's post",
            stack
                .comment(&viewer.token, hidden_id, "질문 있어요", false, None)
                .await,
        ),
        (
            "a reply to the writer's comment",
            stack
                .comment(
                    &viewer.token,
                    viewers_post,
                    "누구세요",
                    false,
                    Some(writers_comment),
                )
                .await,
        ),
        (
            "a like of the writer's post",
            stack
                .put(
                    &format!("/api/v1/posts/{hidden_id}/like"),
                    Some(&viewer.token),
                    None,
                )
                .await,
        ),
        (
            "a like of the writer's comment",
            stack
                .put(
                    &format!("/api/v1/comments/{writers_comment}/like"),
                    Some(&viewer.token),
                    None,
                )
                .await,
        ),
        (
            "a scrap of the writer's post",
            stack
                .put(
                    &format!("/api/v1/posts/{hidden_id}/scrap"),
                    Some(&viewer.token),
                    None,
                )
                .await,
        ),
        (
            "a scrap of the writer's secret post",
            stack
                .put(
                    &format!("/api/v1/posts/{forced_id}/scrap"),
                    Some(&viewer.token),
                    None,
                )
                .await,
        ),
    ];
    for (what, reply) in &writes {
        assert_hides(reply, what, &writer);
    }

    // Every list and detail the viewer reads.
    let paths = [
        "/api/v1/boards".to_owned(),
        format!("/api/v1/boards/{free}/posts"),
        format!("/api/v1/boards/{secret}/posts"),
        format!("/api/v1/posts/{hidden_id}"),
        format!("/api/v1/posts/{forced_id}"),
        format!("/api/v1/posts/{viewers_post}"),
        "/api/v1/posts/search?q=족보".to_owned(),
        format!("/api/v1/posts/search?q=족보&board_id={secret}"),
        "/api/v1/posts/hot".to_owned(),
        "/api/v1/posts/best".to_owned(),
        "/api/v1/me/posts".to_owned(),
        "/api/v1/me/comments".to_owned(),
        "/api/v1/me/scraps".to_owned(),
    ];
    let mut seen_posts: std::collections::HashMap<&str, Vec<i64>> = Default::default();
    let mut anonymous_comments = 0;
    for path in &paths {
        let reply = stack.get(path, Some(&viewer.token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_hides(&reply, path, &writer);
        seen_posts.insert(
            path.as_str(),
            reply.body["items"]
                .as_array()
                .map(|items| ids(items))
                .unwrap_or_default(),
        );
        for comment in reply.body["comments"].as_array().into_iter().flatten() {
            let replies = comment["replies"].as_array().cloned().unwrap_or_default();
            anonymous_comments += std::iter::once(comment)
                .chain(replies.iter())
                .filter(|c| c["author"]["anonymous"] == true)
                .count();
        }
    }
    // The scan saw the writer's content wherever it belongs.
    for (path, expected) in [
        (format!("/api/v1/boards/{free}/posts"), vec![hidden_id]),
        (format!("/api/v1/boards/{secret}/posts"), vec![forced_id]),
        (
            "/api/v1/posts/search?q=족보".to_owned(),
            vec![hidden_id, forced_id],
        ),
        (
            format!("/api/v1/posts/search?q=족보&board_id={secret}"),
            vec![forced_id],
        ),
        ("/api/v1/posts/hot".to_owned(), vec![hidden_id, forced_id]),
        ("/api/v1/posts/best".to_owned(), vec![hidden_id]),
        ("/api/v1/me/comments".to_owned(), vec![hidden_id, forced_id]),
        ("/api/v1/me/scraps".to_owned(), vec![hidden_id, forced_id]),
    ] {
        let seen = &seen_posts[path.as_str()];
        for post in expected {
            assert!(seen.contains(&post), "{path} lists {post}: {seen:?}");
        }
    }
    // The writer's three comments and reply, and the viewer's question.
    assert_eq!(anonymous_comments, 5);
    // The writer sees their own anonymous post as theirs, still with no name.
    let own = stack
        .get(&format!("/api/v1/posts/{hidden_id}"), Some(&writer.token))
        .await;
    assert_eq!(own.body["is_mine"], true);
    assert_eq!(
        own.body["author"],
        json!({"nickname": "익명", "anonymous": true})
    );
    let comments = own.body["comments"].as_array().unwrap();
    assert_eq!(
        comments[0]["author"],
        json!({"nickname": "익명(글쓴이)", "anonymous": true})
    );
    assert_eq!(comments[0]["is_mine"], true);
    let mine = stack.get("/api/v1/me/posts", Some(&writer.token)).await;
    assert_eq!(
        ids(mine.body["items"].as_array().unwrap()),
        [forced_id, hidden_id]
    );
}

/// Every `author` in a response is `null` or exactly `{nickname, anonymous}`.
fn check_authors(value: &Value, path: &str) {
    match value {
        Value::Object(object) => {
            if let Some(author) = object.get("author") {
                assert!(
                    author.is_null() || keys(author) == ["anonymous", "nickname"],
                    "{path}: unexpected author {author}"
                );
            }
            object.values().for_each(|value| check_authors(value, path));
        }
        Value::Array(items) => items.iter().for_each(|value| check_authors(value, path)),
        _ => {}
    }
}
