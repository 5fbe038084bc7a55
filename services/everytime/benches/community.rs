//! Community read latency through the gateway, at 100,000 posts.
//!
//! `cargo bench -p everytime --bench community` starts the whole stack
//! (a private Postgres, or `DATABASE_URL`), seeds one board of one school
//! with 100,000 posts, their comments and likes straight into the community
//! schema, then times over HTTP: a board's first page, its 200th page
//! (reached by following cursors), a post with 50 comments, searches for a
//! common and a rare word, the 쪽지함 of a user with 50 conversations, and
//! sending a 쪽지. It prints the median and p99 of each and
//! checks that the 200th page stays within 1.5× of the first (keyset
//! pagination: depth costs nothing).

// The table on stdout is this program's output.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use everytime::{Stack, StackConfig};
use serde_json::{Value, json};
use sqlx::{PgPool, postgres::PgPoolOptions};

const POSTS: i64 = 100_000;
const SAMPLES: usize = 300;
const WARM_UP: usize = 20;
const PAGE: usize = 200;
const PASSWORD: &str = "correct horse battery";
/// A word in one seeded post of six.
const COMMON_WORD: &str = "족보";
/// A word in one seeded post of 2,000.
const RARE_WORD: &str = "양자역학";

/// The words seeded posts are made of: campus small talk.
const WORDS: &str = "오늘 학식 진짜 맛있었다 내일 시험 있는데 공부 하나도 안 했어요 교수님 과제 너무 많아 \
    도서관 자리 없음 족보 구합니다 자료구조 알고리즘 운영체제 데이터베이스 컴퓨터 네트워크 선형대수 미적분 \
    수강신청 망했다 동아리 모집 합니다 새내기 환영 축제 라인업 언제 나오나요 기숙사 통금 시간 알바 구해요 \
    중고 책 팝니다 스터디 같이 하실 분 졸업 요건 학점 교양 전공 필수 휴학 복학 군대 취업 인턴 면접 후기 \
    카페 추천 맛집 정문 후문 셔틀 버스 시간표 강의실 어디 인가요 레포트 마감 연장 출석 체크 중간고사 \
    기말고사 성적 정정 장학금 신청 기간 등록금 분할 납부 엠티 개강 종강 파티 Rust Python Java 코딩 \
    테스트 프로젝트 팀플 무임승차 발표 자료";

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<(u16, Value)> {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        Ok((status, body))
    }

    async fn get(&self, path: &str, token: &str) -> Result<Value> {
        let (status, body) = self
            .send(
                self.http
                    .get(format!("{}{path}", self.base))
                    .bearer_auth(token),
            )
            .await?;
        if status != 200 {
            bail!("GET {path}: {status} {body}");
        }
        Ok(body)
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> Result<Value> {
        let (status, body) = self
            .send(
                self.http
                    .post(format!("{}{path}", self.base))
                    .bearer_auth(token)
                    .json(body),
            )
            .await?;
        if status != 201 {
            bail!("POST {path}: {status} {body}");
        }
        Ok(body)
    }

    /// Signs a user up at school 1 and in; returns their id and token.
    async fn user(&self, username: &str) -> Result<(i64, String)> {
        let (status, body) = self
            .send(
                self.http
                    .post(format!("{}/api/v1/auth/sign-up", self.base))
                    .json(&json!({
                        "username": username,
                        "email": format!("{username}@bench.ac.kr"),
                        "password": PASSWORD,
                        "nickname": format!("벤치{}", &username[..username.len().min(8)]),
                        "name": "벤치",
                        "school_id": 1,
                    })),
            )
            .await?;
        if status != 201 {
            bail!("sign-up: {status} {body}");
        }
        let (_, signed_in) = self
            .send(
                self.http
                    .post(format!("{}/api/v1/auth/sign-in", self.base))
                    .json(&json!({"username": username, "password": PASSWORD})),
            )
            .await?;
        let id = signed_in["user"]["id"].as_i64().context("a user id")?;
        let token = signed_in["access_token"].as_str().context("a token")?;
        Ok((id, token.to_owned()))
    }
}

