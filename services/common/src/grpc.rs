//! gRPC plumbing every service uses the same way.
//!
//! - Errors: statuses carry `google.rpc.ErrorInfo` (reason = the REST API's
//!   `code`) and, for bad input, `google.rpc.BadRequest` field violations, so
//!   the gateway can answer a precise problem+json without knowing any
//!   service's rules. Internal causes are logged, never sent.
//! - [`RequireAuthLayer`]: every RPC that is not public needs a valid bearer
//!   token; the verified [`Caller`] lands in the request extensions.
//! - [`serve`]: runs a service's routes with health, reflection, tracing,
//!   metrics and the auth layer, until the shutdown future resolves; then
//!   health turns `NOT_SERVING` and in-flight RPCs drain.
//! - [`channel`]: a client channel with a connect timeout and a deadline on
//!   every call, connecting lazily so a backend that is down at start-up is
//!   picked up when it comes back; `dns:///host:port` balances it over every
//!   address of `host` ([`crate::balance`]).

use std::{
    collections::HashSet,
    fmt::Display,
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use tokio::net::TcpListener;
use tokio_stream::{Stream, StreamExt, wrappers::TcpListenerStream};
use tonic::{
    Code, Request, Status,
    service::Routes,
    transport::{Channel, Endpoint, Server},
};
use tonic_health::{
    ServingStatus,
    pb::{HealthCheckRequest, HealthCheckResponse, health_server::Health},
    server::{HealthReporter, HealthService},
};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

use crate::{
    token::{Caller, TokenVerifier, VerifyError, bearer},
    validate::FieldError,
};

/// The `domain` of every `google.rpc.ErrorInfo` we send.
pub const ERROR_DOMAIN: &str = "everytime";

/// A status with `ErrorInfo { reason }`.
pub fn status(code: Code, reason: &str, message: impl Into<String>) -> Status {
    let mut details = ErrorDetails::new();
    details.set_error_info(reason, ERROR_DOMAIN, std::collections::HashMap::new());
    Status::with_error_details(code, message, details)
}

/// A status blaming one field, e.g. `ALREADY_EXISTS` for a taken username.
pub fn field_status(code: Code, reason: &str, field: &str, message: impl Into<String>) -> Status {
    let error = FieldError::new(field, message);
    fields_status(code, reason, error.to_string(), &[error])
}

/// A status with `ErrorInfo { reason }` and a `BadRequest` violation per
/// field in `errors`.
pub fn fields_status(
    code: Code,
    reason: &str,
    message: impl Into<String>,
    errors: &[FieldError],
) -> Status {
    let violations: Vec<FieldViolation> = errors
        .iter()
        .map(|error| FieldViolation::new(error.field.clone(), error.message.clone()))
        .collect();
    let mut details = ErrorDetails::new();
    details
        .set_error_info(reason, ERROR_DOMAIN, std::collections::HashMap::new())
        .set_bad_request(violations);
    Status::with_error_details(code, message, details)
}

/// `INVALID_ARGUMENT` naming every bad field, reason `invalid_input`.
pub fn invalid_input(errors: &[FieldError]) -> Status {
    let message = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    fields_status(Code::InvalidArgument, "invalid_input", message, errors)
}

/// `RESOURCE_EXHAUSTED` with `RetryInfo`, which the gateway turns into
/// `429` and `Retry-After`.
pub fn rate_limited(reason: &str, message: impl Into<String>, retry_after: Duration) -> Status {
    let mut details = ErrorDetails::new();
    details
        .set_error_info(reason, ERROR_DOMAIN, std::collections::HashMap::new())
        .set_retry_info(Some(retry_after));
    Status::with_error_details(Code::ResourceExhausted, message, details)
}

/// Logs `error` and answers a generic `INTERNAL`: causes stay in the logs.
pub fn internal(error: impl Display) -> Status {
    tracing::error!(%error, "internal error");
    status(Code::Internal, "internal", "internal error")
}

/// `UNAVAILABLE` for a dependency that is down; the cause is logged.
pub fn unavailable(what: &str, error: impl Display) -> Status {
    tracing::warn!(%error, what, "dependency unavailable");
    status(
        Code::Unavailable,
        "unavailable",
        format!("{what} is unavailable"),
    )
}

/// The status for a refused token.
pub fn verify_error_status(error: &VerifyError) -> Status {
    match error {
        VerifyError::KeysUnavailable(cause) => unavailable("token key service", cause),
        other => status(Code::Unauthenticated, other.code(), other.to_string()),
    }
}

/// A protobuf timestamp for a database time.
pub fn timestamp(time: chrono::DateTime<chrono::Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: time.timestamp(),
        nanos: i32::try_from(time.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// The verified caller of a request that passed [`RequireAuthLayer`].
pub fn caller<T>(request: &Request<T>) -> Result<Caller, Status> {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| {
            status(
                Code::Unauthenticated,
                "missing_token",
                "an access token is required",
            )
        })
}

/// The Prometheus endpoint, served on the gRPC port over HTTP/1.1.
pub const METRICS_PATH: &str = "/metrics";

/// Method paths anyone may call without a token: health, reflection and
/// metrics.
const ALWAYS_PUBLIC_PREFIXES: [&str; 4] = [
    METRICS_PATH,
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
];

/// A tower layer demanding a valid bearer token on every RPC except the
/// listed public methods (full paths, `/package.Service/Method`), health and
/// reflection.
#[derive(Clone)]
pub struct RequireAuthLayer {
    verifier: Arc<TokenVerifier>,
    public_methods: &'static [&'static str],
}

impl RequireAuthLayer {
    /// Checks tokens with `verifier`; `public_methods` pass without one.
    pub fn new(verifier: Arc<TokenVerifier>, public_methods: &'static [&'static str]) -> Self {
        RequireAuthLayer {
            verifier,
            public_methods,
        }
    }
}

