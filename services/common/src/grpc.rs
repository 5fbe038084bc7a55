//! gRPC plumbing every service uses the same way.
//!
//! - Errors: statuses carry `google.rpc.ErrorInfo` (reason = the REST API's
//!   `code`) and, for bad input, `google.rpc.BadRequest` field violations, so
//!   the gateway can answer a precise problem+json without knowing any
//!   service's rules. Internal causes are logged, never sent.
//! - [`RequireAuthLayer`]: every RPC that is not public needs a valid bearer
//!   token; the verified [`Caller`] lands in the request extensions.
//! - [`serve`]: runs a service's routes with health, reflection, tracing and
//!   the auth layer, until the shutdown future resolves.
//! - [`channel`]: a client channel with a connect timeout and a deadline on
//!   every call, connecting lazily so a backend that is down at start-up is
//!   picked up when it comes back.

use std::{
    fmt::Display,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use tokio::net::TcpListener;
use tokio_stream::{StreamExt, wrappers::TcpListenerStream};
use tonic::{
    Code, Request, Status,
    service::Routes,
    transport::{Channel, Endpoint, Server},
};
use tonic_health::ServingStatus;
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
/// [`RequireAuthLayer`], until `shutdown` resolves; in-flight RPCs then
/// finish before it returns.
pub async fn serve(
    routes: Routes,
    options: ServeOptions,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let (reporter, health) = tonic_health::server::health_reporter();
    for service in options.health_services {
        reporter
            .set_service_status(*service, ServingStatus::Serving)
            .await;
    }
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
        .layer(MetricsLayer { service })
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

/// Counts and times every RPC by method and status code.
#[derive(Clone, Copy)]
struct MetricsLayer {
    service: &'static str,
}

impl<S> tower::Layer<S> for MetricsLayer {
    type Service = Metrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Metrics {
            inner,
            service: self.service,
        }
    }
}

#[derive(Clone)]
struct Metrics<S> {
    inner: S,
    service: &'static str,
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
        let method = request.uri().path().to_owned();
        let service = self.service;
        let started = std::time::Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            if method != METRICS_PATH {
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

/// A channel to `url` (`http://host:port`) that connects lazily, gives up
/// connecting after a second, and puts `timeout` on every call.
pub fn channel(url: &str, timeout: Duration) -> Result<Channel, tonic::transport::Error> {
    Ok(Endpoint::from_shared(url.to_owned())?
        .connect_timeout(Duration::from_secs(1))
        .timeout(timeout)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true)
        .connect_lazy())
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
