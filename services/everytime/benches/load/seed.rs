//! The school every run starts from, seeded once into the template
//! database through an in-process [`Stack`]: users through sign-up, the
//! boards' posts, comments and likes straight into the community schema
//! (as `benches/community.rs` does), the course catalog ([`catalog`])
//! through `POST /api/v1/admin/courses`, and timetables, friends and 쪽지
//! conversations through the API.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use everytime::{Stack, StackConfig};
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::json;
use sqlx::{PgPool, postgres::PgPoolOptions};

use crate::{
    api::{Api, User},
    catalog::{self, SEMESTERS, SETS_PER_SEMESTER},
};

/// Users who write the seeded posts and comments (and befriend the reader).
const AUTHORS: usize = 12;
/// Users whose tokens the write rows rotate through.
pub const WRITERS: usize = 320;
/// The reader's friends, each with a primary timetable.
const FRIENDS: usize = 10;
/// Boards and their seeded posts; the first is the one the rows use.
const BOARDS: [(&str, i64); 4] = [
    ("자유게시판", 20_000),
    ("비밀게시판", 5_000),
    ("새내기게시판", 3_000),
    ("정보게시판", 3_000),
];
/// Comments on the post the detail row reads: 15 comments and 5 replies.
const DETAIL_COMMENTS: i64 = 15;
const DETAIL_REPLIES: i64 = 5;
/// Conversations in the reader's 쪽지함.
const READER_CONVERSATIONS: usize = 30;
/// Each writer's timetables per semester (of the 20 allowed).
const TIMETABLES_PER_SEMESTER: usize = 5;
const ADMIN: (&str, &str) = ("admin", "load bench admin password");

/// The words seeded posts are made of: campus small talk.
const WORDS: &str = "오늘 학식 진짜 맛있었다 내일 시험 있는데 공부 하나도 안 했어요 교수님 과제 너무 많아 \
    도서관 자리 없음 족보 구합니다 자료구조 알고리즘 운영체제 데이터베이스 컴퓨터 네트워크 선형대수 미적분 \
    수강신청 망했다 동아리 모집 합니다 새내기 환영 축제 라인업 언제 나오나요 기숙사 통금 시간 알바 구해요 \
    중고 책 팝니다 스터디 같이 하실 분 졸업 요건 학점 교양 전공 필수 휴학 복학 군대 취업 인턴 면접 후기 \
    카페 추천 맛집 정문 후문 셔틀 버스 시간표 강의실 어디 인가요 레포트 마감 연장 출석 체크 중간고사 \
    기말고사 성적 정정 장학금 신청 기간 등록금 분할 납부 엠티 개강 종강 파티 Rust Python Java 코딩 \
    테스트 프로젝트 팀플 무임승차 발표 자료";

/// A writer's timetable the add row fills: its owner (index into the
/// writers) and the non-clashing course set it takes, in order.
#[derive(Debug, Clone, Copy)]
pub struct Timetable {
    pub id: i64,
    pub owner: usize,
    pub set: usize,
}

/// A conversation a writer started, for the 쪽지 row.
#[derive(Debug, Clone, Copy)]
pub struct Conversation {
    pub id: i64,
    pub owner: usize,
}

/// What the rows need to know about the seeded school.
pub struct School {
    pub reader: User,
    pub writers: Vec<User>,
    /// 자유게시판.
    pub board: i64,
    /// Its seeded posts are `first_post..=detail_post`, all by authors.
    pub first_post: i64,
    /// The newest of them, with 20 comments.
    pub detail_post: i64,
    pub timetables: Vec<Timetable>,
    /// Course ids; each set is free of clashes and of one semester.
    pub course_sets: Vec<Vec<i64>>,
    pub conversations: Vec<Conversation>,
    /// One line of what was seeded, for the report.
    pub summary: String,
}

/// Fresh access tokens of one stack's copy of the school.
pub struct Tokens {
    pub reader: String,
    pub writers: Vec<String>,
}

impl School {
    /// Access tokens for the reader and every writer, from the refresh
    /// tokens seeding left (each copy of the database holds them unspent).
    pub async fn tokens(&self, api: &Api) -> Result<Tokens> {
        let reader = api.refresh(&self.reader.refresh).await?;
        let writers = stream::iter(&self.writers)
            .map(|writer| api.refresh(&writer.refresh))
            .buffered(16)
            .try_collect()
            .await?;
        Ok(Tokens { reader, writers })
    }