impl<S> tower::Layer<S> for RequireAuthLayer {
    type Service = RequireAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireAuth {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service made by [`RequireAuthLayer`].
#[derive(Clone)]
pub struct RequireAuth<S> {
    inner: S,
    layer: RequireAuthLayer,
}

impl<S, B> tower::Service<http::Request<B>> for RequireAuth<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The clone that was polled ready is the one we must call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            let path = request.uri().path();
            let public = layer.public_methods.contains(&path)
                || ALWAYS_PUBLIC_PREFIXES
                    .iter()
                    .any(|prefix| path.starts_with(prefix));
            if public {
                return inner.call(request).await;
            }
            let token = request
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(bearer);
            let verified = match token {
                None => Err(VerifyError::Missing),
                Some(token) => layer.verifier.verify(token).await,
            };
            match verified {
                Ok(caller) => {
                    request.extensions_mut().insert(caller);
                    inner.call(request).await
                }
                Err(error) => Ok(verify_error_status(&error).into_http()),
            }
        })
    }
}

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
            .chain([
                "grpc.health.v1.Health",
                "grpc.reflection.v1.ServerReflection",
                "grpc.reflection.v1alpha.ServerReflection",
            ])
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

/// `auth` for `everytime.auth.v1.AuthService`: the label of a service's metrics.
fn service_label(health_services: &[&'static str]) -> &'static str {
    health_services
        .first()
        .and_then(|name| name.strip_prefix("everytime."))
        .and_then(|rest| rest.split('.').next())
        .unwrap_or("unknown")
}

/// The `grpc.health.v1` service of [`serve`]: tonic's, except that once the
/// server is draining a `Watch` stream ends right after it has told the
/// watcher `NOT_SERVING`.
struct DrainingHealth {
    inner: HealthService,
    draining: Arc<AtomicBool>,
}

#[tonic::async_trait]
impl Health for DrainingHealth {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<tonic::Response<HealthCheckResponse>, Status> {
        self.inner.check(request).await
    }

    type WatchStream = Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<tonic::Response<Self::WatchStream>, Status> {
        let statuses = self.inner.watch(request).await?.into_inner();
        Ok(tonic::Response::new(Box::pin(UntilDrained {
            statuses: Box::pin(statuses),
            draining: self.draining.clone(),
            done: false,
        })))
    }
}

/// Health statuses until the server drains and one of them says
/// `NOT_SERVING`.
struct UntilDrained {
    statuses: Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>,
    draining: Arc<AtomicBool>,
    done: bool,
}

impl Stream for UntilDrained {
    type Item = Result<HealthCheckResponse, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let polled = self.statuses.as_mut().poll_next(cx);
        if let Poll::Ready(Some(Ok(response))) = &polled
            && response.status()
                == tonic_health::pb::health_check_response::ServingStatus::NotServing
            && self.draining.load(Ordering::SeqCst)
        {
            self.done = true;
        }
        polled
    }
}

/// Every method path this server answers: the methods of the advertised
/// services, health and reflection. Any other path is counted as
/// `unknown`, so a scan of made-up paths cannot grow the metrics without
/// bound.
fn known_methods(health_services: &[&str]) -> HashSet<String> {
    use prost::Message as _;
    let served: HashSet<&str> = health_services
        .iter()
        .copied()
        .chain([
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
        ])
        .collect();
    let mut known = HashSet::new();
    for encoded in [
        everytime_proto::FILE_DESCRIPTOR_SET,
        tonic_health::pb::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
    ] {
        let Ok(set) = prost_types::FileDescriptorSet::decode(encoded) else {
            continue;
        };
        for file in set.file {
            for service in &file.service {
                let name = format!("{}.{}", file.package(), service.name());
                if served.contains(name.as_str()) {
                    known.extend(
                        service
                            .method
                            .iter()
                            .map(|method| format!("/{name}/{}", method.name())),
                    );
                }
            }
        }
    }
    known
}

/// The `method` label of a request to `path`.
fn method_label<'a>(known: &HashSet<String>, path: &'a str) -> &'a str {
    if known.contains(path) {
        path
    } else {
        "unknown"
    }
}

