//! Health, readiness, the JWK Set (cached, [`jwks`](mod@jwks)) and the
//! OpenAPI document (all public). Prometheus metrics are not here: they are
//! served on a listener of their own ([`crate::serve`]), never the public
//! port.

mod json;
pub mod jwks;

use std::{sync::Arc, time::Duration};

use axum::{
    Extension, Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use everytime_proto::auth::v1::{GetJwksRequest, auth_service_client::AuthServiceClient};
use serde_json::{Map, Value, json};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::json::*;
use self::jwks::JwksCache;
use crate::{
    error::{ApiError, ApiResult},
    openapi::{Document, problems},
    state::{AppState, call, traced},
};

/// How long `/readyz` waits for each backend's health check.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// This area's routes, with the JWK Set cache of this gateway.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(jwks))
        .routes(routes!(openapi_json))
        .layer(Extension(Arc::new(JwksCache::default())))
}

problems! {
    /// `/readyz` when a backend is down.
    NotReady = (503, "Some backend is not serving (`not_ready`; `failing` names them), or this gateway is shutting down (`shutting_down`)");
    /// `/.well-known/jwks.json` when auth is down.
    AuthUnavailable = (503, "The auth service is unavailable");
}

/// Liveness: the process runs.
#[utoipa::path(get, path = "/healthz", tag = "system", security(()),
    responses((status = 200, description = "The gateway process runs", body = HealthBody)))]
pub async fn healthz() -> Json<HealthBody> {
    Json(HealthBody {
        status: "ok".into(),
    })
}

/// Every backend's gRPC health; `503` naming the failing ones, or while
/// this gateway shuts down ([`crate::Config::shutdown_delay`]).
#[utoipa::path(get, path = "/readyz", tag = "system", security(()),
    responses(
        (status = 200, description = "Every backend is serving", body = ReadyBody),
        NotReady,
    ))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    if *state.closing.borrow() {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "this gateway is shutting down",
        )
        .into_response();
    }
    let checks = state.clients.backends.iter().map(|backend| async move {
        let mut client = HealthClient::new(backend.channel.clone());
        let check = client.check(HealthCheckRequest {
            service: String::new(),
        });
        let status = match tokio::time::timeout(READY_TIMEOUT, check).await {
            Ok(Ok(response)) if response.get_ref().status() == ServingStatus::Serving => "serving",
            Ok(Ok(_)) => "not_serving",
            Ok(Err(_)) | Err(_) => "unreachable",
        };
        (backend.name, status)
    });
    let results = futures::future::join_all(checks).await;
    let failing: Vec<&str> = results
        .iter()
        .filter(|(_, status)| *status != "serving")
        .map(|(name, _)| *name)
        .collect();
    let services: Map<String, Value> = results
        .iter()
        .map(|(name, status)| ((*name).to_owned(), Value::from(*status)))
        .collect();
    if failing.is_empty() {
        Json(ReadyBody {
            status: "ready".into(),
            services,
        })
        .into_response()
    } else {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            format!("not ready: {}", failing.join(", ")),
        )
        .with_extra("failing", json!(failing))
        .with_extra("services", Value::Object(services))
        .into_response()
    }
}

/// The public keys that verify access tokens, from this gateway's cache
/// ([`jwks`](mod@jwks)): auth is asked at most once per key max-age.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "system", security(()),
    responses(
        (status = 200, description = "The JWK Set", body = JwksBody),
        AuthUnavailable,
    ))]
pub async fn jwks(
    State(state): State<AppState>,
    Extension(cache): Extension<Arc<JwksCache>>,
) -> ApiResult<Response> {
    let answer = cache.get(|| fetch_jwks(state)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CACHE_CONTROL,
                format!("public, max-age={}", answer.max_age.as_secs()),
            ),
        ],
        answer.body,
    )
        .into_response())
}

/// Auth's JWK Set, as the JSON this gateway answers.
async fn fetch_jwks(state: AppState) -> ApiResult<String> {
    let keys = call(
        &state.clients.auth,
        traced(GetJwksRequest {}),
        AuthServiceClient::get_jwks,
    )
    .await?
    .keys;
    let body = JwksBody {
        keys: keys
            .into_iter()
            .map(|key| JwkBody {
                kty: key.kty,
                crv: key.crv,
                x: key.x,
                kid: key.kid,
                alg: key.alg,
                use_: key.r#use,
            })
            .collect(),
    };
    serde_json::to_string(&body).map_err(ApiError::internal)
}

/// The OpenAPI 3.1 document of this API, generated from the code.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system", security(()),
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub async fn openapi_json(Extension(Document(document)): Extension<Document>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document.to_string(),
    )
        .into_response()
}
