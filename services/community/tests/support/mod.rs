//! Starts a real community service on 127.0.0.1:0 with a fresh database and
//! fixed token keys, and talks to it with the generated tonic client as
//! users of any school minted on the spot.

// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use std::{net::SocketAddr, time::Duration};

use everytime_common::token::Role;
use everytime_community::{Config, domain::WriteLimits};
use everytime_devkit::{server::TestServer, tokens::TestKeys};
use everytime_proto::community::v1::{
    self as pb, community_service_client::CommunityServiceClient,
    message_service_client::MessageServiceClient,
    notification_service_client::NotificationServiceClient,
};
use sqlx::{PgPool, postgres::PgPoolOptions};
use tonic::{Request, Status, transport::Channel};

/// The school most tests' users are of.
pub const SCHOOL: i64 = 1;
/// A school whose content the first must never see.
pub const OTHER_SCHOOL: i64 = 2;

pub struct TestCommunity {
    pub addr: SocketAddr,
    pub channel: Channel,
    /// The test's own database.
    pub database_url: String,
    keys: TestKeys,
    server: TestServer,
}

impl TestCommunity {
    /// A service with the write limits off: most tests write faster than
    /// a user may (the limits' own tests turn them on).
    pub async fn start() -> TestCommunity {
        Self::start_with_limits(WriteLimits::off()).await
    }

    /// A service with these write limits, on a fresh database.
    pub async fn start_with_limits(write_limits: WriteLimits) -> TestCommunity {
        let database_url = everytime_devkit::postgres::test_database()
            .await
            .expect("a test database");
        Self::start_on(database_url, write_limits).await
    }

    /// Another replica of this service: the same database, its own port
    /// (and token keys).
    pub async fn replica(&self, write_limits: WriteLimits) -> TestCommunity {
        Self::start_on(self.database_url.clone(), write_limits).await
    }

    async fn start_on(database_url: String, write_limits: WriteLimits) -> TestCommunity {
        let keys = TestKeys::new();
        let mut config = Config::new(database_url.clone(), "http://127.0.0.1:9");
        config.service.verifier = Some(keys.verifier());
        config.write_limits = write_limits;
        let server = TestServer::start("community", move |listener, shutdown| {
            everytime_community::serve(config, listener, shutdown)
        })
        .await;
        let community = TestCommunity {
            addr: server.addr,
            channel: server.channel.clone(),
            database_url,
            keys,
            server,
        };
        community.wait_ready().await;
        community
    }

    /// Waits until migrations are done and the service answers.
    async fn wait_ready(&self) {
        let user = self.user(1, 1);
        for _ in 0..600 {
            if user
                .client()
                .list_boards(user.authed(pb::ListBoardsRequest {}))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the community service did not start");
    }

    pub fn token(&self, user_id: i64, school_id: i64, role: Role) -> String {
        self.keys.token(user_id, school_id, role)
    }

    /// A user of `school_id`.
    pub fn user(&self, user_id: i64, school_id: i64) -> User {
        User {
            id: user_id,
            token: self.token(user_id, school_id, Role::User),
            channel: self.channel.clone(),
        }
    }

    /// An administrator of `school_id`.
    pub fn admin(&self, user_id: i64, school_id: i64) -> User {
        User {
            id: user_id,
            token: self.token(user_id, school_id, Role::Admin),
            channel: self.channel.clone(),
        }
    }

    /// A pool on the service's schema, for seeding and inspection.
    pub async fn pool(&self) -> PgPool {
        let options: sqlx::postgres::PgConnectOptions = self.database_url.parse().expect("a URL");
        PgPoolOptions::new()
            .max_connections(2)
            .connect_with(options.options([("search_path", "community,public")]))
            .await
            .expect("connects")
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }
}

/// A signed-in user and shortcuts for the calls tests make most.
#[derive(Clone)]
pub struct User {
    pub id: i64,
    pub token: String,
    channel: Channel,
}

impl User {
    pub fn client(&self) -> CommunityServiceClient<Channel> {
        CommunityServiceClient::new(self.channel.clone())
    }

    pub fn messages(&self) -> MessageServiceClient<Channel> {
        MessageServiceClient::new(self.channel.clone())
    }

    pub fn notifications(&self) -> NotificationServiceClient<Channel> {
        NotificationServiceClient::new(self.channel.clone())
    }

    pub fn authed<T>(&self, message: T) -> Request<T> {
        everytime_devkit::status::authed(message, &self.token)
    }

    pub async fn boards(&self) -> Vec<pb::Board> {
        self.client()
            .list_boards(self.authed(pb::ListBoardsRequest {}))
            .await
            .expect("lists boards")
            .into_inner()
            .boards
    }

    /// The id of the school's board with this name.
    pub async fn board(&self, name: &str) -> i64 {
        self.boards()
            .await
            .into_iter()
            .find(|board| board.name == name)
            .map(|board| board.id)
            .expect("the board exists")
    }

