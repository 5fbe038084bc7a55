//! Boards, posts, comments, 공감, scraps, HOT, BEST and search through the
//! gateway over real HTTP, with the community and auth services behind it
//! over real gRPC.

mod support;

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Reply, Session, TestStack, nickname_for};

/// Shortcuts for the community endpoints, on top of the shared helpers.
trait Community {
    /// The id of the caller's school's board with this name.
    async fn board(&self, token: &str, name: &str) -> i64;
    /// Writes a post and returns it (asserting 201).
    async fn write(
        &self,
        token: &str,
        board: i64,
        title: &str,
        content: &str,
        anonymous: bool,
    ) -> Value;
    /// Comments (or replies, with `parent`) and returns the reply as is.
    async fn comment(
        &self,
        token: &str,
        post: i64,
        content: &str,
        anonymous: bool,
        parent: Option<i64>,
    ) -> Reply;
    /// Follows `next_cursor` from `path` to the end; returns every item and
    /// how many pages it took.
    async fn walk(&self, path: &str, token: &str) -> (Vec<Value>, usize);
    /// Signs `count` users up at school 1 as `{prefix}{i}`, concurrently.
    async fn users(&self, prefix: &str, count: usize) -> Vec<Session>;
}

impl Community for TestStack {
    async fn board(&self, token: &str, name: &str) -> i64 {
        let boards = self.get("/api/v1/boards", Some(token)).await;
        assert_eq!(boards.status, StatusCode::OK, "{}", boards.text);
        boards.body["items"]
            .as_array()
            .and_then(|boards| boards.iter().find(|board| board["name"] == name))
            .and_then(|board| board["id"].as_i64())
            .expect("the board exists")
    }

    async fn write(
        &self,
        token: &str,
        board: i64,
        title: &str,
        content: &str,
        anonymous: bool,
    ) -> Value {
        let reply = self
            .post(
                &format!("/api/v1/boards/{board}/posts"),
                Some(token),
                json!({"title": title, "content": content, "anonymous": anonymous}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.body
    }

    async fn comment(
        &self,
        token: &str,
        post: i64,
        content: &str,
        anonymous: bool,
        parent: Option<i64>,
    ) -> Reply {
        let mut body = json!({"content": content, "anonymous": anonymous});
        if let Some(parent) = parent {
            body["parent_id"] = json!(parent);
        }
        self.post(&format!("/api/v1/posts/{post}/comments"), Some(token), body)
            .await
    }

    async fn walk(&self, path: &str, token: &str) -> (Vec<Value>, usize) {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let url = match &cursor {
                None => path.to_owned(),
                Some(cursor) => format!("{path}{separator}cursor={cursor}"),
            };
            let page = self.get(&url, Some(token)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.text);
            pages += 1;
            items.extend(page.body["items"].as_array().cloned().unwrap_or_default());
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => {
                    assert!(page.body["next_cursor"].is_null(), "{}", page.text);
                    return (items, pages);
                }
            }
        }
    }

    async fn users(&self, prefix: &str, count: usize) -> Vec<Session> {
        let names: Vec<String> = (0..count).map(|i| format!("{prefix}{i:02}")).collect();
        futures::future::join_all(names.iter().map(|name| self.user(name))).await
    }
}

fn id(value: &Value) -> i64 {
    value["id"].as_i64().expect("an id")
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(id).collect()
}

fn rfc3339_utc(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|text| text.ends_with('Z') && text.len() == 20 && chrono_like(text))
}

/// `YYYY-MM-DDTHH:MM:SSZ` shape.
fn chrono_like(text: &str) -> bool {
    text.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        10 => b == b'T',
        13 | 16 => b == b':',
        19 => b == b'Z',
        _ => b.is_ascii_digit(),
    })
}

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

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

/// The URL of the test's database, for seeding and counting statements.
async fn stack_with_database() -> (TestStack, String) {
    let mut url = String::new();
    let stack = TestStack::start_with(|config| url = config.community.database_url.clone()).await;
    (stack, url)
}

async fn pool(url: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .expect("connects")
}

/// How many times statements starting with `prefix` (all, for `""`) have
/// run in this test's database, by `pg_stat_statements`. The private test
/// cluster preloads it when PostgreSQL's contrib modules are installed;
/// without it the tests that count statements cannot check anything, so
/// they fail here, loudly, instead of passing.
async fn statements_run(db: &sqlx::PgPool, prefix: &str) -> i64 {
    if let Err(error) =
        sqlx::query("create extension if not exists pg_stat_statements with schema public")
            .execute(db)
            .await
    {
        panic!(
            "pg_stat_statements is not available ({error}): install PostgreSQL's contrib \
             modules (e.g. postgresql-contrib) so the test cluster preloads it"
        );
    }
    sqlx::query_scalar(
        "select coalesce(sum(calls), 0)::bigint from public.pg_stat_statements \
         where dbid = (select oid from pg_database where datname = current_database()) \
           and query not like '%pg_stat_statements%' and starts_with(query, $1)",
    )
    .bind(prefix)
    .fetch_one(db)
    .await
    .unwrap_or_else(|error| {
        panic!("pg_stat_statements is not loaded (shared_preload_libraries): {error}")
    })
}

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

/// The writer's user id in the anonymity scan: long enough that no other
/// id, count or time in a response can equal or contain it by chance, so
/// finding it anywhere in one is a leak.
const WRITER_ID: i64 = 73_400_320_017;

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
fn revealed(text: &str, body: &Value, writer: &Session) -> Option<String> {
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

    let before = count().await;
    let quiet_post = get(quiet).await;
    let middle = count().await;
    let busy_post = get(busy).await;
    let after = count().await;

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
    assert!(middle > before, "the statements were counted");
    assert_eq!(
        after - middle,
        middle - before,
        "statements for 200 comments vs none"
    );
}

#[tokio::test]
async fn a_named_author_unknown_to_auth_shows_a_placeholder() {
    let (stack, url) = stack_with_database().await;
    let leaver = stack.user("leaver").await;
    let stayer = stack.user("stayer").await;
    let board = stack.board(&leaver.token, "자유게시판").await;
    let post = id(&stack
        .write(&leaver.token, board, "탈퇴 전 글", "내용", false)
        .await);
    stack
        .comment(&stayer.token, post, "남은 댓글", false, None)
        .await;
    sqlx::query("delete from auth.users where id = $1")
        .bind(leaver.id)
        .execute(&pool(&url).await)
        .await
        .unwrap();

    let seen = stack
        .get(&format!("/api/v1/posts/{post}"), Some(&stayer.token))
        .await;
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
