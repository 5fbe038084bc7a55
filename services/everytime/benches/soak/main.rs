//! The soak: the four release binaries under a steady mix of reads and
//! writes for ten minutes, at about 70% of the peak the same mix reached,
//! reporting every error (there must be none) and each process's resident
//! memory at the start and at the end (it must stay flat).
//!
//! ```text
//! cargo bench -p everytime --bench soak
//! ```
//!
//! It builds the four service binaries in release beside the `everytime`
//! binary cargo built for it, starts them on a fresh database (a private
//! Postgres, or `DATABASE_URL`), signs up 24 members and writes 1,000 posts
//! (the first 100 with 20 comments each: the posts read in full),
//! then:
//!
//! 1. **peak**: 32 workers send the mix back to back for 20 s; their rate
//!    is the peak;
//! 2. **soak**: requests start at 70% of that rate, evenly spaced
//!    (an open loop: a slow answer does not slow the next request), for
//!    `SOAK_SECONDS` (default 600), while `/proc` is read every 10 s.
//!
//! The mix, by share of requests: a board page 45%, a post with its
//! comments 20%, `/users/me` 10%, `/me/timetable` 5%, `/notifications` 5%,
//! a comment 8%, a post 3%, a scrap and its removal 4%. Errors are answers
//! of 500 and up, answers other than the one expected, and transport
//! errors (and a request still unanswered after 10 s). It exits non-zero on
//! any error, or when a process's resident memory at the end is more than
//! 20% and 10 MB above its memory after the soak's first minute (by then
//! the buffers of its concurrency are allocated; the table shows the
//! memory at its start too).

// The report on stdout is this program's output.
#![allow(clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../load/procfs.rs"]
mod procfs;

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use everytime_devkit::processes::{Binaries, Layout, RunningStack};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

const MEMBERS: usize = 24;
const POSTS: usize = 1000;
/// The first posts are the ones read in full, each with this many comments
/// written at seeding; the soak's comments go to the others, so what a
/// read returns does not grow while memory is watched.
const READ_POSTS: usize = 100;
const COMMENTS_PER_READ_POST: usize = 20;
const PEAK_WORKERS: usize = 32;
const PEAK_TIME: Duration = Duration::from_secs(20);
const SHARE_OF_PEAK: f64 = 0.7;
const SAMPLE_EVERY: Duration = Duration::from_secs(10);
/// Memory is held flat from this far into the soak on.
const WARM_UP: Duration = Duration::from_secs(60);
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most requests in flight in the soak; beyond it a request waits
/// (and is counted late), so a stalled stack cannot pile up the client.
const MAX_IN_FLIGHT: usize = 512;

/// The seeded school: members' tokens, the board and its posts.
struct School {
    base: String,
    tokens: Vec<String>,
    board: i64,
    posts: Vec<i64>,
}

/// One request of the mix: what to send, and the status that must come.
struct Request {
    method: Method,
    path: String,
    body: Option<Value>,
    token: usize,
    expected: StatusCode,
}

impl School {
    /// The `n`-th request of the mix (deterministic: `n` picks the kind,
    /// the member and the post).
    fn request(&self, n: u64) -> Request {
        let member = (n as usize * 7) % self.tokens.len();
        // Reads go to the first posts, whose threads are fixed; writes to
        // the others, one post per hundred requests in turn, so comments
        // spread evenly (a post takes at most 1,000).
        let read = self.posts[n as usize % READ_POSTS];
        let post = self.posts[READ_POSTS + (n / 100) as usize % (self.posts.len() - READ_POSTS)];
        let get = |path: String| Request {
            method: Method::GET,
            path,
            body: None,
            token: member,
            expected: StatusCode::OK,
        };
        match n % 100 {
            0..45 => get(format!("/api/v1/boards/{}/posts?limit=20", self.board)),
            45..65 => get(format!("/api/v1/posts/{read}")),
            65..75 => get("/api/v1/users/me".into()),
            75..80 => get("/api/v1/me/timetable".into()),
            80..85 => get("/api/v1/notifications?limit=20".into()),
            85..93 => Request {
                method: Method::POST,
                path: format!("/api/v1/posts/{post}/comments"),
                body: Some(
                    json!({"content": format!("댓글 {n}"), "anonymous": n.is_multiple_of(2)}),
                ),
                token: member,
                expected: StatusCode::CREATED,
            },
            93..96 => Request {
                method: Method::POST,
                path: format!("/api/v1/boards/{}/posts", self.board),
                body: Some(json!({"title": format!("글 {n}"), "content": "소크 시험 중의 글"})),
                token: member,
                expected: StatusCode::CREATED,
            },
            // A scrap then its removal, by the same member, both 200
            // whatever came before (both are idempotent).
            96..98 => Request {
                method: Method::PUT,
                path: format!("/api/v1/posts/{post}/scrap"),
                body: None,
                token: self.scrapper(post),
                expected: StatusCode::OK,
            },
            _ => Request {
                method: Method::DELETE,
                path: format!("/api/v1/posts/{post}/scrap"),
                body: None,
                token: self.scrapper(post),
                expected: StatusCode::OK,
            },
        }
    }

