//! A database that goes away and comes back, seen through the gateway: the
//! services reach Postgres through a TCP proxy this test can cut. While it
//! is cut, requests fail fast with `503` and `Retry-After` (the pool gives
//! up after `DB_ACQUIRE_TIMEOUT_MS`, well before the 5-second deadline),
//! never `500`, and `/readyz` turns `503`; once it is back, everything
//! answers again without restarting anything.

#[allow(unused_imports)]
mod support;

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use support::TestStack;
use tokio::{
    net::{TcpListener, TcpStream},
    task::AbortHandle,
};

/// Forwards TCP connections to `target` until cut; a cut closes every open
/// connection and closes new ones at once, as a database gone away would.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let proxy = Proxy {
            addr: listener.local_addr().expect("an address"),
            up: Arc::new(AtomicBool::new(true)),
            open: Arc::default(),
        };
        let (up, open) = (proxy.up.clone(), proxy.open.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up.load(Ordering::SeqCst) {
                    continue;
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                open.lock().unwrap().push(task.abort_handle());
            }
        });
        proxy
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for connection in self.open.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `url` with its host and port replaced by `addr`.
fn through(url: &str, addr: SocketAddr) -> String {
    let mut url = url::Url::parse(url).expect("a database URL");
    url.set_host(Some(&addr.ip().to_string())).unwrap();
    url.set_port(Some(addr.port())).unwrap();
    url.to_string()
}

async fn status_of(
    stack: &TestStack,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, Option<String>) {
    let reply = stack.get(path, token).await;
    (reply.status, reply.header("retry-after").map(str::to_owned))
}

/// Asks `path` until it answers `wanted`, for at most `within`.
async fn until(
    stack: &TestStack,
    path: &str,
    token: Option<&str>,
    wanted: StatusCode,
    within: Duration,
) {
    let started = Instant::now();
    loop {
        let (status, _) = status_of(stack, path, token).await;
        if status == wanted {
            return;
        }
        assert!(
            started.elapsed() < within,
            "{path} still {status} after {within:?}, not {wanted}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_database_fails_fast_with_503_and_recovers_by_itself() {
    let database = everytime_devkit::postgres::test_database()
        .await
        .expect("a test database");
    let real = url::Url::parse(&database).unwrap();
    let target = SocketAddr::new(
        real.host_str()
            .unwrap()
            .parse()
            .expect("a loopback address"),
        real.port().unwrap_or(5432),
    );
    let proxy = Proxy::start(target).await;
    let proxied = through(&database, proxy.addr);
    let stack = TestStack::start_with(|config| {
        config.auth.database_url = proxied.clone();
        config.community.service.database_url = proxied.clone();
        config.timetable.service.database_url = proxied.clone();
    })
    .await;
    let session = stack.user("outage").await;
    let token = Some(session.token.as_str());
    assert_eq!(
        status_of(&stack, "/api/v1/boards", token).await.0,
        StatusCode::OK
    );
    until(
        &stack,
        "/readyz",
        None,
        StatusCode::OK,
        Duration::from_secs(5),
    )
    .await;

    proxy.cut();
    for path in ["/api/v1/boards", "/api/v1/users/me", "/api/v1/timetables"] {
        let started = Instant::now();
        let (status, retry_after) = status_of(&stack, path, token).await;
        let took = started.elapsed();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(retry_after.is_some(), "{path}: 503 with Retry-After");
        // The RPC deadline is 5 s: failing fast means well before it.
        assert!(took < Duration::from_secs(4), "{path} took {took:?}");
    }
    let signed_in = stack.sign_in_with("outage", support::PASSWORD).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        signed_in.text
    );
    until(
        &stack,
        "/readyz",
        None,
        StatusCode::SERVICE_UNAVAILABLE,
        Duration::from_secs(5),
    )
    .await;

    proxy.restore();
    until(
        &stack,
        "/api/v1/boards",
        token,
        StatusCode::OK,
        Duration::from_secs(10),
    )
    .await;
    until(
        &stack,
        "/readyz",
        None,
        StatusCode::OK,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(
        status_of(&stack, "/api/v1/users/me", token).await.0,
        StatusCode::OK
    );
    assert_eq!(
        status_of(&stack, "/api/v1/timetables", token).await.0,
        StatusCode::OK
    );
    assert_eq!(
        stack.sign_in_with("outage", support::PASSWORD).await.status,
        StatusCode::OK
    );
}
