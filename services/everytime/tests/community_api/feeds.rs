//! Lists of posts: a board's pages, HOT, BEST, search and the caller's own lists.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestStack;
use crate::{Community, id, ids, keys, pool, stack_with_database};

/// `cursor` with its fourth character changed: for a short cursor that is
/// the separator, so this makes a malformed cursor. [`forge`] makes a
/// well-formed one.
fn tamper(cursor: &str) -> String {
    let mut chars: Vec<char> = cursor.chars().collect();
    chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

/// The position a cursor carries (its first part: JSON in base64url).
fn cursor_position(cursor: &str) -> Value {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let (payload, _) = cursor.split_once('.').expect("a cursor has two parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
        .expect("the position is JSON")
}

/// `cursor` with its position replaced by `position` and its signature
/// kept: a well-formed cursor a client could make, which only the
/// signature check can tell from a real one.
fn forge(cursor: &str, position: &Value) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let (_, tag) = cursor.split_once('.').expect("a cursor has two parts");
    let payload = serde_json::to_vec(position).expect("serializes");
    format!("{}.{tag}", URL_SAFE_NO_PAD.encode(payload))
}

#[tokio::test]
async fn a_board_pages_through_45_posts_by_cursor() {
    let stack = TestStack::start().await;
    let user = stack.user("pager").await;
    let board = stack.board(&user.token, "자유게시판").await;
    let mut written = Vec::new();
    for i in 0..45 {
        written.push(id(&stack
            .write(&user.token, board, &format!("글 {i}"), "내용", i % 3 == 0)
            .await));
    }
    written.reverse();
    let path = format!("/api/v1/boards/{board}/posts");

    let (items, pages) = stack.walk(&format!("{path}?limit=10"), &user.token).await;
    let (default_items, default_pages) = stack.walk(&path, &user.token).await;

    assert_eq!(ids(&items), written, "newest first, no gaps, no duplicates");
    assert_eq!(pages, 5);
    assert_eq!(ids(&default_items), written);
    assert_eq!(default_pages, 3);
    let first = stack
        .get(&format!("{path}?limit=10"), Some(&user.token))
        .await;
    assert_eq!(
        keys(&first.body["items"][0]),
        [
            "author",
            "board",
            "comment_count",
            "content_preview",
            "created_at",
            "id",
            "like_count",
            "scrap_count",
            "title"
        ]
    );
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();
    let tampered = tamper(&cursor);
    for (query, field) in [
        ("limit=0".to_owned(), "limit"),
        ("limit=101".to_owned(), "limit"),
        ("limit=abc".to_owned(), "limit"),
        ("limit=99999999999".to_owned(), "limit"),
        (format!("cursor={tampered}"), "cursor"),
        ("cursor=not-a-cursor".to_owned(), "cursor"),
    ] {
        let reply = stack
            .get(&format!("{path}?{query}"), Some(&user.token))
            .await;
        reply.assert_problem(400, "invalid_input");
        assert_eq!(reply.error_fields(), [field], "{query}");
    }
    // A cursor decodes to the last post of its page; the same position
    // encoded again is the same cursor, and it works.
    let position = cursor_position(&cursor);
    assert_eq!(position, first.body["items"][9]["id"]);
    assert_eq!(forge(&cursor, &position), cursor);
    // Another position under the real signature is refused.
    let earlier = forge(&cursor, &json!(position.as_i64().unwrap() - 5));
    let forged = stack
        .get(&format!("{path}?cursor={earlier}"), Some(&user.token))
        .await;
    forged.assert_problem(400, "invalid_input");
    assert_eq!(forged.error_fields(), ["cursor"]);
    // A board's cursor is no good for another list.
    let info = stack.board(&user.token, "정보게시판").await;
    let elsewhere = stack
        .get(
            &format!("/api/v1/boards/{info}/posts?cursor={cursor}"),
            Some(&user.token),
        )
        .await;
    assert_eq!(elsewhere.error_fields(), ["cursor"]);
    let mine = stack
        .get(
            &format!("/api/v1/me/posts?cursor={cursor}"),
            Some(&user.token),
        )
        .await;
    assert_eq!(mine.error_fields(), ["cursor"]);
    let (my_posts, _) = stack.walk("/api/v1/me/posts?limit=7", &user.token).await;
    assert_eq!(ids(&my_posts), written);
}

#[tokio::test]
async fn hot_and_best_list_the_schools_liked_posts() {
    let (stack, url) = stack_with_database().await;
    let author = stack.user("hotshot").await;
    let fans = stack.users("like", 10).await;
    let board = stack.board(&author.token, "자유게시판").await;
    let early = id(&stack
        .write(&author.token, board, "먼저 쓴 글", "내용", false)
        .await);
    let late = id(&stack
        .write(&author.token, board, "나중 글", "내용", false)
        .await);
    let lukewarm = id(&stack
        .write(&author.token, board, "미지근", "내용", false)
        .await);
    for post in [late, early] {
        for fan in &fans {
            let liked = stack
                .put(
                    &format!("/api/v1/posts/{post}/like"),
                    Some(&fan.token),
                    None,
                )
                .await;
            assert_eq!(liked.status, StatusCode::OK);
        }
    }
    for fan in &fans[..9] {
        stack
            .put(
                &format!("/api/v1/posts/{lukewarm}/like"),
                Some(&fan.token),
                None,
            )
            .await;
    }

    let (hot, _) = stack.walk("/api/v1/posts/hot?limit=1", &author.token).await;
    assert_eq!(
        ids(&hot),
        [early, late],
        "the latest to reach 10 comes first"
    );
    assert_eq!(hot[0]["like_count"], 10);
    // HOT's cursor is a (time, id) position; an earlier time under the
    // real signature is refused.
    let first = stack
        .get("/api/v1/posts/hot?limit=1", Some(&author.token))
        .await;
    let cursor = first.body["next_cursor"].as_str().expect("a cursor");
    let position = cursor_position(cursor);
    assert_eq!(position[1], json!(early));
    let earlier = forge(
        cursor,
        &json!([position[0].as_i64().unwrap() - 1_000_000, early]),
    );
    let forged = stack
        .get(
            &format!("/api/v1/posts/hot?limit=1&cursor={earlier}"),
            Some(&author.token),
        )
        .await;
    forged.assert_problem(400, "invalid_input");
    assert_eq!(forged.error_fields(), ["cursor"]);

    let db = pool(&url).await;
    for (post, likes) in [(early, 120), (late, 300)] {
        sqlx::query("update community.post_stats set like_count = $2 where post_id = $1")
            .bind(post)
            .bind(likes)
            .execute(&db)
            .await
            .unwrap();
    }
    let best = stack.get("/api/v1/posts/best", Some(&author.token)).await;
    assert_eq!(best.status, StatusCode::OK, "{}", best.text);
    assert_eq!(ids(best.body["items"].as_array().unwrap()), [late, early]);
    let season = best.body["season"].as_str().expect("the season").to_owned();
    let explicit = stack
        .get(
            &format!("/api/v1/posts/best?season={season}&limit=1"),
            Some(&author.token),
        )
        .await;
    assert_eq!(ids(explicit.body["items"].as_array().unwrap()), [late]);
    assert!(explicit.body["next_cursor"].is_string());
    let past = stack
        .get("/api/v1/posts/best?season=2019-H2", Some(&author.token))
        .await;
    assert_eq!(past.body["items"], json!([]));
    // Written in the last second of 2024 in Korea: BEST of 2024-H2 only.
    sqlx::query(
        "with moved as (update community.posts set created_at = '2024-12-31T14:59:59Z'
                        where id = $1 returning id, created_at)
         update community.post_stats s set season = community.season_of(moved.created_at)
         from moved where s.post_id = moved.id",
    )
    .bind(early)
    .execute(&db)
    .await
    .unwrap();
    let best = |season: &'static str| {
        let stack = &stack;
        let token = author.token.clone();
        async move {
            let reply = stack
                .get(&format!("/api/v1/posts/best{season}"), Some(&token))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            ids(reply.body["items"].as_array().unwrap())
        }
    };
    assert_eq!(best("").await, [late]);
    assert_eq!(best("?season=2024-H2").await, [early]);
    assert!(best("?season=2025-H1").await.is_empty());
    assert!(best("?season=2024-H1").await.is_empty());
    for bad in ["2026-H3", "2026", "H1-2026", "2026-1"] {
        let reply = stack
            .get(
                &format!("/api/v1/posts/best?season={bad}"),
                Some(&author.token),
            )
            .await;
        reply.assert_problem(400, "invalid_input");
        assert_eq!(reply.error_fields(), ["season"], "{bad}");
    }
}