    /// A member who did not write `post` (one's own post cannot be
    /// scrapped): posts are written by member `index % MEMBERS`.
    fn scrapper(&self, post: i64) -> usize {
        let index = self.posts.iter().position(|p| *p == post).unwrap_or(0);
        (index + 1) % self.tokens.len()
    }
}

/// What the client saw.
#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    errors: AtomicU64,
    late: AtomicU64,
    /// Latencies in µs, for percentiles.
    latencies: std::sync::Mutex<Vec<u32>>,
    first_errors: std::sync::Mutex<Vec<String>>,
}

impl Tally {
    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_errors.lock().expect("not poisoned");
        if first.len() < 10 {
            first.push(what);
        }
    }

    fn percentile_ms(&self, share: f64) -> f64 {
        let mut latencies = self.latencies.lock().expect("not poisoned").clone();
        if latencies.is_empty() {
            return 0.0;
        }
        latencies.sort_unstable();
        let index = ((latencies.len() - 1) as f64 * share).round() as usize;
        f64::from(latencies[index]) / 1000.0
    }
}

async fn send(http: &reqwest::Client, school: &School, n: u64, tally: &Tally) {
    let request = school.request(n);
    let mut builder = http
        .request(
            request.method.clone(),
            format!("{}{}", school.base, request.path),
        )
        .bearer_auth(&school.tokens[request.token]);
    if let Some(body) = &request.body {
        builder = builder.json(body);
    }
    let started = Instant::now();
    tally.sent.fetch_add(1, Ordering::Relaxed);
    match builder.send().await {
        Ok(response) => {
            let status = response.status();
            let body = response.bytes().await;
            let micros = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
            tally.latencies.lock().expect("not poisoned").push(micros);
            match body {
                Ok(body) if status != request.expected => tally.error(format!(
                    "{} {}: {status} {}",
                    request.method,
                    request.path,
                    String::from_utf8_lossy(&body)
                )),
                Ok(_) => {}
                Err(error) => tally.error(format!("{} {}: {error}", request.method, request.path)),
            }
        }
        Err(error) => tally.error(format!("{} {}: {error}", request.method, request.path)),
    }
}