    /// Posts the like and comment rows spread over (every seeded post of
    /// the board but the detail row's).
    pub fn spread_posts(&self) -> i64 {
        self.detail_post - self.first_post
    }
}

async fn execute(pool: &PgPool, step: &str, sql: &str) -> Result<()> {
    let started = Instant::now();
    sqlx::raw_sql(sql)
        .execute(pool)
        .await
        .with_context(|| step.to_owned())?;
    println!("  {step:<48} {:>6.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn step(name: &str, started: Instant) {
    println!("  {name:<48} {:>6.1} s", started.elapsed().as_secs_f64());
}

/// Seeds the school into the empty database at `url`; the stack that did
/// it is stopped and every connection to the database closed on return.
pub async fn school(url: &str) -> Result<School> {
    let mut config = StackConfig::new(url);
    config.gateway.auth_rate_limit_per_minute = 1_000_000;
    config.gateway.sign_up_rate_limit_per_hour = 1_000_000;
    config.community.write_limits = everytime_community::domain::WriteLimits::off();
    config.auth.admin = Some(everytime_auth::AdminAccount {
        username: ADMIN.0.into(),
        password: ADMIN.1.into(),
        email: "admin@localhost".into(),
        nickname: "관리자".into(),
    });
    config.metrics = None;
    let stack = Stack::start(config).await?;
    let api = Api::new(&stack.gateway_url());
    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.options([
            ("search_path", "community,public"),
            ("maintenance_work_mem", "256MB"),
        ]))
        .await?;
    let school = seed(&api, &pool).await;
    pool.close().await;
    stack.shutdown().await;
    school
}

