//! The server every service runs: its routes plus health, reflection,
//! `/metrics`, a span per RPC and the bearer-token layer, until the
//! shutdown future resolves; then health turns `NOT_SERVING` and in-flight
//! RPCs drain.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
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
    metrics::{BUILT_IN_SERVICES, METRICS_PATH, MetricsLayer, known_methods, service_label},
};
use crate::token::TokenVerifier;

/// A gRPC server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Reflection could not read the descriptor sets.
    #[error("cannot build the reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] tonic::transport::Error),
}

/// What [`serve`] needs beyond the routes.
pub struct ServeOptions {
    /// Fully qualified service names reported `SERVING` by `grpc.health.v1`.
    pub health_services: &'static [&'static str],
    /// Methods that need no token.
    pub public_methods: &'static [&'static str],
    /// Verifies bearer tokens on every other method.
    pub verifier: Arc<TokenVerifier>,
}

/// Serves `routes` on `listener` with `grpc.health.v1`, server reflection
/// (v1 and v1alpha), Prometheus metrics at `/metrics` (HTTP/1.1 on the same
/// port), a span per RPC that continues the caller's trace, and
/// [`RequireAuthLayer`], until `shutdown` resolves.
///
/// Then, in this order: every health status (each service's and the
/// server's, `""`) turns `NOT_SERVING`, which health watchers are told
/// before their `Watch` streams end (an open watch would otherwise hold the
/// drain forever); the listener stops accepting; in-flight RPCs finish; it
/// returns.
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
    for service in options.health_services {
        reporter
            .set_service_status(*service, ServingStatus::Serving)
            .await;
    }
    let health_services = options.health_services;
    let shutdown = async move {
        shutdown.await;
        // Watchers first learn NOT_SERVING, then their streams end.
        draining.store(true, Ordering::SeqCst);
        for service in health_services.iter().copied().chain([""]) {
            reporter
                .set_service_status(service, ServingStatus::NotServing)
                .await;
        }
        tracing::info!("health is NOT_SERVING; draining in-flight RPCs");
    };
    // Reflection advertises only what this server serves (the descriptor
    // set holds every service of the workspace).
    let reflection_builder = || {
        options
            .health_services
            .iter()
            .copied()
            .chain(BUILT_IN_SERVICES)
            .fold(
                tonic_reflection::server::Builder::configure()
                    .register_encoded_file_descriptor_set(everytime_proto::FILE_DESCRIPTOR_SET)
                    .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET),
                |builder, service| builder.with_service_name(service),
            )
    };
    let reflection = reflection_builder().build_v1()?;
    let reflection_alpha = reflection_builder().build_v1alpha()?;
    let mut routes = routes
        .add_service(health)
        .add_service(reflection)
        .add_service(reflection_alpha);
    let router = std::mem::take(routes.axum_router_mut());
    *routes.axum_router_mut() = router.route(
        METRICS_PATH,
        axum::routing::get(|| async { crate::metrics::render_with_pools() }),
    );
    let service = service_label(options.health_services);
    let known = Arc::new(known_methods(options.health_services));

    Server::builder()
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
        .await?;
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
}
