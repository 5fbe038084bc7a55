//! The stack under load: throughput, latency, CPU per request and memory
//! of the release binaries, and the board page held against what the
//! database alone does for it.
//!
//! ```text
//! cargo bench -p everytime --bench load
//! ```
//!
//! It builds the four service binaries in release beside the `everytime`
//! binary cargo built for it, seeds a school once into a template database
//! (a private Postgres, or `DATABASE_URL`; see [`seed`]), and then, for the
//! one-process run and for the four binaries apart, each on a fresh copy
//! of that database: starts the stack (default log level, write limits
//! off), and for each row ([`rows`]) runs `wrk` (32 connections, 2
//! threads; 3 s of warm-up, then 15 s) while reading `/proc` for the CPU
//! time of every process of ours and of the Postgres server. Last it runs
//! `pgbench` with the board page's two statements at the same concurrency,
//! and prints one table (then where the four processes' CPU goes, the
//! peak memory, and the board page as a share of pgbench's rate). Nothing fails on a figure (the machine may be
//! shared and noisy): only a stack that does not start or a request that
//! fails (any error or answer of 400 and up) makes it exit non-zero.
//! `LOAD_SECONDS` changes the 15 s. `LOAD_ROWS` keeps only the rows whose
//! name contains one of its comma-separated parts (`LOAD_ROWS=users/me,me/timetable`),
//! and `LOAD_LAYOUTS` only the named stacks (`one` or `four`), for looking
//! at a few endpoints (the pgbench line is printed whatever they are).

// The table on stdout is this program's output.
#![allow(clippy::print_stdout)]

mod api;
mod catalog;
mod pgbench;
mod procfs;
mod rows;
mod seed;
mod wrk;

use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, Result, bail};
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};

use everytime_devkit::processes::{Binaries, Layout, RunningStack};

use crate::{
    api::Api,
    procfs::Postgres,
    rows::Row,
    seed::{School, Tokens},
    wrk::Outcome,
};

const WARM_UP: Duration = Duration::from_secs(3);

