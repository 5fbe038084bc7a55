//! Prometheus metrics, rendered at `/metrics` on a listener of their own
//! ([`serve`]), never on a public or gRPC port: the gateway's
//! (`GATEWAY_METRICS_LISTEN_ADDR`), each service's
//! (`<SERVICE>_METRICS_LISTEN_ADDR`), or the one-process launcher's single
//! `METRICS_LISTEN_ADDR` (the recorder is one per process, so one page holds
//! every part's series). What can reach that port is the deployment's
//! choice (a NetworkPolicy in Kubernetes); the public Ingress never does.
//!
//! - `grpc_server_requests_total{service, method, code}` and
//!   `grpc_server_request_duration_seconds{service, method}`: each RPC.
//!   `method` is the full path (`/everytime.auth.v1.UserService/GetMe`) of a
//!   method the server serves, and `unknown` for any other path, so made-up
//!   paths cannot grow the number of series.
//! - `http_server_requests_total{method, route, status}` and
//!   `http_server_request_duration_seconds{method, route}`: the gateway,
//!   labelled by route template (not raw path), so cardinality stays bounded.
//! - `db_pool_connections{service, state}` (`idle`, `in_use`) and
//!   `db_pool_max_connections{service}`: each service's pool, read at scrape
//!   time through the probe its owner registered with [`watch_pool`] (this
//!   module knows nothing of databases; [`crate::db`] registers its pools).

use std::{
    future::Future,
    sync::{Mutex, OnceLock, PoisonError},
};

use axum::{http::header, response::IntoResponse};
use tokio::net::TcpListener;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets, in seconds: 1 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often the recorder folds the samples histograms have taken since
/// into their buckets.
pub const UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// The process-wide recorder, installed on first use (every `record_*`
/// makes sure it is, so nothing is recorded into the void before it).
///
/// A histogram keeps each observation until the next upkeep folds it into
/// its buckets; the recorder does that when a page is rendered, and a
/// thread of its own does it every [`UPKEEP_INTERVAL`], so memory stays flat
/// when nothing scrapes (without it, every request kept 8 bytes per
/// histogram for good: megabytes an hour under load).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_duration_seconds".into()), LATENCY_BUCKETS)
            .expect("the buckets are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (tests, embedding);
        // then this handle renders an empty page rather than failing.
        let _ = metrics::set_global_recorder(recorder);
        let upkeep = handle.clone();
        let started = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_INTERVAL);
                    upkeep.run_upkeep();
                }
            });
        if let Err(error) = started {
            tracing::warn!(%error, "cannot start the metrics upkeep thread");
        }
        handle
    })
}

/// The text exposition format of every metric.
pub fn render() -> String {
    handle().render()
}

/// A pool's connection counts at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolGauges {
    /// Open connections.
    pub size: u32,
    /// Of those, idle ones.
    pub idle: usize,
    /// The most it may open.
    pub max: u32,
}

/// Reads one pool's gauges at scrape time; `None` once the pool is closed,
/// which unregisters it.
type PoolProbe = Box<dyn Fn() -> Option<PoolGauges> + Send>;

