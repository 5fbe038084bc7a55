//! Balanced `dns:///` channels, against real tonic servers on 127.0.0.1 and
//! a fake resolver the tests control.

use std::{
    io,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use everytime_common::{balance, grpc};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{
    Code, Status,
    transport::{Channel, Endpoint, Server},
};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// How often the channels under test look their addresses up again.
const REFRESH: Duration = Duration::from_millis(100);

/// The per-call deadline of the channels under test.
const DEADLINE: Duration = Duration::from_secs(2);

/// Longer than any call may take: past it, a call counts as hung.
const HUNG: Duration = Duration::from_secs(4);

/// A `grpc.health.v1` server on 127.0.0.1 that counts the calls it serves.
struct Backend {
    addr: SocketAddr,
    calls: Arc<AtomicUsize>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Backend {
    /// Starts on a free port.
    async fn start() -> Backend {
        Backend::start_on("127.0.0.1:0".parse().expect("an address")).await
    }

    /// Starts on `addr` (again, after [`Backend::stop`]).
    async fn start_on(addr: SocketAddr) -> Backend {
        let listener = TcpListener::bind(addr).await.expect("binds");
        let addr = listener.local_addr().expect("an address");
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let (_reporter, health) = tonic_health::server::health_reporter();
        let health = tonic::service::interceptor::InterceptedService::new(health, move |request| {
            counted.fetch_add(1, Ordering::SeqCst);
            Ok(request)
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            Server::builder()
                .add_service(health)
                .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
                    let _ = stopped.await;
                })
                .await
                .expect("serves");
        });
        Backend {
            addr,
            calls,
            stop: Some(stop),
            task: Some(task),
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Stops serving and closes the port.
    async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(HUNG, task)
                .await
                .expect("stops in time")
                .expect("joins");
        }
    }
}

/// A resolver whose answer the test sets: some addresses, none, or an error.
#[derive(Clone, Default)]
struct FakeDns {
    answer: Arc<Mutex<Option<Vec<SocketAddr>>>>,
    lookups: Arc<AtomicUsize>,
}

impl FakeDns {
    fn answering(addresses: &[SocketAddr]) -> FakeDns {
        let dns = FakeDns::default();
        dns.answer(addresses);
        dns
    }

    fn answer(&self, addresses: &[SocketAddr]) {
        *self.answer.lock().expect("not poisoned") = Some(addresses.to_vec());
    }

    fn fail(&self) {
        *self.answer.lock().expect("not poisoned") = None;
    }

    fn lookups(&self) -> usize {
        self.lookups.load(Ordering::SeqCst)
    }

    /// A channel to "backend.test:50051" whose addresses come from `self`.
    fn channel(&self) -> Channel {
        let dns = self.clone();
        let resolve = move || {
            dns.lookups.fetch_add(1, Ordering::SeqCst);
            let answer = dns.answer.lock().expect("not poisoned").clone();
            async move { answer.ok_or_else(|| io::Error::other("SERVFAIL")) }
        };
        balance::balanced("backend.test:50051", endpoint, resolve, REFRESH).expect("a channel")
    }
}

/// An endpoint with our usual settings, as `grpc::channel` makes them.
fn endpoint(addr: SocketAddr) -> Result<Endpoint, tonic::transport::Error> {
    Ok(Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(Duration::from_secs(1))
        .timeout(DEADLINE))
}

/// One health check; panics if it takes longer than [`HUNG`].
async fn call(channel: &Channel) -> Result<(), Status> {
    let mut client = HealthClient::new(channel.clone());
    let check = client.check(HealthCheckRequest {
        service: String::new(),
    });
    tokio::time::timeout(HUNG, check)
        .await
        .expect("the call does not hang")
        .map(drop)
}