/// One row as measured.
struct Measured {
    layout: Layout,
    row: String,
    outcome: Outcome,
    /// CPU µs per request of each process of ours, in start order.
    cpu_us: Vec<(&'static str, f64)>,
    postgres_us: Option<f64>,
    /// Resident MB of each process of ours at the end of the row.
    rss_mb: Vec<(&'static str, f64)>,
}

impl Measured {
    fn project_us(&self) -> f64 {
        self.cpu_us.iter().map(|(_, us)| us).sum()
    }
}

/// The Postgres server the template lives on, for copies of it.
struct Server {
    /// A URL of the server's `postgres` database.
    admin: String,
}

impl Server {
    fn new(database_url: &str) -> Result<Server> {
        let mut admin = url::Url::parse(database_url)?;
        admin.set_path("/postgres");
        Ok(Server {
            admin: admin.to_string(),
        })
    }

    /// A new database copied from the one at `template_url`; its URL.
    async fn copy(&self, template_url: &str) -> Result<String> {
        let mut url = url::Url::parse(template_url)?;
        let template = url.path().trim_start_matches('/').to_owned();
        let created = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or(0);
        // The test databases' naming, so a later run's sweep drops a copy
        // left behind on a server of yours.
        let name = format!(
            "everytime_test_{}_load{}",
            created / 1_000_000_000,
            created % 1_000_000_000
        );
        let mut connection = PgConnection::connect(&self.admin).await?;
        let create = format!("create database \"{name}\" template \"{template}\"");
        let mut attempt = 0;
        loop {
            // Nothing may be connected to a template while it is copied.
            sqlx::query(
                "select pg_terminate_backend(pid) from pg_stat_activity
                 where datname = $1 and pid <> pg_backend_pid()",
            )
            .bind(&template)
            .execute(&mut connection)
            .await?;
            match connection.execute(create.as_str()).await {
                Ok(_) => break,
                Err(error) if attempt < 5 => {
                    println!("  copying {template} failed ({error}); trying again");
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(error) => return Err(error).with_context(|| format!("copying {template}")),
            }
        }
        connection.close().await.ok();
        url.set_path(&format!("/{name}"));
        Ok(url.to_string())
    }

    async fn drop_database(&self, url: &str) {
        let Ok(parsed) = url::Url::parse(url) else {
            return;
        };
        let name = parsed.path().trim_start_matches('/').to_owned();
        if let Ok(mut connection) = PgConnection::connect(&self.admin).await {
            let statement = format!("drop database if exists \"{name}\" with (force)");
            let _ = connection.execute(statement.as_str()).await;
            connection.close().await.ok();
        }
    }
}

/// Checks once that each read answers what the rows assume.
async fn check_reads(api: &Api, school: &School, tokens: &Tokens) -> Result<()> {
    let token = &tokens.reader;
    let items = |body: &Value| body["items"].as_array().map_or(0, Vec::len);
    let page = api
        .get(
            &format!("/api/v1/boards/{}/posts?limit=20", school.board),
            token,
        )
        .await?;
    let detail = api
        .get(&format!("/api/v1/posts/{}", school.detail_post), token)
        .await?;
    let comments: usize = detail["comments"].as_array().map_or(0, |comments| {
        comments
            .iter()
            .map(|c| 1 + c["replies"].as_array().map_or(0, Vec::len))
            .sum()
    });
    let me = api.get("/api/v1/me/timetable", token).await?;
    let courses = me["timetable"]["courses"].as_array().map_or(0, Vec::len);
    let friends = me["friends"].as_array().map_or(0, Vec::len);
    let conversations = api.get("/api/v1/messages", token).await?;
    api.get("/api/v1/users/me", token).await?;
    if items(&page) != 20
        || comments != 20
        || courses != 6
        || friends != 10
        || items(&conversations) != 20
    {
        bail!(
            "the seeded school reads wrong: board page {} posts, detail {comments} comments, \
             me/timetable {courses} courses and {friends} friends, 쪽지함 {} conversations",
            items(&page),
            items(&conversations)
        );
    }
    Ok(())
}

/// CPU ticks of each process of ours, and of Postgres.
fn sample(
    processes: &[(&'static str, u32)],
    postgres: Option<&Postgres>,
) -> (Vec<u64>, Option<u64>) {
    (
        processes
            .iter()
            .map(|(_, pid)| procfs::cpu_ticks(*pid))
            .collect(),
        postgres.map(Postgres::cpu_ticks),
    )
}

/// Runs one row: a warm-up, then the measured run with `/proc` read
/// before and after.
async fn measure(
    layout: Layout,
    row: &Row,
    stack: &RunningStack,
    postgres: Option<&Postgres>,
    work: &Path,
    duration: Duration,
    hz: f64,
) -> Result<Measured> {
    let script = work.join("row.lua");
    let url = format!("{}{}", stack.base, row.path);
    std::fs::write(&script, row.script(0))?;
    let warm = wrk::run(&script, &url, WARM_UP).await?;
    std::fs::write(&script, row.script(warm.next))?;
    let processes = stack.processes();
    let (before, postgres_before) = sample(&processes, postgres);
    let outcome = wrk::run(&script, &url, duration).await?;
    let (after, postgres_after) = sample(&processes, postgres);
    let requests = outcome.requests.max(1) as f64;
    let per_request = |ticks: u64| ticks as f64 * 1e6 / hz / requests;
    let cpu_us = processes
        .iter()
        .zip(before.iter().zip(&after))
        .map(|((name, _), (before, after))| (*name, per_request(after.saturating_sub(*before))))
        .collect();
    let postgres_us = postgres_before
        .zip(postgres_after)
        .map(|(before, after)| per_request(after.saturating_sub(before)));
    let rss_mb = processes
        .iter()
        .map(|(name, pid)| (*name, procfs::rss_mb(*pid).unwrap_or(0.0)))
        .collect();
    let mut outcome = outcome;
    outcome.errors += warm.errors;
    outcome.status_errors += warm.status_errors;
    if let Some(capacity) = row.capacity
        && outcome.next > capacity
    {
        println!(
            "  {}: {} requests built, more than the {capacity} fresh ids seeded: the ones beyond failed",
            row.name, outcome.next
        );
    }
    Ok(Measured {
        layout,
        row: row.name.clone(),
        outcome,
        cpu_us,
        postgres_us,
        rss_mb,
    })
}

/// Short names of our processes for the tables.
fn short(name: &str) -> &str {
    name.strip_prefix("everytime-").unwrap_or(name)
}

fn table(results: &[Measured]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| stack | request | requests/s | p50 ms | p99 ms | failed | project CPU µs/req | Postgres CPU µs/req | resident MB at the end |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---|");
    for measured in results {
        let outcome = &measured.outcome;
        let rss: Vec<String> = measured
            .rss_mb
            .iter()
            .map(|(name, mb)| format!("{} {mb:.0}", short(name)))
            .collect();
        let _ = writeln!(
            out,
            "| {} | `{}` | {:.0} | {:.2} | {:.2} | {} | {:.0} | {} | {} |",
            measured.layout.label(),
            measured.row,
            outcome.per_second(),
            outcome.p50_ms,
            outcome.p99_ms,
            outcome.errors,
            measured.project_us(),
            measured
                .postgres_us
                .map_or_else(|| "–".to_owned(), |us| format!("{us:.0}")),
            rss.join(", ")
        );
    }
    out
}

/// Where the four processes' CPU goes, per row.
fn split_table(results: &[Measured]) -> String {
    let mut out = String::new();
    let split: Vec<&Measured> = results
        .iter()
        .filter(|measured| measured.layout == Layout::Split)
        .collect();
    let Some(first) = split.first() else {
        return out;
    };
    let names: Vec<&str> = first.cpu_us.iter().map(|(name, _)| short(name)).collect();
    let _ = writeln!(
        out,
        "| four processes: CPU µs/req | {} |",
        names.join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---:|".repeat(names.len()));
    for measured in split {
        let cells: Vec<String> = measured
            .cpu_us
            .iter()
            .map(|(_, us)| format!("{us:.0}"))
            .collect();
        let _ = writeln!(out, "| `{}` | {} |", measured.row, cells.join(" | "));
    }
    out
}

/// The comma-separated parts of the environment variable `name`; empty
/// when it is unset or blank.
fn env_list(name: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `name` is among `parts` (by substring), or `parts` is empty.
fn wanted(parts: &[String], name: &str) -> bool {
    parts.is_empty() || parts.iter().any(|part| name.contains(part.as_str()))
}

fn scratch_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("everytime-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[tokio::main]
async fn main() -> Result<()> {
    let started = Instant::now();
    let duration = Duration::from_secs(
        std::env::var("LOAD_SECONDS")
            .ok()
            .and_then(|seconds| seconds.parse().ok())
            .unwrap_or(15),
    );
    let wanted_rows = env_list("LOAD_ROWS");
    let wanted_layouts = env_list("LOAD_LAYOUTS");
    wrk::ensure_installed()?;
    println!("building the service binaries ...");
    let binaries = Binaries::build(
        Path::new(env!("CARGO_BIN_EXE_everytime")),
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
    )?;
    let work = scratch_dir()?;
    let hz = procfs::ticks_per_second() as f64;

    let template = everytime_devkit::postgres::test_database().await?;
    let server = Server::new(&template)?;
    println!("seeding the school (once, into a template database):");
    let school = seed::school(&template).await?;
    println!("  {}", school.summary);
    println!();

    let mut results = Vec::new();
    let mut peaks = Vec::new();
    let mut postgres_exe = None;
    let layouts = [(Layout::OneProcess, "one"), (Layout::Split, "four")]
        .into_iter()
        .filter(|(_, name)| wanted(&wanted_layouts, name))
        .map(|(layout, _)| layout);
    for layout in layouts {
        let url = server.copy(&template).await?;
        let postgres = Postgres::find(&url).await;
        postgres_exe = postgres_exe.or_else(|| postgres.as_ref().and_then(Postgres::exe));
        let logs = work.join(match layout {
            Layout::OneProcess => "one-process",
            Layout::Split => "four-processes",
        });
        std::fs::create_dir_all(&logs)?;
        println!("{}: starting ...", layout.label());
        let mut stack = RunningStack::start(layout, &binaries, &url, &logs, &[]).await?;
        let api = Api::new(&stack.base);
        let tokens = school.tokens(&api).await?;
        check_reads(&api, &school, &tokens).await?;
        let rows = rows::rows(&school, &tokens)
            .into_iter()
            .filter(|row| wanted(&wanted_rows, &row.name));
        for row in rows {
            let measured =
                measure(layout, &row, &stack, postgres.as_ref(), &work, duration, hz).await?;
            stack.check_alive()?;
            println!(
                "  {:<34} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>7.2} ms  failed {}  project {:>5.0} µs/req  Postgres {} µs/req",
                measured.row,
                measured.outcome.per_second(),
                measured.outcome.p50_ms,
                measured.outcome.p99_ms,
                measured.outcome.errors,
                measured.project_us(),
                measured
                    .postgres_us
                    .map_or_else(|| "–".to_owned(), |us| format!("{us:.0}")),
            );
            results.push(measured);
        }
        for (name, pid) in stack.processes() {
            peaks.push((
                short(name).to_owned(),
                procfs::peak_rss_mb(pid).unwrap_or(0.0),
            ));
        }
        stack.stop().await;
        server.drop_database(&url).await;
    }

    let pgbench_path = pgbench::find(postgres_exe);
    let script = work.join("board-page.sql");
    std::fs::write(&script, pgbench::board_page_script()?)?;
    let page = pgbench::Page {
        board: school.board,
        school: 1,
        ids: (0..20).map(|i| school.detail_post - i).collect(),
        preview: i32::from(everytime_community::domain::PREVIEW_CHARACTERS),
    };
    println!(
        "pgbench: the board page's two statements ({}) ...",
        script.display()
    );
    let tps = pgbench::run(&pgbench_path, &template, &script, &page, duration).await?;
    server.drop_database(&template).await;

    println!();
    println!(
        "{} connections, {} threads, {} s per row after {} s of warm-up; default log level; {}",
        wrk::CONNECTIONS,
        wrk::THREADS,
        duration.as_secs(),
        WARM_UP.as_secs(),
        school.summary
    );
    println!();
    print!("{}", table(&results));
    println!();
    print!("{}", split_table(&results));
    println!();
    let peaks: Vec<String> = peaks
        .iter()
        .map(|(name, mb)| format!("{name} {mb:.0}"))
        .collect();
    println!(
        "peak resident MB (VmHWM) over each stack's run: {}",
        peaks.join(", ")
    );
    println!(
        "pgbench -n -M prepared -c {} -j {} -T {} on the board page's two statements: {tps:.0} transactions/s",
        wrk::CONNECTIONS,
        wrk::THREADS,
        duration.as_secs()
    );
    for measured in results
        .iter()
        .filter(|measured| measured.row.starts_with("GET /boards/"))
    {
        println!(
            "  board page through the gateway, {}: {:.0} requests/s = {:.0}% of pgbench",
            measured.layout.label(),
            measured.outcome.per_second(),
            100.0 * measured.outcome.per_second() / tps
        );
    }
    println!("total run time: {:.0} s", started.elapsed().as_secs_f64());

    let failed: Vec<String> = results
        .iter()
        .filter(|measured| measured.outcome.errors > 0)
        .map(|measured| {
            format!(
                "{} {}: {} failed ({} answers of 400 and up)",
                measured.layout.label(),
                measured.row,
                measured.outcome.errors,
                measured.outcome.status_errors
            )
        })
        .collect();
    if !failed.is_empty() {
        bail!(
            "requests failed (the services' logs are in {}):\n{}",
            work.display(),
            failed.join("\n")
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