    pub async fn try_post(
        &self,
        board_id: i64,
        title: &str,
        content: &str,
        anonymous: bool,
    ) -> Result<pb::Post, Status> {
        self.client()
            .create_post(self.authed(pb::CreatePostRequest {
                board_id,
                title: title.into(),
                content: content.into(),
                anonymous,
            }))
            .await
            .map(|response| response.into_inner().post.expect("a post"))
    }

    pub async fn post(
        &self,
        board_id: i64,
        title: &str,
        content: &str,
        anonymous: bool,
    ) -> pb::Post {
        self.try_post(board_id, title, content, anonymous)
            .await
            .expect("posts")
    }

    pub async fn get(&self, post_id: i64) -> Result<pb::Post, Status> {
        self.client()
            .get_post(self.authed(pb::GetPostRequest { post_id }))
            .await
            .map(|response| response.into_inner().post.expect("a post"))
    }

    pub async fn try_comment(
        &self,
        post_id: i64,
        content: &str,
        anonymous: bool,
        parent_id: Option<i64>,
    ) -> Result<pb::Comment, Status> {
        self.client()
            .create_comment(self.authed(pb::CreateCommentRequest {
                post_id,
                content: content.into(),
                anonymous,
                parent_id,
            }))
            .await
            .map(|response| response.into_inner().comment.expect("a comment"))
    }

    pub async fn comment(&self, post_id: i64, content: &str, anonymous: bool) -> pb::Comment {
        self.try_comment(post_id, content, anonymous, None)
            .await
            .expect("comments")
    }

    /// A comment whose outcome the caller inspects.
    pub async fn comment_result(&self, post_id: i64) -> Result<(), Status> {
        self.try_comment(post_id, "경쟁 댓글", true, None)
            .await
            .map(|_| ())
    }

    pub async fn reply(
        &self,
        post_id: i64,
        parent_id: i64,
        content: &str,
        anonymous: bool,
    ) -> pb::Comment {
        self.try_comment(post_id, content, anonymous, Some(parent_id))
            .await
            .expect("replies")
    }

