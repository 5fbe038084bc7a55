//! The server every service runs: its routes plus health (always),
//! reflection (when [`ServerSettings::reflection`] is on), a span per RPC and
//! the bearer-token layer, until the shutdown future resolves; then health
//! turns `NOT_SERVING` and in-flight RPCs drain. While what the server
//! needs is unreachable ([`ServeOptions::readiness`]: its database), health
//! is `NOT_SERVING` too, and turns back by itself; the name `liveness`
//! stays `SERVING` for as long as the process serves, for a liveness probe
//! that must not restart a process over a database outage. Prometheus metrics are
//! served on a listener of their own ([`ServerSettings::metrics_addr`]),
//! never on the gRPC port: whoever may call a service need not read its
//! metrics, and the other way round.

use std::{
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use tokio::net::TcpListener;
use tokio_stream::{StreamExt, wrappers::TcpListenerStream};
use tonic::{service::Routes, transport::Server};
use tonic_health::{
    ServingStatus,
    server::{HealthReporter, HealthService},
};

use super::{
    auth::RequireAuthLayer,
    health::DrainingHealth,
    metrics::{BUILT_IN_SERVICES, MetricsLayer, known_methods, service_label},
};
use crate::{
    config::{self, ConfigError},
    token::TokenVerifier,
};

/// A gRPC server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Reflection could not read the descriptor sets.
    #[error("cannot build the reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] tonic::transport::Error),
    /// The metrics listener could not be bound.
    #[error("cannot listen for metrics on {addr}: {source}")]
    Metrics {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// How a service's server is exposed, beside its gRPC port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    /// Serve gRPC server reflection (v1 and v1alpha), for grpcurl
    /// (`GRPC_REFLECTION`, default on; the Kubernetes manifests turn it
    /// off, so a caller that reaches a pod cannot list its API).
    pub reflection: bool,
    /// Where Prometheus scrapes `/metrics` (`<SERVICE>_METRICS_LISTEN_ADDR`,
    /// default [`default_metrics_addr`]; empty or `off`: no metrics listener).
    /// `None` in [`ServerSettings::default`], for tests and the launcher,
    /// which serves one listener for the whole process.
    pub metrics_addr: Option<SocketAddr>,
    /// How long, at shutdown, health says `NOT_SERVING` while the server
    /// still accepts and serves, before it stops accepting and drains
    /// (`SHUTDOWN_DELAY_MS`, default 0). Load balancers and `Check` probes
    /// then learn it is going before a new connection could be refused;
    /// the Kubernetes manifests set it above their probe period.
    pub shutdown_delay: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            reflection: true,
            metrics_addr: None,
            shutdown_delay: Duration::ZERO,
        }
    }
}

impl ServerSettings {
    /// Reads `GRPC_REFLECTION`, `<prefix>_METRICS_LISTEN_ADDR` (default
    /// [`default_metrics_addr`] of `prefix`) and `SHUTDOWN_DELAY_MS`.
    pub fn from_env(prefix: &str) -> Result<Self, ConfigError> {
        Ok(ServerSettings {
            reflection: config::flag_or("GRPC_REFLECTION", true)?,
            metrics_addr: config::optional_listen_addr(
                &format!("{prefix}_METRICS_LISTEN_ADDR"),
                default_metrics_addr(prefix),
            )?,
            shutdown_delay: config::millis_or_none("SHUTDOWN_DELAY_MS", 0)?,
        })
    }
}

/// The local default of each service's metrics listener: loopback, one port
/// per service (9051 to 9053, beside gRPC's 50051 to 50053), so the three
/// run side by side on one machine; the gateway's is 9080. Any other prefix
/// has none.
pub fn default_metrics_addr(prefix: &str) -> &'static str {
    match prefix {
        "AUTH" => "127.0.0.1:9051",
        "COMMUNITY" => "127.0.0.1:9052",
        "TIMETABLE" => "127.0.0.1:9053",
        _ => "",
    }
}

/// Answers whether what a server depends on (its database) is reachable.
pub type Readiness = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// How often [`ServeOptions::readiness`] is asked, and how long an answer
/// may take before it counts as no.
pub const READINESS_INTERVAL: Duration = Duration::from_secs(1);