#[tokio::test]
async fn search_matches_korean_and_any_case_within_the_school() {
    let stack = TestStack::start().await;
    let user = stack.user("searcher").await;
    let free = stack.board(&user.token, "자유게시판").await;
    let info = stack.board(&user.token, "정보게시판").await;
    let title_hit = id(&stack
        .write(&user.token, free, "자료구조 족보 구해요", "급함", false)
        .await);
    let content_hit = id(&stack
        .write(&user.token, info, "시험 정보", "작년 족보 있습니다", true)
        .await);
    let english = id(&stack
        .write(&user.token, free, "Rust 스터디", "Meets on FRIDAY", false)
        .await);
    stack
        .write(&user.token, free, "무관한 글", "족 보", false)
        .await;

    let (stack, token) = (&stack, user.token.as_str());
    let search = |query: &str| {
        let path = format!("/api/v1/posts/search?{query}");
        async move { stack.get(&path, Some(token)).await }
    };
    let korean = search("q=족보").await;
    let in_board = search(&format!("q=%20족보%20&board_id={info}")).await;
    let any_case = search("q=friday").await;

    assert_eq!(
        ids(korean.body["items"].as_array().unwrap()),
        [content_hit, title_hit]
    );
    assert!(korean.body["next_cursor"].is_null());
    assert_eq!(
        ids(in_board.body["items"].as_array().unwrap()),
        [content_hit]
    );
    assert_eq!(ids(any_case.body["items"].as_array().unwrap()), [english]);
    let (paged, pages) = stack
        .walk("/api/v1/posts/search?q=족보&limit=1", &user.token)
        .await;
    assert_eq!((ids(&paged), pages), (vec![content_hit, title_hit], 2));
    for (query, field) in [
        ("q=족", "q"),
        ("", "q"),
        ("q=%20%20", "q"),
        (&*format!("q={}", "가".repeat(51)), "q"),
        ("q=족보&board_id=abc", "board_id"),
        ("q=족보&limit=0", "limit"),
    ] {
        let reply = search(query).await;
        reply.assert_problem(400, "invalid_input");
        assert_eq!(reply.error_fields(), [field], "{query}");
    }
    search("q=족보&board_id=999999")
        .await
        .assert_problem(404, "board_not_found");
}