    pub async fn like(&self, post_id: i64) -> Result<pb::LikePostResponse, Status> {
        self.client()
            .like_post(self.authed(pb::LikePostRequest { post_id }))
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn like_comment(&self, comment_id: i64) -> Result<pb::LikeCommentResponse, Status> {
        self.client()
            .like_comment(self.authed(pb::LikeCommentRequest { comment_id }))
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn scrap(&self, post_id: i64) -> Result<pb::ScrapPostResponse, Status> {
        self.client()
            .scrap_post(self.authed(pb::ScrapPostRequest { post_id }))
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn board_page(
        &self,
        board_id: i64,
        page_size: Option<i32>,
        page_token: &str,
    ) -> Result<pb::ListBoardPostsResponse, Status> {
        self.client()
            .list_board_posts(self.authed(pb::ListBoardPostsRequest {
                board_id,
                page_size,
                page_token: page_token.into(),
            }))
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn search(
        &self,
        query: &str,
        board_id: Option<i64>,
    ) -> Result<Vec<pb::PostSummary>, Status> {
        self.client()
            .search_posts(self.authed(pb::SearchPostsRequest {
                query: query.into(),
                board_id,
                page_size: Some(100),
                page_token: String::new(),
            }))
            .await
            .map(|response| response.into_inner().posts)
    }
}

#[allow(unused_imports)] // not every test binary reads status details
pub use everytime_devkit::status::reason_and_fields;

/// The ids of a list of posts.
pub fn ids(posts: &[pb::PostSummary]) -> Vec<i64> {
    posts.iter().map(|post| post.id).collect()
}

/// The display name of an author as the tests compare them: anonymous
/// names as shown, named authors as `user <id>`, no author as `-`.
pub fn author_name(author: Option<&pb::Author>) -> String {
    match author {
        None => "-".to_owned(),
        Some(author) if author.anonymous => author.display_name.clone(),
        Some(author) => format!("user {}", author.user_id.unwrap_or_default()),
    }
}

/// How many statements the service has run in this database so far.
///
/// Needs `pg_stat_statements` (the private test cluster preloads it when the
/// contrib module is installed): without it the tests that count statements
/// cannot check anything, so they fail here, loudly, instead of passing.
pub async fn statements_run(pool: &PgPool) -> i64 {
    if let Err(error) =
        sqlx::query("create extension if not exists pg_stat_statements with schema public")
            .execute(pool)
            .await
    {
        panic!(
            "pg_stat_statements is not available ({error}): install PostgreSQL's contrib \
             modules (e.g. postgresql-contrib) so the test cluster preloads it"
        );
    }
    // Our own counting statements are left out: only the service's count.
    sqlx::query_scalar(
        "select coalesce(sum(calls), 0)::bigint from public.pg_stat_statements \
         where dbid = (select oid from pg_database where datname = current_database()) \
           and query not like '%pg_stat_statements%'",
    )
    .fetch_one(pool)
    .await
    .unwrap_or_else(|error| {
        panic!("pg_stat_statements is not loaded (shared_preload_libraries): {error}")
    })
}

// ------------------------------------------------------------------ cursors

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url, as cursors carry it.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut text = String::new();
    for chunk in bytes.chunks(3) {
        let bits = chunk.iter().enumerate().fold(0_u32, |bits, (i, byte)| {
            bits | u32::from(*byte) << (16 - 8 * i)
        });
        for i in 0..=chunk.len() {
            text.push(char::from(BASE64URL[(bits >> (18 - 6 * i)) as usize & 63]));
        }
    }
    text
}

/// The bytes of unpadded base64url text.
pub fn base64url_decode(text: &str) -> Vec<u8> {
    let (mut bits, mut held, mut bytes) = (0_u32, 0_u32, Vec::new());
    for c in text.bytes() {
        let value = BASE64URL
            .iter()
            .position(|a| *a == c)
            .unwrap_or_else(|| panic!("{text:?} is not base64url"));
        bits = (bits << 6) | value as u32;
        held += 6;
        if held >= 8 {
            held -= 8;
            bytes.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    bytes
}

/// The position a cursor carries (its first part, JSON in base64url).
pub fn cursor_position(cursor: &str) -> serde_json::Value {
    let (payload, _) = cursor.split_once('.').expect("a cursor has two parts");
    serde_json::from_slice(&base64url_decode(payload)).expect("the position is JSON")
}

/// `cursor` with its position replaced by `position` and its signature
/// kept: a well-formed cursor a client could make, which only the
/// signature check can tell from a real one.
pub fn forge_cursor(cursor: &str, position: &serde_json::Value) -> String {
    let (payload, tag) = cursor.split_once('.').expect("a cursor has two parts");
    // The codec round-trips the real cursor, so the forgery differs from it
    // in the position alone.
    assert_eq!(
        base64url_encode(&base64url_decode(payload)),
        payload,
        "the test's base64url codec reads cursors as they are"
    );
    let forged = serde_json::to_vec(position).expect("serializes");
    format!("{}.{tag}", base64url_encode(&forged))
}

// ------------------------------------------------------------ query plans

/// The SQL of the one `sqlx::query!` in the service containing `fragment`,
/// read from the offline data (`.sqlx/`) the build checks it against, with
/// the types of its parameters.
pub fn store_query(fragment: &str) -> (String, Vec<String>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/.sqlx");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the offline query data") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let data: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).expect("JSON");
        let query = data["query"].as_str().unwrap_or_default();
        if query.contains(fragment) {
            let types = data["describe"]["parameters"]["Left"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect();
            found.push((query.to_owned(), types));
        }
    }
    assert_eq!(found.len(), 1, "one store query contains {fragment:?}");
    found.remove(0)
}

/// The plans Postgres makes for `sql` with `arguments` (SQL literals):
/// a custom plan for these values, then the generic plan a prepared
/// statement switches to after a few executions.
pub async fn plans(pool: &PgPool, sql: &str, types: &[String], arguments: &[&str]) -> Vec<String> {
    assert_eq!(
        types.len(),
        arguments.len(),
        "an argument per parameter of {sql}"
    );
    let mut connection = pool.acquire().await.expect("a connection");
    let types: Vec<&str> = types
        .iter()
        .map(|t| match t.as_str() {
            "Int8" => "bigint",
            "Int4" => "integer",
            "Text" => "text",
            "Bool" => "boolean",
            "Timestamptz" => "timestamptz",
            "Int8Array" => "bigint[]",
            "TextArray" => "text[]",
            other => panic!("no SQL name for {other}"),
        })
        .collect();
    sqlx::query(&format!("prepare planned ({}) as {sql}", types.join(", ")))
        .execute(&mut *connection)
        .await
        .unwrap_or_else(|error| panic!("prepares {sql}: {error}"));
    let mut plans = Vec::new();
    for mode in ["force_custom_plan", "force_generic_plan"] {
        sqlx::query(&format!("set plan_cache_mode = {mode}"))
            .execute(&mut *connection)
            .await
            .expect("sets the plan mode");
        let lines: Vec<String> = sqlx::query_scalar(&format!(
            "explain execute planned({})",
            arguments.join(", ")
        ))
        .fetch_all(&mut *connection)
        .await
        .unwrap_or_else(|error| panic!("explains {sql}: {error}"));
        plans.push(format!("{mode}:\n{}", lines.join("\n")));
    }
    for reset in ["reset plan_cache_mode", "deallocate planned"] {
        sqlx::query(reset)
            .execute(&mut *connection)
            .await
            .expect("resets");
    }
    plans
}

/// The tables a list must never read whole.
pub const BIG_TABLES: [&str; 7] = [
    "posts",
    "comments",
    "post_stats",
    "post_likes",
    "scraps",
    "commenters",
    "comment_likes",
];

/// Why `plan` is not an index walk: a sequential scan of a big table, or
/// none of `indexes` used. `None` when it is one.
pub fn plan_problem(plan: &str, indexes: &[&str]) -> Option<String> {
    for table in BIG_TABLES {
        if plan.contains(&format!("Seq Scan on {table} ")) {
            return Some(format!("scans {table} sequentially"));
        }
    }
    (!indexes.iter().any(|index| plan.contains(index))).then(|| format!("uses none of {indexes:?}"))
}
