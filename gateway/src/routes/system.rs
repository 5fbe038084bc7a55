//! Health, readiness, the JWK Set and the OpenAPI document (all public).

use std::time::Duration;

use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use utoipa::ToSchema;

use crate::{
    AppState,
    error::{ApiError, ApiResult},
    openapi,
};

/// How long `/readyz` waits for each backend's health check.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/metrics", get(metrics))
}

/// `{"status": "ok"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthBody {
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process runs.
#[utoipa::path(get, path = "/healthz", tag = "system", security(()),
    responses((status = 200, description = "The gateway process runs", body = HealthBody)))]
pub async fn healthz() -> Json<HealthBody> {
    Json(HealthBody {
        status: "ok".into(),
    })
}

/// Readiness: every backend answers its gRPC health check.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyBody {
    #[schema(example = "ready")]
    pub status: String,
    /// Each backend's health: `serving`, `not_serving` or `unreachable`.
    #[schema(value_type = Object)]
    pub services: Map<String, Value>,
}

/// Every backend's gRPC health; `503` naming the failing ones.
#[utoipa::path(get, path = "/readyz", tag = "system", security(()),
    responses(
        (status = 200, description = "Every backend is serving", body = ReadyBody),
        (status = 503, description = "Some backend is not serving; `failing` names them", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(state): State<AppState>) -> Response {
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

/// One public key.
#[derive(Debug, Serialize, ToSchema)]
pub struct JwkBody {
    #[schema(example = "OKP")]
    pub kty: String,
    #[schema(example = "Ed25519")]
    pub crv: String,
    pub x: String,
    pub kid: String,
    #[schema(example = "EdDSA")]
    pub alg: String,
    #[serde(rename = "use")]
    #[schema(example = "sig")]
    pub use_: String,
}

/// A JWK Set (RFC 7517).
#[derive(Debug, Serialize, ToSchema)]
pub struct JwksBody {
    pub keys: Vec<JwkBody>,
}

/// The public keys that verify access tokens.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "system", security(()),
    responses(
        (status = 200, description = "The JWK Set", body = JwksBody),
        (status = 503, description = "The auth service is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn jwks(State(state): State<AppState>) -> ApiResult<Response> {
    let keys = state
        .clients
        .auth
        .clone()
        .get_jwks(super::traced(everytime_proto::auth::v1::GetJwksRequest {}))
        .await?
        .into_inner()
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
    Ok(([(header::CACHE_CONTROL, "public, max-age=300")], Json(body)).into_response())
}

/// Prometheus metrics of the gateway (text exposition format).
pub async fn metrics() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        everytime_common::metrics::render(),
    )
        .into_response()
}

/// The OpenAPI 3.1 document of this API, generated from the code.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system", security(()),
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi::document().to_owned(),
    )
        .into_response()
}
