//! Faults survived by the real binaries: `everytime-auth`, `-community`,
//! `-timetable` and `-gateway` as four processes (built beside this test's
//! `everytime`), under a steady load of board pages through the gateway.
//!
//! - A service killed (SIGKILL) gives `503`s, never a `500` nor a hang,
//!   and once it is back every request succeeds again within 2 s.
//! - Postgres restarted is survived without restarting any service.
//! - SIGTERM loses no request: health turns `NOT_SERVING` (the gateway's
//!   `/readyz` `503`) first, the process goes on serving for
//!   `SHUTDOWN_DELAY_MS`, only then are new connections refused, and a
//!   request in flight at that moment still gets its answer.
//! - A backend slowed past the deadline is cut there: `504`, on time.
//!
//! The tests take turns (one stack at a time): their timings must not
//! depend on each other's load.

mod support;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use everytime_devkit::{
    postgres::{Cluster, ClusterOptions},
    processes::{Binaries, Layout, RunningStack},
};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};
use tokio::{sync::Mutex, task::JoinHandle};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// One stack at a time.
static TURN: Mutex<()> = Mutex::const_new(());

/// How long the SIGTERM tests give probes before connections are refused.
const SHUTDOWN_DELAY: Duration = Duration::from_millis(1000);

/// The four service binaries, built once for this test binary.
fn binaries() -> Binaries {
    static BINARIES: std::sync::OnceLock<Binaries> = std::sync::OnceLock::new();
    BINARIES
        .get_or_init(|| {
            Binaries::build(
                Path::new(env!("CARGO_BIN_EXE_everytime")),
                &Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
            )
            .expect("the service binaries build")
        })
        .clone()
}

/// A folder for one test's logs.
fn log_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("everytime-faults-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a log folder");
    dir
}

/// A running stack with a signed-in member and a post on a board.
struct Fixture {
    stack: RunningStack,
    http: reqwest::Client,
    token: String,
    board_page: String,
}