async fn seed(api: &Api, pool: &PgPool) -> Result<School> {
    let started = Instant::now();
    let reader = api.sign_up("loadreader", "읽는학생").await?;
    let authors = sign_up_many(api, AUTHORS, |i| {
        (format!("author{i:02}"), format!("글쓴이{i:02}"))
    })
    .await?;
    let writers = sign_up_many(api, WRITERS, |i| {
        (format!("writer{i:03}"), format!("쓰는이{i:03}"))
    })
    .await?;
    step(
        &format!("{} users (sign-up and sign-in)", 1 + AUTHORS + WRITERS),
        started,
    );

    // Listing the boards creates the school's default ones.
    api.get("/api/v1/boards", &reader.access).await?;
    let boards: Vec<(i64, String, bool)> = sqlx::query_as(
        "select id, name, anonymous_only from boards where school_id = 1 order by id",
    )
    .fetch_all(pool)
    .await?;
    let author_ids: Vec<String> = authors.iter().map(|a| a.id.to_string()).collect();
    let (board, first_post, detail_post) = seed_posts(pool, &boards, &author_ids).await?;

    let started = Instant::now();
    let semesters = catalog::semesters();
    let admin = api.sign_in(ADMIN.0, ADMIN.1).await?;
    let course_sets = catalog::import(api, pool, &admin.access, &semesters).await?;
    step(
        &format!(
            "catalog: {} sections in {SEMESTERS} semesters (admin import)",
            catalog::SECTIONS
        ),
        started,
    );

    let started = Instant::now();
    let current = &semesters[0];
    let timetable = api
        .post(
            "/api/v1/timetables",
            &reader.access,
            &json!({"semester": current}),
            201,
        )
        .await?;
    let id = timetable["id"].as_i64().context("a timetable id")?;
    add_courses(api, &reader.access, id, &course_sets[0][..6]).await?;
    for (index, author) in authors.iter().take(FRIENDS).enumerate() {
        let request = api
            .post(
                "/api/v1/friends/requests",
                &reader.access,
                &json!({"username": author.username}),
                201,
            )
            .await?;
        let path = format!("/api/v1/friends/requests/{}/accept", request["id"]);
        api.post(&path, &author.access, &json!({}), 200).await?;
        let timetable = api
            .post(
                "/api/v1/timetables",
                &author.access,
                &json!({"semester": current}),
                201,
            )
            .await?;
        let id = timetable["id"].as_i64().context("a timetable id")?;
        add_courses(api, &author.access, id, &course_sets[1 + index][..8]).await?;
    }
    step(
        &format!("reader: timetable of 6 courses, {FRIENDS} friends of 8"),
        started,
    );

    let started = Instant::now();
    // Owners in turn: the add row walks this list, so requests in flight
    // are different writers'.
    let plan: Vec<(usize, usize, usize)> = (0..TIMETABLES_PER_SEMESTER)
        .flat_map(|n| {
            (0..SEMESTERS)
                .flat_map(move |semester| (0..WRITERS).map(move |owner| (owner, semester, n)))
        })
        .collect();
    let timetables: Vec<Timetable> = stream::iter(plan.into_iter().enumerate())
        .map(|(index, (owner, semester, _))| {
            let writers = &writers;
            let semesters = &semesters;
            async move {
                let created = api
                    .post(
                        "/api/v1/timetables",
                        &writers[owner].access,
                        &json!({"semester": semesters[semester]}),
                        201,
                    )
                    .await?;
                Ok::<_, anyhow::Error>(Timetable {
                    id: created["id"].as_i64().context("a timetable id")?,
                    owner,
                    set: semester * SETS_PER_SEMESTER + index % SETS_PER_SEMESTER,
                })
            }
        })
        .buffered(16)
        .try_collect()
        .await?;
    step(
        &format!("{} empty writer timetables", timetables.len()),
        started,
    );

    let started = Instant::now();
    let named: Vec<i64> = sqlx::query_scalar(
        "select id from posts where board_id = $1 and not anonymous and id < $2
         order by id desc limit $3",
    )
    .bind(board)
    .bind(detail_post)
    .bind((READER_CONVERSATIONS + WRITERS) as i64)
    .fetch_all(pool)
    .await?;
    if named.len() < READER_CONVERSATIONS + WRITERS {
        bail!("too few named posts to start conversations on");
    }
    for post in &named[..READER_CONVERSATIONS] {
        api.post(
            "/api/v1/messages",
            &reader.access,
            &json!({"post_id": post, "content": "안녕하세요, 글 보고 연락드려요"}),
            201,
        )
        .await?;
    }
    let conversations: Vec<Conversation> = stream::iter(0..WRITERS)
        .map(|owner| {
            let writers = &writers;
            let post = named[READER_CONVERSATIONS + owner];
            async move {
                let started = api
                    .post(
                        "/api/v1/messages",
                        &writers[owner].access,
                        &json!({"post_id": post, "content": "혹시 아직 자리 있나요?"}),
                        201,
                    )
                    .await?;
                Ok::<_, anyhow::Error>(Conversation {
                    id: started["conversation"]["id"]
                        .as_i64()
                        .context("a conversation id")?,
                    owner,
                })
            }
        })
        .buffered(16)
        .try_collect()
        .await?;
    step(
        &format!(
            "쪽지: {READER_CONVERSATIONS} conversations of the reader, {} of writers",
            conversations.len()
        ),
        started,
    );

    // Every schema's statistics current, as a database that has been
    // serving for a while has them.
    execute(pool, "vacuum analyze (every schema)", "vacuum analyze").await?;

    let counts: (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from posts), (select count(*) from comments),
                (select count(*) from post_likes)",
    )
    .fetch_one(pool)
    .await?;
    let summary = format!(
        "{} users; {} boards, {} posts, {} comments, {} likes; a catalog of {} sections in {} semesters; \
         {} timetables; {} conversations",
        2 + AUTHORS + WRITERS,
        boards.len(),
        counts.0,
        counts.1,
        counts.2,
        catalog::SECTIONS,
        SEMESTERS,
        timetables.len() + 1 + FRIENDS,
        READER_CONVERSATIONS + conversations.len(),
    );
    Ok(School {
        reader,
        writers,
        board,
        first_post,
        detail_post,
        timetables,
        course_sets,
        conversations,
        summary,
    })
}

/// Signs up `count` users named by `name` (username, nickname), eight at
/// a time (each sign-up and sign-in is a password hash).
async fn sign_up_many(
    api: &Api,
    count: usize,
    name: impl Fn(usize) -> (String, String),
) -> Result<Vec<User>> {
    stream::iter((0..count).map(name))
        .map(|(username, nickname)| async move { api.sign_up(&username, &nickname).await })
        .buffered(8)
        .try_collect()
        .await
}

async fn add_courses(api: &Api, token: &str, timetable: i64, courses: &[i64]) -> Result<()> {
    let path = format!("/api/v1/timetables/{timetable}/courses");
    for course in courses {
        api.post(&path, token, &json!({"course_id": course}), 201)
            .await?;
    }
    Ok(())
}