/// The health name that only says the process serves (for liveness probes).
pub const LIVENESS: &str = "liveness";

/// What [`serve`] needs beyond the routes.
pub struct ServeOptions {
    /// Fully qualified service names reported `SERVING` by `grpc.health.v1`.
    pub health_services: &'static [&'static str],
    /// Methods that need no token.
    pub public_methods: &'static [&'static str],
    /// Verifies bearer tokens on every other method.
    pub verifier: Arc<TokenVerifier>,
    /// Reflection and the metrics listener.
    pub server: ServerSettings,
    /// Asked every [`READINESS_INTERVAL`]; while it answers no (or not in
    /// time), every health status but [`LIVENESS`] is `NOT_SERVING`.
    pub readiness: Option<Readiness>,
}

/// Keeps the health statuses of `services` (and the server's, `""`) in
/// step with `ready`, until aborted.
async fn follow_readiness(
    ready: Readiness,
    reporter: HealthReporter,
    services: &'static [&'static str],
) {
    let mut serving = true;
    let mut ticks = tokio::time::interval(READINESS_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let now = tokio::time::timeout(READINESS_INTERVAL, ready())
            .await
            .unwrap_or(false);
        if now == serving {
            continue;
        }
        serving = now;
        let status = if now {
            tracing::info!("dependencies reachable again: health is SERVING");
            ServingStatus::Serving
        } else {
            tracing::warn!("a dependency is unreachable: health is NOT_SERVING");
            ServingStatus::NotServing
        };
        for service in services.iter().copied().chain([""]) {
            reporter.set_service_status(service, status).await;
        }
    }
}

/// Serves `routes` on `listener` with `grpc.health.v1`, server reflection
/// (v1 and v1alpha) when it is on, a span per RPC that continues the
/// caller's trace, and [`RequireAuthLayer`], until `shutdown` resolves;
/// Prometheus metrics on their own listener when one is set (stopped when
/// the server has stopped).
///
/// Then, in this order: every health status (each service's and the
/// server's, `""`) turns `NOT_SERVING`, which health watchers are told
/// before their `Watch` streams end (an open watch would otherwise hold the
/// drain forever); for [`ServerSettings::shutdown_delay`] it goes on
/// accepting and serving, so probes see `NOT_SERVING` first; the listener
/// stops accepting; in-flight RPCs finish; it returns.
pub async fn serve(
    routes: Routes,
    options: ServeOptions,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let draining = Arc::new(AtomicBool::new(false));
    let reporter = HealthReporter::new();
    let health = tonic_health::pb::health_server::HealthServer::new(DrainingHealth {
        inner: HealthService::from_health_reporter(reporter.clone()),
        draining: draining.clone(),
    });
    for service in options.health_services.iter().chain(&[LIVENESS]) {
        reporter
            .set_service_status(*service, ServingStatus::Serving)
            .await;
    }
    let health_services = options.health_services;
    let shutdown_delay = options.server.shutdown_delay;
    let readiness = options
        .readiness
        .map(|ready| tokio::spawn(follow_readiness(ready, reporter.clone(), health_services)));
    let stop_readiness = readiness
        .as_ref()
        .map(tokio::task::JoinHandle::abort_handle);
    let shutdown = async move {
        shutdown.await;
        if let Some(readiness) = stop_readiness {
            readiness.abort();
        }
        // Watchers first learn NOT_SERVING, then their streams end.
        draining.store(true, Ordering::SeqCst);
        for service in health_services.iter().copied().chain(["", LIVENESS]) {
            reporter
                .set_service_status(service, ServingStatus::NotServing)
                .await;
        }
        if !shutdown_delay.is_zero() {
            tracing::info!(
                delay_ms = shutdown_delay.as_millis(),
                "health is NOT_SERVING; still serving until the shutdown delay has passed"
            );
            tokio::time::sleep(shutdown_delay).await;
        }
        tracing::info!("health is NOT_SERVING; draining in-flight RPCs");
    };
    let mut routes = routes.add_service(health);
    if options.server.reflection {
        // Reflection advertises only what this server serves (the
        // descriptor set holds every service of the workspace).
        let reflection_builder = || {
            options
                .health_services
                .iter()
                .copied()
                .chain(BUILT_IN_SERVICES)
                .fold(
                    tonic_reflection::server::Builder::configure()
                        .register_encoded_file_descriptor_set(everytime_proto::FILE_DESCRIPTOR_SET)
                        .register_encoded_file_descriptor_set(
                            tonic_health::pb::FILE_DESCRIPTOR_SET,
                        ),
                    |builder, service| builder.with_service_name(service),
                )
        };
        routes = routes
            .add_service(reflection_builder().build_v1()?)
            .add_service(reflection_builder().build_v1alpha()?);
    }
    let metrics = match options.server.metrics_addr {
        Some(addr) => Some(
            crate::metrics::Beside::bind(addr)
                .await
                .map_err(|source| ServeError::Metrics { addr, source })?,
        ),
        None => None,
    };
    let service = service_label(options.health_services);
    let known = Arc::new(known_methods(options.health_services));

    let served = Server::builder()
        .accept_http1(true)
        .trace_fn(|request| {
            let span = tracing::info_span!(
                "grpc",
                otel.kind = "server",
                otel.name = %request.uri().path(),
                rpc.system = "grpc",
                rpc.method = %request.uri().path(),
                trace_id = tracing::field::Empty,
            );
            crate::telemetry::continue_trace(&span, request.headers());
            span
        })
        .layer(MetricsLayer { service, known })
        .layer(RequireAuthLayer::new(
            options.verifier,
            options.public_methods,
        ))
        .add_routes(routes)
        .serve_with_incoming_shutdown(
            TcpListenerStream::new(listener).map(|stream| stream.inspect(no_delay)),
            shutdown,
        )
        .await;
    if let Some(readiness) = readiness {
        readiness.abort();
    }
    if let Some(metrics) = metrics {
        metrics.stop().await;
    }
    served?;
    Ok(())
}