/// Members signed up and in, and posts written by them in turn.
async fn seed(base: &str) -> Result<School> {
    let http = reqwest::Client::new();
    let call = |method: Method, path: &str, token: Option<&str>, body: Value| {
        let mut request = http.request(method, format!("{base}{path}"));
        if !body.is_null() {
            request = request.json(&body);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let path = path.to_owned();
        async move {
            let response = request.send().await?;
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            if !status.is_success() {
                bail!("{path}: {status} {body}");
            }
            Ok::<_, anyhow::Error>(body)
        }
    };
    let mut tokens = Vec::new();
    for member in 0..MEMBERS {
        let username = format!("soak{member}");
        call(
            Method::POST,
            "/api/v1/auth/sign-up",
            None,
            json!({
                "username": username, "email": format!("{username}@soak.ac.kr"),
                "password": "correct horse battery", "nickname": format!("소크{member}"),
                "name": "소크", "school_id": 1,
            }),
        )
        .await?;
        let signed_in = call(
            Method::POST,
            "/api/v1/auth/sign-in",
            None,
            json!({"username": username, "password": "correct horse battery"}),
        )
        .await?;
        tokens.push(
            signed_in["access_token"]
                .as_str()
                .context("an access token")?
                .to_owned(),
        );
    }
    let boards = call(Method::GET, "/api/v1/boards", Some(&tokens[0]), Value::Null).await?;
    let board = boards["items"][0]["id"].as_i64().context("a board")?;
    let mut posts = Vec::new();
    for index in 0..POSTS {
        let post = call(
            Method::POST,
            &format!("/api/v1/boards/{board}/posts"),
            Some(&tokens[index % MEMBERS]),
            json!({"title": format!("소크 글 {index}"), "content": "소크 시험의 글"}),
        )
        .await?;
        let id = post["id"].as_i64().context("a post id")?;
        if index < READ_POSTS {
            for comment in 0..COMMENTS_PER_READ_POST {
                call(
                    Method::POST,
                    &format!("/api/v1/posts/{id}/comments"),
                    Some(&tokens[(index + comment + 1) % MEMBERS]),
                    json!({"content": format!("댓글 {comment}"), "anonymous": comment % 3 == 0}),
                )
                .await?;
            }
        }
        posts.push(id);
    }
    Ok(School {
        base: base.to_owned(),
        tokens,
        board,
        posts,
    })
}

/// Closed loop: `PEAK_WORKERS` workers back to back; requests per second.
async fn peak(school: &Arc<School>, next: &Arc<AtomicU64>) -> f64 {
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let workers: Vec<_> = (0..PEAK_WORKERS)
        .map(|_| {
            let (school, next, tally) = (school.clone(), next.clone(), tally.clone());
            tokio::spawn(async move {
                let http = client();
                while started.elapsed() < PEAK_TIME {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    send(&http, &school, n, &tally).await;
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let rate = tally.sent.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    println!(
        "peak: {rate:.0} requests/s with {PEAK_WORKERS} workers (p50 {:.1} ms, p99 {:.1} ms, {} errors)",
        tally.percentile_ms(0.5),
        tally.percentile_ms(0.99),
        tally.errors.load(Ordering::Relaxed)
    );
    rate
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .pool_max_idle_per_host(64)
        .build()
        .expect("a client")
}

/// Resident MB of each process.
fn memory(processes: &[(&'static str, u32)]) -> Vec<(&'static str, f64)> {
    processes
        .iter()
        .map(|(name, pid)| (*name, procfs::rss_mb(*pid).unwrap_or(0.0)))
        .collect()
}

fn short(name: &str) -> &str {
    name.strip_prefix("everytime-").unwrap_or(name)
}

#[tokio::main]
async fn main() -> Result<()> {
    let soak_time = Duration::from_secs(
        std::env::var("SOAK_SECONDS")
            .ok()
            .and_then(|seconds| seconds.parse().ok())
            .unwrap_or(600),
    );
    println!("building the service binaries ...");
    let binaries = Binaries::build(
        Path::new(env!("CARGO_BIN_EXE_everytime")),
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
    )?;
    let logs = std::env::temp_dir().join(format!("everytime-soak-{}", std::process::id()));
    std::fs::create_dir_all(&logs)?;
    let url = everytime_devkit::postgres::test_database().await?;
    let ttl = (soak_time.as_secs() + 3600).to_string();
    let mut stack = RunningStack::start(
        Layout::Split,
        &binaries,
        &url,
        &logs,
        // Tokens outlive the run: the mix is reads and writes, not sign-ins.
        &[("ACCESS_TOKEN_TTL_SECONDS", &ttl)],
    )
    .await?;
    let processes = stack.processes();
    let school = Arc::new(seed(&stack.base).await?);
    println!(
        "seeded: {MEMBERS} members, {POSTS} posts; logs in {}",
        logs.display()
    );
    let next = Arc::new(AtomicU64::new(0));
    let peak_rate = peak(&school, &next).await;
    let rate = peak_rate * SHARE_OF_PEAK;
    let interval = Duration::from_secs_f64(1.0 / rate);

    let start_memory = memory(&processes);
    println!(
        "soak: {rate:.0} requests/s ({:.0}% of the peak) for {} s",
        SHARE_OF_PEAK * 100.0,
        soak_time.as_secs()
    );
    let tally = Arc::new(Tally::default());
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let most_in_flight = Arc::new(AtomicUsize::new(0));
    let http = client();
    let started = Instant::now();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut next_sample = SAMPLE_EVERY;
    let mut samples = vec![(0u64, start_memory.clone())];
    while started.elapsed() < soak_time {
        ticker.tick().await;
        let permit = match in_flight.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                tally.late.fetch_add(1, Ordering::Relaxed);
                in_flight.clone().acquire_owned().await?
            }
        };
        let busy = MAX_IN_FLIGHT - in_flight.available_permits();
        most_in_flight.fetch_max(busy, Ordering::Relaxed);
        let (school, tally, http) = (school.clone(), tally.clone(), http.clone());
        let n = next.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            send(&http, &school, n, &tally).await;
            drop(permit);
        });
        if started.elapsed() >= next_sample {
            next_sample += SAMPLE_EVERY;
            stack.check_alive()?;
            samples.push((started.elapsed().as_secs(), memory(&processes)));
        }
    }
    // Let the last requests finish.
    let _ = tokio::time::timeout(
        TIMEOUT,
        in_flight.acquire_many(u32::try_from(MAX_IN_FLIGHT).unwrap_or(u32::MAX)),
    )
    .await;
    let elapsed = started.elapsed();
    let end_memory = memory(&processes);
    stack.check_alive()?;
    stack.stop().await;

    let sent = tally.sent.load(Ordering::Relaxed);
    let errors = tally.errors.load(Ordering::Relaxed);
    println!();
    println!(
        "{sent} requests in {:.0} s ({:.0}/s), p50 {:.1} ms, p99 {:.1} ms, most in flight {}, started late {}",
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64(),
        tally.percentile_ms(0.5),
        tally.percentile_ms(0.99),
        most_in_flight.load(Ordering::Relaxed),
        tally.late.load(Ordering::Relaxed)
    );
    println!("errors: {errors}");
    for error in tally.first_errors.lock().expect("not poisoned").iter() {
        println!("  {error}");
    }
    println!();
    println!("resident MB each minute (s: auth, timetable, community, gateway):");
    for (second, memory) in samples.iter().filter(|(second, _)| second % 60 < 10) {
        let cells: Vec<String> = memory.iter().map(|(_, mb)| format!("{mb:.1}")).collect();
        println!("  {second:>4} s: {}", cells.join(", "));
    }
    // Flat is judged from the end of the first minute: by then the
    // buffers of the soak's own concurrency are allocated.
    let warm = samples
        .iter()
        .find(|(second, _)| *second >= WARM_UP.as_secs())
        .map_or(&start_memory, |(_, memory)| memory);
    println!();
    println!(
        "| resident MB | start | after {} s | end | most |",
        WARM_UP.as_secs()
    );
    println!("|---|---:|---:|---:|---:|");
    let mut grown = Vec::new();
    for (index, (name, start)) in start_memory.iter().enumerate() {
        let (warm, end) = (warm[index].1, end_memory[index].1);
        let most = samples
            .iter()
            .map(|(_, memory)| memory[index].1)
            .chain([end])
            .fold(0.0, f64::max);
        println!(
            "| {} | {start:.1} | {warm:.1} | {end:.1} | {most:.1} |",
            short(name)
        );
        if end > warm * 1.2 && end - warm > 10.0 {
            grown.push(format!("{} {warm:.1} → {end:.1} MB", short(name)));
        }
    }
    if errors > 0 {
        bail!(
            "{errors} requests failed (the logs are in {})",
            logs.display()
        );
    }
    if !grown.is_empty() {
        bail!("resident memory grew: {}", grown.join(", "));
    }
    let _ = std::fs::remove_dir_all(&logs);
    Ok(())
}
