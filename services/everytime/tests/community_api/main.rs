//! Boards, posts, comments, 공감, scraps, HOT, BEST and search through the
//! gateway over real HTTP, with the community and auth services behind it
//! over real gRPC.
//!
//! One test binary; its modules hold the tests by use case. This file holds
//! the helpers several of them share: the [`Community`] shortcuts, id and
//! shape checks, and the database the statement-counting tests read.

#[path = "../support/mod.rs"]
mod support;

mod anonymity;
mod authors;
mod boards;
mod comments;
mod contract;
mod feeds;
mod messages;
mod notifications;
mod posts;
mod reactions;
mod reports;
mod write_limits;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Reply, Session, TestStack};

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
    let stack =
        TestStack::start_with(|config| url = config.community.service.database_url.clone()).await;
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
/// run in this test's database, by `pg_stat_statements`, leaving out the
/// event channel's own statements, which run beside any request: the
/// outbox reads (`from events`: auth's and timetable's streams poll every
/// 2 s), the consumers' acknowledgements (`event_consumers`, every 5 s)
/// and positions (`event_positions`). The private test
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
           and query not like '%pg_stat_statements%' and starts_with(query, $1) \
           and query not like '%from events%' and query not like '%event_consumers%' \
           and query not like '%event_positions%'",
    )
    .bind(prefix)
    .fetch_one(db)
    .await
    .unwrap_or_else(|error| {
        panic!("pg_stat_statements is not loaded (shared_preload_libraries): {error}")
    })
}