#[tokio::test]
async fn my_lists_hold_my_posts_commented_posts_and_scraps() {
    let stack = TestStack::start().await;
    let me = stack.user("myself").await;
    let other = stack.user("someone").await;
    let board = stack.board(&me.token, "자유게시판").await;
    let secret = stack.board(&me.token, "비밀게시판").await;
    let mine = id(&stack.write(&me.token, board, "내 글", "내용", false).await);
    let mine_anonymous = id(&stack
        .write(&me.token, secret, "내 비밀 글", "내용", true)
        .await);
    let theirs: Vec<i64> = {
        let mut theirs = Vec::new();
        for i in 0..3 {
            theirs.push(id(&stack
                .write(&other.token, board, &format!("남의 글 {i}"), "내용", false)
                .await));
        }
        theirs
    };
    stack
        .comment(&me.token, theirs[0], "댓글", false, None)
        .await;
    stack
        .comment(&me.token, theirs[1], "댓글", true, None)
        .await;
    stack
        .comment(&me.token, theirs[0], "또 댓글", true, None)
        .await;
    let deleted = stack
        .comment(&me.token, theirs[2], "지울 댓글", false, None)
        .await;
    stack
        .delete(
            &format!("/api/v1/comments/{}", id(&deleted.body)),
            Some(&me.token),
        )
        .await;
    for post in [theirs[1], theirs[2]] {
        stack
            .put(
                &format!("/api/v1/posts/{post}/scrap"),
                Some(&me.token),
                None,
            )
            .await;
    }

    let posts = stack.get("/api/v1/me/posts", Some(&me.token)).await;
    let (commented, _) = stack.walk("/api/v1/me/comments?limit=1", &me.token).await;
    let scraps = stack.get("/api/v1/me/scraps", Some(&me.token)).await;

    assert_eq!(
        ids(posts.body["items"].as_array().unwrap()),
        [mine_anonymous, mine]
    );
    assert_eq!(
        posts.body["items"][0]["author"],
        json!({"nickname": "익명", "anonymous": true})
    );
    assert_eq!(ids(&commented), [theirs[0], theirs[1]]);
    assert_eq!(
        ids(scraps.body["items"].as_array().unwrap()),
        [theirs[2], theirs[1]]
    );
    assert!(scraps.body["next_cursor"].is_null());
    let (their_comments, _) = stack.walk("/api/v1/me/comments", &other.token).await;
    assert!(their_comments.is_empty());
}
