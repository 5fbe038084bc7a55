//! The REST/JSON gateway: the public API of `API.md` in front of the gRPC
//! services.
//!
//! It verifies every access token itself (EdDSA only; `iss`, `aud`, `exp`
//! checked) before calling anything, forwards the token to the services as
//! `authorization` metadata, composes responses from several services
//! concurrently, and answers every error as problem+json. Each gRPC call has
//! a deadline; a backend that is down is a quick `503`, and the lazily
//! connecting channels pick the backend up again when it returns.
//!
//! [`serve`] runs it on a listener until a shutdown future resolves, with
//! its Prometheus metrics on a listener of their own
//! ([`Config::metrics_addr`]): `GET /metrics` on the public port is the
//! ordinary `404`, so nothing the Ingress forwards reaches them.
//!
//! # Layout
//!
//! - [`config`]: [`Config`], from the environment.
//! - [`state`]: [`AppState`] (config, token verifier, one gRPC client per
//!   backend service) and the helpers every call goes through:
//!   [`state::authed`] / [`state::traced`] build the request,
//!   [`state::call`] makes it.
//! - [`extract`]: the extractors (JSON body, path, query, the verified
//!   caller); [`error`]: [`error::ApiError`], the one problem+json answer
//!   and the gRPC→HTTP table; [`limit`]: the rate limit of the public auth
//!   endpoints.
//! - [`authors`]: the one nickname lookup (`BatchGetUsers`) every route
//!   that names users goes through; [`profiles`] and [`restrictions`]:
//!   the caches behind the caller's own user.
//! - [`routes`]: one folder per area, `mod.rs` with the handlers and their
//!   registration, `json.rs` with the area's JSON; [`model`]: the JSON
//!   several areas share.
//! - [`mod@openapi`]: the document's root and the problem answers the paths
//!   list; each path describes itself where its handler is.
//! - [`web`]: the web client (`gateway/web/`, embedded at build time),
//!   served on every path outside the API.
//!
//! A request, e.g. `GET /api/v1/posts/{id}`: the router
//! (`routes::community::routes`) calls `routes::community::posts::get_post`;
//! its [`extract::Auth`] verifies the token; the handler [`state::call`]s
//! the community service's `GetPost` with the token attached, looks up the
//! authors' nicknames through [`authors::Nicknames`], and answers the JSON of
//! `routes::community::json`; a failed call becomes a problem through
//! `From<tonic::Status> for ApiError`.

pub mod authors;
pub mod config;
pub mod error;
pub mod extract;
pub mod limit;
pub mod model;
pub mod openapi;
pub mod profiles;
pub mod restrictions;
pub mod routes;
pub mod state;
pub mod web;

use std::{future::Future, net::SocketAddr, time::Duration};

use axum::{
    Extension, Router,
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    http::{HeaderName, HeaderValue, Method, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use everytime_common::telemetry;
use tokio::net::TcpListener;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

pub use crate::{
    config::Config,
    state::{AppState, Backend, Clients, StartError},
};
use crate::{error::ApiError, openapi::Document};

/// Request bodies larger than this are refused with `413`.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The OpenAPI document of every route `state`'s app serves.
pub fn openapi(state: &AppState) -> utoipa::openapi::OpenApi {
    let mut openapi = routes::router(state).into_openapi();
    openapi::complete(&mut openapi);
    openapi
}

/// The whole HTTP application: routes, fallbacks and tower layers.
pub fn app(state: AppState) -> Router {
    let cors = cors_layer(&state.config.cors_origins);
    let x_request_id = HeaderName::from_static("x-request-id");
    // The router and the document come from the same registrations.
    let (router, mut openapi) = routes::router(&state).split_for_parts();
    openapi::complete(&mut openapi);
    router
        .layer(Extension(Document::new(&openapi)))
        .with_state(state.clone())
        .fallback(web::fallback)
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_timeout,
        ))
        .layer(middleware::from_fn_with_state(
            state,
            close_when_shutting_down,
        ))
        .layer(CompressionLayer::new())
        .layer(cors)
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(middleware::from_fn(record_metrics))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let request_id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or_default();
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or(request.uri().path(), MatchedPath::as_str);
                    let span = tracing::info_span!(
                        "http",
                        otel.kind = "server",
                        otel.name = %format_args!("{} {route}", request.method()),
                        http.request.method = %request.method(),
                        http.route = route,
                        url.path = %request.uri().path(),
                        request_id,
                        trace_id = tracing::field::Empty,
                    );
                    // A client may send its own traceparent; the trace continues.
                    telemetry::continue_trace(&span, request.headers());
                    span
                })
                // One access-log line per request, with status and latency.
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                ApiError::internal("a handler panicked").into_response()
            },
        ))
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600))
}

/// Counts and times every request by method, route template and status.
async fn record_metrics(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    everytime_common::metrics::record_http(
        method.as_str(),
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// While the gateway shuts down, every answer closes its connection, so a
/// keep-alive client's next request opens a new one (to another replica,
/// behind a load balancer) instead of meeting a closed socket.
async fn close_when_shutting_down(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if *state.closing.borrow() {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Answers `504` problem+json when a request runs past `REQUEST_TIMEOUT_MS`.
async fn request_timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(state.config.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            axum::http::StatusCode::GATEWAY_TIMEOUT,
            "request_timeout",
            "the request took too long",
        )
        .into_response(),
    }
}

/// Serves the gateway on `listener` until `shutdown` resolves; then, for
/// [`Config::shutdown_delay`], `/readyz` answers `503` while requests are
/// still served (with `Connection: close`); then it stops accepting and
/// lets in-flight requests finish. Metrics are on [`Config::metrics_addr`],
/// when set, until then.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    use axum::serve::ListenerExt;
    let metrics = match config.metrics_addr {
        Some(addr) => Some(everytime_common::metrics::Beside::bind(addr).await?),
        None => None,
    };
    let (closing, closing_seen) = tokio::sync::watch::channel(false);
    let shutdown_delay = config.shutdown_delay;
    let state = AppState::new(config, closing_seen)?;
    let shutdown = async move {
        shutdown.await;
        // `/readyz` turns 503, answers close their connections, and open
        // notification streams end, so draining finishes.
        closing.send_replace(true);
        if !shutdown_delay.is_zero() {
            tracing::info!(
                delay_ms = shutdown_delay.as_millis(),
                "not ready; still serving until the shutdown delay has passed"
            );
            tokio::time::sleep(shutdown_delay).await;
        }
    };
    // Small responses go out at once rather than waiting on delayed ACKs.
    let listener = listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    if let Some(metrics) = metrics {
        metrics.stop().await;
    }
    Ok(())
}