/// Seeds every board's posts (by the authors, the newest first in ids),
/// their counters, likes and comments; returns 자유게시판, its first
/// seeded post and its newest, which gets 20 comments.
async fn seed_posts(
    pool: &PgPool,
    boards: &[(i64, String, bool)],
    authors: &[String],
) -> Result<(i64, i64, i64)> {
    let words: Vec<String> = WORDS
        .split_whitespace()
        .map(|word| format!("'{word}'"))
        .collect();
    let vocabulary = words.len();
    execute(
        pool,
        "vocabulary",
        &format!(
            "create temporary table bench_words as
             select row_number() over () as n, w from unnest(array[{}]) as w",
            words.join(", ")
        ),
    )
    .await?;
    // Setup only: the GIN index takes the bulk load through its pending
    // list and merges it once (the schema keeps fastupdate off for serving).
    execute(
        pool,
        "search index in bulk-load mode",
        "alter index posts_search_grams_idx set (fastupdate = on, gin_pending_list_limit = 65536)",
    )
    .await?;
    let authors = format!("array[{}]::bigint[]", authors.join(", "));
    let mut free = None;
    for (name, posts) in BOARDS {
        let (board, _, anonymous_only) = boards
            .iter()
            .find(|(_, board, _)| board == name)
            .with_context(|| format!("the board {name}"))?;
        let anonymous = if *anonymous_only { "true" } else { "i % 3 = 0" };
        execute(
            pool,
            &format!("{name}: {posts} posts"),
            &format!(
                "insert into posts (school_id, board_id, author_id, anonymous, title, content, created_at, updated_at)
                 select 1, {board}, ({authors})[1 + i % array_length({authors}, 1)], {anonymous},
                        (select string_agg(w, ' ') from bench_words
                         where n in (1 + (i * 7) % {vocabulary}, 1 + (i * 13) % {vocabulary}, 1 + (i * 29) % {vocabulary})),
                        (select string_agg(w, ' ' order by k)
                         from generate_series(1, 20 + i % 30) as k
                         join bench_words on n = 1 + (i * 31 + k * 17 + k * k * 7) % {vocabulary}),
                        now() - make_interval(secs => ({posts} - i) * 20),
                        now() - make_interval(secs => ({posts} - i) * 20)
                 from generate_series(1, {posts}) as i"
            ),
        )
        .await?;
        if free.is_none() {
            let (first, last): (i64, i64) =
                sqlx::query_as("select min(id), max(id) from posts where board_id = $1")
                    .bind(board)
                    .fetch_one(pool)
                    .await?;
            if last - first + 1 != posts {
                bail!("the posts of {name} do not have consecutive ids");
            }
            free = Some((*board, first, last));
        }
    }
    let (board, first, detail) = free.context("자유게시판")?;
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
        "3 comments on every other post",
        &format!(
            "insert into comments (post_id, author_id, anonymous, content, created_at)
             select p.id, ({authors})[1 + (p.id * 7 + k) % array_length({authors}, 1)], k % 2 = 0,
                    '댓글 ' || k, p.created_at + make_interval(mins => k)
             from posts p, generate_series(1, 3) as k
             where p.id % 2 = 0 and p.id <> {detail}"
        ),
    )
    .await?;
    execute(
        pool,
        "20 comments on the detail post",
        &format!(
            "insert into comments (post_id, author_id, anonymous, content, created_at)
             select p.id, ({authors})[1 + k % array_length({authors}, 1)], k % 3 <> 0,
                    '정성스러운 댓글 ' || k || '번째입니다. 좋은 정보 감사합니다!', p.created_at + make_interval(mins => k)
             from posts p, generate_series(1, {DETAIL_COMMENTS}) as k
             where p.id = {detail};
             with parents as (select id, row_number() over (order by id) as r from comments
                              where post_id = {detail} and parent_id is null)
             insert into comments (post_id, parent_id, author_id, anonymous, content, created_at)
             select {detail}, parents.id, ({authors})[1 + (r + 5) % array_length({authors}, 1)], r % 2 = 0,
                    '답글 ' || r, now() + make_interval(mins => r::int)
             from parents where r <= {DETAIL_REPLIES}"
        ),
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
    Ok((board, first, detail))
}