impl Fixture {
    async fn start(test: &str, database_url: &str, env: &[(&str, &str)]) -> Fixture {
        let binaries = tokio::task::spawn_blocking(binaries).await.expect("joins");
        let stack =
            RunningStack::start(Layout::Split, &binaries, database_url, &log_dir(test), env)
                .await
                .expect("the stack starts");
        let http = reqwest::Client::new();
        let base = stack.base.clone();
        let sign_up = http
            .post(format!("{base}/api/v1/auth/sign-up"))
            .json(&json!({
                "username": "faults", "email": "faults@example.ac.kr",
                "password": "correct horse battery", "nickname": "장애시험",
                "name": "김시험", "school_id": 1,
            }))
            .send()
            .await
            .expect("signs up");
        assert_eq!(
            sign_up.status(),
            201,
            "{}",
            sign_up.text().await.unwrap_or_default()
        );
        let signed_in: Value = http
            .post(format!("{base}/api/v1/auth/sign-in"))
            .json(&json!({"username": "faults", "password": "correct horse battery"}))
            .send()
            .await
            .expect("signs in")
            .json()
            .await
            .expect("json");
        let token = signed_in["access_token"]
            .as_str()
            .expect("a token")
            .to_owned();
        let boards: Value = http
            .get(format!("{base}/api/v1/boards"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("lists boards")
            .json()
            .await
            .expect("json");
        let board = boards["items"][0]["id"].as_i64().expect("a board");
        let post = http
            .post(format!("{base}/api/v1/boards/{board}/posts"))
            .bearer_auth(&token)
            .json(&json!({"title": "장애 시험", "content": "부하 중의 글"}))
            .send()
            .await
            .expect("posts");
        assert_eq!(post.status(), 201);
        Fixture {
            board_page: format!("{base}/api/v1/boards/{board}/posts?limit=20"),
            stack,
            http,
            token,
        }
    }

    /// Sends `GET path` as the member while `table` (of the database at
    /// `url`) is locked, and returns once it waits on the lock: the
    /// request is in flight until the sender fires.
    async fn hold_in_flight(
        &self,
        url: &str,
        table: &str,
        path: &str,
    ) -> (
        tokio::sync::oneshot::Sender<()>,
        JoinHandle<reqwest::Result<reqwest::Response>>,
    ) {
        let release = hold_lock(url, table).await;
        let request = self
            .http
            .get(format!("{}{path}", self.stack.base))
            .bearer_auth(&self.token);
        let held = tokio::spawn(async move { request.send().await });
        support::until_waiting_on_a_lock(url).await;
        (release, held)
    }

    fn grpc(&self, service: &str) -> SocketAddr {
        self.stack
            .grpc
            .iter()
            .find(|(name, _)| *name == service)
            .map(|(_, addr)| *addr)
            .expect("a service")
    }
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// An answer, with its status.
    Status(u16),
    /// No connection could be made (nothing was sent).
    Refused,
    /// Anything else: a connection lost mid-request, a timeout (a hang).
    Failed(String),
}

#[derive(Debug, Clone)]
struct Sample {
    sent: Instant,
    took: Duration,
    outcome: Outcome,
    /// The answer said `Connection: close`.
    closing: bool,
}

/// Workers that fetch a page again and again until stopped.
struct Load {
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<Vec<Sample>>>,
}

/// The longest a request may take before it counts as a hang: past the
/// gateway's 5-second gRPC deadline.
const HANG: Duration = Duration::from_secs(8);

impl Load {
    /// `workers` workers, each with a connection pool of its own.
    fn start(url: &str, token: &str, workers: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..workers)
            .map(|_| {
                let (url, token, stop) = (url.to_owned(), token.to_owned(), stop.clone());
                tokio::spawn(async move {
                    let http = reqwest::Client::builder()
                        .timeout(HANG)
                        .build()
                        .expect("a client");
                    let mut samples = Vec::new();
                    while !stop.load(Ordering::SeqCst) {
                        let sent = Instant::now();
                        let answer = http.get(&url).bearer_auth(&token).send().await;
                        let (outcome, closing) = match answer {
                            Ok(response) => {
                                let closing = response
                                    .headers()
                                    .get("connection")
                                    .is_some_and(|value| value == "close");
                                let status = response.status().as_u16();
                                match response.bytes().await {
                                    Ok(_) => (Outcome::Status(status), closing),
                                    Err(error) => (Outcome::Failed(format!("{error:?}")), closing),
                                }
                            }
                            Err(error) if error.is_connect() => (Outcome::Refused, false),
                            Err(error) => (Outcome::Failed(format!("{error:?}")), false),
                        };
                        samples.push(Sample {
                            sent,
                            took: sent.elapsed(),
                            outcome: outcome.clone(),
                            closing,
                        });
                        if outcome == Outcome::Refused {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                    samples
                })
            })
            .collect();
        Load { stop, workers }
    }

    async fn stop(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::SeqCst);
        let mut samples = Vec::new();
        for worker in self.workers {
            samples.extend(worker.await.expect("a worker joins"));
        }
        samples.sort_by_key(|sample| sample.sent);
        samples
    }
}

/// `at` − `since` in milliseconds, negative when `at` came first.
fn signed_ms(at: Instant, since: Instant) -> i128 {
    if at >= since {
        (at - since).as_millis() as i128
    } else {
        -((since - at).as_millis() as i128)
    }
}

/// How many samples had each outcome, for failure messages.
fn tally(samples: &[Sample]) -> String {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for sample in samples {
        *counts.entry(format!("{:?}", sample.outcome)).or_default() += 1;
    }
    format!("{counts:?}")
}

/// A gRPC health check of `addr` over a new connection: the status, or
/// `None` when no connection could be made.
async fn check_fresh(addr: SocketAddr) -> Option<ServingStatus> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("an endpoint")
        .connect_timeout(Duration::from_millis(500))
        .timeout(Duration::from_secs(2))
        .connect()
        .await
        .ok()?;
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .ok()?;
    Some(answer.into_inner().status())
}

/// Probes every 25 ms until it cannot connect (or 30 s pass): when it first
/// saw a status other than `SERVING` (or `/readyz` other than 200), and when
/// it first could not connect.
struct Probe {
    not_serving: Option<Instant>,
    refused: Option<Instant>,
}

/// `told`, when given, learns the moment it first saw not serving.
async fn probe_until_refused(
    mut check: impl AsyncFnMut() -> Option<bool>,
    mut told: Option<tokio::sync::oneshot::Sender<Instant>>,
) -> Probe {
    let mut probe = Probe {
        not_serving: None,
        refused: None,
    };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        match check().await {
            Some(true) => {}
            Some(false) => {
                let at = *probe.not_serving.get_or_insert_with(Instant::now);
                if let Some(told) = told.take() {
                    let _ = told.send(at);
                }
            }
            None => {
                probe.refused = Some(Instant::now());
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    probe
}

/// Holds `table` locked (access exclusive) until the returned sender fires
/// or drops; returns once the lock is held.
async fn hold_lock(url: &str, table: &str) -> tokio::sync::oneshot::Sender<()> {
    let mut connection = PgConnection::connect(url).await.expect("connects");
    sqlx::query("begin")
        .execute(&mut connection)
        .await
        .expect("begins");
    sqlx::query(&format!("lock table {table} in access exclusive mode"))
        .execute(&mut connection)
        .await
        .expect("locks");
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = released.await;
        let _ = sqlx::query("rollback").execute(&mut connection).await;
    });
    release
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_service_gives_503s_and_full_service_within_two_seconds_of_its_return() {
    let _turn = TURN.lock().await;
    let url = everytime_devkit::postgres::test_database()
        .await
        .expect("a database");
    let mut fixture = Fixture::start("killed", &url, &[]).await;
    let community = fixture.grpc("community");
    let load = Load::start(&fixture.board_page, &fixture.token, 4);
    tokio::time::sleep(Duration::from_millis(800)).await;

    let killed = Instant::now();
    fixture
        .stack
        .kill("everytime-community")
        .await
        .expect("kills");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let restarted = Instant::now();
    fixture
        .stack
        .restart("everytime-community")
        .expect("restarts");
    let serving = loop {
        if check_fresh(community).await == Some(ServingStatus::Serving) {
            break Instant::now();
        }
        assert!(
            restarted.elapsed() < Duration::from_secs(60),
            "community never served again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let samples = load.stop().await;
    fixture.stack.check_alive().expect("every process runs");
    fixture.stack.stop().await;

    let summary = tally(&samples);
    for sample in &samples {
        assert!(
            matches!(sample.outcome, Outcome::Status(200 | 503)),
            "only 200 and 503, never a 500, a hang or a lost connection: {sample:?}; {summary}"
        );
        assert!(sample.took < HANG, "{sample:?}");
    }
    assert!(
        samples
            .iter()
            .any(|s| s.sent > killed && s.sent < restarted && s.outcome == Outcome::Status(503)),
        "503s while community was down: {summary}"
    );
    // Full service: the last request that failed was sent within 2 s of
    // the restarted process serving, and everything after succeeded.
    let last_failure = samples
        .iter()
        .rev()
        .find(|s| s.outcome != Outcome::Status(200))
        .expect("some requests failed while community was down")
        .sent;
    let back_after = last_failure.saturating_duration_since(serving);
    assert!(
        back_after <= Duration::from_secs(2),
        "full service within 2 s of community's return, not {back_after:?}"
    );
    assert!(
        samples.iter().filter(|s| s.sent > last_failure).count() > 100,
        "requests went on succeeding after it: {summary}"
    );
    eprintln!(
        "killed community: {summary}; restarted process serving after {:?}; \
         the last failed request sent {} ms from then",
        serving - restarted,
        signed_ms(last_failure, serving)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_is_survived_without_restarting_any_service() {
    let _turn = TURN.lock().await;
    let data_dir = std::env::temp_dir().join(format!("everytime-faults-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let mut cluster = Cluster::start(ClusterOptions {
        data_dir: data_dir.clone(),
        durable: false,
    })
    .await
    .expect("a private cluster");
    cluster.ensure_database("faults").await.expect("a database");
    let url = cluster.url("faults");
    let mut fixture = Fixture::start("postgres", &url, &[]).await;
    let load = Load::start(&fixture.board_page, &fixture.token, 4);
    tokio::time::sleep(Duration::from_millis(800)).await;

    let restarting = Instant::now();
    cluster.restart().await.expect("postgres restarts");
    let back = Instant::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let samples = load.stop().await;
    fixture
        .stack
        .check_alive()
        .expect("no service exited or was restarted");

    let summary = tally(&samples);
    for sample in &samples {
        assert!(
            matches!(sample.outcome, Outcome::Status(200 | 503)),
            "only 200 and 503, never a 500, a hang or a lost connection: {sample:?}; {summary}"
        );
    }
    // The last request that failed (if any did) was sent within 2 s of
    // Postgres's return, and everything after succeeded.
    let last_failure = samples
        .iter()
        .rev()
        .find(|s| s.outcome != Outcome::Status(200))
        .map(|s| s.sent);
    let back_after = last_failure.map(|at| at.saturating_duration_since(back));
    assert!(
        back_after.is_none_or(|after| after <= Duration::from_secs(2)),
        "full service within 2 s of Postgres's return, not {back_after:?}"
    );
    assert!(
        samples.iter().filter(|s| s.sent > back).count() > 100,
        "requests went on after it: {summary}"
    );
    // Writes too, in every service, on connections made after the restart.
    let base = fixture.stack.base.clone();
    let me = fixture
        .http
        .get(format!("{base}/api/v1/users/me"))
        .bearer_auth(&fixture.token)
        .send()
        .await
        .expect("answers");
    assert_eq!(me.status(), 200);
    let post = fixture
        .http
        .post(fixture.board_page.split('?').next().expect("a path"))
        .bearer_auth(&fixture.token)
        .json(&json!({"title": "다시", "content": "재시작 후의 글"}))
        .send()
        .await
        .expect("answers");
    assert_eq!(post.status(), 201);
    let timetable = fixture
        .http
        .post(format!("{base}/api/v1/timetables"))
        .bearer_auth(&fixture.token)
        .json(&json!({"semester": "2026-2"}))
        .send()
        .await
        .expect("answers");
    assert_eq!(
        timetable.status(),
        201,
        "{}",
        timetable.text().await.unwrap_or_default()
    );
    let ready = fixture
        .http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("answers");
    assert_eq!(ready.status(), 200);
    fixture.stack.stop().await;
    drop(cluster);
    let _ = std::fs::remove_dir_all(&data_dir);
    eprintln!(
        "postgres restart took {:?}: {summary}; the last failed request sent {} ms from its return",
        back - restarting,
        last_failure.map_or_else(|| "–".to_owned(), |at| signed_ms(at, back).to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_to_the_gateway_turns_readyz_503_first_and_fails_no_request() {
    let _turn = TURN.lock().await;
    let url = everytime_devkit::postgres::test_database()
        .await
        .expect("a database");
    let delay = SHUTDOWN_DELAY.as_millis().to_string();
    let mut fixture = Fixture::start("gateway", &url, &[("SHUTDOWN_DELAY_MS", &delay)]).await;
    let base = fixture.stack.base.clone();
    let load = Load::start(&fixture.board_page, &fixture.token, 4);

    // A request held in flight across the shutdown; the board pages of the
    // load do not read its table.
    let (release, held) = fixture
        .hold_in_flight(&url, "timetable.timetables", "/api/v1/me/timetable")
        .await;

    let terminated = Instant::now();
    fixture
        .stack
        .terminate("everytime-gateway")
        .expect("signals");
    // The load goes on until a load balancer would have seen /readyz fail
    // and moved it elsewhere (well within the delay).
    let (told, not_ready_seen) = tokio::sync::oneshot::channel();
    let (probe, samples) = tokio::join!(
        probe_until_refused(
            async || {
                let http = reqwest::Client::builder()
                    .pool_max_idle_per_host(0)
                    .timeout(Duration::from_secs(2))
                    .build()
                    .ok()?;
                match http.get(format!("{base}/readyz")).send().await {
                    Ok(response) => Some(response.status() == 200),
                    Err(_) => None,
                }
            },
            Some(told),
        ),
        async {
            let _ = not_ready_seen.await;
            tokio::time::sleep(SHUTDOWN_DELAY / 2).await;
            load.stop().await
        }
    );
    assert!(!held.is_finished(), "the held request is still in flight");
    release.send(()).expect("releases");
    let held = held
        .await
        .expect("joins")
        .expect("the held request gets its answer");
    assert_eq!(held.status(), 200);
    let exit = fixture
        .stack
        .wait_exit("everytime-gateway", Duration::from_secs(20))
        .await
        .expect("the gateway exits");
    assert!(exit.success(), "exits 0: {exit}");

    let not_ready = probe.not_serving.expect("/readyz turned 503");
    let refused = probe.refused.expect("connections were refused at last");
    assert!(
        refused.saturating_duration_since(not_ready) >= SHUTDOWN_DELAY - Duration::from_millis(100),
        "new connections are refused only {:?} after /readyz turned 503",
        refused.saturating_duration_since(not_ready)
    );
    let summary = tally(&samples);
    assert!(
        samples.iter().all(|s| s.outcome == Outcome::Status(200)),
        "every request of the load is answered 200: {summary}"
    );
    assert!(
        samples.iter().any(|s| s.sent > not_ready && s.closing),
        "it went on serving, closing connections, after /readyz turned 503: {summary}"
    );
    fixture.stack.stop().await;
    eprintln!(
        "gateway SIGTERM: /readyz 503 after {:?}, connections refused {:?} later; {summary}",
        not_ready - terminated,
        refused - not_ready
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_to_a_service_turns_health_not_serving_first_and_drains_its_rpcs() {
    let _turn = TURN.lock().await;
    let url = everytime_devkit::postgres::test_database()
        .await
        .expect("a database");
    let delay = SHUTDOWN_DELAY.as_millis().to_string();
    let mut fixture = Fixture::start("service", &url, &[("SHUTDOWN_DELAY_MS", &delay)]).await;
    let community = fixture.grpc("community");
    let load = Load::start(&fixture.board_page, &fixture.token, 4);

    // A community RPC held in flight across the shutdown.
    let (release, held) = fixture
        .hold_in_flight(&url, "community.notifications", "/api/v1/notifications")
        .await;

    let terminated = Instant::now();
    fixture
        .stack
        .terminate("everytime-community")
        .expect("signals");
    let probe = probe_until_refused(
        async || {
            check_fresh(community)
                .await
                .map(|status| status == ServingStatus::Serving)
        },
        None,
    )
    .await;
    assert!(!held.is_finished(), "the held RPC is still in flight");
    release.send(()).expect("releases");
    let held = held
        .await
        .expect("joins")
        .expect("the held request gets its answer");
    assert_eq!(
        held.status(),
        200,
        "the RPC in flight when community stopped accepting is answered"
    );
    let exit = fixture
        .stack
        .wait_exit("everytime-community", Duration::from_secs(20))
        .await
        .expect("community exits");
    assert!(exit.success(), "exits 0: {exit}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let samples = load.stop().await;
    fixture.stack.stop().await;

    let not_serving = probe.not_serving.expect("health turned NOT_SERVING");
    let refused = probe.refused.expect("connections were refused at last");
    assert!(
        refused.saturating_duration_since(not_serving)
            >= SHUTDOWN_DELAY - Duration::from_millis(100),
        "new connections are refused only {:?} after health turned NOT_SERVING",
        refused.saturating_duration_since(not_serving)
    );
    let summary = tally(&samples);
    for sample in &samples {
        assert!(
            matches!(sample.outcome, Outcome::Status(200 | 503)),
            "only 200, and 503 once community is gone: {sample:?}; {summary}"
        );
        if sample.sent < not_serving + SHUTDOWN_DELAY - Duration::from_millis(100) {
            assert_eq!(
                sample.outcome,
                Outcome::Status(200),
                "served until the delay has passed: {sample:?}"
            );
        }
    }
    assert!(
        samples
            .iter()
            .any(|s| s.sent > not_serving && s.outcome == Outcome::Status(200)),
        "it went on serving after health turned NOT_SERVING: {summary}"
    );
    eprintln!(
        "community SIGTERM: NOT_SERVING after {:?}, connections refused {:?} later; {summary}",
        not_serving - terminated,
        refused - not_serving
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_slower_than_the_deadline_is_cut_at_the_deadline() {
    let _turn = TURN.lock().await;
    let url = everytime_devkit::postgres::test_database()
        .await
        .expect("a database");
    let fixture = Fixture::start("slow", &url, &[("GRPC_TIMEOUT_MS", "1000")]).await;
    let release = hold_lock(&url, "community.posts").await;
    let started = Instant::now();
    let answer = fixture
        .http
        .get(&fixture.board_page)
        .bearer_auth(&fixture.token)
        .send()
        .await
        .expect("answers");
    let took = started.elapsed();
    let status = answer.status();
    let problem: Value = answer.json().await.expect("problem json");
    assert_eq!(status, 504, "{problem}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
        "cut at the 1 s deadline, not after {took:?}"
    );
    release.send(()).expect("releases");
    let again = fixture
        .http
        .get(&fixture.board_page)
        .bearer_auth(&fixture.token)
        .send()
        .await
        .expect("answers");
    assert_eq!(
        again.status(),
        200,
        "and it serves once the backend is fast again"
    );
    fixture.stack.stop().await;
}