/// Every pool registered with [`watch_pool`]: its registration id, service
/// and probe.
static POOLS: Mutex<Vec<(u64, &'static str, PoolProbe)>> = Mutex::new(Vec::new());

/// Has the gauges of `service`'s pool read from `probe` at every
/// [`render_with_pools`], until `probe` answers `None` (the pool closed) or
/// [`unwatch_pool`] is called with the returned id.
pub fn watch_pool(
    service: &'static str,
    probe: impl Fn() -> Option<PoolGauges> + Send + 'static,
) -> u64 {
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    POOLS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((id, service, Box::new(probe)));
    id
}

/// Forgets the pool registered as `id`, and with it whatever its probe holds.
pub fn unwatch_pool(id: u64) {
    // Take the entry out first: dropping a probe may drop a pool, which
    // must not happen with the registry locked.
    let removed: Vec<_> = {
        let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
        let (gone, kept) = std::mem::take(&mut *pools)
            .into_iter()
            .partition(|(entry, _, _)| *entry == id);
        *pools = kept;
        gone
    };
    drop(removed);
}

/// Reads every registered pool's gauges, then renders.
pub fn render_with_pools() -> String {
    let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    pools.retain(|(_, service, probe)| match probe() {
        Some(gauges) => {
            record_pool(service, gauges.size, gauges.idle, gauges.max);
            true
        }
        None => false,
    });
    drop(pools);
    render()
}

/// The path the metrics listener answers.
pub const METRICS_PATH: &str = "/metrics";

/// Serves `GET /metrics` ([`render_with_pools`]) on `listener`, and `404`
/// on every other path, until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = axum::Router::new().route(
        METRICS_PATH,
        axum::routing::get(|| async {
            (
                [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                render_with_pools(),
            )
                .into_response()
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// A metrics listener running beside a server, stopped when this is
/// dropped (the server it belongs to has stopped).
#[derive(Debug)]
pub struct Beside {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Beside {
    /// Binds `addr` and serves metrics on it in a task.
    pub async fn bind(addr: std::net::SocketAddr) -> std::io::Result<Beside> {
        let listener = TcpListener::bind(addr).await?;
        tracing::info!(addr = %listener.local_addr()?, "metrics listening");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, async move {
            let _ = stopped.await;
        }));
        Ok(Beside {
            stop: Some(stop),
            task,
        })
    }

    /// Stops the listener and waits until it has.
    pub async fn stop(mut self) {
        self.stop.take();
        if let Ok(Err(error)) = (&mut self.task).await {
            tracing::warn!(%error, "the metrics listener failed");
        }
    }
}

impl Drop for Beside {
    fn drop(&mut self) {
        // Dropped without `stop` (the server's future was dropped): end the
        // listener at once so its port is free again.
        if self.stop.take().is_some() {
            self.task.abort();
        }
    }
}

/// Records one finished RPC.
pub fn record_rpc(service: &'static str, method: &str, code: &str, seconds: f64) {
    handle();
    let method = method.to_owned();
    metrics::counter!(
        "grpc_server_requests_total",
        "service" => service,
        "method" => method.clone(),
        "code" => code.to_owned()
    )
    .increment(1);
    metrics::histogram!(
        "grpc_server_request_duration_seconds",
        "service" => service,
        "method" => method
    )
    .record(seconds);
}

/// Records one finished HTTP request of the gateway.
pub fn record_http(method: &str, route: &str, status: u16, seconds: f64) {
    handle();
    metrics::counter!(
        "http_server_requests_total",
        "method" => method.to_owned(),
        "route" => route.to_owned(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!(
        "http_server_request_duration_seconds",
        "method" => method.to_owned(),
        "route" => route.to_owned()
    )
    .record(seconds);
}

/// Sets the pool gauges of `service`.
pub fn record_pool(service: &'static str, size: u32, idle: usize, max: u32) {
    handle();
    let idle = idle as f64;
    let in_use = (f64::from(size) - idle).max(0.0);
    metrics::gauge!("db_pool_connections", "service" => service, "state" => "idle").set(idle);
    metrics::gauge!("db_pool_connections", "service" => service, "state" => "in_use").set(in_use);
    metrics::gauge!("db_pool_max_connections", "service" => service).set(f64::from(max));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_rpcs_and_pools_show_up_in_the_exposition() {
        record_rpc("test", "/pkg.Svc/Method", "OK", 0.003);
        record_pool("test", 4, 3, 10);
        let page = render();
        assert!(
            page.contains(
                r#"grpc_server_requests_total{service="test",method="/pkg.Svc/Method",code="OK"} 1"#
            ),
            "{page}"
        );
        assert!(
            page.contains("grpc_server_request_duration_seconds_bucket"),
            "{page}"
        );
        assert!(
            page.contains(r#"db_pool_connections{service="test",state="in_use"} 1"#),
            "{page}"
        );
    }

    #[test]
    fn a_watched_pool_is_read_at_every_scrape_until_it_closes() {
        let open = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let probe_open = open.clone();
        watch_pool("watched", move || {
            probe_open
                .load(std::sync::atomic::Ordering::SeqCst)
                .then_some(PoolGauges {
                    size: 5,
                    idle: 2,
                    max: 8,
                })
        });
        let page = render_with_pools();
        assert!(
            page.contains(r#"db_pool_connections{service="watched",state="in_use"} 3"#),
            "{page}"
        );
        assert!(
            page.contains(r#"db_pool_max_connections{service="watched"} 8"#),
            "{page}"
        );
        open.store(false, std::sync::atomic::Ordering::SeqCst);
        render_with_pools();
        let watched = POOLS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|(_, service, _)| *service == "watched")
            .count();
        assert_eq!(watched, 0, "a closed pool is forgotten");

        let id = watch_pool("unwatched", || None);
        unwatch_pool(id);
        assert!(
            POOLS
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .all(|(entry, _, _)| *entry != id)
        );
    }
}