/// Calls until `count` calls in a row succeed; panics if that takes longer
/// than `within`. Returns how many calls failed first.
async fn until_calls_succeed(channel: &Channel, count: usize, within: Duration) -> usize {
    let deadline = Instant::now() + within;
    let (mut in_a_row, mut failed) = (0, 0);
    while in_a_row < count {
        assert!(
            Instant::now() < deadline,
            "{count} calls in a row did not succeed within {within:?}"
        );
        match call(channel).await {
            Ok(()) => in_a_row += 1,
            Err(status) => {
                assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                in_a_row = 0;
                failed += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    failed
}

/// Waits for the refresher to see a new answer, and the balancer to take it.
async fn refreshes(channel: &Channel) {
    tokio::time::sleep(REFRESH * 3).await;
    // The balancer reads its updates when a call comes.
    let _ = call(channel).await;
}

#[tokio::test]
async fn calls_are_spread_over_every_resolved_address() {
    let (a, b) = (Backend::start().await, Backend::start().await);
    let channel = FakeDns::answering(&[a.addr, b.addr]).channel();
    until_calls_succeed(&channel, 1, HUNG).await;
    refreshes(&channel).await;
    let (before_a, before_b) = (a.calls(), b.calls());

    for _ in 0..200 {
        call(&channel).await.expect("served");
    }

    let (to_a, to_b) = (a.calls() - before_a, b.calls() - before_b);
    assert_eq!(to_a + to_b, 200);
    assert!(to_a >= 40 && to_b >= 40, "a got {to_a}, b got {to_b}");
}

#[tokio::test]
async fn an_address_that_leaves_dns_gets_no_more_calls_and_one_that_joins_does() {
    let (a, b) = (Backend::start().await, Backend::start().await);
    let dns = FakeDns::answering(&[a.addr, b.addr]);
    let channel = dns.channel();
    until_calls_succeed(&channel, 1, HUNG).await;

    dns.answer(&[a.addr]);
    refreshes(&channel).await;
    let (before_a, before_b) = (a.calls(), b.calls());
    for _ in 0..100 {
        call(&channel).await.expect("served");
    }
    assert_eq!(a.calls() - before_a, 100);
    assert_eq!(b.calls() - before_b, 0, "b left DNS");

    dns.answer(&[a.addr, b.addr]);
    refreshes(&channel).await;
    let before_b = b.calls();
    for _ in 0..100 {
        call(&channel).await.expect("served");
    }
    assert!(b.calls() - before_b >= 20, "b is back in DNS");
}

/// Defined behaviour: once a server stops while DNS still lists it, a call
/// that still goes to it fails fast with UNAVAILABLE (never hangs), and
/// within a few refreshes the channel stops using it, so every call
/// succeeds on the others. When it is back on the same address it gets
/// calls again.
#[tokio::test]
async fn a_stopped_server_still_in_dns_is_skipped_within_a_refresh_and_used_again_when_back() {
    let (a, mut b) = (Backend::start().await, Backend::start().await);
    let channel = FakeDns::answering(&[a.addr, b.addr]).channel();
    until_calls_succeed(&channel, 1, HUNG).await;

    b.stop().await;
    let started = Instant::now();
    until_calls_succeed(&channel, 50, Duration::from_secs(2)).await;
    let before_a = a.calls();
    for _ in 0..100 {
        call(&channel).await.expect("served by a");
    }
    assert_eq!(a.calls() - before_a, 100);
    assert!(started.elapsed() < Duration::from_secs(3));

    let b = Backend::start_on(b.addr).await;
    refreshes(&channel).await;
    for _ in 0..100 {
        call(&channel).await.expect("served");
    }
    assert!(b.calls() >= 20, "b is back: {} calls", b.calls());
}

#[tokio::test]
async fn when_the_only_server_is_down_calls_fail_fast_and_recover_when_it_is_back() {
    let mut a = Backend::start().await;
    let channel = FakeDns::answering(&[a.addr]).channel();
    until_calls_succeed(&channel, 1, HUNG).await;

    a.stop().await;
    refreshes(&channel).await;
    for _ in 0..5 {
        let started = Instant::now();
        let status = call(&channel).await.expect_err("the server is down");
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    let a = Backend::start_on(a.addr).await;
    until_calls_succeed(&channel, 10, Duration::from_secs(2)).await;
    assert!(a.calls() >= 10);
}

#[tokio::test]
async fn with_no_address_ever_resolved_a_call_fails_fast_with_unavailable() {
    let empty = FakeDns::answering(&[]);
    let failing = FakeDns::default();
    for dns in [empty, failing] {
        let channel = dns.channel();
        for _ in 0..3 {
            let started = Instant::now();
            let status = call(&channel).await.expect_err("nothing to call");
            assert_eq!(status.code(), Code::Unavailable, "{status:?}");
            assert!(started.elapsed() < Duration::from_secs(2));
            tokio::time::sleep(REFRESH).await;
        }
        assert!(dns.lookups() >= 2, "it keeps asking");
    }
}

#[tokio::test]
async fn before_the_first_lookup_answers_a_call_fails_fast_with_unavailable() {
    let resolve = || std::future::pending::<io::Result<Vec<SocketAddr>>>();
    let channel = balance::balanced("backend.test:50051", endpoint, resolve, REFRESH * 100)
        .expect("a channel");

    let started = Instant::now();
    let status = call(&channel).await.expect_err("nothing to call");

    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn once_dns_answers_calls_succeed() {
    let a = Backend::start().await;
    let dns = FakeDns::answering(&[]);
    let channel = dns.channel();
    call(&channel).await.expect_err("nothing to call yet");

    dns.answer(&[a.addr]);

    until_calls_succeed(&channel, 10, Duration::from_secs(2)).await;
    assert!(a.calls() >= 10);
}

#[tokio::test]
async fn a_lookup_that_fails_or_answers_nothing_keeps_the_last_known_addresses() {
    let a = Backend::start().await;
    let dns = FakeDns::answering(&[a.addr]);
    let channel = dns.channel();
    until_calls_succeed(&channel, 1, HUNG).await;

    for outage in [FakeDns::fail as fn(&FakeDns), |dns| dns.answer(&[])] {
        outage(&dns);
        let lookups = dns.lookups();
        refreshes(&channel).await;
        assert!(dns.lookups() > lookups, "it looked again");
        for _ in 0..20 {
            call(&channel).await.expect("still served by a");
        }
    }
}

#[tokio::test]
async fn every_balanced_call_has_the_deadline() {
    // Accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = silent.local_addr().expect("an address");
    let _held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    let channel = grpc::channel(&format!("dns:///{addr}"), DEADLINE).expect("a channel");
    refreshes(&channel).await;

    let started = Instant::now();
    let status = call(&channel).await.expect_err("no answer");

    let took = started.elapsed();
    assert!(
        took >= DEADLINE / 2 && took < DEADLINE * 3 / 2,
        "{took:?}, {status:?}"
    );
}

#[tokio::test]
async fn the_refresher_stops_when_the_channel_is_dropped() {
    let a = Backend::start().await;
    let dns = FakeDns::answering(&[a.addr]);
    let channel = dns.channel();
    until_calls_succeed(&channel, 1, HUNG).await;
    let copy = channel.clone();

    drop(channel);
    refreshes(&copy).await;
    assert!(dns.lookups() >= 2, "a live clone keeps it running");
    drop(copy);
    tokio::time::sleep(REFRESH * 3).await;
    let lookups = dns.lookups();
    tokio::time::sleep(REFRESH * 5).await;

    assert_eq!(
        dns.lookups(),
        lookups,
        "no lookups once the channel is gone"
    );
}

#[tokio::test]
async fn a_dns_url_balances_over_what_the_system_resolver_says() {
    let a = Backend::start().await;
    // `localhost` may also resolve to ::1, where nothing listens: the
    // channel must skip it.
    let channel =
        grpc::channel(&format!("dns:///localhost:{}", a.addr.port()), DEADLINE).expect("a channel");

    until_calls_succeed(&channel, 1, HUNG).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..20 {
        call(&channel).await.expect("served");
    }
    assert!(a.calls() >= 20);
}

#[tokio::test]
async fn a_plain_http_url_connects_lazily_to_one_server_as_before() {
    // The port is known before anything listens on it.
    let free = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = free.local_addr().expect("an address");
    drop(free);
    let channel = grpc::channel(&format!("http://{addr}"), DEADLINE).expect("a channel");
    let status = call(&channel).await.expect_err("nothing listens yet");
    assert_eq!(status.code(), Code::Unavailable);

    let a = Backend::start_on(addr).await;

    until_calls_succeed(&channel, 10, Duration::from_secs(2)).await;
    assert!(a.calls() >= 10);
}

#[tokio::test]
async fn a_dns_url_needs_host_and_port() {
    for url in [
        "dns:///auth",
        "dns:///auth:50051/path",
        "dns://8.8.8.8/auth:50051",
        "dns:auth:50051",
    ] {
        assert!(grpc::channel(url, DEADLINE).is_err(), "{url}");
    }
    assert!(grpc::channel("dns:///auth:50051", DEADLINE).is_ok());
}