/// Turns Nagle's algorithm off on an accepted connection. An RPC's answer
/// goes out as separate HTTP/2 writes (headers and data, then trailers);
/// with Nagle on, the last one waits for the client's delayed ACK, about
/// 40 ms per call. (tonic sets this only on listeners it binds itself.)
fn no_delay(stream: &tokio::net::TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "cannot set TCP_NODELAY");
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tonic_health::pb::HealthCheckRequest;

    use super::*;
    use crate::grpc::channel;

    /// Serves nothing but health and reflection as if it were community,
    /// until `stop` fires.
    async fn bare_server(
        stop: tokio::sync::oneshot::Receiver<()>,
    ) -> (
        std::net::SocketAddr,
        tokio::task::JoinHandle<Result<(), ServeError>>,
    ) {
        bare_server_with(stop, ServerSettings::default(), None).await
    }

    /// [`bare_server`] with these settings.
    async fn bare_server_with(
        stop: tokio::sync::oneshot::Receiver<()>,
        server: ServerSettings,
        readiness: Option<Readiness>,
    ) -> (
        std::net::SocketAddr,
        tokio::task::JoinHandle<Result<(), ServeError>>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("an address");
        let verifier = Arc::new(TokenVerifier::new(
            "everytime-auth",
            "everytime",
            Arc::new(crate::token::StaticKeys(Vec::new())),
        ));
        let server = tokio::spawn(serve(
            Routes::default(),
            ServeOptions {
                health_services: &["everytime.community.v1.CommunityService"],
                public_methods: &[],
                verifier,
                server,
                readiness,
            },
            listener,
            async move {
                let _ = stop.await;
            },
        ));
        (addr, server)
    }

    #[tokio::test]
    async fn on_shutdown_health_turns_not_serving_before_the_server_stops() {
        use tonic_health::pb::{
            health_check_response::ServingStatus as Reported, health_client::HealthClient,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let (addr, server) = bare_server(stopped).await;
        let mut health = HealthClient::new(
            channel(&format!("http://{addr}"), Duration::from_secs(5)).expect("a channel"),
        );
        let mut watches = Vec::new();
        for service in ["everytime.community.v1.CommunityService", ""] {
            let mut watch = health
                .watch(HealthCheckRequest {
                    service: service.into(),
                })
                .await
                .expect("watches")
                .into_inner();
            let first = watch.message().await.expect("a status").expect("a status");
            assert_eq!(first.status(), Reported::Serving, "{service:?}");
            watches.push(watch);
        }

        stop.send(()).expect("the server listens for the stop");
        for mut watch in watches {
            let told = tokio::time::timeout(Duration::from_secs(5), watch.message())
                .await
                .expect("told in time")
                .expect("a status")
                .expect("a status before the end");
            assert_eq!(told.status(), Reported::NotServing);
            let end = tokio::time::timeout(Duration::from_secs(5), watch.message())
                .await
                .expect("the watch ends in time")
                .expect("ends cleanly");
            assert!(end.is_none(), "the watch ends: {end:?}");
        }
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("open watches do not hold the drain")
            .expect("joins")
            .expect("stops cleanly");
    }

    #[tokio::test]
    async fn during_the_shutdown_delay_new_connections_are_served_and_told_not_serving() {
        use tonic_health::pb::{
            health_check_response::ServingStatus as Reported, health_client::HealthClient,
        };
        let delay = Duration::from_millis(800);
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let (addr, server) = bare_server_with(
            stopped,
            ServerSettings {
                shutdown_delay: delay,
                ..ServerSettings::default()
            },
            None,
        )
        .await;
        let check = || async move {
            // A new channel each time: a new connection.
            let mut health = HealthClient::new(
                channel(&format!("http://{addr}"), Duration::from_secs(5)).expect("a channel"),
            );
            health
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .map(|answer| answer.into_inner().status())
        };
        assert_eq!(check().await.expect("answers"), Reported::Serving);

        let stopping = std::time::Instant::now();
        stop.send(()).expect("the server listens for the stop");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            check().await.expect("a new connection is still served"),
            Reported::NotServing
        );
        assert!(!server.is_finished(), "it waits out the delay");
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("stops in time")
            .expect("joins")
            .expect("stops cleanly");
        assert!(
            stopping.elapsed() >= delay,
            "it stopped accepting only after the delay: {:?}",
            stopping.elapsed()
        );
        assert!(
            check().await.is_err(),
            "after the delay new connections are refused"
        );
    }

    #[tokio::test]
    async fn health_follows_readiness_and_liveness_does_not() {
        use tonic_health::pb::{
            health_check_response::ServingStatus as Reported, health_client::HealthClient,
        };
        let up = Arc::new(AtomicBool::new(true));
        let flag = up.clone();
        let readiness: Readiness = Arc::new(move || {
            let up = flag.load(Ordering::SeqCst);
            Box::pin(async move { up })
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let (addr, server) =
            bare_server_with(stopped, ServerSettings::default(), Some(readiness)).await;
        let health = HealthClient::new(
            channel(&format!("http://{addr}"), Duration::from_secs(5)).expect("a channel"),
        );
        let status = |service: &'static str| {
            let mut health = health.clone();
            async move {
                health
                    .check(HealthCheckRequest {
                        service: service.into(),
                    })
                    .await
                    .expect("answers")
                    .into_inner()
                    .status()
            }
        };
        let community = "everytime.community.v1.CommunityService";
        let until = |service: &'static str, wanted: Reported| async move {
            for _ in 0..100 {
                if status(service).await == wanted {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("{service:?} never turned {wanted:?}");
        };
        for service in ["", community, LIVENESS] {
            assert_eq!(status(service).await, Reported::Serving, "{service:?}");
        }

        up.store(false, Ordering::SeqCst);
        until("", Reported::NotServing).await;
        assert_eq!(status(community).await, Reported::NotServing);
        assert_eq!(status(LIVENESS).await, Reported::Serving);

        up.store(true, Ordering::SeqCst);
        until("", Reported::Serving).await;
        assert_eq!(status(community).await, Reported::Serving);

        stop.send(()).expect("the server listens for the stop");
        server.await.expect("joins").expect("stops cleanly");
    }

    /// `GET path` over HTTP/1.1 on a fresh connection: the whole answer.
    async fn http_get(addr: SocketAddr, path: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // The server binds its metrics listener once its task runs.
        let mut tries = 0;
        let mut stream = loop {
            match tokio::net::TcpStream::connect(addr).await {
                Ok(stream) => break stream,
                Err(error) if tries < 100 => {
                    tries += 1;
                    tracing::debug!(%error, "not listening yet");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(error) => panic!("cannot connect to {addr}: {error}"),
            }
        };
        stream
            .write_all(
                format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await
            .expect("sends");
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
            .await
            .expect("answers in time")
            .expect("reads");
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// A port nothing listens on now (bound, then let go).
    fn free_addr() -> SocketAddr {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
    }

    #[tokio::test]
    async fn metrics_are_served_on_their_own_listener_and_not_on_the_grpc_port() {
        let metrics_addr = free_addr();
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let (addr, server) = bare_server_with(
            stopped,
            ServerSettings {
                metrics_addr: Some(metrics_addr),
                ..ServerSettings::default()
            },
            None,
        )
        .await;
        crate::metrics::record_rpc("community", "/probe.Svc/Probe", "OK", 0.001);

        let page = http_get(metrics_addr, "/metrics").await;
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(
            page.to_ascii_lowercase()
                .contains("content-type: text/plain; version=0.0.4"),
            "{page}"
        );
        assert!(page.contains("grpc_server_requests_total"), "{page}");
        let other = http_get(metrics_addr, "/other").await;
        assert!(other.starts_with("HTTP/1.1 404"), "{other}");

        // The gRPC port answers `/metrics` as any path it does not serve:
        // no page, gRPC status UNIMPLEMENTED.
        let on_grpc = http_get(addr, "/metrics").await;
        assert!(on_grpc.contains("grpc-status: 12"), "{on_grpc}");
        assert!(!on_grpc.contains("grpc_server_requests_total"), "{on_grpc}");

        stop.send(()).expect("the server listens for the stop");
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("stops in time")
            .expect("joins")
            .expect("stops cleanly");
        assert!(
            tokio::net::TcpStream::connect(metrics_addr).await.is_err(),
            "the metrics listener stops with the server"
        );
    }

    /// Asks `addr`'s reflection service to list the services.
    async fn list_services(addr: SocketAddr) -> Result<Vec<String>, tonic::Status> {
        use tonic_reflection::pb::v1::{
            ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
            server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        };
        let channel =
            channel(&format!("http://{addr}"), Duration::from_secs(5)).expect("a channel");
        let mut stream = ServerReflectionClient::new(channel)
            .server_reflection_info(tokio_stream::iter([ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::ListServices(String::new())),
            }]))
            .await?
            .into_inner();
        match stream.message().await?.and_then(|r| r.message_response) {
            Some(MessageResponse::ListServicesResponse(list)) => {
                Ok(list.service.into_iter().map(|s| s.name).collect())
            }
            other => Err(tonic::Status::internal(format!("{other:?}"))),
        }
    }

    #[tokio::test]
    async fn reflection_lists_the_services_when_on_and_is_unimplemented_when_off() {
        for reflection in [true, false] {
            let (stop, stopped) = tokio::sync::oneshot::channel();
            let (addr, server) = bare_server_with(
                stopped,
                ServerSettings {
                    reflection,
                    ..ServerSettings::default()
                },
                None,
            )
            .await;
            let listed = list_services(addr).await;
            if reflection {
                let listed = listed.expect("reflection answers");
                assert!(
                    listed.contains(&"everytime.community.v1.CommunityService".to_owned()),
                    "{listed:?}"
                );
            } else {
                let status = listed.expect_err("no reflection");
                assert_eq!(status.code(), tonic::Code::Unimplemented, "{status:?}");
            }
            // Health is always on.
            let mut health = tonic_health::pb::health_client::HealthClient::new(
                channel(&format!("http://{addr}"), Duration::from_secs(5)).expect("a channel"),
            );
            health
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .expect("health answers");
            stop.send(()).expect("the server listens for the stop");
            server.await.expect("joins").expect("stops cleanly");
        }
    }
}
