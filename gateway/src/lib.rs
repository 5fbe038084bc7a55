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
//! [`serve`] runs it on a listener until a shutdown future resolves.

pub mod error;
pub mod extract;
pub mod limit;
pub mod model;
pub mod openapi;
pub mod routes;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    http::{HeaderName, HeaderValue, Method, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use everytime_common::{
    config::{self, ConfigError},
    grpc, telemetry,
    token::{AuthJwks, TokenSettings, TokenVerifier},
};
use everytime_proto::{
    auth::v1::{auth_service_client::AuthServiceClient, user_service_client::UserServiceClient},
    community::v1::community_service_client::CommunityServiceClient,
    timetable::v1::{
        catalog_service_client::CatalogServiceClient, friend_service_client::FriendServiceClient,
        timetable_service_client::TimetableServiceClient,
    },
};
use tokio::net::TcpListener;
use tonic::transport::Channel;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

use crate::{error::ApiError, limit::RateLimiter};

/// Request bodies larger than this are refused with `413`.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Everything the gateway is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The auth service (`AUTH_URL`, default `http://127.0.0.1:50051`).
    pub auth_url: String,
    /// The community service (`COMMUNITY_URL`, default `http://127.0.0.1:50052`).
    pub community_url: String,
    /// The timetable service (`TIMETABLE_URL`, default `http://127.0.0.1:50053`).
    pub timetable_url: String,
    /// The deadline of every gRPC call (`GRPC_TIMEOUT_MS`, default 5000).
    pub grpc_timeout: Duration,
    /// The most a whole HTTP request may take (`REQUEST_TIMEOUT_MS`, default 15000).
    pub request_timeout: Duration,
    /// Issuer, audience and lifetimes of tokens.
    pub tokens: TokenSettings,
    /// Mark cookies `Secure` (`COOKIE_SECURE`, default false; turn on behind HTTPS).
    pub cookie_secure: bool,
    /// Origins allowed by CORS, with credentials (`CORS_ALLOWED_ORIGINS`,
    /// comma-separated; default none).
    pub cors_origins: Vec<String>,
    /// Take the client address from the right-most `X-Forwarded-For` entry
    /// (`TRUST_FORWARDED_FOR`, default false; turn on behind exactly one
    /// proxy that appends it).
    pub trust_forwarded_for: bool,
    /// Sign-up, sign-in and refresh requests per client address per minute
    /// (`AUTH_RATE_LIMIT_PER_MINUTE`, default 60).
    pub auth_rate_limit_per_minute: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// Defaults with every backend at its default local address.
    pub fn new() -> Self {
        Config {
            auth_url: "http://127.0.0.1:50051".into(),
            community_url: "http://127.0.0.1:50052".into(),
            timetable_url: "http://127.0.0.1:50053".into(),
            grpc_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            tokens: TokenSettings::default(),
            cookie_secure: false,
            cors_origins: Vec::new(),
            trust_forwarded_for: false,
            auth_rate_limit_per_minute: 60,
        }
    }

    /// Reads the environment; the README lists every variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut config = Config::new();
        config.auth_url = config::var_or("AUTH_URL", &config.auth_url);
        config.community_url = config::var_or("COMMUNITY_URL", &config.community_url);
        config.timetable_url = config::var_or("TIMETABLE_URL", &config.timetable_url);
        config.grpc_timeout = config::millis_or("GRPC_TIMEOUT_MS", 5000)?;
        config.request_timeout = config::millis_or("REQUEST_TIMEOUT_MS", 15_000)?;
        config.tokens = TokenSettings::from_env()?;
        config.cookie_secure = config::flag_or("COOKIE_SECURE", false)?;
        config.cors_origins = config::var("CORS_ALLOWED_ORIGINS")
            .map(|origins| {
                origins
                    .split(',')
                    .map(str::trim)
                    .filter(|origin| !origin.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        config.trust_forwarded_for = config::flag_or("TRUST_FORWARDED_FOR", false)?;
        config.auth_rate_limit_per_minute = config::parse_or("AUTH_RATE_LIMIT_PER_MINUTE", 60)?;
        Ok(config)
    }
}

/// One backend service, for `/readyz`.
#[derive(Debug, Clone)]
pub struct Backend {
    /// Its short name (`auth`).
    pub name: &'static str,
    /// The channel to it.
    pub channel: Channel,
}

/// The gRPC clients of every backend. Channels multiplex over HTTP/2, so
/// each handler clones its client; nothing is locked.
#[derive(Debug, Clone)]
pub struct Clients {
    /// `everytime.auth.v1.AuthService`.
    pub auth: AuthServiceClient<Channel>,
    /// `everytime.auth.v1.UserService`.
    pub users: UserServiceClient<Channel>,
    /// `everytime.community.v1.CommunityService`.
    pub community: CommunityServiceClient<Channel>,
    /// `everytime.timetable.v1.CatalogService`.
    pub catalog: CatalogServiceClient<Channel>,
    /// `everytime.timetable.v1.TimetableService`.
    pub timetables: TimetableServiceClient<Channel>,
    /// `everytime.timetable.v1.FriendService`.
    pub friends: FriendServiceClient<Channel>,
    /// Every backend, for health checks.
    pub backends: Vec<Backend>,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The configuration.
    pub config: Arc<Config>,
    /// Verifies access tokens against auth's JWK Set.
    pub verifier: Arc<TokenVerifier>,
    /// The backends.
    pub clients: Clients,
    /// The per-client limit on the public auth endpoints.
    pub auth_limiter: Arc<RateLimiter>,
}

/// The gateway could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A backend URL is malformed.
    #[error("invalid backend URL: {0}")]
    Url(#[from] tonic::transport::Error),
    /// Serving HTTP failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl AppState {
    /// Builds the clients (lazily connecting) and the token verifier.
    pub fn new(config: Config) -> Result<Self, StartError> {
        let auth = grpc::channel(&config.auth_url, config.grpc_timeout)?;
        let community = grpc::channel(&config.community_url, config.grpc_timeout)?;
        let timetable = grpc::channel(&config.timetable_url, config.grpc_timeout)?;
        let verifier = Arc::new(
            config
                .tokens
                .verifier(Arc::new(AuthJwks::new(auth.clone()))),
        );
        let clients = Clients {
            auth: AuthServiceClient::new(auth.clone()),
            users: UserServiceClient::new(auth.clone()),
            community: CommunityServiceClient::new(community.clone()),
            catalog: CatalogServiceClient::new(timetable.clone()),
            timetables: TimetableServiceClient::new(timetable.clone()),
            friends: FriendServiceClient::new(timetable.clone()),
            backends: vec![
                Backend {
                    name: "auth",
                    channel: auth,
                },
                Backend {
                    name: "community",
                    channel: community,
                },
                Backend {
                    name: "timetable",
                    channel: timetable,
                },
            ],
        };
        Ok(AppState {
            auth_limiter: Arc::new(RateLimiter::per_minute(config.auth_rate_limit_per_minute)),
            config: Arc::new(config),
            verifier,
            clients,
        })
    }
}

/// The whole HTTP application: routes, fallbacks and tower layers.
pub fn app(state: AppState) -> Router {
    let cors = cors_layer(&state.config.cors_origins);
    let x_request_id = HeaderName::from_static("x-request-id");
    routes::router(state.clone())
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state, request_timeout))
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
    if route != "/metrics" {
        everytime_common::metrics::record_http(
            method.as_str(),
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
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

/// Serves the gateway on `listener` until `shutdown` resolves, then lets
/// in-flight requests finish.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    use axum::serve::ListenerExt;
    let state = AppState::new(config)?;
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
    Ok(())
}