/// Counts and times every RPC by method and status code.
#[derive(Clone)]
struct MetricsLayer {
    service: &'static str,
    known: Arc<HashSet<String>>,
}

impl<S> tower::Layer<S> for MetricsLayer {
    type Service = Metrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Metrics {
            inner,
            service: self.service,
            known: self.known.clone(),
        }
    }
}

#[derive(Clone)]
struct Metrics<S> {
    inner: S,
    service: &'static str,
    known: Arc<HashSet<String>>,
}

impl<S, B, R> tower::Service<http::Request<B>> for Metrics<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    R: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path();
        let metrics_page = path == METRICS_PATH;
        let method = method_label(&self.known, path).to_owned();
        let service = self.service;
        let started = std::time::Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            if !metrics_page {
                // Unary errors come back "trailers-only": the status is in the
                // headers. No grpc-status header means the call succeeded.
                let code = response
                    .headers()
                    .get("grpc-status")
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.parse::<i32>().ok())
                    .map_or(Code::Ok, Code::from_i32);
                crate::metrics::record_rpc(
                    service,
                    &method,
                    &format!("{code:?}"),
                    started.elapsed().as_secs_f64(),
                );
            }
            Ok(response)
        })
    }
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

/// How long a client tries to open a connection before the call fails with
/// `UNAVAILABLE`.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// A channel to `url` that connects lazily, gives up connecting after a
/// second, and puts `timeout` on every call.
///
/// - `http://host:port`: one HTTP/2 connection, to the address `host`
///   resolves to whenever it (re)connects.
/// - `dns:///host:port`: balanced over every address `host` resolves to,
///   looked up again every 10 s ([`crate::balance`]), for headless
///   Kubernetes Services.
pub fn channel(url: &str, timeout: Duration) -> Result<Channel, tonic::transport::Error> {
    if let Some(target) = url.strip_prefix(crate::balance::DNS_SCHEME) {
        let named = Endpoint::from_shared(format!("http://{target}"))?;
        if named.uri().port().is_none() || target.contains('/') {
            return Err(invalid_url(url, "a dns:/// target is host:port"));
        }
        return crate::balance::dns(target, move |address| {
            endpoint(&format!("http://{address}"), timeout)
        });
    }
    if url.starts_with("dns:") {
        return Err(invalid_url(url, "only dns:///host:port is supported"));
    }
    Ok(endpoint(url, timeout)?.connect_lazy())
}

/// An endpoint with the settings every client shares.
fn endpoint(url: &str, timeout: Duration) -> Result<Endpoint, tonic::transport::Error> {
    Ok(Endpoint::from_shared(url.to_owned())?
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(timeout)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true))
}

/// The error for a URL that parses but that we cannot use; `why` is logged.
fn invalid_url(url: &str, why: &str) -> tonic::transport::Error {
    tracing::error!(url, why, "invalid gRPC URL");
    // tonic's error has no public constructor: take the one it gives for any
    // unparsable URL (a space is never valid in one).
    match Endpoint::from_shared(" ") {
        Err(error) => error,
        Ok(_) => unreachable!("a space is not a URL"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_input_carries_every_field_and_the_reason() {
        let status = invalid_input(&[
            FieldError::new("username", "must be 4 to 20 characters"),
            FieldError::new("email", "is not a valid email address"),
        ]);
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_error_details();
        assert_eq!(
            details.error_info().map(|info| info.reason.as_str()),
            Some("invalid_input")
        );
        let fields: Vec<_> = details
            .bad_request()
            .map(|bad| {
                bad.field_violations
                    .iter()
                    .map(|v| v.field.clone())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(fields, ["username", "email"]);
    }

    #[test]
    fn metrics_are_labelled_by_the_short_service_name() {
        assert_eq!(
            service_label(&["everytime.community.v1.CommunityService"]),
            "community"
        );
        assert_eq!(service_label(&[]), "unknown");
    }

    #[test]
    fn only_methods_this_server_serves_keep_their_name_in_metrics() {
        let known = known_methods(&["everytime.community.v1.CommunityService"]);
        for served in [
            "/everytime.community.v1.CommunityService/ListBoards",
            "/everytime.community.v1.CommunityService/SearchPosts",
            "/grpc.health.v1.Health/Check",
            "/grpc.health.v1.Health/Watch",
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        ] {
            assert_eq!(method_label(&known, served), served);
        }
        for bogus in [
            "/everytime.community.v1.CommunityService/NoSuchMethod",
            "/everytime.auth.v1.AuthService/SignIn",
            "/wp-login.php",
            "/",
        ] {
            assert_eq!(method_label(&known, bogus), "unknown", "{bogus}");
        }
    }

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

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let status = internal("connection to 10.0.0.3:5432 refused");
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
    }

    #[test]
    fn rate_limited_carries_the_retry_delay() {
        let status = rate_limited("too_many_attempts", "slow down", Duration::from_secs(42));
        let retry = status.get_error_details().retry_info().cloned();
        assert_eq!(
            retry.and_then(|retry| retry.retry_delay),
            Some(Duration::from_secs(42))
        );
    }
}