async fn execute(pool: &PgPool, step: &str, sql: &str) -> Result<()> {
    let started = Instant::now();
    sqlx::raw_sql(sql)
        .execute(pool)
        .await
        .with_context(|| step.to_owned())?;
    println!("  {step:<44} {:>6.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Seeds the board with `POSTS` posts (the newest is `detail`'s target
/// with 50 comments), comments on every other post, and likes.
async fn seed(pool: &PgPool, board: i64, author: i64) -> Result<()> {
    let words: Vec<String> = WORDS
        .split_whitespace()
        .map(|word| format!("'{word}'"))
        .collect();
    execute(
        pool,
        "vocabulary",
        &format!(
            "create table bench_words as
             select row_number() over () as n, w from unnest(array[{}]) as w",
            words.join(", ")
        ),
    )
    .await?;
    // Setup only: let the GIN index take the bulk load through its pending
    // list and merge it once (the schema keeps fastupdate off for serving).
    execute(
        pool,
        "search index in bulk-load mode",
        "alter index posts_search_grams_idx set (fastupdate = on, gin_pending_list_limit = 65536)",
    )
    .await?;
    execute(
        pool,
        &format!("{POSTS} posts"),
        &format!(
            "insert into posts (school_id, board_id, author_id, anonymous, title, content, created_at, updated_at)
             select 1, {board}, case when i % 10 = 0 then {author} else 100000 + i % 1000 end, i % 3 = 0,
                    (select string_agg(w, ' ') from bench_words
                     where n in (1 + (i * 7) % 110, 1 + (i * 13) % 110, 1 + (i * 29) % 110)),
                    (select string_agg(w, ' ' order by k)
                     from generate_series(1, 20 + i % 30) as k
                     join bench_words on n = 1 + (i * 31 + k * 17 + k * k * 7) % 110)
                    || case when i % 2000 = 0 then ' {RARE_WORD} 질문' else '' end,
                    now() - make_interval(secs => {POSTS} - i),
                    now() - make_interval(secs => {POSTS} - i)
             from generate_series(1, {POSTS}) as i"
        ),
    )
    .await?;
    execute(
        pool,
        "counters",
        "insert into post_stats (post_id, school_id, season, like_count, hot_at)
         select id, school_id, season_of(created_at), (id % 13)::int,
                case when id % 13 >= 10 then created_at + interval '1 hour' end
         from posts",
    )
    .await?;
    execute(
        pool,
        "likes",
        "insert into post_likes (post_id, user_id)
         select s.post_id, 200000 + k from post_stats s, generate_series(1, s.like_count) as k",
    )
    .await?;
    execute(
        pool,
        "comments on every other post",
        "insert into comments (post_id, author_id, anonymous, content, created_at)
         select p.id, 300000 + (p.id * 7 + k) % 5000, k % 2 = 0, '댓글 ' || k, p.created_at + make_interval(secs => k)
         from posts p, generate_series(1, 3) as k
         where p.id % 2 = 0 and p.id < (select max(id) from posts)",
    )
    .await?;
    execute(
        pool,
        "50 comments on the newest post",
        "with target as (select max(id) as id from posts)
         insert into comments (post_id, author_id, anonymous, content, created_at)
         select target.id, 400000 + k % 17, k % 3 <> 0, '정성스러운 댓글 ' || k, now() + make_interval(secs => k)
         from target, generate_series(1, 40) as k",
    )
    .await?;
    execute(
        pool,
        "replies on the newest post",
        "with target as (select max(id) as id from posts),
              parents as (select id, row_number() over (order by id) as r from comments
                          where post_id = (select id from target) and parent_id is null)
         insert into comments (post_id, parent_id, author_id, anonymous, content, created_at)
         select target.id, parents.id, 400000 + r % 17, r % 2 = 0, '답글 ' || r, now() + make_interval(mins => 1, secs => r::int)
         from target, parents where r <= 10",
    )
    .await?;
    execute(
        pool,
        "commenters, their numbers and comment counts",
        "insert into commenters (post_id, user_id, anonymous_number, live_comments, last_commented_at)
         select post_id, author_id,
                case when bool_or(anonymous) then
                    row_number() over (partition by post_id, bool_or(anonymous) order by min(id)) end,
                count(*), max(created_at)
         from comments group by post_id, author_id;
         update post_stats s set comment_count = c.n
         from (select post_id, count(*)::int as n from comments group by post_id) as c
         where s.post_id = c.post_id",
    )
    .await?;
    // VACUUM runs alone: not in a transaction, nor in a multi-statement string.
    execute(
        pool,
        "search index merge (vacuum analyze posts)",
        "vacuum analyze posts",
    )
    .await?;
    execute(
        pool,
        "search index back to serving mode",
        "alter index posts_search_grams_idx reset (gin_pending_list_limit);
         alter index posts_search_grams_idx set (fastupdate = off);
         drop table bench_words",
    )
    .await?;
    execute(
        pool,
        "vacuum analyze the rest",
        "vacuum analyze post_stats, post_likes, comments, commenters",
    )
    .await?;
    Ok(())
}

struct Timing {
    name: String,
    samples: Vec<Duration>,
}

impl Timing {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.samples.clone();
        sorted.sort_unstable();
        let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[rank.min(sorted.len() - 1)]
    }

    fn mean(&self) -> Duration {
        self.samples.iter().sum::<Duration>() / u32::try_from(self.samples.len()).unwrap_or(1)
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Times `SAMPLES` sequential requests of `path` after a warm-up, checking
/// each answer with `check`.
async fn time(
    client: &Client,
    token: &str,
    name: &str,
    path: &str,
    check: impl Fn(&Value) -> bool,
) -> Result<Timing> {
    for _ in 0..WARM_UP {
        client.get(path, token).await?;
    }
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let body = client.get(path, token).await?;
        samples.push(started.elapsed());
        if !check(&body) {
            bail!("{name}: unexpected answer {body}");
        }
    }
    Ok(Timing {
        name: name.to_owned(),
        samples,
    })
}

/// Times `SAMPLES` sequential 쪽지 in `conversation` after a warm-up.
async fn time_sending(client: &Client, token: &str, conversation: i64) -> Result<Timing> {
    let path = format!("/api/v1/messages/{conversation}");
    let body = json!({"content": "벤치마크 쪽지입니다. 답장 주세요!"});
    for _ in 0..WARM_UP {
        client.post(&path, token, &body).await?;
    }
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let sent = client.post(&path, token, &body).await?;
        samples.push(started.elapsed());
        if sent["mine"] != true {
            bail!("send a 쪽지: unexpected answer {sent}");
        }
    }
    Ok(Timing {
        name: "send a 쪽지".to_owned(),
        samples,
    })
}

fn items(body: &Value) -> usize {
    body["items"].as_array().map_or(0, Vec::len)
}

#[tokio::main]
async fn main() -> Result<()> {
    let started = Instant::now();
    let url = everytime_devkit::postgres::test_database().await?;
    let mut config = StackConfig::new(&url);
    config.gateway.auth_rate_limit_per_minute = 100_000;
    config.community.write_limits = everytime_community::domain::WriteLimits::off();
    let stack = Stack::start(config).await?;
    let client = Client {
        http: reqwest::Client::new(),
        base: stack.gateway_url(),
    };
    let (author, _) = client.user("benchauthor").await?;
    let (_, token) = client.user("benchreader").await?;
    let boards = client.get("/api/v1/boards", &token).await?;
    let board = boards["items"]
        .as_array()
        .and_then(|boards| boards.iter().find(|board| board["name"] == "자유게시판"))
        .and_then(|board| board["id"].as_i64())
        .context("the 자유게시판 board")?;

    println!("seeding (community schema, straight SQL):");
    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.options([
            ("search_path", "community,public"),
            ("maintenance_work_mem", "256MB"),
        ]))
        .await?;
    seed(&pool, board, author).await?;
    let detail: i64 = sqlx::query_scalar("select max(id) from posts")
        .fetch_one(&pool)
        .await?;
    let total: i64 = sqlx::query_scalar("select count(*) from posts")
        .fetch_one(&pool)
        .await?;
    let comments: i64 = sqlx::query_scalar("select count(*) from comments")
        .fetch_one(&pool)
        .await?;
    let likes: i64 = sqlx::query_scalar("select count(*) from post_likes")
        .fetch_one(&pool)
        .await?;
    println!("  {total} posts, {comments} comments, {likes} likes");
    for word in [COMMON_WORD, RARE_WORD] {
        let matching: i64 = sqlx::query_scalar(
            "select count(*) from posts where strpos(title, $1) > 0 or strpos(content, $1) > 0",
        )
        .bind(word)
        .fetch_one(&pool)
        .await?;
        println!("  posts containing {word}: {matching}");
    }
    println!();

    let first_path = format!("/api/v1/boards/{board}/posts");
    let mut cursor = String::new();
    for _ in 1..PAGE {
        let page = client
            .get(&format!("{first_path}?cursor={cursor}"), &token)
            .await?;
        cursor = page["next_cursor"]
            .as_str()
            .context("a next page")?
            .to_owned();
    }
    let deep_path = format!("{first_path}?cursor={cursor}");
    let deep_first = client.get(&deep_path, &token).await?;
    let expected_top = detail - (PAGE as i64 - 1) * 20;
    if deep_first["items"][0]["id"].as_i64() != Some(expected_top) {
        bail!(
            "page {PAGE} starts at {} instead of post {expected_top}",
            deep_first["items"][0]["id"]
        );
    }

    let timings = vec![
        time(&client, &token, "board, page 1", &first_path, |body| {
            items(body) == 20
        })
        .await?,
        time(
            &client,
            &token,
            &format!("board, page {PAGE} (cursor)"),
            &deep_path,
            |body| items(body) == 20,
        )
        .await?,
        time(
            &client,
            &token,
            "post detail, 50 comments",
            &format!("/api/v1/posts/{detail}"),
            |body| {
                body["comments"].as_array().map_or(0, |comments| {
                    comments
                        .iter()
                        .map(|c| 1 + c["replies"].as_array().map_or(0, Vec::len))
                        .sum()
                }) == 50
            },
        )
        .await?,
        time(
            &client,
            &token,
            "search, common word",
            &format!("/api/v1/posts/search?q={COMMON_WORD}"),
            |body| items(body) == 20,
        )
        .await?,
        time(
            &client,
            &token,
            "search, rare word",
            &format!("/api/v1/posts/search?q={RARE_WORD}"),
            |body| items(body) == 20,
        )
        .await?,
    ];

    // 쪽지: the reader writes to the author of 50 named posts, one
    // conversation each, so the reader's 쪽지함 has 50 (its first page is
    // 20, with one nickname lookup); then sending into one is timed.
    let named: Vec<i64> =
        sqlx::query_scalar("select id from posts where not anonymous order by id desc limit 50")
            .fetch_all(&pool)
            .await?;
    let mut conversation = 0;
    for post in &named {
        let started = client
            .post(
                "/api/v1/messages",
                &token,
                &json!({"post_id": post, "content": "안녕하세요, 글 보고 연락드려요"}),
            )
            .await?;
        conversation = started["conversation"]["id"]
            .as_i64()
            .context("a conversation")?;
    }
    let mut timings = timings;
    timings.push(
        time(
            &client,
            &token,
            "쪽지함, 50 conversations",
            "/api/v1/messages",
            |body| items(body) == 20,
        )
        .await?,
    );
    timings.push(time_sending(&client, &token, conversation).await?);

    println!("{SAMPLES} sequential requests each, through the gateway over HTTP:");
    println!(
        "{:<32} {:>10} {:>10} {:>10}",
        "request", "median ms", "p99 ms", "mean ms"
    );
    for timing in &timings {
        println!(
            "{:<32} {:>10.2} {:>10.2} {:>10.2}",
            timing.name,
            ms(timing.percentile(0.5)),
            ms(timing.percentile(0.99)),
            ms(timing.mean())
        );
    }
    let ratio = ms(timings[1].percentile(0.5)) / ms(timings[0].percentile(0.5));
    println!(
        "\npage {PAGE} / page 1 (median): {ratio:.2}× — {}",
        if ratio <= 1.5 {
            "within 1.5×"
        } else {
            "OVER 1.5×"
        }
    );
    println!("total run time: {:.0} s", started.elapsed().as_secs_f64());
    pool.close().await;
    stack.shutdown().await;
    if ratio > 1.5 {
        bail!("the 200th page is more than 1.5× slower than the first");
    }
    Ok(())
}
